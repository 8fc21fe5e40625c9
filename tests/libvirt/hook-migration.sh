#!/bin/bash
# A real live migration through libvirt between two private libvirt 9.0 daemons on this
# machine (libvirtd-pair.sh: two "hosts", each its own host UUID, mount namespace, fwneg
# config and state dir), with fwneg-hook in both hosts' qemu.d.  On the target, B, the
# iPXE ROM for the guest's e1000 NIC is another build (bind-mounted over
# /usr/lib/ipxe/qemu/efi-e1000.rom in B's namespace only), in another size bucket:
#
#   hook off on B (manage=none): virsh migrate --live fails, B's QEMU says
#                                "Size mismatch: 0000:00:02.0/e1000.rom: 0x40000 != 0x20000",
#                                the guest keeps running on A
#   hook on: B's migrate hook pins romsize to the recorded 256 KiB, the migration completes,
#            the guest runs on B with the recorded RAM block
#   B's ROM bigger than the recorded bucket, no recorded copy on B: refused by B's migrate
#            hook before any QEMU starts there, naming the device, both sizes and the
#            fwneg rom export/import commands; the guest keeps running on A
# The guests are pinned by path to the package's ROM, as `fwneg plan --output=xml` pins
# them, so that without fwneg each host loads its own ROM.  Prints TAP; root only.
set -uo pipefail

: "${FWNEG_BIN:?}" "${FWNEG_HOOK:?}" "${FWNEG_DATA_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/libvirtd-pair.sh"
source "$here/../hook/hook-lib.sh"
skip() { echo "1..0 # SKIP $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (private mount namespaces, daemons under uid $LP_UID)"
for tool in virsh setpriv nsenter unshare python3 jq qemu-system-x86_64; do
    command -v "$tool" >/dev/null || skip "$tool not installed"
done
[ -x /usr/sbin/libvirtd ] || skip "libvirtd not installed (libvirt-daemon)"
grep -qw overlay /proc/filesystems || skip "no overlayfs"
ROM=/usr/lib/ipxe/qemu/efi-e1000.rom
[ -r "$ROM" ] || skip "ipxe-qemu not installed"

W=$(mktemp -d /var/tmp/fwneg-migration.XXXXXX)
chmod 0755 "$W"
A=$W/a B=$W/b
cleanup() {
    lp_stop_all
    if [ "${LP_KEEP:-0}" = 1 ]; then lp_log "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Each host: fwneg's config in its /etc, its own state dir, the hook in its qemu.d.
for d in "$A" "$B"; do
    mkdir -p "$d/hooks/qemu.d" "$d/etc-upper/fwneg"
    ln -s "$FWNEG_HOOK" "$d/hooks/qemu.d/90-fwneg"
    install -d -o "$LP_UID" -g "$LP_GID" -m 0755 "$d/state"
    install -o "$LP_UID" -m 0644 /dev/null "$d/hook.log"
done
host_config() { # DIR MANAGE
    lp_ns "$1" sh -c "cat >/etc/fwneg/fwneg.conf" <<EOF
[fwneg]
state-dir=$1/state
data-dir=$FWNEG_DATA_DIR
[hook]
manage=$2
log=$1/hook.log
EOF
}
for d in "$A" "$B"; do
    printf '[fwneg]\nstate-dir=%s/state\ndata-dir=%s\n[hook]\nlog=%s/hook.log\n' \
        "$d" "$FWNEG_DATA_DIR" "$d" >"$d/etc-upper/fwneg/fwneg.conf"
done
# B's iPXE build: an older, smaller one first (pxe-e1000.rom: the 128 KiB bucket).
cp /usr/lib/ipxe/qemu/pxe-e1000.rom "$B/efi-e1000.rom"
chmod 0644 "$B/efi-e1000.rom"
echo "$B/efi-e1000.rom $ROM" >"$B/binds"
t0=$(date +%s%N)
lp_start "$A" "$B"
diag "two daemons started in $((($(date +%s%N) - t0) / 1000000)) ms"
check_eval "B's QEMU sees another efi-e1000.rom than A's" \
    '[ "$(lp_ns "$B" stat -L -c %s "$ROM")" = "$(stat -c %s /usr/lib/ipxe/qemu/pxe-e1000.rom)" ] &&
        [ "$(lp_ns "$A" stat -L -c %s "$ROM")" = "$(stat -c %s "$ROM")" ]'

# A guest on A, planned and recorded by fwneg on A (ROMs pinned by path).
guest() { # NAME UUID MAC
    cat >"$W/$1.xml" <<EOF
<domain type='qemu'>
  <name>$1</name>
  <uuid>$2</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='user'><mac address='$3'/><model type='e1000'/></interface>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
    chmod 0644 "$W/$1.xml"
    lp_virsh "$A" define "$W/$1.xml" >/dev/null &&
        lp_virsh "$A" dumpxml --inactive "$1" >"$W/$1.defined.xml" &&
        lp_as_user "$A" "$FWNEG_BIN" plan --output=xml "$W/$1.defined.xml" >"$W/$1.planned.xml" &&
        chmod 0644 "$W/$1.planned.xml" &&
        lp_virsh "$A" define "$W/$1.planned.xml" >/dev/null &&
        lp_virsh "$A" start "$1" >/dev/null
}
running_on() { [ "$(lp_virsh "$1" domstate "$2" 2>/dev/null)" = running ]; }
rom_block() {
    lp_virsh "$1" qemu-monitor-command --hmp "$2" 'info ramblock' | tr -d '\r' |
        awk '/e1000.rom/ { print $NF }'
}
migrate() { # DOM -> MIG_RC, MIG_OUT
    local port t
    port=$(lp_freeport)
    t=$(date +%s%N)
    MIG_OUT=$(LP_VIRSH_TIMEOUT=180 lp_virsh "$A" migrate --live --unsafe "$1" "$(lp_uri "$B")" \
        --migrateuri "tcp://127.0.0.1:$port" --listen-address 127.0.0.1 2>&1)
    MIG_RC=$?
    diag "migrate $1 A->B: rc=$MIG_RC in $((($(date +%s%N) - t) / 1000000)) ms ${MIG_OUT:+virsh: $MIG_OUT}"
}

G=fwneg-mig
guest $G 6b3c1e2a-0000-4000-8000-0000000000f1 52:54:00:f1:00:01
check_eval "guest runs on A, recorded by fwneg in its metadata, its ROM pinned by path" \
    'running_on "$A" $G && grep -q "fwneg:plan" <<<"$(lp_virsh "$A" dumpxml $G)" &&
        grep -qE "<rom file=./usr/(share/qemu|lib/ipxe/qemu)/efi-e1000.rom./>" <<<"$(lp_virsh "$A" dumpxml $G)"'
check_eval "A's RAM block for the NIC ROM is 0x40000" '[ "$(rom_block "$A" $G)" = 0x0000000000040000 ]'

# ---- without the hook -------------------------------------------------------------------
host_config "$B" none
migrate $G
check "hook off on B: virsh migrate --live fails" test "$MIG_RC" != 0
check_eval "hook off on B: B's QEMU refused the stream with Size mismatch 0x40000 != 0x20000" \
    'grep -q "Size mismatch: 0000:00:02.0/e1000.rom: 0x40000 != 0x20000" "$(lp_qemu_log "$B" $G)"'
check_eval "hook off on B: the guest keeps running on A" 'running_on "$A" $G'

# ---- with the hook ----------------------------------------------------------------------
host_config "$B" recorded
migrate $G
check "hook on B: the same migration completes" test "$MIG_RC" = 0
check_eval "hook on B: the guest runs on B" 'running_on "$B" $G'
check_eval "hook on B: B's QEMU got romsize=262144 for its smaller ROM" \
    'grep -q "\"romsize\":262144" <<<"$(tr "\0" "\n" </proc/$(lp_qemu_pid "$B" $G)/cmdline)"'
check_eval "hook on B: B's RAM block is the recorded 0x40000" '[ "$(rom_block "$B" $G)" = 0x0000000000040000 ]'
check_eval "hook on B: migrate, prepare, start and started ran on B and passed" \
    '(for op in "migrate begin" "prepare begin" "start begin" "started begin"; do
         hook_log_passed "$B/hook.log" $G "$op" || exit 1
     done)'
check_eval "hook on B: fwneg's fw_cfg file was written in B's state dir and QEMU reads that one" \
    'grep -q "name=opt/org.fwneg/features,file=$B/state/fwcfg/" <<<"$(tr "\0" "\n" </proc/$(lp_qemu_pid "$B" $G)/cmdline)"'
check_eval "hook on B: libvirt tainted the guest hook-script (the rewrite was used)" \
    'grep -q "tainted: hook-script" "$(lp_qemu_log "$B" $G)"'

# ---- a target fwneg cannot repair --------------------------------------------------------
G2=fwneg-mig2
guest $G2 6b3c1e2a-0000-4000-8000-0000000000f2 52:54:00:f1:00:02
# B's ROM is now bigger than the recorded bucket (written in place: the bind stays).
head -c 307200 /dev/zero >"$B/efi-e1000.rom"
dd if="$ROM" of="$B/efi-e1000.rom" conv=notrunc status=none
migrate $G2
check "unrepairable target: the migration is refused" test "$MIG_RC" != 0
check_eval "unrepairable target: virsh shows fwneg's line: device, both sizes, rom export/import" \
    'grep -q "fwneg: refusing the incoming migration of $G2: rom .*0000:00:02.0/e1000.rom: recorded 262144-byte RAM block.*307200 bytes (524288-byte RAM block).*fwneg rom export --to DIR .*fwneg rom import DIR/" <<<"$MIG_OUT"'
check_eval "unrepairable target: refused before any QEMU started on B" \
    '! lp_qemu_pid "$B" $G2 >/dev/null && ! grep -q " $G2 prepare begin" "$B/hook.log" &&
        ! [ -e "$(lp_qemu_log "$B" $G2)" ]'
check_eval "unrepairable target: the guest keeps running on A" 'running_on "$A" $G2'

tap_done

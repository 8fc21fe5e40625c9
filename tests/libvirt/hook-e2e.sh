#!/bin/bash
# The libvirt hook end to end with a real, private libvirt 9.0 (libvirtd-harness.sh: a
# session daemon under uid 65534, its hooks dir and an overlay on /etc private to this
# test's mount namespace).  fwneg-hook is installed as hooks/qemu.d/90-fwneg, its config
# as /etc/fwneg/fwneg.conf, exactly as `meson install` places them.
#
#   define -> fwneg apply (--dry-run first) -> start --paused -> every op the hook got is
#   in its log -> the running QEMU's ROM RAM blocks (QMP info ramblock) and, re-run from
#   libvirt's own command line under qtest, its fw_cfg bootorder and fwneg's fw_cfg file
#   equal the record (read as tests/roms and tests/bootorder read them);
#   a start the record does not hold for is refused with fwneg's one line, no QEMU left;
#   virsh save, then the ROM store emptied and the ROM dir holding a smaller ROM, then
#   virsh restore: the restore rewrite pins romsize, the guest resumes;
#   libvirtd restarted under the running guest: reconnect verifies, the guest survives;
#   six guests started at once: six whole records.
# Prints TAP; skips where libvirtd cannot run.
set -uo pipefail

: "${FWNEG_BIN:?}" "${FWNEG_HOOK:?}" "${FWNEG_APPLY:?}" "${FWNEG_QEMU_FWCFG:?}" "${FWNEG_DATA_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/libvirtd-harness.sh"
lvh_reexec_in_private_mount_ns "$0" "$@"
reason=$(lvh_unusable_reason) && lvh_skip_all "$reason"
[ "$(id -u)" = 0 ] || lvh_skip_all "needs root (a private /etc/libvirt/hooks in a mount namespace)"
grep -qw overlay /proc/filesystems || lvh_skip_all "no overlayfs (a private /etc/fwneg)"
[ -r /usr/lib/ipxe/qemu/efi-e1000.rom ] || lvh_skip_all "ipxe-qemu not installed"
source "$here/../bootorder/bootorder-lib.sh"
source "$here/../hook/hook-lib.sh"

lvh_pre_start() {
    mkdir -p "$LVH_ETC_LIBVIRT/hooks/qemu.d"
    ln -s "$FWNEG_HOOK" "$LVH_ETC_LIBVIRT/hooks/qemu.d/90-fwneg"
    E=$LVH_DIR/fwneg
    install -d -o "$LVH_UID" -g "$LVH_GID" -m 0755 "$E" "$E/state" "$E/roms"
    cp /usr/lib/ipxe/qemu/efi-e1000.rom /usr/lib/ipxe/qemu/pxe-e1000.rom "$E/roms/"
    chmod 0644 "$E/roms/"*
    install -o "$LVH_UID" -m 0644 /dev/null "$E/hook.log"
    mkdir -p /etc/fwneg
    cat >/etc/fwneg/fwneg.conf <<EOF
[fwneg]
state-dir=$E/state
rom-dirs=$E/roms
data-dir=$FWNEG_DATA_DIR
[hook]
log=$E/hook.log
EOF
}
LVH_ETC_OVERLAY=1
lvh_start

as_user() { lvh_as_daemon_user "$@"; }
fwneg_apply() { as_user "$FWNEG_BIN" apply --connect qemu:///session "$@"; }
hook_log_has() { grep -E "$1" "$E/hook.log" >/dev/null; }
qemu_alive() { lvh_qemu_pid "$1" >/dev/null 2>&1; }

guest_xml() { # NAME UUID MAC
    cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <uuid>$2</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='user'>
      <mac address='$3'/>
      <model type='e1000'/>
      <boot order='1'/>
    </interface>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

# libvirt's QEMU command line without what only works inside libvirt (its monitor fd
# and the master-key secret), for a re-run under qtest (tests/bootorder).
filter_argv() {
    local skip=0 arg prev=""
    for arg in "$@"; do
        case "$arg" in -mon | -chardev | -object) prev=$arg; continue ;; esac
        if [ -n "$prev" ]; then
            case "$arg" in *fd=* | *charmonitor* | *'"qom-type":"secret"'*) ;; *) printf '%s\n' "$prev" "$arg" ;; esac
            prev=""
            continue
        fi
        printf '%s\n' "$arg"
    done
}

G=fwneg-e2e
U=6b3c1e2a-0000-4000-8000-0000000000e1
guest_xml $G $U 52:54:00:e2:00:01 >"$LVH_DIR/staged/$G.xml"
chmod 0644 "$LVH_DIR/staged/$G.xml"
lvh_virsh define "$LVH_DIR/staged/$G.xml" >/dev/null
check_eval "guest defined" 'lvh_virsh domstate $G >/dev/null'

# ---- fwneg apply ------------------------------------------------------------------
dry=$(fwneg_apply --dry-run $G 2>&1)
check_eval "fwneg apply --dry-run prints the diff (metadata, <rom file> into the store) and changes nothing" \
    'grep -q "^+.*<fwneg:plan" <<<"$dry" && grep -q "^+.*<rom file=\"$E/state/roms/" <<<"$dry" &&
        ! grep -q fwneg:plan <<<"$(lvh_virsh dumpxml --inactive $G)"'
out=$(fwneg_apply $G 2>&1)
check_eval "fwneg apply defines the guest with its plan applied and recorded ($out)" \
    'grep -q fwneg:plan <<<"$(lvh_virsh dumpxml --inactive $G)" && [ -s "$E/state/vms/$U.json" ]'
jq -r '.roms[0] | "\(.ramblock) \(.size)"' "$E/state/vms/$U.json" >"$LVH_DIR/rom.expected"
read -r ramblock size <"$LVH_DIR/rom.expected"
diag "recorded ROM RAM block: $ramblock $size"

# ---- start --paused: every op, and the running QEMU equals the record ------------------
start_ms=$(date +%s%N)
out=$(lvh_virsh start --paused $G 2>&1)
diag "virsh start --paused: $((($(date +%s%N) - start_ms) / 1000000)) ms ${out}"
check "virsh start --paused succeeds with the hook installed" qemu_alive $G
for op in "prepare begin" "start begin" "started begin"; do
    check_eval "hook log: $op ran the worker and passed" \
        'hook_log_passed "$E/hook.log" $G "$op"'
done
check "started wrote the run record" test -s "$E/state/run/$U.json"
got=$(lvh_virsh qemu-monitor-command --hmp $G 'info ramblock' | tr -d '\r' |
    awk -v b="$ramblock" '$1 == b { print $NF }')
check "QEMU's RAM block $ramblock is $size bytes, as recorded (info ramblock: $got)" \
    test "$((got))" = "$size"
mapfile -t argv < <(lvh_qemu_argv $G)
check_eval "libvirt passed fwneg's fw_cfg file and the store ROM to QEMU" \
    'grep -q "name=opt/org.fwneg/features,file=$E/state/fwcfg/$U/" <<<"$(printf "%s\n" "${argv[@]}")" &&
        grep -q "\"romfile\":\"$E/state/roms/" <<<"$(printf "%s\n" "${argv[@]}")"'
lvh_virsh destroy $G >/dev/null
check_eval "destroy: stopped and release ran; the run record is gone" \
    'grep -q " $G stopped end -" "$E/hook.log" && grep -q " $G release end -: worker" "$E/hook.log" &&
        ! [ -e "$E/state/run/$U.json" ]'
filter_argv "${argv[@]}" >"$LVH_DIR/qemu.argv"
mapfile -t rerun <"$LVH_DIR/qemu.argv"
want=$(bo_expected_hex "$E/state/vms/$U.json")
got=$("$FWNEG_QEMU_FWCFG" --hex bootorder -- "${rerun[@]}" 2>"$LVH_DIR/fwcfg.err")
check "QEMU's fw_cfg bootorder (libvirt's command line under qtest) equals the record: $(jq -c .bootorder "$E/state/vms/$U.json")" \
    test -n "$want" -a "$want" = "$got"
want=$(jq -r '.fw_cfg[] | select(.name == "opt/org.fwneg/features") | .hex' "$E/state/vms/$U.json")
got=$("$FWNEG_QEMU_FWCFG" --hex opt/org.fwneg/features -- "${rerun[@]}" 2>>"$LVH_DIR/fwcfg.err")
check "QEMU's fw_cfg opt/org.fwneg/features equals the record ($got)" test -n "$want" -a "$want" = "$got"

# ---- a start the record does not hold for ---------------------------------------------
sha=$(jq -r '.roms[0].sha256' "$E/state/vms/$U.json")
mv "$E/state/roms/$sha" "$LVH_DIR/store-copy"
mv "$E/roms/efi-e1000.rom" "$LVH_DIR/rom-source"
out=$(lvh_virsh start $G 2>&1)
rc=$?
diag "virsh start: $out"
check_eval "refused start: virsh fails and shows fwneg's one-line reason" \
    '[ $rc != 0 ] && grep -q "fwneg: refusing to start $G: .*ROM store copy .* is missing.*fwneg rom import" <<<"$out" &&
        [ "$(grep -c "fwneg:" <<<"$out")" = 1 ]'
check_eval "refused start: no QEMU process was left" '! qemu_alive $G && ! pgrep -f "[g]uest=$G," >/dev/null'
mv "$LVH_DIR/rom-source" "$E/roms/efi-e1000.rom"
out=$(lvh_virsh start $G 2>&1)
check_eval "with the recorded ROM back, prepare writes the store copy again and the guest starts" \
    'qemu_alive $G && [ -s "$E/state/roms/$sha" ]'
rm -f "$LVH_DIR/store-copy"

# ---- save, a changed ROM dir, restore -------------------------------------------------
chmod 0777 "$LVH_DIR/staged"
save=$LVH_DIR/staged/$G.sav
out=$(lvh_virsh save $G "$save" 2>&1)
check_eval "virsh save" '! qemu_alive $G && [ -s "$save" ]'
rm -f "$E/state/roms/$sha"
cp /usr/lib/ipxe/qemu/pxe-e1000.rom "$E/roms/efi-e1000.rom"
out=$(lvh_virsh restore "$save" 2>&1)
rc=$?
diag "virsh restore: rc=$rc $out"
check_eval "virsh restore with a smaller ROM and no store copy goes through the restore rewrite" \
    '[ $rc = 0 ] && hook_log_passed "$E/hook.log" $G "restore begin"'
check_eval "the restored QEMU got romsize=$size for the smaller ROM" \
    'grep -q "\"romsize\":$size" <<<"$(lvh_qemu_argv $G)"'
got=$(lvh_virsh qemu-monitor-command --hmp $G 'info ramblock' | tr -d '\r' |
    awk -v b="$ramblock" '$1 == b { print $NF }')
check "the restored QEMU's $ramblock is still $size bytes ($got)" test "$((got))" = "$size"
check_eval "the guest resumed (running)" '[ "$(lvh_virsh domstate $G)" = running ]'
check "libvirt tainted it hook-script (the rewrite was used)" \
    grep -q "tainted: hook-script" "$(lvh_qemu_log $G)"

# ---- libvirtd restarts under the running guest: reconnect -----------------------------
pid_before=$(lvh_qemu_pid $G)
lvh_restart_libvirtd
for _ in $(seq 50); do hook_log_has " $G reconnect begin" && break; sleep 0.2; done
check_eval "reconnect ran the worker, which never fails" \
    'hook_log_passed "$E/hook.log" $G "reconnect begin" worker'
check_eval "the guest survived the daemon restart (same QEMU)" \
    '[ "$(lvh_qemu_pid $G)" = "$pid_before" ] && [ "$(lvh_virsh domstate $G)" = running ]'
lvh_virsh destroy $G >/dev/null
cp /usr/lib/ipxe/qemu/efi-e1000.rom "$E/roms/efi-e1000.rom"

# ---- guests started at once --------------------------------------------------------------
names=()
for i in 1 2 3 4 5 6; do
    n=fwneg-e2e-c$i
    guest_xml $n 6b3c1e2a-0000-4000-8000-00000000e10$i 52:54:00:e2:01:0$i >"$LVH_DIR/staged/$n.xml"
    chmod 0644 "$LVH_DIR/staged/$n.xml"
    lvh_virsh define "$LVH_DIR/staged/$n.xml" >/dev/null && fwneg_apply $n >/dev/null 2>&1
    names+=("$n")
done
pids=()
for n in "${names[@]}"; do
    lvh_virsh start --paused "$n" >"$LVH_DIR/$n.start" 2>&1 &
    pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
whole=0
for i in 1 2 3 4 5 6; do
    f=$E/state/run/6b3c1e2a-0000-4000-8000-00000000e10$i.json
    jq_true ".domain.uuid == \"6b3c1e2a-0000-4000-8000-00000000e10$i\" and (.roms | length) == 1" "$f" 2>/dev/null &&
        whole=$((whole + 1))
done
check "6 guests started at once: all started ($bad failed), 6 whole run records ($whole)" \
    test "$bad" = 0 -a "$whole" = 6
for n in "${names[@]}"; do lvh_virsh destroy "$n" >/dev/null 2>&1; done

phases=$(awk '{print $4" "$5}' "$E/hook.log" | sort -u | tr '\n' ',')
diag "ops the hook ran for: $phases"
tap_done

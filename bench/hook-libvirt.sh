#!/bin/bash
# hook-libvirt.sh: `virsh start --paused` + `virsh destroy` of one guest through a real,
# private libvirt 9.0, with fwneg-hook installed in qemu.d and without it, interleaved
# (bench/run section 11).  Root only: the hook dir and /etc/fwneg are private to this
# script's mount namespace (tests/libvirt/libvirtd-harness.sh).
#
#   hook-libvirt.sh RUNS OUTDIR     prints nothing on success; writes OUTDIR/hook-libvirt.txt
#                                   ("key value" lines, times in ms) and OUTDIR/hook.log
# Environment: FWNEG_BIN, FWNEG_HOOK, FWNEG_DATA_DIR.
set -uo pipefail
runs=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/libvirt/libvirtd-harness.sh"
lvh_reexec_in_private_mount_ns "$0" "$@"
if reason=$(lvh_unusable_reason); then echo "skipped: $reason" >"$out/hook-libvirt.txt"; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "skipped: needs root" >"$out/hook-libvirt.txt"; exit 0; }

lvh_pre_start() {
    mkdir -p "$LVH_ETC_LIBVIRT/hooks/qemu.d"
    ln -s "$FWNEG_HOOK" "$LVH_ETC_LIBVIRT/hooks/qemu.d/90-fwneg"
    E=$LVH_DIR/fwneg
    install -d -o "$LVH_UID" -g "$LVH_GID" -m 0755 "$E" "$E/state"
    install -o "$LVH_UID" -m 0644 /dev/null "$E/hook.log"
    mkdir -p /etc/fwneg
    printf '[fwneg]\nstate-dir=%s\ndata-dir=%s\n[hook]\nlog=%s\n' \
        "$E/state" "$FWNEG_DATA_DIR" "$E/hook.log" >/etc/fwneg/fwneg.conf
}
LVH_ETC_OVERLAY=1
lvh_start 2>"$out/lvh.log"

G=fwneg-bench
cat >"$LVH_DIR/staged/$G.xml" <<EOF
<domain type='qemu'>
  <name>$G</name>
  <uuid>6b3c1e2a-0000-4000-8000-0000000000be</uuid>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='user'><mac address='52:54:00:be:00:01'/><model type='e1000'/><boot order='1'/></interface>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
chmod 0644 "$LVH_DIR/staged/$G.xml"
lvh_virsh define "$LVH_DIR/staged/$G.xml" >/dev/null || exit 1
lvh_as_daemon_user "$FWNEG_BIN" apply --connect qemu:///session $G >/dev/null || exit 1
hook=$LVH_ETC_LIBVIRT/hooks/qemu.d/90-fwneg

ms_since() { echo $((($(date +%s%N) - $1) / 1000)); } # microseconds
once() { # with|without -> appends "start_us destroy_us" to OUT/times-MODE
    local t
    if [ "$1" = with ]; then ln -sfn "$FWNEG_HOOK" "$hook"; else rm -f "$hook"; fi
    t=$(date +%s%N)
    lvh_virsh start --paused $G >/dev/null || return 1
    local s
    s=$(ms_since "$t")
    t=$(date +%s%N)
    lvh_virsh destroy $G >/dev/null || return 1
    echo "$s $(ms_since "$t")" >>"$out/times-$1"
}
# One warm-up of each (the first start probes QEMU's capabilities cache).
once with && once without || exit 1
: >"$out/times-with"
: >"$out/times-without"
: >"$E/hook.log"
for ((i = 0; i < runs; i++)); do
    if ((i % 2)); then once with && once without; else once without && once with; fi || exit 1
done
cp "$E/hook.log" "$out/hook.log"
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1000 }'; }
{
    for mode in with without; do
        echo "start_$mode $(awk '{ print $1 }' "$out/times-$mode" | median)"
        echo "destroy_$mode $(awk '{ print $2 }' "$out/times-$mode" | median)"
        echo "cycle_$mode $(awk '{ print $1 + $2 }' "$out/times-$mode" | median)"
    done
    # Each op's own cost as libvirt ran it: the entry's wall time from the hook log.
    for op in "prepare begin" "start begin" "started begin" "stopped end" "release end"; do
        key=${op// /_}
        echo "op_$key $(grep " $G $op -:" "$out/hook.log" | sed 's/.*(\([0-9.]*\) ms)$/\1/' |
            awk '{ printf "%d\n", $1 * 1000 }' | median)"
    done
} >"$out/hook-libvirt.txt"
lvh_virsh undefine $G >/dev/null 2>&1
exit 0

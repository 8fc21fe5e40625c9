#!/bin/bash
# Conformance through a private *system-mode* libvirt 9.0 (the session daemon
# refuses virtiofs): tests/data/bootorder/libvirt-system/*.xml.
#
# vfs-*: libvirt defines the guest, starts virtiofsd and QEMU (paused); fwneg
#   plans from `virsh dumpxml`, and
#   - the bootorder QEMU holds is read live over qtest from the very QEMU libvirt
#     started (its <emulator> is a wrapper adding -qtest on a socket): it must
#     equal fwneg's byte for byte;
#   - a virtiofsd for the guest's share is running (libvirt started it);
#   - the bootindex libvirt gives every vhost-user-fs device (its argv) equals
#     fwneg's --output=qemu-args -set device.fsN.bootindex.
# hostdev-*: no PCI device can be assigned here (no IOMMU, no VFIO), so
#   - <hostdev>: libvirt's vfio-pci arguments (virsh domxml-to-native of the
#     defined XML) carry the bootindex fwneg predicts per hostdevN and the ROM
#     fwneg plans (romfile=, rombar=; romfile="" for <rom enabled='no'/>, which
#     fwneg plans as no ROM); the host devices' sysfs entries are stand-ins in a
#     --sysroot (their class names the boot path, not checked here);
#   - <interface type='hostdev'>: domxml-to-native cannot show it in 9.0, so the
#     defined XML is planned: no emulated-NIC ROM, the vfio-pci ROM, a boot
#     path without /ethernet-phy@0; `virsh start` is tried and reported.
# Prints TAP; skips where a private system libvirtd cannot run.
set -uo pipefail

: "${FWNEG_BIN:?}" "${FWNEG_QEMU_FWCFG:?}" "${FWNEG_TEST_DATA:?}"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../libvirt/libvirtd-system-harness.sh"
lvh_reexec_in_private_mount_ns "$0" "$@"
reason=$(lvh_unusable_reason) && lvh_skip_all "$reason"
[ -x /usr/lib/qemu/virtiofsd ] || lvh_skip_all "no /usr/lib/qemu/virtiofsd (package qemu-system-common)"

LVH_EMULATORS=(qemu-system-x86_64 qemu-system-aarch64)
mapfile -t xmls < <(ls "$FWNEG_TEST_DATA"/bootorder/libvirt-system/*.xml)
echo "1..$((3 * $(printf '%s\n' "${xmls[@]}" | grep -c '/vfs-') + 2 * $(printf '%s\n' "${xmls[@]}" | grep -c '/hostdev-')))"
lvh_start
wrap_x86=$(lvh_qtest_wrapper "$(command -v qemu-system-x86_64)")
wrap_arm=$(lvh_qtest_wrapper "$(command -v qemu-system-aarch64)")

# Host-device stand-ins for fwneg --sysroot (which resolves every path inside it,
# like a chroot): copies of the host's ROM and BIOS directories, the cases' ROM
# files (below), and sysfs entries of NICs (class 0x020000) at the addresses the
# cases pass through.
sysroot="$LVH_DIR/sysroot"
for d in /usr/lib/ipxe/qemu /usr/share/seabios /usr/share/qemu/firmware; do
    mkdir -p "$sysroot$d" && cp -a "$d/." "$sysroot$d/"
done
for bdf in 0000:7f:1f.4 0000:7f:1f.5 0000:7f:1f.6 0000:7f:1f.7; do
    mkdir -p "$sysroot/sys/bus/pci/devices/$bdf"
    echo 0x020000 >"$sysroot/sys/bus/pci/devices/$bdf/class"
    echo 0x8086 >"$sysroot/sys/bus/pci/devices/$bdf/vendor"
    echo 0x10fb >"$sysroot/sys/bus/pci/devices/$bdf/device"
done

n=0
fail() {
    echo "not ok $n - $1"
    shift
    for line in "$@"; do echo "#   $line"; done
}

plan() {
    local out=$1
    shift
    "$FWNEG_BIN" plan --rom-policy=qemu --state-dir "$LVH_DIR/state" "$@" >"$out" 2>"$out.err"
}

# "ID BOOTINDEX" from fwneg's -set device.ID.bootindex=N lines, sorted.
fwneg_bootindexes() {
    sed -n 's/^-set device\.\([^.]*\)\.bootindex=\([0-9]*\)$/\1 \2/p' "$1" | sort
}

# "ID BOOTINDEX" of the -device JSON objects of DRIVER (a regex) in an argv file.
libvirt_bootindexes() {
    grep -Eo '\{"driver":"'"$2"'"[^}]*\}' "$1" | jq -r 'select(.bootindex) | "\(.id) \(.bootindex)"' | sort
}

vfs_case() {
    local c=$1 dir=$2 name=$3
    n=$((n + 1))
    if ! out=$(lvh_virsh define "$dir/input.xml" 2>&1) ||
        ! out=$(lvh_virsh start --paused "$name" 2>&1); then
        fail "$c: libvirt did not start the guest" "$out"
        lvh_dump_logs "$name" 2>&1
        n=$((n + 1)); fail "$c: virtiofsd (no guest)"
        n=$((n + 1)); fail "$c: vhost-user-fs bootindex (no guest)"
        lvh_virsh undefine "$name" >/dev/null 2>&1
        return
    fi
    lvh_virsh dumpxml "$name" >"$dir/defined.xml"
    lvh_qemu_argv "$name" >"$dir/libvirt.argv"
    local arm=() machine
    [[ "$(head -n1 "$dir/libvirt.argv")" == *aarch64* ]] && arm=(--arm)
    machine=$(sed -n "s/.*machine='\([^']*\)'.*/\1/p" "$dir/defined.xml" | head -n1)
    local actual expected
    actual=$("$FWNEG_QEMU_FWCFG" "${arm[@]}" --connect "$(lvh_qtest_socket "$name")" \
        --hex bootorder 2>"$dir/fwcfg.err")
    local processes
    processes=$(grep -lsa "virtiofsd" /proc/[0-9]*/cmdline | while read -r f; do
        tr '\0' ' ' <"$f" | grep -q -- "source=$dir/share" && echo "${f%/cmdline}"
    done | wc -l)
    lvh_virsh destroy "$name" >/dev/null 2>&1
    lvh_virsh undefine "$name" >/dev/null 2>&1

    if ! plan "$dir/plan.json" --output=json --canonical-machine "$machine" "$dir/defined.xml" ||
        ! plan "$dir/plan.args" --output=qemu-args --canonical-machine "$machine" "$dir/defined.xml"; then
        fail "$c: fwneg plan failed" "$(cat "$dir/plan.json.err" "$dir/plan.args.err")"
    else
        expected=$(bo_expected_hex "$dir/plan.json")
        if [ -n "$expected" ] && [ "$expected" = "$actual" ]; then
            echo "ok $n - $c: live $(jq -r '.bootorder | join(" ")' "$dir/plan.json")"
        else
            fail "$c: bootorder differs" "fwneg: $(jq -c .bootorder "$dir/plan.json")" \
                "qemu:  $(printf '%s' "$actual" | xxd -r -p | tr '\n\0' '|.')" \
                "$(head -c 300 "$dir/fwcfg.err")"
        fi
    fi

    n=$((n + 1))
    if [ "$processes" -ge 1 ]; then
        echo "ok $n - $c: libvirt started virtiofsd for the share ($processes process(es))"
    else
        fail "$c: no virtiofsd serving $dir/share while the guest ran"
    fi

    n=$((n + 1))
    local want got
    want=$(fwneg_bootindexes "$dir/plan.args" | grep '^fs')
    got=$(libvirt_bootindexes "$dir/libvirt.argv" 'vhost-user-fs-(pci|device)')
    if [ -n "$want" ] && [ "$want" = "$got" ]; then
        echo "ok $n - $c: vhost-user-fs bootindex $(printf '%s' "$got" | tr '\n' ',')"
    else
        fail "$c: vhost-user-fs bootindex differs" "fwneg: $(printf '%s' "$want" | tr '\n' ',')" \
            "libvirt: $(printf '%s' "$got" | tr '\n' ',')"
    fi
}

hostdev_case() {
    local c=$1 dir=$2 name=$3
    n=$((n + 1))
    if ! out=$(lvh_virsh define "$dir/input.xml" 2>&1); then
        fail "$c: libvirt did not define the guest" "$out"
        n=$((n + 1)); fail "$c: ROM (no guest)"
        return
    fi
    lvh_virsh dumpxml "$name" >"$dir/defined.xml"
    local machine
    machine=$(sed -n "s/.*machine='\([^']*\)'.*/\1/p" "$dir/defined.xml" | head -n1)
    cp "$dir/defined.xml" "$dir/native-input.xml"
    lvh_virsh domxml-to-native qemu-argv "$dir/native-input.xml" >"$dir/native.argv" 2>"$dir/native.err"
    start_error=$(lvh_virsh start --paused "$name" 2>&1)
    lvh_virsh destroy "$name" >/dev/null 2>&1
    lvh_virsh undefine "$name" >/dev/null 2>&1
    local common=(--sysroot "$sysroot" --canonical-machine "$machine" "$dir/defined.xml")
    if ! plan "$dir/plan.json" --output=json "${common[@]}" ||
        ! plan "$dir/plan.args" --output=qemu-args "${common[@]}"; then
        fail "$c: fwneg plan failed" "$(cat "$dir/plan.json.err" "$dir/plan.args.err")"
        n=$((n + 1)); fail "$c: ROM (no plan)"
        return
    fi

    if grep -q '<interface type=.hostdev' "$dir/defined.xml"; then
        # What libvirt keeps is what fwneg reads: source, rom, boot; no emulated NIC ROM.
        local roms line
        roms=$(jq -c '[.roms[] | select(.device == "52:54:00:13:0c:11") | [.model, (.file | split("/") | last), .rombar, (.ramblock | split("/") | last)]]' "$dir/plan.json")
        line=$(jq -r '.bootorder[0]' "$dir/plan.json")
        if grep -q "<rom bar='on' file='$dir/a.rom'/>" "$dir/defined.xml" &&
            grep -q "bus='0x7f' slot='0x1f' function='0x7'" "$dir/defined.xml" &&
            [ "$roms" = '[["hostdev","a.rom",true,"vfio-pci.rom"]]' ] &&
            [[ "$line" == /pci@i0cf8/*/ethernet@0 ]]; then
            echo "ok $n - $c: defined XML planned as vfio-pci: ROM $roms, boot $line"
        else
            fail "$c: hostdev NIC plan" "roms: $roms" "boot: $line"
        fi
        n=$((n + 1))
        if [ -z "$start_error" ]; then
            fail "$c: libvirt started a guest with a made-up host device"
        else
            echo "ok $n - $c: live bootorder # SKIP no assignable device: $(printf '%s' "$start_error" | tr '\n' ' ' | cut -c1-150)"
        fi
        return
    fi

    local want got
    want=$(fwneg_bootindexes "$dir/plan.args" | grep '^hostdev')
    got=$(libvirt_bootindexes "$dir/native.argv" 'vfio-pci')
    if [ -n "$want" ] && [ "$want" = "$got" ]; then
        echo "ok $n - $c: vfio-pci bootindex $(printf '%s' "$got" | tr '\n' ',')"
    else
        fail "$c: vfio-pci bootindex differs" "fwneg: $(printf '%s' "$want" | tr '\n' ',')" \
            "libvirt: $(printf '%s' "$got" | tr '\n' ',')" "$(head -c 300 "$dir/native.err")"
    fi

    # ROM: hostdev[i] in fwneg is libvirt's hostdevI (no hostdev NICs here).
    n=$((n + 1))
    want=$(jq -r '.roms[] | select(.model == "hostdev") |
        "hostdev\(.device | ltrimstr("hostdev[") | rtrimstr("]")) \(.file) \(if .rombar then 1 else 0 end)"' \
        "$dir/plan.json" | sort)
    got=$(grep -o '{"driver":"vfio-pci"[^}]*}' "$dir/native.argv" |
        jq -r 'select(.romfile != "" and .romfile != null) | "\(.id) \(.romfile) \(.rombar // 1)"' | sort)
    local hidden
    hidden=$(grep -o '{"driver":"vfio-pci"[^}]*}' "$dir/native.argv" | jq -r 'select(.romfile == "") | .id')
    if [ -n "$want" ] && [ "$want" = "$got" ] && [ -n "$hidden" ] &&
        ! printf '%s\n' "$want" | grep -q "^$hidden "; then
        echo "ok $n - $c: vfio-pci ROMs [$(printf '%s' "$got" | tr '\n' ',')], no ROM for $hidden"
    else
        fail "$c: vfio-pci ROMs differ" "fwneg: $(printf '%s' "$want" | tr '\n' ',')" \
            "libvirt: $(printf '%s' "$got" | tr '\n' ',') romfile=\"\" on: $hidden"
    fi
}

source "$here/bootorder-lib.sh"
for xml in "${xmls[@]}"; do
    c=$(basename "$xml" .xml)
    dir="$LVH_DIR/staged/$c"
    mkdir -p "$dir/share"
    sed -e "s|@DIR@|$dir|g" -e "s|@EMULATOR_X86@|$wrap_x86|g" -e "s|@EMULATOR_ARM@|$wrap_arm|g" \
        "$xml" >"$dir/input.xml"
    for img in $(grep -o "$dir/[a-z]*\.img" "$dir/input.xml"); do truncate -s 1M "$img"; done
    python3 -c "
import sys; sys.path.insert(0, '$here/../roms')
import romfixtures
romfixtures.make_rom('$dir/a.rom', 9216, seed=1)
romfixtures.make_rom('$dir/b.rom', 4608, seed=2)"
    mkdir -p "$sysroot$dir" && cp "$dir"/*.rom "$sysroot$dir/"
    name=$(sed -n 's|.*<name>\(.*\)</name>.*|\1|p' "$dir/input.xml")
    case "$c" in
    vfs-*) vfs_case "$c" "$dir" "$name" ;;
    hostdev-*) hostdev_case "$c" "$dir" "$name" ;;
    esac
done

#!/bin/bash
# Boot-order conformance through a real libvirt 9.0 (reference/bootorder.md §7.4).
#
# For each tests/data/bootorder/libvirt/*.xml (no PCI addresses, legacy
# <os><boot dev> or per-device <boot order>): a private libvirtd defines the guest
# and starts it paused, so libvirt itself assigns the addresses and converts the
# boot order.  Then
#   - fwneg plans from the XML libvirt hands back (virsh dumpxml: it carries the
#     addresses fwneg needs),
#   - the QEMU command line libvirt ran (/proc/PID/cmdline) is run again, paused
#     under qtest, minus libvirt's monitor fd, and its fw_cfg bootorder (and
#     etc/boot-menu-wait) must equal fwneg's, byte for byte;
#   - the same command line's option-ROM RAM blocks (`info ramblock`: the
#     DDDD:BB:… *.rom blocks and their sizes) must equal fwneg's --rom-policy=qemu
#     roms[].ramblock/size (virtio-mmio NICs have none, auto-placed PCI NICs do);
#   - ARM virt: the device-tree nodes fwneg names for the boot entries must be
#     the ones libfdt finds in the DTB that command line makes (-machine dumpdtb=).
# The guest is destroyed before the re-run so its image locks are released.
# Prints TAP; skips where libvirtd cannot run.
set -uo pipefail

: "${FWNEG_BIN:?}" "${FWNEG_QEMU_FWCFG:?}" "${FWNEG_TEST_DATA:?}"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../libvirt/libvirtd-harness.sh"
lvh_reexec_in_private_mount_ns "$0" "$@"
reason=$(lvh_unusable_reason) && lvh_skip_all "$reason"
source "$here/bootorder-lib.sh"

mapfile -t xmls < <(ls "$FWNEG_TEST_DATA"/bootorder/libvirt/*.xml)
arm_cases=$(printf '%s\n' "${xmls[@]}" | grep -c '/virt-[^/]*\.xml$')
echo "1..$((${#xmls[@]} * 3 + arm_cases))"
lvh_start

n=0
fail() { echo "not ok $n - $1"; shift; for line in "$@"; do echo "#   $line"; done; }

# libvirt's argv without what only works inside libvirt: the monitor socket it
# passes as an fd, and the master-key secret file it deletes on destroy.
filter_argv() {
    local skip=0 arg prev=""
    for arg in "$@"; do
        if [ "$skip" = 1 ]; then
            skip=0
            continue
        fi
        case "$arg" in
        -mon | -chardev | -object)
            prev=$arg
            continue
            ;;
        esac
        if [ -n "$prev" ]; then
            case "$arg" in
            *fd=* | *charmonitor* | *'"qom-type":"secret"'*) ;;
            *) printf '%s\n' "$prev" "$arg" ;;
            esac
            prev=""
            continue
        fi
        printf '%s\n' "$arg"
    done
}

# The checks after the bootorder, failed when there is nothing to check them on.
skip_rest() {
    n=$((n + 1)); fail "$1: boot menu ($2)"
    n=$((n + 1)); fail "$1: ROM RAM blocks ($2)"
    if [[ "$1" == virt-* ]]; then n=$((n + 1)); fail "$1: fdt nodes ($2)"; fi
}

# "NAME SIZE" of every PCI option-ROM RAM block of a paused QEMU (info ramblock:
# Used column), sorted.
qemu_rom_blocks() {
    mapfile -t argv <"$1"
    printf 'info ramblock\nquit\n' |
        timeout 60 "${argv[@]}" -S -monitor stdio 2>"$2" | tr -d '\r' |
        awk '$1 ~ /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]:.*\.rom$/ { print $1, $5 }' |
        while read -r block used; do printf '%s %d\n' "$block" "$((used))"; done | sort
}

fwcfg_hex() {
    local arm=() argv_file=$1 name=$2
    mapfile -t argv <"$argv_file"
    [[ "${argv[0]}" == *aarch64* ]] && arm=(--arm)
    "$FWNEG_QEMU_FWCFG" "${arm[@]}" --hex "$name" -- "${argv[@]}"
}

for xml in "${xmls[@]}"; do
    c=$(basename "$xml" .xml)
    dir="$LVH_DIR/staged/$c"
    mkdir -p "$dir" && chmod 0755 "$dir"
    sed "s|@DIR@|$dir|g" "$xml" >"$dir/input.xml"
    for img in $(grep -o "$dir/[a-z]*\.img" "$dir/input.xml"); do
        truncate -s 1M "$img" && chmod 0666 "$img"
    done
    head -c 65536 /dev/zero >"$dir/vmlinuz" && chmod 0644 "$dir/vmlinuz" "$dir/input.xml"
    name=$(sed -n 's|.*<name>\(.*\)</name>.*|\1|p' "$dir/input.xml")

    n=$((n + 1))
    if ! out=$(lvh_virsh define "$dir/input.xml" 2>&1) ||
        ! out=$(lvh_virsh start --paused "$name" 2>&1); then
        fail "$c: libvirt did not start the guest" "$out"
        lvh_dump_logs "$name" 2>&1 | sed 's/^/#/'
        skip_rest "$c" "no guest"
        continue
    fi
    lvh_virsh dumpxml "$name" >"$dir/defined.xml"
    lvh_qemu_argv "$name" >"$dir/libvirt.argv"
    lvh_virsh destroy "$name" >/dev/null 2>&1
    lvh_virsh undefine --nvram "$name" >/dev/null 2>&1
    mapfile -t argv <"$dir/libvirt.argv"
    filter_argv "${argv[@]}" >"$dir/qemu.argv"

    machine=$(sed -n "s/.*machine='\([^']*\)'.*/\1/p" "$dir/defined.xml" | head -n1)
    if ! "$FWNEG_BIN" plan --output=json --rom-policy=qemu --canonical-machine "$machine" \
        "$dir/defined.xml" >"$dir/plan.json" 2>"$dir/plan.err"; then
        fail "$c: fwneg plan failed" "$(cat "$dir/plan.err")"
        skip_rest "$c" "no plan"
        continue
    fi
    expected=$(bo_expected_hex "$dir/plan.json")
    actual=$(fwcfg_hex "$dir/qemu.argv" bootorder 2>"$dir/qemu.err")
    if [ -n "$expected" ] && [ "$expected" = "$actual" ]; then
        echo "ok $n - $c: $(jq -r '.bootorder | join(" ")' "$dir/plan.json")"
    else
        fail "$c: bootorder differs (or is empty)" "fwneg: $(jq -c .bootorder "$dir/plan.json")" \
            "qemu:  $(printf '%s' "$actual" | xxd -r -p | tr '\n\0' '|.')" \
            "libvirt: $(grep -o 'bootindex[^,}]*' "$dir/libvirt.argv" | tr '\n' ' ')" \
            "$(head -c 500 "$dir/qemu.err")"
    fi

    # etc/boot-menu-wait: present with the same bytes, or absent in both.
    n=$((n + 1))
    want=$(jq -r '[.fw_cfg[] | select(.name == "etc/boot-menu-wait") | .hex] | first // "absent"' \
        "$dir/plan.json")
    got=$(fwcfg_hex "$dir/qemu.argv" etc/boot-menu-wait 2>/dev/null)
    status=$?
    [ "$status" = 3 ] && got=absent
    boot_arg=$(grep -A1 -x -- -boot "$dir/libvirt.argv" | tail -n1)
    if [ "$want" = "$got" ]; then
        echo "ok $n - $c: etc/boot-menu-wait $got (libvirt -boot $boot_arg)"
    else
        fail "$c: etc/boot-menu-wait differs" "fwneg: $want" "qemu: $got (status $status)" \
            "libvirt -boot $boot_arg"
    fi

    # Option-ROM RAM blocks: QEMU's own list against fwneg's.
    n=$((n + 1))
    want=$(jq -r '.roms[] | select(.ramblock != null) | "\(.ramblock) \(.size)"' "$dir/plan.json" | sort)
    got=$(qemu_rom_blocks "$dir/qemu.argv" "$dir/ramblock.err")
    if [ "$want" = "$got" ]; then
        echo "ok $n - $c: ROM RAM blocks [$(printf '%s' "$got" | tr '\n' ',')]"
    else
        fail "$c: ROM RAM blocks differ" "fwneg: $(printf '%s' "$want" | tr '\n' ',')" \
            "qemu:  $(printf '%s' "$got" | tr '\n' ',')" "$(head -c 300 "$dir/ramblock.err")"
    fi

    # ARM: the boot entries' nodes in the DTB this very command line makes.
    [[ "$c" == virt-* ]] || continue
    n=$((n + 1))
    mapfile -t argv <"$dir/qemu.argv"
    for i in "${!argv[@]}"; do
        [ "${argv[i]}" = -machine ] && argv[i + 1]="${argv[i + 1]},dumpdtb=$dir/virt.dtb"
    done
    if ! timeout 60 "${argv[@]}" >"$dir/dtb.log" 2>&1 || ! [ -s "$dir/virt.dtb" ]; then
        fail "$c: QEMU did not dump its DTB" "$(head -c 300 "$dir/dtb.log")"
        continue
    fi
    sed "s|<os>|<os><dtb>$dir/virt.dtb</dtb>|" "$dir/defined.xml" >"$dir/defined-dtb.xml"
    if ! "$FWNEG_BIN" plan --output=json --rom-policy=qemu --canonical-machine "$machine" \
        "$dir/defined-dtb.xml" >"$dir/plan-dtb.json" 2>"$dir/plan-dtb.err"; then
        fail "$c: fwneg plan with QEMU's DTB failed" "$(cat "$dir/plan-dtb.err")"
        continue
    fi
    predicted=$(jq -c '.fdt.nodes' "$dir/plan.json")
    found=$(jq -c '.fdt.nodes' "$dir/plan-dtb.json")
    lines=$(jq '[.bootorder[] | select(. != "HALT")] | length' "$dir/plan.json")
    if [ "$predicted" = "$found" ] && [ "$(jq '.fdt.nodes | length' "$dir/plan-dtb.json")" = "$lines" ]; then
        echo "ok $n - $c: fdt nodes $found"
    else
        fail "$c: fdt nodes differ" "predicted: $predicted" "in QEMU's DTB: $found"
    fi
done

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
#     etc/boot-menu-wait) must equal fwneg's, byte for byte.
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
echo "1..$((${#xmls[@]} * 2))"
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
        n=$((n + 1)); fail "$c: boot menu (no guest)"
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
        n=$((n + 1)); fail "$c: boot menu (no plan)"
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
done

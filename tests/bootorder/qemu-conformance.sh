#!/bin/bash
# Boot-order conformance against the real QEMU 7.2 (reference/bootorder.md §7).
#
# Each case below describes one guest once (bootorder-lib.sh writes its domain
# XML and the QEMU devices libvirt 9.0 would create for it).  Per case:
#   1. fwneg plan --output=json: the predicted bootorder
#   2. QEMU started paused with the devices and their bootindex: the bootorder
#      file read back over qtest (tests/tools/qemu-fwcfg) must be byte-identical
#   3. QEMU started with the devices but no bootindex, plus fwneg's
#      --output=qemu-args (-set device.ID.bootindex=N, -global isa-fdc.bootindexA=N,
#      -boot strict=on): the file must be identical again
#   4. ARM: the boot entries' device-tree nodes fwneg names without a DTB equal
#      those it finds with libfdt in the DTB QEMU generates (-machine dumpdtb=)
# Prints TAP.  QEMU processes are children of qemu-fwcfg, which kills them.
set -uo pipefail

: "${FWNEG_BIN:?}" "${FWNEG_QEMU_FWCFG:?}"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/bootorder-lib.sh"

BO_WORK=$(mktemp -d /tmp/fwneg-bootorder.XXXXXX)
trap 'rm -rf "$BO_WORK"' EXIT
mkdir -p "$BO_WORK/img" "$BO_WORK/cases"
: >"$BO_WORK/case-list"
KERNEL="$BO_WORK/vmlinuz"
head -c 65536 /dev/zero >"$KERNEL"

# ---- x86 pc (i440fx) --------------------------------------------------------
M=pc-i440fx-7.2

case_begin pc-virtio-disk x86_64 $M
disk_virtio vda 0 4 0 1
case_end

case_begin pc-virtio-multifunction x86_64 $M
disk_virtio vda 0 5 0 3 mf
disk_virtio vdb 0 5 3 1
disk_virtio vdc 0 5 7 2
disk_virtio vdd 0 0x1f 0 4
case_end

case_begin pc-ide x86_64 $M
disk_ide hda 0 0 2
disk_ide hdb 0 1 4
disk_ide hdc 1 0 1 cdrom
disk_ide hdd 1 1 3
case_end

case_begin pc-nics x86_64 $M
nic virtio 0 3 0 4
nic e1000 0 4 0 1
nic rtl8139 0 5 0 3
nic e1000e 0 6 0 2
case_end

case_begin pc-nics-more x86_64 $M
nic vmxnet3 0 3 0 2
nic ne2k_pci 0 4 0 3
nic pcnet 0 5 0 1
nic i82559er 0 6 0 4
case_end

case_begin pc-scsi-lsilogic x86_64 $M
scsi_ctl 0 lsilogic 0 6 0
disk_scsi sda 0 0 0 0 2
disk_scsi sdb 0 0 0 1 1 cdrom
disk_scsi sdd 0 0 0 3 3
case_end

case_begin pc-virtio-scsi x86_64 $M
scsi_ctl 0 virtio-scsi 0 7 0
disk_scsi sda 0 0 0 0 3
disk_scsi sdb 0 0 2 3 1 cdrom
disk_scsi sdc 0 0 10 17 2
case_end

case_begin pc-scsi-models x86_64 $M
scsi_ctl 0 lsisas1068 0 8 0
scsi_ctl 1 vmpvscsi 0 9 0
scsi_ctl 2 lsisas1078 0 0xa 0
disk_scsi sda 0 0 1 0 3
disk_scsi sdb 1 0 2 0 1
disk_scsi sdc 2 0 0 0 2
case_end

case_begin pc-pci-bridges x86_64 $M
pci_ctl 1 pci-bridge 0 5 0
pci_ctl 2 pci-bridge 1 0x1f 0
disk_virtio vda 1 3 0 2
nic virtio 2 2 1 1
case_end

case_begin pc-pxb x86_64 $M
pci_ctl 1 pci-expander-bus 0 5 0 "" 20
pci_ctl 2 pci-expander-bus 0 6 0 "" 10
pci_ctl 3 pci-bridge 1 3 0
disk_virtio vda 1 1 0 1
disk_virtio vdb 2 2 0 2
disk_virtio vdc 3 4 0 3
case_end

case_begin pc-usb-uhci-hub x86_64 $M
usb_ctl 0 piix3-uhci 0 1 2
usb_hub 0 2
disk_usb sda 0 1 2
disk_usb sdb 0 2.2 1
case_end

case_begin pc-usb-ehci x86_64 $M
usb_ctl 0 ich9-ehci1 0 5 7
disk_usb sda 0 3 1
case_end

# Hubs are full speed: on EHCI QEMU 7.2 refuses them under qtest, so nest them on xHCI.
case_begin pc-usb-xhci-nested-hubs x86_64 $M
usb_ctl 0 qemu-xhci 0 6 0
usb_hub 0 3
usb_hub 0 3.6
disk_usb sda 0 3.6.4 2
disk_usb sdb 0 3.6.8 1
case_end

case_begin pc-usb-xhci-port12 x86_64 $M
usb_ctl 0 qemu-xhci 0 7 0 15
usb_ctl 1 nec-xhci 0 8 0 15
disk_usb sda 0 12 2
disk_usb sdb 1 1 1
case_end

case_begin pc-floppy x86_64 $M
disk_fdc fda 0 2
disk_fdc fdb 1 1
disk_virtio vda 0 4 0 3
case_end

case_begin pc-kernel x86_64 $M
kernel "$KERNEL"
disk_virtio vda 0 4 0 1
nic e1000 0 3 0 2
case_end

case_begin pc-kernel-2.6 x86_64 pc-i440fx-2.6
kernel "$KERNEL"
disk_virtio vda 0 4 0 1
case_end

case_begin pc-no-boot-devices x86_64 $M
nic virtio 0 3 0 0
case_end

case_begin pc-sata-ahci x86_64 $M
sata_ctl 0 0 9 0
disk_sata sda 0 1 1
disk_sata sdb 0 3 2 cdrom
case_end

case_begin pc-index-gaps x86_64 $M
disk_virtio vda 0 4 0 100
disk_ide hda 0 0 7
nic rtl8139 0 3 0 3
disk_virtio vdb 0 5 0 0
case_end

case_begin pc-everything x86_64 $M
pci_ctl 1 pci-bridge 0 0x10 0
usb_ctl 0 piix3-uhci 0 1 2
scsi_ctl 0 virtio-scsi 1 2 0
disk_ide hdc 1 0 6 cdrom
disk_scsi sda 0 0 0 1 5
disk_usb sdb 0 1 4
disk_fdc fda 0 3
nic virtio 1 3 0 2
disk_virtio vda 1 4 0 1
case_end

# ---- x86 q35 ----------------------------------------------------------------
M=pc-q35-7.2

case_begin q35-root-ports x86_64 $M
pci_ctl 1 pcie-root-port 0 2 0 mf
pci_ctl 2 pcie-root-port 0 2 1
pci_ctl 3 pcie-root-port 0 2 2
scsi_ctl 0 virtio-scsi 3 0 0
disk_virtio vda 1 0 0 2
nic e1000e 2 0 0 3
disk_scsi sda 0 0 0 0 1
case_end

case_begin q35-sata-builtin x86_64 $M
disk_sata sda 0 0 2
disk_sata sdb 0 2 1 cdrom
disk_sata sdc 0 5 3
case_end

case_begin q35-sata-extra-ahci x86_64 $M
sata_ctl 1 0 9 0
disk_sata sda 1 1 1
disk_sata sdb 0 0 2
case_end

case_begin q35-switch x86_64 $M
pci_ctl 1 pcie-root-port 0 3 0
pci_ctl 2 pcie-switch-upstream-port 1 0 0
pci_ctl 3 pcie-switch-downstream-port 2 0 0
pci_ctl 4 pcie-switch-downstream-port 2 1 0
disk_virtio vda 4 0 0 1
nic virtio 3 0 0 2
case_end

case_begin q35-dmi-to-pci x86_64 $M
pci_ctl 1 dmi-to-pci-bridge 0 0x1e 0
pci_ctl 2 pci-bridge 1 1 0
nic e1000 2 1 0 1
disk_virtio vda 1 2 0 2
case_end

case_begin q35-pcie-to-pci x86_64 $M
pci_ctl 1 pcie-root-port 0 2 0
pci_ctl 2 pcie-to-pci-bridge 1 0 0
nic rtl8139 2 1 0 1
scsi_ctl 0 lsilogic 2 2 0
disk_scsi sda 0 0 0 2 2
case_end

case_begin q35-pxb-pcie x86_64 $M
pci_ctl 1 pcie-expander-bus 0 5 0 "" 128
pci_ctl 2 pcie-root-port 1 0 0
pci_ctl 3 pcie-expander-bus 0 6 0 "" 64
pci_ctl 4 pcie-root-port 3 0 0
disk_virtio vda 2 0 0 1
nic virtio 4 0 0 2
case_end

case_begin q35-usb x86_64 $M
usb_ctl 0 qemu-xhci 0 7 0
usb_ctl 1 ich9-uhci1 0 0x1d 0
usb_hub 0 2
disk_usb sda 0 1 2
disk_usb sdb 1 2 1
disk_usb sdc 0 2.3 3
case_end

case_begin q35-floppy x86_64 $M
disk_fdc fda 0 1
disk_sata sda 0 0 2
case_end

case_begin q35-kernel x86_64 $M
kernel "$KERNEL"
pci_ctl 1 pcie-root-port 0 2 0
nic virtio 1 0 0 1
disk_sata sda 0 0 2
case_end

case_begin q35-nics-multifunction x86_64 $M
pci_ctl 1 pcie-root-port 0 2 0 mf
pci_ctl 2 pcie-root-port 0 2 1
pci_ctl 3 pcie-root-port 0 2 2
pci_ctl 4 pcie-root-port 0 2 3
nic virtio 1 0 0 4
nic e1000e 2 0 0 3
nic e1000 3 0 0 2
nic rtl8139 4 0 0 1
nic virtio 0 4 0 5 mf
nic virtio 0 4 1 6
case_end

case_begin q35-scsi-models x86_64 $M
pci_ctl 1 pcie-root-port 0 2 0
scsi_ctl 0 virtio-scsi 1 0 0
scsi_ctl 1 lsisas1078 0 5 0
scsi_ctl 2 vmpvscsi 0 6 0
disk_scsi sda 0 0 0 3 3
disk_scsi sdb 1 0 4 0 1
disk_scsi sdc 2 0 1 0 2 cdrom
case_end

case_begin q35-deep x86_64 $M
pci_ctl 1 pcie-root-port 0 0x1c 0
pci_ctl 2 pcie-switch-upstream-port 1 0 0
pci_ctl 3 pcie-switch-downstream-port 2 7 0
pci_ctl 4 pcie-to-pci-bridge 3 0 0
pci_ctl 5 pci-bridge 4 0x1f 0
nic e1000 5 0x1e 0 1
disk_virtio vda 5 2 0 2
case_end

# ---- aarch64 virt -------------------------------------------------------------
M=virt-7.2

case_begin virt-pcie aarch64 $M
disk_virtio vda 0 4 0 2
nic virtio 0 3 0 1
case_end

case_begin virt-root-ports-scsi aarch64 $M
pci_ctl 1 pcie-root-port 0 1 0 mf
pci_ctl 2 pcie-root-port 0 1 1
scsi_ctl 0 virtio-scsi 1 0 0
disk_scsi sda 0 0 0 1 1 cdrom
disk_virtio vda 2 0 0 2
case_end

case_begin virt-nics aarch64 $M
pci_ctl 1 pcie-root-port 0 1 0 mf
pci_ctl 2 pcie-root-port 0 1 1
pci_ctl 3 pcie-root-port 0 1 2
pci_ctl 4 pcie-root-port 0 1 3
nic virtio 1 0 0 3
nic virtio 2 0 0 1
nic virtio 3 0 0 0
nic e1000e 4 0 0 2
case_end

case_begin virt-usb aarch64 $M
usb_ctl 0 qemu-xhci 0 2 0
disk_usb sda 0 1 1
case_end

case_begin virt-pxb-pcie aarch64 $M
pci_ctl 1 pcie-expander-bus 0 5 0 "" 64
pci_ctl 2 pcie-root-port 1 0 0
disk_virtio vda 2 0 0 1
case_end

case_begin virt-pcie-to-pci aarch64 $M
pci_ctl 1 pcie-root-port 0 7 0
pci_ctl 2 pcie-to-pci-bridge 1 0 0
nic virtio 2 1 0 1
scsi_ctl 0 lsilogic 2 2 0
disk_scsi sda 0 0 0 1 2 cdrom
case_end

case_begin virt-kernel aarch64 $M
kernel "$KERNEL"
disk_virtio vda 0 4 0 1
case_end

case_begin virt-virtio-scsi-nics aarch64 $M
pci_ctl 1 pcie-root-port 0 1 0 mf
pci_ctl 2 pcie-root-port 0 1 1
pci_ctl 3 pcie-root-port 0 1 2
scsi_ctl 0 virtio-scsi 1 0 0
disk_scsi sda 0 0 0 0 3
disk_scsi sdb 0 0 1 0 4
disk_scsi sdc 0 0 0 2 1 cdrom
nic virtio 2 0 0 2
nic virtio 3 0 0 5
case_end

# ---- run ----------------------------------------------------------------------
mapfile -t cases <"$BO_WORK/case-list"
arm_cases=0
for c in "${cases[@]}"; do [[ "$c" == virt-* ]] && arm_cases=$((arm_cases + 1)); done
echo "1..$(( ${#cases[@]} * 2 + arm_cases ))"

n=0
fail() { echo "not ok $n - $1"; shift; for line in "$@"; do echo "#   $line"; done; }

read_bootorder() {
    local arch_opt=() args_file=$1
    shift
    mapfile -t argv <"$args_file"
    [[ "${argv[0]}" == *aarch64* ]] && arch_opt=(--arm)
    "$FWNEG_QEMU_FWCFG" "${arch_opt[@]}" --hex bootorder -- "${argv[@]}" "$@"
}

for c in "${cases[@]}"; do
    dir="$BO_WORK/cases/$c"
    machine=$(sed -n "s/.*machine='\([^']*\)'.*/\1/p" "$dir/domain.xml")
    n=$((n + 1))
    if ! "$FWNEG_BIN" plan --output=json --rom-policy=qemu --canonical-machine "$machine" \
        "$dir/domain.xml" >"$dir/plan.json" 2>"$dir/plan.err"; then
        fail "$c: fwneg plan failed" "$(cat "$dir/plan.err")"
        n=$((n + 1)); fail "$c: qemu-args (no plan)"
        [[ "$c" == virt-* ]] && { n=$((n + 1)); fail "$c: fdt nodes (no plan)"; }
        continue
    fi
    expected=$(bo_expected_hex "$dir/plan.json")
    actual=$(read_bootorder "$dir/qemu.args" 2>"$dir/qemu.err")
    if [ "$expected" = "$actual" ]; then
        echo "ok $n - $c: $(jq -r '.bootorder | join(" ")' "$dir/plan.json")"
    else
        fail "$c: bootorder differs" "fwneg: $(jq -c .bootorder "$dir/plan.json")" \
            "qemu:  $(printf '%s' "$actual" | xxd -r -p | tr '\n\0' '|.')" "$(head -c 500 "$dir/qemu.err")"
    fi

    # The same devices without bootindex, plus what fwneg --output=qemu-args says.
    n=$((n + 1))
    extra=()
    while read -r option value; do
        [ -n "$option" ] && extra+=("$option" ${value:+"$value"})
    done < <("$FWNEG_BIN" plan --output=qemu-args --rom-policy=qemu --canonical-machine "$machine" \
        "$dir/domain.xml" 2>/dev/null)
    actual=$(read_bootorder "$dir/qemu-noboot.args" "${extra[@]}" 2>"$dir/qemu.err")
    if [ "$expected" = "$actual" ]; then
        echo "ok $n - $c: qemu-args ${extra[*]}"
    else
        fail "$c: bootorder with fwneg's qemu-args differs" "args: ${extra[*]}" \
            "qemu: $(printf '%s' "$actual" | xxd -r -p | tr '\n\0' '|.')" "$(head -c 500 "$dir/qemu.err")"
    fi

    [[ "$c" == virt-* ]] || continue
    n=$((n + 1))
    mapfile -t argv <"$dir/qemu.args"
    argv=("${argv[@]/#$machine/$machine,dumpdtb=$dir/virt.dtb}")
    if ! "${argv[@]}" -display none >"$dir/dtb.log" 2>&1 || ! [ -s "$dir/virt.dtb" ]; then
        fail "$c: QEMU did not dump its DTB" "$(head -c 500 "$dir/dtb.log")"
        continue
    fi
    sed "s|<os>|<os><dtb>$dir/virt.dtb</dtb>|" "$dir/domain.xml" >"$dir/domain-dtb.xml"
    if ! "$FWNEG_BIN" plan --output=json --rom-policy=qemu --canonical-machine "$machine" \
        "$dir/domain-dtb.xml" >"$dir/plan-dtb.json" 2>"$dir/plan.err"; then
        fail "$c: fwneg plan with QEMU's DTB failed" "$(cat "$dir/plan.err")"
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

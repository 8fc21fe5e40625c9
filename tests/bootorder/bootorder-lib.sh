# bootorder-lib.sh: shared pieces of the boot-order conformance tests (sourced).
#
# A case is described once; the helpers below write both the libvirt domain XML
# (what fwneg reads) and the QEMU -device arguments libvirt 9.0 would give the
# same devices (what the oracle QEMU is started with), so the two cannot drift.
#
#   case_begin NAME ARCH MACHINE      x86_64 pc-i440fx-7.2 | pc-q35-7.2, aarch64 virt-7.2
#   pci_ctl IDX MODEL BUS SLOT FUNC [mf] [busNr]
#   disk_virtio DEV BUS SLOT FUNC BOOT [mf]
#   scsi_ctl IDX MODEL BUS SLOT FUNC          (virtio-scsi lsilogic lsisas1068 vmpvscsi lsisas1078)
#   disk_scsi DEV CTL BUS TARGET UNIT BOOT [cdrom]
#   disk_ide DEV BUS UNIT BOOT [cdrom]        (pc: PIIX3 IDE)
#   sata_ctl IDX BUS SLOT FUNC                (an extra ich9-ahci)
#   disk_sata DEV CTL UNIT BOOT [cdrom]
#   disk_fdc DEV UNIT BOOT
#   usb_ctl IDX MODEL BUS SLOT FUNC [ports]
#   usb_hub CTL PORT
#   disk_usb DEV CTL PORT BOOT
#   nic MODEL BUS SLOT FUNC BOOT [mf]
#   kernel FILE
#   case_end                                  writes $CASE_DIR/{domain.xml,qemu.args,qemu-noboot.args}
# BOOT 0 means no <boot order>.  Device ids are the aliases libvirt gives the
# devices (virtio-disk0, sata0-0-2, net1, …), so fwneg's -set options apply to them.

BO_QEMU_X86=${BO_QEMU_X86:-qemu-system-x86_64}
BO_QEMU_ARM=${BO_QEMU_ARM:-qemu-system-aarch64}

# Every disk gets its own small image (QEMU locks images it opens for writing).
bo_image() {
    local img="$BO_WORK/img/$1.img"
    [ -e "$img" ] || truncate -s 1M "$img"
    chmod 0666 "$img"
    printf '%s\n' "$img"
}

case_begin() {
    CASE_NAME=$1 CASE_ARCH=$2 CASE_MACHINE=$3
    CASE_DIR="$BO_WORK/cases/$CASE_NAME"
    mkdir -p "$CASE_DIR"
    CASE_XML_DEVICES="" CASE_XML_OS="" CASE_NETS=0
    CASE_ARGS=() CASE_BOOT_ARGS=() CASE_NOBOOT_ARGS=()
    declare -gA CASE_SCSI_MODEL=()
    if [ "$CASE_ARCH" = aarch64 ]; then
        CASE_ROOT_BUS=pcie.0
        CASE_ARGS=(-machine "$CASE_MACHINE" -cpu cortex-a57 -nodefaults)
    elif [[ "$CASE_MACHINE" == pc-q35-* ]]; then
        CASE_ROOT_BUS=pcie.0
        CASE_ARGS=(-machine "$CASE_MACHINE" -nodefaults)
    else
        CASE_ROOT_BUS=pci.0
        CASE_ARGS=(-machine "$CASE_MACHINE" -nodefaults)
    fi
}

_xml() { CASE_XML_DEVICES+="    $*"$'\n'; }

# QEMU bus name of libvirt PCI controller index $1.
_bus() { if [ "$1" = 0 ]; then printf '%s' "$CASE_ROOT_BUS"; else printf 'pci.%s' "$1"; fi; }

_pci_xml() {
    printf "<address type='pci' domain='0x0000' bus='0x%02x' slot='0x%02x' function='0x%x'%s/>" \
        "$1" "$2" "$3" "${4:+ multifunction='on'}"
}

_pci_qemu() {
    printf 'bus=%s,addr=0x%x.0x%x%s' "$(_bus "$1")" "$2" "$3" "${4:+,multifunction=on}"
}

_boot_xml() { [ "$1" = 0 ] || printf "<boot order='%s'/>" "$1"; }

# A -device with and without its bootindex (the second set gets fwneg's -set).
_device() {
    local spec=$1 boot=$2
    if [ "$boot" = 0 ]; then
        CASE_BOOT_ARGS+=(-device "$spec")
    else
        CASE_BOOT_ARGS+=(-device "$spec,bootindex=$boot")
    fi
    CASE_NOBOOT_ARGS+=(-device "$spec")
}

_common() { CASE_BOOT_ARGS+=("$@"); CASE_NOBOOT_ARGS+=("$@"); }

pci_ctl() {
    local idx=$1 model=$2 bus=$3 slot=$4 func=$5 mf=${6:-} busnr=${7:-}
    local target="<target chassis='$idx' port='0x$((idx + 15))'/>" qemu
    case "$model" in
    pci-bridge) qemu="pci-bridge,chassis_nr=$idx" target="<target chassisNr='$idx'/>" ;;
    pcie-root-port) qemu="pcie-root-port,port=$((idx + 15)),chassis=$idx" ;;
    pcie-switch-upstream-port) qemu="x3130-upstream" target="" ;;
    pcie-switch-downstream-port) qemu="xio3130-downstream,port=$((idx + 15)),chassis=$idx" ;;
    dmi-to-pci-bridge) qemu="i82801b11-bridge" target="" ;;
    pcie-to-pci-bridge) qemu="pcie-pci-bridge" target="" ;;
    pci-expander-bus) qemu="pxb,bus_nr=$busnr" target="<target busNr='$busnr'/>" ;;
    pcie-expander-bus) qemu="pxb-pcie,bus_nr=$busnr" target="<target busNr='$busnr'/>" ;;
    *) echo "unknown pci model $model" >&2; return 1 ;;
    esac
    _xml "<controller type='pci' index='$idx' model='$model'>$target$(_pci_xml "$bus" "$slot" "$func" "$mf")</controller>"
    _common -device "$qemu,id=pci.$idx,$(_pci_qemu "$bus" "$slot" "$func" "$mf")"
}

_disk_xml() {
    local dev=$1 bus=$2 device=$3 address=$4 boot=$5
    _xml "<disk type='file' device='$device'><driver name='qemu' type='raw'/><source file='$(bo_image "$CASE_NAME-$dev")'/><target dev='$dev' bus='$bus'/>$([ "$device" = cdrom ] && printf '<readonly/>')$address$(_boot_xml "$boot")</disk>"
}

_drive() {
    local dev=$1 ro=${2:-}
    _common -drive "if=none,id=drive-$dev,format=raw,file=$(bo_image "$CASE_NAME-$dev")${ro:+,readonly=on}"
}

_disk_index() {
    local name=${1#[fhvs]d} idx=0 i c
    for ((i = 0; i < ${#name}; i++)); do
        c=$(printf '%d' "'${name:i:1}")
        idx=$(((idx + (i > 0 ? 1 : 0)) * 26 + c - 97))
    done
    printf '%s' "$idx"
}

disk_virtio() {
    local dev=$1 bus=$2 slot=$3 func=$4 boot=$5 mf=${6:-}
    _disk_xml "$dev" virtio disk "$(_pci_xml "$bus" "$slot" "$func" "$mf")" "$boot"
    _drive "$dev"
    _device "virtio-blk-pci,drive=drive-$dev,id=virtio-disk$(_disk_index "$dev"),$(_pci_qemu "$bus" "$slot" "$func" "$mf")" "$boot"
}

scsi_ctl() {
    local idx=$1 model=$2 bus=$3 slot=$4 func=$5 qemu
    case "$model" in
    virtio-scsi) qemu=virtio-scsi-pci ;;
    lsilogic) qemu=lsi53c895a ;;
    lsisas1068) qemu=mptsas1068 ;;
    vmpvscsi) qemu=pvscsi ;;
    lsisas1078) qemu=megasas ;;
    *) echo "unknown scsi model $model" >&2; return 1 ;;
    esac
    CASE_SCSI_MODEL[$idx]=$model
    _xml "<controller type='scsi' index='$idx' model='$model'>$(_pci_xml "$bus" "$slot" "$func")</controller>"
    _common -device "$qemu,id=scsi$idx,$(_pci_qemu "$bus" "$slot" "$func")"
}

disk_scsi() {
    local dev=$1 ctl=$2 bus=$3 target=$4 unit=$5 boot=$6 kind=${7:-disk} qemu=scsi-hd id addr
    [ "$kind" = cdrom ] && qemu=scsi-cd
    _disk_xml "$dev" scsi "$kind" "<address type='drive' controller='$ctl' bus='$bus' target='$target' unit='$unit'/>" "$boot"
    _drive "$dev" "$([ "$kind" = cdrom ] && echo ro)"
    if [ "${CASE_SCSI_MODEL[$ctl]}" = lsilogic ]; then
        id="scsi$ctl-$bus-$unit" addr="bus=scsi$ctl.$bus,scsi-id=$unit"
    else
        id="scsi$ctl-$bus-$target-$unit" addr="bus=scsi$ctl.0,channel=$bus,scsi-id=$target,lun=$unit"
    fi
    _device "$qemu,drive=drive-$dev,id=$id,$addr" "$boot"
}

disk_ide() {
    local dev=$1 bus=$2 unit=$3 boot=$4 kind=${5:-disk} qemu=ide-hd
    [ "$kind" = cdrom ] && qemu=ide-cd
    _disk_xml "$dev" ide "$kind" "<address type='drive' controller='0' bus='$bus' target='0' unit='$unit'/>" "$boot"
    _drive "$dev" "$([ "$kind" = cdrom ] && echo ro)"
    _device "$qemu,drive=drive-$dev,id=ide0-$bus-$unit,bus=ide.$bus,unit=$unit" "$boot"
}

sata_ctl() {
    local idx=$1 bus=$2 slot=$3 func=$4
    _xml "<controller type='sata' index='$idx'>$(_pci_xml "$bus" "$slot" "$func")</controller>"
    _common -device "ich9-ahci,id=sata$idx,$(_pci_qemu "$bus" "$slot" "$func")"
}

disk_sata() {
    local dev=$1 ctl=$2 unit=$3 boot=$4 kind=${5:-disk} qemu=ide-hd qbus
    [ "$kind" = cdrom ] && qemu=ide-cd
    # libvirt: q35's built-in AHCI (controller 0) has buses ide.N, others ALIAS.N.
    if [ "$ctl" = 0 ] && [[ "$CASE_MACHINE" == pc-q35-* ]]; then qbus=ide.$unit; else qbus=sata$ctl.$unit; fi
    _disk_xml "$dev" sata "$kind" "<address type='drive' controller='$ctl' bus='0' target='0' unit='$unit'/>" "$boot"
    _drive "$dev" "$([ "$kind" = cdrom ] && echo ro)"
    _device "$qemu,drive=drive-$dev,id=sata$ctl-0-$unit,bus=$qbus" "$boot"
}

disk_fdc() {
    local dev=$1 unit=$2 boot=$3 letter=A
    [ "$unit" = 1 ] && letter=B
    _disk_xml "$dev" fdc floppy "<address type='drive' controller='0' bus='0' target='0' unit='$unit'/>" "$boot"
    _drive "$dev"
    # pc has a built-in isa-fdc; q35 needs one (libvirt: qemuDomainNeedsFDC).
    if [[ "$CASE_MACHINE" == pc-q35-* ]] && [ -z "${CASE_HAVE_FDC:-}" ]; then
        CASE_HAVE_FDC=1
        _common -device isa-fdc,id=fdc0
    fi
    [ "$boot" = 0 ] || CASE_BOOT_ARGS+=(-global "isa-fdc.bootindex$letter=$boot")
    _common -device "floppy,unit=$unit,drive=drive-$dev,id=fdc0-0-$unit"
}

usb_ctl() {
    local idx=$1 model=$2 bus=$3 slot=$4 func=$5 ports=${6:-} qemu
    case "$model" in
    piix3-uhci) qemu=piix3-usb-uhci ;;
    ich9-ehci1) qemu=ich9-usb-ehci1 ;;
    ich9-uhci1) qemu=ich9-usb-uhci1 ;;
    qemu-xhci) qemu=qemu-xhci${ports:+,p2=$ports,p3=$ports} ;;
    nec-xhci) qemu=nec-usb-xhci${ports:+,p2=$ports,p3=$ports} ;;
    *) echo "unknown usb model $model" >&2; return 1 ;;
    esac
    _xml "<controller type='usb' index='$idx' model='$model'${ports:+ ports='$ports'}>$(_pci_xml "$bus" "$slot" "$func")</controller>"
    _common -device "$qemu,id=usb$idx,$(_pci_qemu "$bus" "$slot" "$func")"
}

usb_hub() {
    local ctl=$1 port=$2
    _xml "<hub type='usb'><address type='usb' bus='$ctl' port='$port'/></hub>"
    _common -device "usb-hub,bus=usb$ctl.0,port=$port"
}

disk_usb() {
    local dev=$1 ctl=$2 port=$3 boot=$4
    _disk_xml "$dev" usb disk "<address type='usb' bus='$ctl' port='$port'/>" "$boot"
    _drive "$dev"
    _device "usb-storage,drive=drive-$dev,id=usb-disk$(_disk_index "$dev"),bus=usb$ctl.0,port=$port" "$boot"
}

nic() {
    local model=$1 bus=$2 slot=$3 func=$4 boot=$5 mf=${6:-} qemu mac
    case "$model" in
    virtio) qemu=virtio-net-pci ;;
    *) qemu=$model ;;
    esac
    mac=$(printf '52:54:00:00:%02x:%02x' "$bus" "$((CASE_NETS + 1))")
    _xml "<interface type='user'><mac address='$mac'/><model type='$model'/>$(_pci_xml "$bus" "$slot" "$func" "$mf")$(_boot_xml "$boot")</interface>"
    _device "$qemu,id=net$CASE_NETS,mac=$mac,$(_pci_qemu "$bus" "$slot" "$func" "$mf")" "$boot"
    CASE_NETS=$((CASE_NETS + 1))
}

kernel() {
    CASE_XML_OS+="<kernel>$1</kernel>"
    _common -kernel "$1"
}

case_end() {
    local emulator=$BO_QEMU_X86
    [ "$CASE_ARCH" = aarch64 ] && emulator=$BO_QEMU_ARM
    cat >"$CASE_DIR/domain.xml" <<EOF
<domain type='qemu'>
  <name>bo-$CASE_NAME</name>
  <memory unit='MiB'>128</memory>
  <os>
    <type arch='$CASE_ARCH' machine='$CASE_MACHINE'>hvm</type>
    $CASE_XML_OS
  </os>
  <devices>
    <emulator>$(command -v "$emulator")</emulator>
$CASE_XML_DEVICES  </devices>
</domain>
EOF
    printf '%s\n' "$emulator" "${CASE_ARGS[@]}" "${CASE_BOOT_ARGS[@]}" -boot strict=on >"$CASE_DIR/qemu.args"
    printf '%s\n' "$emulator" "${CASE_ARGS[@]}" "${CASE_NOBOOT_ARGS[@]}" >"$CASE_DIR/qemu-noboot.args"
    unset CASE_HAVE_FDC
    printf '%s\n' "$CASE_NAME" >>"$BO_WORK/case-list"
}

# The bootorder bytes fwneg predicts (lines joined by \n, NUL-terminated; empty
# list: no bytes at all), as lowercase hex.
bo_expected_hex() {
    jq -j 'if (.bootorder | length) == 0 then "" else (.bootorder | join("\n")) end' "$1" |
        xxd -p | tr -d '\n'
    [ "$(jq '.bootorder | length' "$1")" = 0 ] || printf '00'
}

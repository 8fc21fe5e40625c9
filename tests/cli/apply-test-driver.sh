#!/bin/bash
# `fwneg apply` against libvirt's test driver (in-process, no daemon; its quirks are in
# /work/notes/r11-facts.md §5: test:///default is per process, a node file's changes are
# never written back, <qemu:*> elements are dropped).  fwneg-apply fetches the defined
# XML, plans it, defines it again and reads back what libvirt stored, all in one
# process, so the test driver shows the whole round trip.  Prints TAP.
set -u -o pipefail
: "${FWNEG_BIN:?}" "${FWNEG_APPLY:?}"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../hook/hook-lib.sh"
for tool in qemu-system-x86_64 jq; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
[ -r /usr/lib/ipxe/qemu/efi-e1000.rom ] || { echo "1..0 # SKIP ipxe-qemu not installed"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
state=$work/state
apply() { timeout 60 "$FWNEG_BIN" apply --state-dir "$state" "$@" >out 2>err; }

cat >node.xml <<'XML'
<node>
  <cpu><mhz>2000</mhz></cpu>
  <memory>8192000</memory>
  <domain type='qemu' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
    <name>fwneg-td</name>
    <uuid>6b3c1e2a-0000-4000-8000-0000000000d1</uuid>
    <memory unit='MiB'>64</memory>
    <vcpu>1</vcpu>
    <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>
    <devices>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
      <interface type='user'>
        <mac address='52:54:00:d1:00:01'/>
        <model type='e1000'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
      </interface>
    </devices>
    <test:runstate>5</test:runstate>
  </domain>
</node>
XML
uri=test:///$work/node.xml

apply --connect "$uri" --dry-run fwneg-td
rc=$?
check_eval "--dry-run: exit 0, a unified diff adding the record and pinning the ROM to the store" \
    '[ $rc = 0 ] && grep -q "^--- fwneg-td (defined)" out && grep -q "^+.*<fwneg:plan" out &&
        grep -q "^+ *<rom file=\"$state/roms/[0-9a-f]\{64\}\"/>" out && grep -q "^@@ " out'
check_eval "--dry-run writes nothing: no record, no store copy, no fw_cfg file" \
    '! [ -e "$state/vms" ] && ! [ -e "$state/roms" ] && ! [ -e "$state/fwcfg" ]'
check_eval "--dry-run: only additions (libvirt's own lines are not reformatted into the diff)" \
    '! grep -q "^-[^-]" out'

apply --connect "$uri" fwneg-td
rc=$?
check_eval "apply: defines the domain again and reads the record back from libvirt (exit $rc)" \
    '[ $rc = 0 ] && grep -q "^applied fwneg'"'"'s plan to fwneg-td: firmware /usr/share/seabios/bios-256k.bin, 1 ROM pinned to the store" out'
check_eval "apply: the record, the ROM store copy and the fw_cfg file are written" \
    'jq_true ".roms[0].size == 262144" "$state/vms/6b3c1e2a-0000-4000-8000-0000000000d1.json" &&
        [ -n "$(ls "$state/roms")" ] && [ -s "$state/fwcfg/6b3c1e2a-0000-4000-8000-0000000000d1/opt/org.fwneg/features" ]'
check_eval "apply: the descriptors that chose the firmware are noted (none for the default BIOS)" \
    'jq_true ".firmware[\"decided-by\"] == []" "$state/vms/6b3c1e2a-0000-4000-8000-0000000000d1.json"'

# test:///default's built-in domain has a device on PCI bus 1 but no controller for it
# (the test driver adds none at define): the plan leaves its boot order open.
for mode in "" --dry-run; do
    apply --connect test:///default $mode test
    rc=$?
    check_eval "test:///default's built-in domain ${mode:-(apply)}: refused (exit $rc) naming the open part, nothing on stdout" \
        '[ $rc = 2 ] && grep -q "^fwneg: apply: test: libvirt.s defined XML leaves parts of the plan open (bootorder: PCI bus 1" err && ! [ -s out ]'
done
apply --connect test:///default no-such-guest
rc=$?
check_eval "a domain libvirt does not have: exit 1 with libvirt's reason" \
    '[ $rc = 1 ] && grep -q "fwneg: apply: no domain .no-such-guest.: Domain not found" err'
apply --connect test:///nonexistent/node.xml fwneg-td
rc=$?
check_eval "a connection libvirt refuses: exit 1 naming the URI" \
    '[ $rc = 1 ] && grep -q "fwneg: apply: cannot connect to test:///nonexistent/node.xml" err'
apply
rc=$?
check_eval "usage error: exit 2" '[ $rc = 2 ] && grep -q "expected exactly one domain" err'
fwneg_libs=$(ldd "$FWNEG_BIN") apply_libs=$(ldd "$FWNEG_APPLY")
check_eval "fwneg itself does not link libvirt; fwneg-apply does" \
    '! grep -q libvirt <<<"$fwneg_libs" && grep -q "libvirt\.so" <<<"$apply_libs"'
tap_done

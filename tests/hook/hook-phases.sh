#!/bin/bash
# The hook, op by op, as libvirt 9.0 calls it (NAME OP SUBOP EXTRA, domain XML on
# stdin; integration-style.md §1.2-1.3), without a libvirtd: every outcome the
# end-to-end tests cannot cheaply provoke — a changed descriptor, a damaged or newer
# record, each migration repair and refusal, manage=all/none, a stuck file.  The
# real QEMU 7.2 is probed (its facts cached in the state dir), the real iPXE ROMs
# are planned.  Prints TAP.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
for tool in qemu-system-x86_64 jq; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
[ -r /usr/lib/ipxe/qemu/efi-e1000.rom ] || { echo "1..0 # SKIP ipxe-qemu not installed"; exit 0; }
source "$here/hook-lib.sh"

work=$(mktemp -d /tmp/fwneg-hook-phases.XXXXXX)
trap 'rm -rf "$work"' EXIT
hk_setup "$work"
cd "$work"

uuid=6b3c1e2a-0000-4000-8000-0000000000a1
hk_guest hk-g1 $uuid >g1.xml
hk_record g1.xml applied.xml || { echo "Bail out! fwneg record failed"; exit 1; }
rom_sha=$(sha256sum <roms/efi-e1000.rom | cut -d' ' -f1)
store_copy=$HK_STATE/roms/$rom_sha
fwcfg_file=$HK_STATE/fwcfg/$uuid/opt/org.fwneg/features

# ---- a guest fwneg does not manage ------------------------------------------------
all_quiet=1
for op in "prepare begin" "start begin" "started begin" "stopped end" "release end" \
    "migrate begin" "restore begin" "reconnect begin"; do
    hk_call hk-g1 $op - <g1.xml
    hk_quiet_success || all_quiet=0
done
check "unmanaged guest: all 8 ops exit 0 with empty stdout" test $all_quiet = 1
check "unmanaged guest: no worker ran, nothing written" \
    bash -c "! [ -e '$HK_STATE/run' ] && [ \$(grep -c 'unmanaged (no fwneg record)' '$HK_LOG') = 7 ]"

# ---- prepare --------------------------------------------------------------------------
hk_call hk-g1 prepare begin - <applied.xml
check "prepare: a recorded guest whose record holds is let through" hk_quiet_success
rm -f "$store_copy" "$fwcfg_file"
hk_call hk-g1 prepare begin - <applied.xml
check "prepare: a missing ROM store copy and fw_cfg file are written again from the record" \
    bash -c "[ $HK_RC = 0 ] && [ \"\$(sha256sum <'$store_copy' | cut -d' ' -f1)\" = $rom_sha ] &&
        [ \"\$(xxd -p '$fwcfg_file')\" = 01000000000000000000000000000000 ]"
check "prepare: the log says what was written" grep -q "wrote the ROM store copy" "$HK_LOG"
printf 'garbage' >"$fwcfg_file"
hk_call hk-g1 prepare begin - <applied.xml
check "prepare: a fw_cfg file with other bytes is rewritten" \
    bash -c "[ $HK_RC = 0 ] && [ \"\$(xxd -p '$fwcfg_file')\" = 01000000000000000000000000000000 ]"

cp roms/efi-e1000.rom keep.rom
rm -f "$store_copy"
printf 'x' | dd of=roms/efi-e1000.rom bs=1 seek=1000 conv=notrunc status=none
hk_call hk-g1 prepare begin - <applied.xml
check "prepare: store copy gone and the recorded ROM changed: refused, naming rom export/import" \
    hk_refused_with "refusing to start hk-g1" "ROM store copy" "fwneg rom export" "fwneg rom import"
cp keep.rom roms/efi-e1000.rom
hk_call hk-g1 prepare begin - <applied.xml
printf 'y' | dd of="$store_copy" bs=1 seek=1000 conv=notrunc status=none
hk_call hk-g1 prepare begin - <applied.xml
check "prepare: a ROM whose bytes changed since recording is refused" \
    hk_refused_with "refusing to start hk-g1" "changed since hk-g1 was recorded" "sha256"
rm -f "$store_copy"
hk_call hk-g1 prepare begin - <applied.xml

sed 's/<type arch="x86_64" machine="pc-i440fx-7.2">/<type arch="x86_64" machine="pc-i440fx-7.1">/' applied.xml >machine.xml
hk_call hk-g1 prepare begin - <machine.xml
check "prepare: another machine type than recorded is refused" \
    hk_refused_with "machine type pc-i440fx-7.1 is not the recorded pc-i440fx-7.2"

sed 's/<fwneg:plan xmlns:fwneg="https:\/\/fwneg.org\/xmlns\/fwneg\/1" version="1">/<fwneg:plan xmlns:fwneg="https:\/\/fwneg.org\/xmlns\/fwneg\/1" version="2">/' \
    applied.xml >newer.xml
hk_call hk-g1 prepare begin - <newer.xml
check "prepare: a record from a newer fwneg is refused: upgrade fwneg" \
    hk_refused_with "newer fwneg" "plan version 2" "upgrade fwneg"
sed 's/ size="262144"//' applied.xml >damaged.xml
hk_call hk-g1 prepare begin - <damaged.xml
check "prepare: a damaged record is refused: re-run fwneg apply" \
    hk_refused_with "damaged" 'fwneg apply hk-g1'

# ---- firmware and its descriptors (a UEFI guest, descriptors in a dir of our own) ----
mkdir -p fw && cp /usr/share/qemu/firmware/*.json fw/
hk_config "firmware-dirs=$work/fw"
efi_uuid=6b3c1e2a-0000-4000-8000-0000000000a2
hk_guest hk-g2 $efi_uuid e1000 "<nvram>$work/hk-g2_VARS.fd</nvram>" |
    sed "s|<os>|<os firmware='efi'>|; s|machine='pc-i440fx-7.2'|machine='q35'|; s|<vcpu>1</vcpu>|<vcpu>1</vcpu><features><acpi/></features>|" >g2.xml
hk_record g2.xml applied2.xml || notok "fwneg record of the UEFI guest"
hk_call hk-g2 prepare begin - <applied2.xml
check "prepare: UEFI guest with unchanged descriptors is let through" hk_quiet_success
chosen=$(jq -r .firmware.descriptor "$HK_STATE/vms/$efi_uuid.json")
chosen=$(basename "$chosen")
echo ' ' >>"fw/$chosen"
hk_call hk-g2 prepare begin - <applied2.xml
check "prepare: the descriptor that chose the firmware changed: refused, naming it" \
    hk_refused_with "firmware descriptor $work/fw/$chosen changed" 'fwneg apply hk-g2'
cp "/usr/share/qemu/firmware/$chosen" fw/
cp "fw/$chosen" fw/10-added-in-front.json
hk_call hk-g2 prepare begin - <applied2.xml
check "prepare: a descriptor added in front of the chosen one is named" \
    hk_refused_with "10-added-in-front.json was added"
rm fw/10-added-in-front.json

# A migration target where the recorded NVRAM template path does not exist (another
# layout), but this host's descriptor pairs the same firmware with its own template.
template=$(jq -r '.firmware["nvram-template"]' "$HK_STATE/vms/$efi_uuid.json")
sed "s|$template|/nonexistent/OVMF_VARS.fd|g" applied2.xml >other-template.xml
hk_call hk-g2 migrate begin - <other-template.xml
check_eval "migrate: a missing NVRAM template is replaced by this host's descriptor's ($template)" \
    '[ $HK_RC = 0 ] && grep -q "<nvram template=\"$template\">" "$HK_DIR/out"'
rm -f fw/*.json
hk_call hk-g2 migrate begin - <other-template.xml
check "migrate: no descriptor pairs a template with the recorded firmware: refused" \
    hk_refused_with "NVRAM template /nonexistent/OVMF_VARS.fd" "install the package"
cp /usr/share/qemu/firmware/*.json fw/

# ---- start: the XML libvirt resolved against the record ----------------------------
hk_call hk-g2 start begin - <applied2.xml
check "start: resolved XML equal to the record is let through" hk_quiet_success
loader=$(jq -r .firmware.executable "$HK_STATE/vms/$efi_uuid.json")
sed "s|>$loader<|>/usr/share/OVMF/OVMF_CODE_4M.fd<|" applied2.xml >other-loader.xml
hk_call hk-g2 start begin - <other-loader.xml
check "start: libvirt resolving another loader than recorded is vetoed" \
    hk_refused_with "refusing to start hk-g2" "firmware: libvirt resolved /usr/share/OVMF/OVMF_CODE_4M.fd"
sed '/<boot order="1"\/>/d' applied.xml >no-boot.xml
hk_call hk-g1 start begin - <no-boot.xml
check "start: a boot order other than recorded is vetoed" hk_refused_with "boot order entry 1"
hk_call hk-g1 reconnect begin - <no-boot.xml
check "reconnect: a difference is reported, never fails (it would kill the guest)" \
    bash -c "[ $HK_RC = 0 ] && grep -q 'warning: the running guest differs' '$HK_DIR/err' && ! [ -s '$HK_DIR/out' ]"

# ---- started / release --------------------------------------------------------------
rm -f "$HK_STATE/vms/$uuid.json"
hk_call hk-g1 started begin - <applied.xml
check "started: the run record and the guest's record are written, whole" \
    bash -c "[ $HK_RC = 0 ] && jq -e '.roms[0].size == 262144' '$HK_STATE/run/$uuid.json' >/dev/null &&
        jq -e '.domain.uuid == \"$uuid\"' '$HK_STATE/vms/$uuid.json' >/dev/null"
hk_call hk-g1 release end - <applied.xml
check "release: the run record is removed" bash -c "[ $HK_RC = 0 ] && ! [ -e '$HK_STATE/run/$uuid.json' ]"

# ---- migrate / restore: the target's rewrite ---------------------------------------
hk_call hk-g1 migrate begin - <applied.xml
check "migrate: a target that reproduces the record prints nothing (no rewrite, no taint)" \
    hk_quiet_success

# The target has none of the source's state, and an older, smaller iPXE (128 KiB bucket).
mv "$HK_STATE" state-source && mkdir "$HK_STATE"
cp /usr/lib/ipxe/qemu/pxe-e1000.rom roms/efi-e1000.rom
hk_call hk-g1 migrate begin - <applied.xml
cp "$HK_DIR/out" migrated.xml
check "migrate: a smaller ROM is pinned to the recorded size with <qemu:override> romsize" \
    bash -c "[ $HK_RC = 0 ] && grep -q \"<qemu:property name=\\\"romsize\\\" type=\\\"unsigned\\\" value=\\\"262144\\\"/>\" migrated.xml &&
        grep -q '<qemu:device alias=\"net0\">' migrated.xml"
"$FWNEG_BIN" plan --config "$FWNEG_CONFIG" --output=json migrated.xml >migrated-plan.json 2>/dev/null
check "migrate: the rewritten XML plans to the recorded RAM block (0000:00:02.0/e1000.rom, 262144)" \
    jq_true '.roms[0].ramblock == "0000:00:02.0/e1000.rom" and .roms[0].size == 262144 and .roms[0]["size-pinned"]' \
    migrated-plan.json
check "migrate: the record travels updated (this host's ROM, pinned, same size)" \
    bash -c "grep -q 'size-pinned=\"yes\"' migrated.xml && grep -q 'size=\"262144\"' migrated.xml"
sed 's|value="262144"|value="200000"|' migrated.xml >bad-romsize.xml
"$FWNEG_BIN" plan --config "$FWNEG_CONFIG" bad-romsize.xml >/dev/null 2>plan.err
check "fwneg plan predicts QEMU's refusal of a romsize that is not a power of two" \
    grep -q "ROM size is not a power of two" plan.err
sed 's|value="262144"|value="65536"|' migrated.xml >small-romsize.xml
"$FWNEG_BIN" plan --config "$FWNEG_CONFIG" small-romsize.xml >/dev/null 2>plan.err
check "fwneg plan predicts QEMU's refusal of a romsize below the file's size" \
    grep -q "is too large for ROM size 65536" plan.err
hk_call hk-g1 restore begin - <applied.xml
check "restore: the same rewrite" bash -c "[ $HK_RC = 0 ] && cmp -s '$HK_DIR/out' migrated.xml"

head -c 307200 /dev/zero >roms/efi-e1000.rom
cp /usr/lib/ipxe/qemu/efi-e1000.rom head.rom && dd if=head.rom of=roms/efi-e1000.rom conv=notrunc status=none
hk_call hk-g1 migrate begin - <applied.xml
check "migrate: a bigger ROM and no recorded copy: refused naming device, sizes, export/import" \
    hk_refused_with "refusing the incoming migration of hk-g1" "0000:00:02.0/e1000.rom" "262144" \
    "307200" "fwneg rom export --to DIR $rom_sha" "fwneg rom import DIR/$rom_sha"
"$FWNEG_BIN" rom import --state-dir "$HK_STATE" keep.rom >/dev/null
hk_call hk-g1 migrate begin - <applied.xml
check "migrate: after \`fwneg rom import\` the store copy the XML names is there: accepted as is" \
    hk_quiet_success
# A guest pinned by path to a package's ROM (fwneg plan --output=xml does that), whose
# file on this host is another build: the recorded bytes from the store replace it.
sed "s|$HK_STATE/roms/$rom_sha|$work/roms/efi-e1000.rom|" applied.xml >by-path.xml
hk_call hk-g1 migrate begin - <by-path.xml
check "migrate: a ROM pinned by path is repointed to the recorded bytes in the store" \
    bash -c "[ $HK_RC = 0 ] && grep -q \"<rom file=\\\"$HK_STATE/roms/$rom_sha\\\"/>\" '$HK_DIR/out' && ! grep -q romsize '$HK_DIR/out'"
rm -rf "$HK_STATE" && mv state-source "$HK_STATE" && cp keep.rom roms/efi-e1000.rom

# ---- manage=all and manage=none -------------------------------------------------------
hk_config -- "manage=all"
u3=6b3c1e2a-0000-4000-8000-0000000000a3
hk_guest hk-g3 $u3 >g3.xml
hk_call hk-g3 prepare begin - <g3.xml
check "manage=all: an unrecorded guest is planned at prepare (run record kept)" \
    bash -c "[ $HK_RC = 0 ] && jq -e '.roms[0].size == 262144' '$HK_STATE/run/$u3.json' >/dev/null"
hk_call hk-g3 start begin - <g3.xml
check "manage=all: start compares with prepare's plan" hk_quiet_success
hk_call hk-g3 started begin - <g3.xml
check "manage=all: started records the guest (record + ROM in the store)" \
    bash -c "[ $HK_RC = 0 ] && [ -s '$HK_STATE/vms/$u3.json' ] && [ -s '$store_copy' ]"
hk_call hk-g3 release end - <g3.xml
sed "s|<os>|<os firmware='efi'>|; s|<vcpu>1</vcpu>|<vcpu>1</vcpu><features><acpi/></features>|" g3.xml >g3-efi.xml
hk_config "firmware-dirs=$work/empty-fw" -- "manage=all"
hk_call hk-g3 prepare begin - <g3-efi.xml
check "manage=all: what this host cannot satisfy is refused at prepare" \
    hk_refused_with "refusing to start hk-g3" "efi"
hk_call hk-g3 started begin - <g3-efi.xml
check "manage=all: started never fails" bash -c "[ $HK_RC = 0 ]"
hk_config -- "manage=none"
none_ok=1
for op in "prepare begin" "start begin" "started begin" "migrate begin" "release end"; do
    hk_call hk-g1 $op - <damaged.xml
    hk_quiet_success || none_ok=0
done
check "manage=none: even a damaged record is left alone" test $none_ok = 1

# ---- config the entry cannot read alone -------------------------------------------------
hk_config -- "manage=recorded" "tiemout=3"
hk_call hk-g1 prepare begin - <applied.xml
check "a typo in [hook] refuses recorded guests, naming the key" \
    hk_refused_with "unknown key 'tiemout'"
hk_call hk-g1 prepare begin - <g1.xml
check "... but never blocks guests fwneg does not manage" hk_quiet_success

# ---- bounded time ----------------------------------------------------------------------
# A file that blocks its reader stands for a stuck disk or NFS mount: here fwneg's own
# fw_cfg file, which prepare reads to compare with the record.
hk_config -- "timeout=2"
rm -f "$fwcfg_file" && mkfifo "$fwcfg_file"
start=$(date +%s%N)
hk_call hk-g1 prepare begin - <applied.xml
elapsed=$((($(date +%s%N) - start) / 1000000))
check "a read that blocks (stuck disk): prepare refused after [hook] timeout=2 ($elapsed ms)" \
    bash -c "[ $HK_RC = 1 ] && [ $elapsed -lt 6000 ] && grep -q 'did not finish within 2 s' '$HK_DIR/err'"
rm -f "$fwcfg_file"
printf '#!/bin/sh\nexec sleep 3017\n' >stuck-qemu && chmod +x stuck-qemu
hk_config "qemu=$work/stuck-qemu" -- "timeout=2"
hk_call hk-g1 reconnect begin - <applied.xml
check "a stuck emulator: reconnect (must never fail) exits 0 after the timeout" \
    bash -c "[ $HK_RC = 0 ] && grep -q 'did not finish within 2 s' '$HK_DIR/err'"
hk_call hk-g1 start begin - <applied.xml
check "a stuck emulator: start refused after the timeout" hk_refused_with "did not finish within 2 s"
sleep 0.3
check "... the stuck workers (and the emulator they probed) were killed" \
    bash -c "! pgrep -f '[f]wneg-hook-worker hk-g1 ' >/dev/null && ! pgrep -f '^[s]leep 3017$' >/dev/null"

tap_done

#!/bin/bash
# fwcfg-cli: `fwneg plan` end to end against a real, paused QEMU 7.2.
#   - --output=qemu-args writes fwneg's fw_cfg files under --state-dir; QEMU started
#     with exactly those -fw_cfg lines shows every planned fw_cfg entry (fwneg's and
#     QEMU's own) byte for byte as --output=json says;
#   - --output=xml points <sysinfo type='fwcfg'> at the same files;
#   - the slot budget: on pc-q35-2.8 (16 slots) a guest needing 16 plans and QEMU
#     starts with it; one more [ovmf] setting (17) is refused with the counts, and
#     QEMU given the same files aborts — fwneg refuses exactly where QEMU would.
set -u
: "${FWNEG_BIN:?}" "${FWNEG_TEST_DATA:?}" "${FWNEG_QEMU_FWCFG:?}"
data="$FWNEG_TEST_DATA/fwcfg"
sysroot="$FWNEG_TEST_DATA/sysroot-debian12"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

number=0
failed=0
result() { # result OK NAME
    number=$((number + 1))
    if [ "$1" = 1 ]; then echo "ok $number - $2"; else echo "not ok $number - $2"; failed=$((failed + 1)); fi
}

# guest TEMPLATE MACHINE: writes $scratch/guest-MACHINE.xml, prints its path
guest() {
    local out="$scratch/$(basename "$1" .xml)-$2.xml"
    sed "s/@MACHINE@/$2/" "$data/$1" > "$out"
    echo "$out"
}

plan() { # plan FORMAT MACHINE XML [extra args…]
    local format=$1 machine=$2 xml=$3
    shift 3
    "$FWNEG_BIN" plan --output="$format" --sysroot "$sysroot" --canonical-machine "$machine" \
        --state-dir "$scratch/state" "$@" "$xml"
}

# fw_cfg_args QEMU_ARGS_FILE: the -fw_cfg options of a qemu-args output, one word per line
fw_cfg_args() {
    while read -r option value; do
        [ "$option" = -fw_cfg ] && printf '%s\n%s\n' -fw_cfg "$value"
    done < "$1"
}

readback_case() { # readback_case TEMPLATE MACHINE [extra plan args…]
    local template=$1 machine=$2
    shift 2
    local xml ok=1 name origin hex live file
    xml=$(guest "$template" "$machine")
    plan json "$machine" "$xml" "$@" > "$scratch/plan.json" || ok=0
    plan qemu-args "$machine" "$xml" "$@" > "$scratch/plan.args" || ok=0
    plan xml "$machine" "$xml" "$@" > "$scratch/plan.xml" || ok=0
    mapfile -t args < <(fw_cfg_args "$scratch/plan.args")
    local entries=0 fwneg_entries=0
    while IFS=$'\t' read -r name origin hex; do
        entries=$((entries + 1))
        live=$("$FWNEG_QEMU_FWCFG" --hex "$name" -- qemu-system-x86_64 -machine "$machine" \
            -nodefaults "${args[@]}" 2>/dev/null)
        if [ "$live" != "$hex" ]; then
            echo "# $machine $name ($origin): plan $hex, QEMU '${live}'"
            ok=0
        fi
        if [ "$origin" = fwneg ]; then
            fwneg_entries=$((fwneg_entries + 1))
            file=$(grep -o "name=$name,file=[^ ]*" "$scratch/plan.args" | sed 's/.*,file=//')
            if [ -z "$file" ] || [ "$(od -An -v -tx1 "$file" | tr -d ' \n')" != "$hex" ]; then
                echo "# $name: file '$file' does not hold $hex"
                ok=0
            fi
            if ! grep -q "<entry name=\"$name\" file=\"$file\"/>" "$scratch/plan.xml"; then
                echo "# $name: no <sysinfo type='fwcfg'> entry for $file in the XML output"
                ok=0
            fi
        fi
    done < <(jq -r '.fw_cfg[] | [.name, .origin, .hex] | @tsv' "$scratch/plan.json")
    # Every -fw_cfg line is one planned fwneg entry, and there is at least one.
    if [ "$fwneg_entries" = 0 ] || [ "$((${#args[@]} / 2))" != "$fwneg_entries" ]; then
        echo "# $machine: $fwneg_entries fwneg entries, ${#args[@]} -fw_cfg words"
        ok=0
    fi
    echo "# $machine $(basename "$template"): $entries fw_cfg entries read back"
    result "$ok" "read back $template on $machine ($*)"
}

echo "1..10"
readback_case efi-secboot-guest.xml pc-q35-7.2 --config "$data/ovmf-all.conf"
readback_case bios-guest.xml pc-q35-5.2
readback_case bios-guest.xml pc-i440fx-7.2

# Slot budget on pc-q35-2.8: 12 QEMU files + opt/org.fwneg/features + 3 knobs = 16.
cat > "$scratch/ovmf-16.conf" <<'EOF'
[ovmf]
efi-shell=auto
ipv4-pxe=no
ipv6-pxe=no
EOF
xml=$(guest efi-secboot-guest.xml pc-q35-2.8)
ok=1
plan qemu-args pc-q35-2.8 "$xml" --config "$scratch/ovmf-16.conf" > "$scratch/fit.args" || ok=0
mapfile -t args < <(fw_cfg_args "$scratch/fit.args")
count=$("$FWNEG_QEMU_FWCFG" --list -- qemu-system-x86_64 -machine pc-q35-2.8 -nodefaults \
    "${args[@]}" 2>/dev/null | wc -l)
[ "$count" = 16 ] || { echo "# QEMU listed $count files, expected 16"; ok=0; }
result "$ok" "pc-q35-2.8: 16 files planned, QEMU starts with all 16"

ok=1
plan qemu-args pc-q35-2.8 "$xml" --config "$data/ovmf-all.conf" > "$scratch/over.args" \
    2> "$scratch/over.err"
status=$?
[ "$status" = 1 ] || { echo "# exit status $status, expected 1"; ok=0; }
[ -s "$scratch/over.args" ] && { echo "# printed on stdout although it failed"; ok=0; }
grep -q "pc-q35-2.8 has 16 fw_cfg file slots but this guest needs 17" "$scratch/over.err" ||
    { sed 's/^/# /' "$scratch/over.err"; ok=0; }
result "$ok" "pc-q35-2.8: 17 files refused with the counts"

# The same 5 files (planned where they fit) make QEMU abort on pc-q35-2.8.
ok=1
xml72=$(guest efi-secboot-guest.xml pc-q35-7.2)
plan qemu-args pc-q35-7.2 "$xml72" --config "$data/ovmf-all.conf" > "$scratch/five.args" || ok=0
mapfile -t args < <(fw_cfg_args "$scratch/five.args")
[ "${#args[@]}" = 10 ] || { echo "# expected 5 -fw_cfg options, got $((${#args[@]} / 2))"; ok=0; }
"$FWNEG_QEMU_FWCFG" --list -- qemu-system-x86_64 -machine pc-q35-2.8 -nodefaults "${args[@]}" \
    > /dev/null 2> "$scratch/qemu.err"
status=$?
[ "$status" != 0 ] || { echo "# QEMU accepted 17 files on pc-q35-2.8"; ok=0; }
grep -q "fw_cfg_file_slots" "$scratch/qemu.err" || { sed 's/^/# /' "$scratch/qemu.err"; ok=0; }
result "$ok" "pc-q35-2.8: QEMU itself aborts with those 17 files"

# fwneg migrate-check with a recorded plan (fwneg-plan/1 JSON, as the record holds it).
xml72=$(guest efi-secboot-guest.xml pc-q35-7.2)
plan json pc-q35-7.2 "$xml72" --config "$data/ovmf-all.conf" > "$scratch/record.json"
check() { # check RECORD CONFIG: migrate-check output in $scratch/check.out, status returned
    "$FWNEG_BIN" migrate-check --record "$1" --sysroot "$sysroot" --canonical-machine pc-q35-7.2 \
        --state-dir "$scratch/state" --config "$2" "$xml72" > "$scratch/check.out" 2>&1
}
ok=1
check "$scratch/record.json" "$data/ovmf-all.conf"
status=$?
[ "$status" = 0 ] || { echo "# exit status $status, expected 0"; ok=0; }
[ "$(grep -c '^fw_cfg' "$scratch/check.out")" = 9 ] || ok=0 # 8 files + slot count
grep -q '^fw_cfg.*REFUSED' "$scratch/check.out" && ok=0
[ "$ok" = 1 ] || sed 's/^/# /' "$scratch/check.out"
result "$ok" "migrate-check: same machine and config reproduce every fw_cfg file"

ok=1
check "$scratch/record.json" "$scratch/ovmf-16.conf"
status=$?
[ "$status" = 1 ] || { echo "# exit status $status, expected 1"; ok=0; }
grep -q 'opt/org.tianocore/IPv6Support (origin fwneg, 6e6f) is not produced here' \
    "$scratch/check.out" || { sed 's/^/# /' "$scratch/check.out"; ok=0; }
result "$ok" "migrate-check: a target config without a recorded [ovmf] file is refused"

ok=1
jq '(.fw_cfg[] | select(.name == "opt/org.fwneg/features") | .hex) |= "01000000000000000100000000000000"' \
    "$scratch/record.json" > "$scratch/record-changed.json"
check "$scratch/record-changed.json" "$data/ovmf-all.conf"
status=$?
[ "$status" = 1 ] || { echo "# exit status $status, expected 1"; ok=0; }
grep -q 'recorded 01000000000000000100000000000000, here 01000000000000002f00000000000000' \
    "$scratch/check.out" || { sed 's/^/# /' "$scratch/check.out"; ok=0; }
result "$ok" "migrate-check: a bitmap differing from the record is refused with both values"

# `fwneg record` pins the VM: besides the record it writes fwneg's fw_cfg files, with
# the bytes the recorded plan holds, where the record's qemu-args/XML point.
ok=1
rm -rf "$scratch/record-state"
"$FWNEG_BIN" record --output=json --sysroot "$sysroot" --canonical-machine pc-q35-7.2 \
    --state-dir "$scratch/record-state" --config "$data/ovmf-all.conf" "$xml72" \
    > "$scratch/recorded.json" || ok=0
while IFS=$'\t' read -r name hex; do
    file="$scratch/record-state/fwcfg/$(jq -r .domain.uuid "$scratch/recorded.json")/$name"
    [ -f "$file" ] || { echo "# fwneg record did not write $file"; ok=0; continue; }
    [ "$(xxd -p "$file" | tr -d '\n')" = "$hex" ] || { echo "# $file differs from the record"; ok=0; }
done < <(jq -r '.fw_cfg[] | select(.origin == "fwneg") | [.name, .hex] | @tsv' "$scratch/recorded.json")
[ "$(jq '[.fw_cfg[] | select(.origin == "fwneg")] | length' "$scratch/recorded.json")" -gt 0 ] || ok=0
result "$ok" "fwneg record writes every fwneg fw_cfg file with the recorded bytes"

exit $((failed > 0))

#!/bin/bash
# The shipped examples (the README's quick start plans one of them) must plan on
# this host, against its real descriptors, ROMs and QEMU, in every output format.
set -u
: "${FWNEG_BIN:?}" "${FWNEG_SRCDIR:?}"
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT

examples=("$FWNEG_SRCDIR"/examples/*.xml)
formats=(text json xml qemu-args)
echo "1..$(( ${#examples[@]} * ${#formats[@]} ))"
n=0 failed=0
for xml in "${examples[@]}"; do
    name=$(basename "$xml" .xml)
    emulator=$(sed -n 's#.*<emulator>\(.*\)</emulator>.*#\1#p' "$xml")
    for format in "${formats[@]}"; do
        n=$((n + 1))
        if [ ! -x "$emulator" ]; then
            echo "ok $n - $name --output=$format # SKIP $emulator is not installed"
            continue
        fi
        out=$(timeout 30 "$FWNEG_BIN" plan --output="$format" --state-dir "$state" "$xml" 2> "$state/err")
        status=$?
        ok=1
        [ "$status" = 0 ] || { echo "# exit $status: $(cat "$state/err")"; ok=0; }
        [ -n "$out" ] || { echo "# empty output"; ok=0; }
        case $format in
            json) printf '%s' "$out" | jq -e '.schema == "fwneg-plan/1" and (.firmware.executable | type == "string") and (.bootorder | length > 0)' > /dev/null ||
                      { echo "# JSON lacks the schema, a firmware executable or a boot order"; ok=0; } ;;
            xml) printf '%s' "$out" | xmllint --noout - 2> /dev/null || { echo "# not well-formed XML"; ok=0; } ;;
        esac
        if [ "$ok" = 1 ]; then echo "ok $n - $name --output=$format"; else echo "not ok $n - $name --output=$format"; failed=$((failed + 1)); fi
    done
done
exit $((failed > 0))

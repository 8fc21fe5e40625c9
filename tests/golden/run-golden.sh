#!/bin/bash
# Golden tests for the planner, libvirt tests/*data/ style: every directory in
# tests/data/golden/ holds input.xml, optional `args` (extra CLI arguments, one
# per line) and the expected outputs:
#   plan.json plan.txt plan.xml plan.args   stdout of `fwneg plan --output=…`
#   plan.err                                stderr + exit status of the plan run
#   plan.args.err                           stderr + exit status of --output=qemu-args
#                                           when only it fails (XML before `virsh
#                                           define`: its -set options need aliases)
#   explain.txt                             stdout of `fwneg explain`
# Host paths resolve inside tests/data/sysroot-debian12 (a Debian 12 stand-in).
# FWNEG_UPDATE_GOLDEN=1 rewrites the expected files; review them in the diff.
set -u
: "${FWNEG_BIN:?}" "${FWNEG_TEST_DATA:?}"
golden_dir="$FWNEG_TEST_DATA/golden"
sysroot="$FWNEG_TEST_DATA/sysroot-debian12"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cases=()
for dir in "$golden_dir"/*/; do
    cases+=("$(basename "$dir")")
done
echo "1..${#cases[@]}"

# compare EXPECTED_FILE ACTUAL_FILE: prints the diff and returns 1 on mismatch.
compare() {
    local expected=$1 actual=$2
    if [ "${FWNEG_UPDATE_GOLDEN:-0}" = 1 ]; then
        cp "$actual" "$expected"
        return 0
    fi
    if [ ! -f "$expected" ]; then
        echo "# missing expected file $expected (run with FWNEG_UPDATE_GOLDEN=1)"
        return 1
    fi
    if ! diff -u "$expected" "$actual" | sed 's/^/# /'; then
        return 1
    fi
    # diff's status is lost in the pipe: check again.
    cmp -s "$expected" "$actual"
}

number=0
failed=0
for name in "${cases[@]}"; do
    number=$((number + 1))
    dir="$golden_dir/$name"
    out="$scratch/$name"
    mkdir -p "$out"
    extra=()
    if [ -f "$dir/args" ]; then
        mapfile -t extra < "$dir/args"
    fi
    common=(--sysroot "$sysroot" --state-dir "$out/state" "${extra[@]}")
    ok=1
    # Run from the case directory so messages name "input.xml", not a checkout path.
    pushd "$dir" > /dev/null
    plan_status=
    for format in json text xml qemu-args; do
        case $format in
            json) file=plan.json ;; text) file=plan.txt ;;
            xml) file=plan.xml ;; qemu-args) file=plan.args ;;
        esac
        "$FWNEG_BIN" plan --output="$format" "${common[@]}" input.xml \
            > "$out/$file" 2> "$out/stderr.$format"
        status=$?
        # fwneg's fw_cfg files live under the scratch state dir: name it stably.
        sed -i "s|$out/state|@STATE_DIR@|g" "$out/$file" "$out/stderr.$format"
        if [ -z "$plan_status" ]; then
            plan_status=$status
            { cat "$out/stderr.$format"; echo "exit status $status"; } > "$out/plan.err"
            compare "$dir/plan.err" "$out/plan.err" || { echo "# plan.err differs"; ok=0; }
        elif [ "$status" != "$plan_status" ] && [ "$format" = qemu-args ] && [ "$plan_status" = 0 ]; then
            { cat "$out/stderr.$format"; echo "exit status $status"; } > "$out/plan.args.err"
            compare "$dir/plan.args.err" "$out/plan.args.err" || { echo "# plan.args.err differs"; ok=0; }
            [ -s "$out/$file" ] && { echo "# --output=$format printed on stdout although it failed"; ok=0; }
            continue
        elif [ "$status" != "$plan_status" ]; then
            echo "# --output=$format exited $status, --output=json exited $plan_status"
            ok=0
        fi
        if [ "$status" = 0 ]; then
            compare "$dir/$file" "$out/$file" || { echo "# $file differs"; ok=0; }
        elif [ -s "$out/$file" ]; then
            echo "# --output=$format printed on stdout although it failed"
            ok=0
        fi
    done
    "$FWNEG_BIN" explain "${common[@]}" input.xml > "$out/explain.txt" 2> /dev/null
    compare "$dir/explain.txt" "$out/explain.txt" || { echo "# explain.txt differs"; ok=0; }
    popd > /dev/null
    if [ "$ok" = 1 ]; then
        echo "ok $number - $name"
    else
        echo "not ok $number - $name"
        failed=$((failed + 1))
    fi
done
exit $((failed > 0))

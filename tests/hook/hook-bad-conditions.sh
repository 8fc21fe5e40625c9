#!/bin/bash
# The hook under bad conditions (issue 11), each its own case: a full state dir, a
# read-only state dir, corrupt records, a record from a newer fwneg, the hostile XML
# battery (tests/hostile/hostile-xml.sh) on stdin, 20 guests started at once, and the
# worker SIGKILLed while `started` writes.  The rules under test: every call ends in
# bounded time; ops whose failure would kill a guest (started, reconnect, release) exit
# 0; a refusal is one line on stderr; stdout stays empty outside migrate/restore; a
# record on disk is whole or absent, never torn.  Root gets a private mount namespace
# for the full and the read-only state dir (a small tmpfs, a read-only bind mount).
# Prints TAP.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ] && [ -z "${HK_PRIVATE_NS:-}" ] &&
    unshare -m --propagation private true 2>/dev/null; then
    HK_PRIVATE_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
for tool in qemu-system-x86_64 jq; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 0; }
done
[ -r /usr/lib/ipxe/qemu/efi-e1000.rom ] || { echo "1..0 # SKIP ipxe-qemu not installed"; exit 0; }
: "${FWNEG_HOOK_WORKER:?}"
source "$here/hook-lib.sh"
source "$here/../hostile/hostile-xml.sh"

work=$(mktemp -d /tmp/fwneg-hook-bad.XXXXXX)
mounts=()
cleanup() {
    local m
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
hk_setup "$work"
cd "$work"
uuid=6b3c1e2a-0000-4000-8000-0000000000b1
hk_guest hk-bad $uuid >g.xml
hk_record g.xml applied.xml || { echo "Bail out! fwneg record failed"; exit 1; }
sha=$(sha256sum <roms/efi-e1000.rom | cut -d' ' -f1)
in_ns=${HK_PRIVATE_NS:-}

# ---- a full state dir -----------------------------------------------------------------
if [ -n "$in_ns" ]; then
    full=$work/full
    mkdir "$full" && mount -t tmpfs -o size=640k,mode=0755 tmpfs "$full" && mounts+=("$full")
    hk_config "state-dir=$full"
    HK_STATE=$full hk_record g.xml full.xml
    rm -f "$full/roms/$sha"
    head -c 10M /dev/zero >"$full/filler" 2>/dev/null
    hk_call hk-bad prepare begin - <full.xml
    check "full state dir: prepare refused in one line saying the disk is full" \
        hk_refused_with "refusing to start hk-bad" "No space left on device"
    check "full state dir: no partial store copy left behind" \
        test -z "$(ls -A "$full/roms")"
    jq '.warnings = ["older"]' "$full/vms/$uuid.json" >older.json && cp older.json "$full/vms/$uuid.json"
    hk_call hk-bad started begin - <full.xml
    check_eval "full state dir: started exits 0, says why nothing was recorded" \
        '[ $HK_RC = 0 ] && grep -q "No space left on device" "$HK_DIR/err" && ! [ -s "$HK_DIR/out" ]'
    check "full state dir: the old record is still whole (atomic replace)" cmp -s older.json "$full/vms/$uuid.json"
    check "full state dir: no half-written run record" test ! -e "$full/run/$uuid.json"
else
    for i in 1 2 3 4 5; do tap_skip "full state dir needs root (a small tmpfs)"; done
fi

# ---- a read-only state dir --------------------------------------------------------------
if [ -n "$in_ns" ]; then
    ro=$work/ro-state
    mkdir "$ro"
    hk_config "state-dir=$ro"
    HK_STATE=$ro hk_record g.xml ro.xml
    mount --bind "$ro" "$ro" && mount -o remount,bind,ro "$ro" && mounts+=("$ro")
    hk_call hk-bad prepare begin - <ro.xml
    check "read-only state dir: prepare passes when nothing needs writing" hk_quiet_success
    umount "$ro"
    rm -f "$ro/fwcfg/$uuid/opt/org.fwneg/features"
    mount --bind "$ro" "$ro" && mount -o remount,bind,ro "$ro"
    hk_call hk-bad prepare begin - <ro.xml
    check "read-only state dir: prepare that must write refuses, naming the reason" \
        hk_refused_with "fw_cfg file opt/org.fwneg/features" "Read-only file system"
    hk_call hk-bad started begin - <ro.xml
    check_eval "read-only state dir: started exits 0 with a warning" \
        '[ $HK_RC = 0 ] && grep -q "Read-only file system" "$HK_DIR/err"'
    hk_call hk-bad migrate begin - <ro.xml
    check "read-only state dir: a migration that must write fw_cfg files is refused" \
        hk_refused_with "refusing the incoming migration of hk-bad" "Read-only file system"
else
    for i in 1 2 3 4; do tap_skip "read-only state dir needs root (a read-only bind mount)"; done
fi
hk_config

# ---- corrupt records ---------------------------------------------------------------------
corrupt_ok=1
i=0
for edit in 's/ size="262144"/ size="lots"/' 's/ sha256="[0-9a-f]*"/ sha256="abc"/' \
    's/origin="fwneg">01/origin="fwneg">zz/' 's/<fwneg:rom device="[^"]*"/<fwneg:rom/'; do
    i=$((i + 1))
    sed "$edit" applied.xml >corrupt$i.xml
    cmp -s applied.xml corrupt$i.xml && { diag "edit $edit changed nothing"; corrupt_ok=0; }
    for op in "prepare begin" "start begin" "migrate begin" "restore begin"; do
        hk_call hk-bad $op - <corrupt$i.xml
        hk_refused_with "damaged" "fwneg apply hk-bad" >/dev/null || { diag "$edit / $op"; corrupt_ok=0; }
    done
    for op in "started begin" "reconnect begin" "release end"; do
        hk_call hk-bad $op - <corrupt$i.xml
        { [ "$HK_RC" = 0 ] && ! [ -s "$HK_DIR/out" ]; } || { diag "$edit / $op rc=$HK_RC"; corrupt_ok=0; }
    done
done
check "corrupt <fwneg:plan> (4 kinds): refused where a refusal is safe (damaged: re-run fwneg apply), exit 0 elsewhere" \
    test $corrupt_ok = 1
printf '{"schema": "fwneg-plan/1", "domain": ' >"$HK_STATE/vms/$uuid.json"
hk_call hk-bad started begin - <applied.xml
check "a torn record in vms/ is replaced whole by started" \
    jq_true ".domain.uuid == \"$uuid\" and (.roms | length) == 1" "$HK_STATE/vms/$uuid.json"
hk_config -- "manage=all"
u2=6b3c1e2a-0000-4000-8000-0000000000b2
hk_guest hk-bad2 $u2 >g2.xml
mkdir -p "$HK_STATE/run" && printf 'garbage' >"$HK_STATE/run/$u2.json"
hk_call hk-bad2 start begin - <g2.xml
check "manage=all: a garbage run record is ignored, not trusted" hk_quiet_success
hk_config

# ---- a record from a newer fwneg -------------------------------------------------------
sed 's|version="1">|version="2">|' applied.xml >newer-attr.xml
sed 's|xmlns/fwneg/1"|xmlns/fwneg/2"|' applied.xml >newer-ns.xml
newer_ok=1
for f in newer-attr.xml newer-ns.xml; do
    for op in "prepare begin" "start begin" "migrate begin"; do
        hk_call hk-bad $op - <$f
        hk_refused_with "newer fwneg" "upgrade fwneg" >/dev/null || { diag "$f / $op"; newer_ok=0; }
    done
    for op in "started begin" "reconnect begin" "release end"; do
        hk_call hk-bad $op - <$f
        [ "$HK_RC" = 0 ] || { diag "$f / $op rc=$HK_RC"; newer_ok=0; }
    done
done
check "record from a newer fwneg (version attribute, namespace): refused with 'upgrade fwneg', never fails a running guest" \
    test $newer_ok = 1

# ---- the hostile XML battery on stdin ------------------------------------------------------
mkdir hostile
hostile_xml_battery "$work/hostile"
parses=" net-dtd order-ok mem "
hostile_ok=1
for name in "${HOSTILE_XML_NAMES[@]}"; do
    f=hostile/$name.xml
    # fwneg's namespace in the text sends the call to the worker: near the top, where
    # the entry sees it even in a document beyond libvirt's 10 MiB.
    marker='<!-- https://fwneg.org/xmlns/fwneg/1 -->'
    if [ "$(head -c 5 "$f")" = "<?xml" ]; then
        sed "1a $marker" "$f" >marked.xml
    else
        { echo "$marker"; cat "$f"; } >marked.xml
    fi
    for op in "prepare begin" "started begin" "migrate begin" "reconnect begin"; do
        start=$(date +%s%N)
        HK_TIMEOUT=30 hk_call hk-hostile $op - <marked.xml
        ms=$((($(date +%s%N) - start) / 1000000))
        case "$op" in started* | reconnect* | release*) fails=0 ;; *) fails=1 ;; esac
        want=0
        [ $fails = 1 ] && [[ "$parses" != *" $name "* ]] && want=1
        problem=
        [ "$HK_RC" = "$want" ] || problem="exit $HK_RC, expected $want"
        [ -s "$HK_DIR/out" ] && problem="$problem; stdout not empty"
        [ "$want" = 1 ] && [ "$(wc -l <"$HK_DIR/err")" != 1 ] && problem="$problem; stderr not one line"
        grep -q 'root:x:0' "$HK_DIR/out" "$HK_DIR/err" && problem="$problem; /etc/passwd leaked"
        grep -q 'worker died' "$HK_DIR/err" && problem="$problem; the worker crashed"
        [ $ms -lt 15000 ] || problem="$problem; took $ms ms"
        if [ -n "$problem" ]; then
            diag "$name / $op: $problem"
            head -c 300 "$HK_DIR/err" | sed 's/^/#   stderr: /'
            hostile_ok=0
        fi
    done
done
check "hostile battery (${#HOSTILE_XML_NAMES[@]} documents x 4 ops, marked as fwneg's): bounded, no crash, no leak, one-line refusals" \
    test $hostile_ok = 1
hk_config -- "manage=all"
all_ok=1
for name in "${HOSTILE_XML_NAMES[@]}"; do
    for op in "prepare begin" "started begin"; do
        HK_TIMEOUT=30 hk_call hk-hostile $op - <hostile/$name.xml
        { [ "$HK_RC" = 0 ] && ! [ -s "$HK_DIR/out" ] && ! grep -q 'root:x:0' "$HK_DIR/err"; } ||
            { diag "manage=all $name / $op: rc=$HK_RC $(head -c 200 "$HK_DIR/err")"; all_ok=0; }
    done
done
check "hostile battery under manage=all: not fwneg's to refuse (only unsatisfiable guests are), exit 0" \
    test $all_ok = 1
hk_config

# ---- 20 guests started at once ---------------------------------------------------------------
# One guest recorded, 19 more made from it with their own name, UUID and MAC (the
# UUID also names each guest's fw_cfg file, which prepare writes from the record).
names=()
for i in $(seq -w 1 20); do
    sed -e "s/hk-bad/hk-c$i/g" -e "s/$uuid/6b3c1e2a-0000-4000-8000-0000000c00$i/g" \
        -e "s/52:54:00:fe:00:01/52:54:00:fe:01:$i/g" applied.xml >applied-c$i.xml
    names+=("$i")
done
rm -f "$HK_STATE/roms/$sha" "$HK_STATE"/vms/6b3c1e2a-0000-4000-8000-0000000c00*.json
lines_before=$(wc -l <"$HK_LOG")
start=$(date +%s%N)
pids=()
for i in "${names[@]}"; do
    (
        for op in "prepare begin" "start begin" "started begin"; do
            timeout 120 "$FWNEG_HOOK" hk-c$i $op - <applied-c$i.xml >c$i.out 2>c$i.err || exit 1
            [ -s c$i.out ] && exit 1
        done
        exit 0
    ) &
    pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
diag "20 guests x prepare+start+started at once: $((($(date +%s%N) - start) / 1000000)) ms"
whole=0
for i in "${names[@]}"; do
    u=6b3c1e2a-0000-4000-8000-0000000c00$i
    jq_true ".domain.uuid == \"$u\" and .roms[0].sha256 == \"$sha\"" "$HK_STATE/run/$u.json" 2>/dev/null &&
        jq_true ".domain.uuid == \"$u\" and .roms[0].size == 262144" "$HK_STATE/vms/$u.json" 2>/dev/null &&
        whole=$((whole + 1))
done
check "20 at once: every call passed ($failed failed)" test $failed = 0
check "20 at once: 20 run records and 20 records, whole ($whole)" test $whole = 20
check "20 at once: the ROM store copy all 20 wrote is whole" \
    test "$(sha256sum <"$HK_STATE/roms/$sha" | cut -d' ' -f1)" = "$sha"
check_eval "20 at once: 60 whole log lines, no stray temp file in the state dir" \
    '[ $(($(wc -l <"$HK_LOG") - lines_before)) = 60 ] &&
        [ "$(tail -n 60 "$HK_LOG" | grep -c "ms)$")" = 60 ] &&
        [ -z "$(find "$HK_STATE" -name ".*" -o -name "*.tmp" -o -name "*~")" ]'

# ---- SIGKILL while started writes ----------------------------------------------------------
run_file=$HK_STATE/run/$uuid.json
vms_file=$HK_STATE/vms/$uuid.json
rm -f "$run_file" "$vms_file"
t0=$(date +%s%N)
"$FWNEG_HOOK_WORKER" hk-bad started begin - <applied.xml 2>/dev/null
took=$((($(date +%s%N) - t0) / 1000000 + 1))
cp "$run_file" run.expected && cp "$vms_file" vms.expected
torn=0 absent=0 whole=0
# Kill at random moments over the whole run (it took $took ms here), so some kills land
# before, some during and some after the writes, whatever the build's speed.
for i in $(seq 1 40); do
    rm -f "$run_file" "$vms_file"
    "$FWNEG_HOOK_WORKER" hk-bad started begin - <applied.xml 2>/dev/null &
    pid=$!
    sleep "$(awk -v ms=$((RANDOM % (took + took / 4 + 1))) 'BEGIN { printf "%.3f", ms / 1000 }')"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for f in run vms; do
        file=$([ $f = run ] && echo "$run_file" || echo "$vms_file")
        if ! [ -e "$file" ]; then
            absent=$((absent + 1))
        elif cmp -s "$file" $f.expected; then
            whole=$((whole + 1))
        else
            torn=$((torn + 1))
        fi
    done
done
diag "SIGKILL during started (a run takes ~$took ms), 40 runs: $whole records whole, $absent absent, $torn torn"
check "SIGKILL during started: every record whole or absent (never torn)" test $torn = 0
check "... and no temp file left behind" \
    test -z "$(find "$HK_STATE" -name ".*" -o -name "*.tmp" -o -name "*~")"

tap_done

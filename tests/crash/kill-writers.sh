#!/bin/bash
# Crash safety: SIGKILL fwneg's state writers at random points, hundreds of times,
# and check that every file is then the old or the new version, never a partial
# one; a full disk gives a clear error and leaves the old file; writers racing on
# one file leave one whole version.  Prints TAP.
#
#   control           a naive in-place writer, killed the same way, must be caught
#                     with torn files: proof that the checks below can fail
#   atomic-write      fwneg_atomic_write() (records and every state file) through
#                     tests/crash/crash-writer, killed KILLS times
#   probe-cache       `fwneg plan` writing the QEMU capability cache (host-facts.c),
#                     killed KILLS times
#   cli-writers       `fwneg record` (the record, the ROM store, the ROM hash cache) and
#                     `fwneg plan --output=qemu-args` (fw_cfg blobs), for two versions
#                     of one VM, killed KILLS/2 times: each file is byte-equal to one
#                     of the two whole versions, every store file is its sha256
#   full-disk         a 64 KiB tmpfs (root only: skipped otherwise)
#   concurrent        two writers on one record path while a reader checks it
#   concurrent-record two `fwneg record` runs on one VM at once, 20 times
#
# Usage: kill-writers.sh CRASH_WRITER (the driver's path; meson passes it).
# Env: FWNEG_BIN, FWNEG_TEST_DATA (set by meson); FWNEG_CRASH_KILLS (default 200).
set -u
: "${FWNEG_BIN:?}" "${FWNEG_TEST_DATA:?}"
CRASH_WRITER=${1:?usage: kill-writers.sh CRASH_WRITER}
kills=${FWNEG_CRASH_KILLS:-200}
work=$(mktemp -d)
mnt=""
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
    wait 2>/dev/null
    [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

number=0
failed=0
echo "1..8"
result() { # result OK? NAME
    number=$((number + 1))
    if [ "$1" = 1 ]; then
        echo "ok $number - $2"
    else
        echo "not ok $number - $2"
        failed=$((failed + 1))
    fi
}

# random_delay MAX_MS: sleep a uniformly random 0..MAX_MS milliseconds.
random_delay() {
    local ms=$((RANDOM % ($1 + 1)))
    sleep "$(printf '0.%03d' "$ms")"
}

# wait_for_progress PID: until the writer reported a finished write (at most 10 s).
wait_for_progress() {
    local waited=0
    while [ ! -s "$work/progress" ] && [ "$waited" -lt 1000 ] && kill -0 "$1" 2>/dev/null; do
        sleep 0.01
        waited=$((waited + 1))
    done
}

# hidden_leftovers DIR: temp files a killed writer could not remove.  They are
# dot files, so no reader that lists *.json (records, cache, ROM store) sees them.
hidden_leftovers() {
    find "$1" -maxdepth 1 -name '.*' -type f | wc -l
}

# ---- 1. fwneg_atomic_write killed at random points ----------------------------
# kill_loop MODE DIR KILLS: kill `crash-writer MODE` KILLS times; sets $torn and $ok.
kill_loop() {
    local mode=$1 dir=$2 count=$3 path=$2/vm.json current=0 i
    torn=0 ok=1
    mkdir -p "$dir"
    for ((i = 1; i <= count; i++)); do
        : >"$work/progress"
        "$CRASH_WRITER" "$mode" "$path" "$mode" $((current + 1)) >"$work/progress" 2>"$work/err" &
        local pid=$!
        # The control must kill a writer that is writing: a sanitized build under
        # load can spend the whole random delay starting up, and a writer killed
        # before its first write proves nothing (seen in CI's ASan run).
        [ "$mode" = loop-inplace ] && wait_for_progress "$pid"
        random_delay 30
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        local done_gen
        done_gen=$(tail -n 1 "$work/progress")
        local got status=0
        got=$("$CRASH_WRITER" check "$path" 2>"$work/check-err") || status=$?
        if [ "$status" = 3 ] && [ "$current" = 0 ] && [ -z "$done_gen" ]; then
            continue # killed before the first write
        fi
        if [ "$status" != 0 ]; then
            [ "$mode" = loop ] && echo "# kill $i: torn file: $(cat "$work/check-err")"
            torn=$((torn + 1)); ok=0
            current=0
            continue
        fi
        local gen=${got#gen=}
        gen=${gen%% *}
        # Old or new: with nothing reported, the file's previous version or the one
        # being written; else the last reported one or the one after it.
        local low=${done_gen:-$current} high=$(( ${done_gen:-$current} + 1 ))
        if [ "$gen" -lt "$low" ] || [ "$gen" -gt "$high" ]; then
            echo "# kill $i: file has gen $gen; expected $low or $high"
            ok=0
        fi
        current=$gen
    done
    last_gen=$current
}

test_control() {
    kill_loop loop-inplace "$work/control" 40
    echo "# control: an in-place writer killed 40 times left $torn torn files"
    [ "$torn" -gt 0 ] && result 1 "control: the checks catch a writer that is not atomic" ||
        result 0 "control: the checks catch a writer that is not atomic"
}

test_atomic_write() {
    kill_loop loop "$work/atomic" "$kills"
    echo "# atomic-write: $kills kills, last generation $last_gen, $torn torn," \
        "$(hidden_leftovers "$work/atomic") hidden temp files left by killed writers"
    result "$ok" "atomic-write: $kills SIGKILLs, every file whole (old or new)"
}

# ---- 2. the capability cache, written by `fwneg plan` ----------------------------
make_fake_emulator() {
    cat >"$1" <<SCRIPT
#!/bin/sh
case "\$1" in
-version) cat "$FWNEG_TEST_DATA/host-facts/x86_64-version.txt" ;;
-machine) cat "$FWNEG_TEST_DATA/host-facts/x86_64-machine-help.txt" ;;
*) exit 1 ;;
esac
SCRIPT
    chmod +x "$1"
}

test_probe_cache() {
    local emulator=$work/qemu-system-x86_64 state=$work/state ok=1 i
    local cache_dir=$state/cache/qemu-caps
    make_fake_emulator "$emulator"
    local plan=(plan --qemu "$emulator" --state-dir "$state" --firmware-dir "$work/no-descriptors"
        "$FWNEG_TEST_DATA/golden/pc-bios/input.xml")
    # Calibrate: how long one uncached run takes here (ASan builds are slower).
    local start end
    start=$(date +%s%N)
    if ! "$FWNEG_BIN" "${plan[@]}" >/dev/null 2>"$work/err"; then
        echo "# fwneg plan fails: $(cat "$work/err")"
        result 0 "probe-cache: fwneg plan runs"
        return
    fi
    end=$(date +%s%N)
    local run_ms=$(( (end - start) / 1000000 ))
    local cache
    cache=$(ls "$cache_dir"/host-facts-*.json)
    local previous
    previous=$(jq -r '."mtime-ns"' "$cache")
    local base
    base=$(date +%s)
    local rewritten=0
    for ((i = 1; i <= kills / 2; i++)); do
        # A new mtime makes the cached entry stale, so this run rewrites it.
        touch -d "@$((base - 100000 + i))" "$emulator"
        local new
        new=$(stat -c %Y "$emulator")000000000
        "$FWNEG_BIN" "${plan[@]}" >/dev/null 2>&1 &
        local pid=$!
        random_delay $((run_ms * 5 / 4 + 1))
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        local got
        if ! got=$(jq -er '."mtime-ns"' "$cache" 2>"$work/jq-err") ||
            ! jq -e '.format and .path and .version and (.machines | length > 0)' "$cache" \
                >/dev/null 2>&1; then
            echo "# kill $i: cache is not a whole entry: $(head -c 200 "$cache" | tr '\n' ' ')"
            ok=0
            continue
        fi
        if [ "$got" != "$previous" ] && [ "$got" != "$new" ]; then
            echo "# kill $i: cache mtime-ns $got is neither the old $previous nor the new $new"
            ok=0
        fi
        [ "$got" = "$new" ] && rewritten=$((rewritten + 1))
        previous=$got
    done
    # The cache must still be usable: a full run succeeds and leaves a fresh entry.
    if ! "$FWNEG_BIN" "${plan[@]}" >/dev/null 2>"$work/err"; then
        echo "# fwneg plan after the kills: $(cat "$work/err")"; ok=0
    fi
    echo "# probe-cache: $((kills / 2)) kills of a ${run_ms} ms run, $rewritten left the new" \
        "entry, $(hidden_leftovers "$cache_dir") hidden temp files"
    result "$ok" "probe-cache: $((kills / 2)) SIGKILLs of fwneg plan, the cache is always a whole entry"
}

# ---- 2b. fwneg record and the fw_cfg blobs, killed ---------------------------------------
# crash_vm VARIANT: one VM (fixed UUID) in two versions that differ in every file fwneg
# writes: NIC model (ROM, record) and secure boot (firmware, fw_cfg feature bitmap).
crash_vm() {
    local model=virtio firmware=""
    if [ "$1" = B ]; then
        model=e1000
        firmware="<firmware><feature enabled='no' name='secure-boot'/></firmware>"
    fi
    cat <<XML
<domain type='qemu'>
  <name>crash-vm</name>
  <uuid>00000000-0000-4000-8000-00000000c001</uuid>
  <memory unit='MiB'>64</memory>
  <os firmware='efi'>$firmware<type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <interface type='user'><mac address='52:54:00:00:00:01'/><model type='$model'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></interface>
  </devices>
</domain>
XML
}

# check_cli_state STATE: every file fwneg wrote is one of the whole versions.
check_cli_state() {
    local state=$1 f bad=0
    local record=$state/vms/00000000-0000-4000-8000-00000000c001.json
    local blob=$state/fwcfg/00000000-0000-4000-8000-00000000c001/opt/org.fwneg/features
    if [ -e "$record" ] && ! cmp -s "$record" "$work/golden-A.record" &&
        ! cmp -s "$record" "$work/golden-B.record"; then
        echo "# record is neither version: $(head -c 120 "$record" | tr '\n' ' ')"; bad=1
    fi
    if [ -e "$blob" ] && ! cmp -s "$blob" "$work/golden-A.blob" &&
        ! cmp -s "$blob" "$work/golden-B.blob"; then
        echo "# fw_cfg blob is neither version: $(xxd -p "$blob" | head -c 80)"; bad=1
    fi
    for f in "$state"/roms/*; do
        [ -e "$f" ] || continue
        if [ "$(sha256sum <"$f" | cut -d' ' -f1)" != "$(basename "$f")" ]; then
            echo "# partial ROM in the store: $f ($(stat -c %s "$f") bytes)"; bad=1
        fi
    done
    for f in "$state"/cache/*.json "$state"/cache/qemu-caps/*.json; do
        [ -e "$f" ] || continue
        jq -e . "$f" >/dev/null 2>&1 || { echo "# cache file $f is not whole JSON"; bad=1; }
    done
    return "$bad"
}

test_cli_writers() {
    local state=$work/cli-state ok=1 i v
    local common=(--canonical-machine pc-q35-7.2 --state-dir "$state")
    crash_vm A >"$work/vm-A.xml"
    crash_vm B >"$work/vm-B.xml"
    # The two whole versions, written by uninterrupted runs into the same state dir
    # (the record names its store copies by path).
    local start end
    start=$(date +%s%N)
    for v in A B; do
        if ! "$FWNEG_BIN" record "${common[@]}" "$work/vm-$v.xml" >/dev/null 2>"$work/err" ||
            ! "$FWNEG_BIN" plan --output=qemu-args "${common[@]}" "$work/vm-$v.xml" \
                >/dev/null 2>>"$work/err"; then
            echo "# uninterrupted run of version $v failed: $(cat "$work/err")"
            result 0 "cli-writers: fwneg record and plan run"
            return
        fi
        cp "$state/vms/00000000-0000-4000-8000-00000000c001.json" "$work/golden-$v.record"
        cp "$state/fwcfg/00000000-0000-4000-8000-00000000c001/opt/org.fwneg/features" \
            "$work/golden-$v.blob"
    done
    end=$(date +%s%N)
    local run_ms=$(( (end - start) / 4000000 + 1 ))
    if cmp -s "$work/golden-A.record" "$work/golden-B.record" ||
        cmp -s "$work/golden-A.blob" "$work/golden-B.blob"; then
        echo "# the two versions do not differ: this test could not tell them apart"; ok=0
    fi
    local rounds=$((kills / 2)) kind
    for ((i = 1; i <= rounds; i++)); do
        v=$([ $((RANDOM % 2)) = 0 ] && echo A || echo B)
        if [ $((i % 2)) = 0 ]; then kind=record; else kind="plan --output=qemu-args"; fi
        # Each run starts from a clean ROM store half the time, so ROM copies are killed too.
        [ $((RANDOM % 2)) = 0 ] && rm -rf "$state/roms"
        # shellcheck disable=SC2086
        "$FWNEG_BIN" $kind "${common[@]}" "$work/vm-$v.xml" >/dev/null 2>&1 &
        local pid=$!
        random_delay $((run_ms * 3 / 2))
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        check_cli_state "$state" || { echo "# after kill $i ($kind, version $v)"; ok=0; }
    done
    # Whatever the kills left, a full run still works and rewrites a whole version.
    "$FWNEG_BIN" record "${common[@]}" "$work/vm-A.xml" >/dev/null 2>"$work/err" ||
        { echo "# record after the kills: $(cat "$work/err")"; ok=0; }
    cmp -s "$state/vms/00000000-0000-4000-8000-00000000c001.json" "$work/golden-A.record" ||
        { echo "# record after the kills differs from version A"; ok=0; }
    echo "# cli-writers: $rounds kills of ~${run_ms} ms runs; $(find "$state" -name '.*' -type f | wc -l)" \
        "hidden temp files left by killed writers"
    result "$ok" "cli-writers: $rounds SIGKILLs of fwneg record / plan: record, fw_cfg blob, ROM store always whole"
}

test_concurrent_record() {
    local state=$work/cli-state ok=1 i
    local common=(--canonical-machine pc-q35-7.2 --state-dir "$state")
    local record=$state/vms/00000000-0000-4000-8000-00000000c001.json
    for ((i = 1; i <= 20; i++)); do
        "$FWNEG_BIN" record "${common[@]}" "$work/vm-A.xml" >/dev/null 2>"$work/errA" &
        local a=$!
        "$FWNEG_BIN" record "${common[@]}" "$work/vm-B.xml" >/dev/null 2>"$work/errB" &
        local b=$!
        wait "$a" || { echo "# round $i: record A failed: $(cat "$work/errA")"; ok=0; }
        wait "$b" || { echo "# round $i: record B failed: $(cat "$work/errB")"; ok=0; }
        check_cli_state "$state" || { echo "# after round $i"; ok=0; }
    done
    [ -s "$record" ] || ok=0
    result "$ok" "concurrent-record: two fwneg record runs on one VM, 20 times: one whole record each time"
}

# ---- 3. full disk ------------------------------------------------------------------
test_full_disk() {
    if [ "$(id -u)" != 0 ]; then
        echo "ok $((number += 1)) - full-disk # SKIP needs root to mount a tmpfs"
        return
    fi
    mnt=$work/small
    mkdir -p "$mnt"
    if ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>"$work/err"; then
        echo "ok $((number += 1)) - full-disk # SKIP mount: $(cat "$work/err")"
        mnt=""
        return
    fi
    local ok=1 path=$mnt/vms/record.json
    mkdir -p "$mnt/vms"
    "$CRASH_WRITER" write "$path" 1 4000 || ok=0
    # 200 KiB cannot fit in 64 KiB: a clear error, the old version intact, no debris.
    if "$CRASH_WRITER" write "$path" 2 200000 2>"$work/err"; then
        echo "# a 200 KiB write into a 64 KiB file system succeeded?"; ok=0
    fi
    grep -q "No space left on device" "$work/err" || { echo "# error lacks ENOSPC: $(cat "$work/err")"; ok=0; }
    grep -qF "$path" "$work/err" || { echo "# error does not name $path: $(cat "$work/err")"; ok=0; }
    grep -q "previous contents are unchanged" "$work/err" || { echo "# error does not say the old file is kept"; ok=0; }
    echo "# error: $(cat "$work/err")"
    local got
    got=$("$CRASH_WRITER" check "$path") || { echo "# old record torn after ENOSPC"; ok=0; }
    [ "$got" = "gen=1 tag=write" ] || { echo "# record is '$got', expected gen 1"; ok=0; }
    local others
    others=$(ls -A "$mnt/vms" | grep -vx record.json | tr '\n' ' ')
    [ -z "$others" ] || { echo "# debris left on the full disk: $others"; ok=0; }

    # fwneg record needs room for the ROM copy (~240 KiB): a clear error, nothing partial.
    if "$FWNEG_BIN" record --canonical-machine pc-q35-7.2 --state-dir "$mnt/state" \
        "$work/vm-A.xml" >/dev/null 2>"$work/err"; then
        echo "# fwneg record into a 64 KiB file system succeeded?"; ok=0
    fi
    echo "# fwneg record: $(cat "$work/err")"
    grep -q "No space left on device" "$work/err" || { echo "# record error lacks ENOSPC"; ok=0; }
    grep -qF "$mnt/state" "$work/err" || { echo "# record error does not name the file"; ok=0; }
    check_cli_state "$mnt/state" || ok=0
    [ -z "$(find "$mnt/state" -type f ! -name '.*' -path '*/roms/*')" ] ||
        { echo "# a ROM reached the store of the full disk"; ok=0; }

    # fwneg plan with its state dir on the full disk: the cache only saves time, so the
    # plan is still made, and no partial cache entry is left behind.
    head -c 60k /dev/zero >"$mnt/filler" 2>/dev/null
    local emulator=$work/qemu-system-x86_64
    [ -x "$emulator" ] || make_fake_emulator "$emulator"
    if ! "$FWNEG_BIN" plan --qemu "$emulator" --state-dir "$mnt/state" \
        --firmware-dir "$work/no-descriptors" "$FWNEG_TEST_DATA/golden/pc-bios/input.xml" \
        >"$work/out" 2>"$work/err"; then
        echo "# fwneg plan with a full state disk failed: $(cat "$work/err")"; ok=0
    fi
    local partial
    # (cache/descriptors.gvariant is binary, written by the same fwneg_atomic_write,
    # and a damaged one is ignored: test-descriptor-cache corrupt-cache.)
    partial=$(find "$mnt/state" -type f ! -name '*.gvariant' 2>/dev/null | while read -r f; do
        jq -e . "$f" >/dev/null 2>&1 || echo "$f"; done)
    [ -z "$partial" ] || { echo "# partial files in the state dir: $partial"; ok=0; }
    umount "$mnt" && mnt=""
    result "$ok" "full-disk: ENOSPC is a clear error naming the file (atomic write, fwneg record), the old version survives, no debris"
}

# ---- 4. two writers on one record --------------------------------------------------
test_concurrent() {
    local path=$work/race/vm.json ok=1 reads=0 i
    mkdir -p "$work/race"
    "$CRASH_WRITER" write "$path" 1 1000 || ok=0
    "$CRASH_WRITER" loop "$path" A 1 >/dev/null 2>"$work/errA" &
    local a=$!
    "$CRASH_WRITER" loop "$path" B 1 >/dev/null 2>"$work/errB" &
    local b=$!
    pids=("$a" "$b")
    # Readers while both write: each read must see one whole version.
    for ((i = 1; i <= 200; i++)); do
        if ! "$CRASH_WRITER" check "$path" >/dev/null 2>"$work/err"; then
            echo "# read $i during the race: $(cat "$work/err")"; ok=0
        fi
        reads=$((reads + 1))
    done
    kill -9 "$a" "$b" 2>/dev/null
    wait "$a" "$b" 2>/dev/null
    pids=()
    local got
    got=$("$CRASH_WRITER" check "$path") || { echo "# final record torn"; ok=0; }
    case "$got" in
    *tag=A | *tag=B | *tag=write) ;;
    *) echo "# final record '$got'"; ok=0 ;;
    esac
    echo "# concurrent: $reads whole reads during the race; final: $got"
    result "$ok" "concurrent: two writers on one record path, readers always see one whole version"
}

# ---- 5. what a reader lists afterwards -----------------------------------------------
test_after() {
    # After all the kills, every name a reader would list is whole.
    local ok=1 f
    for f in "$work"/atomic/*.json "$work"/race/*.json; do
        [ -e "$f" ] || continue
        "$CRASH_WRITER" check "$f" >/dev/null || { echo "# $f is not whole"; ok=0; }
    done
    result "$ok" "after the kills: every visible file is whole"
}

test_control
test_atomic_write
test_probe_cache
test_cli_writers
test_full_disk
test_concurrent
test_concurrent_record
test_after
[ "$failed" = 0 ]

#!/bin/bash
# Hostile input (suite "hostile"): each case feeds fwneg something an attacker or a
# broken tool could produce and checks the expected outcome: the exit status, the
# message (it names the input and what is wrong), nothing on stdout on failure, no
# secret file content echoed, and a time limit (a hang is a failure: every run is
# under `timeout`).  Prints TAP.
set -u
: "${FWNEG_BIN:?}" "${FWNEG_TEST_DATA:?}"
sysroot="$FWNEG_TEST_DATA/sysroot-debian12"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

number=0
failed=0
plan=(plan --canonical-machine pc-q35-7.2 --sysroot "$sysroot" --state-dir "$work/state")

# check NAME EXPECTED_STATUS SECONDS PATTERN… -- ARGS…: run fwneg ARGS (stdin from
# $STDIN when set) and require the status, every PATTERN in stderr+stdout, an empty
# stdout on failure, no "root:x:" (content of /etc/passwd) anywhere, and SECONDS.
check() {
    local name=$1 expected=$2 limit=$3
    shift 3
    local patterns=()
    while [ "$1" != -- ]; do patterns+=("$1"); shift; done
    shift
    number=$((number + 1))
    local start end status ok=1
    start=$(date +%s%N)
    timeout "$limit" "$FWNEG_BIN" "$@" <"${STDIN:-/dev/null}" >stdout 2>stderr
    status=$?
    end=$(date +%s%N)
    if [ "$status" = 124 ]; then
        echo "# did not finish within ${limit}s"; ok=0
    elif [ "$status" != "$expected" ]; then
        echo "# expected exit $expected, got $status"; ok=0
    fi
    if [ "$expected" != 0 ] && [ -z "${ALLOW_STDOUT:-}" ] && [ -s stdout ]; then
        echo "# stdout is not empty:"; head -c 300 stdout | sed 's/^/#   /'; ok=0
    fi
    for p in "${patterns[@]}"; do
        if ! cat stderr stdout | grep -qF -- "$p"; then
            echo "# output lacks '$p'"; ok=0
        fi
    done
    if cat stderr stdout | grep -q 'root:x:0'; then
        echo "# /etc/passwd leaked into the output"; ok=0
    fi
    head -c 400 stderr | sed 's/^/#   stderr: /'
    if [ "$ok" = 1 ]; then
        echo "ok $number - $name ($(( (end - start) / 1000000 )) ms)"
    else
        echo "not ok $number - $name"
        failed=$((failed + 1))
    fi
}

source "$(dirname "$0")/hostile-xml.sh"
hostile_xml_battery "$work"

# ---- XML entities and DTDs --------------------------------------------------------
check "XXE (external entity to /etc/passwd) refused" 2 10 xxe.xml "entity" -- "${plan[@]}" xxe.xml
check "external DTD is not loaded (a FIFO DTD does not block) and its entity is refused" 2 10 \
    external-dtd.xml -- "${plan[@]}" external-dtd.xml
check "DTD on the network is never fetched" 0 10 "net" -- "${plan[@]}" net-dtd.xml
check "billion laughs refused quickly" 2 10 laughs.xml "entity" -- "${plan[@]}" laughs.xml
check "20000-deep nesting refused (libxml2's depth limit)" 2 20 deep.xml -- "${plan[@]}" deep.xml
check "100 MB domain XML file refused by size" 2 20 big.xml -- "${plan[@]}" big.xml
STDIN=big.xml check "100 MB domain XML on stdin refused by size" 2 20 -- "${plan[@]}" -
unset STDIN
check "NUL byte in domain XML refused" 2 10 nul.xml -- "${plan[@]}" nul.xml
check "invalid UTF-8 in domain XML refused" 2 10 utf8.xml -- "${plan[@]}" utf8.xml
check "overlong UTF-8 ('/' as C0 AF) refused" 2 10 overlong.xml -- "${plan[@]}" overlong.xml
check "control: the same disk with boot order 1 is planned" 0 10 "order-ok" -- "${plan[@]}" order-ok.xml
check "boot order 10^23 refused" 2 10 order-huge.xml "order" -- "${plan[@]}" order-huge.xml
check "boot order -1 refused" 2 10 order-neg.xml "order" -- "${plan[@]}" order-neg.xml
check "boot order 2^32 refused" 2 10 order-max.xml "order" -- "${plan[@]}" order-max.xml
check "PCI slot 0xffffffffffffffffff refused" 2 10 slot-huge.xml "slot" -- "${plan[@]}" slot-huge.xml
check "PCI bus 0x100 refused" 2 10 bus-huge.xml "bus" -- "${plan[@]}" bus-huge.xml
check "PCI domain 0x100000000 refused" 2 10 dom-huge.xml "domain" -- "${plan[@]}" dom-huge.xml
check "bootmenu timeout 99999999999 refused" 2 10 menu.xml "timeout" -- "${plan[@]}" menu.xml
check "memory 10^20 EiB: not fwneg's to judge, but no crash or hang" 0 10 -- "${plan[@]}" mem.xml

# ---- descriptors: size, nesting, NUL, UTF-8, traversal -------------------------------------
mkdir -p lint
head -c $((100 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >lint/50-huge.json
# `descriptors lint` reports its findings on stdout and exits 1.
export ALLOW_STDOUT=1
check "100 MB firmware descriptor refused by size" 1 20 "50-huge.json" "larger than" -- descriptors lint lint/50-huge.json
{ for ((i = 0; i < 100000; i++)); do printf '['; done; } >lint/51-deep.json
check "100000-deep JSON descriptor refused" 1 10 "51-deep.json" "nesting too deep" -- descriptors lint lint/51-deep.json
printf '{"description": "a\0b", "interface-types": ["uefi"]}' >lint/52-nul.json
check "NUL byte in a descriptor refused" 1 10 "52-nul.json:1:" -- descriptors lint lint/52-nul.json
unset ALLOW_STDOUT
# Invalid UTF-8 in a machine glob once aborted fwneg inside GLib's pattern matcher.
mkdir -p utf8-desc
bad=$(head -c 33 /dev/zero | tr '\0' '\327')
sed "s/\"pc-q35-\*\"/\"pc-q35-*$bad\"/" "$sysroot/usr/share/qemu/firmware/60-edk2-x86_64.json" \
    >utf8-desc/10-utf8.json
check "invalid UTF-8 in a descriptor's machine glob: that descriptor is refused, no crash" 1 10 \
    "10-utf8.json" "utf-8" -- plan --canonical-machine pc-q35-7.2 --state-dir "$work/state" \
    --firmware-dir "$work/utf8-desc" "$FWNEG_TEST_DATA/golden/q35-efi-default/input.xml"

# ---- --sysroot must not be escaped (descriptors, the files they name) -----------------------
# A host file outside the sysroot that an escape would reach: a valid descriptor.
mkdir -p outside sr/usr/share/qemu/firmware sr/srv/real sr/usr/share/OVMF
cp "$sysroot/usr/share/qemu/firmware/60-edk2-x86_64.json" outside/secret.json
cp "$sysroot/usr/share/qemu/firmware/60-edk2-x86_64.json" sr/srv/real/30-inside.json
: >outside/CODE.fd
ln -s "$work/outside/secret.json" sr/usr/share/qemu/firmware/10-absolute-link.json
ln -s "../../../../../../../../../../../../..$work/outside/secret.json" \
    sr/usr/share/qemu/firmware/20-climbing-link.json
ln -s /srv/real/30-inside.json sr/usr/share/qemu/firmware/30-inside-link.json
ln -s "$work/outside" sr/linked-dir
list=(descriptors list --sysroot "$work/sr" --firmware-dir /usr/share/qemu/firmware
    --firmware-dir /linked-dir)
timeout 20 "$FWNEG_BIN" "${list[@]}" >list.out 2>list.err
number=$((number + 1))
sed 's/^/#   /' list.out
if grep -E '^(10-absolute-link|20-climbing-link)\.json +ok' list.out ||
    grep -E '^secret\.json' list.out; then
    echo "not ok $number - --sysroot escaped through an absolute link, a climbing link or a linked dir"
    failed=$((failed + 1))
elif ! grep -qE '^30-inside-link\.json +ok' list.out; then
    echo "not ok $number - an absolute link inside the sysroot is not followed inside it"
    failed=$((failed + 1))
else
    echo "ok $number - --sysroot: absolute, climbing and directory symlinks stay inside it"
fi

# A descriptor naming "/../..$work/outside/CODE.fd": resolved inside the sysroot, missing.
sed "s|/usr/share/OVMF/OVMF_CODE_4M.fd|/../../../..$work/outside/CODE.fd|" \
    "$sysroot/usr/share/qemu/firmware/60-edk2-x86_64.json" >sr/usr/share/qemu/firmware/40-dotdot.json
ALLOW_STDOUT=1 check "descriptor path with ../ stays inside --sysroot (lint: does not exist)" 1 10 \
    "does not exist" -- descriptors lint --sysroot "$work/sr" /usr/share/qemu/firmware/40-dotdot.json

# ROM paths: a <rom file> climbing out, and a ROM dir entry linking out, stay inside too.
mkdir -p sr/usr/lib/ipxe/qemu
cp /usr/lib/ipxe/qemu/pxe-virtio.rom outside/x.rom
ln -s "$work/outside/x.rom" sr/usr/lib/ipxe/qemu/efi-virtio.rom
nic() { # nic EXTRA: a virtio NIC with EXTRA inside, in a BIOS q35 guest
    domain "$1" "<devices><interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/>$2<address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></interface></devices>"
}
nic rom-climb "<rom file='/../../../../../../..$work/outside/x.rom'/>" >rom-climb.xml
check "ROM file with ../ stays inside --sysroot (not found there)" 1 10 "No such file" -- \
    plan --canonical-machine pc-q35-7.2 --sysroot "$work/sr" --firmware-dir /none rom-climb.xml
nic rom-link "" >rom-link.xml
check "ROM dir symlink to a host file stays inside --sysroot (not found there)" 1 10 "not found" -- \
    plan --canonical-machine pc-q35-7.2 --sysroot "$work/sr" --firmware-dir /none rom-link.xml
head -c $((100 * 1024 * 1024)) /dev/zero >huge.rom
check "100 MB ROM refused by size" 2 20 "too large" -- rom import --state-dir "$work/romstate3" "$work/huge.rom"
rm -f huge.rom

# ---- world-writable descriptor directories: a warning ----------------------------------------
mkdir -p ww
cp "$sysroot/usr/share/qemu/firmware/60-edk2-x86_64.json" ww/
chmod 0777 ww
# No --sysroot here: --firmware-dir would be resolved inside it.
plan_pc=(plan --canonical-machine pc-i440fx-7.2 --state-dir "$work/state")
check "world-writable descriptor directory: warned" 0 10 "world-writable" "$work/ww" -- \
    "${plan_pc[@]}" --firmware-dir "$work/ww" "$FWNEG_TEST_DATA/golden/pc-bios/input.xml"
chmod 1777 ww
number=$((number + 1))
timeout 10 "$FWNEG_BIN" "${plan_pc[@]}" --firmware-dir "$work/ww" \
    "$FWNEG_TEST_DATA/golden/pc-bios/input.xml" >stdout 2>stderr
if [ ! -s stdout ] || grep -q "world-writable" stderr; then
    echo "not ok $number - a sticky world-writable dir (like /tmp) is warned about too"
    failed=$((failed + 1))
else
    echo "ok $number - a sticky world-writable dir (others cannot replace files) is not warned about"
fi
chmod 0755 ww

# ---- symlinks in the state dir: refused, nothing written or read elsewhere -------------------
mkdir -p elsewhere state-a state-b
ln -s "$work/elsewhere" state-link
ln -s "$work/elsewhere" state-a/vms
ln -s "$work/elsewhere" state-b/cache
cat >fake-qemu <<SCRIPT
#!/bin/sh
case "\$1" in
-version) cat "$FWNEG_TEST_DATA/host-facts/x86_64-version.txt" ;;
*) cat "$FWNEG_TEST_DATA/host-facts/x86_64-machine-help.txt" ;;
esac
SCRIPT
chmod +x fake-qemu
vm="$FWNEG_TEST_DATA/golden/pc-bios/input.xml"
record=(record --canonical-machine pc-i440fx-7.2 --sysroot "$sysroot")
check "record: --state-dir that is a symlink refused" 1 10 "symbolic link" -- \
    "${record[@]}" --state-dir "$work/state-link" "$vm"
check "record: STATE_DIR/vms that is a symlink refused" 1 10 "symbolic link" -- \
    "${record[@]}" --state-dir "$work/state-a" "$vm"
check "plan: STATE_DIR/cache that is a symlink is not used for the probe cache" 0 10 -- \
    plan --qemu "$work/fake-qemu" --sysroot "$sysroot" --state-dir "$work/state-b" "$vm"
check "plan: --state-dir that is a symlink is not used for the probe cache" 0 10 -- \
    plan --qemu "$work/fake-qemu" --sysroot "$sysroot" --state-dir "$work/state-link" "$vm"
number=$((number + 1))
if [ -n "$(ls -A elsewhere)" ]; then
    echo "not ok $number - state was written through a symlink: $(find elsewhere -type f | tr '\n' ' ')"
    failed=$((failed + 1))
else
    echo "ok $number - nothing was written through the state-dir symlinks"
fi
# ...and a planted cache entry behind a symlink is not believed: it claims no machines.
mkdir -p state-c elsewhere2/qemu-caps
ln -s "$work/elsewhere2" state-c/cache
check "plan: the control run with a real STATE_DIR caches" 0 10 -- \
    plan --qemu "$work/fake-qemu" --sysroot "$sysroot" --state-dir "$work/state-d" "$vm"
cp state-d/cache/qemu-caps/*.json elsewhere2/qemu-caps/ 2>/dev/null
for f in elsewhere2/qemu-caps/*.json; do
    jq '.machines = [{"name": "pc-i440fx-7.2", "description": "planted"}] | .version = "1.0.0"' \
        "$f" >"$f.new" && mv "$f.new" "$f"
done
check "plan: a cache entry planted behind a STATE_DIR/cache symlink is ignored" 0 10 "QEMU 7.2" -- \
    plan --qemu "$work/fake-qemu" --sysroot "$sysroot" --state-dir "$work/state-c" "$vm"

# ---- a ROM swapped while fwneg stores it: opened once, hashed and copied from the same bytes ---
romstate=$work/romstate
cp /usr/lib/ipxe/qemu/pxe-virtio.rom rom-a
cp /usr/lib/ipxe/qemu/pxe-e1000.rom rom-b
cp rom-a swapped.rom
number=$((number + 1))
# LeakSanitizer cannot run under ptrace; everything else stays on.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" timeout 20 strace -f -e trace=open,openat \
    -o rom.trace "$FWNEG_BIN" rom import --state-dir "$romstate" "$work/swapped.rom" >stdout 2>stderr
opens=$(grep -c "\"$work/swapped.rom\"" rom.trace)
if [ "$opens" = 1 ] && [ -s stdout ]; then
    echo "ok $number - rom import opens the ROM file once ($opens open)"
else
    echo "# opens of swapped.rom: $opens; stderr: $(head -c 300 stderr)"
    echo "not ok $number - rom import opens the ROM file once"
    failed=$((failed + 1))
fi
# Swap the file (atomically, by rename) as fast as possible while importing it.
(
    while :; do
        cp rom-a swap.tmp && mv -f swap.tmp swapped.rom
        cp rom-b swap.tmp && mv -f swap.tmp swapped.rom
    done
) &
swapper=$!
bad=0
for ((i = 0; i < 30; i++)); do
    timeout 20 "$FWNEG_BIN" rom import --state-dir "$romstate" "$work/swapped.rom" >stdout 2>stderr ||
        { echo "# import $i failed: $(cat stderr)"; bad=$((bad + 1)); }
    read -r sha stored <stdout
    if [ -n "${stored:-}" ] && [ "$(sha256sum <"$stored" | cut -d' ' -f1)" != "$sha" ]; then
        echo "# import $i: $stored does not hash to $sha"; bad=$((bad + 1))
    fi
done
kill "$swapper" 2>/dev/null
wait "$swapper" 2>/dev/null
for f in "$romstate"/roms/*; do
    [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ] ||
        { echo "# store file $f does not hash to its name"; bad=$((bad + 1)); }
done
number=$((number + 1))
if [ "$bad" = 0 ]; then
    echo "ok $number - 30 imports of a ROM swapped underneath: every store file is its hash ($(ls "$romstate/roms" | wc -l) distinct)"
else
    echo "not ok $number - a ROM swapped underneath left a store file that is not its hash"
    failed=$((failed + 1))
fi
# A ROM whose bytes changed since it was recorded (named by its old hash) is refused.
sha_a=$(sha256sum <rom-a | cut -d' ' -f1)
cp rom-b "$sha_a"
check "a ROM whose content changed since it was recorded is refused" 1 10 "changed since" -- \
    rom import --state-dir "$work/romstate2" "$work/$sha_a"
[ -z "$(ls -A "$work/romstate2/roms" 2>/dev/null)" ] || echo "# (the refused ROM reached the store)"

# ---- bounded time: a stuck emulator is cut off ----------------------------------------------
# A private copy, so the leftover check below looks only for our own `sleep`.
marker=$((1000000 + RANDOM))
printf '#!/bin/sh\nexec sleep %s\n' "$marker" >stuck-emulator
chmod +x stuck-emulator
check "a stuck emulator is cut off with a clear error naming it" 1 20 "$work/stuck-emulator" -- \
    plan --qemu "$work/stuck-emulator" --state-dir "$work/state-stuck" "$vm"
number=$((number + 1))
sleep 0.5
stuck=$(pgrep -x -f "sleep $marker")
if [ -n "$stuck" ]; then
    echo "not ok $number - the stuck emulator (pid $stuck) was left running"
    kill -9 $stuck 2>/dev/null
    failed=$((failed + 1))
else
    echo "ok $number - the stuck emulator was killed, not left behind"
fi

echo "1..$number"
[ "$failed" = 0 ]

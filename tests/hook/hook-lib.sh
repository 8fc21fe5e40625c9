# hook-lib.sh: what the hook tests share (sourced by bash scripts printing TAP).
#
#   hk_setup DIR            a state dir, a ROM dir (copies of Debian's iPXE ROMs, so a
#                           test may change them) and a fwneg.conf naming both; exports
#                           FWNEG_CONFIG, as libvirt's hook would read /etc/fwneg/fwneg.conf
#   hk_guest NAME UUID [MODEL [EXTRA_OS]]   a defined pc guest with one NIC (stdout)
#   hk_record IN OUT        `fwneg record --output=xml`: the guest with fwneg's plan
#                           applied and recorded, as `fwneg apply` defines it
#   hk_call NAME OP SUB < XML   run fwneg-hook; $HK_RC, files $HK_DIR/out, $HK_DIR/err
#   check DESC CMD…         one TAP line; tap_done ends the plan
: "${FWNEG_BIN:?}" "${FWNEG_HOOK:?}" "${FWNEG_DATA_DIR:?}"

tap_n=0
tap_failed=0
ok() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $*"
}
notok() {
    tap_n=$((tap_n + 1))
    tap_failed=$((tap_failed + 1))
    echo "not ok $tap_n - $*"
}
tap_skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP $*"
}
diag() { printf '# %s\n' "$@"; }
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else notok "$desc"; fi
}
# check with a shell expression evaluated here (functions and variables visible).
check_eval() {
    local desc=$1
    shift
    if eval "$*"; then ok "$desc"; else notok "$desc"; fi
}
# hook_log_passed LOG NAME "OP SUB" [WHAT]: the hook log has a line for that call
# saying WHAT (default "worker (recorded guest)"), and no such line failed.
hook_log_passed() {
    local lines
    lines=$(grep -F " $2 $3 -: ${4:-worker (recorded guest)}" "$1")
    [ -n "$lines" ] && ! grep -q FAILED <<<"$lines"
}
# jq -e without printing the value (a stray "true" is not TAP).
jq_true() { jq -e "$@" >/dev/null; }
tap_done() {
    echo "1..$tap_n"
    [ "$tap_failed" = 0 ]
}

HK_ROM_SRC=/usr/lib/ipxe/qemu

hk_setup() {
    HK_DIR=$1
    mkdir -p "$HK_DIR/roms" "$HK_DIR/state"
    chmod 0755 "$HK_DIR" "$HK_DIR/roms" "$HK_DIR/state"
    cp "$HK_ROM_SRC/efi-e1000.rom" "$HK_ROM_SRC/pxe-e1000.rom" "$HK_ROM_SRC/efi-virtio.rom" \
        "$HK_DIR/roms/"
    chmod 0644 "$HK_DIR/roms/"*
    HK_STATE=$HK_DIR/state
    HK_LOG=$HK_DIR/hook.log
    hk_config
    export FWNEG_CONFIG=$HK_DIR/fwneg.conf
}

# hk_config [EXTRA [fwneg] LINES] [-- EXTRA [hook] LINES]
hk_config() {
    local fwneg_lines=() hook_lines=() in_hook=0 line
    for line in "$@"; do
        if [ "$line" = -- ]; then in_hook=1; continue; fi
        if [ $in_hook = 1 ]; then hook_lines+=("$line"); else fwneg_lines+=("$line"); fi
    done
    {
        echo "[fwneg]"
        echo "state-dir=$HK_STATE"
        echo "rom-dirs=$HK_DIR/roms"
        echo "data-dir=$FWNEG_DATA_DIR"
        printf '%s\n' "${fwneg_lines[@]}"
        echo "[hook]"
        echo "log=$HK_LOG"
        printf '%s\n' "${hook_lines[@]}"
    } >"$HK_DIR/fwneg.conf"
    chmod 0644 "$HK_DIR/fwneg.conf"
}

hk_guest() {
    local name=$1 uuid=$2 model=${3:-e1000} extra_os=${4:-}
    cat <<EOF
<domain type='qemu'>
  <name>$name</name>
  <uuid>$uuid</uuid>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>$extra_os
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <interface type='user'>
      <mac address='52:54:00:fe:00:01'/>
      <model type='$model'/>
      <boot order='1'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </interface>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

hk_record() {
    "$FWNEG_BIN" record --config "$FWNEG_CONFIG" --output=xml "$1" >"$2"
}

hk_call() {
    local timeout=${HK_TIMEOUT:-60}
    timeout --kill-after=5 "$timeout" "$FWNEG_HOOK" "$@" >"$HK_DIR/out" 2>"$HK_DIR/err"
    HK_RC=$?
}

# The hook's stderr is one line (what virsh shows) and holds every PATTERN.
hk_refused_with() {
    local ok=1 p
    [ "$HK_RC" != 0 ] || { diag "exit 0, expected a refusal"; ok=0; }
    [ "$(wc -l <"$HK_DIR/err")" = 1 ] || { diag "stderr is not one line:"; ok=0; }
    [ -s "$HK_DIR/out" ] && { diag "stdout is not empty"; ok=0; }
    for p in "$@"; do
        grep -qF -- "$p" "$HK_DIR/err" || { diag "stderr lacks '$p'"; ok=0; }
    done
    [ $ok = 1 ] || sed 's/^/#   stderr: /' "$HK_DIR/err"
    [ $ok = 1 ]
}

hk_quiet_success() {
    if [ "$HK_RC" = 0 ] && ! [ -s "$HK_DIR/out" ]; then
        return 0
    fi
    diag "rc=$HK_RC"
    sed 's/^/#   stdout: /' "$HK_DIR/out" | head -5
    sed 's/^/#   stderr: /' "$HK_DIR/err" | head -5
    return 1
}

hk_uuid_of() { sed -n 's:.*<uuid>\(.*\)</uuid>.*:\1:p' "$1" | head -n1; }

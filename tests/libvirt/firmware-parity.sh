#!/bin/bash
# firmware-parity.sh: fwneg's firmware choice must equal the one a real libvirt 9.0 makes.
#
# For every case in firmware-parity/cases.list the guest is defined in a private libvirtd
# (libvirtd-harness.sh), started paused, and libvirt's answer is read from the live XML
# (<os><loader>, <nvram template>) and checked against the QEMU command line
# (/proc/PID/cmdline: the pflash0 file is the loader, the pflash1 file is the NVRAM copy,
# which must be byte-identical to the template).  Then `fwneg plan --output=json` on the
# same XML must give the same executable and template.  libvirt is asked live on every
# run; firmware-parity/expected-libvirt.txt only records what it answered on the
# reference host, for diagnostics (FWNEG_TEST_REGENERATE_OUTPUT=1 rewrites it).
#
# Output is TAP: two test points per case, "libvirt: CASE" (libvirt behaved as the case
# says) and "fwneg: CASE" (fwneg agrees, or diverges exactly as documented).

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cases_dir="$here/firmware-parity"
expected_file="$cases_dir/expected-libvirt.txt"

# shellcheck source=libvirtd-harness.sh
source "$here/libvirtd-harness.sh"
lvh_reexec_in_private_mount_ns "$here/firmware-parity.sh" "$@"

if reason=$(lvh_unusable_reason); then
    lvh_skip_all "$reason"
fi
for tool in jq xmllint qemu-system-x86_64; do
    command -v "$tool" >/dev/null 2>&1 ||
        lvh_skip_all "$tool not installed (packages jq, libxml2-utils, qemu-system-x86)"
done
if ! compgen -G '/usr/share/qemu/firmware/*.json' >/dev/null; then
    lvh_skip_all "no firmware descriptors in /usr/share/qemu/firmware (packages ovmf, qemu-efi-aarch64)"
fi

# fwneg is optional while the CLI is being written: without it only the libvirt half runs
# and the parity points are skipped (they say so).
fwneg_missing=
if [ -z "${FWNEG_BIN:-}" ]; then
    fwneg_missing="FWNEG_BIN is not set"
elif ! [ -x "$FWNEG_BIN" ]; then
    fwneg_missing="FWNEG_BIN=$FWNEG_BIN is not executable"
fi

# ---------------------------------------------------------------------------------------
# TAP helpers

tap_number=0

tap_ok() {
    tap_number=$((tap_number + 1))
    printf 'ok %d - %s\n' "$tap_number" "$1"
}

tap_not_ok() {
    tap_number=$((tap_number + 1))
    printf 'not ok %d - %s # %s\n' "$tap_number" "$1" "$2"
}

tap_skip() {
    tap_number=$((tap_number + 1))
    printf 'ok %d - %s # SKIP %s\n' "$tap_number" "$1" "$2"
}

diag() {
    printf '# %s\n' "$*"
}

# ---------------------------------------------------------------------------------------
# libvirt's side

xpath() {
    xmllint --xpath "$1" - 2>/dev/null
}

# The filename of a -blockdev node in a QEMU argv (one argument per line on stdin).
blockdev_filename() {
    awk 'previous == "-blockdev" { print } { previous = $0 }' |
        jq -r --arg node "$1" 'select(."node-name" == $node) | .filename' 2>/dev/null
}

# The value of a "qemuFirmware…" debug line that libvirt logged since line $1 of its log
# (the firmware decision for the start that followed).
libvirt_logged() {
    local since=$1 pattern=$2
    tail -n +"$((since + 1))" "$LVH_DIR/libvirtd.log" |
        sed -n "s/$pattern/\\1/p" | tail -n 1
}

sha256() {
    sha256sum <"$1" | cut -d' ' -f1
}

# Which *VARS* file beside the loader has this content (libvirt 9.0 copies the NVRAM from
# its build-time loader:nvram list without recording a template in the XML).
nvram_origin() {
    local loader=$1 sha=$2 candidate
    for candidate in "$(dirname "$loader")"/*VARS*; do
        [ -f "$candidate" ] || continue
        if [ "$(stat -c %s "$candidate")" = "$(stat -c %s "$lv_nvram")" ] &&
            [ "$(sha256 "$candidate")" = "$sha" ]; then
            printf '%s\n' "$candidate"
            return
        fi
    done
    echo unknown
}

log_lines() {
    wc -l <"$LVH_DIR/libvirtd.log"
}

# Defines and starts one guest and reads libvirt's answer into lv_* variables:
#   lv_state      started | refused-define | refused-start
#   lv_error      libvirt's message when refused
#   lv_loader, lv_template, lv_nvram, lv_machine   from the live XML
#   lv_nvram_sha  sha256 of the NVRAM file right after start (QEMU paused: still pristine)
#   lv_nvram_from the firmware file the NVRAM is a copy of, when the XML names no template
#   lv_descriptor, lv_decided_loader               from libvirt's debug log (may be empty)
#   lv_problems   what is inconsistent between the live XML and the QEMU process
libvirt_observe() {
    local name=$1 xml=$2 staged out live argv pflash0 pflash1 since
    lv_state= lv_error= lv_loader= lv_template= lv_nvram= lv_machine=
    lv_nvram_sha= lv_nvram_from=
    lv_descriptor= lv_decided_loader= lv_problems=
    staged=$(lvh_stage_file "$xml") || {
        lv_problems="cannot stage $xml"
        return
    }
    if ! out=$(lvh_virsh define "$staged" 2>&1); then
        lv_state=refused-define
        lv_error=$(printf '%s\n' "$out" | grep -v '^error: Failed to define' | sed 's/^error: //' | paste -sd ' ')
        return
    fi
    since=$(log_lines)
    if ! out=$(lvh_virsh start --paused "$name" 2>&1); then
        lv_state=refused-start
        lv_error=$(printf '%s\n' "$out" | grep -v '^error: Failed to start' | sed 's/^error: //' | paste -sd ' ')
    else
        lv_state=started
        live=$(lvh_virsh dumpxml "$name")
        lv_loader=$(xpath 'string(/domain/os/loader)' <<<"$live")
        lv_template=$(xpath 'string(/domain/os/nvram/@template)' <<<"$live")
        lv_nvram=$(xpath 'string(/domain/os/nvram)' <<<"$live")
        lv_machine=$(xpath 'string(/domain/os/type/@machine)' <<<"$live")
        if ! argv=$(lvh_qemu_argv "$name"); then
            lv_problems+="no QEMU process found for $name; "
        else
            pflash0=$(blockdev_filename libvirt-pflash0-storage <<<"$argv")
            pflash1=$(blockdev_filename libvirt-pflash1-storage <<<"$argv")
            if [ "$pflash0" != "$lv_loader" ]; then
                lv_problems+="QEMU pflash0 is '$pflash0' but the live XML loader is '$lv_loader'; "
            fi
            if [ "$pflash1" != "$lv_nvram" ]; then
                lv_problems+="QEMU pflash1 is '$pflash1' but the live XML nvram is '$lv_nvram'; "
            fi
            if [ -z "$lv_loader" ] && grep -qx -- '-bios' <<<"$argv"; then
                lv_problems+="BIOS guest runs with -bios; "
            fi
        fi
        if [ -n "$lv_template" ] && ! cmp -s "$lv_template" "$lv_nvram"; then
            lv_problems+="NVRAM '$lv_nvram' is not a copy of template '$lv_template'; "
        fi
        if [ -n "$lv_nvram" ] && ! [ -s "$lv_nvram" ]; then
            lv_problems+="NVRAM file '$lv_nvram' missing or empty; "
        elif [ -n "$lv_nvram" ]; then
            lv_nvram_sha=$(sha256 "$lv_nvram")
            if [ -z "$lv_template" ]; then
                lv_nvram_from=$(nvram_origin "$lv_loader" "$lv_nvram_sha")
            fi
        fi
        lvh_virsh destroy "$name" >/dev/null 2>&1 ||
            lv_problems+="virsh destroy failed; "
    fi
    lv_descriptor=$(libvirt_logged "$since" ".*Found matching firmware (description path '\\([^']*\\)').*")
    lv_decided_loader=$(libvirt_logged "$since" ".*decided on firmware '\\([^']*\\)'.*")
    if ! out=$(lvh_virsh undefine --nvram "$name" 2>&1); then
        lv_problems+="virsh undefine failed: $out; "
    fi
    if [ -n "$lv_problems" ]; then
        lvh_dump_logs "$name"
    fi
}

# One line of expected-libvirt.txt for the current lv_* answer.
libvirt_answer_line() {
    local name=$1
    case "$lv_state" in
    started)
        local template=${lv_template:--}
        if [ -n "$lv_nvram_from" ]; then
            template="- (NVRAM copied from $lv_nvram_from)"
        fi
        printf '%s\tloader=%s\ttemplate=%s\tdescriptor=%s\n' "$name" \
            "${lv_loader:--}" "$template" "${lv_descriptor:--}"
        ;;
    *)
        printf '%s\t%s\t%s\n' "$name" "$lv_state" \
            "$(sed -E 's/ [0-9]{4}-[0-9-]+T[0-9:.]+Z / /g
                s/internal error: (process exited while connecting to monitor|qemu unexpectedly closed the monitor): /QEMU failed: /' <<<"$lv_error")"
        ;;
    esac
}

# ---------------------------------------------------------------------------------------
# fwneg's side

# Runs `fwneg plan --output=json` with the daemon's HOME/XDG dirs, so both consult the same
# per-user descriptor directory.  Sets fw_status, fw_json, fw_stderr.
fwneg_plan() {
    local xml=$1 errfile="$LVH_DIR/fwneg.stderr"
    fw_json=$(env HOME="$LVH_HOME" XDG_CONFIG_HOME="$LVH_HOME/.config" \
        timeout --kill-after=5 60 "$FWNEG_BIN" plan --output=json "$xml" 2>"$errfile")
    fw_status=$?
    fw_stderr=$(cat "$errfile")
}

fw_field() {
    jq -r "$1 // empty" <<<"$fw_json"
}

# Compares a "same" case: libvirt started the guest.
check_same() {
    local problems= exec template descriptor interface machine
    if [ "$fw_status" != 0 ]; then
        echo "fwneg plan exited $fw_status where libvirt started the guest: $(head -c 300 <<<"$fw_stderr")"
        return 1
    fi
    if ! jq -e '.firmware | type == "object"' >/dev/null 2>&1 <<<"$fw_json"; then
        echo "fwneg plan printed no JSON object with a 'firmware' member"
        return 1
    fi
    exec=$(fw_field '.firmware.executable')
    template=$(fw_field '.firmware."nvram-template"')
    descriptor=$(fw_field '.firmware.descriptor')
    interface=$(fw_field '.firmware.interface')
    machine=$(fw_field '.domain.machine')
    if [ -z "$lv_loader" ]; then
        if [ -n "$descriptor" ] || [ "$interface" != bios ]; then
            problems+="libvirt uses no loader (BIOS) but fwneg says interface '$interface', descriptor '$descriptor'; "
        fi
        if [ -n "$template" ]; then
            problems+="libvirt has no NVRAM template but fwneg says '$template'; "
        fi
    else
        if [ "$exec" != "$lv_loader" ]; then
            problems+="executable: libvirt '$lv_loader', fwneg '$exec'; "
        fi
        if [ -n "$lv_template" ] || [ -z "$lv_nvram" ]; then
            if [ "$template" != "$lv_template" ]; then
                problems+="nvram-template: libvirt '${lv_template:-none}', fwneg '${template:-none}'; "
            fi
        elif [ -z "$template" ]; then
            # libvirt's fallback: NVRAM copied from its build-time list, no template shown.
            problems+="nvram-template: libvirt initialised the NVRAM from '$lv_nvram_from' (its built-in loader:nvram list; the live XML names no template) but fwneg names none; "
        elif ! [ -r "$template" ] || [ "$(sha256 "$template")" != "$lv_nvram_sha" ]; then
            problems+="nvram-template: libvirt's NVRAM is a copy of '$lv_nvram_from', not of fwneg's '$template'; "
        fi
        if [ -n "$lv_descriptor" ] && [ "$descriptor" != "$lv_descriptor" ]; then
            problems+="descriptor: libvirt '$lv_descriptor', fwneg '${descriptor:-null}'; "
        fi
    fi
    if [ "$machine" != "$lv_machine" ]; then
        problems+="canonical machine: libvirt '$lv_machine', fwneg '$machine'; "
    fi
    if [ -n "$problems" ]; then
        echo "$problems"
        return 1
    fi
}

check_refused() {
    if [ "$fw_status" != 1 ] && [ "$fw_status" != 2 ]; then
        echo "libvirt refuses the guest ($lv_error) but fwneg plan exited $fw_status"
        return 1
    fi
    if [ -n "$fw_json" ]; then
        echo "fwneg plan refused (exit $fw_status) but printed something on stdout"
        return 1
    fi
}

# The guest XML with autoselection replaced by an explicit loader and NVRAM template.
explicit_firmware_xml() {
    local xml=$1 name=$2 exec=$3 template=$4
    awk -v name="$name" -v exec="$exec" -v template="$template" '
        /<firmware>/ { skip = 1 }
        skip { if (/<\/firmware>/) skip = 0; next }
        /<name>/ { print "  <name>" name "</name>"; next }
        /<os firmware=/ { sub(/ firmware=.efi./, "") }
        { print }
        /<type arch=/ {
            print "    <loader readonly=\"yes\" type=\"pflash\">" exec "</loader>"
            if (template != "") print "    <nvram template=\"" template "\"/>"
        }' "$xml"
}

# A documented divergence: libvirt picks a descriptor naming a missing file.
check_divergence() {
    local missing=$1 xml=$2 name=$3 exec template variant problems
    case "$fw_status" in
    0)
        exec=$(fw_field '.firmware.executable')
        template=$(fw_field '.firmware."nvram-template"')
        if [ "$exec" = "$missing" ]; then
            echo "fwneg chose '$missing', which does not exist"
            return 1
        fi
        if ! [ -e "$exec" ]; then
            echo "fwneg chose '$exec', which does not exist"
            return 1
        fi
        if ! jq -e --arg m "$(basename "${lv_descriptor:-$missing}")" \
            '[.firmware.rejected[]? | tostring | select(contains($m))] | length > 0' \
            >/dev/null <<<"$fw_json"; then
            diag "fwneg's rejected[] does not mention $(basename "${lv_descriptor:-$missing}")"
        fi
        # "Working" is checked, not assumed: libvirt must start fwneg's choice.
        variant="$LVH_DIR/$name-fwneg-choice.xml"
        explicit_firmware_xml "$xml" "$name-fwneg-choice" "$exec" "$template" >"$variant"
        libvirt_observe "$name-fwneg-choice" "$variant"
        if [ "$lv_state" != started ] || [ -n "$lv_problems" ]; then
            problems="libvirt cannot start fwneg's choice '$exec' (template '$template'): ${lv_error}${lv_problems}"
            echo "$problems"
            return 1
        fi
        diag "documented divergence: libvirt fails on $missing; fwneg chose $exec (template ${template:-none}), which starts"
        ;;
    1)
        if ! grep -qF -e "$missing" -e "$(basename "${lv_descriptor:-$missing}")" <<<"$fw_stderr"; then
            echo "fwneg refused (exit 1) without naming $missing or its descriptor: $(head -c 300 <<<"$fw_stderr")"
            return 1
        fi
        if [ -n "$fw_json" ]; then
            echo "fwneg plan refused (exit 1) but printed something on stdout"
            return 1
        fi
        diag "documented divergence: libvirt fails on $missing; fwneg refuses up front and says why"
        ;;
    *)
        echo "fwneg plan exited $fw_status (expected 0 with a working choice, or 1)"
        return 1
        ;;
    esac
}

# ---------------------------------------------------------------------------------------
# main

mapfile -t case_lines < <(grep -Ev '^[[:space:]]*(#|$)' "$cases_dir/cases.list")
printf '1..%d\n' "$((2 * ${#case_lines[@]}))"

lvh_start

regenerate=${FWNEG_TEST_REGENERATE_OUTPUT:-0}
answers="$LVH_DIR/expected-libvirt.txt"
{
    echo "# What libvirt 9.0.0 (Debian 12, QEMU 7.2, ovmf/qemu-efi-aarch64 2022.11) answered for"
    echo "# each case of cases.list: loader and NVRAM template of the live XML and the descriptor"
    echo "# libvirt logged, or how it refused the guest.  Documentation and a diagnostic only:"
    echo "# firmware-parity.sh asks libvirt live.  Regenerate with FWNEG_TEST_REGENERATE_OUTPUT=1."
} >"$answers"

for line in "${case_lines[@]}"; do
    read -r name expectation argument <<<"$line"
    xml="$cases_dir/$name.xml"
    arch=$(xpath 'string(/domain/os/type/@arch)' <"$xml")
    if ! command -v "qemu-system-$arch" >/dev/null 2>&1; then
        tap_skip "libvirt: $name" "qemu-system-$arch not installed"
        tap_skip "fwneg: $name" "qemu-system-$arch not installed"
        continue
    fi
    if [ "$expectation" = diverges-if-missing ] && [ -e "$argument" ]; then
        diag "$name: $argument exists on this host, so libvirt and fwneg must agree"
        expectation=same
    fi

    libvirt_observe "$name" "$xml"
    libvirt_answer_line "$name" >>"$answers"
    diag "$(libvirt_answer_line "$name")"
    recorded=$(awk -F '\t' -v name="$name" '$1 == name' "$expected_file" 2>/dev/null | head -n 1)
    if [ -n "$recorded" ] && [ "$recorded" != "$(libvirt_answer_line "$name")" ]; then
        diag "recorded on the reference host: $recorded"
    fi

    # 1. libvirt behaved as the case says.
    libvirt_ok=1
    case "$expectation" in
    same)
        if [ "$lv_state" != started ]; then
            tap_not_ok "libvirt: $name" "libvirt did not start the guest ($lv_state): $lv_error"
            libvirt_ok=0
        elif [ -n "$lv_problems" ]; then
            tap_not_ok "libvirt: $name" "$lv_problems"
            libvirt_ok=0
        else
            tap_ok "libvirt: $name"
        fi
        ;;
    refused)
        if [ "$lv_state" = started ]; then
            tap_not_ok "libvirt: $name" "libvirt started the guest with loader '${lv_loader:-none}' but the case says it refuses"
            libvirt_ok=0
        else
            tap_ok "libvirt: $name"
        fi
        ;;
    diverges-if-missing)
        if [ "$lv_state" != refused-start ] || ! grep -qF "$argument" <<<"$lv_error"; then
            tap_not_ok "libvirt: $name" "expected QEMU to fail opening $argument at start; got $lv_state: $lv_error"
            libvirt_ok=0
        elif [ -n "$lv_decided_loader" ] && [ "$lv_decided_loader" != "$argument" ]; then
            tap_not_ok "libvirt: $name" "libvirt logged firmware '$lv_decided_loader', expected '$argument'"
            libvirt_ok=0
        else
            tap_ok "libvirt: $name"
        fi
        ;;
    *)
        tap_not_ok "libvirt: $name" "unknown expectation '$expectation' in cases.list"
        libvirt_ok=0
        ;;
    esac

    # 2. fwneg agrees with libvirt (or diverges exactly as documented).
    if [ -n "$fwneg_missing" ]; then
        tap_skip "fwneg: $name" "$fwneg_missing"
        continue
    fi
    if [ "$libvirt_ok" != 1 ]; then
        tap_not_ok "fwneg: $name" "no comparison: libvirt did not behave as the case says"
        continue
    fi
    fwneg_plan "$xml"
    case "$expectation" in
    same) why=$(check_same) ;;
    refused) why=$(check_refused) ;;
    diverges-if-missing) why=$(check_divergence "$argument" "$xml" "$name") ;;
    esac
    if [ $? -eq 0 ]; then
        tap_ok "fwneg: $name"
        [ -n "$why" ] && sed 's/^#* *//; s/^/# /' <<<"$why"
    else
        tap_not_ok "fwneg: $name" "$why"
    fi
done

if [ "$regenerate" = 1 ]; then
    cp "$answers" "$expected_file"
    diag "rewrote $expected_file"
fi

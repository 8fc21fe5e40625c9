#!/bin/bash
# `meson install` (into a DESTDIR) places what issue 11 lists: the CLI, the hook and
# its worker and `fwneg apply`'s helper in libexec, the qemu.d entry (a link to the
# hook), fwneg's data, the man pages fwneg(1), fwneg-hook(8), fwneg.conf(5) (which
# groff renders without a warning), bash completion, the AppArmor snippet and the
# example config.  The installed hook, run through its qemu.d link as libvirt runs it,
# finds its installed worker.  Prints TAP.
set -u -o pipefail
: "${FWNEG_BUILD_ROOT:?}" "${FWNEG_DATA_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../hook/hook-lib.sh"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
opt() { meson introspect --buildoptions "$FWNEG_BUILD_ROOT" | jq -r ".[] | select(.name == \"$1\") | .value"; }
prefix=$(opt prefix) libexecdir=$(opt libexecdir) sysconfdir=$(opt sysconfdir)
datadir=$(opt datadir) bindir=$(opt bindir) mandir=$(opt mandir)
hooks=$(opt libvirt-hooks-dir)
abs() { case "$1" in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }
[ -n "$hooks" ] || hooks=$(abs "$sysconfdir")/libvirt/hooks

if ! meson install -C "$FWNEG_BUILD_ROOT" --destdir "$dest" --no-rebuild --quiet >"$dest.log" 2>&1; then
    echo "Bail out! meson install failed: $(tail -5 "$dest.log")"
    rm -f "$dest.log"
    exit 1
fi
rm -f "$dest.log"
lx=$dest$(abs "$libexecdir")/fwneg
for f in "$(abs "$bindir")/fwneg" "$(abs "$libexecdir")/fwneg/fwneg-hook" \
    "$(abs "$libexecdir")/fwneg/fwneg-hook-worker" "$(abs "$libexecdir")/fwneg/fwneg-apply"; do
    check "installed and executable: $f" test -x "$dest$f"
done
for f in fwneg/firmware.d/rom-50-ipxe-x86.json fwneg/firmware.d/feature-smi.json \
    fwneg/apparmor/libvirt-qemu-fwneg bash-completion/completions/fwneg doc/fwneg/fwneg.conf.example; do
    check "installed: \$datadir/$f" test -s "$dest$(abs "$datadir")/$f"
done
link=$dest$hooks/qemu.d/90-fwneg
if [ "$(opt libvirt-hook)" = true ]; then
    check_eval "the qemu.d entry $hooks/qemu.d/90-fwneg links to the installed hook" \
        '[ -L "$link" ] && [ "$(readlink "$link")" = "$(abs "$libexecdir")/fwneg/fwneg-hook" ]'
else
    check "no qemu.d entry with -Dlibvirt-hook=false" test ! -e "$link"
fi
lint_ok=1
for page in man1/fwneg.1 man5/fwneg.conf.5 man8/fwneg-hook.8; do
    f=$dest$(abs "$mandir")/$page
    [ -s "$f" ] || { diag "$page not installed"; lint_ok=0; continue; }
    if command -v groff >/dev/null; then
        out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$f" 2>&1)
        [ -z "$out" ] || { diag "$page: $out"; lint_ok=0; }
    fi
done
check "man pages fwneg(1), fwneg.conf(5), fwneg-hook(8) installed and render without warnings" test $lint_ok = 1
check_eval "bash completion loads and completes the verbs" \
    'bash -c "source \"$dest$(abs "$datadir")/bash-completion/completions/fwneg\"; COMP_WORDS=(fwneg ap); COMP_CWORD=1; _fwneg; [ \"\${COMPREPLY[*]}\" = apply ]"'

# The installed hook as libvirt runs it: through the link's target (DESTDIR moves it).
work=$dest/work
mkdir -p "$work"
hk_setup "$work"
hk_guest inst 6b3c1e2a-0000-4000-8000-0000000000a9 >"$work/g.xml"
hk_record "$work/g.xml" "$work/applied.xml"
FWNEG_HOOK=$lx/fwneg-hook hk_call inst prepare begin - <"$work/g.xml"
check "installed hook: an unmanaged guest passes without a worker" hk_quiet_success
FWNEG_HOOK=$lx/fwneg-hook hk_call inst prepare begin - <"$work/applied.xml"
check_eval "installed hook: a recorded guest runs the installed worker next to it" \
    'hk_quiet_success && grep -q "worker (recorded guest)" <<<"$(tail -n 1 "$HK_LOG")"'
tap_done

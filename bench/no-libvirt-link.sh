#!/bin/bash
# no-libvirt-link.sh: the plan and hook paths must not link libvirt or gio (DESIGN.md:
# an empty program linked with libvirt starts in ~9 ms instead of ~2 ms, with gio ~5 ms,
# and the hook runs on every VM lifecycle event; a hook must never talk to libvirt).
# Checks `fwneg`, `fwneg-hook` (libc only) and `fwneg-hook-worker`: fails when `ldd`
# lists a libvirt or gio library, directly or through another library.  Only
# fwneg-apply may link libvirt.  Output is TAP.
set -u -o pipefail

binaries=("${FWNEG_BIN:-}" "${FWNEG_HOOK:-}" "${FWNEG_HOOK_WORKER:-}")
echo "1..$((${#binaries[@]} * 2 + 1))"
n=0
failed=0
for bin in "${binaries[@]}"; do
    name=$(basename "$bin")
    n=$((n + 1))
    if ! [ -x "$bin" ]; then
        echo "not ok $n - $name is built # '$bin'"
        n=$((n + 1))
        echo "not ok $n - $name links neither libvirt nor gio # no binary"
        failed=1
        continue
    fi
    libs=$(ldd "$bin" 2>&1)
    # ldd itself must have worked, or "no libvirt" would be meaningless.
    if grep -q 'libc\.so' <<<"$libs"; then
        echo "ok $n - ldd lists $name's libraries ($(grep -c '=>' <<<"$libs"))"
    else
        echo "not ok $n - ldd lists $name's libraries # ldd said: $(head -c 300 <<<"$libs")"
        failed=1
    fi
    n=$((n + 1))
    if bad=$(grep -E 'lib(virt|gio-2\.0)[^ ]*\.so' <<<"$libs"); then
        echo "not ok $n - $name links neither libvirt nor gio # $(tr '\n\t' '  ' <<<"$bad")"
        failed=1
    else
        echo "ok $n - $name links neither libvirt nor gio"
    fi
done
# The hook's entry point links libc only: that is its whole point.  (A sanitizer
# build adds the sanitizer runtimes and what they need.)
n=$((n + 1))
allowed='libc\.so|linux-vdso|ld-linux'
if ldd "${FWNEG_HOOK:-/nonexistent}" 2>/dev/null | grep -q 'libasan\.so'; then
    allowed="$allowed|lib(asan|ubsan|m|gcc_s|stdc\+\+)\.so"
fi
extra=$(ldd "${FWNEG_HOOK:-/nonexistent}" 2>/dev/null | grep '=>' | grep -vE "$allowed" || true)
if [ -x "${FWNEG_HOOK:-}" ] && [ -z "$extra" ]; then
    echo "ok $n - fwneg-hook links libc only"
else
    echo "not ok $n - fwneg-hook links libc only # $(tr '\n\t' '  ' <<<"$extra")"
    failed=1
fi
exit $failed

#!/bin/bash
# no-libvirt-link.sh: the plan path must not link libvirt (DESIGN.md: an empty
# program linked with libvirt starts in ~9 ms instead of ~2 ms, and the hook runs
# on every VM lifecycle event).  Fails when `ldd $FWNEG_BIN` lists any libvirt
# library, directly or through another library.  Output is TAP.
set -u -o pipefail

echo "1..2"
if ! [ -x "${FWNEG_BIN:-}" ]; then
    echo "not ok 1 - FWNEG_BIN is executable # FWNEG_BIN='${FWNEG_BIN:-}'"
    echo "not ok 2 - fwneg does not link libvirt # no binary"
    exit 1
fi
libs=$(ldd "$FWNEG_BIN" 2>&1)
# ldd itself must have worked, or "no libvirt" would be meaningless.
if grep -q 'libglib-2\.0\.so' <<<"$libs"; then
    echo "ok 1 - ldd lists fwneg's libraries (libglib-2.0 found)"
else
    echo "not ok 1 - ldd lists fwneg's libraries # ldd said: $(head -c 300 <<<"$libs")"
fi
if bad=$(grep -E 'libvirt[^ ]*\.so' <<<"$libs"); then
    echo "not ok 2 - fwneg does not link libvirt # $(tr '\n\t' '  ' <<<"$bad")"
    exit 1
fi
echo "ok 2 - fwneg does not link libvirt ($(wc -l <<<"$libs") libraries, none from libvirt)"

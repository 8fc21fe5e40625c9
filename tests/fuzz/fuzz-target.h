/* fuzz-target.h: shared by every fuzz target.  Each target defines
 * LLVMFuzzerTestOneInput(); it is linked either with libFuzzer (-Dfuzzing=true,
 * clang) or with replay-main.c, which feeds it the files of its corpus. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parser's contract: success without an error, or failure with an error that
 * has a message.  Anything else is a bug the fuzzer should report, so abort. */
static inline void
fwneg_fuzz_check_result(gboolean ok, const GError *error)
{
    if (ok ? error != NULL : error == NULL || error->message == NULL || error->message[0] == '\0')
        abort();
}

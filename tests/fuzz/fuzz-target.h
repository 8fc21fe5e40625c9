/* fuzz-target.h: shared by every fuzz target.  Each target defines
 * LLVMFuzzerTestOneInput(); it is linked either with libFuzzer (-Dfuzzing=true,
 * clang) or with replay-main.c, which feeds it the files of its corpus. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <sys/mman.h>
#include <unistd.h>

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

/* For parsers that take a path: @data in an anonymous memory file, named through
 * /proc/self/fd (no disk I/O per input).  Returns the fd (close it) and the path. */
static inline int
fwneg_fuzz_memfd(const uint8_t *data, size_t size, char **path_out)
{
    int fd = memfd_create("fwneg-fuzz", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            abort();
        done += (size_t)n;
    }
    *path_out = g_strdup_printf("/proc/self/fd/%d", fd);
    return fd;
}

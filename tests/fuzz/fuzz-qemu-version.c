/* fuzz-qemu-version: the output of `qemu-system-ARCH -version`. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz-target.h"
#include "host-facts.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The prober hands the parser a NUL-terminated string (GSubprocess output). */
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegHostFacts) facts = g_new0(FwnegHostFacts, 1);
    gboolean ok = fwneg_parse_qemu_version(text, facts, &error);
    fwneg_fuzz_check_result(ok, error);
    return 0;
}

/* fuzz-domain-xml: libvirt domain XML → FwnegDomain (safe-xml + domain-parse). */
#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "fuzz-target.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDomain) domain =
        fwneg_domain_parse_memory((const char *)data, size, "fuzz.xml", &error);
    /* Exactly one of the two: a parser that fails must say why. */
    fwneg_fuzz_check_result(domain != NULL, error);
    return 0;
}

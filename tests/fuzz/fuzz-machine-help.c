/* fuzz-machine-help: the output of `qemu-system-ARCH -machine help`, then the
 * name resolution the planner does with it. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz-target.h"
#include "host-facts.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) machines = fwneg_parse_machine_help(text, &error);
    fwneg_fuzz_check_result(machines != NULL, error);
    if (machines == NULL)
        return 0;

    /* Resolve the default and every listed name, as `fwneg plan` would. */
    g_autoptr(FwnegHostFacts) facts = g_new0(FwnegHostFacts, 1);
    facts->machines = g_steal_pointer(&machines);
    g_clear_error(&error);
    (void)fwneg_host_facts_canonicalize(facts, NULL, &error);
    for (guint i = 0; i < facts->machines->len; i++) {
        const FwnegMachineInfo *info = g_ptr_array_index(facts->machines, i);
        g_clear_error(&error);
        (void)fwneg_host_facts_canonicalize(facts, info->name, &error);
    }
    return 0;
}

/* fuzz-record-metadata: the <fwneg:plan> element a domain XML carries in
 * <metadata> (it travels with migration, so it comes from another host). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz-target.h"
#include "record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The domain reader hands over a NUL-terminated serialisation. */
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegPlan) plan = fwneg_plan_from_metadata(text, "fuzz.xml", &error);
    fwneg_fuzz_check_result(plan != NULL, error);
    if (plan != NULL)
        g_free(fwneg_plan_to_json(plan));
    return 0;
}

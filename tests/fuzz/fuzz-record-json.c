/* fuzz-record-json: a VM record (fwneg-plan/1 JSON, STATE_DIR/vms/<uuid>.json).
 * What parses must survive the round trip: written again and re-read, it parses,
 * and writes the same JSON a second time (the record is the plan). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-target.h"
#include "record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegPlan) plan = fwneg_plan_from_json((const char *)data, size, "fuzz.json", &error);
    fwneg_fuzz_check_result(plan != NULL, error);
    if (plan == NULL)
        return 0;

    g_autofree char *json = fwneg_plan_to_json(plan);
    g_autoptr(FwnegPlan) again = fwneg_plan_from_json(json, strlen(json), "again.json", &error);
    if (again == NULL)
        abort(); /* fwneg wrote a record it cannot read back */
    g_autofree char *json_again = fwneg_plan_to_json(again);
    if (strcmp(json, json_again) != 0)
        abort(); /* the round trip changed the record */
    return 0;
}

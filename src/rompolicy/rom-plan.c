/* rom-plan.c: not yet written (issue: NIC ROM policy). */
#include "rom-plan.h"

gboolean
fwneg_rom_plan(const FwnegDomain *domain, const FwnegPlanInputs *inputs,
               const char *canonical_machine, FwnegPlan *plan, GError **error)
{
    return TRUE;
}

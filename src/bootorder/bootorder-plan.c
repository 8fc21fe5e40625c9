/* bootorder-plan.c: not yet written (issue: boot order). */
#include "bootorder-plan.h"

gboolean
fwneg_bootorder_plan(const FwnegDomain *domain, const char *canonical_machine, FwnegPlan *plan,
                     GError **error)
{
    return TRUE;
}

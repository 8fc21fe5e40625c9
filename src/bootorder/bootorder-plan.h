/* bootorder-plan.h: the boot-order stage of the planner: fills plan->bootorder
 * (the exact lines of QEMU's fw_cfg `bootorder` file) and, on ARM, plan->fdt_*. */
#pragma once

#include <glib.h>
#include "plan.h"

G_BEGIN_DECLS

gboolean fwneg_bootorder_plan(const FwnegDomain *domain, const char *canonical_machine,
                              FwnegPlan *plan, GError **error);

G_END_DECLS

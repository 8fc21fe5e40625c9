/* fwcfg-plan.h: the fw_cfg stage of the planner: fills plan->fw_cfg with QEMU's
 * own feature bitmaps (origin "qemu") and fwneg's advertisements (origin "fwneg"). */
#pragma once

#include <glib.h>
#include "plan.h"

G_BEGIN_DECLS

gboolean fwneg_fwcfg_plan(const FwnegDomain *domain, const FwnegPlanInputs *inputs,
                          const char *canonical_machine, FwnegPlan *plan, GError **error);

G_END_DECLS

/* rom-plan.h: the option-ROM stage of the planner: fills plan->roms. */
#pragma once

#include <glib.h>
#include "plan.h"

G_BEGIN_DECLS

gboolean fwneg_rom_plan(const FwnegDomain *domain, const FwnegPlanInputs *inputs,
                        const char *canonical_machine, FwnegPlan *plan, GError **error);

G_END_DECLS

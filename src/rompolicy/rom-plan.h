/* rom-plan.h: the option-ROM stage of the planner: fills plan->roms. */
#pragma once

#include <glib.h>
#include "plan.h"

G_BEGIN_DECLS

gboolean fwneg_rom_plan(const FwnegDomain *domain, const FwnegPlanInputs *inputs,
                        const char *canonical_machine, FwnegPlan *plan, GError **error);

/* The ROM search path in effect (host paths, first match wins): --rom-dir, else
 * /usr/share/qemu-TARGET (default policy only) then QEMU's firmware path. */
GPtrArray *fwneg_rom_search_path(const FwnegOptions *options, const char *arch,
                                 gboolean qemu_policy);
/* The ROM set descriptor directory in effect. */
char *fwneg_rom_sets_dir(const FwnegOptions *options);

G_END_DECLS

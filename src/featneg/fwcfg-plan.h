/* fwcfg-plan.h: the fw_cfg stage of the planner: fills plan->fw_cfg with QEMU's
 * own feature bitmaps (origin "qemu") and fwneg's advertisements (origin "fwneg"),
 * and checks the fw_cfg file slot budget.
 *
 * Planning is a query: it computes the bytes and the path each fwneg file will
 * have (STATE_DIR/fwcfg/<uuid>/<fw_cfg name>) but writes nothing.  The files are
 * written by fwneg_fwcfg_write_files(), which `fwneg plan --output=xml|qemu-args`
 * (the outputs that point QEMU/libvirt at them) and the record call.
 */
#pragma once

#include <glib.h>
#include "feature-domain.h"
#include "plan.h"

G_BEGIN_DECLS

#define FWNEG_FWCFG_STATE_SUBDIR "fwcfg"

gboolean fwneg_fwcfg_plan(const FwnegDomain *domain, const FwnegPlanInputs *inputs,
                          const char *canonical_machine, FwnegPlan *plan, GError **error);

/* The directory feature data is read from: OPTIONS.data_dir (else FWNEG_DATADIR)/firmware.d. */
char *fwneg_fwcfg_feature_dir(const FwnegOptions *options);

/* The stage with its data given (tests): plan->machine, ->firmware, ->roms are read. */
gboolean fwneg_fwcfg_plan_with_data(const FwnegFeatureData *data, const FwnegDomain *domain,
                                    const FwnegOptions *options, const char *canonical_machine,
                                    FwnegPlan *plan, GError **error);

/* The evaluation context of a guest: machine, QEMU version, guest settings and the
 * chosen firmware's features. */
FwnegFeatureContext *fwneg_fwcfg_context_new(const FwnegDomain *domain, const FwnegPlan *plan,
                                             const char *canonical_machine);

/* Write every fwneg entry's bytes to its file (atomically; directories 0755 and
 * files 0644 so the QEMU user can read them).  FWNEG_ERROR_IO names the path. */
gboolean fwneg_fwcfg_write_files(const FwnegPlan *plan, GError **error);

G_END_DECLS

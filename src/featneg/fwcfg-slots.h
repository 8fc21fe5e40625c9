/* fwcfg-slots.h: the fw_cfg file slot budget.  QEMU has 32 file slots (16 on
 * machine types <= 2.8, x-file-slots in hw_compat_2_8) and aborts on the next file
 * ("fw_cfg_modify_file: Assertion `index < fw_cfg_file_slots(s)' failed"), so
 * fwneg counts every file the guest will have and refuses before QEMU would. */
#pragma once

#include <glib.h>
#include "feature-domain.h"
#include "fwcfg-plan.h"

G_BEGIN_DECLS

/* Count QEMU's own files for the machine type and guest (data "qemu-fw-cfg-files"),
 * @genroms (ROMs without a ROM BAR, as genroms/NAME), and every file of @set;
 * set set->slots and set->slots_used.  Too many is FWNEG_ERROR_UNSATISFIABLE with
 * the counts, the files and what to do. */
gboolean fwneg_fwcfg_check_slots(const FwnegFeatureData *data, const FwnegFeatureContext *ctx,
                                 GPtrArray *genroms, FwnegFwCfgSet *set, GError **error);

G_END_DECLS

/* fwcfg-ovmf.h: OVMF runtime knobs ([ovmf] in fwneg's config) as fw_cfg files. */
#pragma once

#include <glib.h>
#include "feature-domain.h"
#include "fwcfg-plan.h"

G_BEGIN_DECLS

/* Check @settings ([ovmf] key -> value; NULL = none) against the knobs in @data and,
 * when the knobs apply to the guest (@ctx), append one FwnegFwCfgFile (origin
 * "fwneg", bytes "yes" or "no", no NUL) per knob that has a value to @entries.
 * Values: yes/no (also true/false/on/off/1/0) or "auto" where the knob has an auto
 * rule.  An unknown setting or value is FWNEG_ERROR_INVALID_INPUT naming both. */
gboolean fwneg_fwcfg_ovmf_entries(const FwnegFeatureData *data, GHashTable *settings,
                                  const FwnegFeatureContext *ctx, GPtrArray *entries,
                                  GError **error);

G_END_DECLS

/* plan-data.h: fwneg's own data (firmware.d: ROM sets and fw_cfg feature
 * domains), loaded once per process by the front end and shared by every plan.
 *
 * The ROM stage and the fw_cfg stage both read firmware.d.  Reading and parsing
 * it on every plan was most of a warm in-process plan (bench/run), and a CLI run
 * listed the directory twice; with a FwnegPlanData in FwnegPlanInputs.data the
 * stages use this copy instead.  Without one (tests, older callers) each stage
 * still reads the directory itself, with the same results.
 */
#pragma once

#include <glib.h>
#include "feature-domain.h"
#include "fwneg-options.h"

G_BEGIN_DECLS

typedef struct {
    char *rom_sets_dir;          /* host path the ROM sets were read from */
    GPtrArray *rom_sets;         /* FwnegRomSet*, sorted by file name */
    GPtrArray *rom_set_warnings; /* char*: broken ROM sets, added to every plan's warnings */
    char *feature_dir;           /* host path of the fw_cfg feature data */
    /* NULL when it could not be loaded; the fw_cfg stage then fails with
     * features_error, as it would have reading the directory itself.  Loading
     * never fails here: verbs that stop before the fw_cfg stage (explain of a
     * refused guest) must not fail on it. */
    FwnegFeatureData *features;
    GError *features_error;
    /* Names and stat identities of the files read: equal fingerprints mean a
     * reload would read the same data. */
    char *fingerprint;
} FwnegPlanData;

/* Load firmware.d for @options (ROM sets from options->rom_sets_dir or
 * DATA_DIR/firmware.d, feature data from DATA_DIR/firmware.d), listing a
 * directory shared by both only once.  Never NULL. */
FwnegPlanData *fwneg_plan_data_load(const FwnegOptions *options);
void fwneg_plan_data_free(FwnegPlanData *data);

/* The fingerprint the data for @options would have if loaded now (lists and
 * stats the directories, reads nothing). */
char *fwneg_plan_data_fingerprint(const FwnegOptions *options);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegPlanData, fwneg_plan_data_free)

G_END_DECLS

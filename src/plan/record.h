/* record.h: the per-VM record — what fwneg decided for a VM, kept so a later
 * start or a migration target reproduces it.  The record is the plan itself,
 * in its fwneg-plan/1 JSON form, at STATE_DIR/vms/<uuid>.json (written
 * atomically), and the same plan travels inside the domain XML's <metadata>.
 */
#pragma once

#include <glib.h>
#include "plan.h"

G_BEGIN_DECLS

#define FWNEG_RECORD_SUBDIR "vms"

/* STATE_DIR/vms/<uuid>.json */
char *fwneg_record_path(const char *state_dir, const char *uuid);

/* Write @plan as the record of its VM (plan->uuid), atomically. */
gboolean fwneg_record_write(const char *state_dir, const FwnegPlan *plan, GError **error);

/* Commit a VM (what `fwneg record` and the hook do): copy every ROM of @plan
 * into the store (STATE_DIR/roms/<sha256>, refusing a file whose bytes changed
 * since planning), set each ROM's store_file, then write the record. */
gboolean fwneg_record_commit(const char *state_dir, FwnegPlan *plan, GError **error);

/* Parse fwneg-plan/1 JSON back into a plan (the inverse of fwneg_plan_to_json). */
FwnegPlan *fwneg_plan_from_json(const char *data, gsize len, const char *source_name,
                                GError **error);

/* Read a record file (bounded size). */
FwnegPlan *fwneg_record_read_file(const char *path, GError **error);

/* Parse the <fwneg:plan> element (FwnegDomain.fwneg_metadata) back into a plan. */
FwnegPlan *fwneg_plan_from_metadata(const char *metadata_xml, const char *source_name,
                                    GError **error);

G_END_DECLS

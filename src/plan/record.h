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

/* Note which descriptors decided @plan's firmware (plan->decided_by): the
 * chosen one and every entry of @descriptors (the engine's merged set) sorted
 * before it, with the sha256 of each file.  A plan whose firmware did not come
 * from a descriptor gets an empty list.  (record-descriptors.c) */
gboolean fwneg_plan_note_descriptors(FwnegPlan *plan, GPtrArray *descriptors,
                                     const FwnegOptions *options, GError **error);

/* What changed in this host's descriptor set (@descriptors) since @recorded
 * noted it: one line per change appended to @changes (char*). */
void fwneg_plan_compare_descriptors(const FwnegPlan *recorded, GPtrArray *descriptors,
                                    const FwnegOptions *options, GPtrArray *changes);

/* The highest <fwneg:plan version> / fwneg-plan/N schema this fwneg reads.  A
 * record written by a newer fwneg is refused with FWNEG_ERROR_UNSATISFIABLE
 * and a message that says so (never read as damaged). */
#define FWNEG_RECORD_VERSION 1

G_END_DECLS

/* migrate-check.h: can this host reproduce what a VM was recorded with?
 *
 * `fwneg migrate-check` builds the plan for the VM on this (target) host and
 * hands both plans to one checker per aspect.  Each checker appends findings
 * and, where it can make the target match (e.g. pin a ROM size), the QEMU
 * arguments or XML changes that do it.  Migrated firmware keeps running after
 * a guest reboot, so every recorded size, name and byte must be reproduced.
 */
#pragma once

#include <glib.h>
#include "fwneg-options.h"
#include "plan.h"

G_BEGIN_DECLS

typedef enum {
    FWNEG_MIGRATE_SAME,     /* reproduced as recorded */
    FWNEG_MIGRATE_ADJUSTED, /* reproduced after the adjustment in qemu_args / the plan */
    FWNEG_MIGRATE_REFUSED,  /* cannot be reproduced: migration must not start */
} FwnegMigrateVerdict;

typedef struct {
    char *aspect;  /* "rom" | "fw_cfg" | "firmware" */
    char *subject; /* device alias, fw_cfg name, … */
    FwnegMigrateVerdict verdict;
    char *message; /* one line: what was recorded, what is here, what to do */
} FwnegMigrateFinding;

void fwneg_migrate_finding_free(FwnegMigrateFinding *finding);

typedef struct {
    const FwnegPlan *recorded; /* from the record or the domain's <metadata> */
    FwnegPlan *local;          /* this host's plan; checkers may adjust it (e.g. pin ROMs) */
    const FwnegOptions *options;
    GPtrArray *findings;  /* FwnegMigrateFinding* */
    GPtrArray *qemu_args; /* char*: extra QEMU arguments that make the target match */
    /* This host's descriptor set, for finding a local NVRAM template for the
     * recorded firmware (NULL: no replacement is looked for). */
    GPtrArray *descriptors;
} FwnegMigrateCheck;

/* Appends a finding about @subject of @aspect ("rom", "fw_cfg", …) to
 * @check->findings; the message is @format with its arguments. */
void fwneg_migrate_check_add(FwnegMigrateCheck *check, const char *aspect, const char *subject,
                             FwnegMigrateVerdict verdict, const char *format, ...)
    G_GNUC_PRINTF(5, 6);

/* Aspect checkers, one file each. */
void fwneg_migrate_check_roms(FwnegMigrateCheck *check);   /* migrate-check-roms.c */
void fwneg_migrate_check_fw_cfg(FwnegMigrateCheck *check); /* migrate-check-fw-cfg.c */
/* The recorded firmware executable and NVRAM template exist here (a missing
 * template may be replaced by the one a local descriptor pairs with the same
 * executable: then check->local->firmware->nvram_template names it). */
void fwneg_migrate_check_firmware(FwnegMigrateCheck *check); /* migrate-check-firmware.c */

/* Before planning a migration target: a NIC's <rom file> that does not exist
 * on this host is the source's path (its ROM store, its package's file), so
 * the NIC is planned with this host's own ROM instead; the checkers then find
 * the way to the recorded size.  Returns how many were dropped. */
guint fwneg_migrate_drop_foreign_roms(FwnegDomain *domain, const FwnegOptions *options);

/* fwneg's own fw_cfg files (origin "fwneg") follow from the firmware the guest
 * was planned with.  When the record's firmware came from a descriptor and
 * @local's from the domain's own <loader> — what `fwneg apply` defines: libvirt
 * 9.0 consults no descriptor for a pinned loader, so neither does the planner —
 * this host's plan cannot know their bytes, and they are reproduced from the
 * record: @local's fwneg files are replaced by the recorded ones at this host's
 * paths (STATE_DIR/fwcfg/<uuid>/<name>, in QEMU's name order) and the file slots
 * recounted.  Otherwise both plans derive them the same way and the fw_cfg
 * checker compares the bytes (a difference means another config or data). */
void fwneg_plan_adopt_recorded_fw_cfg(FwnegPlan *local, const FwnegPlan *recorded,
                                      const char *state_dir);

/* Did any finding refuse? */
gboolean fwneg_migrate_check_refused(const FwnegMigrateCheck *check);

/* The domain XML a migration target (or a restore) runs, for libvirt's
 * migrate/restore hook (migrate-target.c): @xml with what the checkers
 * adjusted written in — each adjusted NIC's <rom file> (store copy or local
 * ROM; enabled='no' for a ROM turned off), a <qemu:override> romsize where the
 * size is pinned, fwneg's fw_cfg <sysinfo> entries pointing at this host's
 * files, a replaced NVRAM template — and the <fwneg:plan> record updated to
 * the ROMs this host gives (RAM block sizes and fw_cfg bytes unchanged).
 * libvirt's ABI check accepts all of these (integration-style.md §1.4).
 * *@changed is FALSE when nothing differs: the caller then prints nothing,
 * so libvirt keeps its XML and does not taint the guest. */
char *fwneg_migrate_target_xml(const FwnegMigrateCheck *check, const FwnegDomain *domain,
                               const char *xml, gsize xml_len, gboolean *changed, GError **error);

G_END_DECLS

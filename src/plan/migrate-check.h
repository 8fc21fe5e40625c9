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
} FwnegMigrateCheck;

/* Appends a finding about @subject of @aspect ("rom", "fw_cfg", …) to
 * @check->findings; the message is @format with its arguments. */
void fwneg_migrate_check_add(FwnegMigrateCheck *check, const char *aspect, const char *subject,
                             FwnegMigrateVerdict verdict, const char *format, ...)
    G_GNUC_PRINTF(5, 6);

/* Aspect checkers, one file each. */
void fwneg_migrate_check_roms(FwnegMigrateCheck *check);   /* migrate-check-roms.c */
void fwneg_migrate_check_fw_cfg(FwnegMigrateCheck *check); /* migrate-check-fw-cfg.c */

G_END_DECLS

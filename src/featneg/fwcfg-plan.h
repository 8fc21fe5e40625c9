/* fwcfg-plan.h: the fw_cfg stage of the planner: QEMU's own fw_cfg files whose
 * bytes depend on the guest (feature bitmaps, the boot menu wait), fwneg's
 * advertisements (origin "fwneg"), and the fw_cfg file slot budget.
 *
 * Planning is a query: it computes the bytes and the path each fwneg file will
 * have (STATE_DIR/fwcfg/<uuid>/<fw_cfg name>) but writes nothing.  The files are
 * written by fwneg_fwcfg_write_files(), which `fwneg plan --output=xml|qemu-args`
 * (the outputs that point QEMU/libvirt at them) and the record call.
 */
#pragma once

#include <glib.h>
#include "domain.h"
#include "feature-domain.h"
#include "firmware-match.h"
#include "fwneg-options.h"

G_BEGIN_DECLS

#define FWNEG_FWCFG_STATE_SUBDIR "fwcfg"

/* One fw_cfg file the guest will see. */
typedef struct {
    char *name;
    char *origin; /* "qemu" | "fwneg" */
    GBytes *data;
    /* origin "fwneg": where the bytes are written for -fw_cfg name=…,file=… and
     * <sysinfo type='fwcfg'> (STATE_DIR/fwcfg/<uuid>/<name>); NULL for "qemu". */
    char *file;
} FwnegFwCfgFile;

void fwneg_fwcfg_file_free(FwnegFwCfgFile *file);

/* The stage's result. */
typedef struct {
    GPtrArray *files; /* FwnegFwCfgFile*, sorted by name as QEMU orders them */
    /* QEMU's file slot limit for the machine type (32, 16 on <= 2.8) and how many
     * files the guest will have (QEMU's own, ROMs in genroms/, fwneg's). */
    guint slots;
    guint slots_used;
    /* The state dir the fwneg files are placed under (their paths start with it),
     * so writers can refuse symlinks at every level below it. */
    char *state_dir;
} FwnegFwCfgSet;

void fwneg_fwcfg_set_free(FwnegFwCfgSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegFwCfgSet, fwneg_fwcfg_set_free)

/* What the stage needs besides the domain. */
typedef struct {
    const FwnegOptions *options;
    const FwnegFeatureData *data; /* firmware.d's feature domains */
    const char *qemu_version;     /* of the emulator (NULL: implied by the machine type) */
    const FwnegFirmwareChoice *firmware; /* NULL: none chosen */
    /* Names of the option ROMs QEMU puts in fw_cfg as genroms/NAME (ROMs without
     * a ROM BAR), counted against the slot budget. */
    GPtrArray *genroms; /* char* */
} FwnegFwCfgInputs;

FwnegFwCfgSet *fwneg_fwcfg_plan(const FwnegDomain *domain, const char *canonical_machine,
                                const FwnegFwCfgInputs *inputs, GPtrArray *warnings,
                                GError **error);

/* The directory feature data is read from: OPTIONS.data_dir (else FWNEG_DATADIR)/firmware.d. */
char *fwneg_fwcfg_feature_dir(const FwnegOptions *options);

/* The evaluation context of a guest: machine, QEMU version, guest settings and the
 * chosen firmware's features. */
FwnegFeatureContext *fwneg_fwcfg_context_new(const FwnegDomain *domain,
                                             const FwnegFirmwareChoice *firmware,
                                             const char *qemu_version,
                                             const char *canonical_machine);

/* Write every file of @files that has a path (origin "fwneg") atomically;
 * directories 0755 and files 0644 so the QEMU user can read them.  Paths under
 * @state_dir are created level by level refusing symlinks.  A file that already
 * holds the bytes is left alone.  FWNEG_ERROR_IO names the path. */
gboolean fwneg_fwcfg_write_files(GPtrArray *files, const char *state_dir, GError **error);

G_END_DECLS

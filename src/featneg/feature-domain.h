/* feature-domain.h: fw_cfg feature domains and the other fw_cfg facts fwneg
 * predicts, read from data/firmware.d/feature-*.json (installed to
 * FWNEG_DATADIR/firmware.d).  One file holds one "kind":
 *
 *   feature-domain     named bits of one little-endian u64 bitmap: which machine
 *                      types (and QEMU versions) offer each bit, the bits it needs,
 *                      the guest settings / descriptor features it requires or is
 *                      excluded by, and where the bitmap lives — published by QEMU
 *                      (etc/smi/supported-features + requested + features-ok) or by
 *                      fwneg (one u64 word of an opt/ file, see fwcfg-layout.h);
 *   ovmf-knobs         OVMF runtime settings ([ovmf] in the config) → opt/org.tianocore/…;
 *   qemu-fw-cfg-files  the files QEMU creates by itself per machine type, and the
 *                      file slot limit, for the slot budget.
 *
 * Conditions are strings "guest:NAME" (a guest setting, FWNEG_FEATURE_GUEST_SETTINGS)
 * or "feature:NAME" (a feature of the chosen firmware descriptor).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Guest settings a condition may name ("guest:uefi", …). */
#define FWNEG_FEATURE_GUEST_SETTINGS                                                               \
    "uefi", "bios", "smm", "sev", "acpi", "direct-kernel", "boot-menu-timeout", "ramfb", "s3", "s4"

/* Where an offer applies: machine types matching a glob, optionally within an
 * inclusive version range of the machine type's version suffix, when conditions hold. */
typedef struct {
    char *machine; /* glob on the canonical machine type, e.g. "pc-q35-*" */
    gboolean has_since, has_until;
    int since[3], until[3];
    GPtrArray *requires; /* char* conditions, all must hold */
} FwnegMachineOffer;

typedef struct {
    char *name;
    guint bit; /* 0..63 */
    char *description;
    GPtrArray *requires_bits; /* char*: names of bits this one needs */
    GPtrArray *offered_by;    /* FwnegMachineOffer*: any may match */
    GPtrArray *requires;      /* char* conditions, all must hold */
    GPtrArray *excludes;      /* char* conditions, none may hold */
    gboolean has_qemu_since;
    int qemu_since[3];
} FwnegFeatureBit;

typedef enum {
    FWNEG_FEATURE_PUBLISHER_QEMU,
    FWNEG_FEATURE_PUBLISHER_FWNEG,
} FwnegFeaturePublisher;

typedef struct {
    char *name;
    char *description;
    char *source; /* file it was read from */
    FwnegFeaturePublisher publisher;
    /* publisher qemu: the SMI-style triple */
    char *supported_file, *requested_file, *features_ok_file;
    /* publisher fwneg: the opt/ file and the u64 word index in it (>= 1) */
    char *file;
    guint word;
    GPtrArray *bits; /* FwnegFeatureBit*, in file order */
} FwnegFeatureDomain;

typedef struct {
    char *setting;        /* [ovmf] key */
    char *fw_cfg;         /* opt/org.tianocore/… */
    char *default_value;  /* "auto" or NULL (not emitted unless set) */
    char *auto_value;     /* value "auto" stands for when auto_when holds */
    GPtrArray *auto_when; /* char* conditions */
} FwnegOvmfKnob;

typedef struct {
    char *name;
    GPtrArray *present; /* FwnegMachineOffer* */
} FwnegQemuFile;

typedef struct {
    FwnegMachineOffer *offer;
    guint slots;
} FwnegSlotRule;

typedef struct {
    GPtrArray *domains;       /* FwnegFeatureDomain* */
    GPtrArray *ovmf_knobs;    /* FwnegOvmfKnob* */
    GPtrArray *ovmf_machines; /* FwnegMachineOffer*: where the knobs apply */
    GPtrArray *ovmf_requires; /* char* conditions */
    GPtrArray *qemu_files;    /* FwnegQemuFile* */
    GPtrArray *slot_rules;    /* FwnegSlotRule*, first match wins */
} FwnegFeatureData;

FwnegFeatureData *fwneg_feature_data_new(void);
void fwneg_feature_data_free(FwnegFeatureData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegFeatureData, fwneg_feature_data_free)

/* Parse one feature-*.json document into @data.  Errors are FWNEG_ERROR_INVALID_INPUT
 * naming @source, the member and the value. */
gboolean fwneg_feature_data_parse(FwnegFeatureData *data, const char *source, const char *json,
                                  gsize len, GError **error);

/* Read every feature-*.json in @dir (sorted by name) and check the result as a
 * whole (unique domain names, no two fwneg domains on the same word).  A missing
 * @dir is FWNEG_ERROR_HOST saying how to point fwneg at its data. */
FwnegFeatureData *fwneg_feature_data_load_dir(const char *dir, GError **error);
/* The same over a listing of @dir the caller already has (@names: entry names;
 * only feature-*.json are read), so firmware.d is listed once per run. */
FwnegFeatureData *fwneg_feature_data_load_names(const char *dir, GPtrArray *names, GError **error);

const FwnegFeatureDomain *fwneg_feature_data_find_domain(const FwnegFeatureData *data,
                                                         const char *name);
const FwnegFeatureBit *fwneg_feature_domain_find_bit(const FwnegFeatureDomain *domain,
                                                     const char *name);

/* ---- evaluation (feature-domain-eval.c) ---- */

/* What the evaluation looks at: the canonical machine type, the QEMU version,
 * the guest settings that hold and the chosen descriptor's features. */
typedef struct {
    char *machine;
    gboolean machine_version_known;
    int machine_version[3];
    gboolean qemu_version_known;
    int qemu_version[3];
    GPtrArray *settings; /* char*: guest settings that hold */
    GPtrArray *features; /* char*: descriptor features */
} FwnegFeatureContext;

/* @qemu_version may be NULL (unknown: "qemu-since" is then not checked). */
FwnegFeatureContext *fwneg_feature_context_new(const char *machine, const char *qemu_version);
void fwneg_feature_context_free(FwnegFeatureContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegFeatureContext, fwneg_feature_context_free)
void fwneg_feature_context_set(FwnegFeatureContext *ctx, const char *setting);
void fwneg_feature_context_add_feature(FwnegFeatureContext *ctx, const char *feature);

gboolean fwneg_feature_condition_holds(const FwnegFeatureContext *ctx, const char *condition);
gboolean fwneg_feature_conditions_all(const FwnegFeatureContext *ctx, const GPtrArray *conditions);

/* Does any offer match?  *@undecidable (may be NULL) is set when an offer's glob
 * matched but the machine type has no version to compare (e.g. a distro's
 * pc-q35-rhel9.2.0): the prediction is then unknown, not "absent". */
gboolean fwneg_machine_offers_match(const GPtrArray *offers, const FwnegFeatureContext *ctx,
                                    gboolean *undecidable);

/* The bitmap @domain offers in @ctx: every bit whose offer, conditions and QEMU
 * version hold, then dropping bits whose required bits are missing (to a fixpoint,
 * as QEMU refuses e.g. hot-unplug without hotplug). */
guint64 fwneg_feature_domain_evaluate(const FwnegFeatureDomain *domain,
                                      const FwnegFeatureContext *ctx, gboolean *undecidable);

/* Names of the files QEMU creates by itself (char*, data order), and the slot limit
 * (0 when no rule matches). */
GPtrArray *fwneg_feature_data_qemu_files(const FwnegFeatureData *data,
                                         const FwnegFeatureContext *ctx, gboolean *undecidable);
guint fwneg_feature_data_file_slots(const FwnegFeatureData *data, const FwnegFeatureContext *ctx);

G_END_DECLS

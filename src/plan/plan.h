/* plan.h: everything fwneg decides for one guest, in one struct, assembled
 * from the results of the stages (firmware/, rompolicy/, bootorder/, featneg/).
 * Writers (plan-json.c, plan-text.c, plan-xml.c, plan-qemu-args.c) only format it.
 */
#pragma once

#include <glib.h>
#include "domain.h"
#include "fwneg-options.h"
#include "host-facts.h"
#include "bootorder-plan.h"
#include "firmware-match.h"
#include "fwcfg-plan.h"
#include "plan-data.h"
#include "rom-plan.h"

G_BEGIN_DECLS

#define FWNEG_PLAN_SCHEMA "fwneg-plan/1"
/* Versioned namespace of fwneg's <metadata> element (version in the URI). */
#define FWNEG_METADATA_NS     "https://fwneg.org/xmlns/fwneg/1"
#define FWNEG_METADATA_PREFIX "fwneg"
/* libvirt 9.0 qemu.conf default nvram_dir (per-VM NVRAM files NAME_VARS.fd live here). */
#define FWNEG_LIBVIRT_NVRAM_DIR "/var/lib/libvirt/qemu/nvram"

/* A part of the plan that needs libvirt's defined XML (the addresses and
 * devices libvirt assigns at `virsh define`): JSON shows it as null. */
typedef struct {
    char *part;   /* "bootorder", "roms[1].ramblock" */
    char *reason; /* what libvirt has yet to assign */
} FwnegPendingPart;

void fwneg_pending_part_free(FwnegPendingPart *pending);

typedef struct {
    /* domain */
    char *name, *uuid, *arch;
    char *machine;           /* canonical */
    char *machine_requested; /* as written (NULL when absent) */
    char *qemu_version;

    FwnegFirmwareChoice *firmware;
    /* Per-VM NVRAM file for split flash: the domain's <nvram> path, else libvirt's
     * default NVRAM_DIR/NAME_VARS.fd; NULL when the firmware has no NVRAM. */
    char *nvram_path;
    GPtrArray *roms;      /* FwnegDeviceRom* */
    GPtrArray *bootorder; /* char*: lines of fw_cfg bootorder */
    /* The bootorder lines before HALT with their devices; boot_strict: libvirt's
     * -boot strict=on (set by the boot-order stage); boot_menu and
     * boot_menu_timeout (ms, FWNEG_UNSET when none): -boot menu=…,splash-time=…. */
    GPtrArray *boot_entries; /* FwnegBootEntry* */
    gboolean boot_strict;
    FwnegTristate boot_menu;
    int boot_menu_timeout;
    GPtrArray *fw_cfg; /* FwnegFwCfgFile* */
    /* fw_cfg file slots: QEMU's limit for the machine type (32, 16 on <= 2.8) and
     * how many files the guest will have (QEMU's own for the machine and devices,
     * ROMs in genroms/, and fwneg's); 0/0 when the fw_cfg stage did not run. */
    guint fw_cfg_slots;
    guint fw_cfg_slots_used;
    /* The state dir fwneg's fw_cfg files were placed under (their paths start with
     * it), so writers can refuse symlinks at every level below it; NULL when none. */
    char *fw_cfg_state_dir;
    gboolean has_fdt;
    char *fdt_file;
    GPtrArray *fdt_nodes; /* char* */

    GPtrArray *warnings; /* char*: shown on stderr by the CLI */
    GPtrArray *pending;  /* FwnegPendingPart*: empty for libvirt's defined XML */

    /* The descriptors that decided the firmware, noted when the plan is recorded
     * (fwneg_plan_note_descriptors): FwnegDescriptorNote*, NULL when not noted. */
    GPtrArray *decided_by;
} FwnegPlan;

/* The reason @part ("bootorder", "roms[N].ramblock") is pending, or NULL. */
const char *fwneg_plan_pending_reason(const FwnegPlan *plan, const char *part);

/* One descriptor file that took part in choosing the firmware: the chosen one
 * and every one sorted before it (first match wins, so each of them could
 * have won).  A later start or a migration target compares them with its own
 * set to tell the operator which one changed. */
typedef struct {
    char *name;   /* basename: the merge and sort key */
    char *path;   /* the effective file, as the host sees it */
    char *sha256; /* of its bytes; NULL when the name is masked (0-byte file) */
} FwnegDescriptorNote;

void fwneg_descriptor_note_free(FwnegDescriptorNote *note);

/* An empty plan: every array allocated (empty), every string NULL. */
FwnegPlan *fwneg_plan_new(void);
void fwneg_plan_free(FwnegPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegPlan, fwneg_plan_free)

/* Inputs the planner needs besides the domain (loaded once; reusable across plans). */
typedef struct {
    const FwnegOptions *options;
    const FwnegHostFacts *facts; /* for the domain's emulator / arch */
    GPtrArray *descriptors;      /* FwnegDescriptorEntry*, from the store */
    /* firmware.d loaded once (fwneg_plan_data_load, for the same options); NULL:
     * read for this plan. */
    const FwnegPlanData *data;
    /* sha256 cache of ROM files, kept by the caller (the engine); NULL: this plan
     * opens the state dir's cache file and saves it. */
    FwnegRomHashCache *rom_hash_cache;
} FwnegPlanInputs;

/* Make the plan.  FWNEG_ERROR_UNSATISFIABLE when the guest cannot be satisfied
 * (message says why, per candidate).  With @choice_out, an unsatisfied firmware
 * choice is still handed back for `explain`. */
FwnegPlan *fwneg_plan_build(const FwnegDomain *domain, const FwnegPlanInputs *inputs,
                            FwnegFirmwareChoice **choice_out, GError **error);

/* Writers.  Each returns a newly allocated, NUL-terminated document. */
char *fwneg_plan_to_json(const FwnegPlan *plan);
char *fwneg_plan_to_text(const FwnegPlan *plan);
char *fwneg_plan_to_qemu_args(const FwnegPlan *plan);
/* The input domain XML with the plan applied (<loader>, <nvram template>,
 * <smm>) and recorded in <metadata>.  @xml is the original document text. */
char *fwneg_plan_to_domain_xml(const FwnegPlan *plan, const FwnegDomain *domain, const char *xml,
                               gsize xml_len, GError **error);
/* @xml as fwneg_plan_to_domain_xml() would write it with nothing applied (the
 * same serializer), so a diff of the two shows only what the plan changes. */
char *fwneg_domain_xml_reformat(const FwnegDomain *domain, const char *xml, gsize xml_len,
                                GError **error);

G_END_DECLS

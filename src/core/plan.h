/* plan.h: everything fwneg decides for one guest, in one struct.  Writers
 * (plan-json.c, plan-text.c, plan-xml.c, plan-qemu-args.c) only format it.
 */
#pragma once

#include <glib.h>
#include "domain.h"
#include "fwneg-options.h"
#include "host-facts.h"
#include "firmware-match.h"
#include "plan-data.h"

G_BEGIN_DECLS

#define FWNEG_PLAN_SCHEMA "fwneg-plan/1"
/* Versioned namespace of fwneg's <metadata> element (version in the URI). */
#define FWNEG_METADATA_NS     "https://fwneg.org/xmlns/fwneg/1"
#define FWNEG_METADATA_PREFIX "fwneg"
/* libvirt 9.0 qemu.conf default nvram_dir (per-VM NVRAM files NAME_VARS.fd live here). */
#define FWNEG_LIBVIRT_NVRAM_DIR "/var/lib/libvirt/qemu/nvram"

typedef struct {
    char *device; /* libvirt alias or XML position, e.g. "net0" / "interface[1]" */
    char *model;
    char *ramblock; /* QEMU RAM block id */
    char *file;     /* NULL when none */
    gint64 file_size;
    gint64 size; /* RAM block bytes */
    char *sha256;
    gboolean rombar;
    gboolean size_pinned;   /* size is set with QEMU's romsize= (not the file's pow2 bucket) */
    char *store_file;       /* copy in STATE_DIR/roms/<sha256> to pin <rom file> to, or NULL */
    char *qemu_id;          /* QEMU device id (the libvirt alias), NULL when the XML has none */
    guint interface_number; /* 1-based position among the <interface> elements; 0: not a NIC */
} FwnegPlanRom;

typedef struct {
    char *name;
    char *origin; /* "qemu" | "fwneg" */
    GBytes *data;
    /* origin "fwneg": where the bytes are written for -fw_cfg name=…,file=… and
     * <sysinfo type='fwcfg'> (STATE_DIR/fwcfg/<uuid>/<name>); NULL for "qemu". */
    char *file;
} FwnegPlanFwCfg;

/* One device line of the bootorder file and the libvirt device it comes from. */
typedef struct {
    char *path;    /* the bootorder line */
    char *device;  /* libvirt device label (alias, target dev or MAC); NULL for a ROM (-kernel) */
    char *qemu_id; /* QEMU device id libvirt gives the device (for -set); NULL for ROMs, floppies */
    int bootindex; /* QEMU bootindex */
    int floppy_unit; /* 0/1: bootindexA/B of isa-fdc; -1 for other devices */
} FwnegPlanBootEntry;

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
    GPtrArray *roms;      /* FwnegPlanRom* */
    GPtrArray *bootorder; /* char*: lines of fw_cfg bootorder */
    /* The bootorder lines before HALT with their devices; boot_strict: libvirt's
     * -boot strict=on (set by the boot-order stage); boot_menu and
     * boot_menu_timeout (ms, FWNEG_UNSET when none): -boot menu=…,splash-time=…. */
    GPtrArray *boot_entries; /* FwnegPlanBootEntry* */
    gboolean boot_strict;
    FwnegTristate boot_menu;
    int boot_menu_timeout;
    GPtrArray *fw_cfg; /* FwnegPlanFwCfg* */
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
} FwnegPlan;

/* An empty plan: every array allocated (empty), every string NULL. */
FwnegPlan *fwneg_plan_new(void);
void fwneg_plan_free(FwnegPlan *plan);
void fwneg_plan_rom_free(FwnegPlanRom *rom);
void fwneg_plan_fw_cfg_free(FwnegPlanFwCfg *entry);
void fwneg_plan_boot_entry_free(FwnegPlanBootEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegPlan, fwneg_plan_free)

/* Inputs the planner needs besides the domain (loaded once; reusable across plans). */
typedef struct {
    const FwnegOptions *options;
    const FwnegHostFacts *facts; /* for the domain's emulator / arch */
    GPtrArray *descriptors;      /* FwnegDescriptorEntry*, from the store */
    /* firmware.d loaded once (fwneg_plan_data_load, for the same options); NULL:
     * the ROM and fw_cfg stages read it themselves on every plan. */
    const FwnegPlanData *data;
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

G_END_DECLS

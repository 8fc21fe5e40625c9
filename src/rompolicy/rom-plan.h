/* rom-plan.h: the option-ROM stage of the planner.  For every NIC and video
 * device it decides the ROM file by the chosen policy and says what QEMU will
 * make of it (FwnegDeviceRom).  It reads the domain, the options, the firmware
 * interface already chosen and fwneg's ROM sets; it knows nothing of plans.
 */
#pragma once

#include <glib.h>
#include "domain.h"
#include "fwneg-options.h"
#include "rom-image.h"

G_BEGIN_DECLS

/* The ROM one device gets. */
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
    /* Why ramblock is not known yet (the device or a controller on its path has
     * no address until libvirt defines the guest); NULL otherwise. */
    char *ramblock_pending;
} FwnegDeviceRom;

void fwneg_device_rom_free(FwnegDeviceRom *rom);

/* The fw_cfg file QEMU makes of a ROM without a ROM BAR (rombar=0: QEMU's
 * rom_add_option puts it in fw_cfg as genroms/<basename>), or NULL. */
char *fwneg_device_rom_fw_cfg_name(const FwnegDeviceRom *rom);

/* What the stage needs besides the domain. */
typedef struct {
    const FwnegOptions *options;
    /* Interface of the chosen firmware ("bios" | "uefi"), NULL when none. */
    const char *firmware_interface;
    /* fwneg's ROM sets (FwnegRomSet*, sorted by file name) and the directory they
     * were read from (named in messages). */
    GPtrArray *rom_sets;
    const char *rom_sets_dir;
    /* sha256 cache of ROM files; NULL hashes every file.  The caller saves it. */
    FwnegRomHashCache *hash_cache;
} FwnegRomPlanInputs;

/* The ROM of every NIC and video device (FwnegDeviceRom*, in device order).
 * Warnings (a malformed ROM QEMU would load anyway, an unknown RAM block name)
 * are appended to @warnings.  NULL with FWNEG_ERROR_UNSATISFIABLE when a ROM
 * cannot be found or does not fit. */
GPtrArray *fwneg_rom_plan(const FwnegDomain *domain, const char *canonical_machine,
                          const FwnegRomPlanInputs *inputs, GPtrArray *warnings, GError **error);

/* The ROM search path in effect (host paths, first match wins): --rom-dir, else
 * /usr/share/qemu-TARGET (default policy only) then QEMU's firmware path. */
GPtrArray *fwneg_rom_search_path(const FwnegOptions *options, const char *arch,
                                 gboolean qemu_policy);
/* The ROM set descriptor directory in effect. */
char *fwneg_rom_sets_dir(const FwnegOptions *options);
/* STATE_DIR/cache/rom-sha256.json, or NULL when caches are off. */
char *fwneg_rom_hash_cache_file(const FwnegOptions *options);

G_END_DECLS

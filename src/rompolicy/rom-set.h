/* rom-set.h: fwneg's ROM set descriptors (data/firmware.d/rom-*.json, format in
 * data/firmware.d/README.md): which ROM files a NIC gets, per guest
 * architecture and firmware interface, and the largest ROM BAR the set may use.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    char *path; /* descriptor file */
    char *description;
    GPtrArray *architectures; /* char*: libvirt arch names */
    GPtrArray *interfaces;    /* char*: bios | uefi */
    gint64 max_size;          /* largest RAM block (power of two) */
    GHashTable *files;        /* NIC model -> ROM file name */
} FwnegRomSet;

void fwneg_rom_set_free(FwnegRomSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegRomSet, fwneg_rom_set_free)

/* Parse one descriptor; errors (FWNEG_ERROR_INVALID_INPUT) name the file and member. */
FwnegRomSet *fwneg_rom_set_parse(const char *data, gsize len, const char *path, GError **error);

/* All rom-*.json in @dir (read inside @sysroot), sorted by file name.  A broken
 * file is skipped with a warning in @warnings; a missing dir is an empty list. */
GPtrArray *fwneg_rom_sets_load(const char *dir, const char *sysroot, GPtrArray *warnings);
/* The same over a directory listing the caller already has (@names: every
 * entry name of @dir, read at @real_dir; non-rom-*.json names are ignored), so
 * firmware.d is listed once for the ROM sets and the feature data (plan-data.c). */
GPtrArray *fwneg_rom_sets_load_names(const char *dir, const char *real_dir, GPtrArray *names,
                                     GPtrArray *warnings);

/* Does @set apply to a guest of @arch with firmware @interface (NULL = any)? */
gboolean fwneg_rom_set_applies(const FwnegRomSet *set, const char *arch, const char *interface);

G_END_DECLS

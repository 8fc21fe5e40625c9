/* descriptor-store.h: the effective set of firmware descriptors on a host.
 *
 * libvirt's discovery rules (qemuInteropFetchConfigs): directories lowest
 * priority first; dot files skipped; non-regular files skipped; a later
 * directory's file replaces a same-named one; a 0-byte file masks; the result is
 * sorted by basename with strcmp.  Unparseable files are kept as BROKEN entries
 * (libvirt skips them silently; fwneg skips them with a warning).
 */
#pragma once

#include <glib.h>
#include "descriptor-cache.h"
#include "firmware-descriptor.h"

G_BEGIN_DECLS

typedef enum {
    FWNEG_DESCRIPTOR_OK,
    FWNEG_DESCRIPTOR_MASKED, /* 0-byte file hides lower-priority ones */
    FWNEG_DESCRIPTOR_BROKEN, /* could not be read or parsed */
} FwnegDescriptorState;

typedef struct {
    char *name; /* basename */
    char *path; /* effective file, as the host sees it */
    char *dir;  /* directory it came from, as the host sees it */
    FwnegDescriptorState state;
    char *error;                   /* BROKEN: why */
    FwnegFirmwareDescriptor *desc; /* OK: parsed */
    GPtrArray *overridden;         /* char*: lower-priority paths with the same name */
    /* The file as it was read: device, inode, size, mtime and ctime (ns). */
    char *identity;
} FwnegDescriptorEntry;

void fwneg_descriptor_entry_free(FwnegDescriptorEntry *entry);

/* Are two loaded sets the same files in the same states (names, paths, what
 * each overrides, and each file's identity)?  Then a new load found nothing
 * changed on disk. */
gboolean fwneg_descriptor_sets_equal(GPtrArray *a, GPtrArray *b);

/* Load the merged set.  @dirs are host paths, lowest priority first; @sysroot
 * (NULL for "/") is prepended when reading.  Missing directories are fine.
 * Returns all entries (OK, MASKED, BROKEN) sorted by name. */
GPtrArray *fwneg_descriptor_store_load(GPtrArray *dirs, const char *sysroot, GError **error);

/* The same, taking the parse of unchanged files from @cache (NULL: none) and
 * storing new parses in it; the result is exactly that of an uncached load.
 * The caller saves the cache (fwneg_descriptor_cache_save). */
GPtrArray *fwneg_descriptor_store_load_cached(GPtrArray *dirs, const char *sysroot,
                                              FwnegDescriptorCache *cache, GError **error);

/* World-writable descriptor directories are a warning (anyone could inject firmware).
 * Appends human-readable warnings to @warnings. */
void fwneg_descriptor_store_check_dirs(GPtrArray *dirs, const char *sysroot, GPtrArray *warnings);

G_END_DECLS

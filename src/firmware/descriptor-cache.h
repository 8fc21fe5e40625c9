/* descriptor-cache.h: parsed firmware descriptors kept between runs
 * (STATE_DIR/cache/descriptors.gvariant), so that a plan does not re-parse
 * descriptor files that have not changed.
 *
 * The cache maps one file, identified by the path read and its stat (device,
 * inode, size, mtime and ctime in nanoseconds), to the outcome of parsing it:
 * the descriptor, or the parse error of a broken file.  Discovery (which files,
 * which directory wins, masking, order) is never cached: descriptor-store.c
 * lists the directories and stats every file on every load, and asks the cache
 * only for the parse.  So a cached load returns exactly what an uncached one
 * would.
 *
 * The file is a GVariant mapped read-only (loading costs one mmap and an index).
 * A missing, unreadable, foreign-owned, group/world-writable or corrupt cache is
 * ignored, never an error; it is rewritten atomically only when its content would
 * change.
 */
#pragma once

#include <glib.h>
#include <sys/stat.h>

#include "firmware-descriptor.h"

G_BEGIN_DECLS

#define FWNEG_DESCRIPTOR_CACHE_FILE "descriptors.gvariant"

/* Files changed less than this long before the cache was opened are not stored:
 * a file rewritten within one timestamp tick (2 s on the coarsest file systems)
 * could keep its stat, so its entry could go stale unnoticed. */
#define FWNEG_DESCRIPTOR_CACHE_RACY_NS (G_GINT64_CONSTANT(2) * 1000000000)

typedef struct _FwnegDescriptorCache FwnegDescriptorCache;

/* Open the cache at @path (NULL: a cache that never hits and never saves). */
FwnegDescriptorCache *fwneg_descriptor_cache_open(const char *path);
void fwneg_descriptor_cache_free(FwnegDescriptorCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegDescriptorCache, fwneg_descriptor_cache_free)

/* The parse outcome of the file at @real_path (as read, sysroot included),
 * named @host_path in messages, whose stat is @st.  On a hit, TRUE with either
 * *@desc_out (a new descriptor, path @host_path) or *@error_out (the broken
 * file's message, without the path) set. */
gboolean fwneg_descriptor_cache_lookup(FwnegDescriptorCache *cache, const char *real_path,
                                       const char *host_path, const struct stat *st,
                                       FwnegFirmwareDescriptor **desc_out, char **error_out);

/* Remember a parse outcome (@desc, or @error_message for a broken file) for the
 * next save.  Files changed within FWNEG_DESCRIPTOR_CACHE_RACY_NS are skipped. */
void fwneg_descriptor_cache_store(FwnegDescriptorCache *cache, const char *real_path,
                                  const char *host_path, const struct stat *st,
                                  const FwnegFirmwareDescriptor *desc, const char *error_message);

/* Write the cache (atomically) if its content changed: entries stored, or entries
 * of the old file no longer looked up (files removed, masked, changed).  The new
 * cache holds exactly the files looked up or stored since it was opened. */
gboolean fwneg_descriptor_cache_save(FwnegDescriptorCache *cache, GError **error);

/* Counters since open (tests, bench/run). */
guint fwneg_descriptor_cache_hits(const FwnegDescriptorCache *cache);
guint fwneg_descriptor_cache_misses(const FwnegDescriptorCache *cache);
/* Did the last save write the file? */
gboolean fwneg_descriptor_cache_wrote(const FwnegDescriptorCache *cache);

/* Tests: change the racy window (FWNEG_DESCRIPTOR_CACHE_RACY_NS) so files made
 * a moment ago can be cached without sleeping. */
void fwneg_descriptor_cache_set_racy_window(FwnegDescriptorCache *cache, gint64 ns);

G_END_DECLS

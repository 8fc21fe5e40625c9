/* rom-image.h: read one option ROM file: size, sha256, and whether it is a
 * well-formed PCI expansion ROM (55 AA signature, image chain within the file).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* QEMU refuses ROM files of 2 GiB and more; fwneg reads ROMs into memory and
 * refuses anything beyond this (real ROMs are < 1 MiB). */
#define FWNEG_ROM_MAX_BYTES (16 * 1024 * 1024)

typedef struct {
    gint64 file_size;
    gint64 mtime_usec;
    char *sha256;
    char *layout_error; /* why it is not a well-formed PCI option ROM, NULL when it is */
    GBytes *contents;   /* NULL unless asked for */
} FwnegRomImage;

void fwneg_rom_image_free(FwnegRomImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegRomImage, fwneg_rom_image_free)

/* Open @path once, read it, hash it (GChecksum).  Errors (FWNEG_ERROR_INVALID_INPUT)
 * name @display_path and say what is wrong: missing, unreadable, symlink loop,
 * not a regular file, empty, too large. */
FwnegRomImage *fwneg_rom_image_read(const char *path, const char *display_path,
                                    gboolean keep_contents, GError **error);

/* Is @data a PCI expansion ROM whose image chain fits in it?  FALSE with a
 * reason ("no 0x55AA signature at offset 0", "truncated: …"). */
gboolean fwneg_rom_image_check(const guint8 *data, gsize len, char **reason);

/* QEMU's ROM BAR size for a file of @file_size bytes: the next power of two. */
gint64 fwneg_rom_bucket(gint64 file_size);

/* sha256 cache keyed by path, size and mtime (a JSON file in the state dir's
 * cache), so an unchanged ROM is not hashed again at every plan. */
typedef struct FwnegRomHashCache FwnegRomHashCache;

/* @cache_file may be NULL (no persistence).  A missing or broken file is an empty cache. */
FwnegRomHashCache *fwneg_rom_hash_cache_new(const char *cache_file);
void fwneg_rom_hash_cache_free(FwnegRomHashCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegRomHashCache, fwneg_rom_hash_cache_free)
/* The cached facts of @path when its size and mtime still match, else NULL. */
FwnegRomImage *fwneg_rom_hash_cache_lookup(FwnegRomHashCache *cache, const char *path, gint64 size,
                                           gint64 mtime_usec);
void fwneg_rom_hash_cache_store(FwnegRomHashCache *cache, const char *path,
                                const FwnegRomImage *image);
/* Write the cache back when it changed (best effort: a cache that cannot be
 * written only costs hashing again). */
void fwneg_rom_hash_cache_save(FwnegRomHashCache *cache);
/* Number of files actually hashed through this cache (tests). */
guint fwneg_rom_hash_cache_misses(const FwnegRomHashCache *cache);

/* Size and sha256 of @path, from the cache when unchanged (stat only), else read and hashed. */
FwnegRomImage *fwneg_rom_image_read_cached(FwnegRomHashCache *cache, const char *path,
                                           const char *display_path, GError **error);

G_END_DECLS

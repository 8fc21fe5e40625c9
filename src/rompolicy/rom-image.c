/* rom-image.c: option ROM files — read once, hash, check the PCI ROM layout. */
#include "rom-image.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "atomic-file.h"
#include "fwneg-error.h"

void
fwneg_rom_image_free(FwnegRomImage *image)
{
    if (image == NULL)
        return;
    g_free(image->sha256);
    g_free(image->layout_error);
    g_clear_pointer(&image->contents, g_bytes_unref);
    g_free(image);
}

gint64
fwneg_rom_bucket(gint64 file_size)
{
    gint64 bucket = 1;

    while (bucket < file_size)
        bucket <<= 1;
    return bucket;
}

static gboolean
read_all(int fd, gsize size, guint8 *buffer)
{
    gsize done = 0;

    while (done < size) {
        ssize_t n = read(fd, buffer + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        done += (gsize)n;
    }
    return TRUE;
}

FwnegRomImage *
fwneg_rom_image_read(const char *path, const char *display_path, gboolean keep_contents,
                     GError **error)
{
    const char *name = display_path ? display_path : path;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;

    if (fd < 0) {
        int saved = errno;
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "ROM file %s: %s%s", name,
                    g_strerror(saved),
                    saved == ELOOP    ? " (a symlink loop: fix or remove the link)"
                    : saved == EACCES ? " (make it readable, or choose another ROM)"
                                      : "");
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "ROM file %s: not a regular file", name);
        close(fd);
        return NULL;
    }
    if (st.st_size == 0 || st.st_size > FWNEG_ROM_MAX_BYTES) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "ROM file %s: %s (%" G_GINT64_FORMAT " bytes)", name,
                    st.st_size == 0 ? "empty" : "too large for an option ROM", (gint64)st.st_size);
        close(fd);
        return NULL;
    }
    /* Hash exactly the bytes read through this one descriptor, so what is
     * hashed is what is copied, even if the path is replaced meanwhile. */
    guint8 *buffer = g_malloc(st.st_size);
    gboolean ok = read_all(fd, st.st_size, buffer);
    int saved = errno;
    close(fd);
    if (!ok) {
        g_free(buffer);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "ROM file %s: reading failed (%s)", name,
                    saved ? g_strerror(saved) : "file shrank while reading");
        return NULL;
    }
    FwnegRomImage *image = g_new0(FwnegRomImage, 1);
    image->file_size = st.st_size;
    image->mtime_usec = (gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
    image->sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, buffer, st.st_size);
    /* A bad layout is a fact about the file, not a read error: the policy decides. */
    fwneg_rom_image_check(buffer, st.st_size, &image->layout_error);
    if (keep_contents)
        image->contents = g_bytes_new_take(buffer, st.st_size);
    else
        g_free(buffer);
    return image;
}

static guint
le16(const guint8 *p)
{
    return p[0] | (p[1] << 8);
}

/* PCI Firmware Spec 3.0 §5.1: a chain of images, each starting with 55 AA; the
 * PCI data structure ("PCIR", pointer at +0x18) gives the image length in
 * 512-byte units (+0x10) and the last-image bit (+0x15 bit 7).  Legacy-only
 * images without PCIR give their length in byte 2. */
gboolean
fwneg_rom_image_check(const guint8 *data, gsize len, char **reason)
{
    gsize offset = 0;

    for (guint image = 0;; image++) {
        if (len - offset < 3 || data[offset] != 0x55 || data[offset + 1] != 0xAA) {
            *reason = image == 0 ? g_strdup("not a PCI option ROM: no 0x55AA signature at offset 0")
                                 : g_strdup_printf("image %u at offset %" G_GSIZE_FORMAT
                                                   " has no 0x55AA signature",
                                                   image, offset);
            return FALSE;
        }
        gsize image_len = (gsize)data[offset + 2] * 512;
        gboolean last = TRUE;
        if (len - offset >= 0x1a) {
            gsize pcir = offset + le16(data + offset + 0x18);
            if (pcir + 0x18 <= len && memcmp(data + pcir, "PCIR", 4) == 0) {
                image_len = (gsize)le16(data + pcir + 0x10) * 512;
                last = (data[pcir + 0x15] & 0x80) != 0;
            }
        }
        if (image_len == 0) {
            *reason = g_strdup_printf(
                "image %u at offset %" G_GSIZE_FORMAT " declares a length of 0", image, offset);
            return FALSE;
        }
        if (image_len > len - offset) {
            *reason = g_strdup_printf("truncated: image %u at offset %" G_GSIZE_FORMAT
                                      " declares %" G_GSIZE_FORMAT
                                      " bytes but the file ends after %" G_GSIZE_FORMAT,
                                      image, offset, image_len, len - offset);
            return FALSE;
        }
        offset += image_len;
        if (last || offset == len)
            return TRUE;
    }
}

/* ---- hash cache ---- */

struct FwnegRomHashCache {
    char *file;
    json_object *entries; /* path -> {size, mtime, sha256} */
    gboolean dirty;
    guint misses;
};

FwnegRomHashCache *
fwneg_rom_hash_cache_new(const char *cache_file)
{
    FwnegRomHashCache *cache = g_new0(FwnegRomHashCache, 1);

    cache->file = g_strdup(cache_file);
    if (cache_file != NULL)
        cache->entries = json_object_from_file(cache_file);
    if (cache->entries == NULL || !json_object_is_type(cache->entries, json_type_object)) {
        json_object_put(cache->entries);
        cache->entries = json_object_new_object();
    }
    return cache;
}

void
fwneg_rom_hash_cache_free(FwnegRomHashCache *cache)
{
    if (cache == NULL)
        return;
    g_free(cache->file);
    json_object_put(cache->entries);
    g_free(cache);
}

static gint64
member_int(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int)
               ? json_object_get_int64(v)
               : -1;
}

static const char *
member_string(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

FwnegRomImage *
fwneg_rom_hash_cache_lookup(FwnegRomHashCache *cache, const char *path, gint64 size,
                            gint64 mtime_usec)
{
    json_object *entry = NULL;

    if (!json_object_object_get_ex(cache->entries, path, &entry) ||
        !json_object_is_type(entry, json_type_object) || member_int(entry, "size") != size ||
        member_int(entry, "mtime-usec") != mtime_usec)
        return NULL;
    const char *sha = member_string(entry, "sha256");
    const char *layout = member_string(entry, "layout");
    if (sha == NULL || strlen(sha) != 64 || layout == NULL)
        return NULL;
    FwnegRomImage *image = g_new0(FwnegRomImage, 1);
    image->file_size = size;
    image->mtime_usec = mtime_usec;
    image->sha256 = g_strdup(sha);
    image->layout_error = strcmp(layout, "ok") == 0 ? NULL : g_strdup(layout);
    return image;
}

void
fwneg_rom_hash_cache_store(FwnegRomHashCache *cache, const char *path, const FwnegRomImage *image)
{
    json_object *entry = json_object_new_object();

    json_object_object_add(entry, "size", json_object_new_int64(image->file_size));
    json_object_object_add(entry, "mtime-usec", json_object_new_int64(image->mtime_usec));
    json_object_object_add(entry, "sha256", json_object_new_string(image->sha256));
    json_object_object_add(
        entry, "layout", json_object_new_string(image->layout_error ? image->layout_error : "ok"));
    json_object_object_add(cache->entries, path, entry);
    cache->dirty = TRUE;
}

void
fwneg_rom_hash_cache_save(FwnegRomHashCache *cache)
{
    if (cache == NULL || cache->file == NULL || !cache->dirty)
        return;
    g_autofree char *dir = g_path_get_dirname(cache->file);
    const char *text = json_object_to_json_string_ext(
        cache->entries, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (fwneg_ensure_state_dir(dir, 0755, NULL))
        fwneg_atomic_write(cache->file, text, strlen(text), 0644, NULL);
    cache->dirty = FALSE;
}

guint
fwneg_rom_hash_cache_misses(const FwnegRomHashCache *cache)
{
    return cache->misses;
}

FwnegRomImage *
fwneg_rom_image_read_cached(FwnegRomHashCache *cache, const char *path, const char *display_path,
                            GError **error)
{
    struct stat st;

    /* stat() follows links like open() does; a changed target changes size or mtime. */
    if (cache != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        gint64 mtime = (gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
        FwnegRomImage *cached = fwneg_rom_hash_cache_lookup(cache, path, st.st_size, mtime);
        if (cached != NULL)
            return cached;
    }
    FwnegRomImage *image = fwneg_rom_image_read(path, display_path, FALSE, error);
    if (image != NULL && cache != NULL) {
        cache->misses++;
        fwneg_rom_hash_cache_store(cache, path, image);
    }
    return image;
}

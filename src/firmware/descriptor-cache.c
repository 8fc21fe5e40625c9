/* descriptor-cache.c: parsed descriptors kept between runs (see descriptor-cache.h).
 *
 * Why a GVariant file: it is read by mapping it, and a lookup reads strings in
 * place, so a warm load of 10,000 descriptors costs the directory listing, one
 * stat per file and building the structs — not json-c parsing, which was 41% of
 * loading them (bench/run).
 *
 * Staleness.  An entry is used only when the file's device, inode, size, mtime
 * and ctime (ns) are those recorded.  ctime cannot be set from user space, so a
 * rewrite that restores size and mtime (cp -p, rsync -t, touch -d) still misses.
 * A file changed within FWNEG_DESCRIPTOR_CACHE_RACY_NS of the cache being opened
 * is never stored: another write in the same timestamp tick could keep every
 * stat field.  The header names the parser build that wrote the cache (the
 * binary's GNU build ID and json-c's version; not /proc/self/exe, which is
 * valgrind's own binary under valgrind): a rebuilt or upgraded fwneg may parse
 * differently, so it starts afresh rather than trust another build's results.
 */
#include "descriptor-cache.h"

#include <elf.h>
#include <fcntl.h>
#include <json-c/json_c_version.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "atomic-file.h"
#include "fwneg-error.h"

#define CACHE_MAGIC "fwneg-descriptor-cache/4"
/* magic, writer (the parser build's identity), the end offset of each record in
 * the data, the data: one record per file,
 *   40 bytes  CachedStat of the file (host byte order: the cache never travels)
 *   REAL\0    the path read (sysroot included)
 *   HOST\0    the path as the host sees it
 *   tokens    the parse outcome (encode_outcome)
 * Why not one GVariant member per field, or an "aay": GVariant's per-member
 * access cost more per descriptor than json-c's parse (measured ~90k
 * instructions a lookup with a member per field, ~5k per g_variant_get_child_value
 * of an "aay"; g_variant_is_normal_form() walks byte strings byte by byte).  Two
 * fixed-element arrays are read in place, and records by a bounds-checked
 * scanner. */
#define FILE_TYPE "(ssatay)"

typedef struct {
    guint64 dev, ino;
    gint64 size, mtime_ns, ctime_ns;
} CachedStat;
G_STATIC_ASSERT(sizeof(CachedStat) == 40);

struct _FwnegDescriptorCache {
    char *path;
    char *writer;        /* this parser build's identity; NULL: caching disabled */
    GVariant *file;      /* the cache as read (mapped), or NULL */
    const guint64 *ends; /* in @file: end offset of each record in @data */
    const char *data;    /* in @file */
    gsize data_len;
    gsize cursor;       /* next record expected: lookups come in the order saved */
    GHashTable *index;  /* real path -> record number + 1; built on the first out-of-order lookup */
    GPtrArray *out;     /* GBytes* records for the next save, in lookup order */
    guint from_file;    /* records of @file carried into @out */
    guint file_entries; /* records in @file */
    gboolean file_stale; /* a cache file exists that must be replaced */
    guint stored;        /* new records in @out */
    guint hits, misses;
    gboolean wrote;
    gint64 opened_ns; /* real time when opened */
    gint64 racy_ns;
};

typedef struct {
    gconstpointer address;
    char *build_id;
} BuildIdSearch;

/* dl_iterate_phdr callback: the GNU build ID of the object holding @address. */
static int
find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
    BuildIdSearch *search = data;
    gboolean holds = FALSE;
    for (int i = 0; i < info->dlpi_phnum && !holds; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        guintptr start = info->dlpi_addr + ph->p_vaddr;
        holds = ph->p_type == PT_LOAD && (guintptr)search->address >= start &&
                (guintptr)search->address < start + ph->p_memsz;
    }
    if (!holds)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const guint8 *note = (const guint8 *)(info->dlpi_addr + ph->p_vaddr);
        const guint8 *end = note + ph->p_memsz;
        while (note + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)note;
            const guint8 *name = note + sizeof *nh;
            const guint8 *desc = name + ((nh->n_namesz + 3) & ~3u);
            if (desc + nh->n_descsz > end)
                break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                GString *id = g_string_new(NULL);
                for (guint j = 0; j < nh->n_descsz; j++)
                    g_string_append_printf(id, "%02x", desc[j]);
                search->build_id = g_string_free(id, FALSE);
                return 1;
            }
            note = desc + ((nh->n_descsz + 3) & ~3u);
        }
    }
    return 1; /* the right object, without a build ID */
}

/* Names the parser build: the GNU build ID of the binary holding it (any code
 * change gives another) and json-c's version.  NULL when there is no build ID:
 * then nothing is cached, rather than trust another build's parse results. */
static char *
parser_identity(void)
{
    BuildIdSearch search = {(gconstpointer)fwneg_firmware_descriptor_parse, NULL};
    dl_iterate_phdr(find_build_id, &search);
    if (search.build_id == NULL)
        return NULL;
    g_autofree char *build_id = search.build_id;
    return g_strdup_printf("build-id %s, json-c %s", build_id, json_c_version());
}

static gint64
stat_ns(const struct timespec *ts)
{
    return (gint64)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* Map @path if it is a regular file we can trust: owned by us or root and not
 * writable by others (it decides which firmware a guest boots). */
static GVariant *
read_cache_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0) ||
        (st.st_mode & (S_IWGRP | S_IWOTH)) || st.st_size == 0) {
        g_debug("%s: not a private regular file; ignored", path);
        close(fd);
        return NULL;
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(GMappedFile) mapped = g_mapped_file_new_from_fd(fd, FALSE, &error);
    close(fd);
    if (mapped == NULL) {
        g_debug("%s: %s; ignored", path, error->message);
        return NULL;
    }
    g_autoptr(GBytes) bytes = g_mapped_file_get_bytes(mapped);
    /* GVariant reads malformed data safely (as default values); each entry is
     * checked when it is used (fwneg_descriptor_cache_lookup). */
    return g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE(FILE_TYPE), bytes, FALSE));
}

FwnegDescriptorCache *
fwneg_descriptor_cache_open(const char *path)
{
    FwnegDescriptorCache *cache = g_new0(FwnegDescriptorCache, 1);
    cache->out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    cache->opened_ns = g_get_real_time() * 1000;
    cache->racy_ns = FWNEG_DESCRIPTOR_CACHE_RACY_NS;
    if (path == NULL)
        return cache;
    cache->writer = parser_identity();
    if (cache->writer == NULL)
        return cache;
    cache->path = g_strdup(path);

    g_autoptr(GVariant) file = read_cache_file(path);
    if (file == NULL) {
        /* Unusable but present (corrupt, foreign, a symlink): replace it at the
         * next save; the rename replaces the name, never a link's target. */
        struct stat st;
        cache->file_stale = lstat(path, &st) == 0;
        return cache;
    }
    g_autoptr(GVariant) magic = g_variant_get_child_value(file, 0);
    g_autoptr(GVariant) writer = g_variant_get_child_value(file, 1);
    if (strcmp(g_variant_get_string(magic, NULL), CACHE_MAGIC) != 0 ||
        strcmp(g_variant_get_string(writer, NULL), cache->writer) != 0) {
        g_debug("%s: written by another fwneg build; starting afresh", path);
        cache->file_stale = TRUE;
        return cache;
    }
    g_autoptr(GVariant) ends = g_variant_get_child_value(file, 2);
    g_autoptr(GVariant) data = g_variant_get_child_value(file, 3);
    gsize n = 0;
    /* Fixed-element arrays point into the mapped file, which @file keeps alive. */
    cache->ends = g_variant_get_fixed_array(ends, &n, sizeof(guint64));
    cache->data = g_variant_get_fixed_array(data, &cache->data_len, 1);
    cache->file_entries = (guint)n;
    cache->file = g_steal_pointer(&file);
    return cache;
}

void
fwneg_descriptor_cache_free(FwnegDescriptorCache *cache)
{
    if (cache == NULL)
        return;
    g_clear_pointer(&cache->index, g_hash_table_unref);
    g_clear_pointer(&cache->out, g_ptr_array_unref);
    g_clear_pointer(&cache->file, g_variant_unref);
    g_free(cache->path);
    g_free(cache->writer);
    g_free(cache);
}

/* A cursor over a record; every read fails (FALSE) rather than pass its end. */
typedef struct {
    const char *at, *end;
} Reader;

static gboolean
take(Reader *r, const char **token)
{
    const char *nul = r->at < r->end ? memchr(r->at, '\0', (gsize)(r->end - r->at)) : NULL;
    if (nul == NULL)
        return FALSE;
    *token = r->at;
    r->at = nul + 1;
    return TRUE;
}

/* Split record @number into its stat, paths and the outcome tokens. */
static gboolean
open_record(const FwnegDescriptorCache *cache, gsize number, CachedStat *st, const char **real_path,
            const char **host_path, Reader *outcome)
{
    if (number >= cache->file_entries)
        return FALSE;
    guint64 start = number == 0 ? 0 : cache->ends[number - 1];
    guint64 end = cache->ends[number];
    if (start > end || end > cache->data_len || end - start < sizeof *st)
        return FALSE;
    memcpy(st, cache->data + start, sizeof *st);
    Reader r = {cache->data + start + sizeof *st, cache->data + end};
    if (!take(&r, real_path) || !take(&r, host_path))
        return FALSE;
    *outcome = r;
    return TRUE;
}

static gboolean
stat_matches(const CachedStat *cached, const struct stat *st)
{
    return cached->dev == (guint64)st->st_dev && cached->ino == (guint64)st->st_ino &&
           cached->size == (gint64)st->st_size && cached->mtime_ns == stat_ns(&st->st_mtim) &&
           cached->ctime_ns == stat_ns(&st->st_ctim);
}

/* The number of the record for @real_path: the one at the cursor (lookups come
 * in the order the last run saved them), else through an index built once;
 * -1 when there is none. */
static gssize
find_record(FwnegDescriptorCache *cache, const char *real_path, CachedStat *st,
            const char **host_path, Reader *outcome)
{
    const char *path = NULL;
    gsize number = cache->cursor;
    if (open_record(cache, number, st, &path, host_path, outcome) && strcmp(path, real_path) == 0) {
        if (cache->index != NULL)
            g_hash_table_remove(cache->index, real_path); /* used once, see below */
    } else {
        if (cache->index == NULL) {
            cache->index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
            for (gsize i = 0; i < cache->file_entries; i++) {
                CachedStat ignored_stat;
                const char *ignored_host;
                Reader ignored;
                if (open_record(cache, i, &ignored_stat, &path, &ignored_host, &ignored))
                    g_hash_table_replace(cache->index, g_strdup(path), GSIZE_TO_POINTER(i + 1));
            }
        }
        number = GPOINTER_TO_SIZE(g_hash_table_lookup(cache->index, real_path));
        if (number == 0)
            return -1;
        number--;
        /* Used once: a second lookup of the same file (never done by the store)
         * must not carry it into the next save twice. */
        g_hash_table_remove(cache->index, real_path);
        if (!open_record(cache, number, st, &path, host_path, outcome))
            return -1;
    }
    cache->cursor = number + 1;
    return (gssize)number;
}

/* ---- the outcome blob ------------------------------------------------------
 * A sequence of NUL-terminated tokens:
 *   "B" MESSAGE                                   a broken file
 *   "O" OPT(description) LIST(interface-types) OPT(device) OPT(mode)
 *       OPT(executable) OPT(executable format) OPT(nvram template) OPT(its format)
 *       OPT(filename) COUNT(targets) {architecture LIST(machines)}…
 *       LIST(features) LIST(unknown features) LIST(tags)
 * OPT is "-" for NULL or "+" followed by the value; LIST and COUNT start with
 * the count in decimal. */

static void
put(GString *out, const char *token)
{
    g_string_append_len(out, token, (gssize)strlen(token) + 1);
}

static void
put_optional(GString *out, const char *value)
{
    if (value == NULL) {
        put(out, "-");
        return;
    }
    g_string_append_c(out, '+');
    put(out, value);
}

static void
put_count(GString *out, guint count)
{
    g_string_append_printf(out, "%u", count);
    g_string_append_c(out, '\0');
}

static void
put_list(GString *out, const GPtrArray *list)
{
    put_count(out, list->len);
    for (guint i = 0; i < list->len; i++)
        put(out, g_ptr_array_index(list, i));
}

static void
encode_outcome(GString *out, const FwnegFirmwareDescriptor *desc, const char *error_message)
{
    if (desc == NULL) {
        put(out, "B");
        put(out, error_message);
        return;
    }
    put(out, "O");
    put_optional(out, desc->description);
    put_list(out, desc->interface_types);
    put_optional(out, desc->device);
    put_optional(out, desc->mode);
    put_optional(out, desc->executable);
    put_optional(out, desc->executable_format);
    put_optional(out, desc->nvram_template);
    put_optional(out, desc->nvram_template_format);
    put_optional(out, desc->filename);
    put_count(out, desc->targets->len);
    for (guint i = 0; i < desc->targets->len; i++) {
        const FwnegFirmwareTarget *target = g_ptr_array_index(desc->targets, i);
        put(out, target->architecture);
        put_list(out, target->machines);
    }
    put_list(out, desc->features);
    put_list(out, desc->unknown_features);
    put_list(out, desc->tags);
}

static gboolean
take_optional(Reader *r, char **value)
{
    const char *token;
    if (!take(r, &token))
        return FALSE;
    if (strcmp(token, "-") == 0)
        return TRUE;
    if (token[0] != '+')
        return FALSE;
    *value = g_strdup(token + 1);
    return TRUE;
}

static gboolean
take_count(Reader *r, guint *count)
{
    const char *token;
    guint64 value;
    /* No list is longer than the blob has bytes. */
    if (!take(r, &token) ||
        !g_ascii_string_to_unsigned(token, 10, 0, (guint64)(r->end - r->at), &value, NULL))
        return FALSE;
    *count = (guint)value;
    return TRUE;
}

static gboolean
take_list(Reader *r, GPtrArray **list)
{
    guint count;
    if (!take_count(r, &count))
        return FALSE;
    *list = g_ptr_array_new_full(count, g_free);
    for (guint i = 0; i < count; i++) {
        const char *token;
        if (!take(r, &token))
            return FALSE;
        g_ptr_array_add(*list, g_strdup(token));
    }
    return TRUE;
}

static void
free_target(FwnegFirmwareTarget *target)
{
    g_free(target->architecture);
    g_clear_pointer(&target->machines, g_ptr_array_unref);
    g_free(target);
}

static gboolean
take_targets(Reader *r, GPtrArray **targets)
{
    guint count;
    if (!take_count(r, &count))
        return FALSE;
    *targets = g_ptr_array_new_full(count, (GDestroyNotify)free_target);
    for (guint i = 0; i < count; i++) {
        const char *architecture;
        if (!take(r, &architecture))
            return FALSE;
        FwnegFirmwareTarget *target = g_new0(FwnegFirmwareTarget, 1);
        g_ptr_array_add(*targets, target);
        target->architecture = g_strdup(architecture);
        if (!take_list(r, &target->machines))
            return FALSE;
    }
    return TRUE;
}

/* Decode the outcome tokens; FALSE (nothing set) when they are not what
 * encode_outcome() wrote. */
static gboolean
decode_outcome(Reader r, const char *host_path, FwnegFirmwareDescriptor **desc_out,
               char **error_out)
{
    const char *kind, *message;
    if (!take(&r, &kind))
        return FALSE;
    if (strcmp(kind, "B") == 0) {
        if (!take(&r, &message) || r.at != r.end)
            return FALSE;
        *error_out = g_strdup(message);
        return TRUE;
    }
    if (strcmp(kind, "O") != 0)
        return FALSE;
    g_autoptr(FwnegFirmwareDescriptor) desc = g_new0(FwnegFirmwareDescriptor, 1);
    desc->path = g_strdup(host_path);
    desc->name = g_path_get_basename(host_path);
    if (!take_optional(&r, &desc->description) || !take_list(&r, &desc->interface_types) ||
        !take_optional(&r, &desc->device) || !take_optional(&r, &desc->mode) ||
        !take_optional(&r, &desc->executable) || !take_optional(&r, &desc->executable_format) ||
        !take_optional(&r, &desc->nvram_template) ||
        !take_optional(&r, &desc->nvram_template_format) || !take_optional(&r, &desc->filename) ||
        !take_targets(&r, &desc->targets) || !take_list(&r, &desc->features) ||
        !take_list(&r, &desc->unknown_features) || !take_list(&r, &desc->tags) || r.at != r.end)
        return FALSE;
    *desc_out = g_steal_pointer(&desc);
    return TRUE;
}

gboolean
fwneg_descriptor_cache_lookup(FwnegDescriptorCache *cache, const char *real_path,
                              const char *host_path, const struct stat *st,
                              FwnegFirmwareDescriptor **desc_out, char **error_out)
{
    if (cache == NULL)
        return FALSE;
    CachedStat cached;
    const char *cached_host = NULL;
    Reader outcome;
    /* No g_variant_is_normal_form(): GVariant reads damaged framing as default
     * values (empty arrays), and open_record() checks every offset; damage
     * inside a record fails the bounds-checked decode.  Either is a miss: the
     * file is parsed again and the cache rewritten without the damaged record. */
    gssize number = find_record(cache, real_path, &cached, &cached_host, &outcome);
    if (number < 0 || strcmp(cached_host, host_path) != 0 || !stat_matches(&cached, st) ||
        !decode_outcome(outcome, host_path, desc_out, error_out)) {
        cache->misses++;
        return FALSE;
    }
    cache->hits++;
    /* Carried into the next save as is (the mapping outlives @out). */
    guint64 start = number == 0 ? 0 : cache->ends[number - 1];
    g_ptr_array_add(cache->out,
                    g_bytes_new_static(cache->data + start, cache->ends[number] - start));
    cache->from_file++;
    return TRUE;
}

/* Only what the parser always fills can round-trip exactly. */
static gboolean
descriptor_is_storable(const FwnegFirmwareDescriptor *desc)
{
    if (desc->interface_types == NULL || desc->targets == NULL || desc->features == NULL ||
        desc->unknown_features == NULL || desc->tags == NULL)
        return FALSE;
    for (guint i = 0; i < desc->targets->len; i++) {
        const FwnegFirmwareTarget *target = g_ptr_array_index(desc->targets, i);
        if (target->architecture == NULL || target->machines == NULL)
            return FALSE;
    }
    return TRUE;
}

void
fwneg_descriptor_cache_store(FwnegDescriptorCache *cache, const char *real_path,
                             const char *host_path, const struct stat *st,
                             const FwnegFirmwareDescriptor *desc, const char *error_message)
{
    if (cache == NULL || cache->path == NULL || (desc == NULL) == (error_message == NULL))
        return;
    gint64 changed = MAX(stat_ns(&st->st_mtim), stat_ns(&st->st_ctim));
    if (changed > cache->opened_ns - cache->racy_ns)
        return;
    if (desc != NULL && !descriptor_is_storable(desc))
        return;
    CachedStat cached = {
        .dev = (guint64)st->st_dev,
        .ino = (guint64)st->st_ino,
        .size = (gint64)st->st_size,
        .mtime_ns = stat_ns(&st->st_mtim),
        .ctime_ns = stat_ns(&st->st_ctim),
    };
    GString *record = g_string_new_len((const char *)&cached, sizeof cached);
    put(record, real_path);
    put(record, host_path);
    encode_outcome(record, desc, error_message);
    g_ptr_array_add(cache->out, g_string_free_to_bytes(record));
    cache->stored++;
}

gboolean
fwneg_descriptor_cache_save(FwnegDescriptorCache *cache, GError **error)
{
    cache->wrote = FALSE;
    if (cache->path == NULL)
        return TRUE;
    if (!cache->file_stale && cache->stored == 0 && cache->from_file == cache->file_entries)
        return TRUE; /* the file already says exactly this */

    g_autoptr(GArray) ends = g_array_sized_new(FALSE, FALSE, sizeof(guint64), cache->out->len);
    g_autoptr(GByteArray) data = g_byte_array_new();
    for (guint i = 0; i < cache->out->len; i++) {
        gsize len = 0;
        const guint8 *record = g_bytes_get_data(g_ptr_array_index(cache->out, i), &len);
        g_byte_array_append(data, record, (guint)len);
        guint64 end = data->len;
        g_array_append_val(ends, end);
    }
    g_autoptr(GVariant) file = g_variant_ref_sink(g_variant_new(
        "(ss@at@ay)", CACHE_MAGIC, cache->writer,
        g_variant_new_fixed_array(G_VARIANT_TYPE_UINT64, ends->data, ends->len, sizeof(guint64)),
        g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data->data, data->len, 1)));
    if (!fwneg_atomic_write(cache->path, g_variant_get_data(file), g_variant_get_size(file), 0644,
                            error))
        return FALSE;
    cache->wrote = TRUE;
    /* What is on disk now; a second save without changes writes nothing. */
    cache->file_entries = cache->out->len;
    cache->from_file = cache->out->len;
    cache->stored = 0;
    cache->file_stale = FALSE;
    return TRUE;
}

guint
fwneg_descriptor_cache_hits(const FwnegDescriptorCache *cache)
{
    return cache->hits;
}

guint
fwneg_descriptor_cache_misses(const FwnegDescriptorCache *cache)
{
    return cache->misses;
}

gboolean
fwneg_descriptor_cache_wrote(const FwnegDescriptorCache *cache)
{
    return cache->wrote;
}

void
fwneg_descriptor_cache_set_racy_window(FwnegDescriptorCache *cache, gint64 ns)
{
    cache->racy_ns = ns;
}

/* descriptor-store.c: discover, merge and load firmware descriptors like libvirt.
 *
 * Discovery follows qemuInteropFetchConfigs: directories lowest priority first,
 * names starting with '.' skipped, stat() (following symlinks) must say
 * "regular file", a later directory's file replaces a same-named earlier one,
 * the merged set is sorted by name with strcmp, and a 0-byte winner masks the name.
 *
 * One deliberate difference: libvirt 9.0 fails the whole firmware selection when
 * any remaining descriptor cannot be parsed; fwneg keeps such a file as a BROKEN
 * entry and carries on (firmware-match.c warns that libvirt would fail).
 */
#include "descriptor-store.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fwneg-error.h"
#include "fwneg-options.h"

/* A name seen during discovery: the winning file so far and what it replaced. */
typedef struct {
    char *name;
    char *host_path;
    char *dir;
    char *real_path; /* inside the sysroot, resolved once */
    struct stat st;
    GPtrArray *overridden;
} DiscoveredFile;

static void
discovered_file_free(DiscoveredFile *file)
{
    g_free(file->name);
    g_free(file->host_path);
    g_free(file->dir);
    g_free(file->real_path);
    g_clear_pointer(&file->overridden, g_ptr_array_unref);
    g_free(file);
}

void
fwneg_descriptor_entry_free(FwnegDescriptorEntry *entry)
{
    if (entry == NULL)
        return;
    g_free(entry->name);
    g_free(entry->path);
    g_free(entry->dir);
    g_free(entry->error);
    fwneg_firmware_descriptor_free(entry->desc);
    g_clear_pointer(&entry->overridden, g_ptr_array_unref);
    g_free(entry->identity);
    g_free(entry);
}

static gboolean
string_arrays_equal(GPtrArray *a, GPtrArray *b)
{
    guint len_a = a != NULL ? a->len : 0, len_b = b != NULL ? b->len : 0;
    if (len_a != len_b)
        return FALSE;
    for (guint i = 0; i < len_a; i++)
        if (g_strcmp0(g_ptr_array_index(a, i), g_ptr_array_index(b, i)) != 0)
            return FALSE;
    return TRUE;
}

gboolean
fwneg_descriptor_sets_equal(GPtrArray *a, GPtrArray *b)
{
    if (a == NULL || b == NULL || a->len != b->len)
        return a == b;
    for (guint i = 0; i < a->len; i++) {
        const FwnegDescriptorEntry *x = g_ptr_array_index(a, i);
        const FwnegDescriptorEntry *y = g_ptr_array_index(b, i);
        if (x->state != y->state || g_strcmp0(x->name, y->name) != 0 ||
            g_strcmp0(x->path, y->path) != 0 || g_strcmp0(x->identity, y->identity) != 0 ||
            g_strcmp0(x->error, y->error) != 0 || !string_arrays_equal(x->overridden, y->overridden))
            return FALSE;
    }
    return TRUE;
}

/* Parse errors start with the path (for `lint`); in an entry that already
 * carries the path, keep only what went wrong. */
static char *
error_without_path(const char *message, const char *path)
{
    gsize n = strlen(path);
    if (strncmp(message, path, n) != 0 || message[n] != ':')
        return g_strdup(message);
    const char *rest = message + n + 1;
    guint line, col;
    int consumed = 0;
    if (sscanf(rest, "%u:%u:%n", &line, &col, &consumed) == 2 && consumed > 0)
        return g_strdup_printf("line %u, column %u:%s", line, col, rest + consumed);
    while (*rest == ' ')
        rest++;
    return g_strdup(rest);
}

static gboolean
scan_directory(GHashTable *by_name, const char *dir, const char *sysroot, GError **error)
{
    g_autofree char *real_dir = fwneg_sysroot_path(sysroot, dir);
    g_autoptr(GError) local_error = NULL;
    g_autoptr(GDir) handle = g_dir_open(real_dir, 0, &local_error);
    if (handle == NULL) {
        if (g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
            g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
            return TRUE; /* a directory that does not exist simply contributes nothing */
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                    "cannot read firmware descriptor directory %s: %s", dir, local_error->message);
        return FALSE;
    }

    const char *name;
    while ((name = g_dir_read_name(handle)) != NULL) {
        if (name[0] == '.')
            continue;
        /* Resolved inside the sysroot like the read in load_entry(): a symlink in
         * the directory must not be followed on the host (tests/hostile). */
        g_autofree char *host_path = g_build_filename(dir, name, NULL);
        g_autofree char *real_path = fwneg_sysroot_path(sysroot, host_path);
        struct stat st;
        if (stat(real_path, &st) < 0 || !S_ISREG(st.st_mode))
            continue; /* directories, sockets, dangling symlinks */

        DiscoveredFile *previous = g_hash_table_lookup(by_name, name);
        DiscoveredFile *file = g_new0(DiscoveredFile, 1);
        file->name = g_strdup(name);
        file->host_path = g_steal_pointer(&host_path);
        file->dir = g_strdup(dir);
        file->real_path = g_steal_pointer(&real_path);
        file->st = st;
        /* Made only when something is overridden: most names are not. */
        if (previous != NULL) {
            file->overridden = g_steal_pointer(&previous->overridden);
            if (file->overridden == NULL)
                file->overridden = g_ptr_array_new_with_free_func(g_free);
            g_ptr_array_add(file->overridden, g_strdup(previous->host_path));
        }
        g_hash_table_replace(by_name, file->name, file);
    }
    return TRUE;
}

static int
compare_by_name(gconstpointer a, gconstpointer b)
{
    const DiscoveredFile *fa = *(DiscoveredFile *const *)a;
    const DiscoveredFile *fb = *(DiscoveredFile *const *)b;
    return strcmp(fa->name, fb->name);
}

static FwnegDescriptorEntry *
load_entry(DiscoveredFile *file, FwnegDescriptorCache *cache)
{
    FwnegDescriptorEntry *entry = g_new0(FwnegDescriptorEntry, 1);
    entry->name = g_strdup(file->name);
    entry->path = g_strdup(file->host_path);
    entry->dir = g_strdup(file->dir);
    entry->overridden = g_steal_pointer(&file->overridden);
    entry->identity = g_strdup_printf(
        "%ju:%ju:%jd:%jd.%09ld:%jd.%09ld", (uintmax_t)file->st.st_dev, (uintmax_t)file->st.st_ino,
        (intmax_t)file->st.st_size, (intmax_t)file->st.st_mtim.tv_sec, file->st.st_mtim.tv_nsec,
        (intmax_t)file->st.st_ctim.tv_sec, file->st.st_ctim.tv_nsec);

    if (file->st.st_size == 0) {
        entry->state = FWNEG_DESCRIPTOR_MASKED;
        return entry;
    }
    if (file->st.st_size > FWNEG_DESCRIPTOR_MAX_BYTES) {
        entry->state = FWNEG_DESCRIPTOR_BROKEN;
        entry->error = g_strdup_printf("file is %" G_GOFFSET_FORMAT
                                       " bytes, larger than the 1 MiB libvirt reads",
                                       (gint64)file->st.st_size);
        return entry;
    }

    /* The parse of an unchanged file, from the last run (read errors are not
     * cached: they are cheap to meet again and may be passing). */
    if (fwneg_descriptor_cache_lookup(cache, file->real_path, file->host_path, &file->st,
                                      &entry->desc, &entry->error)) {
        entry->state = entry->desc != NULL ? FWNEG_DESCRIPTOR_OK : FWNEG_DESCRIPTOR_BROKEN;
        return entry;
    }

    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(file->real_path, &data, &len, &error)) {
        entry->state = FWNEG_DESCRIPTOR_BROKEN;
        entry->error = g_strdup_printf("cannot read: %s", error->message);
        return entry;
    }
    entry->desc = fwneg_firmware_descriptor_parse(file->host_path, data, len, &error);
    if (entry->desc == NULL) {
        entry->state = FWNEG_DESCRIPTOR_BROKEN;
        entry->error = error_without_path(error->message, file->host_path);
        fwneg_descriptor_cache_store(cache, file->real_path, file->host_path, &file->st, NULL,
                                     entry->error);
        return entry;
    }
    entry->state = FWNEG_DESCRIPTOR_OK;
    fwneg_descriptor_cache_store(cache, file->real_path, file->host_path, &file->st, entry->desc,
                                 NULL);
    return entry;
}

GPtrArray *
fwneg_descriptor_store_load(GPtrArray *dirs, const char *sysroot, GError **error)
{
    return fwneg_descriptor_store_load_cached(dirs, sysroot, NULL, error);
}

GPtrArray *
fwneg_descriptor_store_load_cached(GPtrArray *dirs, const char *sysroot,
                                   FwnegDescriptorCache *cache, GError **error)
{
    g_autoptr(GHashTable) by_name =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)discovered_file_free);
    for (guint i = 0; dirs != NULL && i < dirs->len; i++) {
        if (!scan_directory(by_name, g_ptr_array_index(dirs, i), sysroot, error))
            return NULL;
    }

    g_autoptr(GPtrArray) files = g_ptr_array_sized_new(g_hash_table_size(by_name));
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, by_name);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(files, value);
    g_ptr_array_sort(files, compare_by_name);

    GPtrArray *entries =
        g_ptr_array_new_full(files->len, (GDestroyNotify)fwneg_descriptor_entry_free);
    for (guint i = 0; i < files->len; i++)
        g_ptr_array_add(entries, load_entry(g_ptr_array_index(files, i), cache));
    return entries;
}

void
fwneg_descriptor_store_check_dirs(GPtrArray *dirs, const char *sysroot, GPtrArray *warnings)
{
    for (guint i = 0; dirs != NULL && i < dirs->len; i++) {
        const char *dir = g_ptr_array_index(dirs, i);
        g_autofree char *real_dir = fwneg_sysroot_path(sysroot, dir);
        struct stat st;
        if (stat(real_dir, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        /* With the sticky bit (like /tmp) others still cannot replace our files. */
        if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
            g_ptr_array_add(warnings,
                            g_strdup_printf("firmware descriptor directory %s is world-writable "
                                            "(mode %04o): any local user can add or replace "
                                            "firmware descriptors; run 'chmod o-w %s'",
                                            dir, (unsigned)(st.st_mode & 07777), dir));
    }
}

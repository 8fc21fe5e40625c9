/* host-facts-cache.c: the probe cache — one JSON file per emulator binary in
 * the cache dir, valid while the binary's path, size and mtime are unchanged.
 * A cache that cannot be read or written never fails a probe.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "atomic-file.h"
#include "fwneg-error.h"
#include "host-facts-private.h"

#define CACHE_FORMAT "fwneg-host-facts/1"
/* A cache entry is a few KiB; a bigger file is not ours. */
#define CACHE_MAX_BYTES (4 * 1024 * 1024)

char *
fwneg_host_facts_cache_path(const char *cache_dir, const char *emulator)
{
    g_autofree char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, emulator, -1);
    g_autofree char *name = g_strdup_printf("host-facts-%s.json", digest);
    return g_build_filename(cache_dir, name, NULL);
}

static gint64
mtime_ns(const struct stat *st)
{
    return (gint64)st->st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st->st_mtim.tv_nsec;
}

static const char *
json_string_member(json_object *object, const char *key)
{
    json_object *member = NULL;
    if (!json_object_object_get_ex(object, key, &member) ||
        !json_object_is_type(member, json_type_string))
        return NULL;
    return json_object_get_string(member);
}

static gboolean
json_int64_member(json_object *object, const char *key, gint64 *value)
{
    json_object *member = NULL;
    if (!json_object_object_get_ex(object, key, &member) ||
        !json_object_is_type(member, json_type_int))
        return FALSE;
    *value = json_object_get_int64(member);
    return TRUE;
}

static gboolean
json_bool_member(json_object *object, const char *key)
{
    json_object *member = NULL;
    return json_object_object_get_ex(object, key, &member) &&
           json_object_is_type(member, json_type_boolean) && json_object_get_boolean(member);
}

static GPtrArray *
machines_from_json(json_object *array)
{
    if (!json_object_is_type(array, json_type_array))
        return NULL;
    g_autoptr(GPtrArray) machines =
        g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_machine_info_free);
    for (size_t i = 0; i < json_object_array_length(array); i++) {
        json_object *entry = json_object_array_get_idx(array, i);
        const char *name = json_string_member(entry, "name");
        const char *alias_of = json_string_member(entry, "alias-of");
        const char *description = json_string_member(entry, "description");
        if (!fwneg_machine_name_is_valid(name) || description == NULL ||
            (alias_of != NULL && !fwneg_machine_name_is_valid(alias_of)))
            return NULL;
        FwnegMachineInfo *info = g_new0(FwnegMachineInfo, 1);
        info->name = g_strdup(name);
        info->alias_of = g_strdup(alias_of);
        info->description = g_strdup(description);
        info->is_default = json_bool_member(entry, "default");
        info->is_deprecated = json_bool_member(entry, "deprecated");
        g_ptr_array_add(machines, info);
    }
    return machines->len > 0 ? g_steal_pointer(&machines) : NULL;
}

/* The cached facts when the entry describes the binary as it is now; NULL for a
 * missing, stale or damaged entry (which the caller then overwrites). */
FwnegHostFacts *
fwneg_host_facts_cache_load(const char *cache_path, const char *emulator, const struct stat *st)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(cache_path, &data, &len, NULL) || len > CACHE_MAX_BYTES)
        return NULL;

    json_object *root = json_tokener_parse(data);
    if (root == NULL)
        return NULL;
    g_autoptr(FwnegHostFacts) facts = NULL;
    gint64 size = -1, mtime = -1;
    const char *version = json_string_member(root, "version");
    int major, minor, micro;
    json_object *machines = NULL;

    if (g_strcmp0(json_string_member(root, "format"), CACHE_FORMAT) == 0 &&
        g_strcmp0(json_string_member(root, "path"), emulator) == 0 &&
        json_int64_member(root, "size", &size) && size == (gint64)st->st_size &&
        json_int64_member(root, "mtime-ns", &mtime) && mtime == mtime_ns(st) && version != NULL &&
        fwneg_parse_dotted_version(version, &major, &minor, &micro) &&
        json_object_object_get_ex(root, "machines", &machines)) {
        facts = g_new0(FwnegHostFacts, 1);
        facts->emulator = g_strdup(emulator);
        facts->version = g_strdup_printf("%d.%d.%d", major, minor, micro);
        facts->version_major = major;
        facts->version_minor = minor;
        facts->version_micro = micro;
        facts->machines = machines_from_json(machines);
        if (facts->machines == NULL)
            g_clear_pointer(&facts, fwneg_host_facts_free);
    }
    json_object_put(root);
    return g_steal_pointer(&facts);
}

static char *
cache_serialize(const FwnegHostFacts *facts, const struct stat *st)
{
    json_object *root = json_object_new_object();
    json_object_object_add(root, "format", json_object_new_string(CACHE_FORMAT));
    json_object_object_add(root, "path", json_object_new_string(facts->emulator));
    json_object_object_add(root, "size", json_object_new_int64((int64_t)st->st_size));
    json_object_object_add(root, "mtime-ns", json_object_new_int64(mtime_ns(st)));
    json_object_object_add(root, "version", json_object_new_string(facts->version));

    json_object *machines = json_object_new_array();
    for (guint i = 0; i < facts->machines->len; i++) {
        const FwnegMachineInfo *info = g_ptr_array_index(facts->machines, i);
        json_object *entry = json_object_new_object();
        json_object_object_add(entry, "name", json_object_new_string(info->name));
        if (info->alias_of != NULL)
            json_object_object_add(entry, "alias-of", json_object_new_string(info->alias_of));
        json_object_object_add(entry, "description",
                               json_object_new_string(info->description ? info->description : ""));
        if (info->is_default)
            json_object_object_add(entry, "default", json_object_new_boolean(TRUE));
        if (info->is_deprecated)
            json_object_object_add(entry, "deprecated", json_object_new_boolean(TRUE));
        json_object_array_add(machines, entry);
    }
    json_object_object_add(root, "machines", machines);

    char *text = g_strdup_printf(
        "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    return text;
}

/* The cache only saves time: failing to write it (an unprivileged user and the
 * default state dir, a read-only file system) never fails the probe. */
void
fwneg_host_facts_cache_store(const char *cache_dir, const char *cache_path,
                             const FwnegHostFacts *facts, const struct stat *st)
{
    g_autoptr(GError) local_error = NULL;
    g_autofree char *text = cache_serialize(facts, st);
    if (!fwneg_ensure_state_dir(cache_dir, 0755, &local_error) ||
        !fwneg_atomic_write(cache_path, text, strlen(text), 0644, &local_error))
        g_debug("not caching the facts of %s: %s", facts->emulator, local_error->message);
}

/* Refuse to read a cache the state-dir rules would refuse to write. */
gboolean
fwneg_host_facts_cache_dir_usable(const char *cache_dir)
{
    struct stat st;
    g_autofree char *dir = g_strdup(cache_dir);
    gsize len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* rom-set.c: parse and load ROM set descriptors. */
#include "rom-set.h"

#include <string.h>

#include <json-c/json.h>

#include "fwneg-error.h"
#include "fwneg-options.h"
#include "safe-xml.h"

#define ROM_SET_MAX_BYTES (256 * 1024)

void
fwneg_rom_set_free(FwnegRomSet *set)
{
    if (set == NULL)
        return;
    g_free(set->path);
    g_free(set->description);
    g_clear_pointer(&set->architectures, g_ptr_array_unref);
    g_clear_pointer(&set->interfaces, g_ptr_array_unref);
    g_clear_pointer(&set->files, g_hash_table_unref);
    g_free(set);
}

static GPtrArray *
string_list(json_object *root, const char *key, const char *path, GError **error)
{
    json_object *array = NULL;

    if (!json_object_object_get_ex(root, key, &array) ||
        !json_object_is_type(array, json_type_array) || json_object_array_length(array) == 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: member '%s' must be a non-empty array of strings", path, key);
        return NULL;
    }
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < json_object_array_length(array); i++) {
        json_object *item = json_object_array_get_idx(array, i);
        if (!json_object_is_type(item, json_type_string)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: %s[%zu] is not a string", path, key, i);
            return NULL;
        }
        g_ptr_array_add(list, g_strdup(json_object_get_string(item)));
    }
    return g_steal_pointer(&list);
}

static gboolean
parse_roms(json_object *root, FwnegRomSet *set, GError **error)
{
    json_object *roms = NULL;

    if (!json_object_object_get_ex(root, "roms", &roms) ||
        !json_object_is_type(roms, json_type_array)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: member 'roms' must be an array of {\"models\": […], \"file\": …}",
                    set->path);
        return FALSE;
    }
    for (size_t i = 0; i < json_object_array_length(roms); i++) {
        json_object *rom = json_object_array_get_idx(roms, i);
        json_object *file = NULL;
        g_autofree char *where = g_strdup_printf("%s: roms[%zu]", set->path, i);

        if (!json_object_is_type(rom, json_type_object) ||
            !json_object_object_get_ex(rom, "file", &file) ||
            !json_object_is_type(file, json_type_string) ||
            strchr(json_object_get_string(file), '/') != NULL ||
            json_object_get_string(file)[0] == '\0') {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: 'file' must be a file name (no directory; found in the ROM "
                        "search path)",
                        where);
            return FALSE;
        }
        g_autoptr(GPtrArray) models = string_list(rom, "models", where, error);
        if (models == NULL)
            return FALSE;
        for (guint m = 0; m < models->len; m++)
            g_hash_table_insert(set->files, g_strdup(g_ptr_array_index(models, m)),
                                g_strdup(json_object_get_string(file)));
    }
    return TRUE;
}

FwnegRomSet *
fwneg_rom_set_parse(const char *data, gsize len, const char *path, GError **error)
{
    g_autoptr(FwnegRomSet) set = g_new0(FwnegRomSet, 1);
    json_tokener *tok = json_tokener_new();
    /* Text that is not UTF-8 is refused, as in every fwneg JSON reader (tests/fuzz). */
    json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
    json_object *root = json_tokener_parse_ex(tok, data, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);

    json_tokener_free(tok);
    set->path = g_strdup(path);
    set->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (root == NULL || jerr != json_tokener_success) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: not valid JSON (%s)", path,
                    json_tokener_error_desc(jerr));
        json_object_put(root);
        return NULL;
    }
    gboolean ok = FALSE;
    json_object *max = NULL, *description = NULL;
    if (!json_object_is_type(root, json_type_object)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: the top level must be an object", path);
    } else if (!json_object_object_get_ex(root, "max-size", &max) ||
               !json_object_is_type(max, json_type_int) || json_object_get_int64(max) <= 0 ||
               (json_object_get_int64(max) & (json_object_get_int64(max) - 1)) != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: member 'max-size' must be a power of two (bytes, e.g. 262144)", path);
    } else if ((set->architectures = string_list(root, "architectures", path, error)) != NULL &&
               (set->interfaces = string_list(root, "interfaces", path, error)) != NULL &&
               parse_roms(root, set, error)) {
        set->max_size = json_object_get_int64(max);
        if (json_object_object_get_ex(root, "description", &description) &&
            json_object_is_type(description, json_type_string))
            set->description = g_strdup(json_object_get_string(description));
        ok = TRUE;
    }
    json_object_put(root);
    return ok ? g_steal_pointer(&set) : NULL;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *
fwneg_rom_sets_load_names(const char *dir, const char *real_dir, GPtrArray *names,
                          GPtrArray *warnings)
{
    GPtrArray *sets = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_rom_set_free);
    g_autoptr(GPtrArray) wanted = g_ptr_array_new();

    for (guint i = 0; names != NULL && i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        /* firmware.d also holds other kinds of descriptors (feature-*.json). */
        if (g_str_has_prefix(name, "rom-") && g_str_has_suffix(name, ".json"))
            g_ptr_array_add(wanted, (char *)name);
    }
    g_ptr_array_sort(wanted, compare_names);
    for (guint i = 0; i < wanted->len; i++) {
        g_autofree char *path = g_build_filename(dir, g_ptr_array_index(wanted, i), NULL);
        g_autofree char *real = g_build_filename(real_dir, g_ptr_array_index(wanted, i), NULL);
        g_autofree char *data = NULL;
        gsize len = 0;
        g_autoptr(GError) error = NULL;
        FwnegRomSet *set = NULL;

        if (fwneg_read_bounded(real, ROM_SET_MAX_BYTES, &data, &len, &error))
            set = fwneg_rom_set_parse(data, len, path, &error);
        if (set == NULL) {
            if (warnings != NULL)
                g_ptr_array_add(warnings, g_strdup_printf("ROM set skipped: %s", error->message));
            continue;
        }
        g_ptr_array_add(sets, set);
    }
    return sets;
}

GPtrArray *
fwneg_rom_sets_load(const char *dir, const char *sysroot, GPtrArray *warnings)
{
    g_autofree char *real_dir = fwneg_sysroot_path(sysroot, dir);
    g_autoptr(GDir) d = g_dir_open(real_dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (d == NULL)
        return g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_rom_set_free);
    while ((name = g_dir_read_name(d)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    return fwneg_rom_sets_load_names(dir, real_dir, names, warnings);
}

static gboolean
list_contains(GPtrArray *list, const char *value)
{
    for (guint i = 0; list != NULL && i < list->len; i++)
        if (g_strcmp0(g_ptr_array_index(list, i), value) == 0)
            return TRUE;
    return FALSE;
}

gboolean
fwneg_rom_set_applies(const FwnegRomSet *set, const char *arch, const char *interface)
{
    return list_contains(set->architectures, arch) &&
           (interface == NULL || list_contains(set->interfaces, interface));
}

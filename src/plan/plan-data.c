/* plan-data.c: load firmware.d once for every stage (see plan-data.h). */
#include "plan-data.h"

#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "fwcfg-plan.h"
#include "rom-plan.h"
#include "rom-set.h"

void
fwneg_plan_data_free(FwnegPlanData *data)
{
    if (data == NULL)
        return;
    g_free(data->rom_sets_dir);
    g_clear_pointer(&data->rom_sets, g_ptr_array_unref);
    g_clear_pointer(&data->rom_set_warnings, g_ptr_array_unref);
    g_free(data->feature_dir);
    g_clear_pointer(&data->features, fwneg_feature_data_free);
    g_clear_error(&data->features_error);
    g_free(data->fingerprint);
    g_free(data);
}

/* Every entry name of @dir, or NULL when it cannot be listed. */
static GPtrArray *
list_directory(const char *dir)
{
    g_autoptr(GDir) handle = g_dir_open(dir, 0, NULL);
    if (handle == NULL)
        return NULL;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(handle)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    return names;
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name size mtime inode" of every entry @names of @dir, sorted, appended to @out. */
static void
fingerprint_names(GString *out, const char *dir, GPtrArray *names)
{
    g_string_append_printf(out, "[%s]\n", dir);
    if (names == NULL)
        return;
    /* Borrowed names (g_ptr_array_copy would take over the free function). */
    g_autoptr(GPtrArray) sorted = g_ptr_array_sized_new(names->len);
    for (guint i = 0; i < names->len; i++)
        g_ptr_array_add(sorted, g_ptr_array_index(names, i));
    g_ptr_array_sort(sorted, compare_strings);
    for (guint i = 0; i < sorted->len; i++) {
        const char *name = g_ptr_array_index(sorted, i);
        g_autofree char *path = g_build_filename(dir, name, NULL);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        g_string_append_printf(out, "%s %jd %jd.%09ld %ju\n", name, (intmax_t)st.st_size,
                               (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                               (uintmax_t)st.st_ino);
    }
}

static char *
fingerprint(const char *feature_dir, GPtrArray *feature_names, const char *rom_sets_dir)
{
    GString *out = g_string_new(NULL);
    fingerprint_names(out, feature_dir, feature_names);
    if (strcmp(rom_sets_dir, feature_dir) != 0) {
        g_autoptr(GPtrArray) rom_set_names = list_directory(rom_sets_dir);
        fingerprint_names(out, rom_sets_dir, rom_set_names);
    }
    return g_string_free(out, FALSE);
}

char *
fwneg_plan_data_fingerprint(const FwnegOptions *options)
{
    g_autofree char *rom_sets_dir = fwneg_rom_sets_dir(options);
    g_autofree char *feature_dir = fwneg_fwcfg_feature_dir(options);
    g_autoptr(GPtrArray) feature_names = list_directory(feature_dir);
    return fingerprint(feature_dir, feature_names, rom_sets_dir);
}

FwnegPlanData *
fwneg_plan_data_load(const FwnegOptions *options)
{
    g_autoptr(FwnegPlanData) data = g_new0(FwnegPlanData, 1);
    data->rom_sets_dir = fwneg_rom_sets_dir(options);
    data->feature_dir = fwneg_fwcfg_feature_dir(options);
    data->rom_set_warnings = g_ptr_array_new_with_free_func(g_free);

    /* Both stages read without a sysroot (fwneg's own data, not the host's). */
    g_autoptr(GPtrArray) feature_names = list_directory(data->feature_dir);
    /* Taken before reading: a file changed while it is read makes the next
     * reload read it again. */
    data->fingerprint = fingerprint(data->feature_dir, feature_names, data->rom_sets_dir);
    if (strcmp(data->rom_sets_dir, data->feature_dir) == 0) {
        data->rom_sets =
            feature_names != NULL
                ? fwneg_rom_sets_load_names(data->rom_sets_dir, data->rom_sets_dir, feature_names,
                                            data->rom_set_warnings)
                : fwneg_rom_sets_load(data->rom_sets_dir, NULL, data->rom_set_warnings);
    } else {
        data->rom_sets = fwneg_rom_sets_load(data->rom_sets_dir, NULL, data->rom_set_warnings);
    }

    /* An unlistable feature dir: let the loader say why, in its own words. */
    data->features =
        feature_names != NULL
            ? fwneg_feature_data_load_names(data->feature_dir, feature_names, &data->features_error)
            : fwneg_feature_data_load_dir(data->feature_dir, &data->features_error);
    return g_steal_pointer(&data);
}

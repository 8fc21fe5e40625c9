/* plan-data.c: load firmware.d once for every stage (see plan-data.h). */
#include "plan-data.h"

#include <string.h>

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

FwnegPlanData *
fwneg_plan_data_load(const FwnegOptions *options)
{
    g_autoptr(FwnegPlanData) data = g_new0(FwnegPlanData, 1);
    data->rom_sets_dir = fwneg_rom_sets_dir(options);
    data->feature_dir = fwneg_fwcfg_feature_dir(options);
    data->rom_set_warnings = g_ptr_array_new_with_free_func(g_free);

    /* Both stages read without a sysroot (fwneg's own data, not the host's). */
    g_autoptr(GPtrArray) feature_names = list_directory(data->feature_dir);
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

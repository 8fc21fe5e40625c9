/* fwcfg-slots.c: see fwcfg-slots.h. */
#include "fwcfg-slots.h"

#include <string.h>

#include "fwneg-error.h"

static void
add_unique(GPtrArray *names, const char *name)
{
    for (guint i = 0; i < names->len; i++) {
        if (strcmp(g_ptr_array_index(names, i), name) == 0)
            return;
    }
    g_ptr_array_add(names, g_strdup(name));
}

static char *
join(const GPtrArray *names)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(out, "%s%s", i ? ", " : "",
                               (const char *)g_ptr_array_index(names, i));
    return g_string_free(out, FALSE);
}

gboolean
fwneg_fwcfg_check_slots(const FwnegFeatureData *data, const FwnegFeatureContext *ctx,
                        GPtrArray *genroms, FwnegFwCfgSet *set, GError **error)
{
    g_autoptr(GPtrArray) qemu = fwneg_feature_data_qemu_files(data, ctx, NULL);
    g_autoptr(GPtrArray) roms = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) planned = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; genroms != NULL && i < genroms->len; i++)
        add_unique(roms, g_ptr_array_index(genroms, i));
    for (guint i = 0; i < set->files->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(set->files, i);
        add_unique(planned, entry->name);
    }
    for (guint i = 0; i < qemu->len; i++)
        add_unique(all, g_ptr_array_index(qemu, i));
    for (guint i = 0; i < roms->len; i++)
        add_unique(all, g_ptr_array_index(roms, i));
    for (guint i = 0; i < planned->len; i++)
        add_unique(all, g_ptr_array_index(planned, i));

    set->slots = fwneg_feature_data_file_slots(data, ctx);
    set->slots_used = all->len;
    if (set->slots == 0 || all->len <= set->slots)
        return TRUE;

    g_autofree char *qemu_list = join(qemu);
    g_autofree char *rom_list = join(roms);
    g_autofree char *planned_list = join(planned);
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                "fw_cfg: machine type %s has %u fw_cfg file slots but this guest needs %u: "
                "%u QEMU creates itself (%s), %u option ROMs without a ROM BAR (%s%s), %u "
                "planned (%s); QEMU would abort at start (Assertion `index < "
                "fw_cfg_file_slots(s)' failed).  Remove %u: drop [ovmf] settings from the "
                "config, give ROMs a BAR (<rom bar='on'/>), or use a newer machine type%s",
                ctx->machine, set->slots, all->len, qemu->len, qemu_list, roms->len,
                roms->len ? "" : "none", rom_list, planned->len, planned_list,
                all->len - set->slots,
                set->slots <= 16 ? " (types newer than 2.8 have 32 slots)" : "");
    return FALSE;
}

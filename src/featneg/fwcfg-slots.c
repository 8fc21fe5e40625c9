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
                        FwnegPlan *plan, GError **error)
{
    g_autoptr(GPtrArray) qemu = fwneg_feature_data_qemu_files(data, ctx, NULL);
    g_autoptr(GPtrArray) roms = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) planned = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; plan->roms != NULL && i < plan->roms->len; i++) {
        const FwnegPlanRom *rom = g_ptr_array_index(plan->roms, i);
        /* rombar=0: QEMU puts the ROM in fw_cfg as genroms/<basename> (rom_add_option). */
        if (!rom->rombar && rom->file != NULL && rom->file[0] != '\0') {
            g_autofree char *base = g_path_get_basename(rom->file);
            g_autofree char *name = g_strconcat("genroms/", base, NULL);
            add_unique(roms, name);
        }
    }
    for (guint i = 0; i < plan->fw_cfg->len; i++) {
        const FwnegPlanFwCfg *entry = g_ptr_array_index(plan->fw_cfg, i);
        add_unique(planned, entry->name);
    }
    for (guint i = 0; i < qemu->len; i++)
        add_unique(all, g_ptr_array_index(qemu, i));
    for (guint i = 0; i < roms->len; i++)
        add_unique(all, g_ptr_array_index(roms, i));
    for (guint i = 0; i < planned->len; i++)
        add_unique(all, g_ptr_array_index(planned, i));

    plan->fw_cfg_slots = fwneg_feature_data_file_slots(data, ctx);
    plan->fw_cfg_slots_used = all->len;
    if (plan->fw_cfg_slots == 0 || all->len <= plan->fw_cfg_slots)
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
                ctx->machine, plan->fw_cfg_slots, all->len, qemu->len, qemu_list, roms->len,
                roms->len ? "" : "none", rom_list, planned->len, planned_list,
                all->len - plan->fw_cfg_slots,
                plan->fw_cfg_slots <= 16 ? " (types newer than 2.8 have 32 slots)" : "");
    return FALSE;
}

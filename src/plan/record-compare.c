/* record-compare.c: the start-time check of a recorded plan (record-verify.h):
 * this host's plan of the XML libvirt resolved, against the record, device by
 * device.  libvirt 9.0 picks the firmware between prepare and start, so this
 * is the first moment the loader it chose can be compared; nothing can be
 * changed any more, only refused.
 */
#include "record-verify.h"

#include <string.h>

static void problem(GPtrArray *problems, const char *format, ...) G_GNUC_PRINTF(2, 3);
static void
problem(GPtrArray *problems, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_ptr_array_add(problems, g_strdup_vprintf(format, args));
    va_end(args);
}

static void
compare_firmware(const FwnegPlan *recorded, const FwnegPlan *local, GPtrArray *problems)
{
    const FwnegFirmwareChoice *r = recorded->firmware, *l = local->firmware;
    const char *r_exec = r ? r->executable : NULL, *l_exec = l ? l->executable : NULL;
    if (g_strcmp0(r_exec, l_exec) != 0)
        problem(problems, "firmware: libvirt resolved %s, the record says %s",
                l_exec ? l_exec : "none (QEMU's default)", r_exec ? r_exec : "none");
    /* A resolved XML names its template only when libvirt copies one. */
    if (r != NULL && l != NULL && r->nvram_template != NULL && l->nvram_template != NULL &&
        !l->nvram_template_from_legacy_list && g_strcmp0(r->nvram_template, l->nvram_template) != 0)
        problem(problems, "NVRAM template: libvirt resolved %s, the record says %s",
                l->nvram_template, r->nvram_template);
}

static const FwnegDeviceRom *
find_rom(const FwnegPlan *plan, const FwnegDeviceRom *like)
{
    for (guint i = 0; plan->roms != NULL && i < plan->roms->len; i++) {
        const FwnegDeviceRom *rom = g_ptr_array_index(plan->roms, i);
        if (like->ramblock != NULL ? g_strcmp0(rom->ramblock, like->ramblock) == 0
                                   : g_strcmp0(rom->device, like->device) == 0)
            return rom;
    }
    return NULL;
}

static void
compare_roms(const FwnegPlan *recorded, const FwnegPlan *local, GPtrArray *problems)
{
    for (guint i = 0; recorded->roms != NULL && i < recorded->roms->len; i++) {
        const FwnegDeviceRom *r = g_ptr_array_index(recorded->roms, i);
        const FwnegDeviceRom *l = find_rom(local, r);
        const char *what = r->ramblock ? r->ramblock : r->device;
        if (r->size <= 0 && (l == NULL || l->size <= 0))
            continue;
        if (l == NULL || l->size != r->size) {
            problem(problems,
                    "%s: ROM RAM block of %" G_GINT64_FORMAT
                    " bytes here, recorded %" G_GINT64_FORMAT,
                    what, l ? l->size : 0, r->size);
            continue;
        }
        if (r->sha256 != NULL && g_strcmp0(r->sha256, l->sha256) != 0)
            problem(problems, "%s: ROM %s here (sha256 %.12s…), recorded %s (%.12s…)", what,
                    l->file ? l->file : "none", l->sha256 ? l->sha256 : "-",
                    r->file ? r->file : "none", r->sha256);
    }
    for (guint i = 0; local->roms != NULL && i < local->roms->len; i++) {
        const FwnegDeviceRom *l = g_ptr_array_index(local->roms, i);
        if (l->size > 0 && find_rom(recorded, l) == NULL)
            problem(problems,
                    "%s: a ROM RAM block of %" G_GINT64_FORMAT " bytes that the record "
                    "does not have",
                    l->ramblock ? l->ramblock : l->device, l->size);
    }
}

static void
compare_bootorder(const FwnegPlan *recorded, const FwnegPlan *local, GPtrArray *problems)
{
    guint n = MAX(recorded->bootorder->len, local->bootorder->len);
    for (guint i = 0; i < n; i++) {
        const char *r =
            i < recorded->bootorder->len ? g_ptr_array_index(recorded->bootorder, i) : NULL;
        const char *l = i < local->bootorder->len ? g_ptr_array_index(local->bootorder, i) : NULL;
        if (g_strcmp0(r, l) != 0) {
            problem(problems, "boot order entry %u: %s here, recorded %s", i + 1, l ? l : "(none)",
                    r ? r : "(none)");
            return; /* one line is enough: the rest shifts with it */
        }
    }
}

static const FwnegFwCfgFile *
find_fw_cfg(const FwnegPlan *plan, const char *name)
{
    for (guint i = 0; plan->fw_cfg != NULL && i < plan->fw_cfg->len; i++) {
        const FwnegFwCfgFile *f = g_ptr_array_index(plan->fw_cfg, i);
        if (g_strcmp0(f->name, name) == 0)
            return f;
    }
    return NULL;
}

static void
compare_fw_cfg(const FwnegPlan *recorded, const FwnegPlan *local, GPtrArray *problems)
{
    for (guint i = 0; recorded->fw_cfg != NULL && i < recorded->fw_cfg->len; i++) {
        const FwnegFwCfgFile *r = g_ptr_array_index(recorded->fw_cfg, i);
        const FwnegFwCfgFile *l = find_fw_cfg(local, r->name);
        /* QEMU reads fwneg's own files from the <sysinfo> files prepare wrote
         * from the record; a pinned loader no longer tells the planner their
         * bytes (migrate-check.h, fwneg_plan_adopt_recorded_fw_cfg). */
        if (g_strcmp0(r->origin, "fwneg") == 0)
            continue;
        if (l == NULL)
            problem(problems, "fw_cfg file %s: recorded, not produced here", r->name);
        else if (r->data == NULL || l->data == NULL || !g_bytes_equal(r->data, l->data))
            problem(problems, "fw_cfg file %s: other bytes here than recorded", r->name);
    }
    for (guint i = 0; local->fw_cfg != NULL && i < local->fw_cfg->len; i++) {
        const FwnegFwCfgFile *l = g_ptr_array_index(local->fw_cfg, i);
        if (g_strcmp0(l->origin, "fwneg") != 0 && find_fw_cfg(recorded, l->name) == NULL)
            problem(problems, "fw_cfg file %s: produced here, not in the record", l->name);
    }
}

void
fwneg_record_compare(const FwnegPlan *recorded, const FwnegPlan *local, GPtrArray *problems)
{
    if (g_strcmp0(recorded->machine, local->machine) != 0)
        problem(problems, "machine type %s here, recorded %s",
                local->machine ? local->machine : "?", recorded->machine ? recorded->machine : "?");
    compare_firmware(recorded, local, problems);
    compare_roms(recorded, local, problems);
    compare_bootorder(recorded, local, problems);
    compare_fw_cfg(recorded, local, problems);
}

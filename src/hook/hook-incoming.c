/* hook-incoming.c: `migrate begin` (on the migration target, before its QEMU
 * exists) and `restore begin` (before a saved guest's QEMU is started).
 *
 * Both carry guest RAM that QEMU refuses to load unless every RAM block has
 * the recorded name and size ("Size mismatch: 0000:00:02.0/e1000.rom: 0x40000
 * != 0x80000"), and firmware that keeps running after a reboot, so the fw_cfg
 * files it negotiated with must keep their bytes.  From the guest's record
 * (it travels in <metadata>) and this host's own plan, the migrate-check
 * aspects find how this host reproduces each recorded ROM and fw_cfg file;
 * the hook writes the answer into the XML — the only two ops whose stdout
 * libvirt takes as the new XML, under its ABI check — or refuses before any
 * QEMU starts, naming the device, both sizes and the commands that fix it.
 */
#include <stdio.h>
#include <string.h>

#include "fwcfg-plan.h"
#include "hook.h"
#include "migrate-check.h"
#include "rom-store.h"

static GPtrArray *
refusals(GPtrArray *findings)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < findings->len; i++) {
        const FwnegMigrateFinding *f = g_ptr_array_index(findings, i);
        if (f->verdict == FWNEG_MIGRATE_REFUSED)
            g_ptr_array_add(lines, g_strdup_printf("%s %s: %s", f->aspect, f->subject, f->message));
    }
    return lines;
}

/* A ROM this host gives an adjusted NIC becomes a store copy too, so the guest
 * here is pinned against package upgrades like it was on its source. */
static void
store_local_roms(FwnegHook *hook, FwnegMigrateCheck *check)
{
    for (guint i = 0; i < check->local->roms->len; i++) {
        FwnegDeviceRom *rom = g_ptr_array_index(check->local->roms, i);
        if (rom->file == NULL || rom->store_file != NULL || rom->sha256 == NULL)
            continue;
        g_autoptr(GError) error = NULL;
        g_autofree char *real = fwneg_options_sysroot_path(check->options, rom->file);
        rom->store_file =
            fwneg_rom_store_put(fwneg_hook_state_dir(hook), real, rom->sha256, NULL, &error);
        if (rom->store_file == NULL)
            fwneg_hook_note(hook, "%s: %s stays pinned by path (%s)", rom->device, rom->file,
                            error->message);
    }
}

int
fwneg_hook_incoming(FwnegHook *hook)
{
    if (!hook->has_record)
        return 0; /* manage=all: nothing was recorded that must be reproduced */
    if (hook->recorded == NULL)
        return fwneg_hook_refuse_record(hook);
    g_autoptr(GError) error = NULL;
    FwnegEngine *engine = fwneg_hook_engine(hook, &error);
    if (engine == NULL)
        return fwneg_hook_refuse_message(hook, error->message);
    const FwnegOptions *options = fwneg_engine_get_options(engine);

    /* Plan the guest as this host would give it its devices. */
    fwneg_migrate_drop_foreign_roms(hook->domain, options);
    const FwnegEngineCall target = {.migration_target = TRUE};
    g_autoptr(FwnegPlan) local = fwneg_engine_plan(engine, hook->domain, &target, NULL, &error);
    if (local == NULL) {
        g_autofree char *message = g_strdup_printf("this host cannot plan it: %s", error->message);
        return fwneg_hook_refuse_message(hook, message);
    }
    fwneg_plan_adopt_recorded_fw_cfg(local, hook->recorded, fwneg_hook_state_dir(hook));
    g_autoptr(GPtrArray) findings =
        g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_migrate_finding_free);
    g_autoptr(GPtrArray) qemu_args = g_ptr_array_new_with_free_func(g_free);
    FwnegMigrateCheck check = {
        .recorded = hook->recorded,
        .local = local,
        .options = options,
        .findings = findings,
        .qemu_args = qemu_args,
        .descriptors = fwneg_engine_get_descriptors(engine),
    };
    fwneg_migrate_check_firmware(&check);
    fwneg_migrate_check_roms(&check);
    fwneg_migrate_check_fw_cfg(&check);
    if (fwneg_migrate_check_refused(&check)) {
        g_autoptr(GPtrArray) lines = refusals(findings);
        return fwneg_hook_refuse(hook, lines);
    }

    store_local_roms(hook, &check);
    if (!fwneg_fwcfg_write_files(local->fw_cfg, local->fw_cfg_state_dir, &error)) {
        g_autofree char *message =
            g_strdup_printf("cannot write its fw_cfg files: %s", error->message);
        return fwneg_hook_refuse_message(hook, message);
    }
    gboolean changed = FALSE;
    g_autofree char *xml =
        fwneg_migrate_target_xml(&check, hook->domain, hook->xml, hook->xml_len, &changed, &error);
    if (xml == NULL)
        return fwneg_hook_refuse_message(hook, error->message);
    for (guint i = 0; i < findings->len; i++) {
        const FwnegMigrateFinding *f = g_ptr_array_index(findings, i);
        if (f->verdict == FWNEG_MIGRATE_ADJUSTED)
            fwneg_hook_note(hook, "%s %s: %s", f->aspect, f->subject, f->message);
    }
    if (changed)
        fputs(xml, stdout);
    return 0;
}

/* migrate-check.c: what the aspect checkers of `fwneg migrate-check` share. */
#include "migrate-check.h"
#include "fwcfg-plan.h"

#include <string.h>

void
fwneg_migrate_finding_free(FwnegMigrateFinding *finding)
{
    if (finding == NULL)
        return;
    g_free(finding->aspect);
    g_free(finding->subject);
    g_free(finding->message);
    g_free(finding);
}

void
fwneg_migrate_check_add(FwnegMigrateCheck *check, const char *aspect, const char *subject,
                        FwnegMigrateVerdict verdict, const char *format, ...)
{
    FwnegMigrateFinding *finding = g_new0(FwnegMigrateFinding, 1);
    va_list args;
    finding->aspect = g_strdup(aspect);
    finding->subject = g_strdup(subject);
    finding->verdict = verdict;
    va_start(args, format);
    finding->message = g_strdup_vprintf(format, args);
    va_end(args);
    g_ptr_array_add(check->findings, finding);
}

gboolean
fwneg_migrate_check_refused(const FwnegMigrateCheck *check)
{
    for (guint i = 0; check->findings != NULL && i < check->findings->len; i++)
        if (((FwnegMigrateFinding *)g_ptr_array_index(check->findings, i))->verdict ==
            FWNEG_MIGRATE_REFUSED)
            return TRUE;
    return FALSE;
}

guint
fwneg_migrate_drop_foreign_roms(FwnegDomain *domain, const FwnegOptions *options)
{
    guint dropped = 0;
    for (guint i = 0; domain->interfaces != NULL && i < domain->interfaces->len; i++) {
        FwnegInterface *iface = g_ptr_array_index(domain->interfaces, i);
        if (iface->rom.file == NULL || iface->rom.file[0] == '\0')
            continue;
        g_autofree char *real = fwneg_options_sysroot_path(options, iface->rom.file);
        if (g_file_test(real, G_FILE_TEST_EXISTS))
            continue;
        g_clear_pointer(&iface->rom.file, g_free);
        dropped++;
    }
    return dropped;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp((*(FwnegFwCfgFile *const *)a)->name, (*(FwnegFwCfgFile *const *)b)->name);
}

/* Can this host's plan know the bytes of fwneg's files?  Not when the record's
 * firmware came from a descriptor and this plan's from the domain's own
 * <loader> (the descriptor's features, which the bytes follow from, are no
 * longer named). */
static gboolean
firmware_features_unknown(const FwnegPlan *local, const FwnegPlan *recorded)
{
    return recorded->firmware != NULL && recorded->firmware->descriptor != NULL &&
           recorded->firmware->source == FWNEG_FIRMWARE_FROM_DESCRIPTOR &&
           (local->firmware == NULL || local->firmware->source != FWNEG_FIRMWARE_FROM_DESCRIPTOR);
}

void
fwneg_plan_adopt_recorded_fw_cfg(FwnegPlan *local, const FwnegPlan *recorded, const char *state_dir)
{
    guint dropped = 0, added = 0;
    if (!firmware_features_unknown(local, recorded))
        return; /* planned the same way: the checker compares the bytes */
    for (guint i = local->fw_cfg->len; i-- > 0;) {
        const FwnegFwCfgFile *f = g_ptr_array_index(local->fw_cfg, i);
        if (g_strcmp0(f->origin, "fwneg") == 0) {
            g_ptr_array_remove_index(local->fw_cfg, i);
            dropped++;
        }
    }
    const char *id = local->uuid ? local->uuid : local->name ? local->name : "guest";
    for (guint i = 0; recorded->fw_cfg != NULL && i < recorded->fw_cfg->len; i++) {
        const FwnegFwCfgFile *r = g_ptr_array_index(recorded->fw_cfg, i);
        if (g_strcmp0(r->origin, "fwneg") != 0 || r->name == NULL || r->data == NULL)
            continue;
        FwnegFwCfgFile *copy = g_new0(FwnegFwCfgFile, 1);
        copy->name = g_strdup(r->name);
        copy->origin = g_strdup("fwneg");
        copy->data = g_bytes_ref(r->data);
        copy->file = g_build_filename(state_dir, FWNEG_FWCFG_STATE_SUBDIR, id, r->name, NULL);
        g_ptr_array_add(local->fw_cfg, copy);
        added++;
    }
    g_ptr_array_sort(local->fw_cfg, compare_names);
    if (local->fw_cfg_slots != 0)
        local->fw_cfg_slots_used = local->fw_cfg_slots_used - dropped + added;
    if (added > 0 && local->fw_cfg_state_dir == NULL)
        local->fw_cfg_state_dir = g_strdup(state_dir);
}

/* migrate-check.c: what the aspect checkers of `fwneg migrate-check` share. */
#include "migrate-check.h"

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

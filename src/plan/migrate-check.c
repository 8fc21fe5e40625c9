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

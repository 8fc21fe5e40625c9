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

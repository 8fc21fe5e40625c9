/* cmd-apply.c: `fwneg apply [--connect URI] [--dry-run] [OPTIONS] DOMAIN`.
 *
 * Applying talks to a libvirt daemon, and only fwneg-apply links libvirt
 * (an empty program linked with libvirt starts ~4x slower than one linked
 * with fwneg's own libraries; DESIGN.md "Architecture"), so this verb only
 * finds that helper and execs it with the same arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"
#include "fwneg-config.h"

#define APPLY_HELPER "fwneg-apply"

char *
fwneg_cli_find_helper(const char *name)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    if (self != NULL) {
        g_autofree char *dir = g_path_get_dirname(self);
        g_autofree char *beside = g_build_filename(dir, name, NULL);
        if (g_file_test(beside, G_FILE_TEST_IS_EXECUTABLE))
            return g_steal_pointer(&beside);
    }
    g_autofree char *installed = g_build_filename(FWNEG_LIBEXECDIR, name, NULL);
    if (g_file_test(installed, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer(&installed);
    return NULL;
}

int
fwneg_cmd_apply(int argc, char **argv)
{
    g_autofree char *helper = fwneg_cli_find_helper(APPLY_HELPER);
    if (helper == NULL) {
        fprintf(stderr,
                "fwneg: apply: %s is not installed (looked next to fwneg and in %s); "
                "`fwneg apply` needs it: it is the part of fwneg that talks to libvirt\n",
                APPLY_HELPER, FWNEG_LIBEXECDIR);
        return 2;
    }
    g_autofree char **args = g_new0(char *, argc + 1);
    args[0] = (char *)APPLY_HELPER;
    for (int i = 1; i < argc; i++)
        args[i] = argv[i];
    fflush(NULL);
    execv(helper, args);
    fprintf(stderr, "fwneg: apply: cannot run %s: %s\n", helper, g_strerror(errno));
    return 2;
}

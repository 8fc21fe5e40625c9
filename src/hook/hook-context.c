/* hook-context.c: what every op handler of the hook worker shares: options,
 * the engine, the run record's path, and the one-line refusal. */
#include <stdio.h>
#include <string.h>

#include "fwneg-error.h"
#include "hook.h"

const FwnegOptions *
fwneg_hook_options(const FwnegHook *hook)
{
    return hook->engine != NULL ? fwneg_engine_get_options(hook->engine) : hook->options;
}

const char *
fwneg_hook_state_dir(const FwnegHook *hook)
{
    return hook->state_dir;
}

FwnegEngine *
fwneg_hook_engine(FwnegHook *hook, GError **error)
{
    if (hook->engine == NULL && hook->options != NULL) {
        /* The engine takes the options over, and frees them when it fails. */
        hook->engine = fwneg_engine_new(g_steal_pointer(&hook->options), error);
    } else if (hook->engine == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST, "fwneg's engine could not be loaded");
    }
    return hook->engine;
}

/* libvirt puts all of stderr into its error message: keep it one line. */
static char *
one_line(const char *text)
{
    char *line = g_strdup(text ? text : "");
    for (char *p = line; *p != '\0'; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return line;
}

static const char *
refusal(const FwnegHook *hook)
{
    if (strcmp(hook->op, "migrate") == 0)
        return "refusing the incoming migration of";
    if (strcmp(hook->op, "restore") == 0)
        return "refusing to restore";
    return "refusing to start";
}

int
fwneg_hook_refuse(const FwnegHook *hook, GPtrArray *problems)
{
    g_autofree char *first =
        one_line(problems->len > 0 ? g_ptr_array_index(problems, 0) : "the check failed");
    if (problems->len > 1)
        fprintf(stderr, "fwneg: %s %s: %s (and %u more problem%s)\n", refusal(hook), hook->name,
                first, problems->len - 1, problems->len == 2 ? "" : "s");
    else
        fprintf(stderr, "fwneg: %s %s: %s\n", refusal(hook), hook->name, first);
    return 1;
}

int
fwneg_hook_refuse_message(const FwnegHook *hook, const char *message)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new();
    g_ptr_array_add(problems, (char *)message);
    return fwneg_hook_refuse(hook, problems);
}

void
fwneg_hook_note(const FwnegHook *hook, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_autofree char *message = g_strdup_vprintf(format, args);
    va_end(args);
    g_autofree char *line = one_line(message);
    fprintf(stderr, "fwneg: %s %s: %s\n", hook->op, hook->name, line);
}

char *
fwneg_hook_run_record_path(const FwnegHook *hook)
{
    const char *uuid = hook->domain ? hook->domain->uuid : NULL;
    /* The parser keeps only the canonical form (hex digits and dashes). */
    if (uuid == NULL || strlen(uuid) != 36)
        return NULL;
    g_autofree char *name = g_strconcat(uuid, ".json", NULL);
    return g_build_filename(fwneg_hook_state_dir(hook), "run", name, NULL);
}

/* hook-start.c: `start begin` and `reconnect begin`.
 *
 * start: libvirt has resolved the XML (on 9.0 the autoselected <loader> and
 * <nvram> appear here first, and device aliases) and built QEMU's command
 * line; nothing can change any more.  This host's plan of that XML must equal
 * the record (a recorded guest) or the plan made at prepare (manage=all), or
 * the start is vetoed with one line.
 *
 * reconnect: libvirtd restarted and found the guest running.  The same
 * comparison, but a failing reconnect hook makes libvirt kill the running
 * guest, so differences are only reported.
 */
#include "hook.h"
#include "record-verify.h"

/* The plan the guest must match: its record, else prepare's plan; NULL when
 * neither exists (nothing to compare). */
static FwnegPlan *
reference_plan(FwnegHook *hook, gboolean *borrowed)
{
    *borrowed = hook->recorded != NULL;
    if (hook->recorded != NULL)
        return hook->recorded;
    return fwneg_hook_read_run_record(hook);
}

static GPtrArray *
compare(FwnegHook *hook, const FwnegPlan *reference)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *problems = g_ptr_array_new_with_free_func(g_free);
    FwnegEngine *engine = fwneg_hook_engine(hook, &error);
    g_autoptr(FwnegPlan) local =
        engine != NULL ? fwneg_engine_plan(engine, hook->domain, NULL, NULL, &error) : NULL;
    if (local == NULL)
        g_ptr_array_add(problems, g_strdup(error->message));
    else
        fwneg_record_compare(reference, local, problems);
    return problems;
}

int
fwneg_hook_start(FwnegHook *hook)
{
    if (hook->has_record && hook->recorded == NULL)
        return fwneg_hook_refuse_record(hook);
    gboolean borrowed = FALSE;
    FwnegPlan *reference = reference_plan(hook, &borrowed);
    if (reference == NULL)
        return 0;
    g_autoptr(GPtrArray) problems = compare(hook, reference);
    if (!borrowed)
        fwneg_plan_free(reference);
    return problems->len > 0 ? fwneg_hook_refuse(hook, problems) : 0;
}

int
fwneg_hook_reconnect(FwnegHook *hook)
{
    if (hook->has_record && hook->recorded == NULL) {
        fwneg_hook_note(hook, "warning: %s", hook->record_error->message);
        return 0;
    }
    if (hook->recorded == NULL)
        return 0;
    g_autoptr(GPtrArray) problems = compare(hook, hook->recorded);
    for (guint i = 0; i < problems->len; i++)
        fwneg_hook_note(hook, "warning: the running guest differs from its record: %s",
                        (char *)g_ptr_array_index(problems, i));
    return 0;
}

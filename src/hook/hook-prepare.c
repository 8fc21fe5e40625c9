/* hook-prepare.c: `prepare begin`, before libvirt labels anything or starts
 * QEMU, the first moment the hook sees a start (and, on a migration target
 * or a restore, the moment right after its own rewrite).
 *
 * A recorded guest: materialise what fwneg keeps for it (ROM store copies,
 * its fw_cfg files) and verify that the record still holds on this host
 * (record-verify.c); refuse with one line otherwise.  A guest without a
 * record, under manage=all: plan it and refuse only what this host cannot
 * satisfy; the plan is kept as the run record for the start check.
 */
#include "fwneg-error.h"
#include "hook.h"
#include "record-verify.h"

int
fwneg_hook_refuse_record(const FwnegHook *hook)
{
    if (g_error_matches(hook->record_error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE))
        return fwneg_hook_refuse_message(hook, hook->record_error->message); /* newer fwneg */
    g_autofree char *message = g_strdup_printf("%s; the record is damaged: re-run `fwneg apply %s`",
                                               hook->record_error->message, hook->name);
    return fwneg_hook_refuse_message(hook, message);
}

static int
prepare_recorded(FwnegHook *hook)
{
    g_autoptr(GError) error = NULL;
    if (hook->recorded == NULL)
        return fwneg_hook_refuse_record(hook);
    FwnegEngine *engine = fwneg_hook_engine(hook, &error);
    if (engine == NULL)
        return fwneg_hook_refuse_message(hook, error->message);
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func(g_free);
    FwnegRecordVerify verify = {
        .recorded = hook->recorded,
        .domain = hook->domain,
        .options = fwneg_engine_get_options(engine),
        .descriptors = fwneg_engine_get_descriptors(engine),
        .hash_cache = fwneg_engine_get_rom_hash_cache(engine),
        .materialise = TRUE,
        .problems = problems,
        .done = done,
    };
    fwneg_record_verify_host(&verify);
    fwneg_rom_hash_cache_save(fwneg_engine_get_rom_hash_cache(engine));
    for (guint i = 0; i < done->len; i++)
        fwneg_hook_note(hook, "%s", (char *)g_ptr_array_index(done, i));
    return problems->len > 0 ? fwneg_hook_refuse(hook, problems) : 0;
}

int
fwneg_hook_prepare(FwnegHook *hook)
{
    if (hook->has_record)
        return prepare_recorded(hook);

    g_autoptr(GError) error = NULL;
    FwnegEngine *engine = fwneg_hook_engine(hook, &error);
    g_autoptr(FwnegPlan) plan =
        engine != NULL ? fwneg_engine_plan(engine, hook->domain, NULL, NULL, &error) : NULL;
    if (plan == NULL) {
        if (g_error_matches(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE))
            return fwneg_hook_refuse_message(hook, error->message);
        /* manage=all refuses only what the host cannot satisfy */
        fwneg_hook_note(hook, "not planned: %s", error->message);
        return 0;
    }
    if (!fwneg_hook_write_run_record(hook, plan, &error))
        fwneg_hook_note(hook, "plan not kept for the start check: %s", error->message);
    return 0;
}

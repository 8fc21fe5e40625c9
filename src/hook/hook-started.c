/* hook-started.c: `started begin` and `release end`, and the run record.
 *
 * started: QEMU runs (vCPUs resumed, or paused with --paused; on a migration
 * target it waits for the stream).  The hook writes the record of this run:
 * STATE_DIR/run/<uuid>.json (this run's plan: firmware, every ROM with size and
 * sha256, fw_cfg bytes, boot order) and STATE_DIR/vms/<uuid>.json (the guest's
 * record, rewritten only when it differs).  Both writes are atomic: a reader,
 * or a hook killed half-way, sees the old file or the new one, never a part.
 * A failing started hook makes libvirt kill the guest it just started, so a
 * recording problem is only reported.
 *
 * release: the guest's QEMU is gone; its run record goes too.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "atomic-file.h"
#include "fwneg-error.h"
#include "hook.h"
#include "record.h"
#include "safe-xml.h"

#define RUN_RECORD_MAX_BYTES (16 * 1024 * 1024)

static gboolean
write_json_if_changed(const char *state_dir, const char *subdir, const char *path, const char *json,
                      GError **error)
{
    g_autofree char *old = NULL;
    gsize old_len = 0;
    if (fwneg_read_bounded(path, RUN_RECORD_MAX_BYTES, &old, &old_len, NULL) &&
        old_len == strlen(json) && memcmp(old, json, old_len) == 0)
        return TRUE; /* an fsync saved */
    /* Refuses a symlink at STATE_DIR or STATE_DIR/SUBDIR (tests/hostile). */
    return fwneg_ensure_state_subdir(state_dir, subdir, 0755, error) &&
           fwneg_atomic_write(path, json, strlen(json), 0644, error);
}

gboolean
fwneg_hook_write_run_record(const FwnegHook *hook, const FwnegPlan *plan, GError **error)
{
    g_autofree char *path = fwneg_hook_run_record_path(hook);
    if (path == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "the domain XML has no <uuid>: no run record");
        return FALSE;
    }
    g_autofree char *json = fwneg_plan_to_json(plan);
    return write_json_if_changed(fwneg_hook_state_dir(hook), "run", path, json, error);
}

FwnegPlan *
fwneg_hook_read_run_record(const FwnegHook *hook)
{
    g_autofree char *path = fwneg_hook_run_record_path(hook);
    g_autofree char *data = NULL;
    gsize len = 0;
    if (path == NULL || !fwneg_read_bounded(path, RUN_RECORD_MAX_BYTES, &data, &len, NULL))
        return NULL;
    return fwneg_plan_from_json(data, len, path, NULL);
}

static void
record_recorded(FwnegHook *hook)
{
    g_autoptr(GError) error = NULL;
    if (!fwneg_hook_write_run_record(hook, hook->recorded, &error)) {
        fwneg_hook_note(hook, "warning: run record not written: %s", error->message);
        g_clear_error(&error);
    }
    const char *uuid = hook->recorded->uuid ? hook->recorded->uuid : hook->domain->uuid;
    if (uuid == NULL || g_strcmp0(uuid, hook->domain->uuid) != 0) {
        fwneg_hook_note(hook,
                        "warning: the record is for UUID %s, the guest is %s: not kept "
                        "in " FWNEG_RECORD_SUBDIR "/",
                        uuid ? uuid : "(none)", hook->domain->uuid ? hook->domain->uuid : "(none)");
        return;
    }
    g_autofree char *path = fwneg_record_path(fwneg_hook_state_dir(hook), uuid);
    g_autofree char *json = fwneg_plan_to_json(hook->recorded);
    if (!write_json_if_changed(fwneg_hook_state_dir(hook), FWNEG_RECORD_SUBDIR, path, json, &error))
        fwneg_hook_note(hook, "warning: record not written: %s", error->message);
}

/* manage=all: the plan prepare made (else one made now) becomes the guest's
 * record, ROMs copied into the store, as `fwneg record` does. */
static void
record_planned(FwnegHook *hook)
{
    g_autoptr(GError) error = NULL;
    FwnegEngine *engine = fwneg_hook_engine(hook, &error);
    if (engine == NULL) {
        fwneg_hook_note(hook, "warning: not recorded: %s", error->message);
        return;
    }
    g_autoptr(FwnegPlan) plan = fwneg_hook_read_run_record(hook);
    if (plan == NULL)
        plan = fwneg_engine_plan(engine, hook->domain, NULL, NULL, &error);
    if (plan == NULL || !fwneg_engine_record(engine, plan, &error)) {
        fwneg_hook_note(hook, "warning: not recorded: %s", error->message);
        return;
    }
    if (!fwneg_hook_write_run_record(hook, plan, &error))
        fwneg_hook_note(hook, "warning: run record not written: %s", error->message);
}

int
fwneg_hook_started(FwnegHook *hook)
{
    if (hook->has_record && hook->recorded == NULL)
        fwneg_hook_note(hook, "warning: not recorded: %s", hook->record_error->message);
    else if (hook->recorded != NULL)
        record_recorded(hook);
    else
        record_planned(hook);
    return 0;
}

int
fwneg_hook_release(FwnegHook *hook)
{
    g_autofree char *path = fwneg_hook_run_record_path(hook);
    if (path != NULL && unlink(path) != 0 && errno != ENOENT)
        fwneg_hook_note(hook, "warning: cannot remove %s: %s", path, g_strerror(errno));
    return 0;
}

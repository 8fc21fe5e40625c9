/* hook-worker.c: fwneg-hook-worker NAME OP SUBOP EXTRA (see hook.h): reads the
 * XML and the config, then hands the call to the op's handler. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fwneg-error.h"
#include "hook.h"
#include "record.h"
#include "safe-xml.h"

/* Ops whose failure would kill a running guest or changes nothing. */
static gboolean
never_fails(const char *op)
{
    return strcmp(op, "started") == 0 || strcmp(op, "reconnect") == 0 ||
           strcmp(op, "release") == 0 || strcmp(op, "stopped") == 0;
}

static FwnegOptions *
load_options(GError **error)
{
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    const char *config = g_getenv("FWNEG_CONFIG");
    gboolean explicit = config != NULL && config[0] != '\0';
    /* Not passed by libvirt; set by tests and by `meson devenv`. */
    const char *data_dir = g_getenv("FWNEG_DATA_DIR");
    if (data_dir != NULL && data_dir[0] == '/')
        options->data_dir = g_strdup(data_dir);
    /* A session daemon (not root) searches its user's descriptor dir, as QEMU's
     * spec says; libvirt's system daemon does not (README "How the firmware is
     * chosen").  libvirt passes the hook HOME, not XDG_CONFIG_HOME. */
    const char *home = g_getenv("HOME");
    if (geteuid() != 0 && home != NULL && home[0] == '/')
        options->xdg_config_home = g_build_filename(home, ".config", NULL);
    if (!fwneg_options_load_config(options, explicit ? config : FWNEG_DEFAULT_CONFIG_FILE, explicit,
                                   error))
        return NULL;
    if (options->rom_policy == NULL)
        options->rom_policy = g_strdup("default");
    return g_steal_pointer(&options);
}

static void
hook_clear(FwnegHook *hook)
{
    g_free(hook->xml);
    g_free(hook->state_dir);
    fwneg_options_free(hook->options);
    fwneg_engine_free(hook->engine);
    fwneg_domain_free(hook->domain);
    g_clear_error(&hook->domain_error);
    fwneg_plan_free(hook->recorded);
    g_clear_error(&hook->record_error);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FwnegHook, hook_clear)

static void
read_record(FwnegHook *hook)
{
    g_autofree char *source = g_strdup_printf("the fwneg record in %s's <metadata>", hook->name);
    if (hook->domain == NULL || hook->domain->fwneg_metadata == NULL)
        return;
    hook->has_record = TRUE;
    hook->recorded =
        fwneg_plan_from_metadata(hook->domain->fwneg_metadata, source, &hook->record_error);
    /* The metadata form does not repeat what the domain says about itself. */
    if (hook->recorded != NULL && hook->recorded->uuid == NULL)
        hook->recorded->uuid = g_strdup(hook->domain->uuid);
    if (hook->recorded != NULL && hook->recorded->name == NULL)
        hook->recorded->name = g_strdup(hook->domain->name);
}

int
main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: fwneg-hook-worker NAME OP SUBOP EXTRA < DOMAIN.xml (started by "
                        "fwneg-hook)\n");
        return 2;
    }
    g_auto(FwnegHook) hook = {.name = argv[1], .op = argv[2], .subop = argv[3]};
    g_autoptr(GError) error = NULL;
    gboolean fails = !never_fails(hook.op);

    if (!fwneg_read_bounded("-", FWNEG_DOMAIN_XML_MAX_BYTES, &hook.xml, &hook.xml_len, &error)) {
        fprintf(stderr, "fwneg: %s %s: %s\n", hook.op, hook.name, error->message);
        return fails ? 1 : 0;
    }
    /* memmem, not strstr: the text may hold a NUL byte before the namespace. */
    static const char ns[] = "https://fwneg.org/xmlns/fwneg/";
    gboolean recorded_text = memmem(hook.xml, hook.xml_len, ns, sizeof(ns) - 1) != NULL;
    hook.options = load_options(&error);
    if (hook.options == NULL) {
        /* A broken config refuses the guests fwneg recorded (their check cannot
         * run), not every guest on the host. */
        if (fails && recorded_text)
            return fwneg_hook_refuse_message(&hook, error->message);
        fwneg_hook_note(&hook, "%s", error->message);
        return 0;
    }
    if (hook.options->hook_manage == FWNEG_HOOK_MANAGE_NONE)
        return 0;
    hook.state_dir =
        g_strdup(hook.options->state_dir ? hook.options->state_dir : FWNEG_DEFAULT_STATE_DIR);
    g_autofree char *source = g_strdup_printf("the domain XML of %s (%s)", hook.name, hook.op);
    hook.domain = fwneg_domain_parse_memory(hook.xml, hook.xml_len, source, &hook.domain_error);
    if (hook.domain != NULL && hook.domain->arch == NULL)
        hook.domain->arch = fwneg_engine_host_arch();
    read_record(&hook);

    if (hook.domain == NULL) {
        /* A guest fwneg recorded but cannot read now is refused; one it was
         * only asked to plan (manage=all) is left to libvirt. */
        gboolean recorded =
            g_strstr_len(hook.xml, hook.xml_len, "https://fwneg.org/xmlns/fwneg/") != NULL;
        if (recorded && fails)
            return fwneg_hook_refuse_message(&hook, hook.domain_error->message);
        fwneg_hook_note(&hook, "not planned: %s", hook.domain_error->message);
        return 0;
    }
    if (!hook.has_record && hook.options->hook_manage != FWNEG_HOOK_MANAGE_ALL)
        return 0; /* the entry's text test matched something else */

    if (strcmp(hook.op, "prepare") == 0)
        return fwneg_hook_prepare(&hook);
    if (strcmp(hook.op, "start") == 0)
        return fwneg_hook_start(&hook);
    if (strcmp(hook.op, "started") == 0)
        return fwneg_hook_started(&hook);
    if (strcmp(hook.op, "reconnect") == 0)
        return fwneg_hook_reconnect(&hook);
    if (strcmp(hook.op, "release") == 0)
        return fwneg_hook_release(&hook);
    if (strcmp(hook.op, "migrate") == 0 || strcmp(hook.op, "restore") == 0)
        return fwneg_hook_incoming(&hook);
    return 0;
}

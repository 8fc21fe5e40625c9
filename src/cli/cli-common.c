/* cli-common.c: the options every verb accepts and loading one guest. */
#include "cli-common.h"

#include <stdio.h>

#include "atomic-file.h"
#include "fwneg-error.h"
#include "safe-xml.h"

void
fwneg_cli_args_clear(FwnegCliArgs *args)
{
    g_clear_pointer(&args->firmware_dirs, g_strfreev);
    g_clear_pointer(&args->rom_dirs, g_strfreev);
    g_clear_pointer(&args->rom_policy, g_free);
    g_clear_pointer(&args->state_dir, g_free);
    g_clear_pointer(&args->qemu, g_free);
    g_clear_pointer(&args->canonical_machine, g_free);
    g_clear_pointer(&args->sysroot, g_free);
    g_clear_pointer(&args->config, g_free);
    g_clear_pointer(&args->output, g_free);
}

void
fwneg_cli_add_common_options(GOptionContext *context, FwnegCliArgs *args)
{
    const GOptionEntry entries[] = {
        {"firmware-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args->firmware_dirs,
         "Descriptor directory (repeatable, lowest priority first; replaces the default path)",
         "DIR"},
        {"rom-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args->rom_dirs,
         "Option ROM directory (repeatable; replaces the default path)", "DIR"},
        {"rom-policy", 0, 0, G_OPTION_ARG_STRING, &args->rom_policy,
         "ROM policy: default (architecture-aware) or qemu (QEMU's own defaults)", "NAME"},
        {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &args->state_dir,
         "State directory (default " FWNEG_DEFAULT_STATE_DIR ")", "DIR"},
        {"qemu", 0, 0, G_OPTION_ARG_FILENAME, &args->qemu, "Emulator binary to probe", "PATH"},
        {"canonical-machine", 0, 0, G_OPTION_ARG_STRING, &args->canonical_machine,
         "Use this canonical machine type instead of probing QEMU (e.g. pc-q35-7.2)", "NAME"},
        {"sysroot", 0, 0, G_OPTION_ARG_FILENAME, &args->sysroot,
         "Resolve every host path fwneg reads inside DIR, as if DIR were /", "DIR"},
        {"config", 0, 0, G_OPTION_ARG_FILENAME, &args->config,
         "Configuration file (default " FWNEG_DEFAULT_CONFIG_FILE " when present)", "FILE"},
        G_OPTION_ENTRY_NULL,
    };
    GOptionGroup *group = g_option_group_new(
        "common", "Options every verb accepts:", "Show common options", NULL, NULL);
    g_option_group_add_entries(group, entries);
    g_option_context_add_group(context, group);
}

static GPtrArray *
strv_to_array(char **strv)
{
    GPtrArray *array = g_ptr_array_new_with_free_func(g_free);
    for (char **p = strv; p != NULL && *p != NULL; p++)
        g_ptr_array_add(array, g_strdup(*p));
    return array;
}

FwnegOptions *
fwneg_cli_build_options(const FwnegCliArgs *args, GError **error)
{
    g_autoptr(FwnegOptions) options = fwneg_options_new();

    if (args->rom_policy != NULL && g_strcmp0(args->rom_policy, "default") != 0 &&
        g_strcmp0(args->rom_policy, "qemu") != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_USAGE,
                    "unknown --rom-policy '%s' (known: default, qemu)", args->rom_policy);
        return NULL;
    }
    if (args->firmware_dirs != NULL)
        options->firmware_dirs = strv_to_array(args->firmware_dirs);
    if (args->rom_dirs != NULL)
        options->rom_dirs = strv_to_array(args->rom_dirs);
    options->rom_policy = g_strdup(args->rom_policy);
    options->state_dir = g_strdup(args->state_dir);
    options->qemu = g_strdup(args->qemu);
    options->canonical_machine = g_strdup(args->canonical_machine);
    if (args->sysroot != NULL && g_strcmp0(args->sysroot, "/") != 0) {
        if (!g_file_test(args->sysroot, G_FILE_TEST_IS_DIR)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_USAGE, "--sysroot %s: not a directory",
                        args->sysroot);
            return NULL;
        }
        options->sysroot = g_strdup(args->sysroot);
    }

    /* Uninstalled runs and tests point at the source tree's data/ (README "Tests"). */
    const char *data_dir = g_getenv("FWNEG_DATA_DIR");
    if (data_dir != NULL && data_dir[0] != '\0')
        options->data_dir = g_strdup(data_dir);

    /* The per-user descriptor directory, as QEMU's spec defines it. */
    const char *xdg = g_getenv("XDG_CONFIG_HOME");
    const char *home = g_getenv("HOME");
    if (xdg != NULL && xdg[0] == '/')
        options->xdg_config_home = g_strdup(xdg);
    else if (home != NULL && home[0] == '/')
        options->xdg_config_home = g_build_filename(home, ".config", NULL);

    /* An explicit --config must exist; the default one is optional. */
    const char *config = args->config != NULL ? args->config : FWNEG_DEFAULT_CONFIG_FILE;
    if (!fwneg_options_load_config(options, config, args->config != NULL, error))
        return NULL;
    if (options->rom_policy == NULL)
        options->rom_policy = g_strdup("default");
    return g_steal_pointer(&options);
}

void
fwneg_cli_guest_free(FwnegCliGuest *guest)
{
    if (guest == NULL)
        return;
    fwneg_engine_free(guest->engine);
    fwneg_domain_free(guest->domain);
    g_free(guest->xml);
    g_free(guest);
}

FwnegCliGuest *
fwneg_cli_guest_load_xml(const FwnegCliArgs *args, const char *data, gsize len,
                         const char *source_name, GError **error)
{
    g_autoptr(FwnegCliGuest) guest = g_new0(FwnegCliGuest, 1);

    g_autoptr(FwnegOptions) options = fwneg_cli_build_options(args, error);
    if (options == NULL)
        return NULL;
    guest->domain = fwneg_domain_parse_memory(data, len, source_name, error);
    if (guest->domain == NULL)
        return NULL;
    guest->xml = g_strndup(data, len);
    guest->xml_len = len;
    /* libvirt fills a missing <type arch> with the host's architecture. */
    if (guest->domain->arch == NULL)
        guest->domain->arch = fwneg_engine_host_arch();

    guest->engine = fwneg_engine_new(g_steal_pointer(&options), error);
    if (guest->engine == NULL)
        return NULL;
    guest->options = fwneg_engine_get_options(guest->engine);
    guest->descriptors = fwneg_engine_get_descriptors(guest->engine);
    guest->warnings = fwneg_engine_get_warnings(guest->engine);
    guest->facts = fwneg_engine_host_facts(guest->engine, guest->domain, NULL, error);
    if (guest->facts == NULL)
        return NULL;
    return g_steal_pointer(&guest);
}

FwnegCliGuest *
fwneg_cli_guest_load(const FwnegCliArgs *args, const char *xml_path, GError **error)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!fwneg_read_bounded(xml_path, FWNEG_DOMAIN_XML_MAX_BYTES, &data, &len, error))
        return NULL;
    return fwneg_cli_guest_load_xml(args, data, len, xml_path, error);
}

FwnegPlan *
fwneg_cli_guest_plan(FwnegCliGuest *guest, GError **error)
{
    return fwneg_engine_plan(guest->engine, guest->domain, NULL, NULL, error);
}

int
fwneg_cli_report_error(const GError *error)
{
    fprintf(stderr, "fwneg: %s\n", error->message);
    return fwneg_error_exit_status(error);
}

void
fwneg_cli_print_warnings(GPtrArray *warnings)
{
    for (guint i = 0; warnings != NULL && i < warnings->len; i++)
        fprintf(stderr, "fwneg: warning: %s\n", (const char *)g_ptr_array_index(warnings, i));
}

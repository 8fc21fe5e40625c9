/* cmd-descriptors.c: `fwneg descriptors list` and `fwneg descriptors lint FILE…`. */
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "descriptor-lint.h"
#include "descriptor-store.h"
#include "fwneg-error.h"

static const char *
state_name(FwnegDescriptorState state)
{
    switch (state) {
    case FWNEG_DESCRIPTOR_OK:
        return "ok";
    case FWNEG_DESCRIPTOR_MASKED:
        return "masked";
    case FWNEG_DESCRIPTOR_BROKEN:
        return "broken";
    }
    return "?";
}

static char *
join_array(GPtrArray *array, const char *separator)
{
    if (array == NULL || array->len == 0)
        return g_strdup("-");
    g_autoptr(GString) s = g_string_new(NULL);
    for (guint i = 0; i < array->len; i++) {
        if (i > 0)
            g_string_append(s, separator);
        g_string_append(s, g_ptr_array_index(array, i));
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *
describe_targets(const FwnegFirmwareDescriptor *desc)
{
    g_autoptr(GString) s = g_string_new(NULL);
    for (guint i = 0; i < desc->targets->len; i++) {
        const FwnegFirmwareTarget *t = g_ptr_array_index(desc->targets, i);
        g_autofree char *machines = join_array(t->machines, ",");
        g_string_append_printf(s, "%s%s:%s", i > 0 ? " " : "", t->architecture, machines);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
print_entry(const FwnegDescriptorEntry *entry)
{
    printf("%-40s %-7s %s\n", entry->name, state_name(entry->state), entry->path);
    for (guint i = 0; entry->overridden != NULL && i < entry->overridden->len; i++)
        printf("%-40s %-7s   overrides %s\n", "", "",
               (const char *)g_ptr_array_index(entry->overridden, i));
    if (entry->state == FWNEG_DESCRIPTOR_BROKEN) {
        printf("%-40s %-7s   %s\n", "", "", entry->error);
        return;
    }
    if (entry->state != FWNEG_DESCRIPTOR_OK)
        return;
    const FwnegFirmwareDescriptor *d = entry->desc;
    g_autofree char *interfaces = join_array(d->interface_types, ",");
    g_autofree char *targets = describe_targets(d);
    g_autofree char *features = join_array(d->features, ",");
    const char *file = d->executable ? d->executable : d->filename;
    printf("%-40s %-7s   %s %s%s%s: %s\n", "", "", interfaces, d->device, d->mode ? "/" : "",
           d->mode ? d->mode : "", file ? file : "-");
    if (d->nvram_template != NULL)
        printf("%-40s %-7s   nvram template %s\n", "", "", d->nvram_template);
    printf("%-40s %-7s   targets %s\n", "", "", targets);
    printf("%-40s %-7s   features %s\n", "", "", features);
}

/* The common options for `descriptors ACTION`; on a parse error prints it and
 * returns FALSE (exit 2).  @argc/@argv keep the positional arguments. */
static gboolean
parse_action_args(int *argc, char ***argv, const char *action, const char *parameters,
                  const char *summary, FwnegCliArgs *args)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GOptionContext) context = g_option_context_new(parameters);
    g_option_context_set_summary(context, summary);
    fwneg_cli_add_common_options(context, args);
    if (!g_option_context_parse(context, argc, argv, &error)) {
        fprintf(stderr, "fwneg: descriptors %s: %s\n", action, error->message);
        return FALSE;
    }
    return TRUE;
}

static int
descriptors_list(int argc, char **argv)
{
    g_auto(FwnegCliArgs) args = {0};
    g_autoptr(GError) error = NULL;
    if (!parse_action_args(&argc, &argv, "list", "",
                           "The effective, merged set of firmware descriptors in libvirt's "
                           "order: which\ndirectory each comes from, which are masked, which "
                           "are broken and why.",
                           &args))
        return 2;
    if (argc != 1) {
        fprintf(stderr, "fwneg: descriptors list takes no arguments\n");
        return 2;
    }
    g_autoptr(FwnegOptions) options = fwneg_cli_build_options(&args, &error);
    if (options == NULL)
        return fwneg_cli_report_error(error);
    g_autoptr(GPtrArray) dirs = fwneg_options_firmware_dirs(options);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    fwneg_descriptor_store_check_dirs(dirs, options->sysroot, warnings);
    g_autoptr(GPtrArray) entries = fwneg_descriptor_store_load(dirs, options->sysroot, &error);
    if (entries == NULL)
        return fwneg_cli_report_error(error);

    fwneg_cli_print_warnings(warnings);
    printf("search path (lowest priority first):\n");
    for (guint i = 0; i < dirs->len; i++)
        printf("  %s\n", (const char *)g_ptr_array_index(dirs, i));
    printf("\n");
    for (guint i = 0; i < entries->len; i++)
        print_entry(g_ptr_array_index(entries, i));
    return 0;
}

static int
descriptors_lint(int argc, char **argv)
{
    g_auto(FwnegCliArgs) args = {0};
    g_autoptr(GError) error = NULL;
    if (!parse_action_args(&argc, &argv, "lint", "FILE…",
                           "Check firmware descriptor files: schema errors with position, "
                           "unknown features,\nfiles they name that do not exist.  Exit 0: no "
                           "errors (warnings allowed); 1: errors.",
                           &args))
        return 2;
    if (argc < 2) {
        fprintf(stderr, "fwneg: descriptors lint: expected at least one FILE\n");
        return 2;
    }
    g_autoptr(FwnegOptions) options = fwneg_cli_build_options(&args, &error);
    if (options == NULL)
        return fwneg_cli_report_error(error);

    guint errors = 0, warnings = 0;
    for (int i = 1; i < argc; i++) {
        g_autoptr(GPtrArray) findings = fwneg_descriptor_lint_file(argv[i], options->sysroot);
        for (guint j = 0; j < findings->len; j++) {
            const FwnegLintFinding *f = g_ptr_array_index(findings, j);
            gboolean is_error = f->severity == FWNEG_LINT_ERROR;
            printf("%s: %s\n", is_error ? "error" : "warning", f->message);
            if (is_error)
                errors++;
            else
                warnings++;
        }
        if (findings->len == 0)
            printf("ok: %s\n", argv[i]);
    }
    printf("%d file(s), %u error(s), %u warning(s)\n", argc - 1, errors, warnings);
    return errors > 0 ? 1 : 0;
}

int
fwneg_cmd_descriptors(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "Usage: fwneg descriptors list [OPTIONS]\n"
                        "       fwneg descriptors lint [OPTIONS] FILE…\n");
        return 2;
    }
    if (strcmp(argv[1], "list") == 0)
        return descriptors_list(argc - 1, argv + 1);
    if (strcmp(argv[1], "lint") == 0)
        return descriptors_lint(argc - 1, argv + 1);
    fprintf(stderr, "fwneg: descriptors: unknown action '%s' (known: list, lint)\n", argv[1]);
    return 2;
}

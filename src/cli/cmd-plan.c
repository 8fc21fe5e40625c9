/* cmd-plan.c: `fwneg plan` and `fwneg explain`. */
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "descriptor-store.h"
#include "domain-validate.h"
#include "firmware-match.h"
#include "fwneg-error.h"
#include "fwcfg-plan.h"

typedef enum {
    OUTPUT_TEXT,
    OUTPUT_JSON,
    OUTPUT_XML,
    OUTPUT_QEMU_ARGS,
} OutputFormat;

static gboolean
parse_output(const char *value, OutputFormat *format, GError **error)
{
    static const struct {
        const char *name;
        OutputFormat format;
    } formats[] = {
        {"text", OUTPUT_TEXT},
        {"json", OUTPUT_JSON},
        {"xml", OUTPUT_XML},
        {"qemu-args", OUTPUT_QEMU_ARGS},
    };
    if (value == NULL) {
        *format = OUTPUT_TEXT;
        return TRUE;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(formats); i++) {
        if (strcmp(value, formats[i].name) == 0) {
            *format = formats[i].format;
            return TRUE;
        }
    }
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_USAGE,
                "unknown --output '%s' (known: text, json, xml, qemu-args)", value);
    return FALSE;
}

/* Parse a verb's command line: common options + --output, exactly one VM.xml. */
static gboolean
parse_guest_verb_args(int argc, char **argv, const char *summary, gboolean with_output,
                      FwnegCliArgs *args, char **xml_path, GError **error)
{
    const GOptionEntry output_entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_STRING, &args->output,
         "Output format: text (default), json, xml, qemu-args", "FORMAT"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("VM.xml");
    g_option_context_set_summary(context, summary);
    if (with_output)
        g_option_context_add_main_entries(context, output_entries, NULL);
    fwneg_cli_add_common_options(context, args);

    g_autoptr(GError) local_error = NULL;
    if (!g_option_context_parse(context, &argc, &argv, &local_error)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_USAGE, "%s %s", argv[0], local_error->message);
        return FALSE;
    }
    if (argc != 2) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_USAGE,
                    "%s: expected exactly one domain XML file (or - for stdin), got %d", argv[0],
                    argc - 1);
        return FALSE;
    }
    *xml_path = g_strdup(argv[1]);
    return TRUE;
}

static char *
render_plan(const FwnegPlan *plan, const FwnegCliGuest *guest, OutputFormat format, GError **error)
{
    switch (format) {
    case OUTPUT_TEXT:
        return fwneg_plan_to_text(plan);
    case OUTPUT_JSON:
        return fwneg_plan_to_json(plan);
    case OUTPUT_QEMU_ARGS:
        /* -set device.ALIAS… needs libvirt's aliases and addresses. */
        if (plan->pending->len > 0) {
            const FwnegPendingPart *pending = g_ptr_array_index(plan->pending, 0);
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_PENDING,
                        "%s: --output=qemu-args needs the defined guest (virsh define, then "
                        "virsh dumpxml NAME): %s: %s",
                        guest->domain->source_name, pending->part, pending->reason);
            return NULL;
        }
        return fwneg_plan_to_qemu_args(plan);
    case OUTPUT_XML:
        return fwneg_plan_to_domain_xml(plan, guest->domain, guest->xml, guest->xml_len, error);
    }
    g_assert_not_reached();
}

int
fwneg_cmd_plan(int argc, char **argv)
{
    g_auto(FwnegCliArgs) args = {0};
    g_autofree char *xml_path = NULL;
    g_autoptr(GError) error = NULL;
    OutputFormat format;

    if (!parse_guest_verb_args(argc, argv,
                               "Decide the firmware side of a guest: firmware image, option "
                               "ROMs, fw_cfg\nentries and boot order.  Exit 0: plan made; 1: "
                               "the guest cannot be satisfied;\n2: usage or invalid input.",
                               TRUE, &args, &xml_path, &error) ||
        !parse_output(args.output, &format, &error))
        return fwneg_cli_report_error(error);

    g_autoptr(FwnegCliGuest) guest = fwneg_cli_guest_load(&args, xml_path, &error);
    if (guest == NULL)
        return fwneg_cli_report_error(error);

    g_autoptr(FwnegPlan) plan = fwneg_cli_guest_plan(guest, &error);
    if (plan == NULL) {
        fwneg_cli_print_warnings(guest->warnings);
        return fwneg_cli_report_error(error);
    }
    /* Render fully before printing anything: on error stdout stays empty. */
    g_autofree char *document = render_plan(plan, guest, format, &error);
    if (document == NULL)
        return fwneg_cli_report_error(error);
    /* The plan is a query; only the outputs that point QEMU/libvirt at fwneg's
     * fw_cfg files (xml, qemu-args) write them, before anything is printed. */
    if ((format == OUTPUT_XML || format == OUTPUT_QEMU_ARGS) &&
        !fwneg_fwcfg_write_files(plan->fw_cfg, plan->fw_cfg_state_dir, &error))
        return fwneg_cli_report_error(error);

    fwneg_cli_print_warnings(guest->warnings);
    fwneg_cli_print_warnings(plan->warnings);
    fputs(document, stdout);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "fwneg: writing the plan to stdout failed\n");
        return 1;
    }
    return 0;
}

/* One row of the candidate table. */
static void
print_candidate(guint number, const FwnegDescriptorEntry *entry, const char *verdict,
                const char *detail)
{
    printf("%3u  %-40s %-9s %s\n", number, entry->name, verdict, detail ? detail : "");
}

static void
print_explain_header(const FwnegCliGuest *guest, const char *machine)
{
    const FwnegDomain *d = guest->domain;
    static const char *const firmware_names[] = {"(not set)", "bios", "efi"};
    printf("guest        %s\n", d->name);
    printf("arch         %s (QEMU target %s)\n", d->arch,
           fwneg_arch_to_qemu_target(d->arch) ? fwneg_arch_to_qemu_target(d->arch) : "?");
    printf("machine      %s%s%s%s\n", machine, d->machine ? " (requested " : "",
           d->machine ? d->machine : "", d->machine ? ")" : "");
    printf("firmware=    %s\n", firmware_names[d->firmware]);
    printf("secure-boot  %s\n", fwneg_tristate_to_string(d->fw_secure_boot)
                                    ? fwneg_tristate_to_string(d->fw_secure_boot)
                                    : "(don't care)");
    printf("enrolled-keys %s\n", fwneg_tristate_to_string(d->fw_enrolled_keys)
                                     ? fwneg_tristate_to_string(d->fw_enrolled_keys)
                                     : "(don't care)");
    if (d->loader.path != NULL)
        printf("loader       %s\n", d->loader.path);
    if (d->nvram.template != NULL)
        printf("nvram template %s\n", d->nvram.template);
    printf("\n");
}

/* Say where the firmware comes from when it is not a plain descriptor match. */
static void
print_choice_source(const FwnegFirmwareChoice *choice)
{
    if (choice == NULL)
        return;
    switch (choice->source) {
    case FWNEG_FIRMWARE_QEMU_DEFAULT:
        printf("No firmware is configured and none is autoselected: QEMU loads %s.\n\n",
               choice->executable ? choice->executable : "no firmware (it has no default)");
        break;
    case FWNEG_FIRMWARE_FROM_DOMAIN:
        printf("The domain's <loader> %s is used as written: no descriptor names that path.\n",
               choice->executable);
        if (choice->nvram_template_from_legacy_list)
            printf("Its NVRAM template %s comes from libvirt's built-in loader:nvram list.\n",
                   choice->nvram_template);
        printf("\n");
        break;
    case FWNEG_FIRMWARE_FROM_DESCRIPTOR:
        break;
    }
}

int
fwneg_cmd_explain(int argc, char **argv)
{
    g_auto(FwnegCliArgs) args = {0};
    g_autofree char *xml_path = NULL;
    g_autoptr(GError) error = NULL;

    if (!parse_guest_verb_args(argc, argv,
                               "Print every firmware descriptor candidate for a guest, in "
                               "libvirt's order,\nwith the reason it was chosen or rejected.  "
                               "Exit 0 when one matches, 1 when none does.",
                               FALSE, &args, &xml_path, &error))
        return fwneg_cli_report_error(error);

    g_autoptr(FwnegCliGuest) guest = fwneg_cli_guest_load(&args, xml_path, &error);
    if (guest == NULL)
        return fwneg_cli_report_error(error);
    fwneg_cli_print_warnings(guest->warnings);

    const char *machine =
        fwneg_host_facts_canonicalize(guest->facts, guest->domain->machine, &error);
    if (machine == NULL)
        return fwneg_cli_report_error(error);

    /* A guest libvirt would refuse at define time has nothing to explain. */
    if (!fwneg_domain_validate_libvirt(guest->domain, machine, &error))
        return fwneg_cli_report_error(error);

    /* The choice comes from the same function `plan` uses (later planner stages do
     * not matter here); the table also evaluates candidates after the winner,
     * which libvirt never looks at. */
    g_autoptr(FwnegFirmwareChoice) failed_choice = NULL;
    g_autoptr(GError) select_error = NULL;
    g_autoptr(FwnegFirmwareChoice) chosen = fwneg_firmware_select(
        guest->domain, machine, guest->descriptors, guest->options, &failed_choice, &select_error);
    const FwnegFirmwareChoice *choice = chosen ? chosen : failed_choice;

    print_explain_header(guest, machine);
    print_choice_source(chosen);

    printf("  #  %-40s %-9s %s\n", "descriptor", "verdict", "detail");
    gboolean chosen_seen = FALSE;
    for (guint i = 0; i < guest->descriptors->len; i++) {
        const FwnegDescriptorEntry *entry = g_ptr_array_index(guest->descriptors, i);
        if (entry->state == FWNEG_DESCRIPTOR_MASKED) {
            print_candidate(i + 1, entry, "masked", entry->path);
            continue;
        }
        if (entry->state == FWNEG_DESCRIPTOR_BROKEN) {
            print_candidate(i + 1, entry, "broken", entry->error);
            continue;
        }
        g_autofree char *reason = NULL;
        if (!fwneg_firmware_matches(guest->domain, machine, entry->desc, guest->options, &reason)) {
            print_candidate(i + 1, entry, "rejected", reason);
        } else if (choice != NULL && g_strcmp0(choice->descriptor, entry->path) == 0 &&
                   !chosen_seen) {
            chosen_seen = TRUE;
            print_candidate(i + 1, entry, "CHOSEN", choice->executable);
        } else {
            print_candidate(i + 1, entry, "matches",
                            chosen_seen ? "(a higher-priority file won)"
                                        : "(not consulted for this guest)");
        }
        if (entry->overridden != NULL) {
            for (guint j = 0; j < entry->overridden->len; j++)
                printf("     %-40s overrides %s\n", "",
                       (const char *)g_ptr_array_index(entry->overridden, j));
        }
    }
    printf("\n");

    if (chosen == NULL) {
        g_prefix_error(&select_error, "%s: ", guest->domain->source_name);
        return fwneg_cli_report_error(select_error);
    }
    fwneg_cli_print_warnings(chosen->warnings);
    return 0;
}

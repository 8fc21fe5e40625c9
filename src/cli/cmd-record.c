/* cmd-record.c: `fwneg record VM.xml` — plan a VM, copy its ROMs into the ROM
 * store and write its record (STATE_DIR/vms/<uuid>.json).  `fwneg plan` is a
 * query and writes no state; this verb (and the hook, through the same
 * fwneg_record_commit) is where a VM's firmware side gets pinned. */
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "fwneg-error.h"
#include "record.h"

int
fwneg_cmd_record(int argc, char **argv)
{
    g_auto(FwnegCliArgs) args = {0};
    g_autoptr(GError) error = NULL;
    const GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_STRING, &args.output,
         "Also print the recorded plan: json, xml (the domain with ROMs pinned to the store "
         "copies), text, qemu-args",
         "FORMAT"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("VM.xml");
    g_option_context_set_summary(context,
                                 "Plan a VM, copy its option ROMs into STATE_DIR/roms/<sha256> "
                                 "and write its record\nSTATE_DIR/vms/<uuid>.json.");
    g_option_context_add_main_entries(context, entries, NULL);
    fwneg_cli_add_common_options(context, &args);
    if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 2) {
        fprintf(stderr, "fwneg: record: %s\n",
                error ? error->message : "expected exactly one domain XML file");
        return 2;
    }
    g_autoptr(FwnegCliGuest) guest = fwneg_cli_guest_load(&args, argv[1], &error);
    if (guest == NULL)
        return fwneg_cli_report_error(error);
    g_autoptr(FwnegPlan) plan = fwneg_cli_guest_plan(guest, &error);
    if (plan == NULL)
        return fwneg_cli_report_error(error);
    const char *state_dir =
        guest->options->state_dir ? guest->options->state_dir : FWNEG_DEFAULT_STATE_DIR;
    if (!fwneg_engine_record(guest->engine, plan, &error))
        return fwneg_cli_report_error(error);

    g_autofree char *document = NULL;
    if (args.output == NULL) {
        g_autofree char *path = fwneg_record_path(state_dir, plan->uuid);
        document = g_strdup_printf("recorded %s in %s (%u ROM%s)\n", plan->name, path,
                                   plan->roms->len, plan->roms->len == 1 ? "" : "s");
    } else if (strcmp(args.output, "json") == 0) {
        document = fwneg_plan_to_json(plan);
    } else if (strcmp(args.output, "text") == 0) {
        document = fwneg_plan_to_text(plan);
    } else if (strcmp(args.output, "qemu-args") == 0) {
        document = fwneg_plan_to_qemu_args(plan);
    } else if (strcmp(args.output, "xml") == 0) {
        document =
            fwneg_plan_to_domain_xml(plan, guest->domain, guest->xml, guest->xml_len, &error);
        if (document == NULL)
            return fwneg_cli_report_error(error);
    } else {
        fprintf(stderr,
                "fwneg: record: unknown --output '%s' (known: text, json, xml, "
                "qemu-args)\n",
                args.output);
        return 2;
    }
    fwneg_cli_print_warnings(guest->warnings);
    fwneg_cli_print_warnings(plan->warnings);
    fputs(document, stdout);
    return 0;
}

/* cmd-migrate-check.c: `fwneg migrate-check` — on a migration target, can this
 * host reproduce what the VM was recorded with?  Loads the recorded plan (the
 * domain XML's <fwneg:plan>, --record FILE, or STATE_DIR/vms/<uuid>.json),
 * builds this host's plan for the same domain, lets each aspect checker compare
 * them, and prints the findings and the adjustments that make the target match.
 * Exit 0: everything reproduced as recorded or after the printed adjustments;
 * 1: refused (migration must not start); 2: usage or invalid input.
 */
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "fwneg-error.h"
#include "migrate-check.h"
#include "record.h"

static const char *
verdict_name(FwnegMigrateVerdict verdict)
{
    switch (verdict) {
    case FWNEG_MIGRATE_SAME:
        return "same";
    case FWNEG_MIGRATE_ADJUSTED:
        return "adjusted";
    case FWNEG_MIGRATE_REFUSED:
        return "REFUSED";
    }
    return "?";
}

/* The recorded plan: --record FILE, else the domain's metadata, else the
 * state dir's record for the domain's UUID. */
static FwnegPlan *
load_recorded(const char *record_path, const FwnegCliGuest *guest, GError **error)
{
    if (record_path != NULL)
        return fwneg_record_read_file(record_path, error);
    if (guest->domain->fwneg_metadata != NULL)
        return fwneg_plan_from_metadata(guest->domain->fwneg_metadata, guest->domain->source_name,
                                        error);
    const char *state_dir =
        guest->options->state_dir ? guest->options->state_dir : FWNEG_DEFAULT_STATE_DIR;
    if (guest->domain->uuid != NULL) {
        g_autofree char *path = fwneg_record_path(state_dir, guest->domain->uuid);
        if (g_file_test(path, G_FILE_TEST_EXISTS))
            return fwneg_record_read_file(path, error);
    }
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                "%s: no fwneg record: the XML has no <fwneg:plan> metadata and %s/vms has no "
                "record for its UUID; give --record FILE or the domain XML `fwneg record` "
                "printed on the source",
                guest->domain->source_name, state_dir);
    return NULL;
}

int
fwneg_cmd_migrate_check(int argc, char **argv)
{
    g_auto(FwnegCliArgs) args = {0};
    g_autofree char *record_path = NULL;
    g_autoptr(GError) error = NULL;
    const GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_STRING, &args.output,
         "Output: text (default), qemu-args (the adjustments only), xml (the domain with them "
         "applied)",
         "FORMAT"},
        {"record", 0, 0, G_OPTION_ARG_FILENAME, &record_path,
         "Recorded plan (STATE_DIR/vms/UUID.json from the source) instead of the XML's "
         "metadata",
         "FILE"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("VM.xml");
    g_option_context_set_summary(
        context, "Check that this host can reproduce the ROM sizes and fw_cfg files a VM was "
                 "recorded with.\nExit 0: yes (as is, or with the printed adjustments); 1: "
                 "refused; 2: usage or invalid input.");
    g_option_context_add_main_entries(context, entries, NULL);
    fwneg_cli_add_common_options(context, &args);
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        g_prefix_error(&error, "migrate-check: ");
        error->domain = FWNEG_ERROR;
        error->code = FWNEG_ERROR_USAGE;
        return fwneg_cli_report_error(error);
    }
    const char *output = args.output ? args.output : "text";
    if (argc != 2 || (strcmp(output, "text") != 0 && strcmp(output, "qemu-args") != 0 &&
                      strcmp(output, "xml") != 0)) {
        fprintf(stderr, "fwneg: migrate-check: expected one domain XML and --output "
                        "text|qemu-args|xml\n");
        return 2;
    }

    g_autoptr(FwnegCliGuest) guest = fwneg_cli_guest_load(&args, argv[1], &error);
    if (guest == NULL)
        return fwneg_cli_report_error(error);
    g_autoptr(FwnegPlan) recorded = load_recorded(record_path, guest, &error);
    if (recorded == NULL)
        return fwneg_cli_report_error(error);
    /* Plan as this host would give the guest its devices: a <rom file> that is
     * not here is the source's path. */
    fwneg_migrate_drop_foreign_roms(guest->domain, guest->options);
    const FwnegEngineCall target = {.migration_target = TRUE};
    g_autoptr(FwnegPlan) local =
        fwneg_engine_plan(guest->engine, guest->domain, &target, NULL, &error);
    if (local == NULL)
        return fwneg_cli_report_error(error);
    /* RAM block names and boot paths are what a target must reproduce: both
     * sides need libvirt's defined XML. */
    const FwnegPlan *open_plan = recorded->pending->len > 0 ? recorded
                                 : local->pending->len > 0  ? local
                                                            : NULL;
    if (open_plan != NULL) {
        const FwnegPendingPart *pending = g_ptr_array_index(open_plan->pending, 0);
        g_set_error(&error, FWNEG_ERROR, FWNEG_ERROR_PENDING,
                    "migrate-check: the %s plan was made from XML libvirt had not defined (%s: "
                    "%s); use the defined guest's XML (virsh dumpxml NAME)%s",
                    open_plan == recorded ? "recorded" : "local", pending->part, pending->reason,
                    open_plan == recorded ? " and record it again" : "");
        return fwneg_cli_report_error(error);
    }
    fwneg_plan_adopt_recorded_fw_cfg(local, recorded,
                                     guest->options->state_dir ? guest->options->state_dir
                                                               : FWNEG_DEFAULT_STATE_DIR);

    g_autoptr(GPtrArray) findings =
        g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_migrate_finding_free);
    g_autoptr(GPtrArray) qemu_args = g_ptr_array_new_with_free_func(g_free);
    FwnegMigrateCheck check = {
        .recorded = recorded,
        .local = local,
        .options = guest->options,
        .findings = findings,
        .qemu_args = qemu_args,
        .descriptors = guest->descriptors,
    };
    fwneg_migrate_check_firmware(&check);
    fwneg_migrate_check_roms(&check);
    fwneg_migrate_check_fw_cfg(&check);

    gboolean refused = FALSE;
    for (guint i = 0; i < findings->len; i++)
        refused |= ((FwnegMigrateFinding *)g_ptr_array_index(findings, i))->verdict ==
                   FWNEG_MIGRATE_REFUSED;

    g_autofree char *document = NULL;
    if (strcmp(output, "xml") == 0) {
        document =
            fwneg_plan_to_domain_xml(local, guest->domain, guest->xml, guest->xml_len, &error);
        if (document == NULL)
            return fwneg_cli_report_error(error);
    }
    /* Findings go to stdout as the text output, to stderr beside a document. */
    FILE *report = strcmp(output, "text") == 0 ? stdout : stderr;
    fwneg_cli_print_warnings(guest->warnings);
    for (guint i = 0; i < findings->len; i++) {
        const FwnegMigrateFinding *f = g_ptr_array_index(findings, i);
        fprintf(report, "%-8s %-16s %-8s %s\n", f->aspect, f->subject ? f->subject : "-",
                verdict_name(f->verdict), f->message);
    }
    if (!refused) {
        if (strcmp(output, "qemu-args") == 0 || strcmp(output, "text") == 0) {
            if (strcmp(output, "text") == 0 && qemu_args->len > 0)
                printf("\nQEMU arguments that make this host match:\n");
            /* Arguments come in option/value pairs: one pair per line. */
            for (guint i = 0; i + 1 < qemu_args->len; i += 2) {
                g_autofree char *quoted = g_shell_quote(g_ptr_array_index(qemu_args, i + 1));
                printf("%s %s\n", (char *)g_ptr_array_index(qemu_args, i), quoted);
            }
        } else {
            fputs(document, stdout);
        }
    } else {
        fprintf(stderr, "fwneg: migrate-check: this host cannot reproduce the recorded VM; do "
                        "not migrate it here (see the REFUSED lines)\n");
    }
    return refused ? 1 : 0;
}

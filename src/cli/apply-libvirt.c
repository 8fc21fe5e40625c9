/* apply-libvirt.c: fwneg-apply, the one fwneg program that links libvirt
 * (`fwneg apply` execs it, so `fwneg` itself never loads libvirt).
 *
 *   fwneg-apply [--connect URI] [--dry-run] [OPTIONS] DOMAIN
 *
 * Fetches DOMAIN's defined XML (inactive, with secrets, so redefining it
 * loses nothing), plans it with the engine, records it (ROMs copied into the
 * store, fw_cfg files and STATE_DIR/vms/<uuid>.json written) and defines the
 * domain again with the plan applied and the <fwneg:plan> record in its
 * <metadata> — define time is the one moment the XML may change freely.
 * --dry-run writes nothing and prints the unified diff instead.  After
 * defining, the XML libvirt stored is read back: libvirt drops what it does
 * not keep (the test driver, for one, drops <qemu:*> elements), and a record
 * that did not survive is an error, not a silent no-op.
 *
 * Exit 0: applied (or the diff printed); 1: the guest cannot be satisfied,
 * or libvirt refused; 2: usage or invalid input.
 */
#include <stdio.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "apply-diff.h"
#include "cli-common.h"
#include "fwneg-error.h"
#include "record.h"
#include "rom-store.h"

static void
vir_connect_close(virConnect *conn)
{
    virConnectClose(conn);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, vir_connect_close)

static void
vir_domain_free(virDomain *dom)
{
    virDomainFree(dom);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, vir_domain_free)

/* libvirt prints every error on stderr unless told otherwise; fwneg reports
 * them itself, once, with what it was doing. */
static void
quiet_libvirt_errors(void *data, virErrorPtr error)
{
}

static int
libvirt_failure(const char *what)
{
    const char *message = virGetLastErrorMessage();
    fprintf(stderr, "fwneg: apply: %s: %s\n", what, message ? message : "unknown libvirt error");
    return 1;
}

static virDomainPtr
lookup(virConnectPtr conn, const char *name)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);
    if (dom == NULL && strlen(name) == 36)
        dom = virDomainLookupByUUIDString(conn, name);
    return dom;
}

/* The diff shows what fwneg changes, not how libxml2 quotes attributes: both
 * sides go through the same serializer. */
static int
print_dry_run(FwnegCliGuest *guest, FwnegPlan *plan, const char *name, GError **error)
{
    const char *state_dir =
        guest->options->state_dir ? guest->options->state_dir : FWNEG_DEFAULT_STATE_DIR;
    for (guint i = 0; i < plan->roms->len; i++) {
        FwnegDeviceRom *rom = g_ptr_array_index(plan->roms, i);
        if (rom->sha256 != NULL && rom->file != NULL && rom->store_file == NULL)
            rom->store_file = fwneg_rom_store_path(state_dir, rom->sha256);
    }
    if (!fwneg_plan_note_descriptors(plan, guest->descriptors, guest->options, error))
        return -1;
    g_autofree char *before =
        fwneg_domain_xml_reformat(guest->domain, guest->xml, guest->xml_len, error);
    g_autofree char *after =
        before ? fwneg_plan_to_domain_xml(plan, guest->domain, guest->xml, guest->xml_len, error)
               : NULL;
    if (after == NULL)
        return -1;
    g_autofree char *label_a = g_strdup_printf("%s (defined)", name);
    g_autofree char *label_b = g_strdup_printf("%s (with fwneg's plan applied)", name);
    g_autofree char *diff = fwneg_unified_diff(before, after, label_a, label_b);
    fputs(diff, stdout);
    if (diff[0] == '\0')
        fprintf(stderr, "fwneg: apply: %s already has fwneg's plan applied; nothing to change\n",
                name);
    return 0;
}

static int
define_applied(virConnectPtr conn, FwnegCliGuest *guest, FwnegPlan *plan, const char *name,
               gboolean active, GError **error)
{
    if (!fwneg_engine_record(guest->engine, plan, error))
        return -1;
    g_autofree char *applied =
        fwneg_plan_to_domain_xml(plan, guest->domain, guest->xml, guest->xml_len, error);
    if (applied == NULL)
        return -1;
    g_autoptr(virDomain) dom = virDomainDefineXMLFlags(conn, applied, VIR_DOMAIN_DEFINE_VALIDATE);
    if (dom == NULL)
        return libvirt_failure("libvirt refused the domain with fwneg's plan applied");
    g_autofree char *stored = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    if (stored == NULL)
        return libvirt_failure("cannot read the domain back");
    if (strstr(stored, FWNEG_METADATA_NS) == NULL) {
        fprintf(stderr,
                "fwneg: apply: %s: libvirt did not keep the <fwneg:plan> record in "
                "<metadata>; the hook will treat the guest as unrecorded\n",
                name);
        return 1;
    }
    const char *state_dir =
        guest->options->state_dir ? guest->options->state_dir : FWNEG_DEFAULT_STATE_DIR;
    g_autofree char *record = fwneg_record_path(state_dir, plan->uuid);
    guint pinned = 0;
    for (guint i = 0; i < plan->roms->len; i++)
        pinned += ((FwnegDeviceRom *)g_ptr_array_index(plan->roms, i))->store_file != NULL;
    printf("applied fwneg's plan to %s: firmware %s, %u ROM%s pinned to the store, record %s%s\n",
           name,
           plan->firmware && plan->firmware->executable ? plan->firmware->executable
                                                        : "QEMU's default",
           pinned, pinned == 1 ? "" : "s", record,
           active ? " (the running guest gets it at its next start)" : "");
    return 0;
}

int
main(int argc, char **argv)
{
    g_auto(FwnegCliArgs) args = {0};
    g_autofree char *uri = NULL;
    gboolean dry_run = FALSE;
    g_autoptr(GError) error = NULL;
    const GOptionEntry entries[] = {
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
         "libvirt URI (default: libvirt's default, qemu:///system for root)", "URI"},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
         "Print the unified diff of the change; write and define nothing", NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("DOMAIN");
    g_option_context_set_summary(
        context, "Plan a defined libvirt domain and define it again with the plan applied and "
                 "recorded in its <metadata>.\nExit 0: applied; 1: the guest cannot be "
                 "satisfied or libvirt refused; 2: usage or invalid input.");
    g_option_context_add_main_entries(context, entries, NULL);
    fwneg_cli_add_common_options(context, &args);
    if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 2) {
        fprintf(stderr, "fwneg: apply: %s\n",
                error ? error->message : "expected exactly one domain (name or UUID)");
        return 2;
    }
    const char *name = argv[1];
    virSetErrorFunc(NULL, quiet_libvirt_errors);
    g_autoptr(virConnect) conn = virConnectOpen(uri);
    if (conn == NULL) {
        g_autofree char *what =
            g_strdup_printf("cannot connect to %s", uri ? uri : "libvirt's default URI");
        return libvirt_failure(what);
    }
    g_autoptr(virDomain) dom = lookup(conn, name);
    if (dom == NULL) {
        g_autofree char *what = g_strdup_printf("no domain '%s'", name);
        return libvirt_failure(what);
    }
    g_autofree char *xml =
        virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (xml == NULL)
        return libvirt_failure("cannot read the defined XML");
    gboolean active = virDomainIsActive(dom) == 1;

    g_autoptr(FwnegCliGuest) guest =
        fwneg_cli_guest_load_xml(&args, xml, strlen(xml), name, &error);
    if (guest == NULL)
        return fwneg_cli_report_error(error);
    g_autoptr(FwnegPlan) plan = fwneg_cli_guest_plan(guest, &error);
    if (plan == NULL)
        return fwneg_cli_report_error(error);
    fwneg_cli_print_warnings(guest->warnings);
    fwneg_cli_print_warnings(plan->warnings);
    /* libvirt's QEMU driver assigns every address at define; a driver that does
     * not (the test driver adds no default controllers) leaves parts open, and a
     * record must pin them (fwneg_record_commit refuses the same). */
    if (plan->pending->len > 0) {
        const FwnegPendingPart *pending = g_ptr_array_index(plan->pending, 0);
        fprintf(stderr,
                "fwneg: apply: %s: libvirt's defined XML leaves parts of the plan open (%s: %s); "
                "fwneg apply needs a guest of a driver that assigns addresses at define (qemu)\n",
                name, pending->part, pending->reason);
        return 2;
    }
    int status = dry_run ? print_dry_run(guest, plan, name, &error)
                         : define_applied(conn, guest, plan, name, active, &error);
    return status < 0 ? fwneg_cli_report_error(error) : status;
}

/* test-fwcfg-live: fwneg's fw_cfg predictions against the real QEMU, for every
 * machine type the installed QEMU offers (asked live with `-machine help`, so a
 * QEMU update that adds types is covered without editing this file):
 *
 *   /fwcfg/smi/x86        etc/smi/{supported,requested}-features and features-ok,
 *                         byte for byte, for every pc-q35-* (present) and every
 *                         pc-i440fx-* (absent: qemu-fwcfg exits 3);
 *   /fwcfg/files/x86, /fwcfg/files/arm
 *                         the whole fw_cfg name set QEMU shows for the guest, with
 *                         fwneg's files passed as -fw_cfg, equals the predicted set
 *                         (so the slot count is exact), and every fwneg file reads
 *                         back byte for byte;
 *   /fwcfg/files/variants ACPI off, a ramfb display, a boot menu timeout.
 *
 * Each QEMU runs paused under tests/tools/qemu-fwcfg, which kills it by PID.
 * The table of machine types checked is printed as TAP comments.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "domain.h"
#include "feature-domain.h"
#include "fwcfg-plan.h"
#include "fwneg-options.h"

typedef struct {
    char *stdout_text;
    int status; /* exit status of qemu-fwcfg */
} FwcfgRun;

static FwnegFeatureData *feature_data;
static char *state_dir;

/* qemu-fwcfg MODE [NAME] -- QEMU -machine M -nodefaults EXTRA… */
static FwcfgRun
run_fwcfg(gboolean arm, const char *mode, const char *name, const char *machine,
          const GPtrArray *extra)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)g_getenv("FWNEG_QEMU_FWCFG"));
    if (arm)
        g_ptr_array_add(argv, "--arm");
    g_ptr_array_add(argv, (char *)mode);
    if (name != NULL)
        g_ptr_array_add(argv, (char *)name);
    g_ptr_array_add(argv, "--");
    g_ptr_array_add(argv, arm ? "qemu-system-aarch64" : "qemu-system-x86_64");
    g_ptr_array_add(argv, "-machine");
    g_ptr_array_add(argv, (char *)machine);
    g_ptr_array_add(argv, "-nodefaults");
    if (arm) {
        g_ptr_array_add(argv, "-cpu");
        g_ptr_array_add(argv, "cortex-a57");
    }
    for (guint i = 0; extra != NULL && i < extra->len; i++)
        g_ptr_array_add(argv, g_ptr_array_index(extra, i));
    g_ptr_array_add(argv, NULL);

    FwcfgRun run = {0};
    g_autoptr(GError) error = NULL;
    int wait_status = 0;
    gboolean ok = g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               &run.stdout_text, NULL, &wait_status, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    run.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    return run;
}

static GPtrArray *
live_machines(const char *qemu, const char *prefix)
{
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    const char *argv[] = {qemu, "-machine", "help", NULL};
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                               NULL, NULL, &error));
    g_assert_no_error(error);
    GPtrArray *machines = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    for (char **line = lines; *line != NULL; line++) {
        if (!g_str_has_prefix(*line, prefix))
            continue;
        g_auto(GStrv) words = g_strsplit_set(*line, " \t", 2);
        g_ptr_array_add(machines, g_strdup(words[0]));
    }
    g_assert_cmpuint(machines->len, >, 0);
    return machines;
}

/* The bios guest of tests/data/fwcfg with the machine type filled in. */
static FwnegDomain *
load_guest(const char *file, const char *machine, const char *arch)
{
    g_autofree char *path = g_build_filename(g_getenv("FWNEG_TEST_DATA"), "fwcfg", file, NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_autoptr(GString) xml = g_string_new(text);
    g_string_replace(xml, "@MACHINE@", machine, 0);
    g_string_replace(xml, "arch='x86_64'", arch, 0);
    g_autoptr(GError) error = NULL;
    FwnegDomain *domain = fwneg_domain_parse_memory(xml->str, xml->len, path, &error);
    g_assert_no_error(error);
    return domain;
}

/* The fw_cfg stage for a BIOS guest (no firmware chosen), its files written. */
static FwnegFwCfgSet *
plan_guest(const FwnegDomain *domain, const char *machine)
{
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    options->state_dir = g_strdup(state_dir);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    FwnegFwCfgInputs inputs = {.options = options, .data = feature_data, .qemu_version = "7.2.0"};
    g_autoptr(GError) error = NULL;
    FwnegFwCfgSet *plan = fwneg_fwcfg_plan(domain, machine, &inputs, warnings, &error);
    g_assert_no_error(error);
    g_assert_true(fwneg_fwcfg_write_files(plan->files, plan->state_dir, &error));
    g_assert_no_error(error);
    return plan;
}

static const FwnegFwCfgFile *
find_entry(const FwnegFwCfgSet *plan, const char *name)
{
    for (guint i = 0; i < plan->files->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(plan->files, i);
        if (strcmp(entry->name, name) == 0)
            return entry;
    }
    return NULL;
}

static char *
hex_of(GBytes *bytes)
{
    gsize len = 0;
    const guint8 *p = g_bytes_get_data(bytes, &len);
    GString *out = g_string_new(NULL);
    for (gsize i = 0; i < len; i++)
        g_string_append_printf(out, "%02x", p[i]);
    return g_string_free(out, FALSE);
}

static void
test_smi_x86(void)
{
    static const char *const files[] = {"etc/smi/supported-features", "etc/smi/requested-features",
                                        "etc/smi/features-ok"};
    g_autoptr(GPtrArray) q35 = live_machines("qemu-system-x86_64", "pc-q35-");
    g_autoptr(GPtrArray) i440fx = live_machines("qemu-system-x86_64", "pc-i440fx-");
    g_autoptr(GPtrArray) all = g_ptr_array_new();
    g_ptr_array_extend(all, q35, NULL, NULL);
    g_ptr_array_extend(all, i440fx, NULL, NULL);

    g_test_message("machine type         | etc/smi/supported-features (fwneg = QEMU 7.2 live)");
    for (guint m = 0; m < all->len; m++) {
        const char *machine = g_ptr_array_index(all, m);
        g_autoptr(FwnegDomain) domain = load_guest("bios-guest.xml", machine, "arch='x86_64'");
        g_autoptr(FwnegFwCfgSet) plan = plan_guest(domain, machine);
        for (gsize f = 0; f < G_N_ELEMENTS(files); f++) {
            FwcfgRun run = run_fwcfg(FALSE, "--hex", files[f], machine, NULL);
            g_autofree char *out = run.stdout_text;
            const FwnegFwCfgFile *entry = find_entry(plan, files[f]);
            g_autofree char *predicted = entry != NULL ? hex_of(entry->data) : g_strdup("absent");
            g_autofree char *live =
                run.status == 3 ? g_strdup("absent") : g_strstrip(g_strdup(out));
            g_assert_cmpint(run.status == 0 || run.status == 3, ==, TRUE);
            if (g_strcmp0(predicted, live) != 0)
                g_test_message("MISMATCH %s %s: fwneg %s, QEMU %s", machine, files[f], predicted,
                               live);
            g_assert_cmpstr(predicted, ==, live);
            if (f == 0)
                g_test_message("%-20s | %s", machine, live);
        }
        /* QEMU offers SMI features on q35 from 2.9 on and never on i440fx. */
        if (g_str_has_prefix(machine, "pc-i440fx-"))
            g_assert_null(find_entry(plan, files[0]));
    }
    g_test_message("checked %u pc-q35 and %u pc-i440fx machine types", q35->len, i440fx->len);
}

/* QEMU's whole file list for @domain with fwneg's files added must be exactly the
 * predicted set, and each fwneg file must read back as planned. */
static void
check_files(const FwnegDomain *domain, const char *machine, gboolean arm,
            const char *const *qemu_extra)
{
    g_autoptr(FwnegFwCfgSet) plan = plan_guest(domain, machine);
    g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
    for (const char *const *e = qemu_extra; e != NULL && *e != NULL; e++)
        g_ptr_array_add(extra, g_strdup(*e));
    for (guint i = 0; i < plan->files->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(plan->files, i);
        if (entry->file == NULL)
            continue;
        g_ptr_array_add(extra, g_strdup("-fw_cfg"));
        g_ptr_array_add(extra, g_strdup_printf("name=%s,file=%s", entry->name, entry->file));
    }

    FwcfgRun list = run_fwcfg(arm, "--list", NULL, machine, extra);
    g_autofree char *list_text = list.stdout_text;
    g_assert_cmpint(list.status, ==, 0);
    g_autoptr(GPtrArray) live = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(list_text, "\n", -1);
    for (char **line = lines; *line != NULL; line++) {
        const char *space = strchr(*line, ' ');
        if (space != NULL)
            g_ptr_array_add(live, g_strdup(space + 1));
    }

    g_autoptr(FwnegFeatureContext) ctx = fwneg_fwcfg_context_new(domain, NULL, "7.2.0", machine);
    g_autoptr(GPtrArray) predicted = fwneg_feature_data_qemu_files(feature_data, ctx, NULL);
    for (guint i = 0; i < plan->files->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(plan->files, i);
        if (!g_ptr_array_find_with_equal_func(predicted, entry->name, g_str_equal, NULL))
            g_ptr_array_add(predicted, g_strdup(entry->name));
    }
    for (guint i = 0; i < live->len; i++) {
        if (!g_ptr_array_find_with_equal_func(predicted, g_ptr_array_index(live, i), g_str_equal,
                                              NULL))
            g_test_message("%s: QEMU has %s, fwneg did not predict it", machine,
                           (const char *)g_ptr_array_index(live, i));
    }
    for (guint i = 0; i < predicted->len; i++) {
        if (!g_ptr_array_find_with_equal_func(live, g_ptr_array_index(predicted, i), g_str_equal,
                                              NULL))
            g_test_message("%s: fwneg predicted %s, QEMU does not have it", machine,
                           (const char *)g_ptr_array_index(predicted, i));
    }
    g_assert_cmpuint(live->len, ==, predicted->len);
    g_assert_cmpuint(plan->slots_used, ==, live->len);
    for (guint i = 0; i < live->len; i++)
        g_assert_true(g_ptr_array_find_with_equal_func(predicted, g_ptr_array_index(live, i),
                                                       g_str_equal, NULL));

    for (guint i = 0; i < plan->files->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(plan->files, i);
        if (entry->file == NULL)
            continue;
        FwcfgRun run = run_fwcfg(arm, "--hex", entry->name, machine, extra);
        g_autofree char *out = run.stdout_text;
        g_autofree char *expected = hex_of(entry->data);
        g_assert_cmpint(run.status, ==, 0);
        g_assert_cmpstr(g_strstrip(out), ==, expected);
    }
    g_test_message("%-20s | %2u of %2u slots, name set and fwneg bytes match", machine,
                   plan->slots_used, plan->slots);
}

static void
test_files_x86(void)
{
    g_autoptr(GPtrArray) machines = live_machines("qemu-system-x86_64", "pc-");
    for (guint m = 0; m < machines->len; m++) {
        const char *machine = g_ptr_array_index(machines, m);
        g_autoptr(FwnegDomain) domain = load_guest("bios-guest.xml", machine, "arch='x86_64'");
        check_files(domain, machine, FALSE, NULL);
    }
}

static void
test_files_arm(void)
{
    g_autoptr(GPtrArray) machines = live_machines("qemu-system-aarch64", "virt-");
    for (guint m = 0; m < machines->len; m++) {
        const char *machine = g_ptr_array_index(machines, m);
        g_autoptr(FwnegDomain) domain = load_guest("bios-guest.xml", machine, "arch='aarch64'");
        check_files(domain, machine, TRUE, NULL);
    }
}

static void
test_files_variants(void)
{
    static const char *const machines[] = {"pc-q35-7.2", "pc-q35-2.5", "pc-i440fx-7.2",
                                           "pc-i440fx-1.7", "pc-i440fx-1.4"};
    for (gsize m = 0; m < G_N_ELEMENTS(machines); m++) {
        g_autofree char *no_acpi = g_strdup_printf("%s,acpi=off", machines[m]);
        g_autoptr(FwnegDomain) domain = load_guest("bios-guest.xml", machines[m], "arch='x86_64'");

        /* libvirt: no <acpi/> → acpi=off */
        domain->acpi = FALSE;
        {
            g_autoptr(FwnegFwCfgSet) plan = plan_guest(domain, machines[m]);
            g_autoptr(GPtrArray) extra = g_ptr_array_new();
            g_autoptr(FwnegFeatureContext) ctx = fwneg_fwcfg_context_new(domain, NULL, "7.2.0", machines[m]);
            g_autoptr(GPtrArray) predicted = fwneg_feature_data_qemu_files(feature_data, ctx, NULL);
            FwcfgRun run = run_fwcfg(FALSE, "--list", NULL, no_acpi, NULL);
            g_autofree char *out = run.stdout_text;
            g_auto(GStrv) lines = g_strsplit(g_strstrip(out), "\n", -1);
            guint smi = find_entry(plan, "etc/smi/supported-features") != NULL ? 3 : 0;
            g_assert_cmpint(run.status, ==, 0);
            g_assert_cmpuint(g_strv_length(lines), ==, predicted->len + smi);
            g_test_message("%-20s | acpi=off: %u files", machines[m], g_strv_length(lines));
        }
        domain->acpi = TRUE;

        /* QEMU: "ramfb device requires fw_cfg with DMA" (off before 2.5). */
        if (!g_str_has_suffix(machines[m], "-1.7") && !g_str_has_suffix(machines[m], "-1.4")) {
            const char *ramfb[] = {"-device", "ramfb", NULL};
            FwnegVideo *video = fwneg_video_new();
            video->model = g_strdup("ramfb");
            g_ptr_array_add(domain->videos, video);
            check_files(domain, machines[m], FALSE, ramfb);
            g_ptr_array_set_size(domain->videos, 0);
        }

        const char *menu[] = {"-boot", "menu=on,splash-time=3000", NULL};
        domain->bootmenu_enable = FWNEG_TRISTATE_YES;
        domain->bootmenu_timeout = 3000;
        check_files(domain, machines[m], FALSE, menu);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_nonnull(g_getenv("FWNEG_QEMU_FWCFG"));
    g_autofree char *dir = g_build_filename(g_getenv("FWNEG_SRCDIR"), "data", "firmware.d", NULL);
    g_autoptr(GError) error = NULL;
    feature_data = fwneg_feature_data_load_dir(dir, &error);
    g_assert_no_error(error);
    state_dir = g_dir_make_tmp("fwneg-fwcfg-live-XXXXXX", &error);
    g_assert_no_error(error);

    g_test_add_func("/fwcfg/smi/x86", test_smi_x86);
    g_test_add_func("/fwcfg/files/x86", test_files_x86);
    g_test_add_func("/fwcfg/files/arm", test_files_arm);
    g_test_add_func("/fwcfg/files/variants", test_files_variants);
    int status = g_test_run();

    g_autofree char *rm_cmd = g_strdup_printf("rm -rf '%s'", state_dir);
    (void)!system(rm_cmd);
    g_free(state_dir);
    fwneg_feature_data_free(feature_data);
    return status;
}

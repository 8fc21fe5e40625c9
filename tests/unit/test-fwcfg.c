/* test-fwcfg: the fw_cfg stage (src/featneg/fwcfg-*.c): entry bytes and order,
 * file paths and writing, OVMF knobs, the slot budget and the migrate-check rule. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fwcfg-layout.h"
#include "fwcfg-ovmf.h"
#include "fwcfg-plan.h"
#include "fwneg-error.h"
#include "migrate-check.h"
#include "test-util.h"

static FwnegDomain *
load_guest(const char *file, const char *machine)
{
    g_autofree char *path = g_build_filename(g_getenv("FWNEG_TEST_DATA"), "fwcfg", file, NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_autoptr(GString) xml = g_string_new(text);
    g_string_replace(xml, "@MACHINE@", machine, 0);
    g_autoptr(GError) error = NULL;
    FwnegDomain *domain = fwneg_domain_parse_memory(xml->str, xml->len, path, &error);
    g_assert_no_error(error);
    return domain;
}

/* The firmware the stage before fw_cfg chose: with @secure_boot, a UEFI firmware
 * with the secure-boot and enrolled-keys features; else none. */
static FwnegFirmwareChoice *
firmware_for(gboolean secure_boot)
{
    if (!secure_boot)
        return NULL;
    FwnegFirmwareChoice *firmware = g_new0(FwnegFirmwareChoice, 1);
    firmware->interface = g_strdup("uefi");
    firmware->features = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(firmware->features, g_strdup("secure-boot"));
    g_ptr_array_add(firmware->features, g_strdup("enrolled-keys"));
    g_ptr_array_add(firmware->features, g_strdup("requires-smm"));
    firmware->requires_smm = TRUE;
    return firmware;
}

/* Run the fw_cfg stage for @domain on @machine (QEMU 7.2). */
static FwnegFwCfgSet *
run_stage(const FwnegFeatureData *data, const FwnegDomain *domain, const FwnegOptions *options,
          const char *machine, gboolean secure_boot, GError **error)
{
    g_autoptr(FwnegFirmwareChoice) firmware = firmware_for(secure_boot);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    FwnegFwCfgInputs inputs = {
        .options = options,
        .data = data,
        .qemu_version = "7.2.0",
        .firmware = firmware,
    };
    FwnegFwCfgSet *set = fwneg_fwcfg_plan(domain, machine, &inputs, warnings, error);
    g_assert_cmpuint(warnings->len, ==, 0);
    return set;
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

/* "name origin hex" per entry, one line each. */
static char *
describe(const FwnegFwCfgSet *set)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < set->files->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(set->files, i);
        g_autofree char *hex = hex_of(entry->data);
        g_string_append_printf(out, "%s %s %s\n", entry->name, entry->origin, hex);
    }
    return g_string_free(out, FALSE);
}

static void
test_layout(void)
{
    guint64 words[3] = {99, 0x21, G_GUINT64_CONSTANT(0x8000000000000001)};
    g_autoptr(GBytes) bytes = fwneg_fwcfg_encode_words(words, 3);
    g_autofree char *hex = hex_of(bytes);
    g_assert_cmpstr(hex, ==, "010000000000000021000000000000000100000000000080");
    g_autoptr(GBytes) le = fwneg_fwcfg_le64(7);
    g_autofree char *le_hex = hex_of(le);
    g_assert_cmpstr(le_hex, ==, "0700000000000000");

    g_assert_true(fwneg_fwcfg_name_is_valid("opt/org.fwneg/features", NULL));
    g_assert_false(fwneg_fwcfg_name_is_valid("etc/smi/x", NULL));
    g_assert_false(fwneg_fwcfg_name_is_valid("opt//x", NULL));
    g_assert_false(fwneg_fwcfg_name_is_valid("opt/a b", NULL));
}

static void
test_plan_q35_secure_boot(void)
{
    g_autoptr(FwnegFeatureData) data = fwneg_test_load_shipped_features();
    g_autoptr(FwnegDomain) domain = load_guest("efi-secboot-guest.xml", "pc-q35-7.2");
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *state = g_dir_make_tmp("test-fwcfg-XXXXXX", &error);
    options->state_dir = g_strdup(state);

    g_autoptr(FwnegFwCfgSet) plan = run_stage(data, domain, options, "pc-q35-7.2", TRUE, &error);
    g_assert_no_error(error);
    g_assert_nonnull(plan);
    g_autofree char *text = describe(plan);
    /* uefi|secure-boot|enrolled-keys|smm|acpi = 0x2f; efi-shell=auto is "no" with secure boot. */
    g_assert_cmpstr(text, ==,
                    "etc/smi/features-ok qemu 01\n"
                    "etc/smi/requested-features qemu 0000000000000000\n"
                    "etc/smi/supported-features qemu 0700000000000000\n"
                    "opt/org.fwneg/features fwneg 01000000000000002f00000000000000\n"
                    "opt/org.tianocore/EFIShellSupport fwneg 6e6f\n");
    g_assert_cmpuint(plan->slots, ==, 32);
    g_assert_cmpuint(plan->slots_used, ==, 12 + 3 + 2);
    g_assert_cmpstr(plan->state_dir, ==, state);

    const FwnegFwCfgFile *features = g_ptr_array_index(plan->files, 3);
    g_autofree char *expected_path = g_build_filename(
        state, "fwcfg", "6c0f2f0e-5a35-4c57-9b1e-2f1d1c0fa002", "opt/org.fwneg/features", NULL);
    g_assert_cmpstr(features->file, ==, expected_path);
    g_assert_null(((FwnegFwCfgFile *)g_ptr_array_index(plan->files, 0))->file);

    /* Planning wrote nothing; writing creates exactly the bytes, readable by QEMU's user. */
    g_assert_false(g_file_test(expected_path, G_FILE_TEST_EXISTS));
    g_assert_true(fwneg_fwcfg_write_files(plan->files, plan->state_dir, &error));
    g_assert_no_error(error);
    g_autofree char *contents = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(expected_path, &contents, &len, NULL));
    g_autoptr(GBytes) on_disk = g_bytes_new(contents, len);
    g_assert_true(g_bytes_equal(on_disk, features->data));
    GStatBuf st;
    g_assert_cmpint(g_stat(expected_path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0644);

    /* Writing the same plan again replaces nothing (no fsync for an unchanged
     * guest): the inode stays.  Other bytes, or another mode, are rewritten. */
    g_assert_true(fwneg_fwcfg_write_files(plan->files, plan->state_dir, &error));
    GStatBuf again;
    g_assert_cmpint(g_stat(expected_path, &again), ==, 0);
    g_assert_cmpuint(again.st_ino, ==, st.st_ino);
    g_assert_true(g_file_set_contents(expected_path, "stale bytes, same len", 16, NULL));
    g_assert_cmpint(chmod(expected_path, 0644), ==, 0);
    g_assert_true(fwneg_fwcfg_write_files(plan->files, plan->state_dir, &error));
    g_autofree char *rewritten = NULL;
    g_assert_true(g_file_get_contents(expected_path, &rewritten, &len, NULL));
    g_autoptr(GBytes) rewritten_bytes = g_bytes_new(rewritten, len);
    g_assert_true(g_bytes_equal(rewritten_bytes, features->data));
    g_assert_cmpint(chmod(expected_path, 0600), ==, 0);
    g_assert_true(fwneg_fwcfg_write_files(plan->files, plan->state_dir, &error));
    g_assert_cmpint(g_stat(expected_path, &again), ==, 0);
    g_assert_cmpint(again.st_mode & 0777, ==, 0644);

    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", state);
    (void)!system(rm);
}

static void
test_plan_i440fx_bios(void)
{
    g_autoptr(FwnegFeatureData) data = fwneg_test_load_shipped_features();
    g_autoptr(FwnegDomain) domain = load_guest("bios-guest.xml", "pc-i440fx-7.2");
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    /* [ovmf] settings do not apply to a BIOS guest, but are still checked. */
    options->ovmf_settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert(options->ovmf_settings, g_strdup("ipv4-pxe"), g_strdup("No"));
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegFwCfgSet) plan =
        run_stage(data, domain, options, "pc-i440fx-7.2", FALSE, &error);
    g_assert_no_error(error);
    g_autofree char *text = describe(plan);
    g_assert_cmpstr(text, ==, "opt/org.fwneg/features fwneg 01000000000000002000000000000000\n");
    g_assert_cmpstr(((FwnegFwCfgFile *)g_ptr_array_index(plan->files, 0))->file, ==,
                    "/var/lib/fwneg/fwcfg/6c0f2f0e-5a35-4c57-9b1e-2f1d1c0fa001/"
                    "opt/org.fwneg/features");
}

static void
test_ovmf_settings(void)
{
    static const struct {
        const char *key, *value;
        const char *expect; /* entry "name=hex" or error substring prefixed with '!' */
    } cases[] = {
        {"efi-shell", "yes", "opt/org.tianocore/EFIShellSupport=796573"},
        {"ipv6", "OFF", "opt/org.tianocore/IPv6Support=6e6f"},
        {"virtio-net", "0", "opt/org.tianocore/VirtioNetSupport=6e6f"},
        {"ipv4-pxe", "auto", "!config [ovmf] ipv4-pxe: 'auto' is not a value it takes (yes or no)"},
        {"efi-shel", "no", "!config [ovmf]: unknown setting 'efi-shel' (known: efi-shell, "},
        {"http-boot", "no", "!unknown setting 'http-boot'"},
        {"ipv4", "maybe", "!'maybe' is not a value"},
    };
    g_autoptr(FwnegFeatureData) data = fwneg_test_load_shipped_features();
    g_autoptr(FwnegDomain) domain = load_guest("efi-secboot-guest.xml", "pc-q35-7.2");
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(FwnegFirmwareChoice) firmware = firmware_for(TRUE);
        g_autoptr(FwnegFeatureContext) ctx =
            fwneg_fwcfg_context_new(domain, firmware, "7.2.0", "pc-q35-7.2");
        g_autoptr(GHashTable) settings =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_hash_table_insert(settings, g_strdup(cases[i].key), g_strdup(cases[i].value));
        g_autoptr(GPtrArray) entries =
            g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_fwcfg_file_free);
        g_autoptr(GError) error = NULL;
        gboolean ok = fwneg_fwcfg_ovmf_entries(data, settings, ctx, entries, &error);
        if (cases[i].expect[0] == '!') {
            g_assert_false(ok);
            g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
            g_assert_nonnull(strstr(error->message, cases[i].expect + 1));
            continue;
        }
        g_assert_no_error(error);
        gboolean found = FALSE;
        for (guint e = 0; e < entries->len; e++) {
            const FwnegFwCfgFile *entry = g_ptr_array_index(entries, e);
            g_autofree char *hex = hex_of(entry->data);
            g_autofree char *pair = g_strdup_printf("%s=%s", entry->name, hex);
            found |= strcmp(pair, cases[i].expect) == 0;
        }
        g_assert_true(found);
    }
}

static void
test_slot_overflow(void)
{
    g_autoptr(FwnegFeatureData) data = fwneg_test_load_shipped_features();
    g_autoptr(FwnegDomain) domain = load_guest("efi-secboot-guest.xml", "pc-q35-2.8");
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    options->ovmf_settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert(options->ovmf_settings, g_strdup("ipv4-pxe"), g_strdup("no"));
    g_hash_table_insert(options->ovmf_settings, g_strdup("ipv6-pxe"), g_strdup("no"));
    {
        g_autoptr(GError) error = NULL;
        g_autoptr(FwnegFwCfgSet) plan =
            run_stage(data, domain, options, "pc-q35-2.8", TRUE, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(plan->slots_used, ==, 16);
        g_assert_cmpuint(plan->slots, ==, 16);
    }
    g_hash_table_insert(options->ovmf_settings, g_strdup("ipv6"), g_strdup("no"));
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegFwCfgSet) plan = run_stage(data, domain, options, "pc-q35-2.8", TRUE, &error);
    g_assert_null(plan);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_nonnull(strstr(error->message, "pc-q35-2.8 has 16 fw_cfg file slots but this guest "
                                            "needs 17"));
    g_assert_nonnull(strstr(error->message, "opt/org.tianocore/IPv6Support"));
    g_assert_nonnull(strstr(error->message, "Remove 1"));
}

/* -boot splash-time (libvirt: <bootmenu enable='yes' timeout='MS'/>) makes QEMU
 * create etc/boot-menu-wait, a little-endian u16; a disabled menu makes none. */
static void
test_boot_menu_wait(void)
{
    g_autoptr(FwnegFeatureData) data = fwneg_test_load_shipped_features();
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    g_autoptr(FwnegDomain) on = load_guest("bios-guest.xml", "pc-q35-7.2");
    g_autoptr(FwnegDomain) off = load_guest("bios-guest.xml", "pc-q35-7.2");
    on->bootmenu_enable = FWNEG_TRISTATE_YES;
    on->bootmenu_timeout = 3000;
    off->bootmenu_enable = FWNEG_TRISTATE_NO;
    off->bootmenu_timeout = 3000;
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegFwCfgSet) set_on = run_stage(data, on, options, "pc-q35-7.2", FALSE, &error);
    g_assert_no_error(error);
    g_autoptr(FwnegFwCfgSet) set_off = run_stage(data, off, options, "pc-q35-7.2", FALSE, &error);
    g_assert_no_error(error);

    g_autofree char *text_on = describe(set_on);
    g_autofree char *text_off = describe(set_off);
    /* 3000 = 0x0bb8, little-endian; sorted before QEMU's SMI files. */
    g_assert_nonnull(strstr(text_on, "etc/boot-menu-wait qemu b80b\n"));
    g_assert_null(strstr(text_off, "etc/boot-menu-wait"));
    g_assert_cmpuint(set_on->files->len, ==, set_off->files->len + 1);
    g_assert_cmpstr(((FwnegFwCfgFile *)g_ptr_array_index(set_on->files, 0))->name, ==,
                    "etc/boot-menu-wait");
}

static FwnegFwCfgFile *
entry_new(const char *name, const char *origin, const char *bytes, gsize len)
{
    FwnegFwCfgFile *entry = g_new0(FwnegFwCfgFile, 1);
    entry->name = g_strdup(name);
    entry->origin = g_strdup(origin);
    entry->data = g_bytes_new(bytes, len);
    return entry;
}

static FwnegPlan *
migrate_plan(void)
{
    FwnegPlan *plan = fwneg_plan_new();
    plan->machine = g_strdup("pc-q35-7.2");
    g_ptr_array_add(plan->fw_cfg,
                    entry_new("etc/smi/supported-features", "qemu", "\x07\0\0\0\0\0\0\0", 8));
    g_ptr_array_add(plan->fw_cfg, entry_new("opt/org.fwneg/features", "fwneg",
                                            "\x01\0\0\0\0\0\0\0\x21\0\0\0\0\0\0\0", 16));
    plan->fw_cfg_slots = 32;
    plan->fw_cfg_slots_used = 14;
    return plan;
}

/* Run the checker; returns "verdict:subject" lines for REFUSED findings. */
static char *
run_check(const FwnegPlan *recorded, FwnegPlan *local, guint *n_same)
{
    FwnegMigrateCheck check = {0};
    check.recorded = recorded;
    check.local = local;
    check.findings = g_ptr_array_new();
    check.qemu_args = g_ptr_array_new_with_free_func(g_free);
    fwneg_migrate_check_fw_cfg(&check);
    GString *out = g_string_new(NULL);
    *n_same = 0;
    for (guint i = 0; i < check.findings->len; i++) {
        FwnegMigrateFinding *f = g_ptr_array_index(check.findings, i);
        g_assert_cmpstr(f->aspect, ==, "fw_cfg");
        g_assert_nonnull(f->message);
        if (f->verdict == FWNEG_MIGRATE_REFUSED)
            g_string_append_printf(out, "REFUSED %s: %s\n", f->subject, f->message);
        else if (f->verdict == FWNEG_MIGRATE_SAME)
            (*n_same)++;
        g_free(f->aspect);
        g_free(f->subject);
        g_free(f->message);
        g_free(f);
    }
    g_ptr_array_unref(check.findings);
    g_ptr_array_unref(check.qemu_args);
    return g_string_free(out, FALSE);
}

static void
test_migrate(void)
{
    g_autoptr(FwnegPlan) recorded = migrate_plan();
    guint same = 0;

    {
        g_autoptr(FwnegPlan) local = migrate_plan();
        g_autofree char *refused = run_check(recorded, local, &same);
        g_assert_cmpstr(refused, ==, "");
        g_assert_cmpuint(same, ==, 3); /* two files + the slot count */
    }
    {
        /* One bit different in fwneg's bitmap. */
        g_autoptr(FwnegPlan) local = migrate_plan();
        FwnegFwCfgFile *entry = g_ptr_array_index(local->fw_cfg, 1);
        g_bytes_unref(entry->data);
        entry->data = g_bytes_new("\x01\0\0\0\0\0\0\0\x20\0\0\0\0\0\0\0", 16);
        g_autofree char *refused = run_check(recorded, local, &same);
        g_assert_nonnull(strstr(refused, "REFUSED opt/org.fwneg/features: fw_cfg file "
                                         "opt/org.fwneg/features: recorded "
                                         "01000000000000002100000000000000, here "
                                         "01000000000000002000000000000000"));
    }
    {
        /* QEMU's SMI files missing on the target (e.g. an older machine type). */
        g_autoptr(FwnegPlan) local = migrate_plan();
        g_ptr_array_remove_index(local->fw_cfg, 0);
        g_autofree char *refused = run_check(recorded, local, &same);
        g_assert_nonnull(strstr(refused, "REFUSED etc/smi/supported-features: recorded fw_cfg "
                                         "file etc/smi/supported-features (origin qemu, "
                                         "0700000000000000) is not produced here"));
    }
    {
        /* An extra name on the target, and too many files. */
        g_autoptr(FwnegPlan) local = migrate_plan();
        g_ptr_array_add(local->fw_cfg,
                        entry_new("opt/org.tianocore/IPv6Support", "fwneg", "no", 2));
        local->fw_cfg_slots_used = 33;
        g_autofree char *refused = run_check(recorded, local, &same);
        g_assert_nonnull(strstr(refused, "REFUSED opt/org.tianocore/IPv6Support: fw_cfg file "
                                         "opt/org.tianocore/IPv6Support (origin fwneg) would be "
                                         "added here but is not in the record"));
        g_assert_nonnull(strstr(refused, "REFUSED file slots: the guest needs 33 fw_cfg files "
                                         "but machine type pc-q35-7.2 has 32 slots"));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fwcfg/layout", test_layout);
    g_test_add_func("/fwcfg/plan/q35-secure-boot", test_plan_q35_secure_boot);
    g_test_add_func("/fwcfg/plan/i440fx-bios", test_plan_i440fx_bios);
    g_test_add_func("/fwcfg/ovmf-settings", test_ovmf_settings);
    g_test_add_func("/fwcfg/slot-overflow", test_slot_overflow);
    g_test_add_func("/fwcfg/boot-menu-wait", test_boot_menu_wait);
    g_test_add_func("/fwcfg/migrate", test_migrate);
    return g_test_run();
}

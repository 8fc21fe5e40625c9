/* test-record.c: the per-VM record — JSON and <fwneg:plan> metadata read back
 * exactly what the writers wrote; record files are written atomically under
 * STATE_DIR/vms; bad records are refused with a reason. */
#include <string.h>

#include "fwneg-error.h"
#include "record.h"

static FwnegPlan *
sample_plan(void)
{
    FwnegPlan *plan = fwneg_plan_new();
    plan->name = g_strdup("rec1");
    plan->uuid = g_strdup("0b7e6a10-3c2d-4f5e-8a9b-1c2d3e4f5a6b");
    plan->arch = g_strdup("x86_64");
    plan->machine = g_strdup("pc-q35-7.2");
    plan->machine_requested = g_strdup("q35");
    plan->qemu_version = g_strdup("7.2.22");

    FwnegFirmwareChoice *fw = g_new0(FwnegFirmwareChoice, 1);
    fw->source = FWNEG_FIRMWARE_FROM_DESCRIPTOR;
    fw->interface = g_strdup("uefi");
    fw->descriptor = g_strdup("/usr/share/qemu/firmware/60-edk2-x86_64.json");
    fw->device = g_strdup("flash");
    fw->mode = g_strdup("split");
    fw->executable = g_strdup("/usr/share/OVMF/OVMF_CODE_4M.fd");
    fw->nvram_template = g_strdup("/usr/share/OVMF/OVMF_VARS_4M.fd");
    fw->features = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(fw->features, g_strdup("acpi-s3"));
    fw->rejected = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_rejection_free);
    fw->warnings = g_ptr_array_new_with_free_func(g_free);
    plan->firmware = fw;
    plan->nvram_path = g_strdup("/var/lib/libvirt/qemu/nvram/rec1_VARS.fd");

    FwnegDeviceRom *rom = g_new0(FwnegDeviceRom, 1);
    rom->device = g_strdup("net0");
    rom->model = g_strdup("e1000");
    rom->ramblock = g_strdup("0000:00:02.0:00.0/e1000.rom");
    rom->file = g_strdup("/usr/lib/ipxe/qemu/efi-e1000.rom");
    rom->file_size = 249856;
    rom->size = 262144;
    rom->sha256 = g_strdup("f034ae9a3fef092f2d55a7a46cfe2c1cc81469ee1166878e6c6ce70d12ebaa74");
    rom->rombar = TRUE;
    rom->size_pinned = TRUE;
    rom->store_file = g_strdup("/var/lib/fwneg/roms/"
                               "f034ae9a3fef092f2d55a7a46cfe2c1cc81469ee1166878e6c6ce70d12ebaa74");
    rom->qemu_id = g_strdup("net0");
    g_ptr_array_add(plan->roms, rom);
    FwnegDeviceRom *off = g_new0(FwnegDeviceRom, 1);
    off->device = g_strdup("interface[1]");
    off->model = g_strdup("virtio");
    off->file_size = -1;
    off->rombar = FALSE;
    g_ptr_array_add(plan->roms, off);

    g_ptr_array_add(plan->bootorder, g_strdup("/pci@i0cf8/pci8086,2922@1f,2/drive@0/disk@0"));
    g_ptr_array_add(plan->bootorder, g_strdup("HALT"));
    FwnegFwCfgFile *entry = g_new0(FwnegFwCfgFile, 1);
    entry->name = g_strdup("etc/smi/supported-features");
    entry->origin = g_strdup("qemu");
    static const guint8 smi[8] = {7, 0, 0, 0, 0, 0, 0, 0};
    entry->data = g_bytes_new(smi, sizeof smi);
    g_ptr_array_add(plan->fw_cfg, entry);
    return plan;
}

/* A recorded plan notes the descriptors that decided its firmware. */
static void
add_notes(FwnegPlan *plan)
{
    plan->decided_by = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_descriptor_note_free);
    FwnegDescriptorNote *masked = g_new0(FwnegDescriptorNote, 1);
    masked->name = g_strdup("50-masked.json");
    masked->path = g_strdup("/etc/qemu/firmware/50-masked.json");
    g_ptr_array_add(plan->decided_by, masked);
    FwnegDescriptorNote *chosen = g_new0(FwnegDescriptorNote, 1);
    chosen->name = g_strdup("60-edk2-x86_64.json");
    chosen->path = g_strdup("/usr/share/qemu/firmware/60-edk2-x86_64.json");
    chosen->sha256 = g_strdup("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    g_ptr_array_add(plan->decided_by, chosen);
}

static void
assert_same_notes(const FwnegPlan *a, const FwnegPlan *b)
{
    g_assert_nonnull(b->decided_by);
    g_assert_cmpuint(a->decided_by->len, ==, b->decided_by->len);
    for (guint i = 0; i < a->decided_by->len; i++) {
        const FwnegDescriptorNote *x = g_ptr_array_index(a->decided_by, i);
        const FwnegDescriptorNote *y = g_ptr_array_index(b->decided_by, i);
        g_assert_cmpstr(x->name, ==, y->name);
        g_assert_cmpstr(x->path, ==, y->path);
        g_assert_cmpstr(x->sha256, ==, y->sha256);
    }
}

static void
test_descriptor_notes_round_trip(void)
{
    g_autoptr(FwnegPlan) plan = sample_plan();
    add_notes(plan);
    g_autoptr(GError) error = NULL;
    g_autofree char *json = fwneg_plan_to_json(plan);
    g_autoptr(FwnegPlan) from_json = fwneg_plan_from_json(json, strlen(json), "t.json", &error);
    g_assert_no_error(error);
    assert_same_notes(plan, from_json);

    static const char domain_xml[] = "<domain type='kvm'><name>rec1</name></domain>\n";
    g_autofree char *xml =
        fwneg_plan_to_domain_xml(plan, NULL, domain_xml, strlen(domain_xml), &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(xml, "sha256=\"masked\""));
    g_autoptr(FwnegDomain) domain = fwneg_domain_parse_memory(xml, strlen(xml), "out.xml", &error);
    g_assert_no_error(error);
    g_autoptr(FwnegPlan) from_xml =
        fwneg_plan_from_metadata(domain->fwneg_metadata, "out.xml", &error);
    g_assert_no_error(error);
    assert_same_notes(plan, from_xml);

    /* A plain plan (not a record) has no notes and writes no decided-by key. */
    g_autoptr(FwnegPlan) plain = sample_plan();
    g_autofree char *plain_json = fwneg_plan_to_json(plain);
    g_assert_null(strstr(plain_json, "decided-by"));
}

/* A record from a newer fwneg is "upgrade fwneg", never "damaged". */
static void
test_newer_records_refused(void)
{
    static const char *const newer[] = {
        "<fwneg:plan xmlns:fwneg='https://fwneg.org/xmlns/fwneg/1' version='2'/>",
        "<fwneg:plan xmlns:fwneg='https://fwneg.org/xmlns/fwneg/2' version='1'/>",
        "<fwneg:plan xmlns:fwneg='https://fwneg.org/xmlns/fwneg/3'/>",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(newer); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(FwnegPlan) plan = fwneg_plan_from_metadata(newer[i], "m", &error);
        g_assert_null(plan);
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
        g_assert_nonnull(strstr(error->message, "newer fwneg"));
        g_assert_nonnull(strstr(error->message, "upgrade fwneg"));
    }
    g_autoptr(GError) error = NULL;
    static const char json[] = "{\"schema\": \"fwneg-plan/2\"}";
    g_autoptr(FwnegPlan) plan = fwneg_plan_from_json(json, strlen(json), "r.json", &error);
    g_assert_null(plan);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_nonnull(strstr(error->message, "upgrade fwneg"));
    /* The current version reads. */
    g_clear_error(&error);
    g_autoptr(FwnegPlan) current = fwneg_plan_from_metadata(
        "<fwneg:plan xmlns:fwneg='https://fwneg.org/xmlns/fwneg/1' version='1'/>", "m", &error);
    g_assert_no_error(error);
    g_assert_nonnull(current);
}

static void
assert_same_plan(const FwnegPlan *a, const FwnegPlan *b)
{
    g_assert_cmpstr(a->machine, ==, b->machine);
    g_assert_cmpstr(a->arch, ==, b->arch);
    g_assert_cmpstr(a->firmware->executable, ==, b->firmware->executable);
    g_assert_cmpstr(a->firmware->interface, ==, b->firmware->interface);
    g_assert_cmpuint(a->roms->len, ==, b->roms->len);
    for (guint i = 0; i < a->roms->len; i++) {
        const FwnegDeviceRom *x = g_ptr_array_index(a->roms, i), *y = g_ptr_array_index(b->roms, i);
        g_assert_cmpstr(x->device, ==, y->device);
        g_assert_cmpstr(x->model, ==, y->model);
        g_assert_cmpstr(x->ramblock, ==, y->ramblock);
        g_assert_cmpstr(x->file, ==, y->file);
        g_assert_cmpint(x->file_size, ==, y->file_size);
        g_assert_cmpint(x->size, ==, y->size);
        g_assert_cmpstr(x->sha256, ==, y->sha256);
        g_assert_cmpint(x->rombar, ==, y->rombar);
        g_assert_cmpint(x->size_pinned, ==, y->size_pinned);
        g_assert_cmpstr(x->store_file, ==, y->store_file);
        g_assert_cmpstr(x->qemu_id, ==, y->qemu_id);
    }
    g_assert_cmpuint(a->bootorder->len, ==, b->bootorder->len);
    g_assert_cmpstr(g_ptr_array_index(a->bootorder, 0), ==, g_ptr_array_index(b->bootorder, 0));
    g_assert_cmpuint(a->fw_cfg->len, ==, b->fw_cfg->len);
    const FwnegFwCfgFile *fa = g_ptr_array_index(a->fw_cfg, 0),
                         *fb = g_ptr_array_index(b->fw_cfg, 0);
    g_assert_cmpstr(fa->name, ==, fb->name);
    g_assert_true(g_bytes_equal(fa->data, fb->data));
}

static void
test_json_round_trip(void)
{
    g_autoptr(FwnegPlan) plan = sample_plan();
    g_autofree char *json = fwneg_plan_to_json(plan);
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegPlan) back = fwneg_plan_from_json(json, strlen(json), "t.json", &error);
    g_assert_no_error(error);
    assert_same_plan(plan, back);
    g_assert_cmpstr(back->uuid, ==, plan->uuid);
    /* and the JSON of the read-back plan is the same document */
    g_autofree char *again = fwneg_plan_to_json(back);
    g_assert_cmpstr(again, ==, json);
}

static void
test_metadata_round_trip(void)
{
    g_autoptr(FwnegPlan) plan = sample_plan();
    static const char domain_xml[] =
        "<domain type='kvm'>\n  <name>rec1</name>\n  <devices/>\n</domain>\n";
    g_autoptr(GError) error = NULL;
    g_autofree char *xml =
        fwneg_plan_to_domain_xml(plan, NULL, domain_xml, strlen(domain_xml), &error);
    g_assert_no_error(error);
    g_autoptr(FwnegDomain) domain = fwneg_domain_parse_memory(xml, strlen(xml), "out.xml", &error);
    g_assert_no_error(error);
    g_assert_nonnull(domain->fwneg_metadata);
    g_autoptr(FwnegPlan) back = fwneg_plan_from_metadata(domain->fwneg_metadata, "out.xml", &error);
    g_assert_no_error(error);
    assert_same_plan(plan, back);
    g_assert_cmpstr(back->qemu_version, ==, "7.2.22");
}

static void
test_record_write_read(void)
{
    g_autofree char *state = g_dir_make_tmp("record-XXXXXX", NULL);
    g_autoptr(FwnegPlan) plan = sample_plan();
    g_autoptr(GError) error = NULL;
    g_assert_true(fwneg_record_write(state, plan, &error));
    g_assert_no_error(error);
    g_autofree char *path = fwneg_record_path(state, plan->uuid);
    g_assert_true(g_str_has_suffix(path, "/vms/0b7e6a10-3c2d-4f5e-8a9b-1c2d3e4f5a6b.json"));
    g_autoptr(FwnegPlan) back = fwneg_record_read_file(path, &error);
    g_assert_no_error(error);
    assert_same_plan(plan, back);
}

static void
test_record_refuses_bad_uuid(void)
{
    g_autofree char *state = g_dir_make_tmp("record-XXXXXX", NULL);
    g_autoptr(FwnegPlan) plan = sample_plan();
    g_autoptr(GError) error = NULL;
    g_free(plan->uuid);
    plan->uuid = g_strdup("../../etc/passwd");
    g_assert_false(fwneg_record_write(state, plan, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_nonnull(strstr(error->message, "../../etc/passwd"));
}

static void
test_bad_records(void)
{
    static const struct {
        const char *json, *needle;
    } cases[] = {
        {"{", "not valid JSON"},
        {"{\"schema\": \"other/2\"}", "not 'fwneg-plan/1'"},
        {"{\"schema\": \"fwneg-plan/1\", \"roms\": [{\"size\": 4}]}", "roms[0]"},
        {"{\"schema\": \"fwneg-plan/1\", \"roms\": [{\"device\": \"n\", \"size\": 4, "
         "\"sha256\": \"abc\"}]}",
         "64-digit"},
        {"{\"schema\": \"fwneg-plan/1\", \"fw_cfg\": [{\"name\": \"a\", \"hex\": \"0g\"}]}",
         "fw_cfg[0]"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(FwnegPlan) plan =
            fwneg_plan_from_json(cases[i].json, strlen(cases[i].json), "bad.json", &error);
        g_assert_null(plan);
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
        if (strstr(error->message, cases[i].needle) == NULL)
            g_error("case %zu: '%s' not in '%s'", i, cases[i].needle, error->message);
    }
    g_autoptr(GError) error = NULL;
    g_assert_null(fwneg_plan_from_metadata(NULL, "vm.xml", &error));
    g_assert_nonnull(strstr(error->message, "fwneg record"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/record/json-round-trip", test_json_round_trip);
    g_test_add_func("/record/metadata-round-trip", test_metadata_round_trip);
    g_test_add_func("/record/write-read", test_record_write_read);
    g_test_add_func("/record/refuses-bad-uuid", test_record_refuses_bad_uuid);
    g_test_add_func("/record/bad-records", test_bad_records);
    g_test_add_func("/record/descriptor-notes-round-trip", test_descriptor_notes_round_trip);
    g_test_add_func("/record/newer-records-refused", test_newer_records_refused);
    return g_test_run();
}

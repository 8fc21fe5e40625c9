/* test-plan-writers: the four output formats of `fwneg plan` (JSON, text,
 * QEMU arguments, domain XML) against golden files in tests/data/writers/,
 * plus structural checks that hold whatever the goldens say.
 *
 * FWNEG_UPDATE_GOLDEN=1 rewrites the golden files from the actual output.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <string.h>
#include <unistd.h>

#include "fwneg-error.h"
#include "plan.h"
#include "safe-xml.h"
#include "test-util.h"

/* ---- building plans by hand ---- */

/* Plans are built by hand (no planner run) and freed with the library's own
 * destructors. */
typedef FwnegPlan TestPlan;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestPlan, fwneg_plan_free)

static GPtrArray *
strv_array(const char *const *strings)
{
    GPtrArray *array = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; strings && strings[i]; i++)
        g_ptr_array_add(array, g_strdup(strings[i]));
    return array;
}

static FwnegDeviceRom *
new_rom(const char *device, const char *model, const char *ramblock, const char *file,
        gint64 file_size, gint64 size, const char *sha256, gboolean rombar)
{
    FwnegDeviceRom *rom = g_new0(FwnegDeviceRom, 1);

    rom->device = g_strdup(device);
    rom->model = g_strdup(model);
    rom->ramblock = g_strdup(ramblock);
    rom->file = g_strdup(file);
    rom->file_size = file_size;
    rom->size = size;
    rom->sha256 = g_strdup(sha256);
    rom->rombar = rombar;
    return rom;
}

static FwnegFwCfgFile *
new_fw_cfg(const char *name, const char *origin, const void *data, gsize len)
{
    FwnegFwCfgFile *entry = g_new0(FwnegFwCfgFile, 1);

    entry->name = g_strdup(name);
    entry->origin = g_strdup(origin);
    entry->data = g_bytes_new(data, len);
    return entry;
}

static FwnegRejection *
new_rejection(const char *descriptor, const char *reason)
{
    FwnegRejection *r = g_new0(FwnegRejection, 1);

    r->descriptor = g_strdup(descriptor);
    r->reason = g_strdup(reason);
    return r;
}

#define EFI_FIRMWARE_WARNING                                                                       \
    "descriptor 40-edk2-x86_64-secure-enrolled.json: sample firmware warning"
#define VIRTIO_ROM_SHA256 "5f1f2c3a9a1b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170605"

/* q35 guest, Secure Boot firmware from Debian's 40- descriptor, three rejected
 * candidates, two ROMs, a strict boot order and fw_cfg bitmaps. */
static FwnegPlan *
make_efi_plan(void)
{
    static const char *const features[] = {
        "acpi-s3",         "amd-sev", "enrolled-keys", "requires-smm", "secure-boot",
        "verbose-dynamic", NULL};
    static const char *const bootorder[] = {"/pci@i0cf8/pci-bridge@1/scsi@3/disk@0,0",
                                            "/pci@i0cf8/ethernet@2/ethernet-phy@0", "HALT", NULL};
    static const guint8 smi[8] = {0x07};
    static const guint8 opt[8] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80};
    static const guint8 blob[20] = {0xde, 0xad, 0xbe, 0xef};
    FwnegPlan *plan = g_new0(FwnegPlan, 1);
    FwnegFirmwareChoice *fw = g_new0(FwnegFirmwareChoice, 1);

    plan->name = g_strdup("demo-q35");
    plan->uuid = g_strdup("2c0a8f3e-6d1b-4c55-9b7e-0f3a1d2e4b6c");
    plan->arch = g_strdup("x86_64");
    plan->machine = g_strdup("pc-q35-7.2");
    plan->machine_requested = g_strdup("q35");
    plan->qemu_version = g_strdup("7.2.22");

    fw->interface = g_strdup("uefi");
    fw->descriptor = g_strdup("/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json");
    fw->device = g_strdup("flash");
    fw->mode = g_strdup("split");
    fw->executable = g_strdup("/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
    fw->executable_format = g_strdup("raw");
    fw->nvram_template = g_strdup("/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
    fw->nvram_template_format = g_strdup("raw");
    fw->features = strv_array(features);
    fw->rejected = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_rejection_free);
    g_ptr_array_add(fw->rejected,
                    new_rejection("/usr/share/qemu/firmware/30-custom.json",
                                  "no matching machine type: targets x86_64 pc-i440fx-*"));
    g_ptr_array_add(fw->rejected, new_rejection("/etc/qemu/firmware/35-test.json",
                                                "executable /opt/fw/CODE.fd does not exist"));
    g_ptr_array_add(fw->rejected, new_rejection("/usr/share/qemu/firmware/60-edk2-aarch64.json",
                                                "no matching architecture"));
    fw->requires_smm = TRUE;
    fw->warnings = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(fw->warnings, g_strdup(EFI_FIRMWARE_WARNING));
    plan->firmware = fw;
    plan->nvram_path = g_strdup("/var/lib/libvirt/qemu/nvram/demo-q35_VARS.fd");

    plan->roms = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_device_rom_free);
    g_ptr_array_add(plan->roms, new_rom("net0", "virtio", "0000:00:02.0/virtio-net-pci.rom",
                                        "/usr/lib/ipxe/qemu/efi-virtio.rom", 249344, 262144,
                                        VIRTIO_ROM_SHA256, TRUE));
    g_ptr_array_add(plan->roms, new_rom("net1", "e1000", NULL, "/usr/lib/ipxe/qemu/efi-e1000.rom",
                                        249856, 0, NULL, FALSE));
    plan->bootorder = strv_array(bootorder);
    plan->fw_cfg = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_fwcfg_file_free);
    g_ptr_array_add(plan->fw_cfg,
                    new_fw_cfg("etc/smi/supported-features", "qemu", smi, sizeof smi));
    g_ptr_array_add(plan->fw_cfg, new_fw_cfg("opt/org.fwneg/features", "fwneg", opt, sizeof opt));
    g_ptr_array_add(plan->fw_cfg, new_fw_cfg("opt/org.fwneg/blob", "fwneg", blob, sizeof blob));
    plan->fdt_nodes = g_ptr_array_new_with_free_func(g_free);
    plan->warnings = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(plan->warnings, g_strdup("skipping firmware descriptor "
                                             "/etc/qemu/firmware/99-broken.json: not JSON"));
    /* the planner copies the firmware's warnings into the plan's */
    g_ptr_array_add(plan->warnings, g_strdup(EFI_FIRMWARE_WARNING));
    return plan;
}

/* i440fx guest with QEMU's own SeaBIOS: no descriptor, nothing to load,
 * ROMs not planned, empty lists. */
static FwnegPlan *
make_bios_default_plan(void)
{
    FwnegPlan *plan = g_new0(FwnegPlan, 1);
    FwnegFirmwareChoice *fw = g_new0(FwnegFirmwareChoice, 1);

    plan->name = g_strdup("demo-pc");
    plan->uuid = g_strdup("7d1e9b52-3a4c-4f0e-8c2d-5b6a7e8f9012");
    plan->arch = g_strdup("x86_64");
    plan->machine = g_strdup("pc-i440fx-7.2");
    plan->machine_requested = g_strdup("pc");
    plan->qemu_version = g_strdup("7.2.22");
    /* What firmware-match.c gives a guest with nothing configured on x86. */
    fw->source = FWNEG_FIRMWARE_QEMU_DEFAULT;
    fw->interface = g_strdup("bios");
    fw->device = g_strdup("memory");
    fw->executable = g_strdup("/usr/share/seabios/bios-256k.bin");
    fw->features = g_ptr_array_new_with_free_func(g_free);
    fw->rejected = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_rejection_free);
    plan->firmware = fw;
    plan->bootorder = g_ptr_array_new_with_free_func(g_free);
    plan->fw_cfg = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_fwcfg_file_free);
    return plan;
}

/* BIOS chosen from a descriptor with a memory mapping: -bios / <loader type='rom'>. */
static FwnegPlan *
make_bios_memory_plan(void)
{
    static const char *const features[] = {"acpi-s3", "acpi-s4", NULL};
    FwnegPlan *plan = make_bios_default_plan();
    FwnegFirmwareChoice *fw = plan->firmware;

    fw->source = FWNEG_FIRMWARE_FROM_DESCRIPTOR;
    fw->descriptor = g_strdup("/etc/qemu/firmware/50-seabios-256k.json");
    g_ptr_array_extend_and_steal(fw->features, strv_array(features));
    plan->roms = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_device_rom_free);
    return plan;
}

/* aarch64 virt guest: AAVMF, a device tree, and every optional value NULL. */
static FwnegPlan *
make_nulls_plan(void)
{
    static const char *const nodes[] = {"/pcie@10000000/virtio_net@2", NULL};
    static const char *const bootorder[] = {"/pci@ffffffffffffffff/ethernet@2/ethernet-phy@0",
                                            "HALT", NULL};
    FwnegPlan *plan = g_new0(FwnegPlan, 1);
    FwnegFirmwareChoice *fw = g_new0(FwnegFirmwareChoice, 1);

    plan->name = g_strdup("demo-arm");
    plan->arch = g_strdup("aarch64");
    plan->machine = g_strdup("virt-7.2");
    fw->interface = g_strdup("uefi");
    fw->descriptor = g_strdup("/usr/share/qemu/firmware/60-edk2-aarch64.json");
    fw->device = g_strdup("flash");
    fw->executable = g_strdup("/usr/share/AAVMF/AAVMF_CODE.fd");
    fw->nvram_template = g_strdup("/usr/share/AAVMF/AAVMF_VARS.fd");
    plan->firmware = fw;
    plan->roms = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_device_rom_free);
    g_ptr_array_add(plan->roms,
                    new_rom("interface[0]", NULL, NULL, NULL, FWNEG_UNSET, 0, NULL, TRUE));
    plan->bootorder = strv_array(bootorder);
    plan->has_fdt = TRUE;
    plan->fdt_nodes = strv_array(nodes);
    return plan;
}

/* ---- golden files ---- */

/* Show a unified diff (diff -u) of @expected_path against @actual. */
static void
show_diff(const char *expected_path, const char *actual)
{
    g_autofree char *tmp = NULL;
    g_autoptr(GError) error = NULL;
    int fd = g_file_open_tmp("fwneg-writers-actual-XXXXXX", &tmp, &error);
    g_autofree char *diff_out = NULL;
    const char *argv[] = {"diff", "-u", expected_path, tmp, NULL};

    if (fd < 0 || !g_file_set_contents(tmp, actual, -1, &error) ||
        !g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &diff_out, NULL,
                      NULL, NULL)) {
        g_printerr("# actual output:\n%s\n", actual);
    } else {
        g_printerr("%s", diff_out);
    }
    if (fd >= 0)
        close(fd);
    if (tmp)
        g_unlink(tmp);
}

static void
assert_golden(const char *name, const char *actual)
{
    g_autofree char *path = fwneg_test_data_path("writers", name);
    g_autofree char *expected = NULL;
    g_autoptr(GError) error = NULL;

    if (g_strcmp0(g_getenv("FWNEG_UPDATE_GOLDEN"), "1") == 0) {
        g_file_set_contents(path, actual, -1, &error);
        g_assert_no_error(error);
        g_test_message("updated %s", path);
        return;
    }
    if (!g_file_get_contents(path, &expected, NULL, &error)) {
        g_printerr("# %s: %s (run with FWNEG_UPDATE_GOLDEN=1 to create it)\n", path,
                   error->message);
        g_printerr("# actual output:\n%s\n", actual);
        g_test_fail();
        return;
    }
    if (strcmp(expected, actual) != 0) {
        g_printerr("# %s differs from the actual output (FWNEG_UPDATE_GOLDEN=1 refreshes it):\n",
                   path);
        show_diff(path, actual);
        g_test_fail();
    }
}

typedef FwnegPlan *(*PlanMaker)(void);

typedef struct {
    const char *name; /* golden file stem */
    PlanMaker make;
} PlanCase;

static const PlanCase plan_cases[] = {
    {"efi-secure", make_efi_plan},
    {"bios-default", make_bios_default_plan},
    {"bios-memory", make_bios_memory_plan},
    {"aarch64-nulls", make_nulls_plan},
};

static void
test_golden_json(gconstpointer data)
{
    const PlanCase *c = data;
    g_autoptr(TestPlan) plan = c->make();
    g_autofree char *out = fwneg_plan_to_json(plan);
    g_autofree char *name = g_strconcat(c->name, ".json", NULL);

    assert_golden(name, out);
}

static void
test_golden_text(gconstpointer data)
{
    const PlanCase *c = data;
    g_autoptr(TestPlan) plan = c->make();
    g_autofree char *out = fwneg_plan_to_text(plan);
    g_autofree char *name = g_strconcat(c->name, ".txt", NULL);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);

    assert_golden(name, out);
    /* a warning both the plan and its firmware carry is shown once */
    if (plan->warnings && plan->warnings->len > 0) {
        const char *first = strstr(out, g_ptr_array_index(plan->warnings, 0));

        g_assert_nonnull(first);
        g_assert_null(strstr(first + 1, g_ptr_array_index(plan->warnings, 0)));
    }
    if (plan->firmware && plan->firmware->warnings && plan->firmware->warnings->len > 0) {
        const char *first = strstr(out, g_ptr_array_index(plan->firmware->warnings, 0));

        g_assert_nonnull(first);
        g_assert_null(strstr(first + 1, g_ptr_array_index(plan->firmware->warnings, 0)));
    }
    for (guint i = 0; lines[i]; i++) {
        g_assert_cmpint(g_utf8_strlen(lines[i], -1), <=, 100);
        g_assert_null(strchr(lines[i], '\033'));
    }
}

static void
test_golden_qemu_args(gconstpointer data)
{
    const PlanCase *c = data;
    g_autoptr(TestPlan) plan = c->make();
    g_autofree char *out = fwneg_plan_to_qemu_args(plan);
    g_autofree char *name = g_strconcat(c->name, ".args", NULL);

    assert_golden(name, out);
}

/* domain XML: CASE.in.xml → CASE.out.xml */
static char *
apply_xml(const FwnegPlan *plan, const char *xml, GError **error)
{
    FwnegDomain domain = {.source_name = (char *)"test.xml"};

    return fwneg_plan_to_domain_xml(plan, &domain, xml, strlen(xml), error);
}

static void
test_golden_xml(gconstpointer data)
{
    const PlanCase *c = data;
    g_autoptr(TestPlan) plan = c->make();
    g_autofree char *in_name = g_strconcat(c->name, ".in.xml", NULL);
    g_autofree char *out_name = g_strconcat(c->name, ".out.xml", NULL);
    g_autofree char *input = fwneg_test_read_data("writers", in_name);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = apply_xml(plan, input, &error);

    g_assert_no_error(error);
    g_assert_nonnull(out);
    assert_golden(out_name, out);
}

/* ---- JSON structure ---- */

static void
test_json_structure(void)
{
    static const char *const keys[] = {"schema",    "domain", "firmware", "roms",
                                       "bootorder", "fw_cfg", "fdt"};
    g_autoptr(TestPlan) plan = make_efi_plan();
    g_autofree char *out = fwneg_plan_to_json(plan);
    json_object *root = json_tokener_parse(out);
    json_object *firmware, *value, *roms, *fw_cfg;
    guint i = 0;

    g_assert_nonnull(root);
    g_assert_true(g_str_has_suffix(out, "}\n"));
    g_assert_null(strstr(out, "\\/")); /* paths are not slash-escaped */
    /* the contract's keys first, in the contract's order */
    json_object_object_foreach(root, key, val)
    {
        (void)val;
        if (i < G_N_ELEMENTS(keys))
            g_assert_cmpstr(key, ==, keys[i]);
        i++;
    }
    g_assert_cmpuint(i, >=, G_N_ELEMENTS(keys));
    g_assert_cmpstr(json_object_get_string(json_object_object_get(root, "schema")), ==,
                    "fwneg-plan/1");
    firmware = json_object_object_get(root, "firmware");
    g_assert_true(json_object_object_get_ex(firmware, "nvram-template", &value));
    g_assert_cmpstr(json_object_get_string(value), ==, "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
    g_assert_cmpuint(json_object_array_length(json_object_object_get(firmware, "rejected")), ==, 3);
    value = json_object_array_get_idx(json_object_object_get(firmware, "rejected"), 1);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(value, "reason")), ==,
                    "executable /opt/fw/CODE.fd does not exist");
    roms = json_object_object_get(root, "roms");
    value = json_object_array_get_idx(roms, 0);
    g_assert_cmpint(json_object_get_int64(json_object_object_get(value, "size")), ==, 262144);
    g_assert_cmpint(json_object_get_int64(json_object_object_get(value, "file-size")), ==, 249344);
    g_assert_true(json_object_get_boolean(json_object_object_get(value, "rombar")));
    value = json_object_array_get_idx(roms, 1);
    g_assert_true(json_object_object_get_ex(value, "sha256", &value));
    g_assert_null(value); /* NULL string → JSON null */
    fw_cfg = json_object_object_get(root, "fw_cfg");
    value = json_object_array_get_idx(fw_cfg, 1);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(value, "hex")), ==,
                    "0100000000000080");
    g_assert_true(json_object_object_get_ex(root, "fdt", &value));
    g_assert_null(value);
    g_assert_cmpstr(json_object_get_string(
                        json_object_array_get_idx(json_object_object_get(root, "bootorder"), 2)),
                    ==, "HALT");
    json_object_put(root);
}

static void
test_json_nulls_and_empty_lists(void)
{
    g_autoptr(TestPlan) plan = make_bios_default_plan();
    g_autofree char *out = fwneg_plan_to_json(plan);
    json_object *root = json_tokener_parse(out);
    json_object *firmware, *value;

    g_assert_nonnull(root);
    firmware = json_object_object_get(root, "firmware");
    g_assert_true(json_object_object_get_ex(firmware, "descriptor", &value));
    g_assert_null(value);
    g_assert_true(json_object_object_get_ex(firmware, "nvram-template", &value));
    g_assert_null(value);
    /* roms is NULL in this plan: still an empty list, never null */
    g_assert_true(json_object_object_get_ex(root, "roms", &value));
    g_assert_true(json_object_is_type(value, json_type_array));
    g_assert_cmpuint(json_object_array_length(value), ==, 0);
    g_assert_true(
        json_object_is_type(json_object_object_get(firmware, "features"), json_type_array));
    json_object_put(root);

    /* aarch64: fdt object with a null file */
    {
        g_autoptr(TestPlan) arm = make_nulls_plan();
        g_autofree char *arm_out = fwneg_plan_to_json(arm);
        json_object *arm_root = json_tokener_parse(arm_out);
        json_object *fdt = json_object_object_get(arm_root, "fdt");

        g_assert_true(json_object_is_type(fdt, json_type_object));
        g_assert_true(json_object_object_get_ex(fdt, "file", &value));
        g_assert_null(value);
        g_assert_cmpuint(json_object_array_length(json_object_object_get(fdt, "nodes")), ==, 1);
        g_assert_true(
            json_object_object_get_ex(json_object_object_get(arm_root, "domain"), "uuid", &value));
        g_assert_null(value);
        json_object_put(arm_root);
    }
}

/* ---- QEMU arguments ---- */

static void
test_qemu_args_bios_default_is_empty(void)
{
    g_autoptr(TestPlan) plan = make_bios_default_plan();
    g_autofree char *out = fwneg_plan_to_qemu_args(plan);

    g_assert_cmpstr(out, ==, "");
}

/* The output parses as shell words into exactly libvirt 9.0's argument shapes. */
static void
test_qemu_args_shell_words(void)
{
    g_autoptr(TestPlan) plan = make_efi_plan();
    g_autofree char *out = fwneg_plan_to_qemu_args(plan);
    g_auto(GStrv) argv = NULL;
    g_autoptr(GError) error = NULL;
    json_object *storage, *format;
    int argc = 0;

    g_assert_true(g_shell_parse_argv(out, &argc, &argv, &error));
    g_assert_no_error(error);
    g_assert_cmpint(argc, ==, 12);
    g_assert_cmpstr(argv[0], ==, "-blockdev");
    storage = json_tokener_parse(argv[1]);
    g_assert_nonnull(storage);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(storage, "filename")), ==,
                    "/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
    g_assert_cmpstr(json_object_get_string(json_object_object_get(storage, "node-name")), ==,
                    "fwneg-pflash0-storage");
    json_object_put(storage);
    format = json_tokener_parse(argv[7]);
    g_assert_nonnull(format);
    g_assert_false(json_object_get_boolean(json_object_object_get(format, "read-only")));
    g_assert_cmpstr(json_object_get_string(json_object_object_get(format, "file")), ==,
                    "fwneg-pflash1-storage");
    json_object_put(format);
    storage = json_tokener_parse(argv[5]);
    g_assert_cmpstr(json_object_get_string(json_object_object_get(storage, "filename")), ==,
                    "/var/lib/libvirt/qemu/nvram/demo-q35_VARS.fd");
    json_object_put(storage);
    g_assert_cmpstr(argv[8], ==, "-machine");
    g_assert_cmpstr(argv[9], ==,
                    "smm=on,pflash0=fwneg-pflash0-format,pflash1=fwneg-pflash1-format");
    g_assert_cmpstr(argv[10], ==, "-global");
    g_assert_cmpstr(argv[11], ==, "driver=cfi.pflash01,property=secure,value=on");
}

/* Without a per-VM NVRAM path in the plan, libvirt 9.0's default is used; a path
 * with a space is quoted. */
static void
test_qemu_args_nvram_default_and_quoting(void)
{
    g_autoptr(TestPlan) plan = make_nulls_plan();
    g_autofree char *out = NULL;
    g_auto(GStrv) argv = NULL;
    int argc = 0;

    out = fwneg_plan_to_qemu_args(plan);
    g_assert_nonnull(strstr(out, "\"filename\":\"/var/lib/libvirt/qemu/nvram/demo-arm_VARS.fd\""));
    g_assert_null(strstr(out, "smm=on"));
    g_assert_null(strstr(out, "cfi.pflash01"));

    g_free(plan->firmware->executable);
    plan->firmware->executable = g_strdup("/opt/my firmware/CODE.fd");
    g_clear_pointer(&out, g_free);
    out = fwneg_plan_to_qemu_args(plan);
    g_assert_true(g_shell_parse_argv(out, &argc, &argv, NULL));
    g_assert_nonnull(strstr(argv[1], "\"filename\":\"/opt/my firmware/CODE.fd\""));
}

/* QEMU 7.2 itself accepts the arguments (when it is installed): it starts
 * paused with them and quits on request. */
static void
test_qemu_args_accepted_by_qemu(void)
{
    g_autofree char *qemu = g_find_program_in_path("qemu-system-x86_64");
    g_autofree char *tmpdir = NULL;
    g_autoptr(TestPlan) plan = make_efi_plan();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autofree char *vars = NULL, *out = NULL, *stdout_text = NULL,
                    *stderr_text = NULL;
    g_auto(GStrv) args = NULL;
    g_autoptr(GSubprocess) proc = NULL;

    if (!qemu || !g_file_test(plan->firmware->executable, G_FILE_TEST_EXISTS) ||
        !g_file_test(plan->firmware->nvram_template, G_FILE_TEST_EXISTS)) {
        g_test_skip("qemu-system-x86_64 or OVMF not installed");
        return;
    }
    tmpdir = g_dir_make_tmp("fwneg-writers-XXXXXX", &error);
    g_assert_no_error(error);
    /* A private copy of the varstore, as libvirt makes one from the template. */
    vars = g_build_filename(tmpdir, "demo-q35_VARS.fd", NULL);
    {
        g_autofree char *template_bytes = NULL;
        gsize len = 0;

        g_assert_true(
            g_file_get_contents(plan->firmware->nvram_template, &template_bytes, &len, &error));
        g_assert_true(g_file_set_contents(vars, template_bytes, len, &error));
    }
    g_free(plan->nvram_path);
    plan->nvram_path = g_strdup(vars);
    out = fwneg_plan_to_qemu_args(plan);
    g_assert_true(g_shell_parse_argv(out, NULL, &args, &error));

    g_ptr_array_add(argv, qemu);
    for (const char *const *a =
             (const char *const[]){"-machine", "pc-q35-7.2,accel=tcg", "-S", "-nodefaults",
                                   "-display", "none", "-qmp", "stdio", NULL};
         *a; a++)
        g_ptr_array_add(argv, (char *)*a);
    for (guint i = 0; args[i]; i++)
        g_ptr_array_add(argv, args[i]);
    g_ptr_array_add(argv, NULL);

    proc = g_subprocess_newv((const char *const *)argv->pdata,
                             G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             &error);
    g_assert_no_error(error);
    g_assert_true(g_subprocess_communicate_utf8(
        proc, "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n", NULL, &stdout_text,
        &stderr_text, &error));
    g_assert_no_error(error);
    if (!g_subprocess_get_if_exited(proc) || g_subprocess_get_exit_status(proc) != 0)
        g_printerr("# qemu stderr: %s\n", stderr_text);
    g_assert_true(g_subprocess_get_if_exited(proc));
    g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
    g_assert_nonnull(strstr(stdout_text, "\"return\""));

    g_unlink(vars);
    g_rmdir(tmpdir);
}

/* ---- domain XML structure ---- */

static xmlDoc *
parse_xml(const char *xml)
{
    g_autoptr(GError) error = NULL;
    xmlDoc *doc =
        fwneg_xml_parse_safe(xml, strlen(xml), FWNEG_DOMAIN_XML_MAX_BYTES, "out.xml", &error);

    g_assert_no_error(error);
    g_assert_nonnull(doc);
    return doc;
}

static int
xpath_count(xmlDoc *doc, const char *expression)
{
    xmlXPathContext *ctxt = xmlXPathNewContext(doc);
    xmlXPathObject *result;
    int count;

    xmlXPathRegisterNs(ctxt, BAD_CAST "fwneg", BAD_CAST FWNEG_METADATA_NS);
    xmlXPathRegisterNs(ctxt, BAD_CAST "other", BAD_CAST "http://example.org/other/1");
    result = xmlXPathEvalExpression(BAD_CAST expression, ctxt);
    g_assert_nonnull(result);
    count = result->nodesetval ? result->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(result);
    xmlXPathFreeContext(ctxt);
    return count;
}

static char *
xpath_string(xmlDoc *doc, const char *expression)
{
    xmlXPathContext *ctxt = xmlXPathNewContext(doc);
    xmlXPathObject *result;
    char *value;

    xmlXPathRegisterNs(ctxt, BAD_CAST "fwneg", BAD_CAST FWNEG_METADATA_NS);
    result = xmlXPathEvalExpression(BAD_CAST expression, ctxt);
    g_assert_nonnull(result);
    value = (char *)xmlXPathCastToString(result);
    xmlXPathFreeObject(result);
    xmlXPathFreeContext(ctxt);
    return value;
}

static void
assert_xpath_string(xmlDoc *doc, const char *expression, const char *expected)
{
    g_autofree char *value = xpath_string(doc, expression);

    g_assert_cmpstr(value, ==, expected);
}

static void
test_xml_structure_and_reapply(void)
{
    g_autoptr(TestPlan) plan = make_efi_plan();
    g_autofree char *input = fwneg_test_read_data("writers", "efi-secure.in.xml");
    g_autoptr(GError) error = NULL;
    g_autofree char *once = apply_xml(plan, input, &error);
    g_autofree char *twice = NULL;
    g_autoptr(xmlDoc) doc = NULL;

    g_assert_no_error(error);
    doc = parse_xml(once);
    /* applied as libvirt 9.0 fills it */
    g_assert_cmpint(xpath_count(doc, "/domain/os/@firmware"), ==, 0);
    g_assert_cmpint(xpath_count(doc, "/domain/os/firmware"), ==, 0);
    assert_xpath_string(doc, "/domain/os/loader", "/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
    assert_xpath_string(doc, "/domain/os/loader/@type", "pflash");
    assert_xpath_string(doc, "/domain/os/loader/@readonly", "yes");
    assert_xpath_string(doc, "/domain/os/loader/@secure", "yes");
    assert_xpath_string(doc, "/domain/os/nvram/@template", "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
    /* the guest's own NVRAM path is kept */
    assert_xpath_string(doc, "/domain/os/nvram", "/srv/nvram/demo-q35.fd");
    assert_xpath_string(doc, "/domain/features/smm/@state", "on");
    g_assert_cmpint(xpath_count(doc, "/domain/features/acpi"), ==, 1);
    /* unrelated content kept */
    g_assert_cmpint(xpath_count(doc, "/domain/devices/interface"), ==, 2);
    g_assert_cmpint(xpath_count(doc, "/domain/metadata/other:info"), ==, 1);
    g_assert_cmpint(xpath_count(doc, "//comment()"), ==, 1);
    assert_xpath_string(doc, "/domain/description", "keep me & my <entities>");
    /* exactly one fwneg element in <metadata>: libvirt keeps one per namespace */
    g_assert_cmpint(xpath_count(doc, "/domain/metadata/*[starts-with(namespace-uri(), "
                                     "'https://fwneg.org/xmlns/fwneg/')]"),
                    ==, 1);
    g_assert_cmpint(xpath_count(doc, "/domain/metadata/fwneg:plan"), ==, 1);
    assert_xpath_string(doc, "/domain/metadata/fwneg:plan/@version", "1");
    assert_xpath_string(doc, "/domain/metadata/fwneg:plan/fwneg:machine/@canonical", "pc-q35-7.2");
    assert_xpath_string(doc, "/domain/metadata/fwneg:plan/fwneg:firmware/@descriptor",
                        "/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json");
    g_assert_cmpint(xpath_count(doc, "/domain/metadata/fwneg:plan/fwneg:firmware/fwneg:feature"),
                    ==, 6);
    assert_xpath_string(doc, "/domain/metadata/fwneg:plan/fwneg:roms/fwneg:rom[1]/@size", "262144");
    g_assert_cmpint(xpath_count(doc, "/domain/metadata/fwneg:plan/fwneg:bootorder/fwneg:entry"), ==,
                    3);
    assert_xpath_string(doc, "/domain/metadata/fwneg:plan/fwneg:fw_cfg/fwneg:file[1]",
                        "0700000000000000");

    /* a second application replaces the record and changes nothing else */
    twice = apply_xml(plan, once, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(twice, ==, once);
}

static void
test_xml_creates_metadata_and_features(void)
{
    static const char input[] =
        "<domain type='kvm'><name>demo-q35</name><memory>1048576</memory>"
        "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"
        "<devices/></domain>";
    g_autoptr(TestPlan) plan = make_efi_plan();
    g_autoptr(GError) error = NULL;
    g_autofree char *out = apply_xml(plan, input, &error);
    g_autoptr(xmlDoc) doc = NULL;

    g_assert_no_error(error);
    g_assert_false(g_str_has_prefix(out, "<?xml")); /* the input had no declaration */
    doc = parse_xml(out);
    g_assert_cmpint(xpath_count(doc, "/domain/metadata/fwneg:plan"), ==, 1);
    /* metadata right after <name>, as libvirt orders it */
    g_assert_cmpint(xpath_count(doc, "/domain/name/following-sibling::*[1][self::metadata]"), ==,
                    1);
    assert_xpath_string(doc, "/domain/features/smm/@state", "on");
    assert_xpath_string(doc, "/domain/os/nvram", "/var/lib/libvirt/qemu/nvram/demo-q35_VARS.fd");
    g_assert_cmpint(xpath_count(doc, "/domain/os/type/following-sibling::*[1][self::loader]"), ==,
                    1);
}

static void
test_xml_keeps_declaration(void)
{
    static const char input[] = "<?xml version=\"1.0\"?>\n<!-- head -->\n<domain type='qemu'>\n"
                                "  <name>demo-pc</name>\n  <os>\n    <type>hvm</type>\n  </os>\n"
                                "</domain>\n";
    g_autoptr(TestPlan) plan = make_bios_default_plan();
    g_autoptr(GError) error = NULL;
    g_autofree char *out = apply_xml(plan, input, &error);

    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(out, "<?xml version=\"1.0\"?>\n<!-- head -->\n"));
    /* QEMU's default firmware: <os> untouched */
    g_assert_nonnull(strstr(out, "  <os>\n    <type>hvm</type>\n  </os>\n"));
    g_assert_null(strstr(out, "<loader"));
}

static void
test_xml_bad_input(void)
{
    g_autoptr(TestPlan) plan = make_efi_plan();
    g_autoptr(GError) error = NULL;
    g_autofree char *out = apply_xml(plan, "<domain><name>x</domain>", &error);
    g_autofree char *out2 = NULL;

    g_assert_null(out);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_clear_error(&error);
    out2 = apply_xml(plan, "<network><name>x</name></network>", &error);
    g_assert_null(out2);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_nonnull(strstr(error->message, "<network>"));
}

/* libvirt 9.0 itself accepts every XML the writer produces: the RNG schema
 * (virt-xml-validate) and the generic domain validation of `virsh define` on the
 * in-process test driver (no daemon; <domain type> becomes 'test' for it).  This
 * is what refuses <os><firmware> without firmware= or loader paths together with
 * firmware='efi'. */
static void
test_xml_accepted_by_libvirt(gconstpointer data)
{
    const PlanCase *c = data;
    g_autofree char *validate = g_find_program_in_path("virt-xml-validate");
    g_autofree char *virsh = g_find_program_in_path("virsh");
    g_autoptr(TestPlan) plan = c->make();
    g_autofree char *in_name = g_strconcat(c->name, ".in.xml", NULL);
    g_autofree char *input = fwneg_test_read_data("writers", in_name);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = apply_xml(plan, input, &error);
    g_autofree char *tmp = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    xmlChar *test_xml = NULL;
    int test_xml_len = 0;
    int fd;

    g_assert_no_error(error);
    if (!validate || !virsh) {
        g_test_skip("virt-xml-validate or virsh (libvirt-clients) not installed");
        return;
    }
    fd = g_file_open_tmp("fwneg-writers-XXXXXX.xml", &tmp, &error);
    g_assert_no_error(error);
    close(fd);

    g_assert_true(g_file_set_contents(tmp, out, -1, &error));
    {
        const char *argv[] = {validate, tmp, "domain", NULL};
        g_autofree char *output = NULL;
        int status = -1;

        g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                   NULL, &output, NULL, &status, &error));
        if (!g_spawn_check_wait_status(status, NULL))
            g_printerr("# virt-xml-validate: %s\n", output);
        g_assert_true(g_spawn_check_wait_status(status, NULL));
    }

    doc = parse_xml(out);
    xmlSetProp(xmlDocGetRootElement(doc), BAD_CAST "type", BAD_CAST "test");
    xmlDocDumpMemory(doc, &test_xml, &test_xml_len);
    g_assert_true(g_file_set_contents(tmp, (const char *)test_xml, test_xml_len, &error));
    xmlFree(test_xml);
    {
        const char *argv[] = {virsh, "-q", "-c", "test:///default", "define", tmp, NULL};
        g_autofree char *err_text = NULL;
        int status = -1;

        g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                   NULL, NULL, &err_text, &status, &error));
        if (!g_spawn_check_wait_status(status, NULL))
            g_printerr("# virsh define: %s\n", err_text);
        g_assert_true(g_spawn_check_wait_status(status, NULL));
    }
    g_unlink(tmp);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    for (guint i = 0; i < G_N_ELEMENTS(plan_cases); i++) {
        static const struct {
            const char *kind;
            GTestDataFunc func;
        } kinds[] = {
            {"json", test_golden_json},
            {"text", test_golden_text},
            {"qemu-args", test_golden_qemu_args},
            {"xml", test_golden_xml},
            {"xml-libvirt", test_xml_accepted_by_libvirt},
        };

        for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
            g_autofree char *path =
                g_strdup_printf("/plan-writers/golden/%s/%s", kinds[k].kind, plan_cases[i].name);
            g_test_add_data_func(path, &plan_cases[i], kinds[k].func);
        }
    }
    g_test_add_func("/plan-writers/json/structure", test_json_structure);
    g_test_add_func("/plan-writers/json/nulls-and-empty-lists", test_json_nulls_and_empty_lists);
    g_test_add_func("/plan-writers/qemu-args/bios-default-is-empty",
                    test_qemu_args_bios_default_is_empty);
    g_test_add_func("/plan-writers/qemu-args/shell-words", test_qemu_args_shell_words);
    g_test_add_func("/plan-writers/qemu-args/nvram-default-and-quoting",
                    test_qemu_args_nvram_default_and_quoting);
    g_test_add_func("/plan-writers/qemu-args/accepted-by-qemu", test_qemu_args_accepted_by_qemu);
    g_test_add_func("/plan-writers/xml/structure-and-reapply", test_xml_structure_and_reapply);
    g_test_add_func("/plan-writers/xml/creates-metadata-and-features",
                    test_xml_creates_metadata_and_features);
    g_test_add_func("/plan-writers/xml/keeps-declaration", test_xml_keeps_declaration);
    g_test_add_func("/plan-writers/xml/bad-input", test_xml_bad_input);
    return g_test_run();
}

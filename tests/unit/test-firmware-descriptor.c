/* test-firmware-descriptor.c: descriptor parsing with libvirt 9.0's member rules. */
#include <string.h>

#include "firmware-descriptor.h"
#include "fwneg-error.h"

static char *
debian_descriptor_path(const char *name)
{
    return g_build_filename(g_getenv("FWNEG_TEST_DATA"), "firmware", "sysroot-debian12", "usr",
                            "share", "qemu", "firmware", name, NULL);
}

static FwnegFirmwareDescriptor *
parse_debian(const char *name)
{
    g_autofree char *real = debian_descriptor_path(name);
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    g_assert_true(g_file_get_contents(real, &data, &len, &error));
    g_autofree char *host = g_build_filename("/usr/share/qemu/firmware", name, NULL);
    FwnegFirmwareDescriptor *desc = fwneg_firmware_descriptor_parse(host, data, len, &error);
    g_assert_no_error(error);
    g_assert_nonnull(desc);
    return desc;
}

static void
assert_strings(const GPtrArray *array, const char *const *expected)
{
    guint n = g_strv_length((char **)expected);
    g_assert_cmpuint(array->len, ==, n);
    for (guint i = 0; i < n; i++)
        g_assert_cmpstr(g_ptr_array_index(array, i), ==, expected[i]);
}

typedef struct {
    const char *name;
    const char *description;
    const char *executable;
    const char *nvram_template;
    const char *arch;
    const char *machines[3];
    const char *features[7];
} DebianCase;

static const DebianCase debian_cases[] = {
    {"40-edk2-aarch64-secure-enrolled.json",
     "UEFI firmware for aarch64, with Secure Boot, SB enabled, MS certs enrolled",
     "/usr/share/AAVMF/AAVMF_CODE.ms.fd",
     "/usr/share/AAVMF/AAVMF_VARS.ms.fd",
     "aarch64",
     {"virt-*", NULL},
     {"enrolled-keys", "secure-boot", "verbose-static", NULL}},
    {"40-edk2-x86_64-secure-enrolled.json",
     "UEFI firmware for x86_64, with Secure Boot and SMM, SB enabled, MS certs enrolled",
     "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
     "/usr/share/OVMF/OVMF_VARS_4M.ms.fd",
     "x86_64",
     {"pc-q35-*", NULL},
     {"acpi-s3", "amd-sev", "enrolled-keys", "requires-smm", "secure-boot", "verbose-dynamic",
      NULL}},
    {"50-edk2-aarch64-secure.json",
     "UEFI firmware for aarch64, with Secure Boot, SB enabled, empty varstore",
     "/usr/share/AAVMF/AAVMF_CODE.secboot.fd",
     "/usr/share/AAVMF/AAVMF_VARS.fd",
     "aarch64",
     {"virt-*", NULL},
     {"secure-boot", "verbose-static", NULL}},
    {"50-edk2-x86_64-secure.json",
     "UEFI firmware for x86_64, with Secure Boot and SMM, empty varstore",
     "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
     "/usr/share/OVMF/OVMF_VARS_4M.fd",
     "x86_64",
     {"pc-q35-*", NULL},
     {"acpi-s3", "amd-sev", "requires-smm", "secure-boot", "verbose-dynamic", NULL}},
    {"60-edk2-aarch64.json",
     "UEFI firmware for aarch64",
     "/usr/share/AAVMF/AAVMF_CODE.fd",
     "/usr/share/AAVMF/AAVMF_VARS.fd",
     "aarch64",
     {"virt-*", NULL},
     {"verbose-static", NULL}},
    {"60-edk2-arm.json",
     "UEFI firmware for arm",
     "/usr/share/AAVMF/AAVMF32_CODE.fd",
     "/usr/share/AAVMF/AAVMF32_VARS.fd",
     "arm",
     {"virt-*", NULL},
     {"verbose-static", NULL}},
    {"60-edk2-x86_64.json",
     "UEFI firmware for x86_64, without Secure Boot without SMM, with empty varstore",
     "/usr/share/OVMF/OVMF_CODE_4M.fd",
     "/usr/share/OVMF/OVMF_VARS_4M.fd",
     "x86_64",
     {"pc-i440fx-*", "pc-q35-*", NULL},
     {"acpi-s3", "amd-sev", "verbose-dynamic", NULL}},
};

static void
test_debian_descriptors(void)
{
    static const char *const uefi_only[] = {"uefi", NULL};
    static const char *const none[] = {NULL};
    for (gsize i = 0; i < G_N_ELEMENTS(debian_cases); i++) {
        const DebianCase *c = &debian_cases[i];
        g_autoptr(FwnegFirmwareDescriptor) desc = parse_debian(c->name);
        g_autofree char *host = g_build_filename("/usr/share/qemu/firmware", c->name, NULL);
        g_assert_cmpstr(desc->path, ==, host);
        g_assert_cmpstr(desc->name, ==, c->name);
        g_assert_cmpstr(desc->description, ==, c->description);
        assert_strings(desc->interface_types, uefi_only);
        g_assert_cmpstr(desc->device, ==, "flash");
        g_assert_cmpstr(desc->mode, ==, "split"); /* absent: the historical default */
        g_assert_cmpstr(desc->executable, ==, c->executable);
        g_assert_cmpstr(desc->executable_format, ==, "raw");
        g_assert_cmpstr(desc->nvram_template, ==, c->nvram_template);
        g_assert_cmpstr(desc->nvram_template_format, ==, "raw");
        g_assert_null(desc->filename);
        g_assert_cmpuint(desc->targets->len, ==, 1);
        const FwnegFirmwareTarget *target = g_ptr_array_index(desc->targets, 0);
        g_assert_cmpstr(target->architecture, ==, c->arch);
        assert_strings(target->machines, c->machines);
        assert_strings(desc->features, c->features);
        assert_strings(desc->unknown_features, none);
        assert_strings(desc->tags, none);
        g_assert_true(fwneg_firmware_descriptor_has_interface(desc, "uefi"));
        g_assert_false(fwneg_firmware_descriptor_has_interface(desc, "bios"));
    }
}

static void
test_feature_lookup(void)
{
    g_autoptr(FwnegFirmwareDescriptor) desc = parse_debian("50-edk2-x86_64-secure.json");
    g_assert_true(fwneg_firmware_descriptor_has_feature(desc, "requires-smm"));
    g_assert_true(fwneg_firmware_descriptor_has_feature(desc, "secure-boot"));
    g_assert_false(fwneg_firmware_descriptor_has_feature(desc, "enrolled-keys"));
    g_assert_true(fwneg_firmware_feature_is_known("amd-sev-es"));
    g_assert_true(fwneg_firmware_feature_is_known("verbose-static"));
    /* newer than libvirt 9.0: ignored like any unknown feature */
    g_assert_false(fwneg_firmware_feature_is_known("amd-sev-snp"));
    g_assert_false(fwneg_firmware_feature_is_known("intel-tdx"));
    g_assert_false(fwneg_firmware_feature_is_known("host-uefi-vars"));
}

/* ---- documents built from parts, so each case changes one member ---------- */

#define IFACES "\"interface-types\": [\"uefi\"]"
#define FLASH_FILES                                                                                \
    "\"executable\": {\"filename\": \"/c.fd\", \"format\": \"raw\"}, "                             \
    "\"nvram-template\": {\"filename\": \"/v.fd\", \"format\": \"raw\"}"
#define MAPPING         "\"mapping\": {\"device\": \"flash\", " FLASH_FILES "}"
#define TARGETS         "\"targets\": [{\"architecture\": \"x86_64\", \"machines\": [\"pc-q35-*\"]}]"
#define FEATURES        "\"features\": [\"acpi-s3\"]"
#define DOC(i, m, t, f) "{" i ", " m ", " t ", " f "}"

static FwnegFirmwareDescriptor *
parse_string(const char *json, GError **error)
{
    return fwneg_firmware_descriptor_parse("/etc/qemu/firmware/t.json", json, strlen(json), error);
}

typedef struct {
    const char *json;
    const char *message; /* expected error message after "PATH: " */
} ErrorCase;

static const ErrorCase error_cases[] = {
    {"[]", "top level: expected an object, found array"},
    {"{" MAPPING ", " TARGETS ", " FEATURES "}", "interface-types: missing"},
    {DOC("\"interface-types\": \"uefi\"", MAPPING, TARGETS, FEATURES),
     "interface-types: expected array, found string"},
    {DOC("\"interface-types\": [\"uefi\", \"efi\"]", MAPPING, TARGETS, FEATURES),
     "interface-types[1]: unknown interface type 'efi'"},
    {"{" IFACES ", " TARGETS ", " FEATURES "}", "mapping: missing"},
    {DOC(IFACES, "\"mapping\": {" FLASH_FILES "}", TARGETS, FEATURES), "mapping.device: missing"},
    {DOC(IFACES, "\"mapping\": {\"device\": \"pflash\", " FLASH_FILES "}", TARGETS, FEATURES),
     "mapping.device: unknown device type 'pflash'"},
    {DOC(IFACES, "\"mapping\": {\"device\": \"flash\"}", TARGETS, FEATURES),
     "mapping.executable: missing"},
    {DOC(IFACES, "\"mapping\": {\"device\": \"flash\", \"executable\": {\"format\": \"raw\"}}",
         TARGETS, FEATURES),
     "mapping.executable.filename: missing"},
    {DOC(IFACES, "\"mapping\": {\"device\": \"flash\", \"executable\": {\"filename\": \"/c.fd\"}}",
         TARGETS, FEATURES),
     "mapping.executable.format: missing"},
    {DOC(IFACES,
         "\"mapping\": {\"device\": \"flash\", \"executable\": {\"filename\": \"/c.fd\", "
         "\"format\": 7}}",
         TARGETS, FEATURES),
     "mapping.executable.format: expected string, found int"},
    {DOC(IFACES,
         "\"mapping\": {\"device\": \"flash\", \"executable\": {\"filename\": \"/c.fd\", "
         "\"format\": \"raw\"}}",
         TARGETS, FEATURES),
     "mapping.nvram-template: missing"},
    {DOC(IFACES,
         "\"mapping\": {\"device\": \"flash\", \"executable\": {\"filename\": \"/c.fd\", "
         "\"format\": \"raw\"}, \"nvram-template\": {\"filename\": \"/v.fd\"}}",
         TARGETS, FEATURES),
     "mapping.nvram-template.format: missing"},
    {DOC(IFACES, "\"mapping\": {\"device\": \"flash\", \"mode\": \"bogus\", " FLASH_FILES "}",
         TARGETS, FEATURES),
     "mapping.mode: unknown flash mode 'bogus'"},
    {DOC(IFACES, "\"mapping\": {\"device\": \"flash\", \"mode\": 1, " FLASH_FILES "}", TARGETS,
         FEATURES),
     "mapping.mode: expected string, found int"},
    {DOC(IFACES, "\"mapping\": {\"device\": \"memory\"}", TARGETS, FEATURES),
     "mapping.filename: missing"},
    {"{" IFACES ", " MAPPING ", " FEATURES "}", "targets: missing"},
    {DOC(IFACES, MAPPING, "\"targets\": [{\"machines\": [\"pc-q35-*\"]}]", FEATURES),
     "targets[0].architecture: missing"},
    {DOC(IFACES, MAPPING,
         "\"targets\": [{\"architecture\": \"x86_64\", \"machines\": [\"pc-*\"]}, "
         "{\"architecture\": \"loongarch64\", \"machines\": [\"virt\"]}]",
         FEATURES),
     "targets[1].architecture: unknown architecture 'loongarch64'"},
    {DOC(IFACES, MAPPING, "\"targets\": [{\"architecture\": \"x86_64\"}]", FEATURES),
     "targets[0].machines: missing"},
    {DOC(IFACES, MAPPING, "\"targets\": [{\"architecture\": \"x86_64\", \"machines\": [1]}]",
         FEATURES),
     "targets[0].machines[0]: expected string, found int"},
    {"{" IFACES ", " MAPPING ", " TARGETS "}", "features: missing"},
    {DOC(IFACES, MAPPING, TARGETS, "\"features\": {}"), "features: expected array, found object"},
};

static void
test_member_errors(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(error_cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(FwnegFirmwareDescriptor) desc = parse_string(error_cases[i].json, &error);
        g_assert_null(desc);
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
        g_autofree char *expected =
            g_strdup_printf("/etc/qemu/firmware/t.json: %s", error_cases[i].message);
        if (!g_str_has_prefix(error->message, expected))
            g_error("case %" G_GSIZE_FORMAT ": got '%s', want prefix '%s'", i, error->message,
                    expected);
    }
}

static void
test_accepted_variants(void)
{
    g_autoptr(GError) error = NULL;

    /* An empty interface list is accepted by libvirt (it just never matches). */
    g_autoptr(FwnegFirmwareDescriptor) empty_ifaces =
        parse_string(DOC("\"interface-types\": []", MAPPING, TARGETS, FEATURES), &error);
    g_assert_no_error(error);
    g_assert_cmpuint(empty_ifaces->interface_types->len, ==, 0);

    /* stateless and combined need no template; libvirt does not read one there. */
    g_autoptr(FwnegFirmwareDescriptor) stateless = parse_string(
        DOC(IFACES,
            "\"mapping\": {\"device\": \"flash\", \"mode\": \"stateless\", \"executable\": "
            "{\"filename\": \"/s.fd\", \"format\": \"raw\"}}",
            TARGETS, FEATURES),
        &error);
    g_assert_no_error(error);
    g_assert_cmpstr(stateless->mode, ==, "stateless");
    g_assert_null(stateless->nvram_template);
    g_autoptr(FwnegFirmwareDescriptor) combined = parse_string(
        DOC(IFACES, "\"mapping\": {\"device\": \"flash\", \"mode\": \"combined\", " FLASH_FILES "}",
            TARGETS, FEATURES),
        &error);
    g_assert_no_error(error);
    g_assert_cmpstr(combined->mode, ==, "combined");
    g_assert_null(combined->nvram_template);

    /* memory / kernel / igvm carry one filename; igvm parses (libvirt 9.0 refuses it,
     * matching says why). */
    static const char *const devices[] = {"memory", "kernel", "igvm"};
    for (gsize i = 0; i < G_N_ELEMENTS(devices); i++) {
        g_autofree char *json = g_strdup_printf(
            "{" IFACES ", \"mapping\": {\"device\": \"%s\", \"filename\": \"/fw.bin\"}, " TARGETS
            ", " FEATURES "}",
            devices[i]);
        g_autoptr(FwnegFirmwareDescriptor) desc = parse_string(json, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(desc->device, ==, devices[i]);
        g_assert_cmpstr(desc->filename, ==, "/fw.bin");
        g_assert_null(desc->executable);
        g_assert_null(desc->mode);
    }

    /* QEMU's and libvirt's arch spellings; all interfaces; unknown features kept apart. */
    g_autoptr(FwnegFirmwareDescriptor) mixed = parse_string(
        DOC("\"interface-types\": [\"bios\", \"openfirmware\", \"uboot\", \"uefi\"]", MAPPING,
            "\"targets\": [{\"architecture\": \"i386\", \"machines\": [\"pc-*\"]}, "
            "{\"architecture\": \"i686\", \"machines\": []}, "
            "{\"architecture\": \"arm\", \"machines\": [\"virt-*\"]}]",
            "\"features\": [\"amd-sev-snp\", \"requires-smm\", 5, \"intel-tdx\", \"acpi-s4\"]"),
        &error);
    g_assert_no_error(error);
    g_assert_cmpuint(mixed->interface_types->len, ==, 4);
    g_assert_cmpuint(mixed->targets->len, ==, 3);
    static const char *const known[] = {"requires-smm", "acpi-s4", NULL};
    static const char *const unknown[] = {"amd-sev-snp", "5", "intel-tdx", NULL};
    assert_strings(mixed->features, known);
    assert_strings(mixed->unknown_features, unknown);
    g_assert_null(mixed->description);
    g_assert_cmpuint(mixed->tags->len, ==, 0);
}

static void
test_syntax_errors(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegFirmwareDescriptor) desc =
        parse_string("{\n  \"interface-types\": [\"uefi\"],\n  \"mapping\": ,\n}\n", &error);
    g_assert_null(desc);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_true(g_str_has_prefix(error->message, "/etc/qemu/firmware/t.json:3:14: invalid JSON"));
    g_clear_error(&error);

    g_autoptr(FwnegFirmwareDescriptor) truncated = parse_string("{\n  \"features\": [\n", &error);
    g_assert_null(truncated);
    g_assert_cmpstr(error->message, ==,
                    "/etc/qemu/firmware/t.json:3:1: invalid JSON: unexpected end of file");
    g_clear_error(&error);

    g_autoptr(FwnegFirmwareDescriptor) trailing =
        parse_string(DOC(IFACES, MAPPING, TARGETS, FEATURES) "\n  x", &error);
    g_assert_null(trailing);
    g_assert_true(g_str_has_suffix(error->message, ":2:3: invalid JSON: unexpected data after "
                                                   "the top-level value"));
    g_clear_error(&error);

    g_autoptr(FwnegFirmwareDescriptor) empty = parse_string("", &error);
    g_assert_null(empty);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
}

static void
test_size_cap(void)
{
    gsize len = FWNEG_DESCRIPTOR_MAX_BYTES + 1;
    g_autofree char *big = g_malloc(len);
    memset(big, ' ', len);
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegFirmwareDescriptor) desc =
        fwneg_firmware_descriptor_parse("/x/big.json", big, len, &error);
    g_assert_null(desc);
    g_assert_nonnull(strstr(error->message, "larger than the 1 MiB libvirt reads"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/firmware-descriptor/debian12", test_debian_descriptors);
    g_test_add_func("/firmware-descriptor/features", test_feature_lookup);
    g_test_add_func("/firmware-descriptor/member-errors", test_member_errors);
    g_test_add_func("/firmware-descriptor/accepted-variants", test_accepted_variants);
    g_test_add_func("/firmware-descriptor/syntax-errors", test_syntax_errors);
    g_test_add_func("/firmware-descriptor/size-cap", test_size_cap);
    return g_test_run();
}

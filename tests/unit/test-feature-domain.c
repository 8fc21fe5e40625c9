/* test-feature-domain: parsing and evaluating fw_cfg feature domains
 * (src/featneg/feature-domain*.c) from the shipped data and from fixtures. */
#include <glib.h>
#include <string.h>

#include "feature-domain.h"
#include "fwneg-error.h"
#include "test-util.h"

static void
test_shipped(void)
{
    g_autoptr(FwnegFeatureData) data = fwneg_test_load_shipped_features();
    const FwnegFeatureDomain *smi = fwneg_feature_data_find_domain(data, "smi");
    g_assert_nonnull(smi);
    g_assert_cmpint(smi->publisher, ==, FWNEG_FEATURE_PUBLISHER_QEMU);
    g_assert_cmpstr(smi->supported_file, ==, "etc/smi/supported-features");
    g_assert_cmpuint(smi->bits->len, ==, 3);
    g_assert_cmpuint(fwneg_feature_domain_find_bit(smi, "cpu-hot-unplug")->bit, ==, 2);
    const FwnegFeatureDomain *guest = fwneg_feature_data_find_domain(data, "guest");
    g_assert_nonnull(guest);
    g_assert_cmpstr(guest->file, ==, "opt/org.fwneg/features");
    g_assert_cmpuint(guest->word, ==, 1);
    g_assert_cmpuint(data->ovmf_knobs->len, >=, 5);
    g_assert_cmpuint(data->qemu_files->len, >=, 12);
}

/* QEMU 7.2's SMI offer per machine type (reference/fwcfg-roms.md §3.1; checked live
 * for every type by tests/fwcfg). */
static void
test_smi_table(void)
{
    static const struct {
        const char *machine;
        guint64 expected;
        gboolean undecidable;
    } cases[] = {
        {"pc-q35-2.4", 0, FALSE},    {"pc-q35-2.8", 0, FALSE},   {"pc-q35-2.9", 1, FALSE},
        {"pc-q35-2.12", 1, FALSE},   {"pc-q35-4.0.1", 1, FALSE}, {"pc-q35-5.1", 1, FALSE},
        {"pc-q35-5.2", 3, FALSE},    {"pc-q35-6.0", 7, FALSE},   {"pc-q35-7.2", 7, FALSE},
        {"pc-i440fx-7.2", 0, FALSE}, {"virt-7.2", 0, FALSE},     {"pc-q35-rhel9.2.0", 0, TRUE},
    };
    g_autoptr(FwnegFeatureData) data = fwneg_test_load_shipped_features();
    const FwnegFeatureDomain *smi = fwneg_feature_data_find_domain(data, "smi");
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(FwnegFeatureContext) ctx = fwneg_feature_context_new(cases[i].machine, "7.2.0");
        gboolean undecidable = FALSE;
        guint64 value = fwneg_feature_domain_evaluate(smi, ctx, &undecidable);
        g_test_message("%s: 0x%" G_GINT64_MODIFIER "x", cases[i].machine, value);
        g_assert_cmpuint(value, ==, cases[i].expected);
        g_assert_cmpint(undecidable, ==, cases[i].undecidable);
    }
    /* A QEMU older than the bit (qemu-since) does not offer it. */
    g_autoptr(FwnegFeatureContext) old = fwneg_feature_context_new("pc-q35-5.2", "5.1.0");
    g_assert_cmpuint(fwneg_feature_domain_evaluate(smi, old, NULL), ==, 1);
}

static FwnegFeatureData *
parse_fixture(const char *json, GError **error)
{
    g_autoptr(FwnegFeatureData) data = fwneg_feature_data_new();
    if (!fwneg_feature_data_parse(data, "fixture.json", json, strlen(json), error))
        return NULL;
    return g_steal_pointer(&data);
}

static void
test_dependencies(void)
{
    const char *json =
        "{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\","
        "\"file\":\"opt/org.example/f\",\"word\":2,\"bits\":["
        "{\"name\":\"a\",\"bit\":0,\"offered-by\":[{\"machine\":\"m-*\",\"until\":\"3.0\"}]},"
        "{\"name\":\"b\",\"bit\":5,\"requires-bits\":[\"a\"],\"offered-by\":[{\"machine\":\"m-*\"}]"
        "},"
        "{\"name\":\"c\",\"bit\":63,\"requires-bits\":[\"b\"],\"offered-by\":[{\"machine\":\"m-*\"}"
        "]}"
        "]}";
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegFeatureData) data = parse_fixture(json, &error);
    g_assert_no_error(error);
    const FwnegFeatureDomain *d = g_ptr_array_index(data->domains, 0);
    g_autoptr(FwnegFeatureContext) before = fwneg_feature_context_new("m-3.0", NULL);
    g_autoptr(FwnegFeatureContext) after = fwneg_feature_context_new("m-3.1", NULL);
    g_assert_cmpuint(fwneg_feature_domain_evaluate(d, before, NULL), ==,
                     G_GUINT64_CONSTANT(0x8000000000000021));
    /* a is gone, so b and then c go with it. */
    g_assert_cmpuint(fwneg_feature_domain_evaluate(d, after, NULL), ==, 0);
}

static void
test_conditions(void)
{
    g_autoptr(FwnegFeatureData) data = fwneg_test_load_shipped_features();
    const FwnegFeatureDomain *guest = fwneg_feature_data_find_domain(data, "guest");

    g_autoptr(FwnegFeatureContext) uefi = fwneg_feature_context_new("pc-q35-7.2", "7.2.0");
    fwneg_feature_context_set(uefi, "uefi");
    fwneg_feature_context_set(uefi, "smm");
    fwneg_feature_context_add_feature(uefi, "secure-boot");
    fwneg_feature_context_add_feature(uefi, "enrolled-keys");
    g_assert_cmpuint(fwneg_feature_domain_evaluate(guest, uefi, NULL), ==, 0xf);
    fwneg_feature_context_set(uefi, "sev"); /* excludes smm, offers sev */
    g_assert_cmpuint(fwneg_feature_domain_evaluate(guest, uefi, NULL), ==, 0x17);

    /* secure-boot from a descriptor of a BIOS guest: needs the uefi bit. */
    g_autoptr(FwnegFeatureContext) bios = fwneg_feature_context_new("pc-i440fx-7.2", "7.2.0");
    fwneg_feature_context_set(bios, "bios");
    fwneg_feature_context_set(bios, "acpi");
    fwneg_feature_context_add_feature(bios, "secure-boot");
    g_assert_cmpuint(fwneg_feature_domain_evaluate(guest, bios, NULL), ==, 0x20);
    /* smm is offered on q35 only. */
    fwneg_feature_context_set(bios, "smm");
    g_assert_cmpuint(fwneg_feature_domain_evaluate(guest, bios, NULL), ==, 0x20);
}

static void
test_errors(void)
{
    static const struct {
        const char *json;
        const char *message;
    } cases[] = {
        {"[1]", "must be a JSON object"},
        {"{\"kind\":\"feature-domain\"", "fixture.json: JSON"},
        {"{\"kind\":\"nope\"}", "\"nope\" is not one of"},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"qemu\",\"bits\":[]}",
         "needs \"files\""},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\",\"file\":\"etc/x\","
         "\"word\":1,\"bits\":[]}",
         "is not under opt/"},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\",\"file\":\"opt/"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"word\":1,\"bits\":[]}",
         "QEMU allows at most 55"},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\",\"file\":\"opt/a/../"
         "b\","
         "\"word\":1,\"bits\":[]}",
         "component '..'"},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\",\"file\":\"opt/a\","
         "\"word\":0,\"bits\":[]}",
         "word 0 holds the layout version"},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\",\"file\":\"opt/a\","
         "\"word\":1,\"bits\":[{\"name\":\"a\",\"bit\":64,\"offered-by\":[{\"machine\":\"*\"}]}]}",
         "\"bit\" must be an integer 0..63, not 64"},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\",\"file\":\"opt/a\","
         "\"word\":1,\"bits\":[{\"name\":\"a\",\"bit\":1,\"offered-by\":[{\"machine\":\"*\"}]},"
         "{\"name\":\"b\",\"bit\":1,\"offered-by\":[{\"machine\":\"*\"}]}]}",
         "bit 1 is also used by \"a\""},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\",\"file\":\"opt/a\","
         "\"word\":1,\"bits\":[{\"name\":\"a\",\"bit\":1,\"requires-bits\":[\"zz\"],"
         "\"offered-by\":[{\"machine\":\"*\"}]}]}",
         "requires-bits names \"zz\""},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\",\"file\":\"opt/a\","
         "\"word\":1,\"bits\":[{\"name\":\"a\",\"bit\":1,\"requires-bits\":[\"b\"],"
         "\"offered-by\":[{\"machine\":\"*\"}]},{\"name\":\"b\",\"bit\":2,\"requires-bits\":[\"a\"]"
         ","
         "\"offered-by\":[{\"machine\":\"*\"}]}]}",
         "forms a cycle back to \"a\""},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\",\"file\":\"opt/a\","
         "\"word\":1,\"bits\":[{\"name\":\"a\",\"bit\":1,\"require\":[],"
         "\"offered-by\":[{\"machine\":\"*\"}]}]}",
         "unknown member \"require\""},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\",\"file\":\"opt/a\","
         "\"word\":1,\"bits\":[{\"name\":\"a\",\"bit\":1,\"requires\":[\"guest:warp\"],"
         "\"offered-by\":[{\"machine\":\"*\"}]}]}",
         "condition \"guest:warp\""},
        {"{\"kind\":\"feature-domain\",\"name\":\"d\",\"publisher\":\"fwneg\",\"file\":\"opt/a\","
         "\"word\":1,\"bits\":[{\"name\":\"a\",\"bit\":1,"
         "\"offered-by\":[{\"machine\":\"*\",\"since\":\"2.x\"}]}]}",
         "version like \"2.9\", not \"2.x\""},
        {"{\"kind\":\"ovmf-knobs\",\"machines\":[{\"machine\":\"*\"}],\"knobs\":[{\"setting\":"
         "\"s\","
         "\"fw_cfg\":\"opt/x\",\"default\":\"auto\"}]}",
         "default \"auto\" needs an \"auto\" rule"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(FwnegFeatureData) data = parse_fixture(cases[i].json, &error);
        g_assert_null(data);
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
        if (strstr(error->message, cases[i].message) == NULL)
            g_test_message("case %zu: '%s' lacks '%s'", i, error->message, cases[i].message);
        g_assert_nonnull(strstr(error->message, cases[i].message));
        g_assert_true(g_str_has_prefix(error->message, "fixture.json: "));
    }
}

static void
test_missing_dir(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegFeatureData) data =
        fwneg_feature_data_load_dir("/nonexistent/firmware.d", &error);
    g_assert_null(data);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST);
    g_assert_nonnull(strstr(error->message, "/nonexistent/firmware.d"));
    g_assert_nonnull(strstr(error->message, "FWNEG_DATA_DIR"));
}

static void
test_slots_and_files(void)
{
    g_autoptr(FwnegFeatureData) data = fwneg_test_load_shipped_features();
    static const struct {
        const char *machine;
        gboolean acpi;
        guint slots, files;
    } cases[] = {
        {"pc-q35-7.2", TRUE, 32, 12},    {"pc-q35-2.8", TRUE, 16, 12},
        {"pc-q35-2.5", TRUE, 16, 11},    {"pc-i440fx-1.4", TRUE, 16, 5},
        {"pc-i440fx-7.2", FALSE, 32, 7}, {"virt-7.2", TRUE, 32, 9},
        {"virt-2.8", FALSE, 16, 5},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(FwnegFeatureContext) ctx = fwneg_feature_context_new(cases[i].machine, "7.2.0");
        if (cases[i].acpi)
            fwneg_feature_context_set(ctx, "acpi");
        g_autoptr(GPtrArray) files = fwneg_feature_data_qemu_files(data, ctx, NULL);
        g_assert_cmpuint(fwneg_feature_data_file_slots(data, ctx), ==, cases[i].slots);
        g_assert_cmpuint(files->len, ==, cases[i].files);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/feature-domain/shipped", test_shipped);
    g_test_add_func("/feature-domain/smi-table", test_smi_table);
    g_test_add_func("/feature-domain/dependencies", test_dependencies);
    g_test_add_func("/feature-domain/conditions", test_conditions);
    g_test_add_func("/feature-domain/errors", test_errors);
    g_test_add_func("/feature-domain/missing-dir", test_missing_dir);
    g_test_add_func("/feature-domain/slots-and-files", test_slots_and_files);
    return g_test_run();
}

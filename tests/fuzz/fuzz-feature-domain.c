/* fuzz-feature-domain: fwneg's fw_cfg feature-domain files
 * (data/firmware.d/feature-*.json), then evaluating what was accepted for a few
 * machine types, as the fw_cfg planner does. */
#include <stddef.h>
#include <stdint.h>

#include "feature-domain.h"
#include "fuzz-target.h"

static void
evaluate_all(const FwnegFeatureData *data, const char *machine, const char *qemu_version)
{
    g_autoptr(FwnegFeatureContext) ctx = fwneg_feature_context_new(machine, qemu_version);
    fwneg_feature_context_set(ctx, "uefi");
    fwneg_feature_context_set(ctx, "smm");
    fwneg_feature_context_add_feature(ctx, "secure-boot");
    for (guint i = 0; data->domains != NULL && i < data->domains->len; i++) {
        gboolean undecidable = FALSE;
        (void)fwneg_feature_domain_evaluate(g_ptr_array_index(data->domains, i), ctx, &undecidable);
    }
    gboolean undecidable = FALSE;
    g_autoptr(GPtrArray) files = fwneg_feature_data_qemu_files(data, ctx, &undecidable);
    (void)fwneg_feature_data_file_slots(data, ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(FwnegFeatureData) features = fwneg_feature_data_new();
    g_autoptr(GError) error = NULL;
    gboolean ok =
        fwneg_feature_data_parse(features, "feature-fuzz.json", (const char *)data, size, &error);
    fwneg_fuzz_check_result(ok, error);
    if (!ok)
        return 0;
    evaluate_all(features, "pc-q35-7.2", "7.2.0");
    evaluate_all(features, "pc-q35-2.8", NULL);
    evaluate_all(features, "virt-7.2", "7.2.0");
    evaluate_all(features, "pc-q35-rhel9.2.0", "7.2.0");
    return 0;
}

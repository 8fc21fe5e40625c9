/* feature-domain-eval.c: what a feature domain offers for one guest, and which
 * fw_cfg files QEMU itself creates for it.  Pure functions of the context
 * (canonical machine type, QEMU version, guest settings, descriptor features):
 * nothing here looks at the host.
 */
#include "feature-domain.h"

#include <string.h>

#include "host-facts.h"

FwnegFeatureContext *
fwneg_feature_context_new(const char *machine, const char *qemu_version)
{
    FwnegFeatureContext *ctx = g_new0(FwnegFeatureContext, 1);
    ctx->machine = g_strdup(machine);
    ctx->settings = g_ptr_array_new_with_free_func(g_free);
    ctx->features = g_ptr_array_new_with_free_func(g_free);

    /* The machine type's version is its last '-' component, all digits and dots
     * ("pc-q35-4.0.1", "virt-7.2"); distro types ("pc-q35-rhel9.2.0") have none. */
    const char *dash = machine != NULL ? strrchr(machine, '-') : NULL;
    const char *suffix = dash != NULL ? dash + 1 : NULL;
    if (suffix != NULL && suffix[0] != '\0' && strspn(suffix, "0123456789.") == strlen(suffix))
        ctx->machine_version_known = fwneg_parse_dotted_version(
            suffix, &ctx->machine_version[0], &ctx->machine_version[1], &ctx->machine_version[2]);
    if (qemu_version != NULL)
        ctx->qemu_version_known = fwneg_parse_dotted_version(
            qemu_version, &ctx->qemu_version[0], &ctx->qemu_version[1], &ctx->qemu_version[2]);
    return ctx;
}

void
fwneg_feature_context_free(FwnegFeatureContext *ctx)
{
    if (ctx == NULL)
        return;
    g_free(ctx->machine);
    g_clear_pointer(&ctx->settings, g_ptr_array_unref);
    g_clear_pointer(&ctx->features, g_ptr_array_unref);
    g_free(ctx);
}

void
fwneg_feature_context_set(FwnegFeatureContext *ctx, const char *setting)
{
    g_ptr_array_add(ctx->settings, g_strdup(setting));
}

void
fwneg_feature_context_add_feature(FwnegFeatureContext *ctx, const char *feature)
{
    g_ptr_array_add(ctx->features, g_strdup(feature));
}

static gboolean
array_has(const GPtrArray *array, const char *value)
{
    for (guint i = 0; i < array->len; i++) {
        if (strcmp(g_ptr_array_index(array, i), value) == 0)
            return TRUE;
    }
    return FALSE;
}

gboolean
fwneg_feature_condition_holds(const FwnegFeatureContext *ctx, const char *condition)
{
    if (g_str_has_prefix(condition, "guest:"))
        return array_has(ctx->settings, condition + strlen("guest:"));
    if (g_str_has_prefix(condition, "feature:"))
        return array_has(ctx->features, condition + strlen("feature:"));
    return FALSE;
}

gboolean
fwneg_feature_conditions_all(const FwnegFeatureContext *ctx, const GPtrArray *conditions)
{
    for (guint i = 0; conditions != NULL && i < conditions->len; i++) {
        if (!fwneg_feature_condition_holds(ctx, g_ptr_array_index(conditions, i)))
            return FALSE;
    }
    return TRUE;
}

static gboolean
conditions_any(const FwnegFeatureContext *ctx, const GPtrArray *conditions)
{
    for (guint i = 0; conditions != NULL && i < conditions->len; i++) {
        if (fwneg_feature_condition_holds(ctx, g_ptr_array_index(conditions, i)))
            return TRUE;
    }
    return FALSE;
}

static int
version_compare(const int a[3], const int b[3])
{
    for (int i = 0; i < 3; i++) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

static gboolean
offer_matches(const FwnegMachineOffer *offer, const FwnegFeatureContext *ctx, gboolean *undecidable)
{
    if (ctx->machine == NULL || !g_pattern_match_simple(offer->machine, ctx->machine))
        return FALSE;
    if (offer->has_since || offer->has_until) {
        if (!ctx->machine_version_known) {
            if (undecidable != NULL)
                *undecidable = TRUE;
            return FALSE;
        }
        if (offer->has_since && version_compare(ctx->machine_version, offer->since) < 0)
            return FALSE;
        if (offer->has_until && version_compare(ctx->machine_version, offer->until) > 0)
            return FALSE;
    }
    return fwneg_feature_conditions_all(ctx, offer->requires);
}

gboolean
fwneg_machine_offers_match(const GPtrArray *offers, const FwnegFeatureContext *ctx,
                           gboolean *undecidable)
{
    for (guint i = 0; offers != NULL && i < offers->len; i++) {
        if (offer_matches(g_ptr_array_index(offers, i), ctx, undecidable))
            return TRUE;
    }
    return FALSE;
}

static gboolean
bit_offered_alone(const FwnegFeatureBit *bit, const FwnegFeatureContext *ctx, gboolean *undecidable)
{
    if (bit->has_qemu_since && ctx->qemu_version_known &&
        version_compare(ctx->qemu_version, bit->qemu_since) < 0)
        return FALSE;
    return fwneg_machine_offers_match(bit->offered_by, ctx, undecidable) &&
           fwneg_feature_conditions_all(ctx, bit->requires) && !conditions_any(ctx, bit->excludes);
}

guint64
fwneg_feature_domain_evaluate(const FwnegFeatureDomain *domain, const FwnegFeatureContext *ctx,
                              gboolean *undecidable)
{
    guint64 value = 0;
    for (guint i = 0; i < domain->bits->len; i++) {
        const FwnegFeatureBit *bit = g_ptr_array_index(domain->bits, i);
        if (bit_offered_alone(bit, ctx, undecidable))
            value |= G_GUINT64_CONSTANT(1) << bit->bit;
    }
    /* Drop bits whose prerequisites are missing until nothing changes: removing
     * one may orphan another (unplug needs plug needs broadcast). */
    gboolean changed = TRUE;
    while (changed) {
        changed = FALSE;
        for (guint i = 0; i < domain->bits->len; i++) {
            const FwnegFeatureBit *bit = g_ptr_array_index(domain->bits, i);
            guint64 mask = G_GUINT64_CONSTANT(1) << bit->bit;
            if ((value & mask) == 0)
                continue;
            for (guint r = 0; r < bit->requires_bits->len; r++) {
                const FwnegFeatureBit *need =
                    fwneg_feature_domain_find_bit(domain, g_ptr_array_index(bit->requires_bits, r));
                if ((value & (G_GUINT64_CONSTANT(1) << need->bit)) == 0) {
                    value &= ~mask;
                    changed = TRUE;
                    break;
                }
            }
        }
    }
    return value;
}

GPtrArray *
fwneg_feature_data_qemu_files(const FwnegFeatureData *data, const FwnegFeatureContext *ctx,
                              gboolean *undecidable)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < data->qemu_files->len; i++) {
        const FwnegQemuFile *file = g_ptr_array_index(data->qemu_files, i);
        if (fwneg_machine_offers_match(file->present, ctx, undecidable))
            g_ptr_array_add(names, g_strdup(file->name));
    }
    return names;
}

guint
fwneg_feature_data_file_slots(const FwnegFeatureData *data, const FwnegFeatureContext *ctx)
{
    for (guint i = 0; i < data->slot_rules->len; i++) {
        const FwnegSlotRule *rule = g_ptr_array_index(data->slot_rules, i);
        if (offer_matches(rule->offer, ctx, NULL))
            return rule->slots;
    }
    return 0;
}

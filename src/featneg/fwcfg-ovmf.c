/* fwcfg-ovmf.c: OVMF runtime knobs (edk2 OvmfPkg/RUNTIME_CONFIG.md).  OVMF parses
 * these files with QemuFwCfgParseBool (yes/no/true/false/…, case-insensitive); fwneg
 * always writes the canonical "yes"/"no" so the bytes do not depend on how the
 * config file spelt the value. */
#include "fwcfg-ovmf.h"

#include <string.h>

#include "fwneg-error.h"

static const char *
canonical_bool(const char *value)
{
    static const char *const yes[] = {"yes", "true", "on", "1", NULL};
    static const char *const no[] = {"no", "false", "off", "0", NULL};
    g_autofree char *lower = g_ascii_strdown(value, -1);
    if (g_strv_contains(yes, lower))
        return "yes";
    if (g_strv_contains(no, lower))
        return "no";
    if (strcmp(lower, "auto") == 0)
        return "auto";
    return NULL;
}

static const FwnegOvmfKnob *
find_knob(const FwnegFeatureData *data, const char *setting)
{
    for (guint i = 0; i < data->ovmf_knobs->len; i++) {
        const FwnegOvmfKnob *knob = g_ptr_array_index(data->ovmf_knobs, i);
        if (strcmp(knob->setting, setting) == 0)
            return knob;
    }
    return NULL;
}

static char *
known_settings(const FwnegFeatureData *data)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < data->ovmf_knobs->len; i++) {
        const FwnegOvmfKnob *knob = g_ptr_array_index(data->ovmf_knobs, i);
        g_string_append_printf(out, "%s%s", i ? ", " : "", knob->setting);
    }
    return g_string_free(out, FALSE);
}

/* Every key and value is checked even when the knobs do not apply to this guest:
 * a typo in the config must show up on the first plan, not on the first UEFI one. */
static gboolean
check_settings(const FwnegFeatureData *data, GHashTable *settings, GError **error)
{
    if (settings == NULL)
        return TRUE;
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, settings);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        const FwnegOvmfKnob *knob = find_knob(data, key);
        if (knob == NULL) {
            g_autofree char *known = known_settings(data);
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "config [ovmf]: unknown setting '%s' (known: %s)", (const char *)key,
                        known);
            return FALSE;
        }
        const char *canonical = canonical_bool(value);
        if (canonical == NULL || (strcmp(canonical, "auto") == 0 && knob->auto_value == NULL)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "config [ovmf] %s: '%s' is not a value it takes (yes or no%s)",
                        (const char *)key, (const char *)value,
                        knob->auto_value != NULL ? " or auto" : "");
            return FALSE;
        }
    }
    return TRUE;
}

gboolean
fwneg_fwcfg_ovmf_entries(const FwnegFeatureData *data, GHashTable *settings,
                         const FwnegFeatureContext *ctx, GPtrArray *entries, GError **error)
{
    if (!check_settings(data, settings, error))
        return FALSE;
    if (data->ovmf_machines == NULL ||
        !fwneg_machine_offers_match(data->ovmf_machines, ctx, NULL) ||
        !fwneg_feature_conditions_all(ctx, data->ovmf_requires))
        return TRUE;

    for (guint i = 0; i < data->ovmf_knobs->len; i++) {
        const FwnegOvmfKnob *knob = g_ptr_array_index(data->ovmf_knobs, i);
        const char *given = settings != NULL ? g_hash_table_lookup(settings, knob->setting) : NULL;
        const char *value = given != NULL ? canonical_bool(given) : knob->default_value;
        if (value == NULL)
            continue;
        if (strcmp(value, "auto") == 0) {
            if (!fwneg_feature_conditions_all(ctx, knob->auto_when))
                continue;
            value = knob->auto_value;
        }
        FwnegFwCfgFile *entry = g_new0(FwnegFwCfgFile, 1);
        entry->name = g_strdup(knob->fw_cfg);
        entry->origin = g_strdup("fwneg");
        entry->data = g_bytes_new(value, strlen(value));
        g_ptr_array_add(entries, entry);
    }
    return TRUE;
}

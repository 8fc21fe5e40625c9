/* feature-domain.c: read data/firmware.d/feature-*.json (see feature-domain.h).
 * Every member is checked, and an error names the file, the member and the value:
 * these files decide bytes that firmware reads, so a typo must not pass silently.
 */
#include "feature-domain.h"

#include <json-c/json.h>
#include <string.h>

#include "fwcfg-layout.h"
#include "fwneg-error.h"
#include "host-facts.h"

/* The data files are a few KiB; this bounds what we read into memory. */
#define FEATURE_FILE_MAX_BYTES (1024 * 1024)

static const char *const guest_settings[] = {FWNEG_FEATURE_GUEST_SETTINGS, NULL};

/* json-c has no GLib cleanup functions. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_tokener, json_tokener_free)
typedef json_object FeatureJson;
static void
feature_json_put(FeatureJson *obj)
{
    json_object_put(obj);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FeatureJson, feature_json_put)

static void
machine_offer_free(FwnegMachineOffer *offer)
{
    if (offer == NULL)
        return;
    g_free(offer->machine);
    g_clear_pointer(&offer->requires, g_ptr_array_unref);
    g_free(offer);
}

static void
feature_bit_free(FwnegFeatureBit *bit)
{
    if (bit == NULL)
        return;
    g_free(bit->name);
    g_free(bit->description);
    g_clear_pointer(&bit->requires_bits, g_ptr_array_unref);
    g_clear_pointer(&bit->offered_by, g_ptr_array_unref);
    g_clear_pointer(&bit->requires, g_ptr_array_unref);
    g_clear_pointer(&bit->excludes, g_ptr_array_unref);
    g_free(bit);
}

static void
feature_domain_free(FwnegFeatureDomain *domain)
{
    if (domain == NULL)
        return;
    g_free(domain->name);
    g_free(domain->description);
    g_free(domain->source);
    g_free(domain->supported_file);
    g_free(domain->requested_file);
    g_free(domain->features_ok_file);
    g_free(domain->file);
    g_clear_pointer(&domain->bits, g_ptr_array_unref);
    g_free(domain);
}

static void
ovmf_knob_free(FwnegOvmfKnob *knob)
{
    if (knob == NULL)
        return;
    g_free(knob->setting);
    g_free(knob->fw_cfg);
    g_free(knob->default_value);
    g_free(knob->auto_value);
    g_clear_pointer(&knob->auto_when, g_ptr_array_unref);
    g_free(knob);
}

static void
qemu_file_free(FwnegQemuFile *file)
{
    if (file == NULL)
        return;
    g_free(file->name);
    g_clear_pointer(&file->present, g_ptr_array_unref);
    g_free(file);
}

static void
slot_rule_free(FwnegSlotRule *rule)
{
    if (rule == NULL)
        return;
    machine_offer_free(rule->offer);
    g_free(rule);
}

FwnegFeatureData *
fwneg_feature_data_new(void)
{
    FwnegFeatureData *data = g_new0(FwnegFeatureData, 1);
    data->domains = g_ptr_array_new_with_free_func((GDestroyNotify)feature_domain_free);
    data->ovmf_knobs = g_ptr_array_new_with_free_func((GDestroyNotify)ovmf_knob_free);
    data->qemu_files = g_ptr_array_new_with_free_func((GDestroyNotify)qemu_file_free);
    data->slot_rules = g_ptr_array_new_with_free_func((GDestroyNotify)slot_rule_free);
    return data;
}

void
fwneg_feature_data_free(FwnegFeatureData *data)
{
    if (data == NULL)
        return;
    g_clear_pointer(&data->domains, g_ptr_array_unref);
    g_clear_pointer(&data->ovmf_knobs, g_ptr_array_unref);
    g_clear_pointer(&data->ovmf_machines, g_ptr_array_unref);
    g_clear_pointer(&data->ovmf_requires, g_ptr_array_unref);
    g_clear_pointer(&data->qemu_files, g_ptr_array_unref);
    g_clear_pointer(&data->slot_rules, g_ptr_array_unref);
    g_free(data);
}

/* ---- member helpers: each error names source and member path ---- */

static gboolean bad(GError **error, const char *source, const char *where, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static gboolean
bad(GError **error, const char *source, const char *where, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, args);
    va_end(args);
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: %s: %s", source, where, what);
    return FALSE;
}

/* Reject members the schema does not know: a misspelt "requires" would otherwise
 * silently offer a bit everywhere. */
static gboolean
check_members(json_object *obj, const char *const *known, const char *source, const char *where,
              GError **error)
{
    json_object_object_foreach(obj, key, value)
    {
        (void)value;
        if (!g_strv_contains(known, key)) {
            g_autofree char *list = g_strjoinv(", ", (char **)known);
            return bad(error, source, where, "unknown member \"%s\" (known: %s)", key, list);
        }
    }
    return TRUE;
}

static gboolean
get_string(json_object *obj, const char *member, gboolean required, char **out, const char *source,
           const char *where, GError **error)
{
    json_object *value = NULL;
    *out = NULL;
    if (!json_object_object_get_ex(obj, member, &value) || value == NULL) {
        if (required)
            return bad(error, source, where, "member \"%s\" is missing", member);
        return TRUE;
    }
    if (!json_object_is_type(value, json_type_string) || json_object_get_string_len(value) == 0)
        return bad(error, source, where, "\"%s\" must be a non-empty string, not %s", member,
                   json_object_to_json_string(value));
    *out = g_strdup(json_object_get_string(value));
    return TRUE;
}

static gboolean
get_uint(json_object *obj, const char *member, guint max, guint *out, const char *source,
         const char *where, GError **error)
{
    json_object *value = NULL;
    if (!json_object_object_get_ex(obj, member, &value) || value == NULL)
        return bad(error, source, where, "member \"%s\" is missing", member);
    if (!json_object_is_type(value, json_type_int) || json_object_get_int64(value) < 0 ||
        json_object_get_int64(value) > max)
        return bad(error, source, where, "\"%s\" must be an integer 0..%u, not %s", member, max,
                   json_object_to_json_string(value));
    *out = (guint)json_object_get_int64(value);
    return TRUE;
}

static gboolean
get_string_list(json_object *obj, const char *member, GPtrArray **out, const char *source,
                const char *where, GError **error)
{
    json_object *value = NULL;
    *out = g_ptr_array_new_with_free_func(g_free);
    if (!json_object_object_get_ex(obj, member, &value) || value == NULL)
        return TRUE;
    if (!json_object_is_type(value, json_type_array))
        return bad(error, source, where, "\"%s\" must be an array of strings", member);
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        json_object *item = json_object_array_get_idx(value, i);
        if (!json_object_is_type(item, json_type_string) || json_object_get_string_len(item) == 0)
            return bad(error, source, where, "\"%s\"[%zu] must be a non-empty string, not %s",
                       member, i, json_object_to_json_string(item));
        g_ptr_array_add(*out, g_strdup(json_object_get_string(item)));
    }
    return TRUE;
}

static gboolean
check_conditions(const GPtrArray *conditions, const char *source, const char *where, GError **error)
{
    for (guint i = 0; i < conditions->len; i++) {
        const char *c = g_ptr_array_index(conditions, i);
        if (g_str_has_prefix(c, "feature:") && c[strlen("feature:")] != '\0')
            continue;
        if (g_str_has_prefix(c, "guest:") && g_strv_contains(guest_settings, c + strlen("guest:")))
            continue;
        g_autofree char *known = g_strjoinv(", ", (char **)guest_settings);
        return bad(error, source, where,
                   "condition \"%s\" is neither feature:NAME nor guest:SETTING (settings: %s)", c,
                   known);
    }
    return TRUE;
}

static gboolean
get_version(json_object *obj, const char *member, gboolean *has, int version[3], const char *source,
            const char *where, GError **error)
{
    g_autofree char *text = NULL;
    *has = FALSE;
    if (!get_string(obj, member, FALSE, &text, source, where, error))
        return FALSE;
    if (text == NULL)
        return TRUE;
    if (strspn(text, "0123456789.") != strlen(text) ||
        !fwneg_parse_dotted_version(text, &version[0], &version[1], &version[2]))
        return bad(error, source, where, "\"%s\" must be a version like \"2.9\", not \"%s\"",
                   member, text);
    *has = TRUE;
    return TRUE;
}

static FwnegMachineOffer *
parse_offer(json_object *obj, const char *source, const char *where, GError **error)
{
    static const char *const known[] = {"machine", "since", "until", "requires", NULL};
    g_autoptr(GPtrArray) holder =
        g_ptr_array_new_with_free_func((GDestroyNotify)machine_offer_free);
    FwnegMachineOffer *offer = g_new0(FwnegMachineOffer, 1);
    g_ptr_array_add(holder, offer);

    if (!json_object_is_type(obj, json_type_object)) {
        bad(error, source, where, "must be an object {\"machine\": GLOB, …}");
        return NULL;
    }
    if (!check_members(obj, known, source, where, error) ||
        !get_string(obj, "machine", TRUE, &offer->machine, source, where, error) ||
        !get_version(obj, "since", &offer->has_since, offer->since, source, where, error) ||
        !get_version(obj, "until", &offer->has_until, offer->until, source, where, error) ||
        !get_string_list(obj, "requires", &offer->requires, source, where, error) ||
        !check_conditions(offer->requires, source, where, error))
        return NULL;
    return g_ptr_array_steal_index(holder, 0);
}

static GPtrArray *
parse_offers(json_object *obj, const char *member, gboolean required, const char *source,
             const char *where, GError **error)
{
    json_object *list = NULL;
    g_autoptr(GPtrArray) offers =
        g_ptr_array_new_with_free_func((GDestroyNotify)machine_offer_free);
    if (!json_object_object_get_ex(obj, member, &list) || list == NULL) {
        if (required) {
            bad(error, source, where, "member \"%s\" is missing", member);
            return NULL;
        }
        return g_steal_pointer(&offers);
    }
    if (!json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0) {
        bad(error, source, where, "\"%s\" must be a non-empty array of offers", member);
        return NULL;
    }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        g_autofree char *item_where = g_strdup_printf("%s.%s[%zu]", where, member, i);
        FwnegMachineOffer *offer =
            parse_offer(json_object_array_get_idx(list, i), source, item_where, error);
        if (offer == NULL)
            return NULL;
        g_ptr_array_add(offers, offer);
    }
    return g_steal_pointer(&offers);
}

static json_object *
get_array(json_object *obj, const char *member, const char *source, const char *where,
          GError **error)
{
    json_object *list = NULL;
    if (!json_object_object_get_ex(obj, member, &list) ||
        !json_object_is_type(list, json_type_array)) {
        bad(error, source, where, "member \"%s\" must be an array", member);
        return NULL;
    }
    return list;
}

/* ---- kind: feature-domain ---- */

static FwnegFeatureBit *
parse_bit(json_object *obj, const char *source, const char *where, GError **error)
{
    static const char *const known[] = {"name",          "bit",        "description",
                                        "requires-bits", "offered-by", "requires",
                                        "excludes",      "qemu-since", NULL};
    g_autoptr(GPtrArray) holder = g_ptr_array_new_with_free_func((GDestroyNotify)feature_bit_free);
    FwnegFeatureBit *bit = g_new0(FwnegFeatureBit, 1);
    g_ptr_array_add(holder, bit);

    if (!json_object_is_type(obj, json_type_object)) {
        bad(error, source, where, "must be an object");
        return NULL;
    }
    if (!check_members(obj, known, source, where, error) ||
        !get_string(obj, "name", TRUE, &bit->name, source, where, error) ||
        !get_uint(obj, "bit", 63, &bit->bit, source, where, error) ||
        !get_string(obj, "description", FALSE, &bit->description, source, where, error) ||
        !get_string_list(obj, "requires-bits", &bit->requires_bits, source, where, error) ||
        !get_string_list(obj, "requires", &bit->requires, source, where, error) ||
        !get_string_list(obj, "excludes", &bit->excludes, source, where, error) ||
        !check_conditions(bit->requires, source, where, error) ||
        !check_conditions(bit->excludes, source, where, error) ||
        !get_version(obj, "qemu-since", &bit->has_qemu_since, bit->qemu_since, source, where,
                     error))
        return NULL;
    bit->offered_by = parse_offers(obj, "offered-by", TRUE, source, where, error);
    if (bit->offered_by == NULL)
        return NULL;
    return g_ptr_array_steal_index(holder, 0);
}

/* Bit numbers and names unique; required bits exist; no bit needs itself through
 * a chain (such a bit could never be offered). */
static gboolean
check_bits(const FwnegFeatureDomain *domain, const char *source, GError **error)
{
    for (guint i = 0; i < domain->bits->len; i++) {
        const FwnegFeatureBit *a = g_ptr_array_index(domain->bits, i);
        for (guint j = 0; j < i; j++) {
            const FwnegFeatureBit *b = g_ptr_array_index(domain->bits, j);
            if (a->bit == b->bit)
                return bad(error, source, a->name, "bit %u is also used by \"%s\"", a->bit,
                           b->name);
            if (strcmp(a->name, b->name) == 0)
                return bad(error, source, "bits", "two bits are named \"%s\"", a->name);
        }
        for (guint r = 0; r < a->requires_bits->len; r++) {
            const char *need = g_ptr_array_index(a->requires_bits, r);
            if (fwneg_feature_domain_find_bit(domain, need) == NULL)
                return bad(error, source, a->name,
                           "requires-bits names \"%s\", which is not a "
                           "bit of domain \"%s\"",
                           need, domain->name);
        }
    }
    /* Cycle check: follow requires-bits depth-first, at most bits->len steps deep. */
    for (guint i = 0; i < domain->bits->len; i++) {
        const FwnegFeatureBit *start = g_ptr_array_index(domain->bits, i);
        g_autoptr(GPtrArray) frontier = g_ptr_array_new();
        g_ptr_array_add(frontier, (gpointer)start);
        for (guint depth = 0; depth <= domain->bits->len && frontier->len > 0; depth++) {
            g_autoptr(GPtrArray) next = g_ptr_array_new();
            for (guint f = 0; f < frontier->len; f++) {
                const FwnegFeatureBit *b = g_ptr_array_index(frontier, f);
                for (guint r = 0; r < b->requires_bits->len; r++) {
                    const FwnegFeatureBit *need = fwneg_feature_domain_find_bit(
                        domain, g_ptr_array_index(b->requires_bits, r));
                    if (need == start)
                        return bad(error, source, start->name,
                                   "requires-bits forms a cycle back to \"%s\"", start->name);
                    g_ptr_array_add(next, (gpointer)need);
                }
            }
            g_ptr_array_unref(frontier);
            frontier = g_steal_pointer(&next);
        }
    }
    return TRUE;
}

static gboolean
parse_domain(FwnegFeatureData *data, json_object *root, const char *source, GError **error)
{
    static const char *const known[] = {"kind", "name", "description", "publisher", "files",
                                        "file", "word", "bits",        NULL};
    g_autoptr(GPtrArray) holder =
        g_ptr_array_new_with_free_func((GDestroyNotify)feature_domain_free);
    FwnegFeatureDomain *domain = g_new0(FwnegFeatureDomain, 1);
    g_ptr_array_add(holder, domain);
    domain->source = g_strdup(source);
    domain->bits = g_ptr_array_new_with_free_func((GDestroyNotify)feature_bit_free);

    g_autofree char *publisher = NULL;
    if (!check_members(root, known, source, "(top level)", error) ||
        !get_string(root, "name", TRUE, &domain->name, source, "(top level)", error) ||
        !get_string(root, "description", FALSE, &domain->description, source, "(top level)",
                    error) ||
        !get_string(root, "publisher", TRUE, &publisher, source, "(top level)", error))
        return FALSE;

    if (strcmp(publisher, "qemu") == 0) {
        static const char *const known_files[] = {"supported", "requested", "features-ok", NULL};
        json_object *files = NULL;
        domain->publisher = FWNEG_FEATURE_PUBLISHER_QEMU;
        if (!json_object_object_get_ex(root, "files", &files) ||
            !json_object_is_type(files, json_type_object))
            return bad(error, source, "files",
                       "a qemu-published domain needs \"files\": {supported, requested, "
                       "features-ok}");
        if (!check_members(files, known_files, source, "files", error) ||
            !get_string(files, "supported", TRUE, &domain->supported_file, source, "files",
                        error) ||
            !get_string(files, "requested", TRUE, &domain->requested_file, source, "files",
                        error) ||
            !get_string(files, "features-ok", TRUE, &domain->features_ok_file, source, "files",
                        error))
            return FALSE;
    } else if (strcmp(publisher, "fwneg") == 0) {
        domain->publisher = FWNEG_FEATURE_PUBLISHER_FWNEG;
        g_autoptr(GError) name_error = NULL;
        if (!get_string(root, "file", TRUE, &domain->file, source, "(top level)", error) ||
            !get_uint(root, "word", FWNEG_FWCFG_MAX_WORDS - 1, &domain->word, source, "(top level)",
                      error))
            return FALSE;
        if (!fwneg_fwcfg_name_is_valid(domain->file, &name_error))
            return bad(error, source, "file", "%s", name_error->message);
        if (domain->word == 0)
            return bad(error, source, "word",
                       "word 0 holds the layout version (fwcfg-layout.h); use 1 or more");
    } else {
        return bad(error, source, "publisher", "\"%s\" is neither \"qemu\" nor \"fwneg\"",
                   publisher);
    }

    json_object *bits = get_array(root, "bits", source, "(top level)", error);
    if (bits == NULL)
        return FALSE;
    for (size_t i = 0; i < json_object_array_length(bits); i++) {
        g_autofree char *where = g_strdup_printf("bits[%zu]", i);
        FwnegFeatureBit *bit = parse_bit(json_object_array_get_idx(bits, i), source, where, error);
        if (bit == NULL)
            return FALSE;
        g_ptr_array_add(domain->bits, bit);
    }
    if (!check_bits(domain, source, error))
        return FALSE;
    g_ptr_array_add(data->domains, g_ptr_array_steal_index(holder, 0));
    return TRUE;
}

/* ---- kind: ovmf-knobs ---- */

static gboolean
parse_ovmf_knobs(FwnegFeatureData *data, json_object *root, const char *source, GError **error)
{
    static const char *const known[] = {"kind",     "description", "machines",
                                        "requires", "knobs",       NULL};
    static const char *const known_knob[] = {"setting", "fw_cfg", "default", "auto", NULL};
    static const char *const known_auto[] = {"value", "when", NULL};

    if (data->ovmf_machines != NULL)
        return bad(error, source, "kind", "a second ovmf-knobs file; keep the knobs in one");
    if (!check_members(root, known, source, "(top level)", error))
        return FALSE;
    data->ovmf_machines = parse_offers(root, "machines", TRUE, source, "(top level)", error);
    if (data->ovmf_machines == NULL ||
        !get_string_list(root, "requires", &data->ovmf_requires, source, "(top level)", error) ||
        !check_conditions(data->ovmf_requires, source, "requires", error))
        return FALSE;
    json_object *knobs = get_array(root, "knobs", source, "(top level)", error);
    if (knobs == NULL)
        return FALSE;
    for (size_t i = 0; i < json_object_array_length(knobs); i++) {
        g_autofree char *where = g_strdup_printf("knobs[%zu]", i);
        json_object *obj = json_object_array_get_idx(knobs, i);
        FwnegOvmfKnob *knob = g_new0(FwnegOvmfKnob, 1);
        g_ptr_array_add(data->ovmf_knobs, knob);
        g_autoptr(GError) name_error = NULL;
        if (!json_object_is_type(obj, json_type_object))
            return bad(error, source, where, "must be an object");
        if (!check_members(obj, known_knob, source, where, error) ||
            !get_string(obj, "setting", TRUE, &knob->setting, source, where, error) ||
            !get_string(obj, "fw_cfg", TRUE, &knob->fw_cfg, source, where, error) ||
            !get_string(obj, "default", FALSE, &knob->default_value, source, where, error))
            return FALSE;
        if (!fwneg_fwcfg_name_is_valid(knob->fw_cfg, &name_error))
            return bad(error, source, where, "fw_cfg: %s", name_error->message);
        json_object *auto_obj = NULL;
        if (json_object_object_get_ex(obj, "auto", &auto_obj)) {
            if (!json_object_is_type(auto_obj, json_type_object))
                return bad(error, source, where, "\"auto\" must be an object");
            if (!check_members(auto_obj, known_auto, source, where, error) ||
                !get_string(auto_obj, "value", TRUE, &knob->auto_value, source, where, error) ||
                !get_string_list(auto_obj, "when", &knob->auto_when, source, where, error) ||
                !check_conditions(knob->auto_when, source, where, error))
                return FALSE;
        }
        if (g_strcmp0(knob->default_value, "auto") == 0 && knob->auto_value == NULL)
            return bad(error, source, where, "default \"auto\" needs an \"auto\" rule");
        if (knob->default_value != NULL && strcmp(knob->default_value, "auto") != 0)
            return bad(error, source, where, "default must be \"auto\" or absent, not \"%s\"",
                       knob->default_value);
    }
    return TRUE;
}

/* ---- kind: qemu-fw-cfg-files ---- */

static gboolean
parse_qemu_files(FwnegFeatureData *data, json_object *root, const char *source, GError **error)
{
    static const char *const known[] = {"kind", "description", "file-slots", "files", NULL};
    static const char *const known_file[] = {"name", "present", NULL};
    if (!check_members(root, known, source, "(top level)", error))
        return FALSE;

    json_object *rules = get_array(root, "file-slots", source, "(top level)", error);
    if (rules == NULL)
        return FALSE;
    for (size_t i = 0; i < json_object_array_length(rules); i++) {
        g_autofree char *where = g_strdup_printf("file-slots[%zu]", i);
        json_object *obj = json_object_array_get_idx(rules, i);
        guint slots = 0;
        if (!json_object_is_type(obj, json_type_object))
            return bad(error, source, where, "must be an object");
        if (!get_uint(obj, "slots", 0xffff, &slots, source, where, error))
            return FALSE;
        /* "slots" is not an offer member: parse the offer from a copy without it. */
        json_object *offer_obj = json_object_new_object();
        json_object_object_foreach(obj, key, value)
        {
            if (strcmp(key, "slots") != 0)
                json_object_object_add(offer_obj, key, json_object_get(value));
        }
        FwnegMachineOffer *offer = parse_offer(offer_obj, source, where, error);
        json_object_put(offer_obj);
        if (offer == NULL)
            return FALSE;
        FwnegSlotRule *rule = g_new0(FwnegSlotRule, 1);
        rule->offer = offer;
        rule->slots = slots;
        g_ptr_array_add(data->slot_rules, rule);
    }

    json_object *files = get_array(root, "files", source, "(top level)", error);
    if (files == NULL)
        return FALSE;
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        g_autofree char *where = g_strdup_printf("files[%zu]", i);
        json_object *obj = json_object_array_get_idx(files, i);
        FwnegQemuFile *file = g_new0(FwnegQemuFile, 1);
        g_ptr_array_add(data->qemu_files, file);
        if (!json_object_is_type(obj, json_type_object))
            return bad(error, source, where, "must be an object");
        if (!check_members(obj, known_file, source, where, error) ||
            !get_string(obj, "name", TRUE, &file->name, source, where, error))
            return FALSE;
        file->present = parse_offers(obj, "present", TRUE, source, where, error);
        if (file->present == NULL)
            return FALSE;
    }
    return TRUE;
}

gboolean
fwneg_feature_data_parse(FwnegFeatureData *data, const char *source, const char *json, gsize len,
                         GError **error)
{
    g_autoptr(json_tokener) tokener = json_tokener_new();
    /* Invalid UTF-8 in a machine glob made g_pattern_match_simple() abort the
     * whole process (GLib assertion; found by tests/fuzz feature-domain). */
    json_tokener_set_flags(tokener, JSON_TOKENER_VALIDATE_UTF8);
    json_object *root = json_tokener_parse_ex(tokener, json, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tokener);
    if (root == NULL || jerr != json_tokener_success || json_tokener_get_parse_end(tokener) < len) {
        if (root != NULL)
            json_object_put(root);
        return bad(error, source, "JSON", "%s at byte %zu",
                   jerr == json_tokener_success ? "trailing data" : json_tokener_error_desc(jerr),
                   json_tokener_get_parse_end(tokener));
    }
    /* Owns @root from here on (freed on every return). */
    G_GNUC_UNUSED g_autoptr(FeatureJson) owned = root;
    if (!json_object_is_type(root, json_type_object))
        return bad(error, source, "(top level)", "must be a JSON object");

    g_autofree char *kind = NULL;
    if (!get_string(root, "kind", TRUE, &kind, source, "(top level)", error))
        return FALSE;
    if (strcmp(kind, "feature-domain") == 0)
        return parse_domain(data, root, source, error);
    if (strcmp(kind, "ovmf-knobs") == 0)
        return parse_ovmf_knobs(data, root, source, error);
    if (strcmp(kind, "qemu-fw-cfg-files") == 0)
        return parse_qemu_files(data, root, source, error);
    return bad(error, source, "kind",
               "\"%s\" is not one of feature-domain, ovmf-knobs, qemu-fw-cfg-files", kind);
}

static gboolean
check_whole(const FwnegFeatureData *data, GError **error)
{
    for (guint i = 0; i < data->domains->len; i++) {
        const FwnegFeatureDomain *a = g_ptr_array_index(data->domains, i);
        for (guint j = 0; j < i; j++) {
            const FwnegFeatureDomain *b = g_ptr_array_index(data->domains, j);
            if (strcmp(a->name, b->name) == 0)
                return bad(error, a->source, "name", "domain \"%s\" is also defined in %s", a->name,
                           b->source);
            if (a->publisher == FWNEG_FEATURE_PUBLISHER_FWNEG &&
                b->publisher == FWNEG_FEATURE_PUBLISHER_FWNEG && strcmp(a->file, b->file) == 0 &&
                a->word == b->word)
                return bad(error, a->source, "word", "word %u of %s is already domain \"%s\" (%s)",
                           a->word, a->file, b->name, b->source);
        }
    }
    return TRUE;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

FwnegFeatureData *
fwneg_feature_data_load_dir(const char *dir, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    g_autoptr(GDir) handle = g_dir_open(dir, 0, &local_error);
    if (handle == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                    "cannot read fwneg's feature data in %s (%s): install fwneg's data "
                    "(firmware.d under its datadir) or point FWNEG_DATA_DIR at a directory "
                    "holding firmware.d/",
                    dir, local_error->message);
        return NULL;
    }
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(handle)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    return fwneg_feature_data_load_names(dir, names, error);
}

FwnegFeatureData *
fwneg_feature_data_load_names(const char *dir, GPtrArray *all_names, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    for (guint i = 0; all_names != NULL && i < all_names->len; i++) {
        const char *name = g_ptr_array_index(all_names, i);
        if (g_pattern_match_simple("feature-*.json", name))
            g_ptr_array_add(names, (char *)name);
    }
    g_ptr_array_sort(names, compare_names);

    g_autoptr(FwnegFeatureData) data = fwneg_feature_data_new();
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
        g_autofree char *contents = NULL;
        gsize len = 0;
        if (!g_file_get_contents(path, &contents, &len, &local_error)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST, "%s", local_error->message);
            return NULL;
        }
        if (len > FEATURE_FILE_MAX_BYTES) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: larger than %d bytes",
                        path, FEATURE_FILE_MAX_BYTES);
            return NULL;
        }
        if (!fwneg_feature_data_parse(data, path, contents, len, error))
            return NULL;
    }
    if (!check_whole(data, error))
        return NULL;
    return g_steal_pointer(&data);
}

const FwnegFeatureDomain *
fwneg_feature_data_find_domain(const FwnegFeatureData *data, const char *name)
{
    for (guint i = 0; i < data->domains->len; i++) {
        const FwnegFeatureDomain *domain = g_ptr_array_index(data->domains, i);
        if (strcmp(domain->name, name) == 0)
            return domain;
    }
    return NULL;
}

const FwnegFeatureBit *
fwneg_feature_domain_find_bit(const FwnegFeatureDomain *domain, const char *name)
{
    for (guint i = 0; i < domain->bits->len; i++) {
        const FwnegFeatureBit *bit = g_ptr_array_index(domain->bits, i);
        if (strcmp(bit->name, name) == 0)
            return bit;
    }
    return NULL;
}

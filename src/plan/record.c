/* record.c: the per-VM record.  The record is the plan in its fwneg-plan/1
 * JSON form (plan-json.c writes it) at STATE_DIR/vms/<uuid>.json; the same
 * plan travels in the domain XML as <fwneg:plan> (plan-xml.c writes it).  This
 * file reads both forms back, writes the record, and — with the ROM store —
 * commits a VM: copies its ROMs into the store, pins them, writes the record.
 */
#include "record.h"

#include <string.h>

#include <json-c/json.h>
#include <libxml/tree.h>

#include "atomic-file.h"
#include "fwcfg-plan.h"
#include "fwneg-error.h"
#include "rom-store.h"
#include "safe-xml.h"

#define RECORD_MAX_BYTES    (16 * 1024 * 1024)
#define FWNEG_NS_URI_PREFIX "https://fwneg.org/xmlns/fwneg/"

static gboolean
uuid_is_safe(const char *uuid)
{
    /* The UUID becomes a file name: hex digits and dashes only. */
    if (uuid == NULL || uuid[0] == '\0' || strlen(uuid) > 64)
        return FALSE;
    for (const char *p = uuid; *p; p++)
        if (!g_ascii_isxdigit(*p) && *p != '-')
            return FALSE;
    return TRUE;
}

char *
fwneg_record_path(const char *state_dir, const char *uuid)
{
    g_autofree char *name = g_strconcat(uuid, ".json", NULL);
    return g_build_filename(state_dir, FWNEG_RECORD_SUBDIR, name, NULL);
}

gboolean
fwneg_record_write(const char *state_dir, const FwnegPlan *plan, GError **error)
{
    if (!uuid_is_safe(plan->uuid)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "domain '%s' has no usable <uuid> ('%s'); a record is kept per UUID: give "
                    "the domain a <uuid>",
                    plan->name ? plan->name : "?", plan->uuid ? plan->uuid : "");
        return FALSE;
    }
    /* Refuses a symlink at STATE_DIR as well as at STATE_DIR/vms (tests/hostile). */
    if (!fwneg_ensure_state_subdir(state_dir, FWNEG_RECORD_SUBDIR, 0755, error))
        return FALSE;
    g_autofree char *path = fwneg_record_path(state_dir, plan->uuid);
    g_autofree char *json = fwneg_plan_to_json(plan);
    return fwneg_atomic_write(path, json, strlen(json), 0644, error);
}

gboolean
fwneg_record_commit(const char *state_dir, FwnegPlan *plan, GError **error)
{
    /* A record pins what QEMU will see; XML libvirt has not defined yet leaves
     * parts of that open. */
    if (plan->pending != NULL && plan->pending->len > 0) {
        const FwnegPendingPart *pending = g_ptr_array_index(plan->pending, 0);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_PENDING,
                    "%s: cannot record a guest libvirt has not defined yet (%s: %s); record "
                    "the XML virsh dumpxml prints after virsh define",
                    plan->name ? plan->name : "?", pending->part, pending->reason);
        return FALSE;
    }
    for (guint i = 0; plan->roms != NULL && i < plan->roms->len; i++) {
        FwnegDeviceRom *rom = g_ptr_array_index(plan->roms, i);
        if (rom->file == NULL || rom->sha256 == NULL)
            continue;
        /* A ROM already pinned to the store is its own copy. */
        const char *source = rom->file;
        g_autofree char *stored = fwneg_rom_store_put(state_dir, source, rom->sha256, NULL, error);
        if (stored == NULL) {
            g_prefix_error(error, "%s: ", rom->device);
            return FALSE;
        }
        g_free(rom->store_file);
        rom->store_file = g_steal_pointer(&stored);
    }
    /* fwneg's own fw_cfg files are part of what the VM is pinned to: the domain
     * XML (<sysinfo type='fwcfg'>) and the QEMU arguments point at them. */
    if (!fwneg_fwcfg_write_files(plan->fw_cfg, plan->fw_cfg_state_dir, error))
        return FALSE;
    return fwneg_record_write(state_dir, plan, error);
}

/* What a recorded ROM needs, whichever form (JSON record or XML metadata) it
 * was read from: migrate-check compares these fields. */
static gboolean
rom_is_complete(const FwnegDeviceRom *rom)
{
    return rom->device != NULL && rom->size >= 0 &&
           (rom->sha256 == NULL || strlen(rom->sha256) == 64);
}

/* ---- JSON ---- */

static json_object *
member(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o != NULL && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static char *
member_string(json_object *o, const char *key)
{
    json_object *v = member(o, key);
    return v != NULL && json_object_is_type(v, json_type_string)
               ? g_strdup(json_object_get_string(v))
               : NULL;
}

static gint64
member_int(json_object *o, const char *key, gint64 fallback)
{
    json_object *v = member(o, key);
    return v != NULL && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : fallback;
}

static gboolean
member_bool(json_object *o, const char *key)
{
    json_object *v = member(o, key);
    return v != NULL && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static GPtrArray *
member_strings(json_object *o, const char *key)
{
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
    json_object *array = member(o, key);
    for (size_t i = 0; array != NULL && json_object_is_type(array, json_type_array) &&
                       i < json_object_array_length(array);
         i++) {
        json_object *item = json_object_array_get_idx(array, i);
        if (json_object_is_type(item, json_type_string))
            g_ptr_array_add(list, g_strdup(json_object_get_string(item)));
    }
    return list;
}

static FwnegFirmwareSource
source_from_string(const char *s)
{
    static const FwnegFirmwareSource all[] = {
        FWNEG_FIRMWARE_FROM_DESCRIPTOR, FWNEG_FIRMWARE_FROM_DOMAIN, FWNEG_FIRMWARE_QEMU_DEFAULT};
    for (gsize i = 0; s != NULL && i < G_N_ELEMENTS(all); i++)
        if (strcmp(fwneg_firmware_source_to_string(all[i]), s) == 0)
            return all[i];
    return FWNEG_FIRMWARE_FROM_DESCRIPTOR;
}

static FwnegFirmwareChoice *
firmware_from_json(json_object *o)
{
    FwnegFirmwareChoice *fw = g_new0(FwnegFirmwareChoice, 1);
    g_autofree char *source = member_string(o, "source");
    json_object *rejected = member(o, "rejected");

    fw->source = source_from_string(source);
    fw->interface = member_string(o, "interface");
    fw->descriptor = member_string(o, "descriptor");
    fw->executable = member_string(o, "executable");
    fw->nvram_template = member_string(o, "nvram-template");
    fw->mode = member_string(o, "mode");
    fw->device = member_string(o, "device");
    fw->requires_smm = member_bool(o, "requires-smm");
    fw->features = member_strings(o, "features");
    fw->warnings = member_strings(o, "warnings");
    fw->rejected = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_rejection_free);
    for (size_t i = 0; rejected != NULL && json_object_is_type(rejected, json_type_array) &&
                       i < json_object_array_length(rejected);
         i++) {
        json_object *r = json_object_array_get_idx(rejected, i);
        FwnegRejection *rejection = g_new0(FwnegRejection, 1);
        rejection->descriptor = member_string(r, "descriptor");
        rejection->reason = member_string(r, "reason");
        g_ptr_array_add(fw->rejected, rejection);
    }
    return fw;
}

static FwnegDescriptorNote *
note_new(char *name, char *path, char *sha256)
{
    FwnegDescriptorNote *note = g_new0(FwnegDescriptorNote, 1);
    note->name = name;
    note->path = path;
    /* "masked" in the metadata form; JSON writes null */
    if (sha256 != NULL && strlen(sha256) != 64)
        g_clear_pointer(&sha256, g_free);
    note->sha256 = sha256;
    return note;
}

/* firmware.decided-by: NULL when absent (not a record); entries without a
 * name are dropped (the comparison keys on it). */
static GPtrArray *
notes_from_json(json_object *array)
{
    if (array == NULL || !json_object_is_type(array, json_type_array))
        return NULL;
    GPtrArray *notes = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_descriptor_note_free);
    for (size_t i = 0; i < json_object_array_length(array); i++) {
        json_object *o = json_object_array_get_idx(array, i);
        char *name = member_string(o, "name");
        if (name != NULL)
            g_ptr_array_add(notes,
                            note_new(name, member_string(o, "path"), member_string(o, "sha256")));
    }
    return notes;
}

static gboolean
rom_from_json(json_object *o, guint index, FwnegDeviceRom **out, const char *source_name,
              GError **error)
{
    if (!json_object_is_type(o, json_type_object)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: roms[%u] is not an object",
                    source_name, index);
        return FALSE;
    }
    FwnegDeviceRom *rom = g_new0(FwnegDeviceRom, 1);
    rom->device = member_string(o, "device");
    rom->model = member_string(o, "model");
    rom->ramblock = member_string(o, "ramblock");
    rom->file = member_string(o, "file");
    rom->file_size = member_int(o, "file-size", -1);
    rom->size = member_int(o, "size", 0);
    rom->sha256 = member_string(o, "sha256");
    rom->rombar = member(o, "rombar") == NULL || member_bool(o, "rombar");
    rom->size_pinned = member_bool(o, "size-pinned");
    rom->store_file = member_string(o, "store-file");
    rom->qemu_id = member_string(o, "qemu-id");
    *out = rom;
    if (!rom_is_complete(rom)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: roms[%u]: needs a 'device', a 'size' >= 0 and a 64-digit 'sha256'",
                    source_name, index);
        return FALSE;
    }
    return TRUE;
}

static GBytes *
bytes_from_hex(const char *hex)
{
    gsize len = hex ? strlen(hex) : 0;
    if (len % 2 != 0)
        return NULL;
    guint8 *data = g_malloc(len / 2 + 1);
    for (gsize i = 0; i < len / 2; i++) {
        int hi = g_ascii_xdigit_value(hex[2 * i]), lo = g_ascii_xdigit_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            g_free(data);
            return NULL;
        }
        data[i] = (guint8)(hi << 4 | lo);
    }
    return g_bytes_new_take(data, len / 2);
}

FwnegPlan *
fwneg_plan_from_json(const char *data, gsize len, const char *source_name, GError **error)
{
    json_tokener *tok = json_tokener_new();
    /* Text that is not UTF-8 is refused, as in every fwneg JSON reader (tests/fuzz). */
    json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
    json_object *root = json_tokener_parse_ex(tok, data, (int)MIN(len, (gsize)G_MAXINT));
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    if (root == NULL || jerr != json_tokener_success || len > G_MAXINT) {
        json_object_put(root);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: not valid JSON (%s)",
                    source_name, json_tokener_error_desc(jerr));
        return NULL;
    }
    g_autofree char *schema = member_string(root, "schema");
    guint64 schema_version = 0;
    if (schema != NULL && g_str_has_prefix(schema, "fwneg-plan/") &&
        g_ascii_string_to_unsigned(schema + strlen("fwneg-plan/"), 10, 0, G_MAXUINT32,
                                   &schema_version, NULL) &&
        schema_version > FWNEG_RECORD_VERSION) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "%s: recorded by a newer fwneg (schema %s; this fwneg reads "
                    "fwneg-plan/%d): upgrade fwneg on this host",
                    source_name, schema, FWNEG_RECORD_VERSION);
        json_object_put(root);
        return NULL;
    }
    if (g_strcmp0(schema, FWNEG_PLAN_SCHEMA) != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: 'schema' is '%s', not '" FWNEG_PLAN_SCHEMA "' (not a fwneg record?)",
                    source_name, schema ? schema : "(missing)");
        json_object_put(root);
        return NULL;
    }
    g_autoptr(FwnegPlan) plan = fwneg_plan_new();
    json_object *domain = member(root, "domain");
    plan->name = member_string(domain, "name");
    plan->uuid = member_string(domain, "uuid");
    plan->arch = member_string(domain, "arch");
    plan->machine = member_string(domain, "machine");
    plan->machine_requested = member_string(domain, "machine-requested");
    plan->qemu_version = member_string(domain, "qemu");
    if (member(root, "firmware") != NULL) {
        plan->firmware = firmware_from_json(member(root, "firmware"));
        plan->nvram_path = member_string(member(root, "firmware"), "nvram");
        plan->decided_by = notes_from_json(member(member(root, "firmware"), "decided-by"));
    }
    json_object *roms = member(root, "roms");
    for (size_t i = 0; roms != NULL && json_object_is_type(roms, json_type_array) &&
                       i < json_object_array_length(roms);
         i++) {
        FwnegDeviceRom *rom = NULL;
        gboolean ok =
            rom_from_json(json_object_array_get_idx(roms, i), (guint)i, &rom, source_name, error);
        if (rom != NULL)
            g_ptr_array_add(plan->roms, rom);
        if (!ok) {
            json_object_put(root);
            return NULL;
        }
    }
    g_ptr_array_unref(plan->bootorder);
    plan->bootorder = member_strings(root, "bootorder");
    json_object *pending = member(root, "pending");
    for (size_t i = 0; pending != NULL && json_object_is_type(pending, json_type_array) &&
                       i < json_object_array_length(pending);
         i++) {
        json_object *o = json_object_array_get_idx(pending, i);
        FwnegPendingPart *part = g_new0(FwnegPendingPart, 1);
        part->part = member_string(o, "part");
        part->reason = member_string(o, "reason");
        if (part->part == NULL)
            part->part = g_strdup("?");
        if (part->reason == NULL)
            part->reason = g_strdup("");
        g_ptr_array_add(plan->pending, part);
    }
    json_object *fw_cfg = member(root, "fw_cfg");
    for (size_t i = 0; fw_cfg != NULL && json_object_is_type(fw_cfg, json_type_array) &&
                       i < json_object_array_length(fw_cfg);
         i++) {
        json_object *o = json_object_array_get_idx(fw_cfg, i);
        g_autofree char *hex = member_string(o, "hex");
        GBytes *bytes = bytes_from_hex(hex ? hex : "");
        if (bytes == NULL) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: fw_cfg[%zu]: 'hex' is not an even number of hex digits", source_name,
                        i);
            json_object_put(root);
            return NULL;
        }
        FwnegFwCfgFile *entry = g_new0(FwnegFwCfgFile, 1);
        entry->name = member_string(o, "name");
        entry->origin = member_string(o, "origin");
        entry->file = member_string(o, "file");
        entry->data = bytes;
        g_ptr_array_add(plan->fw_cfg, entry);
    }
    json_object *fdt = member(root, "fdt");
    if (fdt != NULL && json_object_is_type(fdt, json_type_object)) {
        plan->has_fdt = TRUE;
        plan->fdt_file = member_string(fdt, "file");
        g_ptr_array_unref(plan->fdt_nodes);
        plan->fdt_nodes = member_strings(fdt, "nodes");
    }
    json_object_put(root);
    return g_steal_pointer(&plan);
}

FwnegPlan *
fwneg_record_read_file(const char *path, GError **error)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!fwneg_read_bounded(path, RECORD_MAX_BYTES, &data, &len, error))
        return NULL;
    return fwneg_plan_from_json(data, len, path, error);
}

/* ---- <fwneg:plan> metadata (layout: see plan-xml.c) ---- */

static gboolean
is_fwneg(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL &&
           node->ns->href != NULL &&
           g_str_has_prefix((const char *)node->ns->href, FWNEG_NS_URI_PREFIX) &&
           xmlStrEqual(node->name, BAD_CAST name);
}

static xmlNode *
fwneg_child(xmlNode *parent, const char *name)
{
    for (xmlNode *c = parent ? parent->children : NULL; c != NULL; c = c->next)
        if (is_fwneg(c, name))
            return c;
    return NULL;
}

static char *
prop(xmlNode *node, const char *name)
{
    xmlChar *value = node ? xmlGetProp(node, BAD_CAST name) : NULL;
    char *copy = value ? g_strdup((const char *)value) : NULL;
    xmlFree(value);
    return copy;
}

static gint64
prop_int(xmlNode *node, const char *name, gint64 fallback)
{
    g_autofree char *value = prop(node, name);
    gint64 n = 0;
    if (value == NULL || !g_ascii_string_to_signed(value, 10, 0, G_MAXINT64, &n, NULL))
        return fallback;
    return n;
}

static gboolean
prop_yes(xmlNode *node, const char *name)
{
    g_autofree char *value = prop(node, name);
    return g_strcmp0(value, "yes") == 0;
}

static char *
text_of(xmlNode *node)
{
    xmlChar *text = xmlNodeGetContent(node);
    char *copy = g_strdup(text ? (const char *)text : "");
    xmlFree(text);
    return copy;
}

static GPtrArray *
texts_of(xmlNode *list, const char *item)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    for (xmlNode *c = list ? list->children : NULL; c != NULL; c = c->next)
        if (is_fwneg(c, item))
            g_ptr_array_add(out, text_of(c));
    return out;
}

/* The record's version: the larger of the namespace's (…/fwneg/N) and the
 * version attribute's; a newer fwneg bumps one of them. */
static guint64
plan_version(xmlNode *root)
{
    guint64 ns_version = 0, attr_version = 0;
    const char *href = (const char *)root->ns->href + strlen(FWNEG_NS_URI_PREFIX);
    g_autofree char *ns_number = g_strndup(href, strcspn(href, "/"));
    g_autofree char *attr = prop(root, "version");
    if (!g_ascii_string_to_unsigned(ns_number, 10, 0, G_MAXUINT32, &ns_version, NULL))
        ns_version = 0;
    if (attr == NULL || !g_ascii_string_to_unsigned(attr, 10, 0, G_MAXUINT32, &attr_version, NULL))
        attr_version = 0;
    return MAX(ns_version, attr_version);
}

FwnegPlan *
fwneg_plan_from_metadata(const char *metadata_xml, const char *source_name, GError **error)
{
    if (metadata_xml == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: no <fwneg:plan> in <metadata>: the domain was never planned by fwneg "
                    "(run `fwneg record` on the source host)",
                    source_name);
        return NULL;
    }
    g_autoptr(xmlDoc) doc = fwneg_xml_parse_safe(metadata_xml, strlen(metadata_xml),
                                                 RECORD_MAX_BYTES, source_name, error);
    if (doc == NULL)
        return NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!is_fwneg(root, "plan")) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: the fwneg metadata element is <%s>, not <fwneg:plan>", source_name,
                    root ? (const char *)root->name : "(none)");
        return NULL;
    }
    guint64 version = plan_version(root);
    if (version > FWNEG_RECORD_VERSION) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "%s: the <fwneg:plan> record was written by a newer fwneg (plan version "
                    "%" G_GUINT64_FORMAT ", this fwneg reads version %d): upgrade fwneg on "
                    "this host",
                    source_name, version, FWNEG_RECORD_VERSION);
        return NULL;
    }
    g_autoptr(FwnegPlan) plan = fwneg_plan_new();
    xmlNode *machine = fwneg_child(root, "machine");
    plan->machine = prop(machine, "canonical");
    plan->machine_requested = prop(machine, "requested");
    plan->arch = prop(machine, "arch");
    plan->qemu_version = prop(machine, "qemu");

    xmlNode *firmware = fwneg_child(root, "firmware");
    if (firmware != NULL) {
        FwnegFirmwareChoice *fw = g_new0(FwnegFirmwareChoice, 1);
        fw->interface = prop(firmware, "interface");
        fw->descriptor = prop(firmware, "descriptor");
        fw->device = prop(firmware, "device");
        fw->mode = prop(firmware, "mode");
        fw->executable = prop(firmware, "executable");
        fw->nvram_template = prop(firmware, "nvram-template");
        fw->requires_smm = prop_yes(firmware, "requires-smm");
        fw->source = fw->descriptor ? FWNEG_FIRMWARE_FROM_DESCRIPTOR : FWNEG_FIRMWARE_FROM_DOMAIN;
        fw->features = g_ptr_array_new_with_free_func(g_free);
        for (xmlNode *c = firmware->children; c != NULL; c = c->next) {
            if (!is_fwneg(c, "feature"))
                continue;
            char *name = prop(c, "name");
            /* A nameless feature would be a NULL in the list, which the writers
             * dereference (found by tests/fuzz, target record-metadata). */
            if (name == NULL) {
                fwneg_firmware_choice_free(fw);
                g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                            "%s: <fwneg:feature> without name=", source_name);
                return NULL;
            }
            g_ptr_array_add(fw->features, name);
        }
        fw->rejected = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_rejection_free);
        fw->warnings = g_ptr_array_new_with_free_func(g_free);
        plan->firmware = fw;
        for (xmlNode *c = firmware->children; c != NULL; c = c->next) {
            char *name = is_fwneg(c, "decided-by") ? prop(c, "name") : NULL;
            if (name == NULL)
                continue;
            if (plan->decided_by == NULL)
                plan->decided_by =
                    g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_descriptor_note_free);
            g_ptr_array_add(plan->decided_by, note_new(name, prop(c, "path"), prop(c, "sha256")));
        }
        plan->nvram_path = prop(firmware, "nvram");
    }

    guint index = 0;
    for (xmlNode *c = fwneg_child(root, "roms") ? fwneg_child(root, "roms")->children : NULL;
         c != NULL; c = c->next) {
        if (!is_fwneg(c, "rom"))
            continue;
        FwnegDeviceRom *rom = g_new0(FwnegDeviceRom, 1);
        g_ptr_array_add(plan->roms, rom);
        rom->device = prop(c, "device");
        rom->model = prop(c, "model");
        rom->ramblock = prop(c, "ramblock");
        rom->file = prop(c, "file");
        rom->file_size = prop_int(c, "file-size", -1);
        rom->size = prop_int(c, "size", -1);
        rom->sha256 = prop(c, "sha256");
        g_autofree char *rombar = prop(c, "rombar");
        rom->rombar = g_strcmp0(rombar, "no") != 0;
        rom->size_pinned = prop_yes(c, "size-pinned");
        rom->store_file = prop(c, "store-file");
        rom->qemu_id = prop(c, "qemu-id");
        if (!rom_is_complete(rom)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: <fwneg:rom> #%u needs device=, size= and a 64-digit sha256=",
                        source_name, index + 1);
            return NULL;
        }
        index++;
    }
    xmlNode *bootorder = fwneg_child(root, "bootorder");
    if (bootorder != NULL) {
        g_ptr_array_unref(plan->bootorder);
        plan->bootorder = texts_of(bootorder, "entry");
    }
    for (xmlNode *c = root->children; c != NULL; c = c->next) {
        if (!is_fwneg(c, "pending"))
            continue;
        FwnegPendingPart *part = g_new0(FwnegPendingPart, 1);
        part->part = prop(c, "part");
        part->reason = text_of(c);
        if (part->part == NULL)
            part->part = g_strdup("?");
        if (part->reason == NULL)
            part->reason = g_strdup("");
        g_ptr_array_add(plan->pending, part);
    }
    for (xmlNode *c = fwneg_child(root, "fw_cfg") ? fwneg_child(root, "fw_cfg")->children : NULL;
         c != NULL; c = c->next) {
        if (!is_fwneg(c, "file"))
            continue;
        g_autofree char *hex = text_of(c);
        GBytes *bytes = bytes_from_hex(g_strstrip(hex));
        if (bytes == NULL) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: <fwneg:file>: content is not hex", source_name);
            return NULL;
        }
        g_autofree char *name = prop(c, "name");
        /* The writers print the name unchecked (a NULL crashed them, like a
         * nameless feature above). */
        if (name == NULL) {
            g_bytes_unref(bytes);
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: <fwneg:file> without name=", source_name);
            return NULL;
        }
        FwnegFwCfgFile *entry = g_new0(FwnegFwCfgFile, 1);
        entry->name = g_steal_pointer(&name);
        entry->origin = prop(c, "origin");
        entry->file = prop(c, "file");
        entry->data = bytes;
        g_ptr_array_add(plan->fw_cfg, entry);
    }
    xmlNode *fdt = fwneg_child(root, "fdt");
    if (fdt != NULL) {
        plan->has_fdt = TRUE;
        plan->fdt_file = prop(fdt, "file");
        g_ptr_array_unref(plan->fdt_nodes);
        plan->fdt_nodes = texts_of(fdt, "node");
    }
    return g_steal_pointer(&plan);
}

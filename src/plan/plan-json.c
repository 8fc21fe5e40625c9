/* plan-json.c: the plan as JSON, schema "fwneg-plan/1" (DESIGN.md "Contracts").
 *
 * Scripts parse this output, so the key order is fixed and every documented key
 * is always present: a NULL string becomes JSON null and an empty list stays [].
 * Keys beyond the contract are only ever appended after the documented ones of
 * the same object (firmware: mode, device, nvram, requires-smm, warnings; top
 * level: warnings, pending), so readers that walk keys in order see the
 * contract first.  For XML libvirt has not defined yet, the parts that need its
 * addresses are null (bootorder, fdt.nodes, roms[].ramblock) and "pending"
 * lists each with the reason.
 */
#include "plan.h"

#include <json-c/json.h>

static json_object *
json_string_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *
json_string_array(GPtrArray *strings)
{
    json_object *array = json_object_new_array();

    for (guint i = 0; strings && i < strings->len; i++)
        json_object_array_add(array, json_object_new_string(g_ptr_array_index(strings, i)));
    return array;
}

static json_object *
domain_to_json(const FwnegPlan *plan)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "name", json_string_or_null(plan->name));
    json_object_object_add(o, "uuid", json_string_or_null(plan->uuid));
    json_object_object_add(o, "arch", json_string_or_null(plan->arch));
    json_object_object_add(o, "machine", json_string_or_null(plan->machine));
    json_object_object_add(o, "machine-requested", json_string_or_null(plan->machine_requested));
    return o;
}

static json_object *
rejected_to_json(GPtrArray *rejected)
{
    json_object *array = json_object_new_array();

    for (guint i = 0; rejected && i < rejected->len; i++) {
        const FwnegRejection *r = g_ptr_array_index(rejected, i);
        json_object *o = json_object_new_object();

        json_object_object_add(o, "descriptor", json_string_or_null(r->descriptor));
        json_object_object_add(o, "reason", json_string_or_null(r->reason));
        json_object_array_add(array, o);
    }
    return array;
}

static json_object *
firmware_to_json(const FwnegPlan *plan)
{
    /* A plan without a firmware choice still has the documented shape. */
    static const FwnegFirmwareChoice none = {0};
    const FwnegFirmwareChoice *fw = plan->firmware ? plan->firmware : &none;
    json_object *o = json_object_new_object();

    json_object_object_add(o, "interface", json_string_or_null(fw->interface));
    json_object_object_add(o, "descriptor", json_string_or_null(fw->descriptor));
    json_object_object_add(o, "executable", json_string_or_null(fw->executable));
    json_object_object_add(o, "nvram-template", json_string_or_null(fw->nvram_template));
    json_object_object_add(o, "features", json_string_array(fw->features));
    json_object_object_add(o, "rejected", rejected_to_json(fw->rejected));
    /* fwneg extensions, after the contract keys */
    json_object_object_add(o, "source",
                           json_object_new_string(fwneg_firmware_source_to_string(fw->source)));
    json_object_object_add(o, "mode", json_string_or_null(fw->mode));
    json_object_object_add(o, "device", json_string_or_null(fw->device));
    json_object_object_add(o, "nvram", json_string_or_null(plan->nvram_path));
    json_object_object_add(o, "requires-smm", json_object_new_boolean(fw->requires_smm));
    json_object_object_add(o, "warnings", json_string_array(fw->warnings));
    /* Only in records (fwneg_plan_note_descriptors): the descriptors that decided. */
    if (plan->decided_by != NULL) {
        json_object *notes = json_object_new_array();
        for (guint i = 0; i < plan->decided_by->len; i++) {
            const FwnegDescriptorNote *note = g_ptr_array_index(plan->decided_by, i);
            json_object *n = json_object_new_object();
            json_object_object_add(n, "name", json_string_or_null(note->name));
            json_object_object_add(n, "path", json_string_or_null(note->path));
            json_object_object_add(n, "sha256", json_string_or_null(note->sha256));
            json_object_array_add(notes, n);
        }
        json_object_object_add(o, "decided-by", notes);
    }
    return o;
}

static json_object *
roms_to_json(GPtrArray *roms)
{
    json_object *array = json_object_new_array();

    for (guint i = 0; roms && i < roms->len; i++) {
        const FwnegDeviceRom *rom = g_ptr_array_index(roms, i);
        json_object *o = json_object_new_object();

        json_object_object_add(o, "device", json_string_or_null(rom->device));
        json_object_object_add(o, "model", json_string_or_null(rom->model));
        json_object_object_add(o, "ramblock", json_string_or_null(rom->ramblock));
        json_object_object_add(o, "file", json_string_or_null(rom->file));
        /* No file means no size to report, not a size of 0. */
        json_object_object_add(
            o, "file-size",
            rom->file && rom->file_size >= 0 ? json_object_new_int64(rom->file_size) : NULL);
        json_object_object_add(o, "size", json_object_new_int64(rom->size));
        json_object_object_add(o, "sha256", json_string_or_null(rom->sha256));
        json_object_object_add(o, "rombar", json_object_new_boolean(rom->rombar));
        /* fwneg extensions: RAM block size set with romsize=, the ROM store copy
         * the device is pinned to, the QEMU device id (for -set) */
        json_object_object_add(o, "size-pinned", json_object_new_boolean(rom->size_pinned));
        json_object_object_add(o, "store-file", json_string_or_null(rom->store_file));
        json_object_object_add(o, "qemu-id", json_string_or_null(rom->qemu_id));
        json_object_array_add(array, o);
    }
    return array;
}

static char *
bytes_to_hex(GBytes *data)
{
    gsize len = 0;
    const guint8 *p = data ? g_bytes_get_data(data, &len) : NULL;
    GString *hex = g_string_sized_new(len * 2 + 1);

    for (gsize i = 0; i < len; i++)
        g_string_append_printf(hex, "%02x", p[i]);
    return g_string_free(hex, FALSE);
}

static json_object *
fw_cfg_to_json(GPtrArray *fw_cfg)
{
    json_object *array = json_object_new_array();

    for (guint i = 0; fw_cfg && i < fw_cfg->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(fw_cfg, i);
        g_autofree char *hex = bytes_to_hex(entry->data);
        json_object *o = json_object_new_object();

        json_object_object_add(o, "name", json_string_or_null(entry->name));
        json_object_object_add(o, "origin", json_string_or_null(entry->origin));
        json_object_object_add(o, "hex", json_object_new_string(hex));
        json_object_array_add(array, o);
    }
    return array;
}

static json_object *
fdt_to_json(const FwnegPlan *plan)
{
    json_object *o;

    if (!plan->has_fdt)
        return NULL;
    o = json_object_new_object();
    json_object_object_add(o, "file", json_string_or_null(plan->fdt_file));
    /* The nodes follow the bootorder lines: unknown while those are pending. */
    json_object_object_add(
        o, "nodes",
        fwneg_plan_pending_reason(plan, "bootorder") ? NULL : json_string_array(plan->fdt_nodes));
    return o;
}

static json_object *
pending_to_json(GPtrArray *pending)
{
    json_object *array = json_object_new_array();

    for (guint i = 0; pending && i < pending->len; i++) {
        const FwnegPendingPart *p = g_ptr_array_index(pending, i);
        json_object *o = json_object_new_object();

        json_object_object_add(o, "part", json_string_or_null(p->part));
        json_object_object_add(o, "reason", json_string_or_null(p->reason));
        json_object_array_add(array, o);
    }
    return array;
}

char *
fwneg_plan_to_json(const FwnegPlan *plan)
{
    json_object *root = json_object_new_object();
    char *out;

    json_object_object_add(root, "schema", json_object_new_string(FWNEG_PLAN_SCHEMA));
    json_object_object_add(root, "domain", domain_to_json(plan));
    json_object_object_add(root, "firmware", firmware_to_json(plan));
    json_object_object_add(root, "roms", roms_to_json(plan->roms));
    /* null, not [], while the lines wait for libvirt's addresses (see "pending") */
    json_object_object_add(
        root, "bootorder",
        fwneg_plan_pending_reason(plan, "bootorder") ? NULL : json_string_array(plan->bootorder));
    json_object_object_add(root, "fw_cfg", fw_cfg_to_json(plan->fw_cfg));
    json_object_object_add(root, "fdt", fdt_to_json(plan));
    /* fwneg extension: the planner's own warnings (firmware ones are in firmware.warnings) */
    json_object_object_add(root, "warnings", json_string_array(plan->warnings));
    /* fwneg extension: the parts (null above) that need libvirt's defined XML */
    json_object_object_add(root, "pending", pending_to_json(plan->pending));

    /* NOSLASHESCAPE: paths print as /usr/share/…, not \/usr\/share\/… */
    out = g_strconcat(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_SPACED |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE),
                      "\n", NULL);
    json_object_put(root);
    return out;
}

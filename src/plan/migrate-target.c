/* migrate-target.c: the domain XML a migration target (or a restore) runs,
 * with what `migrate-check` adjusted written in (migrate-check.h).
 *
 * Only what libvirt's ABI check lets a migrate/restore hook change is touched
 * (integration-style.md §1.4, r11 notes §2.1, all verified with libvirt 9.0):
 * <rom file>/<rom enabled>, <qemu:override> properties, the file= of
 * <sysinfo type='fwcfg'> entries, <nvram template>, and <metadata>.  Devices,
 * their count and addresses, and the number of <sysinfo> blocks stay as they
 * are, so the guest keeps the RAM block names and sizes it was recorded with.
 */
#include <string.h>

#include "fwcfg-plan.h"
#include "migrate-check.h"
#include "plan-xml-private.h"
#include "record.h"
#include "safe-xml.h"

#define QEMU_NS        "http://libvirt.org/schemas/domain/qemu/1.0"
#define QEMU_NS_PREFIX "qemu"

static xmlNode *
interface_node(xmlNode *domain, guint number)
{
    xmlNode *devices = plan_xml_find_child(domain, "devices");
    guint index = 0;
    for (xmlNode *c = devices ? devices->children : NULL; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || c->ns != NULL ||
            !xmlStrEqual(c->name, BAD_CAST "interface"))
            continue;
        if (++index == number)
            return c;
    }
    return NULL;
}

static xmlNode *
qemu_child(xmlNode *parent, xmlNs *ns, const char *name, const char *alias)
{
    for (xmlNode *c = parent->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || c->ns == NULL ||
            !xmlStrEqual(c->ns->href, BAD_CAST QEMU_NS) || !xmlStrEqual(c->name, BAD_CAST name))
            continue;
        if (alias == NULL)
            return c;
        g_autofree char *value =
            (char *)xmlGetProp(c, BAD_CAST(strcmp(name, "device") == 0 ? "alias" : "name"));
        if (g_strcmp0(value, alias) == 0)
            return c;
    }
    return plan_xml_append_element(parent, ns, name);
}

/* <qemu:override><qemu:device alias=ID><qemu:frontend>
 *   <qemu:property name='romsize' type='unsigned' value=SIZE/>  (libvirt >= 8.2;
 * verified live: QEMU gets "romsize":SIZE on that -device, r11 notes §2). */
static void
pin_romsize(xmlNode *domain, const char *qemu_id, gint64 size)
{
    xmlNs *ns = xmlSearchNsByHref(domain->doc, domain, BAD_CAST QEMU_NS);
    if (ns == NULL)
        ns = xmlNewNs(domain, BAD_CAST QEMU_NS, BAD_CAST QEMU_NS_PREFIX);
    xmlNode *override = qemu_child(domain, ns, "override", NULL);
    xmlNode *device = qemu_child(override, ns, "device", qemu_id);
    plan_xml_set_prop(device, "alias", qemu_id);
    xmlNode *frontend = qemu_child(device, ns, "frontend", NULL);
    xmlNode *property = qemu_child(frontend, ns, "property", "romsize");
    g_autofree char *value = g_strdup_printf("%" G_GINT64_FORMAT, size);
    plan_xml_set_prop(property, "name", "romsize");
    plan_xml_set_prop(property, "type", "unsigned");
    plan_xml_set_prop(property, "value", value);
}

static FwnegDeviceRom *
local_rom_for(const FwnegMigrateCheck *check, const char *device)
{
    const FwnegDeviceRom *recorded = NULL;
    for (guint i = 0; i < check->recorded->roms->len && recorded == NULL; i++) {
        const FwnegDeviceRom *rom = g_ptr_array_index(check->recorded->roms, i);
        if (g_strcmp0(rom->device, device) == 0)
            recorded = rom;
    }
    for (guint i = 0; recorded != NULL && i < check->local->roms->len; i++) {
        FwnegDeviceRom *rom = g_ptr_array_index(check->local->roms, i);
        if (recorded->ramblock != NULL ? g_strcmp0(rom->ramblock, recorded->ramblock) == 0
                                       : g_strcmp0(rom->device, device) == 0)
            return rom;
    }
    return NULL;
}

/* One adjusted NIC: its <rom> and, when pinned, its romsize. */
static void
apply_rom(xmlNode *domain, const FwnegDomain *parsed, const FwnegDeviceRom *rom)
{
    xmlNode *iface = interface_node(domain, rom->interface_number);
    if (iface == NULL)
        return;
    xmlNode *node = plan_xml_find_child(iface, "rom");
    const char *file = rom->store_file ? rom->store_file : rom->file;
    if (node == NULL)
        node = plan_xml_insert_child(iface, NULL,
                                     xmlNewDocNode(iface->doc, NULL, BAD_CAST "rom", NULL));
    if (file != NULL) {
        xmlUnsetProp(node, BAD_CAST "enabled");
        xmlSetProp(node, BAD_CAST "file", BAD_CAST file);
    } else {
        xmlUnsetProp(node, BAD_CAST "file");
        xmlUnsetProp(node, BAD_CAST "bar");
        xmlSetProp(node, BAD_CAST "enabled", BAD_CAST "no");
    }
    if (rom->size_pinned && rom->size > 0) {
        g_autofree char *qemu_id = fwneg_interface_qemu_id(parsed, rom->interface_number - 1);
        if (qemu_id != NULL)
            pin_romsize(domain, qemu_id, rom->size);
    }
}

/* fwneg's fw_cfg entries point at this host's files (same names, same bytes). */
static void
apply_fw_cfg_paths(xmlNode *domain, const FwnegPlan *local)
{
    for (xmlNode *s = domain->children; s != NULL; s = s->next) {
        g_autofree char *type = NULL;
        if (s->type != XML_ELEMENT_NODE || s->ns != NULL ||
            !xmlStrEqual(s->name, BAD_CAST "sysinfo"))
            continue;
        type = (char *)xmlGetProp(s, BAD_CAST "type");
        if (g_strcmp0(type, "fwcfg") != 0)
            continue;
        for (xmlNode *e = s->children; e != NULL; e = e->next) {
            if (e->type != XML_ELEMENT_NODE || e->ns != NULL ||
                !xmlStrEqual(e->name, BAD_CAST "entry"))
                continue;
            g_autofree char *name = (char *)xmlGetProp(e, BAD_CAST "name");
            g_autofree char *file = (char *)xmlGetProp(e, BAD_CAST "file");
            for (guint i = 0; file != NULL && i < local->fw_cfg->len; i++) {
                const FwnegFwCfgFile *f = g_ptr_array_index(local->fw_cfg, i);
                if (f->file != NULL && g_strcmp0(f->origin, "fwneg") == 0 &&
                    g_strcmp0(f->name, name) == 0 && g_strcmp0(f->file, file) != 0)
                    xmlSetProp(e, BAD_CAST "file", BAD_CAST f->file);
            }
        }
    }
}

static void
apply_nvram_template(xmlNode *domain, const FwnegPlan *local)
{
    xmlNode *os = plan_xml_find_child(domain, "os");
    xmlNode *nvram = os ? plan_xml_find_child(os, "nvram") : NULL;
    const char *template = local->firmware ? local->firmware->nvram_template : NULL;
    if (nvram == NULL || template == NULL)
        return;
    g_autofree char *current = (char *)xmlGetProp(nvram, BAD_CAST "template");
    if (current != NULL && g_strcmp0(current, template) != 0)
        xmlSetProp(nvram, BAD_CAST "template", BAD_CAST template);
}

/* The record as this host runs the guest: the recorded plan with each
 * adjusted ROM's file, bytes, pinning and store copy taken from the local one. */
static FwnegPlan *
patched_record(const FwnegMigrateCheck *check, GError **error)
{
    g_autofree char *json = fwneg_plan_to_json(check->recorded);
    g_autoptr(FwnegPlan) patched = fwneg_plan_from_json(json, strlen(json), "record", error);
    if (patched == NULL)
        return NULL;
    for (guint i = 0; i < patched->roms->len; i++) {
        FwnegDeviceRom *rom = g_ptr_array_index(patched->roms, i);
        const FwnegDeviceRom *local = local_rom_for(check, rom->device);
        if (local == NULL)
            continue;
        g_free(rom->file);
        rom->file = g_strdup(local->file);
        rom->file_size = local->file_size;
        g_free(rom->sha256);
        rom->sha256 = g_strdup(local->sha256);
        rom->size_pinned = local->size_pinned;
        g_free(rom->store_file);
        rom->store_file = g_strdup(local->store_file);
    }
    return g_steal_pointer(&patched);
}

char *
fwneg_migrate_target_xml(const FwnegMigrateCheck *check, const FwnegDomain *domain, const char *xml,
                         gsize xml_len, gboolean *changed, GError **error)
{
    g_autoptr(xmlDoc) doc = plan_xml_parse_domain(domain, xml, xml_len, error);
    if (doc == NULL)
        return NULL;
    g_autofree char *before = plan_xml_serialize_like_input(doc, xml, xml_len);
    xmlNode *root = xmlDocGetRootElement(doc);

    gboolean roms_adjusted = FALSE;
    for (guint i = 0; i < check->findings->len; i++) {
        const FwnegMigrateFinding *f = g_ptr_array_index(check->findings, i);
        if (f->verdict != FWNEG_MIGRATE_ADJUSTED || g_strcmp0(f->aspect, "rom") != 0)
            continue;
        const FwnegDeviceRom *local = local_rom_for(check, f->subject);
        if (local != NULL && local->interface_number > 0) {
            apply_rom(root, domain, local);
            roms_adjusted = TRUE;
        }
    }
    apply_fw_cfg_paths(root, check->local);
    apply_nvram_template(root, check->local);
    if (roms_adjusted) {
        g_autoptr(FwnegPlan) record = patched_record(check, error);
        if (record == NULL)
            return NULL;
        plan_xml_record_plan(root, record);
    }
    char *after = plan_xml_serialize_like_input(doc, xml, xml_len);
    *changed = g_strcmp0(before, after) != 0;
    return after;
}

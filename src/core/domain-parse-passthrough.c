/* domain-parse-passthrough.c: what libvirt hands QEMU as written, which the
 * firmware side must see because it changes what the guest gets:
 *
 *   <sysinfo type='fwcfg'><entry name=… file=…/>   -fw_cfg name=…,file=…|string=…
 *   <qemu:override><qemu:device alias=…>             properties set on that -device,
 *     <qemu:frontend><qemu:property …/>              e.g. romsize (the ROM RAM block size)
 *
 * Only the shape libvirt 9.0 reads is taken (virSysinfoParseFWCfgDef,
 * qemuDomainDefNamespaceParseDeviceOverride); what libvirt refuses is left to
 * libvirt, except where fwneg would otherwise store a NULL it later prints.
 */
#include <string.h>

#include "domain-parse-private.h"

#define QEMU_NAMESPACE "http://libvirt.org/schemas/domain/qemu/1.0"

static gboolean
is_qemu_element(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL &&
           node->ns->href != NULL && strcmp((const char *)node->ns->href, QEMU_NAMESPACE) == 0 &&
           strcmp((const char *)node->name, name) == 0;
}

gboolean
fwneg_parse_sysinfo(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    g_autofree char *type = fwneg_xml_attr(node, "type");
    if (g_strcmp0(type, "fwcfg") != 0)
        return TRUE; /* smbios blocks say nothing fwneg plans */
    parser->domain->has_fw_cfg_sysinfo = TRUE;
    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (!fwneg_xml_is(child, "entry"))
            continue;
        g_autofree char *name = fwneg_xml_attr(child, "name");
        if (name == NULL)
            return fwneg_parse_fail(parser, child, error,
                                    "Firmware entry is missing 'name' attribute");
        FwnegFwCfgEntry *entry = g_new0(FwnegFwCfgEntry, 1);
        entry->name = g_steal_pointer(&name);
        entry->file = fwneg_xml_attr(child, "file");
        entry->value = fwneg_xml_text(child);
        /* libvirt: a whitespace-only value is no value. */
        g_autofree char *trimmed = entry->value ? g_strstrip(g_strdup(entry->value)) : NULL;
        if (trimmed != NULL && trimmed[0] == '\0')
            g_clear_pointer(&entry->value, g_free);
        g_ptr_array_add(parser->domain->fw_cfg_entries, entry);
    }
    return TRUE;
}

static void
parse_override_device(FwnegDomainParser *parser, const xmlNode *device)
{
    g_autofree char *alias = fwneg_xml_attr(device, "alias");
    if (alias == NULL)
        return; /* libvirt refuses it: "missing 'alias' attribute for qemu:device" */
    for (xmlNode *frontend = xmlFirstElementChild((xmlNode *)device); frontend != NULL;
         frontend = xmlNextElementSibling(frontend)) {
        if (!is_qemu_element(frontend, "frontend"))
            continue;
        for (xmlNode *prop = xmlFirstElementChild(frontend); prop != NULL;
             prop = xmlNextElementSibling(prop)) {
            if (!is_qemu_element(prop, "property"))
                continue;
            g_autofree char *name = fwneg_xml_attr(prop, "name");
            if (name == NULL)
                continue;
            FwnegDeviceOverride *override = g_new0(FwnegDeviceOverride, 1);
            override->alias = g_strdup(alias);
            override->name = g_steal_pointer(&name);
            override->type = fwneg_xml_attr(prop, "type");
            override->value = fwneg_xml_attr(prop, "value");
            g_ptr_array_add(parser->domain->device_overrides, override);
        }
    }
}

void
fwneg_parse_qemu_override(FwnegDomainParser *parser, const xmlNode *node)
{
    if (!is_qemu_element(node, "override"))
        return;
    for (xmlNode *device = xmlFirstElementChild((xmlNode *)node); device != NULL;
         device = xmlNextElementSibling(device)) {
        if (is_qemu_element(device, "device"))
            parse_override_device(parser, device);
    }
}

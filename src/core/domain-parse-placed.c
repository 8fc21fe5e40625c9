/* domain-parse-placed.c: the <devices> children that matter only for where
 * libvirt 9.0 and QEMU 7.2 put them — <filesystem> (virtio-9p / virtiofs,
 * which may also carry a <boot order>) and every other device element
 * (<input>, <memballoon>, <rng>, <vsock>, <memory>, <channel>, …): each may
 * take a virtio-mmio transport or a PCI slot, which moves the devices after
 * it (device-placement.c). */
#include "domain-parse-private.h"

gboolean
fwneg_parse_filesystem(FwnegDomainParser *parser, const xmlNode *node, int position, GError **error)
{
    g_autoptr(FwnegFilesystem) fs = fwneg_filesystem_new();
    fs->xml_position = position;
    fs->type = fwneg_xml_attr(node, "type");

    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (fwneg_xml_is(child, "driver")) {
            g_free(fs->driver);
            fs->driver = fwneg_xml_attr(child, "type");
        } else if (fwneg_xml_is(child, "target")) {
            g_free(fs->target_dir);
            fs->target_dir = fwneg_xml_attr(child, "dir");
        } else if (fwneg_xml_is(child, "boot")) {
            if (!fwneg_parse_device_boot(parser, child, &fs->boot_order, error))
                return FALSE;
        } else if (fwneg_xml_is(child, "alias")) {
            g_free(fs->alias);
            fs->alias = fwneg_parse_alias(child);
        } else if (fwneg_xml_is(child, "address")) {
            if (!fwneg_parse_address(parser, child, &fs->address, error))
                return FALSE;
        }
    }
    g_ptr_array_add(parser->domain->filesystems, g_steal_pointer(&fs));
    return TRUE;
}

gboolean
fwneg_parse_other_device(FwnegDomainParser *parser, const xmlNode *node, int position,
                         GError **error)
{
    g_autoptr(FwnegOtherDevice) device = fwneg_other_device_new();
    device->xml_position = position;
    device->element = g_strdup((const char *)node->name);
    /* <input type=…>, <channel type=…>; <memballoon|rng|vsock|memory model=…> */
    device->type = fwneg_xml_attr(node, "type");
    if (device->type == NULL)
        device->type = fwneg_xml_attr(node, "model");
    device->bus = fwneg_xml_attr(node, "bus");

    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (fwneg_xml_is(child, "address")) {
            if (!fwneg_parse_address(parser, child, &device->address, error))
                return FALSE;
        } else if (fwneg_xml_is(child, "target") && device->bus == NULL) {
            /* a channel's or console's <target type='virtio'> */
            device->bus = fwneg_xml_attr(child, "type");
        }
    }
    g_ptr_array_add(parser->domain->others, g_steal_pointer(&device));
    return TRUE;
}

/* domain-parse-devices.c: the <devices> part of libvirt domain XML that the
 * firmware side needs — controllers (bus topology), disks, NICs and PCI
 * host devices (boot order, option ROMs), video — plus the <address>, <rom>,
 * <alias> and <boot> sub-elements they share.  Value rules follow libvirt
 * 9.0's parser (checked against `virsh -c test:///default define`). */
#include <string.h>

#include "domain-parse-private.h"

/* PCI address limits (virPCIDeviceAddressIsValid): bus 8 bits, slot 5 bits,
 * function 3 bits; the domain (segment) is 16 bits in a guest. */
#define PCI_DOMAIN_MAX   0xFFFF
#define PCI_BUS_MAX      0xFF
#define PCI_SLOT_MAX     0x1F
#define PCI_FUNCTION_MAX 0x7

static gboolean
parse_pci_fields(const FwnegDomainParser *parser, const xmlNode *node, guint64 domain_max,
                 FwnegAddress *address, GError **error)
{
    return fwneg_parse_uint_attr(parser, node, "domain", 0, 0, domain_max, "PCI domain",
                                 &address->domain, error) &&
           fwneg_parse_uint_attr(parser, node, "bus", 0, 0, PCI_BUS_MAX, "PCI bus", &address->bus,
                                 error) &&
           fwneg_parse_uint_attr(parser, node, "slot", 0, 0, PCI_SLOT_MAX, "PCI slot",
                                 &address->slot, error) &&
           fwneg_parse_uint_attr(parser, node, "function", 0, 0, PCI_FUNCTION_MAX, "PCI function",
                                 &address->function, error);
}

/* "1" or "1.2.3": libvirt allows up to 4 levels of hubs, each a decimal port. */
static gboolean
usb_port_is_valid(const char *port)
{
    g_auto(GStrv) parts = g_strsplit(port, ".", 0);
    guint n = g_strv_length(parts);
    if (n == 0 || n > 4)
        return FALSE;
    for (guint i = 0; i < n; i++) {
        guint64 value;
        if (!fwneg_parse_uint(parts[i], 10, 0, G_MAXUINT, &value))
            return FALSE;
    }
    return TRUE;
}

gboolean
fwneg_parse_address(const FwnegDomainParser *parser, const xmlNode *node, FwnegAddress *address,
                    GError **error)
{
    g_autofree char *type = fwneg_xml_attr(node, "type");
    if (type == NULL) {
        address->type = FWNEG_ADDRESS_NONE;
        return TRUE;
    }
    if (strcmp(type, "pci") == 0) {
        address->type = FWNEG_ADDRESS_PCI;
        return parse_pci_fields(parser, node, PCI_DOMAIN_MAX, address, error) &&
               fwneg_parse_on_off_attr(parser, node, "multifunction", &address->multifunction,
                                       error);
    }
    if (strcmp(type, "drive") == 0) {
        address->type = FWNEG_ADDRESS_DRIVE;
        return fwneg_parse_uint_attr(parser, node, "controller", 10, 0, G_MAXINT,
                                     "drive controller", &address->controller, error) &&
               fwneg_parse_uint_attr(parser, node, "bus", 10, 0, G_MAXINT, "drive bus",
                                     &address->drive_bus, error) &&
               fwneg_parse_uint_attr(parser, node, "target", 10, 0, G_MAXINT, "drive target",
                                     &address->target, error) &&
               fwneg_parse_uint_attr(parser, node, "unit", 10, 0, G_MAXINT, "drive unit",
                                     &address->unit, error);
    }
    if (strcmp(type, "usb") == 0) {
        address->type = FWNEG_ADDRESS_USB;
        if (!fwneg_parse_uint_attr(parser, node, "bus", 10, 0, G_MAXINT, "USB bus",
                                   &address->usb_bus, error))
            return FALSE;
        g_autofree char *port = fwneg_xml_attr(node, "port");
        if (port != NULL && !usb_port_is_valid(port)) {
            g_autofree char *shown = fwneg_printable(port);
            return fwneg_parse_fail_attr(parser, node, "port", port, error,
                                         "invalid USB port '%s' (expected up to 4 dot-separated "
                                         "port numbers, e.g. '1' or '1.2')",
                                         shown);
        }
        g_free(address->usb_port);
        address->usb_port = g_steal_pointer(&port);
        return TRUE;
    }
    if (strcmp(type, "isa") == 0)
        address->type = FWNEG_ADDRESS_ISA;
    else if (strcmp(type, "virtio-mmio") == 0)
        address->type = FWNEG_ADDRESS_VIRTIO_MMIO;
    else
        address->type = FWNEG_ADDRESS_OTHER;
    return TRUE;
}

gboolean
fwneg_parse_pci_source_address(const FwnegDomainParser *parser, const xmlNode *node,
                               FwnegAddress *address, GError **error)
{
    /* A host's PCI segment may exceed 16 bits (Intel VMD uses 0x10000+), and
     * libvirt accepts it there. */
    address->type = FWNEG_ADDRESS_PCI;
    return parse_pci_fields(parser, node, G_MAXINT, address, error);
}

gboolean
fwneg_parse_rom(const FwnegDomainParser *parser, const xmlNode *node, FwnegRom *rom, GError **error)
{
    if (!fwneg_parse_yes_no_attr(parser, node, "enabled", &rom->enabled, error) ||
        !fwneg_parse_on_off_attr(parser, node, "bar", &rom->bar, error))
        return FALSE;
    g_free(rom->file);
    rom->file = fwneg_xml_attr(node, "file"); /* "" stays "": it means "no ROM" */
    return TRUE;
}

gboolean
fwneg_parse_device_boot(FwnegDomainParser *parser, const xmlNode *node, int *order, GError **error)
{
    g_autofree char *text = fwneg_xml_attr(node, "order");
    if (text == NULL)
        return fwneg_parse_fail(parser, node, error,
                                "missing order attribute (expected e.g. <boot order='1'/>)");
    guint64 value = 0;
    if (!fwneg_parse_uint(text, 10, 1, G_MAXINT, &value)) {
        g_autofree char *shown = fwneg_printable(text);
        return fwneg_parse_fail_attr(parser, node, "order", text, error,
                                     "invalid boot order '%s' (expected a positive integer)",
                                     shown);
    }
    const xmlNode *previous = g_hash_table_lookup(parser->boot_orders, GUINT_TO_POINTER(value));
    if (previous != NULL)
        return fwneg_parse_fail_attr(parser, node, "order", text, error,
                                     "boot order %" G_GUINT64_FORMAT
                                     " is already used by another device (<%s> at line %ld); "
                                     "give each device its own order",
                                     value, (const char *)previous->parent->name,
                                     xmlGetLineNo(previous));
    g_hash_table_insert(parser->boot_orders, GUINT_TO_POINTER(value), (gpointer)node);
    if (parser->device_boot == NULL)
        parser->device_boot = (xmlNode *)node;
    *order = (int)value;
    return TRUE;
}

char *
fwneg_parse_alias(const xmlNode *node)
{
    return fwneg_xml_attr(node, "name");
}

static const char *const pci_controller_models[] = {
    "pci-root",
    "pcie-root",
    "pci-bridge",
    "dmi-to-pci-bridge",
    "pcie-root-port",
    "pcie-switch-upstream-port",
    "pcie-switch-downstream-port",
    "pci-expander-bus",
    "pcie-expander-bus",
    "pcie-to-pci-bridge",
    NULL,
};

static FwnegControllerType
controller_type_from_string(const char *type)
{
    static const struct {
        const char *name;
        FwnegControllerType type;
    } types[] = {
        {"pci", FWNEG_CONTROLLER_PCI}, {"scsi", FWNEG_CONTROLLER_SCSI},
        {"usb", FWNEG_CONTROLLER_USB}, {"sata", FWNEG_CONTROLLER_SATA},
        {"ide", FWNEG_CONTROLLER_IDE}, {"fdc", FWNEG_CONTROLLER_FDC},
    };
    for (gsize i = 0; type != NULL && i < G_N_ELEMENTS(types); i++) {
        if (strcmp(types[i].name, type) == 0)
            return types[i].type;
    }
    return FWNEG_CONTROLLER_OTHER;
}

static gboolean
parse_controller_target(const FwnegDomainParser *parser, const xmlNode *node,
                        FwnegController *controller, GError **error)
{
    return fwneg_parse_uint_attr(parser, node, "chassis", 0, 0, 255, "chassis number",
                                 &controller->chassis, error) &&
           fwneg_parse_uint_attr(parser, node, "port", 0, 0, 255, "port number", &controller->port,
                                 error) &&
           fwneg_parse_uint_attr(parser, node, "busNr", 0, 0, 255, "bus number",
                                 &controller->bus_nr, error);
}

static gboolean
parse_controller(FwnegDomainParser *parser, const xmlNode *node, int position, GError **error)
{
    g_autoptr(FwnegController) controller = fwneg_controller_new();
    controller->xml_position = position;
    controller->type_name = fwneg_xml_attr(node, "type");
    controller->type = controller_type_from_string(controller->type_name);
    if (!fwneg_parse_uint_attr(parser, node, "index", 10, 0, G_MAXINT, "controller index",
                               &controller->index, error))
        return FALSE;
    if (controller->type == FWNEG_CONTROLLER_PCI) {
        if (!fwneg_parse_choice_attr(parser, node, "model", pci_controller_models,
                                     "PCI controller model", &controller->model, error))
            return FALSE;
    } else {
        controller->model = fwneg_xml_attr(node, "model");
    }

    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (fwneg_xml_is(child, "alias")) {
            g_free(controller->alias);
            controller->alias = fwneg_parse_alias(child);
        } else if (fwneg_xml_is(child, "address")) {
            if (!fwneg_parse_address(parser, child, &controller->address, error))
                return FALSE;
        } else if (fwneg_xml_is(child, "target")) {
            if (!parse_controller_target(parser, child, controller, error))
                return FALSE;
        }
    }
    g_ptr_array_add(parser->domain->controllers, g_steal_pointer(&controller));
    return TRUE;
}

/* libvirt's rule (virDomainDiskDefParseXML) for a <target> without bus=. */
static char *
disk_bus_from_target(const char *device, const char *target_dev)
{
    if (device != NULL && strcmp(device, "floppy") == 0)
        return g_strdup("fdc");
    if (target_dev == NULL)
        return NULL;
    static const struct {
        const char *prefix;
        const char *bus;
    } prefixes[] = {
        {"hd", "ide"}, {"sd", "scsi"}, {"vd", "virtio"}, {"xvd", "xen"}, {"ubd", "uml"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        if (g_str_has_prefix(target_dev, prefixes[i].prefix))
            return g_strdup(prefixes[i].bus);
    }
    return NULL;
}

static char *
disk_source(const xmlNode *node)
{
    static const char *const attrs[] = {"file", "dev", "dir", "name", "volume"};
    for (gsize i = 0; i < G_N_ELEMENTS(attrs); i++) {
        char *value = fwneg_xml_attr(node, attrs[i]);
        if (value != NULL)
            return value;
    }
    return NULL;
}

static gboolean
parse_disk(FwnegDomainParser *parser, const xmlNode *node, int position, GError **error)
{
    static const char *const devices[] = {"disk", "cdrom", "floppy", "lun", NULL};
    g_autoptr(FwnegDisk) disk = fwneg_disk_new();
    disk->xml_position = position;
    if (!fwneg_parse_choice_attr(parser, node, "device", devices, "disk device", &disk->device,
                                 error))
        return FALSE;
    if (disk->device == NULL)
        disk->device = g_strdup("disk"); /* libvirt's default */

    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (fwneg_xml_is(child, "target")) {
            g_free(disk->target_dev);
            g_free(disk->bus);
            disk->target_dev = fwneg_xml_attr(child, "dev");
            disk->bus = fwneg_xml_attr(child, "bus");
        } else if (fwneg_xml_is(child, "source")) {
            g_free(disk->source);
            disk->source = disk_source(child);
        } else if (fwneg_xml_is(child, "boot")) {
            if (!fwneg_parse_device_boot(parser, child, &disk->boot_order, error))
                return FALSE;
        } else if (fwneg_xml_is(child, "alias")) {
            g_free(disk->alias);
            disk->alias = fwneg_parse_alias(child);
        } else if (fwneg_xml_is(child, "address")) {
            if (!fwneg_parse_address(parser, child, &disk->address, error))
                return FALSE;
        }
    }
    if (disk->bus == NULL)
        disk->bus = disk_bus_from_target(disk->device, disk->target_dev);
    g_ptr_array_add(parser->domain->disks, g_steal_pointer(&disk));
    return TRUE;
}

static gboolean
parse_interface(FwnegDomainParser *parser, const xmlNode *node, int position, GError **error)
{
    g_autoptr(FwnegInterface) iface = fwneg_interface_new();
    iface->xml_position = position;
    iface->type = fwneg_xml_attr(node, "type");

    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (fwneg_xml_is(child, "mac")) {
            g_free(iface->mac);
            iface->mac = fwneg_xml_attr(child, "address");
        } else if (fwneg_xml_is(child, "model")) {
            g_free(iface->model);
            iface->model = fwneg_xml_attr(child, "type");
        } else if (fwneg_xml_is(child, "rom")) {
            if (!fwneg_parse_rom(parser, child, &iface->rom, error))
                return FALSE;
        } else if (fwneg_xml_is(child, "boot")) {
            if (!fwneg_parse_device_boot(parser, child, &iface->boot_order, error))
                return FALSE;
        } else if (fwneg_xml_is(child, "alias")) {
            g_free(iface->alias);
            iface->alias = fwneg_parse_alias(child);
        } else if (fwneg_xml_is(child, "address")) {
            if (!fwneg_parse_address(parser, child, &iface->address, error))
                return FALSE;
        } else if (fwneg_xml_is(child, "source") && g_strcmp0(iface->type, "hostdev") == 0) {
            /* <source><address type='pci' …/>: the host device vfio-pci passes through */
            xmlNode *address = fwneg_xml_child(child, "address");
            g_autofree char *address_type = address ? fwneg_xml_attr(address, "type") : NULL;
            if (g_strcmp0(address_type, "pci") == 0 &&
                !fwneg_parse_pci_source_address(parser, address, &iface->hostdev_source, error))
                return FALSE;
        }
    }
    g_ptr_array_add(parser->domain->interfaces, g_steal_pointer(&iface));
    return TRUE;
}

static gboolean
parse_hostdev_source(const FwnegDomainParser *parser, const xmlNode *node, FwnegHostdev *hostdev,
                     GError **error)
{
    if (hostdev->type == NULL || strcmp(hostdev->type, "pci") != 0)
        return TRUE; /* USB/SCSI/mdev sources carry nothing fwneg uses */
    xmlNode *address = fwneg_xml_child(node, "address");
    if (address == NULL)
        return TRUE;
    return fwneg_parse_pci_source_address(parser, address, &hostdev->source, error);
}

static gboolean
parse_hostdev(FwnegDomainParser *parser, const xmlNode *node, int position, GError **error)
{
    /* mode='capabilities' passes host resources into containers (LXC); only
     * subsystem devices reach a QEMU guest's firmware. */
    g_autofree char *mode = fwneg_xml_attr(node, "mode");
    if (mode != NULL && strcmp(mode, "subsystem") != 0)
        return TRUE;

    g_autoptr(FwnegHostdev) hostdev = fwneg_hostdev_new();
    hostdev->xml_position = position;
    hostdev->type = fwneg_xml_attr(node, "type");

    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (fwneg_xml_is(child, "source")) {
            if (!parse_hostdev_source(parser, child, hostdev, error))
                return FALSE;
        } else if (fwneg_xml_is(child, "rom")) {
            if (!fwneg_parse_rom(parser, child, &hostdev->rom, error))
                return FALSE;
        } else if (fwneg_xml_is(child, "boot")) {
            if (!fwneg_parse_device_boot(parser, child, &hostdev->boot_order, error))
                return FALSE;
        } else if (fwneg_xml_is(child, "alias")) {
            g_free(hostdev->alias);
            hostdev->alias = fwneg_parse_alias(child);
        } else if (fwneg_xml_is(child, "address")) {
            if (!fwneg_parse_address(parser, child, &hostdev->address, error))
                return FALSE;
        }
    }
    g_ptr_array_add(parser->domain->hostdevs, g_steal_pointer(&hostdev));
    return TRUE;
}

static gboolean
parse_video(FwnegDomainParser *parser, const xmlNode *node, int position, GError **error)
{
    g_autoptr(FwnegVideo) video = fwneg_video_new();
    video->xml_position = position;

    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (fwneg_xml_is(child, "model")) {
            g_free(video->model);
            video->model = fwneg_xml_attr(child, "type");
            g_autofree char *primary = fwneg_xml_attr(child, "primary");
            video->primary = primary != NULL && strcmp(primary, "yes") == 0;
        } else if (fwneg_xml_is(child, "alias")) {
            g_free(video->alias);
            video->alias = fwneg_parse_alias(child);
        } else if (fwneg_xml_is(child, "address")) {
            if (!fwneg_parse_address(parser, child, &video->address, error))
                return FALSE;
        }
    }
    g_ptr_array_add(parser->domain->videos, g_steal_pointer(&video));
    return TRUE;
}

gboolean
fwneg_parse_devices(FwnegDomainParser *parser, const xmlNode *devices, int *position,
                    GError **error)
{
    for (xmlNode *child = xmlFirstElementChild((xmlNode *)devices); child != NULL;
         child = xmlNextElementSibling(child)) {
        int here = (*position)++;
        gboolean ok = TRUE;
        if (fwneg_xml_is(child, "emulator")) {
            g_free(parser->domain->emulator);
            parser->domain->emulator = fwneg_xml_text(child);
        } else if (fwneg_xml_is(child, "controller")) {
            ok = parse_controller(parser, child, here, error);
        } else if (fwneg_xml_is(child, "disk")) {
            ok = parse_disk(parser, child, here, error);
        } else if (fwneg_xml_is(child, "interface")) {
            ok = parse_interface(parser, child, here, error);
        } else if (fwneg_xml_is(child, "hostdev")) {
            ok = parse_hostdev(parser, child, here, error);
        } else if (fwneg_xml_is(child, "video")) {
            ok = parse_video(parser, child, here, error);
        } else if (fwneg_xml_is(child, "filesystem")) {
            ok = fwneg_parse_filesystem(parser, child, here, error);
        } else if (child->ns == NULL) {
            ok = fwneg_parse_other_device(parser, child, here, error);
        }
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

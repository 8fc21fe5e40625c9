/* rom-devices.c: QEMU 7.2's ROM-carrying devices, checked live with
 * `info ramblock` (tests/roms/ramblock-conformance.py). */
#include "rom-devices.h"

#include <stdio.h>
#include <string.h>

/* Region names: the vmsd names in QEMU's hw/net sources where the device class has a vmsd
 * (e1000 family "e1000", ne2k_pci "ne2000", …), else the QOM type name
 * (virtio-net-pci proxies, the eepro100 family). */
static const FwnegRomDevice nic_devices[] = {
    {"virtio", "virtio-net-pci", "virtio-net-pci", "efi-virtio.rom", "pxe-virtio.rom", FALSE},
    {"virtio-transitional", "virtio-net-pci-transitional", "virtio-net-pci-transitional",
     "efi-virtio.rom", NULL, FALSE},
    {"virtio-non-transitional", "virtio-net-pci-non-transitional",
     "virtio-net-pci-non-transitional", "efi-virtio.rom", NULL, FALSE},
    {"e1000", "e1000", "e1000", "efi-e1000.rom", "pxe-e1000.rom", FALSE},
    {"e1000-82544gc", "e1000-82544gc", "e1000", "efi-e1000.rom", NULL, FALSE},
    {"e1000-82545em", "e1000-82545em", "e1000", "efi-e1000.rom", NULL, FALSE},
    {"e1000e", "e1000e", "e1000e", "efi-e1000e.rom", NULL, FALSE},
    {"rtl8139", "rtl8139", "rtl8139", "efi-rtl8139.rom", "pxe-rtl8139.rom", FALSE},
    {"ne2k_pci", "ne2k_pci", "ne2000", "efi-ne2k_pci.rom", "pxe-ne2k_pci.rom", FALSE},
    {"pcnet", "pcnet", "pcnet", "efi-pcnet.rom", "pxe-pcnet.rom", FALSE},
    {"vmxnet3", "vmxnet3", "vmxnet3", "efi-vmxnet3.rom", NULL, TRUE},
    {"i82550", "i82550", "i82550", "pxe-eepro100.rom", NULL, FALSE},
    {"i82551", "i82551", "i82551", "pxe-eepro100.rom", NULL, FALSE},
    {"i82557a", "i82557a", "i82557a", "pxe-eepro100.rom", NULL, FALSE},
    {"i82557b", "i82557b", "i82557b", "pxe-eepro100.rom", NULL, FALSE},
    {"i82557c", "i82557c", "i82557c", "pxe-eepro100.rom", NULL, FALSE},
    {"i82558a", "i82558a", "i82558a", "pxe-eepro100.rom", NULL, FALSE},
    {"i82558b", "i82558b", "i82558b", "pxe-eepro100.rom", NULL, FALSE},
    {"i82559a", "i82559a", "i82559a", "pxe-eepro100.rom", NULL, FALSE},
    {"i82559b", "i82559b", "i82559b", "pxe-eepro100.rom", NULL, FALSE},
    {"i82559c", "i82559c", "i82559c", "pxe-eepro100.rom", NULL, FALSE},
    {"i82559er", "i82559er", "i82559er", "pxe-eepro100.rom", NULL, FALSE},
    {"i82562", "i82562", "i82562", "pxe-eepro100.rom", NULL, FALSE},
    {"i82801", "i82801", "i82801", "pxe-eepro100.rom", NULL, FALSE},
};

/* libvirt 9.0 qemuBuildDeviceVideoStr: primary devices are the VGA-compatible
 * ones; a secondary vga/qxl/virtio has no VGA BIOS. */
static const FwnegRomDevice video_devices[] = {
    {"vga", "VGA", "vga", "vgabios-stdvga.bin", NULL, FALSE},
    {"cirrus", "cirrus-vga", "cirrus_vga", "vgabios-cirrus.bin", NULL, FALSE},
    {"vmvga", "vmware-svga", "vmware_vga", "vgabios-vmware.bin", NULL, FALSE},
    {"qxl", "qxl-vga", "qxl", "vgabios-qxl.bin", NULL, FALSE},
    {"virtio", "virtio-vga", "virtio-vga", "vgabios-virtio.bin", NULL, FALSE},
    {"bochs", "bochs-display", "bochs-display", "vgabios-bochs-display.bin", NULL, FALSE},
};

/* hw/vfio/pci.c: vmsd "vfio-pci"; a ROM comes only from romfile=. */
static const FwnegRomDevice vfio_pci_device = {"hostdev", "vfio-pci", "vfio-pci",
                                               NULL,      NULL,       FALSE};

const FwnegRomDevice *
fwneg_rom_vfio_device(void)
{
    return &vfio_pci_device;
}

static gboolean
arch_is_x86(const char *arch)
{
    return g_strcmp0(arch, "x86_64") == 0 || g_strcmp0(arch, "i686") == 0;
}

const FwnegRomDevice *
fwneg_rom_nic_device(const char *model, const char *arch, const char *machine)
{
    /* libvirt 9.0 qemuDomainDefaultNetModel: virtio on ARM virt and RISC-V virt,
     * rtl8139 on x86 (the first of its list QEMU has). */
    if (model == NULL) {
        if (arch_is_x86(arch))
            model = "rtl8139";
        else if (machine != NULL && (g_str_has_prefix(machine, "virt")))
            model = "virtio";
        else
            return NULL;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(nic_devices); i++)
        if (strcmp(nic_devices[i].libvirt_model, model) == 0)
            return &nic_devices[i];
    return NULL;
}

const FwnegRomDevice *
fwneg_rom_video_device(const char *model, gboolean primary, const char *arch)
{
    if (model == NULL || !primary)
        return NULL;
    /* Off x86, libvirt uses virtio-gpu-pci (no VGA BIOS) for virtio video. */
    if (strcmp(model, "virtio") == 0 && !arch_is_x86(arch))
        return NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(video_devices); i++)
        if (strcmp(video_devices[i].libvirt_model, model) == 0)
            return &video_devices[i];
    return NULL;
}

/* (major, minor) of a pc-i440fx-X.Y / pc-q35-X.Y / pc-X.Y machine; FALSE for others. */
static gboolean
pc_machine_version(const char *machine, int *major, int *minor)
{
    const char *v = NULL;

    if (machine == NULL)
        return FALSE;
    if (g_str_has_prefix(machine, "pc-i440fx-"))
        v = machine + strlen("pc-i440fx-");
    else if (g_str_has_prefix(machine, "pc-q35-"))
        v = machine + strlen("pc-q35-");
    else if (g_str_has_prefix(machine, "pc-") && g_ascii_isdigit(machine[3]))
        v = machine + 3;
    return v != NULL && sscanf(v, "%d.%d", major, minor) == 2;
}

const char *
fwneg_rom_qemu_default_file(const FwnegRomDevice *dev, const char *machine)
{
    int major, minor;

    if (pc_machine_version(machine, &major, &minor)) {
        if (dev->compat_1_4_rom != NULL && (major < 1 || (major == 1 && minor <= 4)))
            return dev->compat_1_4_rom;
        if (dev->no_rom_before_2_7 && (major < 2 || (major == 2 && minor <= 6)))
            return NULL;
    }
    return dev->default_rom;
}

char *
fwneg_rom_region_name(const FwnegRomDevice *dev)
{
    g_autofree char *name = g_strconcat(dev->region, ".rom", NULL);

    /* QEMU: char name[32]; snprintf(name, sizeof(name), "%s.rom", …) */
    return g_strndup(name, 31);
}

static const FwnegController *
find_pci_controller(const FwnegDomain *domain, int index)
{
    for (guint i = 0; domain->controllers != NULL && i < domain->controllers->len; i++) {
        const FwnegController *c = g_ptr_array_index(domain->controllers, i);
        if (c->type == FWNEG_CONTROLLER_PCI && c->index == index)
            return c;
    }
    return NULL;
}

char *
fwneg_rom_pci_dev_path(const FwnegDomain *domain, const FwnegAddress *address, char **why)
{
    GString *slots = g_string_new(NULL);
    const FwnegAddress *at = address;
    int root_bus = 0;

    /* Walk up: each bridge the device sits behind adds its own slot.fn. */
    for (guint depth = 0;; depth++) {
        if (at->type != FWNEG_ADDRESS_PCI || at->bus < 0 || at->slot < 0) {
            *why = g_strdup(depth == 0 ? "the device has no PCI address yet (libvirt assigns it "
                                         "when the guest is defined)"
                                       : "a PCI controller on its path has no address yet "
                                         "(libvirt assigns it when the guest is defined)");
            g_string_free(slots, TRUE);
            return NULL;
        }
        g_autofree char *slot =
            g_strdup_printf(":%02x.%x", at->slot, at->function < 0 ? 0 : at->function);
        g_string_prepend(slots, slot);
        if (at->bus == 0)
            break;
        const FwnegController *bus = find_pci_controller(domain, at->bus);
        if (bus == NULL || depth > 256) {
            *why = g_strdup_printf("no <controller type='pci' index='%d'> for its bus", at->bus);
            g_string_free(slots, TRUE);
            return NULL;
        }
        if (g_strcmp0(bus->model, "pci-expander-bus") == 0 ||
            g_strcmp0(bus->model, "pcie-expander-bus") == 0) {
            /* A pxb is a root bus numbered busNr; QEMU still walks through the
             * pxb device itself, and a (non-PCIe) pxb puts its devices behind
             * an internal pci-bridge at 00.0 (checked with info ramblock). */
            if (bus->bus_nr < 0) {
                *why =
                    g_strdup_printf("<controller type='pci' index='%d'> has no busNr", bus->index);
                g_string_free(slots, TRUE);
                return NULL;
            }
            root_bus = bus->bus_nr;
            if (g_strcmp0(bus->model, "pci-expander-bus") == 0)
                g_string_prepend(slots, ":00.0");
        }
        at = &bus->address;
    }
    int domain_nr = address->domain < 0 ? 0 : address->domain;
    char *path = g_strdup_printf("%04x:%02x%s", domain_nr, root_bus, slots->str);
    g_string_free(slots, TRUE);
    return path;
}

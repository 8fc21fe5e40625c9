/* of-path.c: one device's bootorder line, as QEMU 7.2 builds it
 * (qdev_get_fw_dev_path + the device's bootindex suffix), from the PCI
 * topology the domain XML describes.  Format strings and device names are those
 * of reference/bootorder.md §3 (checked live by tests/bootorder).
 */
#include "of-path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwneg-error.h"
#include "fwneg-options.h"

/* QEMU hw/pci/pci.c pci_class_descriptions[]: classes with a name; all others
 * (SATA 0x0106, NVMe 0x0108, 0x0180, …) fall back to pciVVVV,DDDD. */
static const struct {
    guint16 class_code;
    guint16 ignored_bits;
    const char *name;
} pci_class_names[] = {
    {0x0001, 0, "display"},
    {0x0100, 0, "scsi"},
    {0x0101, 0, "ide"},
    {0x0102, 0, "fdc"},
    {0x0103, 0, "ipi"},
    {0x0104, 0, "raid"},
    {0x0200, 0, "ethernet"},
    {0x0201, 0, "token-ring"},
    {0x0202, 0, "fddi"},
    {0x0203, 0, "atm"},
    {0x0300, 0x00ff, "display"},
    {0x0400, 0, "video"},
    {0x0401, 0, "sound"},
    {0x0403, 0, "sound"},
    {0x0500, 0, "memory"},
    {0x0501, 0, "flash"},
    {0x0600, 0, "host"},
    {0x0601, 0, "isa"},
    {0x0602, 0, "eisa"},
    {0x0603, 0, "mca"},
    {0x0604, 0, "pci-bridge"},
    {0x0605, 0, "pcmcia"},
    {0x0606, 0, "nubus"},
    {0x0607, 0, "cardbus"},
    {0x0700, 0, "serial"},
    {0x0701, 0, "parallel"},
    {0x0800, 0, "interrupt-controller"},
    {0x0801, 0, "dma-controller"},
    {0x0802, 0, "timer"},
    {0x0803, 0, "rtc"},
    {0x0900, 0, "keyboard"},
    {0x0901, 0, "pen"},
    {0x0902, 0, "mouse"},
    {0x0a00, 0x00ff, "dock"},
    {0x0b00, 0x00ff, "cpu"},
    {0x0c00, 0, "firewire"},
    {0x0c01, 0, "access-bus"},
    {0x0c02, 0, "ssa"},
    {0x0c03, 0, "usb"},
    {0x0c04, 0, "fibre-channel"},
};

char *
fwneg_of_pci_name(guint16 class_code, guint16 vendor, guint16 device)
{
    for (gsize i = 0; i < G_N_ELEMENTS(pci_class_names); i++) {
        guint16 keep = (guint16)~pci_class_names[i].ignored_bits;
        if ((class_code & keep) == (pci_class_names[i].class_code & keep))
            return g_strdup(pci_class_names[i].name);
    }
    return g_strdup_printf("pci%04x,%04x", vendor, device);
}

static gboolean
parse_machine_version(const char *machine, int *major, int *minor)
{
    const char *dash = strrchr(machine, '-');
    int ma = 0, mi = 0;

    if (dash == NULL || sscanf(dash + 1, "%d.%d", &ma, &mi) != 2)
        return FALSE;
    *major = ma;
    *minor = mi;
    return TRUE;
}

void
fwneg_of_context_init(FwnegOfContext *ctx, const FwnegDomain *domain, const char *canonical_machine,
                      const char *sysroot)
{
    const char *arch = domain->arch ? domain->arch : "";
    const char *machine = canonical_machine ? canonical_machine : "";
    gboolean x86 = g_str_equal(arch, "x86_64") || g_str_equal(arch, "i686");
    gboolean arm = g_str_equal(arch, "aarch64") || g_str_equal(arch, "armv7l");

    memset(ctx, 0, sizeof(*ctx));
    ctx->domain = domain;
    ctx->sysroot = sysroot;
    ctx->placement = fwneg_placement_map_new(domain);
    if (x86 && (g_str_has_prefix(machine, "pc-q35-") || g_str_equal(machine, "q35"))) {
        ctx->machine = FWNEG_BOOT_MACHINE_Q35;
        ctx->root = "/pci@i0cf8";
    } else if (x86 && (g_str_has_prefix(machine, "pc-i440fx-") || g_str_equal(machine, "pc"))) {
        ctx->machine = FWNEG_BOOT_MACHINE_PC;
        ctx->root = "/pci@i0cf8";
    } else if (arm && (g_str_has_prefix(machine, "virt-") || g_str_equal(machine, "virt"))) {
        /* GPEX's MMIO regions are aliased, never sysbus-mapped: address -1. */
        ctx->machine = FWNEG_BOOT_MACHINE_ARM_VIRT;
        ctx->root = "/pci@ffffffffffffffff";
    } else {
        ctx->machine = FWNEG_BOOT_MACHINE_UNMODELLED;
        ctx->unmodelled = g_strdup_printf("machine '%s' (arch %s) is not modelled; fwneg predicts "
                                          "bootorder for x86 pc/q35 and ARM virt guests only",
                                          machine, arch);
    }
    parse_machine_version(machine, &ctx->version_major, &ctx->version_minor);
}

void
fwneg_of_context_clear(FwnegOfContext *ctx)
{
    g_clear_pointer(&ctx->unmodelled, g_free);
    g_clear_pointer(&ctx->placement, fwneg_placement_map_free);
}

static gboolean
check_machine(const FwnegOfContext *ctx, const char *what, GError **error)
{
    if (ctx->machine != FWNEG_BOOT_MACHINE_UNMODELLED)
        return TRUE;
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE, "%s is bootable, but %s", what,
                ctx->unmodelled);
    return FALSE;
}

/* ---- PCI topology ------------------------------------------------------- */

static const FwnegController *
find_controller(const FwnegDomain *domain, FwnegControllerType type, int index)
{
    for (guint i = 0; domain->controllers && i < domain->controllers->len; i++) {
        const FwnegController *c = g_ptr_array_index(domain->controllers, i);
        if (c->type == type && c->index == index)
            return c;
    }
    return NULL;
}

static gboolean
is_expander(const FwnegController *c)
{
    return g_strcmp0(c->model, "pci-expander-bus") == 0 ||
           g_strcmp0(c->model, "pcie-expander-bus") == 0;
}

/* "S" or "S,F" in lowercase hex, as pcibus_get_fw_dev_path prints it. */
static char *
slot_function(const FwnegAddress *a)
{
    int function = a->function == FWNEG_UNSET ? 0 : a->function;
    if (function == 0)
        return g_strdup_printf("%x", a->slot);
    return g_strdup_printf("%x,%x", a->slot, function);
}

static gboolean
check_pci_address(const FwnegAddress *a, const char *what, GError **error)
{
    if (a->type == FWNEG_ADDRESS_NONE || (a->type == FWNEG_ADDRESS_PCI && a->slot == FWNEG_UNSET)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_PENDING,
                    "%s has no PCI address yet (libvirt assigns it when the guest is defined)",
                    what);
        return FALSE;
    }
    if (a->type != FWNEG_ADDRESS_PCI) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s has an address of another type where QEMU needs a PCI one", what);
        return FALSE;
    }
    if (a->domain != FWNEG_UNSET && a->domain != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "%s: PCI domain %d: only PCI domain 0 exists on x86 pc/q35 and ARM virt", what,
                    a->domain);
        return FALSE;
    }
    return TRUE;
}

/* Position (1-based) of an expander bus among all expander buses sorted by
 * busNr: QEMU's pxb_dev_list is kept in bus_nr order (pxb_compare). */
static gboolean
expander_position(const FwnegDomain *domain, const FwnegController *pxb, int *position,
                  GError **error)
{
    int rank = 1;

    if (pxb->bus_nr == FWNEG_UNSET) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_PENDING,
                    "<controller type='pci' index='%d' model='%s'> has no <target busNr=…> yet "
                    "(libvirt assigns it when the guest is defined)",
                    pxb->index, pxb->model);
        return FALSE;
    }
    for (guint i = 0; i < domain->controllers->len; i++) {
        const FwnegController *c = g_ptr_array_index(domain->controllers, i);
        if (c != pxb && c->type == FWNEG_CONTROLLER_PCI && is_expander(c) &&
            c->bus_nr != FWNEG_UNSET && c->bus_nr < pxb->bus_nr)
            rank++;
    }
    *position = rank;
    return TRUE;
}

/* The path of PCI bus @bus (a PCI controller index): the host bridge, an
 * expander root, or the bridge/port chain leading to it. */
static char *
pci_bus_path(const FwnegOfContext *ctx, int bus, guint depth, GError **error)
{
    const FwnegController *c = find_controller(ctx->domain, FWNEG_CONTROLLER_PCI, bus);

    if (depth > 256) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "<controller type='pci' index='%d'>: the PCI controllers form a loop", bus);
        return NULL;
    }
    if (c == NULL) {
        if (bus == 0)
            return g_strdup(ctx->root);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_PENDING,
                    "PCI bus %d is used but there is no <controller type='pci' index='%d'> yet "
                    "(libvirt adds it when the guest is defined)",
                    bus, bus);
        return NULL;
    }
    if (g_strcmp0(c->model, "pci-root") == 0 || g_strcmp0(c->model, "pcie-root") == 0 ||
        (c->model == NULL && bus == 0))
        return g_strdup(ctx->root);
    if (is_expander(c)) {
        int position;
        if (!expander_position(ctx->domain, c, &position, error))
            return NULL;
        /* A conventional pxb hides a pci-bridge at slot 0 whose bus its devices use. */
        return g_strdup_printf("%s,%x%s", ctx->root, position,
                               g_str_equal(c->model, "pci-expander-bus") ? "/pci-bridge@0" : "");
    }

    g_autofree char *what = g_strdup_printf("<controller type='pci' index='%d' model='%s'>",
                                            c->index, c->model ? c->model : "");
    if (!check_pci_address(&c->address, what, error))
        return NULL;
    int parent_bus = c->address.bus == FWNEG_UNSET ? 0 : c->address.bus;
    if (parent_bus == bus) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s sits on its own bus %d",
                    what, bus);
        return NULL;
    }
    g_autofree char *parent = pci_bus_path(ctx, parent_bus, depth + 1, error);
    if (parent == NULL)
        return NULL;
    g_autofree char *sf = slot_function(&c->address);
    /* Every bridge and PCIe port has class 0x0604. */
    return g_strdup_printf("%s/pci-bridge@%s", parent, sf);
}

/* @name@S[,F] on the device's PCI bus. */
static char *
pci_device_path(const FwnegOfContext *ctx, const FwnegAddress *a, const char *name,
                const char *what, GError **error)
{
    if (!check_pci_address(a, what, error))
        return NULL;
    g_autofree char *bus = pci_bus_path(ctx, a->bus == FWNEG_UNSET ? 0 : a->bus, 0, error);
    if (bus == NULL)
        return NULL;
    g_autofree char *sf = slot_function(a);
    return g_strdup_printf("%s/%s@%s", bus, name, sf);
}

/* The LPC/ISA bridge: PIIX3 00:01.0 on pc, ICH9 LPC 00:1f.0 on q35. */
static char *
isa_bridge_path(const FwnegOfContext *ctx, const char *what, GError **error)
{
    if (ctx->machine == FWNEG_BOOT_MACHINE_PC)
        return g_strdup_printf("%s/isa@1", ctx->root);
    if (ctx->machine == FWNEG_BOOT_MACHINE_Q35)
        return g_strdup_printf("%s/isa@1f", ctx->root);
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                "%s: this machine has no ISA bus (floppies exist on x86 pc and q35 only)", what);
    return NULL;
}

/* USB controller @index's PCI path then "hub@X/" per hub level, ports in hex. */
static char *
usb_port_path(const FwnegOfContext *ctx, const FwnegAddress *a, const char *name, const char *what,
              GError **error)
{
    if (a->type != FWNEG_ADDRESS_USB || a->usb_port == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_PENDING,
                    "%s has no USB port yet (libvirt assigns it when the guest is defined)", what);
        return NULL;
    }
    int usb_bus = a->usb_bus == FWNEG_UNSET ? 0 : a->usb_bus;
    const FwnegController *c = find_controller(ctx->domain, FWNEG_CONTROLLER_USB, usb_bus);
    if (c == NULL || g_strcmp0(c->model, "none") == 0) {
        g_set_error(error, FWNEG_ERROR, c == NULL ? FWNEG_ERROR_PENDING : FWNEG_ERROR_INVALID_INPUT,
                    "%s: there is no <controller type='usb' index='%d'> for its USB bus%s", what,
                    usb_bus, c == NULL ? " yet (libvirt adds it when the guest is defined)" : "");
        return NULL;
    }
    g_autofree char *controller_what =
        g_strdup_printf("<controller type='usb' index='%d'>", usb_bus);
    g_autofree char *controller = pci_device_path(ctx, &c->address, "usb", controller_what, error);
    if (controller == NULL)
        return NULL;

    GString *path = g_string_new(controller);
    g_auto(GStrv) ports = g_strsplit(a->usb_port, ".", -1);
    for (guint i = 0; ports[i] != NULL; i++) {
        guint64 port = g_ascii_strtoull(ports[i], NULL, 10);
        if (ports[i + 1] != NULL)
            g_string_append_printf(path, "/hub@%" G_GINT64_MODIFIER "x", port);
        else
            g_string_append_printf(path, "/%s@%" G_GINT64_MODIFIER "x", name, port);
    }
    return g_string_free(path, FALSE);
}

/* The device part must fit QEMU's 128-byte buffer (qdev_get_fw_dev_path); a
 * longer one would be cut or overflow there, so refuse to predict it. */
static char *
finish_path(char *device_part, const char *suffix, const char *what, GError **error)
{
    g_autofree char *owned = device_part;

    if (owned == NULL)
        return NULL;
    if (strlen(owned) > FWNEG_OF_DEVICE_PATH_MAX) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "%s: boot path '%s' is %zu characters, longer than QEMU's 128-byte device "
                    "path buffer allows (%d); QEMU would corrupt it: put the device on a "
                    "shallower PCI bus",
                    what, owned, strlen(owned), FWNEG_OF_DEVICE_PATH_MAX);
        return NULL;
    }
    return g_strconcat(owned, suffix, NULL);
}

/* ---- placed devices: virtio-mmio transports, auto-placed PCI slots ------ */

/* QEMU 7.2 hw/arm/virt.c: 32 transports of 0x200 bytes from 0x0a000000. */
#define ARM_VIRT_MMIO_BASE       0x0a000000u
#define ARM_VIRT_MMIO_SIZE       0x200u
#define ARM_VIRT_MMIO_TRANSPORTS 32

static gboolean
check_placement(const FwnegPlacement *p, const char *what, const char *looking_for, GError **error)
{
    if (p->index >= 0)
        return TRUE;
    g_set_error(error, FWNEG_ERROR, p->pending ? FWNEG_ERROR_PENDING : FWNEG_ERROR_UNSATISFIABLE,
                "%s: its %s is not known: %s", what, looking_for, p->why ? p->why : "?");
    return FALSE;
}

/* "/virtio-mmio@%016x" of the transport QEMU gives the device. */
static char *
virtio_mmio_path(const FwnegOfContext *ctx, const FwnegPlacement *p, const char *what,
                 GError **error)
{
    if (ctx->machine != FWNEG_BOOT_MACHINE_ARM_VIRT) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "%s: virtio-mmio boot paths are modelled on ARM virt only", what);
        return NULL;
    }
    if (!check_placement(p, what, "virtio-mmio transport", error))
        return NULL;
    if (p->index >= ARM_VIRT_MMIO_TRANSPORTS) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "%s is virtio-mmio device number %d on QEMU's command line, but the virt "
                    "machine has %d transports: QEMU refuses it (No 'virtio-bus' bus found)",
                    what, p->index + 1, ARM_VIRT_MMIO_TRANSPORTS);
        return NULL;
    }
    /* The k-th device takes the free transport with the highest number. */
    guint64 base = ARM_VIRT_MMIO_BASE +
                   (guint64)(ARM_VIRT_MMIO_TRANSPORTS - 1 - p->index) * ARM_VIRT_MMIO_SIZE;
    return g_strdup_printf("/virtio-mmio@%016" G_GINT64_MODIFIER "x", base);
}

gboolean
fwneg_of_check_transports(const FwnegOfContext *ctx, GError **error)
{
    if (ctx->machine != FWNEG_BOOT_MACHINE_ARM_VIRT ||
        ctx->placement->n_virtio_mmio <= ARM_VIRT_MMIO_TRANSPORTS)
        return TRUE;
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                "%u virtio-mmio devices, but the virt machine has %d transports: QEMU refuses "
                "the guest (No 'virtio-bus' bus found)",
                ctx->placement->n_virtio_mmio, ARM_VIRT_MMIO_TRANSPORTS);
    return FALSE;
}

/* NAME@SLOT on the root bus, for a PCI device QEMU placed itself. */
static char *
auto_pci_path(const FwnegOfContext *ctx, const FwnegPlacement *p, const char *name,
              const char *what, GError **error)
{
    if (!check_placement(p, what, "PCI slot", error))
        return NULL;
    return g_strdup_printf("%s/%s@%x", ctx->root, name, p->index);
}

/* The PCI path of a device that may also be placed on virtio-mmio (with
 * @mmio_suffix after the transport) or on an auto-placed root slot. */
static char *
placed_device_path(const FwnegOfContext *ctx, const FwnegPlacement *p, const FwnegAddress *a,
                   const char *pci_name, const char *what, GError **error)
{
    if (p != NULL && p->kind == FWNEG_PLACE_VIRTIO_MMIO)
        return virtio_mmio_path(ctx, p, what, error);
    if (p != NULL && p->kind == FWNEG_PLACE_PCI_AUTO)
        return auto_pci_path(ctx, p, pci_name, what, error);
    return pci_device_path(ctx, a, pci_name, what, error);
}

static int
controller_array_index(const FwnegDomain *domain, const FwnegController *c)
{
    for (guint i = 0; i < domain->controllers->len; i++)
        if (g_ptr_array_index(domain->controllers, i) == c)
            return (int)i;
    return -1;
}

/* ---- disks -------------------------------------------------------------- */

/* The drive address libvirt gives the disk (virDomainDiskDefAssignAddress)
 * when the XML has none.  FALSE when it cannot be derived here. */
static gboolean
disk_drive_address(const FwnegDisk *disk, int *controller, int *bus, int *target, int *unit)
{
    const FwnegAddress *a = &disk->address;
    int idx;

    if (a->type == FWNEG_ADDRESS_DRIVE) {
        *controller = a->controller == FWNEG_UNSET ? 0 : a->controller;
        *bus = a->drive_bus == FWNEG_UNSET ? 0 : a->drive_bus;
        *target = a->target == FWNEG_UNSET ? 0 : a->target;
        *unit = a->unit == FWNEG_UNSET ? 0 : a->unit;
        return TRUE;
    }
    if (a->type != FWNEG_ADDRESS_NONE || (idx = fwneg_disk_name_to_index(disk->target_dev)) < 0)
        return FALSE;
    *target = 0;
    if (g_strcmp0(disk->bus, "ide") == 0) {
        *controller = idx / 4;
        *bus = (idx % 4) / 2;
        *unit = idx % 2;
    } else if (g_strcmp0(disk->bus, "sata") == 0) {
        *controller = idx / 6;
        *bus = 0;
        *unit = idx % 6;
    } else if (g_strcmp0(disk->bus, "fdc") == 0) {
        *controller = 0;
        *bus = 0;
        *unit = idx % 2;
    } else if (g_strcmp0(disk->bus, "scsi") == 0 && idx < 7) {
        /* Beyond 7 units the split depends on the controller model's bus width. */
        *controller = 0;
        *bus = 0;
        *unit = idx;
    } else {
        return FALSE;
    }
    return TRUE;
}

gboolean
fwneg_of_disk_drive_address(const FwnegDisk *disk, int *controller, int *bus, int *target,
                            int *unit)
{
    return disk_drive_address(disk, controller, bus, target, unit);
}

/* SCSI HBA models whose devices libvirt addresses with scsi-id = unit only
 * (qemuBuildDeviceAddressDriveProps); NULL is libvirt's default, lsilogic. */
static gboolean
scsi_model_uses_unit_as_id(const char *model)
{
    return model == NULL || g_str_equal(model, "lsilogic") || g_str_equal(model, "ncr53c90") ||
           g_str_equal(model, "am53c974") || g_str_equal(model, "dc390");
}

static char *
scsi_disk_path(const FwnegOfContext *ctx, const FwnegDisk *disk, const char *what, GError **error)
{
    int controller, bus, target, unit;

    if (!disk_drive_address(disk, &controller, &bus, &target, &unit)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_PENDING,
                    "%s has no drive address yet (libvirt assigns it when the guest is defined)",
                    what);
        return NULL;
    }
    const FwnegController *c = find_controller(ctx->domain, FWNEG_CONTROLLER_SCSI, controller);
    if (c == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_PENDING,
                    "%s: there is no <controller type='scsi' index='%d'> yet (libvirt adds it "
                    "when the guest is defined)",
                    what, controller);
        return NULL;
    }
    if (c->model != NULL &&
        (g_str_equal(c->model, "ibmvscsi") || g_str_equal(c->model, "virtio-mmio"))) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "%s: SCSI controller model '%s' is not modelled for boot order", what,
                    c->model);
        return NULL;
    }
    g_autofree char *controller_what =
        g_strdup_printf("<controller type='scsi' index='%d'>", controller);
    /* megasas (lsisas1078) has class 0x0104 RAID; every other HBA 0x0100. */
    const char *name = g_strcmp0(c->model, "lsisas1078") == 0 ? "raid" : "scsi";
    int c_index = controller_array_index(ctx->domain, c);
    const FwnegPlacement *p = c_index >= 0 ? &ctx->placement->controllers[c_index] : NULL;
    g_autofree char *hba = placed_device_path(ctx, p, &c->address, name, controller_what, error);
    if (hba == NULL)
        return NULL;
    /* virtio-scsi-device: the same bus formatter as on PCI */
    if (scsi_model_uses_unit_as_id(c->model))
        return g_strdup_printf("%s/channel@0/disk@%x,0", hba, unit);
    return g_strdup_printf("%s/channel@%x/disk@%x,%x", hba, bus, target, unit);
}

char *
fwneg_of_disk_path(const FwnegOfContext *ctx, const FwnegDisk *disk, guint index, GError **error)
{
    g_autofree char *label = fwneg_disk_label(disk, index);
    g_autofree char *what =
        g_strdup_printf("<disk> %s (bus '%s')", label, disk->bus ? disk->bus : "");
    const char *bus = disk->bus ? disk->bus : "";
    int controller, drive_bus, target, unit;

    if (!check_machine(ctx, what, error))
        return NULL;
    if (g_str_equal(bus, "virtio")) {
        /* virtio-blk-pci: class 0x0100; virtio-bus is transparent (virtio-blk-device
         * on a virtio-mmio transport likewise). */
        return finish_path(placed_device_path(ctx, &ctx->placement->disks[index], &disk->address,
                                              "scsi", what, error),
                           "/disk@0,0", what, error);
    }
    if (g_str_equal(bus, "scsi"))
        return finish_path(scsi_disk_path(ctx, disk, what, error), "", what, error);
    if (g_str_equal(bus, "usb"))
        return finish_path(usb_port_path(ctx, &disk->address, "storage", what, error),
                           "/channel@0/disk@0,0", what, error);

    if (g_str_equal(bus, "ide") || g_str_equal(bus, "sata") || g_str_equal(bus, "fdc")) {
        if (!disk_drive_address(disk, &controller, &drive_bus, &target, &unit)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s has no drive address and its target dev '%s' is not a disk name; "
                        "pass the defined XML (virsh dumpxml NAME)",
                        what, disk->target_dev ? disk->target_dev : "");
            return NULL;
        }
    }
    if (g_str_equal(bus, "ide")) {
        if (ctx->machine != FWNEG_BOOT_MACHINE_PC || controller != 0) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                        "%s: IDE controller %d does not exist on this machine (only pc has one, "
                        "the PIIX3 IDE at 00:01.1)",
                        what, controller);
            return NULL;
        }
        return finish_path(g_strdup_printf("%s/ide@1,1/drive@%x", ctx->root, drive_bus),
                           unit ? "/disk@1" : "/disk@0", what, error);
    }
    if (g_str_equal(bus, "sata")) {
        const FwnegController *c = find_controller(ctx->domain, FWNEG_CONTROLLER_SATA, controller);
        FwnegAddress builtin = {
            .type = FWNEG_ADDRESS_PCI, .domain = 0, .bus = 0, .slot = 0x1f, .function = 2};
        const FwnegAddress *a = c ? &c->address : NULL;
        /* q35's built-in ICH9 AHCI (sata0) is at 00:1f.2 whether the XML says so or not. */
        if (ctx->machine == FWNEG_BOOT_MACHINE_Q35 && controller == 0 &&
            (a == NULL || a->type == FWNEG_ADDRESS_NONE))
            a = &builtin;
        if (a == NULL) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: there is no <controller type='sata' index='%d'>; pass the defined "
                        "XML (virsh dumpxml NAME)",
                        what, controller);
            return NULL;
        }
        g_autofree char *controller_what =
            g_strdup_printf("<controller type='sata' index='%d'>", controller);
        g_autofree char *ahci = pci_device_path(ctx, a, "pci8086,2922", controller_what, error);
        if (ahci == NULL)
            return NULL;
        return finish_path(g_strdup_printf("%s/drive@%x", ahci, unit), "/disk@0", what, error);
    }
    if (g_str_equal(bus, "fdc")) {
        g_autofree char *isa = isa_bridge_path(ctx, what, error);
        if (isa == NULL)
            return NULL;
        g_autofree char *suffix = g_strdup_printf("/floppy@%x", unit);
        return finish_path(g_strdup_printf("%s/fdc@03f0", isa), suffix, what, error);
    }
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                "%s: disk bus '%s' is not modelled for boot order (virtio, scsi, usb, ide, sata "
                "and fdc are)",
                what, bus);
    return NULL;
}

/* ---- interfaces and host devices ---------------------------------------- */

static char *vfio_pci_path(const FwnegOfContext *ctx, const FwnegAddress *source,
                           const FwnegAddress *guest, const char *what, GError **error);

char *
fwneg_of_interface_path(const FwnegOfContext *ctx, const FwnegInterface *iface, guint index,
                        GError **error)
{
    g_autofree char *label = fwneg_interface_label(iface, index);
    g_autofree char *what = g_strdup_printf("<interface> %s", label);

    if (!check_machine(ctx, what, error))
        return NULL;
    if (g_strcmp0(iface->type, "hostdev") == 0)
        return finish_path(vfio_pci_path(ctx, &iface->hostdev_source, &iface->address, what, error),
                           "", what, error);
    if (g_strcmp0(iface->model, "usb-net") == 0)
        return finish_path(usb_port_path(ctx, &iface->address, "network", what, error),
                           "/ethernet-phy@0", what, error);
    /* Every PCI NIC QEMU has is class 0x0200; virtio-net-device on a transport. */
    return finish_path(placed_device_path(ctx, &ctx->placement->interfaces[index], &iface->address,
                                          "ethernet", what, error),
                       "/ethernet-phy@0", what, error);
}

static gboolean
read_sysfs_hex(const char *dir, const char *file, guint64 *value, GError **error)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                    "cannot read %s: the host PCI device must exist to predict its boot path",
                    path);
        return FALSE;
    }
    *value = g_ascii_strtoull(g_strstrip(text), NULL, 16);
    return TRUE;
}

/* vfio-pci copies the host device's config space: its class names the node
 * (QEMU hw/pci/pci.c pci_dev_fw_name), read from sysfs inside the sysroot. */
static char *
vfio_pci_path(const FwnegOfContext *ctx, const FwnegAddress *source, const FwnegAddress *guest,
              const char *what, GError **error)
{
    if (source->type != FWNEG_ADDRESS_PCI) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s has no host PCI address (<source><address type='pci' …/>)", what);
        return NULL;
    }
    g_autofree char *host_dir =
        g_strdup_printf("/sys/bus/pci/devices/%04x:%02x:%02x.%x",
                        source->domain == FWNEG_UNSET ? 0 : source->domain,
                        source->bus == FWNEG_UNSET ? 0 : source->bus,
                        source->slot == FWNEG_UNSET ? 0 : source->slot,
                        source->function == FWNEG_UNSET ? 0 : source->function);
    g_autofree char *dir = fwneg_sysroot_path(ctx->sysroot, host_dir);
    guint64 class_code, vendor, device;
    if (!read_sysfs_hex(dir, "class", &class_code, error) ||
        !read_sysfs_hex(dir, "vendor", &vendor, error) ||
        !read_sysfs_hex(dir, "device", &device, error)) {
        g_prefix_error(error, "%s: ", what);
        return NULL;
    }
    g_autofree char *name =
        fwneg_of_pci_name((guint16)(class_code >> 8), (guint16)vendor, (guint16)device);
    return pci_device_path(ctx, guest, name, what, error);
}

char *
fwneg_of_hostdev_path(const FwnegOfContext *ctx, const FwnegHostdev *hostdev, guint index,
                      GError **error)
{
    g_autofree char *what = hostdev->alias ? g_strdup_printf("<hostdev> %s", hostdev->alias)
                                           : g_strdup_printf("<hostdev> hostdev[%u]", index);

    if (!check_machine(ctx, what, error))
        return NULL;
    if (g_strcmp0(hostdev->type, "pci") == 0) /* vfio-pci: no suffix */
        return finish_path(vfio_pci_path(ctx, &hostdev->source, &hostdev->address, what, error), "",
                           what, error);
    if (g_strcmp0(hostdev->type, "usb") == 0)
        return finish_path(usb_port_path(ctx, &hostdev->address, "usb-host", what, error), "", what,
                           error);
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                "%s: host device type '%s' is not modelled for boot order (pci and usb are)", what,
                hostdev->type ? hostdev->type : "");
    return NULL;
}

/* ---- filesystems -------------------------------------------------------- */

char *
fwneg_of_filesystem_path(const FwnegOfContext *ctx, const FwnegFilesystem *fs, guint index,
                         GError **error)
{
    g_autofree char *what =
        fs->alias ? g_strdup_printf("<filesystem> %s", fs->alias)
                  : g_strdup_printf("<filesystem> %s", fs->target_dir ? fs->target_dir : "?");

    if (!check_machine(ctx, what, error))
        return NULL;
    if (g_strcmp0(fs->driver, "virtiofs") != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: boot order is only supported for virtiofs (libvirt 9.0)", what);
        return NULL;
    }
    /* vhost-user-fs-pci is class 0x0180 (no name): pci1af4,105a (modern id 0x1040+26). */
    return finish_path(placed_device_path(ctx, &ctx->placement->filesystems[index], &fs->address,
                                          "pci1af4,105a", what, error),
                       "/filesystem@0", what, error);
}

/* bootorder-plan.c: the boot-order stage of the planner.
 *
 * Gives every device the bootindex libvirt 9.0 gives it (boot-legacy.c), its
 * OpenFirmware path (of-path.c), sorts the entries as QEMU does
 * (add_boot_device_path: ascending bootindex) and appends HALT, since libvirt
 * always passes -boot strict=on.  Also records the boot menu (-boot menu=,
 * splash-time=) and, on ARM virt, the device-tree nodes of the boot entries.
 */
#include "bootorder-plan.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "boot-legacy.h"
#include "fdt-nodes.h"
#include "fwneg-error.h"
#include "fwneg-options.h"
#include "of-path.h"

#define KERNEL_HEADER_BYTES 8192

/* QEMU's ROM name for x86 -kernel (hw/i386/x86.c x86_load_linux): a bzImage
 * ("HdrS" at 0x202) gets linuxboot, a multiboot image multiboot, an ELF PVH
 * image pvh; machine types before 2.7 have no fw_cfg DMA option ROMs. */
static char *
kernel_rom_path(const FwnegOfContext *ctx, const char *kernel)
{
    gboolean dma = ctx->version_major == 0 ||
                   (ctx->version_major > 2 || (ctx->version_major == 2 && ctx->version_minor >= 7));
    g_autofree char *header = NULL;
    gsize len = 0;
    const char *rom = dma ? "linuxboot_dma.bin" : "linuxboot.bin";

    if (g_file_get_contents(kernel, &header, &len, NULL)) {
        gsize n = MIN(len, (gsize)KERNEL_HEADER_BYTES);
        gboolean bzimage = len >= 0x206 && memcmp(header + 0x202, "HdrS", 4) == 0;
        gboolean multiboot = FALSE;
        for (gsize off = 0; !bzimage && off + 12 <= n && !multiboot; off += 4) {
            guint32 magic = GUINT32_FROM_LE(*(guint32 *)(header + off));
            guint32 flags = GUINT32_FROM_LE(*(guint32 *)(header + off + 4));
            guint32 checksum = GUINT32_FROM_LE(*(guint32 *)(header + off + 8));
            multiboot = magic == 0x1BADB002 && (guint32)(magic + flags + checksum) == 0;
        }
        if (multiboot)
            rom = dma ? "multiboot_dma.bin" : "multiboot.bin";
        else if (!bzimage && len >= 4 && memcmp(header, "\177ELF", 4) == 0)
            rom = "pvh.bin";
    }
    return g_strdup_printf("/rom@genroms/%s", rom);
}

/* libvirt 9.0's QEMU device id for a disk (qemuAssignDeviceDiskAlias): drive
 * addressed buses by controller-bus-[target-]unit, others by target index. */
static char *
disk_qemu_id(const FwnegDomain *domain, const FwnegDisk *disk)
{
    int controller, bus, target, unit;
    const char *prefix = disk->bus ? disk->bus : "disk";

    if (disk->alias != NULL)
        return g_strdup(disk->alias);
    if (disk->address.type != FWNEG_ADDRESS_PCI && disk->address.type != FWNEG_ADDRESS_USB &&
        g_strcmp0(disk->bus, "virtio") != 0 && g_strcmp0(disk->bus, "usb") != 0 &&
        fwneg_of_disk_drive_address(disk, &controller, &bus, &target, &unit)) {
        gboolean lsilogic = FALSE;
        if (g_strcmp0(disk->bus, "scsi") == 0) {
            for (guint i = 0; domain->controllers && i < domain->controllers->len; i++) {
                const FwnegController *c = g_ptr_array_index(domain->controllers, i);
                if (c->type == FWNEG_CONTROLLER_SCSI && c->index == controller)
                    lsilogic = c->model == NULL || g_str_equal(c->model, "lsilogic");
            }
        }
        if (g_strcmp0(disk->bus, "scsi") != 0 || lsilogic)
            return g_strdup_printf("%s%d-%d-%d", prefix, controller, bus, unit);
        return g_strdup_printf("%s%d-%d-%d-%d", prefix, controller, bus, target, unit);
    }
    return g_strdup_printf("%s-disk%d", prefix, fwneg_disk_name_to_index(disk->target_dev));
}

static FwnegBootEntry *
entry_new(char *path, char *device, char *qemu_id, int bootindex, int floppy_unit)
{
    FwnegBootEntry *entry = g_new0(FwnegBootEntry, 1);
    entry->path = path;
    entry->device = device;
    entry->qemu_id = qemu_id;
    entry->bootindex = bootindex;
    entry->floppy_unit = floppy_unit;
    return entry;
}

static gboolean
check_kernel_machine(const FwnegOfContext *ctx, GError **error)
{
    if (ctx->machine != FWNEG_BOOT_MACHINE_UNMODELLED)
        return TRUE;
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                "<kernel> boots first (QEMU's linuxboot option ROM), but %s", ctx->unmodelled);
    return FALSE;
}

static gint
compare_bootindex(gconstpointer a, gconstpointer b)
{
    const FwnegBootEntry *x = *(FwnegBootEntry *const *)a;
    const FwnegBootEntry *y = *(FwnegBootEntry *const *)b;
    return (x->bootindex > y->bootindex) - (x->bootindex < y->bootindex);
}

static gboolean
collect_entries(const FwnegOfContext *ctx, const FwnegDomain *domain, GPtrArray *entries,
                GError **error)
{
    guint n_disks = domain->disks ? domain->disks->len : 0;
    guint n_interfaces = domain->interfaces ? domain->interfaces->len : 0;
    guint n_hostdevs = domain->hostdevs ? domain->hostdevs->len : 0;
    g_autofree int *disk_index = g_new0(int, n_disks + 1);
    g_autofree int *interface_index = g_new0(int, n_interfaces + 1);
    g_autofree int *hostdev_index = g_new0(int, n_hostdevs + 1);

    fwneg_boot_effective_indexes(domain, disk_index, interface_index, hostdev_index);

    for (guint i = 0; i < n_disks; i++) {
        const FwnegDisk *disk = g_ptr_array_index(domain->disks, i);
        if (disk_index[i] <= 0)
            continue;
        char *path = fwneg_of_disk_path(ctx, disk, i, error);
        if (path == NULL)
            return FALSE;
        gboolean floppy = g_strcmp0(disk->bus, "fdc") == 0;
        int controller = 0, bus = 0, target = 0, unit = 0;
        fwneg_of_disk_drive_address(disk, &controller, &bus, &target, &unit);
        g_ptr_array_add(entries, entry_new(path, fwneg_disk_label(disk, i),
                                           floppy ? NULL : disk_qemu_id(domain, disk),
                                           disk_index[i], floppy ? unit : -1));
    }
    /* libvirt's aliases (qemuAssignDeviceAliases): netN counts the emulated
     * NICs; a type='hostdev' NIC is hostdevN, numbered before the <hostdev>s. */
    guint nets = 0, hostdev_nics = 0;
    for (guint i = 0; i < n_interfaces; i++) {
        const FwnegInterface *iface = g_ptr_array_index(domain->interfaces, i);
        gboolean hostdev_nic = g_strcmp0(iface->type, "hostdev") == 0;
        guint number = hostdev_nic ? hostdev_nics++ : nets++;
        if (interface_index[i] <= 0)
            continue;
        char *path = fwneg_of_interface_path(ctx, iface, i, error);
        if (path == NULL)
            return FALSE;
        char *id = iface->alias ? g_strdup(iface->alias)
                                : g_strdup_printf("%s%u", hostdev_nic ? "hostdev" : "net", number);
        g_ptr_array_add(
            entries, entry_new(path, fwneg_interface_label(iface, i), id, interface_index[i], -1));
    }
    for (guint i = 0; i < n_hostdevs; i++) {
        const FwnegHostdev *hostdev = g_ptr_array_index(domain->hostdevs, i);
        if (hostdev_index[i] <= 0)
            continue;
        char *path = fwneg_of_hostdev_path(ctx, hostdev, i, error);
        if (path == NULL)
            return FALSE;
        char *label = hostdev->alias ? g_strdup(hostdev->alias) : g_strdup_printf("hostdev[%u]", i);
        char *id = hostdev->alias ? g_strdup(hostdev->alias)
                                  : g_strdup_printf("hostdev%u", hostdev_nics + i);
        g_ptr_array_add(entries, entry_new(path, label, id, hostdev_index[i], -1));
    }
    /* virtiofs: only its own <boot order> (qemuBuildVHostUserFsDevProps uses
     * bootIndex, never the legacy <os><boot dev> conversion). */
    for (guint i = 0; domain->filesystems && i < domain->filesystems->len; i++) {
        const FwnegFilesystem *fs = g_ptr_array_index(domain->filesystems, i);
        if (fs->boot_order == FWNEG_UNSET)
            continue;
        char *path = fwneg_of_filesystem_path(ctx, fs, i, error);
        if (path == NULL)
            return FALSE;
        char *label = fs->alias        ? g_strdup(fs->alias)
                      : fs->target_dir ? g_strdup(fs->target_dir)
                                       : g_strdup_printf("filesystem[%u]", i);
        char *id = fs->alias ? g_strdup(fs->alias) : g_strdup_printf("fs%u", i);
        g_ptr_array_add(entries, entry_new(path, label, id, fs->boot_order, -1));
    }
    /* The x86 -kernel option ROM takes bootindex 0 during machine init (ARM
     * and RISC-V -kernel add no entry). */
    gboolean x86 = g_strcmp0(domain->arch, "x86_64") == 0 || g_strcmp0(domain->arch, "i686") == 0;
    if (domain->kernel != NULL && x86) {
        if (!check_kernel_machine(ctx, error))
            return FALSE;
        g_ptr_array_add(entries,
                        entry_new(kernel_rom_path(ctx, domain->kernel), NULL, NULL, 0, -1));
    }
    g_ptr_array_sort(entries, compare_bootindex);
    return TRUE;
}

void
fwneg_boot_entry_free(FwnegBootEntry *entry)
{
    if (entry == NULL)
        return;
    g_free(entry->path);
    g_free(entry->device);
    g_free(entry->qemu_id);
    g_free(entry);
}

void
fwneg_boot_order_free(FwnegBootOrder *order)
{
    if (order == NULL)
        return;
    g_clear_pointer(&order->lines, g_ptr_array_unref);
    g_clear_pointer(&order->entries, g_ptr_array_unref);
    g_free(order->fdt_file);
    g_clear_pointer(&order->fdt_nodes, g_ptr_array_unref);
    g_free(order->pending);
    g_free(order);
}

/* The <dtb> is a host file: unreadable or not a device tree is the host's
 * problem (exit 1), read inside the sysroot like every host path. */
static gboolean
plan_fdt(const FwnegDomain *domain, const char *sysroot, FwnegBootOrder *order, GError **error)
{
    g_autoptr(GBytes) dtb = NULL;

    order->has_fdt = TRUE;
    order->fdt_file = g_strdup(domain->dtb);
    if (domain->dtb != NULL) {
        g_autofree char *path = fwneg_sysroot_path(sysroot, domain->dtb);
        g_autoptr(GError) read_error = NULL;
        g_autoptr(GMappedFile) file = NULL;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        int saved_errno = errno;
        if (fd >= 0) {
            file = g_mapped_file_new_from_fd(fd, FALSE, &read_error);
            close(fd);
        }
        if (file == NULL) {
            /* The path as the host sees it, not its place in the sysroot. */
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                        "<os><dtb>%s</dtb>: cannot read the device tree: %s", domain->dtb,
                        fd < 0 ? g_strerror(saved_errno) : read_error->message);
            return FALSE;
        }
        dtb = g_mapped_file_get_bytes(file);
    }
    g_autoptr(GPtrArray) nodes =
        fwneg_fdt_boot_nodes(order->lines, dtb, domain->dtb ? domain->dtb : "", error);
    if (nodes == NULL)
        return FALSE;
    for (guint i = 0; i < nodes->len; i++)
        g_ptr_array_add(order->fdt_nodes, g_strdup(g_ptr_array_index(nodes, i)));
    return TRUE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FwnegOfContext, fwneg_of_context_clear)

FwnegBootOrder *
fwneg_bootorder_plan(const FwnegDomain *domain, const char *canonical_machine, const char *sysroot,
                     GError **error)
{
    g_auto(FwnegOfContext) ctx;
    g_autoptr(FwnegBootOrder) order = g_new0(FwnegBootOrder, 1);
    order->lines = g_ptr_array_new_with_free_func(g_free);
    order->entries = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_boot_entry_free);
    order->fdt_nodes = g_ptr_array_new_with_free_func(g_free);

    fwneg_of_context_init(&ctx, domain, canonical_machine, sysroot);
    if (!fwneg_of_check_transports(&ctx, error)) {
        g_prefix_error(error, "%s: ", domain->source_name);
        return NULL;
    }
    g_autoptr(GError) collect_error = NULL;
    if (!collect_entries(&ctx, domain, order->entries, &collect_error)) {
        if (!g_error_matches(collect_error, FWNEG_ERROR, FWNEG_ERROR_PENDING)) {
            g_propagate_prefixed_error(error, g_steal_pointer(&collect_error),
                                       "%s: ", domain->source_name);
            return NULL;
        }
        /* Not an error of this document: the lines wait for libvirt's addresses. */
        g_ptr_array_set_size(order->entries, 0);
        order->pending = g_strdup(collect_error->message);
    }

    for (guint i = 0; i < order->entries->len; i++)
        g_ptr_array_add(order->lines,
                        g_strdup(((FwnegBootEntry *)g_ptr_array_index(order->entries, i))->path));
    /* libvirt 9.0 always passes strict=on; QEMU adds HALT only after an entry. */
    order->strict = TRUE;
    if (order->entries->len > 0)
        g_ptr_array_add(order->lines, g_strdup("HALT"));

    /* libvirt reads <bootmenu timeout> only with enable='yes' (-boot
     * menu=on,splash-time=MS; QEMU's etc/boot-menu-wait is the fw_cfg stage's). */
    order->menu = domain->bootmenu_enable;
    order->menu_timeout = FWNEG_UNSET;
    if (domain->bootmenu_enable == FWNEG_TRISTATE_YES)
        order->menu_timeout = domain->bootmenu_timeout;

    /* With pending lines the <dtb> is still read: a bad file is a host problem now. */
    if (ctx.machine == FWNEG_BOOT_MACHINE_ARM_VIRT && !plan_fdt(domain, sysroot, order, error)) {
        g_prefix_error(error, "%s: ", domain->source_name);
        return NULL;
    }
    return g_steal_pointer(&order);
}

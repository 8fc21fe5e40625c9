/* domain.c: lifetime of FwnegDomain and the small lookups every consumer of
 * the domain model needs (arch → QEMU target, labels for messages). */
#include "domain.h"

#include <string.h>

static void
address_init(FwnegAddress *address)
{
    *address = (FwnegAddress){
        .type = FWNEG_ADDRESS_NONE,
        .domain = FWNEG_UNSET,
        .bus = FWNEG_UNSET,
        .slot = FWNEG_UNSET,
        .function = FWNEG_UNSET,
        .multifunction = FWNEG_TRISTATE_ABSENT,
        .controller = FWNEG_UNSET,
        .drive_bus = FWNEG_UNSET,
        .target = FWNEG_UNSET,
        .unit = FWNEG_UNSET,
        .usb_bus = FWNEG_UNSET,
        .usb_port = NULL,
    };
}

static void
address_clear(FwnegAddress *address)
{
    g_clear_pointer(&address->usb_port, g_free);
}

static void
rom_clear(FwnegRom *rom)
{
    g_clear_pointer(&rom->file, g_free);
}

void
fwneg_controller_free(FwnegController *controller)
{
    if (controller == NULL)
        return;
    g_free(controller->type_name);
    g_free(controller->model);
    g_free(controller->alias);
    address_clear(&controller->address);
    g_free(controller);
}

void
fwneg_disk_free(FwnegDisk *disk)
{
    if (disk == NULL)
        return;
    g_free(disk->device);
    g_free(disk->bus);
    g_free(disk->target_dev);
    g_free(disk->source);
    g_free(disk->alias);
    address_clear(&disk->address);
    g_free(disk);
}

void
fwneg_interface_free(FwnegInterface *iface)
{
    if (iface == NULL)
        return;
    g_free(iface->type);
    g_free(iface->mac);
    g_free(iface->model);
    g_free(iface->alias);
    rom_clear(&iface->rom);
    address_clear(&iface->address);
    address_clear(&iface->hostdev_source);
    g_free(iface);
}

void
fwneg_hostdev_free(FwnegHostdev *hostdev)
{
    if (hostdev == NULL)
        return;
    g_free(hostdev->type);
    address_clear(&hostdev->source);
    g_free(hostdev->alias);
    rom_clear(&hostdev->rom);
    address_clear(&hostdev->address);
    g_free(hostdev);
}

void
fwneg_video_free(FwnegVideo *video)
{
    if (video == NULL)
        return;
    g_free(video->model);
    g_free(video->alias);
    address_clear(&video->address);
    g_free(video);
}

void
fwneg_filesystem_free(FwnegFilesystem *fs)
{
    if (fs == NULL)
        return;
    g_free(fs->type);
    g_free(fs->driver);
    g_free(fs->target_dir);
    g_free(fs->alias);
    address_clear(&fs->address);
    g_free(fs);
}

void
fwneg_other_device_free(FwnegOtherDevice *device)
{
    if (device == NULL)
        return;
    g_free(device->element);
    g_free(device->type);
    g_free(device->bus);
    address_clear(&device->address);
    g_free(device);
}

FwnegFilesystem *
fwneg_filesystem_new(void)
{
    FwnegFilesystem *fs = g_new0(FwnegFilesystem, 1);
    fs->boot_order = FWNEG_UNSET;
    fs->xml_position = FWNEG_UNSET;
    address_init(&fs->address);
    return fs;
}

FwnegOtherDevice *
fwneg_other_device_new(void)
{
    FwnegOtherDevice *device = g_new0(FwnegOtherDevice, 1);
    device->xml_position = FWNEG_UNSET;
    address_init(&device->address);
    return device;
}

FwnegController *
fwneg_controller_new(void)
{
    FwnegController *controller = g_new0(FwnegController, 1);
    controller->index = FWNEG_UNSET;
    controller->chassis = FWNEG_UNSET;
    controller->port = FWNEG_UNSET;
    controller->bus_nr = FWNEG_UNSET;
    controller->xml_position = FWNEG_UNSET;
    address_init(&controller->address);
    return controller;
}

FwnegDisk *
fwneg_disk_new(void)
{
    FwnegDisk *disk = g_new0(FwnegDisk, 1);
    disk->boot_order = FWNEG_UNSET;
    disk->xml_position = FWNEG_UNSET;
    address_init(&disk->address);
    return disk;
}

FwnegInterface *
fwneg_interface_new(void)
{
    FwnegInterface *iface = g_new0(FwnegInterface, 1);
    iface->boot_order = FWNEG_UNSET;
    iface->xml_position = FWNEG_UNSET;
    address_init(&iface->address);
    address_init(&iface->hostdev_source);
    return iface;
}

FwnegHostdev *
fwneg_hostdev_new(void)
{
    FwnegHostdev *hostdev = g_new0(FwnegHostdev, 1);
    hostdev->boot_order = FWNEG_UNSET;
    hostdev->xml_position = FWNEG_UNSET;
    address_init(&hostdev->source);
    address_init(&hostdev->address);
    return hostdev;
}

FwnegVideo *
fwneg_video_new(void)
{
    FwnegVideo *video = g_new0(FwnegVideo, 1);
    video->xml_position = FWNEG_UNSET;
    address_init(&video->address);
    return video;
}

void
fwneg_fw_cfg_entry_free(FwnegFwCfgEntry *entry)
{
    if (entry == NULL)
        return;
    g_free(entry->name);
    g_free(entry->file);
    g_free(entry->value);
    g_free(entry);
}

void
fwneg_device_override_free(FwnegDeviceOverride *override)
{
    if (override == NULL)
        return;
    g_free(override->alias);
    g_free(override->name);
    g_free(override->type);
    g_free(override->value);
    g_free(override);
}

FwnegDomain *
fwneg_domain_new(void)
{
    FwnegDomain *domain = g_new0(FwnegDomain, 1);
    domain->firmware = FWNEG_OS_FIRMWARE_NONE;
    domain->boot_devs = g_ptr_array_new_with_free_func(g_free);
    domain->bootmenu_timeout = FWNEG_UNSET;
    domain->sev_policy = FWNEG_UNSET;
    domain->controllers = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_controller_free);
    domain->disks = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_disk_free);
    domain->interfaces = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_interface_free);
    domain->hostdevs = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_hostdev_free);
    domain->videos = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_video_free);
    domain->fw_cfg_entries =
        g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_fw_cfg_entry_free);
    domain->device_overrides =
        g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_device_override_free);
    domain->filesystems = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_filesystem_free);
    domain->others = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_other_device_free);
    return domain;
}

void
fwneg_domain_free(FwnegDomain *domain)
{
    if (domain == NULL)
        return;
    g_free(domain->name);
    g_free(domain->uuid);
    g_free(domain->virt_type);
    g_free(domain->os_type);
    g_free(domain->arch);
    g_free(domain->machine);
    g_free(domain->loader.path);
    g_free(domain->loader.type);
    g_free(domain->loader.format);
    g_free(domain->nvram.path);
    g_free(domain->nvram.template);
    g_free(domain->nvram.template_format);
    g_free(domain->nvram.format);
    g_clear_pointer(&domain->boot_devs, g_ptr_array_unref);
    g_free(domain->kernel);
    g_free(domain->initrd);
    g_free(domain->cmdline);
    g_free(domain->dtb);
    g_free(domain->launch_security);
    g_free(domain->emulator);
    g_clear_pointer(&domain->controllers, g_ptr_array_unref);
    g_clear_pointer(&domain->disks, g_ptr_array_unref);
    g_clear_pointer(&domain->interfaces, g_ptr_array_unref);
    g_clear_pointer(&domain->hostdevs, g_ptr_array_unref);
    g_clear_pointer(&domain->videos, g_ptr_array_unref);
    g_clear_pointer(&domain->fw_cfg_entries, g_ptr_array_unref);
    g_clear_pointer(&domain->device_overrides, g_ptr_array_unref);
    g_clear_pointer(&domain->filesystems, g_ptr_array_unref);
    g_clear_pointer(&domain->others, g_ptr_array_unref);
    g_free(domain->fwneg_metadata);
    g_free(domain->source_name);
    g_free(domain);
}

/* libvirt arch names that have a QEMU system emulator fwneg plans for, with
 * the target name QEMU (and the firmware descriptors' "architecture") use. */
static const struct {
    const char *libvirt_arch;
    const char *qemu_target;
} arch_targets[] = {
    {"x86_64", "x86_64"}, {"i686", "i386"},       {"aarch64", "aarch64"},
    {"armv7l", "arm"},    {"riscv64", "riscv64"}, {"loongarch64", "loongarch64"},
    {"ppc64", "ppc64"},   {"ppc64le", "ppc64"},   {"s390x", "s390x"},
};

const char *
fwneg_arch_to_qemu_target(const char *libvirt_arch)
{
    if (libvirt_arch == NULL)
        return NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(arch_targets); i++) {
        if (strcmp(arch_targets[i].libvirt_arch, libvirt_arch) == 0)
            return arch_targets[i].qemu_target;
    }
    return NULL;
}

gboolean
fwneg_arch_is_modelled(const char *libvirt_arch)
{
    static const char *const modelled[] = {"x86_64", "i686", "aarch64", "armv7l", "riscv64", NULL};
    return libvirt_arch != NULL && g_strv_contains(modelled, libvirt_arch);
}

char *
fwneg_disk_label(const FwnegDisk *disk, guint index)
{
    if (disk->alias != NULL)
        return g_strdup(disk->alias);
    if (disk->target_dev != NULL)
        return g_strdup(disk->target_dev);
    return g_strdup_printf("disk[%u]", index);
}

char *
fwneg_interface_label(const FwnegInterface *iface, guint index)
{
    if (iface->alias != NULL)
        return g_strdup(iface->alias);
    if (iface->mac != NULL)
        return g_strdup(iface->mac);
    return g_strdup_printf("interface[%u]", index);
}

const char *
fwneg_tristate_to_string(FwnegTristate t)
{
    switch (t) {
    case FWNEG_TRISTATE_YES:
        return "yes";
    case FWNEG_TRISTATE_NO:
        return "no";
    case FWNEG_TRISTATE_ABSENT:
        break;
    }
    return NULL;
}

/* "netN" -> N, else -1 (qemuDomainDeviceAliasIndex with prefix "net"). */
static int
net_alias_index(const char *alias)
{
    guint64 n = 0;
    if (alias == NULL || !g_str_has_prefix(alias, "net") ||
        !g_ascii_string_to_unsigned(alias + 3, 10, 0, G_MAXINT, &n, NULL))
        return -1;
    return (int)n;
}

char *
fwneg_interface_qemu_id(const FwnegDomain *domain, guint index)
{
    if (domain->interfaces == NULL || index >= domain->interfaces->len)
        return NULL;
    const FwnegInterface *target = g_ptr_array_index(domain->interfaces, index);
    if (target->alias != NULL)
        return g_strdup(target->alias);
    if (g_strcmp0(target->type, "hostdev") == 0)
        return NULL; /* "hostdevN", counted among the hostdevs: not modelled */

    /* libvirt assigns in interface order; each assignment scans every
     * interface's current alias (explicit ones included) for the highest netN. */
    g_autofree char **assigned = g_new0(char *, domain->interfaces->len);
    int result = -1;
    for (guint i = 0; i <= index; i++) {
        const FwnegInterface *iface = g_ptr_array_index(domain->interfaces, i);
        if (iface->alias != NULL || g_strcmp0(iface->type, "hostdev") == 0)
            continue;
        int next = 0;
        for (guint j = 0; j < domain->interfaces->len; j++) {
            const FwnegInterface *other = g_ptr_array_index(domain->interfaces, j);
            const char *alias = other->alias != NULL ? other->alias : assigned[j];
            int n = net_alias_index(alias);
            if (n >= next)
                next = n + 1;
        }
        assigned[i] = g_strdup_printf("net%d", next);
        result = next;
    }
    for (guint i = 0; i < domain->interfaces->len; i++)
        g_free(assigned[i]);
    return g_strdup_printf("net%d", result);
}

const FwnegDeviceOverride *
fwneg_domain_find_override(const FwnegDomain *domain, const char *qemu_id, const char *name)
{
    const FwnegDeviceOverride *found = NULL;
    for (guint i = 0;
         qemu_id != NULL && domain->device_overrides != NULL && i < domain->device_overrides->len;
         i++) {
        const FwnegDeviceOverride *o = g_ptr_array_index(domain->device_overrides, i);
        /* libvirt applies them in order, so the last one for a property wins. */
        if (g_strcmp0(o->alias, qemu_id) == 0 && g_strcmp0(o->name, name) == 0)
            found = o;
    }
    return found;
}

const FwnegFwCfgEntry *
fwneg_domain_find_fw_cfg_entry(const FwnegDomain *domain, const char *name)
{
    for (guint i = 0; domain->fw_cfg_entries != NULL && i < domain->fw_cfg_entries->len; i++) {
        const FwnegFwCfgEntry *entry = g_ptr_array_index(domain->fw_cfg_entries, i);
        if (g_strcmp0(entry->name, name) == 0)
            return entry;
    }
    return NULL;
}

int
fwneg_disk_name_to_index(const char *name)
{
    static const char *const prefixes[] = {"fd", "hd", "vd", "sd", "xvd", "ubd"};
    const char *p = NULL;
    int index = 0;
    guint letters = 0;

    if (name == NULL)
        return -1;
    for (gsize i = 0; i < G_N_ELEMENTS(prefixes) && p == NULL; i++)
        if (g_str_has_prefix(name, prefixes[i]))
            p = name + strlen(prefixes[i]);
    if (p == NULL)
        return -1;
    /* libvirt virDiskNameParse: up to 7 letters, "aa" follows "z". */
    for (; g_ascii_islower(*p) && letters < 7; p++, letters++)
        index = (index + (letters == 0 ? 0 : 1)) * 26 + (*p - 'a');
    if (letters == 0)
        return -1;
    for (; *p; p++)
        if (!g_ascii_isdigit(*p))
            return -1;
    return index;
}

GArray *
fwneg_libvirt_disk_order(const FwnegDomain *domain)
{
    GArray *order = g_array_new(FALSE, FALSE, sizeof(guint));

    for (guint d = 0; domain->disks && d < domain->disks->len; d++) {
        const FwnegDisk *disk = g_ptr_array_index(domain->disks, d);
        int disk_index = fwneg_disk_name_to_index(disk->target_dev);
        int insert_at = -1;

        /* virDomainDiskInsert: walk back over the disks already placed; before
         * the first one on the same bus with a larger index, else right after
         * the last one on that bus, else at the end. */
        for (int i = (int)order->len - 1; i >= 0; i--) {
            const FwnegDisk *placed =
                g_ptr_array_index(domain->disks, g_array_index(order, guint, i));
            if (g_strcmp0(placed->bus, disk->bus) != 0)
                continue;
            if (fwneg_disk_name_to_index(placed->target_dev) > disk_index)
                insert_at = i;
            else if (insert_at == -1)
                insert_at = i + 1;
        }
        if (insert_at == -1)
            g_array_append_val(order, d);
        else
            g_array_insert_val(order, (guint)insert_at, d);
    }
    return order;
}

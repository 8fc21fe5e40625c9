/* boot-legacy.c: per-device bootindex as libvirt 9.0 computes it. */
#include "boot-legacy.h"

#include <string.h>

#include "of-path.h"

gboolean
fwneg_domain_has_device_boot(const FwnegDomain *domain)
{
    for (guint i = 0; domain->disks && i < domain->disks->len; i++)
        if (((FwnegDisk *)g_ptr_array_index(domain->disks, i))->boot_order != FWNEG_UNSET)
            return TRUE;
    for (guint i = 0; domain->interfaces && i < domain->interfaces->len; i++)
        if (((FwnegInterface *)g_ptr_array_index(domain->interfaces, i))->boot_order != FWNEG_UNSET)
            return TRUE;
    for (guint i = 0; domain->hostdevs && i < domain->hostdevs->len; i++)
        if (((FwnegHostdev *)g_ptr_array_index(domain->hostdevs, i))->boot_order != FWNEG_UNSET)
            return TRUE;
    for (guint i = 0; domain->filesystems && i < domain->filesystems->len; i++)
        if (((FwnegFilesystem *)g_ptr_array_index(domain->filesystems, i))->boot_order !=
            FWNEG_UNSET)
            return TRUE;
    return FALSE;
}

void
fwneg_boot_effective_indexes(const FwnegDomain *domain, int *disks, int *interfaces, int *hostdevs)
{
    guint n_disks = domain->disks ? domain->disks->len : 0;
    guint n_interfaces = domain->interfaces ? domain->interfaces->len : 0;
    guint n_hostdevs = domain->hostdevs ? domain->hostdevs->len : 0;

    if (fwneg_domain_has_device_boot(domain)) {
        for (guint i = 0; i < n_disks; i++) {
            int order = ((FwnegDisk *)g_ptr_array_index(domain->disks, i))->boot_order;
            disks[i] = order == FWNEG_UNSET ? 0 : order;
        }
        for (guint i = 0; i < n_interfaces; i++) {
            int order = ((FwnegInterface *)g_ptr_array_index(domain->interfaces, i))->boot_order;
            interfaces[i] = order == FWNEG_UNSET ? 0 : order;
        }
        for (guint i = 0; i < n_hostdevs; i++) {
            int order = ((FwnegHostdev *)g_ptr_array_index(domain->hostdevs, i))->boot_order;
            hostdevs[i] = order == FWNEG_UNSET ? 0 : order;
        }
        return;
    }

    memset(disks, 0, n_disks * sizeof(int));
    memset(interfaces, 0, n_interfaces * sizeof(int));
    memset(hostdevs, 0, n_hostdevs * sizeof(int));

    /* 1-based position of each dev type in <os>; no <boot> at all means hd
     * (virDomainDefBootOrderPostParse).  A repeated type keeps its last position. */
    int boot_cdrom = 0, boot_disk = 0, boot_floppy = 0, boot_network = 0;
    guint n_devs = domain->boot_devs ? domain->boot_devs->len : 0;
    if (n_devs == 0)
        boot_disk = 1;
    for (guint i = 0; i < n_devs; i++) {
        const char *dev = g_ptr_array_index(domain->boot_devs, i);
        if (g_str_equal(dev, "cdrom"))
            boot_cdrom = (int)i + 1;
        else if (g_str_equal(dev, "hd"))
            boot_disk = (int)i + 1;
        else if (g_str_equal(dev, "fd"))
            boot_floppy = (int)i + 1;
        else if (g_str_equal(dev, "network"))
            boot_network = (int)i + 1;
    }

    /* Only the first cdrom, disk/lun and floppy in libvirt's disk order. */
    g_autoptr(GArray) order = fwneg_libvirt_disk_order(domain);
    for (guint k = 0; k < order->len; k++) {
        guint i = g_array_index(order, guint, k);
        const FwnegDisk *disk = g_ptr_array_index(domain->disks, i);
        const char *device = disk->device ? disk->device : "disk";
        if (g_str_equal(device, "cdrom")) {
            disks[i] = boot_cdrom;
            boot_cdrom = 0;
        } else if (g_str_equal(device, "disk") || g_str_equal(device, "lun")) {
            disks[i] = boot_disk;
            boot_disk = 0;
        } else if (g_str_equal(device, "floppy")) {
            disks[i] = boot_floppy;
            boot_floppy = 0;
        }
    }
    if (n_interfaces > 0)
        interfaces[0] = boot_network;
}

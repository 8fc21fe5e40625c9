/* of-path.h: the OpenFirmware device path QEMU 7.2 prints into fw_cfg
 * `bootorder` for one libvirt device (reference/bootorder.md §2–§5), built from
 * the guest's PCI topology as the domain XML describes it.
 */
#pragma once

#include <glib.h>
#include "domain.h"

G_BEGIN_DECLS

typedef enum {
    FWNEG_BOOT_MACHINE_PC,       /* i440fx: PIIX3 ISA 00:01.0, IDE 00:01.1 */
    FWNEG_BOOT_MACHINE_Q35,      /* ICH9 LPC 00:1f.0, AHCI 00:1f.2 */
    FWNEG_BOOT_MACHINE_ARM_VIRT, /* GPEX host bridge, no ISA */
} FwnegBootMachine;

/* What every path of one guest shares. */
typedef struct {
    const FwnegDomain *domain;
    FwnegBootMachine machine;
    const char *root;                 /* "/pci@i0cf8" or "/pci@ffffffffffffffff" */
    int version_major, version_minor; /* of the canonical machine type; 0.0 when unversioned */
} FwnegOfContext;

/* QEMU keeps the device part of a path (everything but the device's own suffix)
 * in a 128-byte buffer together with a trailing '/' and a NUL. */
#define FWNEG_OF_DEVICE_PATH_MAX 126

/* FWNEG_ERROR_UNSATISFIABLE for a machine whose boot paths fwneg does not model. */
gboolean fwneg_of_context_init(FwnegOfContext *ctx, const FwnegDomain *domain,
                               const char *canonical_machine, GError **error);

/* The PCI device name QEMU derives from a 16-bit class code (base class << 8 |
 * subclass), else "pciVVVV,DDDD" (QEMU hw/pci/pci.c pci_dev_fw_name). */
char *fwneg_of_pci_name(guint16 class_code, guint16 vendor, guint16 device);

/* The full bootorder line of a device (device part + suffix).  @index is the
 * device's position in its domain array (for labels in messages). */
char *fwneg_of_disk_path(const FwnegOfContext *ctx, const FwnegDisk *disk, guint index,
                         GError **error);
char *fwneg_of_interface_path(const FwnegOfContext *ctx, const FwnegInterface *iface, guint index,
                              GError **error);
/* @sysfs_root: where PCI host devices are looked up ("/sys" normally). */
char *fwneg_of_hostdev_path(const FwnegOfContext *ctx, const FwnegHostdev *hostdev, guint index,
                            const char *sysfs_root, GError **error);

/* The drive address (controller, bus, target, unit) libvirt gives the disk:
 * its <address type='drive'>, else derived from the target dev name as
 * virDomainDiskDefAssignAddress does (ide, sata, fdc; scsi up to sdg).  FALSE
 * when neither gives one. */
gboolean fwneg_of_disk_drive_address(const FwnegDisk *disk, int *controller, int *bus, int *target,
                                     int *unit);

/* libvirt's disk order index of a target dev name (virDiskNameToIndex): vda 0,
 * vdz 25, vdaa 26; -1 when the name is not a disk name. */
int fwneg_disk_name_to_index(const char *name);

G_END_DECLS

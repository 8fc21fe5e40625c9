/* of-path.h: the OpenFirmware device path QEMU 7.2 prints into fw_cfg
 * `bootorder` for one libvirt device (reference/bootorder.md §2–§5), built from
 * the guest's PCI topology as the domain XML describes it.
 */
#pragma once

#include <glib.h>
#include "device-placement.h"
#include "domain.h"

G_BEGIN_DECLS

typedef enum {
    FWNEG_BOOT_MACHINE_UNMODELLED, /* paths are refused (only when a device is bootable) */
    FWNEG_BOOT_MACHINE_PC,         /* i440fx: PIIX3 ISA 00:01.0, IDE 00:01.1 */
    FWNEG_BOOT_MACHINE_Q35,        /* ICH9 LPC 00:1f.0, AHCI 00:1f.2 */
    FWNEG_BOOT_MACHINE_ARM_VIRT,   /* GPEX host bridge, no ISA, 32 virtio-mmio transports */
} FwnegBootMachine;

/* What every path of one guest shares. */
typedef struct {
    const FwnegDomain *domain;
    FwnegBootMachine machine;
    const char *root;                 /* "/pci@i0cf8" or "/pci@ffffffffffffffff" */
    int version_major, version_minor; /* of the canonical machine type; 0.0 when unversioned */
    char *unmodelled;                 /* UNMODELLED: why */
    FwnegPlacementMap *placement;     /* virtio-mmio transports, auto-placed PCI slots */
    const char *sysroot;              /* host paths (/sys) are read inside it; NULL = "/" */
} FwnegOfContext;

/* QEMU keeps the device part of a path (everything but the device's own suffix)
 * in a 128-byte buffer together with a trailing '/' and a NUL. */
#define FWNEG_OF_DEVICE_PATH_MAX 126

/* Fill @ctx (release it with fwneg_of_context_clear).  A machine whose boot
 * paths fwneg does not model is not an error here: every path asked for on it
 * is (FWNEG_ERROR_UNSATISFIABLE), so a guest with nothing bootable still plans.
 * Paths that depend on what libvirt assigns at define time fail with
 * FWNEG_ERROR_PENDING. */
void fwneg_of_context_init(FwnegOfContext *ctx, const FwnegDomain *domain,
                           const char *canonical_machine, const char *sysroot);
void fwneg_of_context_clear(FwnegOfContext *ctx);

/* FWNEG_ERROR_UNSATISFIABLE when the guest has more virtio-mmio devices than the
 * machine has transports (QEMU refuses to start it). */
gboolean fwneg_of_check_transports(const FwnegOfContext *ctx, GError **error);

/* The PCI device name QEMU derives from a 16-bit class code (base class << 8 |
 * subclass), else "pciVVVV,DDDD" (QEMU hw/pci/pci.c pci_dev_fw_name). */
char *fwneg_of_pci_name(guint16 class_code, guint16 vendor, guint16 device);

/* The full bootorder line of a device (device part + suffix).  @index is the
 * device's position in its domain array (for labels in messages). */
char *fwneg_of_disk_path(const FwnegOfContext *ctx, const FwnegDisk *disk, guint index,
                         GError **error);
/* A type='hostdev' interface is its vfio-pci device: named by the host
 * device's PCI class (read from SYSROOT/sys), no /ethernet-phy suffix. */
char *fwneg_of_interface_path(const FwnegOfContext *ctx, const FwnegInterface *iface, guint index,
                              GError **error);
char *fwneg_of_hostdev_path(const FwnegOfContext *ctx, const FwnegHostdev *hostdev, guint index,
                            GError **error);
/* virtiofs (vhost-user-fs-pci, class 0x0180: pci1af4,105a; or vhost-user-fs-device). */
char *fwneg_of_filesystem_path(const FwnegOfContext *ctx, const FwnegFilesystem *fs, guint index,
                               GError **error);

/* The drive address (controller, bus, target, unit) libvirt gives the disk:
 * its <address type='drive'>, else derived from the target dev name as
 * virDomainDiskDefAssignAddress does (ide, sata, fdc; scsi up to sdg).  FALSE
 * when neither gives one. */
gboolean fwneg_of_disk_drive_address(const FwnegDisk *disk, int *controller, int *bus, int *target,
                                     int *unit);

G_END_DECLS

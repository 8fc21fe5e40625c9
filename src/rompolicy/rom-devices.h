/* rom-devices.h: the QEMU 7.2 facts about devices that carry an option ROM —
 * which QEMU device libvirt 9.0 creates for a NIC or video model, the name QEMU
 * gives its ROM RAM block, its default ROM file and the machine-type compat
 * rules — and the PCI device path QEMU puts in front of the RAM block name.
 */
#pragma once

#include <glib.h>
#include "domain.h"

G_BEGIN_DECLS

typedef struct {
    const char *libvirt_model;  /* <model type=…> of <interface> / <video> */
    const char *qemu_type;      /* QOM type name of the device QEMU creates */
    const char *region;         /* vmsd name, else QOM type: the RAM block's base name */
    const char *default_rom;    /* QEMU 7.2's PCIDeviceClass romfile, NULL = no ROM */
    const char *compat_1_4_rom; /* pc_compat_1_4 romfile (≤ pc-*-1.4), NULL = unchanged */
    gboolean no_rom_before_2_7; /* pc_compat_2_6: romfile="" */
} FwnegRomDevice;

/* The device for a NIC model (NULL model = libvirt 9.0's default for the
 * arch/machine); NULL when it is not a PCI device QEMU gives a ROM BAR. */
const FwnegRomDevice *fwneg_rom_nic_device(const char *model, const char *arch,
                                           const char *machine);
/* The device for a video model (primary or secondary); NULL when it has no ROM BAR. */
const FwnegRomDevice *fwneg_rom_video_device(const char *model, gboolean primary, const char *arch);

/* vfio-pci, the device of every PCI host device (<hostdev>, <interface
 * type='hostdev'>): no default ROM file; its RAM block is "vfio-pci.rom". */
const FwnegRomDevice *fwneg_rom_vfio_device(void);

/* QEMU 7.2's default ROM file for @dev on @machine (compat rules applied):
 * NULL = no ROM at all. */
const char *fwneg_rom_qemu_default_file(const FwnegRomDevice *dev, const char *machine);

/* "<region>.rom" cut to 31 bytes, as QEMU's char name[32] snprintf does. */
char *fwneg_rom_region_name(const FwnegRomDevice *dev);

/* QEMU's PCI device path (pcibus_get_dev_path) of a device at @address in
 * @domain: "0000:00:02.0", "0000:00:02.0:00.0" behind a root port, with
 * pxb buses as "0000:BUSNR:…".  NULL with *why set when the address (or a
 * controller on the way) is not known, e.g. the domain was never defined in
 * libvirt, which assigns addresses. */
char *fwneg_rom_pci_dev_path(const FwnegDomain *domain, const FwnegAddress *address, char **why);

G_END_DECLS

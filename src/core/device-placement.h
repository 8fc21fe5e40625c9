/* device-placement.h: where a device ends up when its <address> does not say
 * it all — the virtio-mmio transport QEMU 7.2 hands it, or the root-bus PCI
 * slot QEMU picks for a PCI device libvirt 9.0 emits without bus/addr.
 *
 * Both follow from libvirt's command-line order (qemuBuildCommandLine:
 * controllers by type PCI, USB, SCSI, IDE, SATA, virtio-serial, each by index;
 * memory devices; disks in libvirt's disk order; filesystems; interfaces;
 * inputs; video (primary first); hostdevs; memballoon; rng; vsock) and from
 * QEMU's rules: a virtio-*-device without bus= takes the free transport with
 * the highest number, so the k-th one (0-based) gets transport N-1-k; a PCI
 * device without addr= takes the first root-bus slot whose function 0 is free.
 * Verified live against QEMU 7.2 / libvirt 9.0 (tests/bootorder).
 */
#pragma once

#include <glib.h>
#include "domain.h"

G_BEGIN_DECLS

typedef enum {
    FWNEG_PLACE_ADDRESSED = 0, /* where its own <address> says (PCI, drive, USB…), or nowhere */
    FWNEG_PLACE_VIRTIO_MMIO,   /* a virtio-*-device on a virtio-mmio transport */
    FWNEG_PLACE_PCI_AUTO,      /* a PCI device emitted without bus/addr: QEMU picks a root slot */
} FwnegPlacementKind;

typedef struct {
    FwnegPlacementKind kind;
    /* VIRTIO_MMIO: 0-based position among the virtio-mmio devices on QEMU's
     * command line; PCI_AUTO: the root-bus slot.  -1 when not known: then
     * @pending says whether libvirt decides it at define time (the XML lacks
     * addresses) or fwneg does not model what decides it, and @why says which. */
    int index;
    gboolean pending;
    char *why;
} FwnegPlacement;

/* One FwnegPlacement per device, in the order of the domain's arrays. */
typedef struct {
    FwnegPlacement *controllers, *disks, *interfaces, *filesystems, *hostdevs, *videos, *others;
    guint n_virtio_mmio; /* virtio-mmio devices on the command line (when all are known) */
    guint lens[7];       /* the arrays' lengths, in the order above */
} FwnegPlacementMap;

FwnegPlacementMap *fwneg_placement_map_new(const FwnegDomain *domain);
void fwneg_placement_map_free(FwnegPlacementMap *map);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegPlacementMap, fwneg_placement_map_free)

/* TRUE for NIC models libvirt builds as virtio-net (virtio, virtio-transitional,
 * virtio-non-transitional); a NULL model is libvirt's default, virtio on ARM
 * and RISC-V virt (qemuDomainDefaultNetModel). */
gboolean fwneg_interface_is_virtio(const FwnegInterface *iface, const char *arch);

/* Why the XML cannot yet say where devices go: the first device libvirt gives
 * an address (or adds) at define time, e.g. "<disk> vda has no address"; NULL
 * when the XML looks like libvirt's defined XML. */
char *fwneg_placement_undefined_reason(const FwnegDomain *domain);

G_END_DECLS

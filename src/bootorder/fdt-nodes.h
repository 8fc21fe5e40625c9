/* fdt-nodes.h: on ARM virt, the device-tree node each bootorder line boots
 * through, in bootorder order.  The device tree itself carries no boot order
 * (reference/bootorder.md §6.3); firmware finds the PCI host bridge and the
 * virtio-mmio transports there, so these are the nodes a bootorder line names.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* QEMU 7.2 virt's fixed node names (hw/arm/virt.c create_pcie / create_virtio_devices). */
#define FWNEG_VIRT_PCIE_NODE "/pcie@10000000"

/* Map each line of @bootorder (HALT and /rom@ lines have no node and are
 * skipped) to a node path.  With @dtb (a flattened device tree, e.g. the
 * domain's <dtb> or QEMU's -machine dumpdtb=) the nodes are looked up in it with
 * libfdt (PCI: the "pci-host-ecam-generic" node; virtio-mmio@ADDR: the
 * "virtio,mmio" node whose reg starts at ADDR) and a line without a node is an
 * error; without it, QEMU virt's fixed node names are used.  @dtb_name names
 * the blob in messages. */
GPtrArray *fwneg_fdt_boot_nodes(GPtrArray *bootorder, GBytes *dtb, const char *dtb_name,
                                GError **error);

G_END_DECLS

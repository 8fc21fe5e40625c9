/* bootorder-plan.h: the boot-order stage of the planner: the exact lines of
 * QEMU's fw_cfg `bootorder` file, the device each line comes from, the -boot
 * settings libvirt passes and, on ARM, the device-tree nodes of the entries.
 */
#pragma once

#include <glib.h>
#include "domain.h"

G_BEGIN_DECLS

/* One device line of the bootorder file and the libvirt device it comes from. */
typedef struct {
    char *path;      /* the bootorder line */
    char *device;    /* libvirt device label (alias, target dev or MAC); NULL for a ROM (-kernel) */
    char *qemu_id;   /* QEMU device id libvirt gives the device (for -set); NULL for ROMs, floppies */
    int bootindex;   /* QEMU bootindex */
    int floppy_unit; /* 0/1: bootindexA/B of isa-fdc; -1 for other devices */
} FwnegBootEntry;

void fwneg_boot_entry_free(FwnegBootEntry *entry);

typedef struct {
    GPtrArray *lines;   /* char*: the bootorder file, HALT included */
    GPtrArray *entries; /* FwnegBootEntry*: the lines before HALT with their devices */
    /* -boot strict=on (libvirt 9.0 always passes it), menu=… and splash-time=…
     * (ms, FWNEG_UNSET when none). */
    gboolean strict;
    FwnegTristate menu;
    int menu_timeout;
    /* ARM virt: the guest boots from a device tree; fdt_file is the <dtb> (NULL:
     * QEMU's own) and fdt_nodes the node of each entry. */
    gboolean has_fdt;
    char *fdt_file;
    GPtrArray *fdt_nodes; /* char* */
    /* Why the lines (and fdt_nodes) are not known yet: a boot path needs what
     * libvirt assigns when the guest is defined; NULL when they are. */
    char *pending;
} FwnegBootOrder;

void fwneg_boot_order_free(FwnegBootOrder *order);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegBootOrder, fwneg_boot_order_free)

/* @sysroot: host files (<dtb>, /sys of PCI host devices) are read inside it
 * (NULL = "/").  FWNEG_ERROR_PENDING when a boot path needs what libvirt
 * assigns at define time (the message says what, without the file name). */
FwnegBootOrder *fwneg_bootorder_plan(const FwnegDomain *domain, const char *canonical_machine,
                                     const char *sysroot, GError **error);

G_END_DECLS

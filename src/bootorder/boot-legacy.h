/* boot-legacy.h: the QEMU bootindex libvirt 9.0 gives each device: its own
 * <boot order='N'/>, or — for the legacy <os><boot dev='…'/> list — the
 * conversion of qemuProcessPrepareDeviceBootorder (reference/bootorder.md §5.2).
 */
#pragma once

#include <glib.h>
#include "domain.h"

G_BEGIN_DECLS

/* TRUE when any device carries <boot order='N'/>. */
gboolean fwneg_domain_has_device_boot(const FwnegDomain *domain);

/* The effective bootindex of every disk, interface and hostdev (0: none),
 * written to the arrays (sized like the domain's arrays). */
void fwneg_boot_effective_indexes(const FwnegDomain *domain, int *disks, int *interfaces,
                                  int *hostdevs);

G_END_DECLS

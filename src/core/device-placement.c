/* device-placement.c: virtio-mmio transports and auto-placed PCI slots, from
 * libvirt 9.0's command-line order (see device-placement.h). */
#include "device-placement.h"

#include <string.h>

/* Root-bus slots QEMU may hand out (slot 0 is the host bridge). */
#define PCI_SLOTS 32

static const char *const virtio_net_models[] = {"virtio", "virtio-transitional",
                                                "virtio-non-transitional", NULL};
static const char *const virtio_scsi_models[] = {"virtio-scsi", "virtio-transitional",
                                                 "virtio-non-transitional", NULL};

static gboolean
arch_prefers_virtio(const char *arch)
{
    return g_strcmp0(arch, "aarch64") == 0 || g_strcmp0(arch, "armv7l") == 0 ||
           g_strcmp0(arch, "armv6l") == 0 || g_str_has_prefix(arch ? arch : "", "riscv");
}

gboolean
fwneg_interface_is_virtio(const FwnegInterface *iface, const char *arch)
{
    if (iface->model == NULL)
        return arch_prefers_virtio(arch);
    return g_strv_contains(virtio_net_models, iface->model);
}

static gboolean
is_mmio(const FwnegAddress *a)
{
    return a->type == FWNEG_ADDRESS_VIRTIO_MMIO;
}

/* On virtio-mmio: given, or to be given at define time (Walk.prime). */
#define ON_MMIO(walk, a) (is_mmio(a) || ((walk)->prime && (a)->type == FWNEG_ADDRESS_NONE))

/* ---- is the XML libvirt's defined XML? ------------------------------------ */

static gboolean
other_is(const FwnegOtherDevice *d, const char *element)
{
    return g_strcmp0(d->element, element) == 0;
}

/* Devices libvirt gives an address at define time (so an address-less one
 * means the XML was never defined). */
static gboolean
other_needs_address(const FwnegOtherDevice *d)
{
    if (other_is(d, "input"))
        return g_strcmp0(d->bus, "virtio") == 0 || g_strcmp0(d->bus, "usb") == 0;
    if (other_is(d, "memballoon"))
        return g_strcmp0(d->type, "none") != 0;
    if (other_is(d, "memory"))
        return g_strcmp0(d->type, "virtio-pmem") == 0 || g_strcmp0(d->type, "virtio-mem") == 0;
    return other_is(d, "rng") || other_is(d, "vsock");
}

static gboolean
controller_needs_address(const FwnegController *c)
{
    switch (c->type) {
    case FWNEG_CONTROLLER_PCI:
        return g_strcmp0(c->model, "pci-root") != 0 && g_strcmp0(c->model, "pcie-root") != 0;
    case FWNEG_CONTROLLER_SCSI:
        return TRUE;
    case FWNEG_CONTROLLER_USB:
        return g_strcmp0(c->model, "none") != 0;
    case FWNEG_CONTROLLER_OTHER:
        return g_strcmp0(c->type_name, "virtio-serial") == 0;
    default:
        return FALSE;
    }
}

static gboolean
has_controller_type(const FwnegDomain *domain, const char *type_name)
{
    for (guint i = 0; i < domain->controllers->len; i++) {
        const FwnegController *c = g_ptr_array_index(domain->controllers, i);
        if (g_strcmp0(c->type_name, type_name) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean
has_other(const FwnegDomain *domain, const char *element)
{
    for (guint i = 0; i < domain->others->len; i++)
        if (other_is(g_ptr_array_index(domain->others, i), element))
            return TRUE;
    return FALSE;
}

char *
fwneg_placement_undefined_reason(const FwnegDomain *domain)
{
    const char *const why = "libvirt assigns it when the guest is defined";

    for (guint i = 0; i < domain->controllers->len; i++) {
        const FwnegController *c = g_ptr_array_index(domain->controllers, i);
        if (controller_needs_address(c) && c->address.type == FWNEG_ADDRESS_NONE)
            return g_strdup_printf("<controller type='%s' index='%d'> has no address; %s",
                                   c->type_name ? c->type_name : "", c->index, why);
    }
    for (guint i = 0; i < domain->disks->len; i++) {
        const FwnegDisk *disk = g_ptr_array_index(domain->disks, i);
        if (disk->address.type == FWNEG_ADDRESS_NONE) {
            g_autofree char *label = fwneg_disk_label(disk, i);
            return g_strdup_printf("<disk> %s has no address; %s", label, why);
        }
    }
    for (guint i = 0; i < domain->interfaces->len; i++) {
        const FwnegInterface *iface = g_ptr_array_index(domain->interfaces, i);
        if (iface->address.type == FWNEG_ADDRESS_NONE) {
            g_autofree char *label = fwneg_interface_label(iface, i);
            return g_strdup_printf("<interface> %s has no address; %s", label, why);
        }
    }
    for (guint i = 0; i < domain->filesystems->len; i++) {
        const FwnegFilesystem *fs = g_ptr_array_index(domain->filesystems, i);
        if (fs->address.type == FWNEG_ADDRESS_NONE)
            return g_strdup_printf("<filesystem> %s has no address; %s",
                                   fs->target_dir ? fs->target_dir : "", why);
    }
    for (guint i = 0; i < domain->hostdevs->len; i++) {
        const FwnegHostdev *h = g_ptr_array_index(domain->hostdevs, i);
        if (h->address.type == FWNEG_ADDRESS_NONE)
            return g_strdup_printf("<hostdev type='%s'> has no address; %s", h->type ? h->type : "",
                                   why);
    }
    for (guint i = 0; i < domain->videos->len; i++) {
        const FwnegVideo *v = g_ptr_array_index(domain->videos, i);
        if (v->address.type == FWNEG_ADDRESS_NONE && g_strcmp0(v->model, "none") != 0 &&
            g_strcmp0(v->model, "ramfb") != 0)
            return g_strdup_printf("<video> model '%s' has no address; %s",
                                   v->model ? v->model : "", why);
    }
    gboolean virtio_port = FALSE;
    for (guint i = 0; i < domain->others->len; i++) {
        const FwnegOtherDevice *d = g_ptr_array_index(domain->others, i);
        if (other_needs_address(d) && d->address.type == FWNEG_ADDRESS_NONE)
            return g_strdup_printf("<%s> has no address; %s", d->element, why);
        if ((other_is(d, "channel") || other_is(d, "console")) && g_strcmp0(d->bus, "virtio") == 0)
            virtio_port = TRUE;
    }
    /* Devices libvirt adds at define time. */
    if (virtio_port && !has_controller_type(domain, "virtio-serial"))
        return g_strdup("a virtio channel or console has no <controller type='virtio-serial'>; "
                        "libvirt adds one when the guest is defined");
    if (has_other(domain, "graphics") && domain->videos->len == 0)
        return g_strdup("<graphics> without <video>: libvirt adds a video device when the guest "
                        "is defined");
    if (!has_other(domain, "memballoon") && !arch_prefers_virtio(domain->arch))
        return g_strdup("no <memballoon>: libvirt adds one when the guest is defined");
    if (!has_other(domain, "memballoon") &&
        g_str_has_prefix(domain->arch ? domain->arch : "", "riscv"))
        return g_strdup("no <memballoon>: libvirt adds one to RISC-V guests when the guest is "
                        "defined");
    return NULL;
}

/* ---- the command-line walk ------------------------------------------------ */

typedef enum {
    WALK_NOTHING,     /* nothing to place (a PCI/USB/… device at its own address) */
    WALK_VIRTIO_MMIO, /* takes the next transport */
    WALK_PCI_AUTO,    /* takes the next free root slot */
    WALK_UNMODELLED,  /* has a virtio-mmio address but fwneg does not know what QEMU makes of it */
} WalkKind;

typedef struct {
    FwnegPlacementMap *map;
    /* libvirt's rule for address-less devices (qemuDomainAssignVirtioMMIOAddresses):
     * in an ARM or RISC-V virt guest that already has a virtio-mmio device, every
     * virtio device (and SCSI controller, memballoon, rng…) without an address
     * gets a virtio-mmio one at define time. */
    gboolean prime;
    int next_transport;
    guint32 used_slots; /* root-bus slots taken by explicit PCI addresses or earlier auto ones */
    gboolean transports_lost, slots_lost;
    gboolean lost_pending;
    char *lost_why;
} Walk;

static void
place(Walk *walk, FwnegPlacement *p, WalkKind kind, const char *what)
{
    if (kind == WALK_NOTHING)
        return;
    if (kind == WALK_UNMODELLED) {
        /* Everything after it may have moved. */
        if (!walk->transports_lost) {
            walk->transports_lost = walk->slots_lost = TRUE;
            walk->lost_pending = FALSE;
            g_free(walk->lost_why);
            walk->lost_why = g_strdup_printf(
                "%s has a virtio-mmio address, and fwneg does not model what QEMU makes of it",
                what);
        }
        return;
    }
    if (kind == WALK_VIRTIO_MMIO) {
        p->kind = FWNEG_PLACE_VIRTIO_MMIO;
        p->index = walk->transports_lost ? -1 : walk->next_transport++;
        if (!walk->transports_lost)
            walk->map->n_virtio_mmio++;
        p->pending = walk->transports_lost && walk->lost_pending;
    } else {
        p->kind = FWNEG_PLACE_PCI_AUTO;
        p->index = -1;
        p->pending = walk->slots_lost && walk->lost_pending;
        for (int slot = 1; !walk->slots_lost && slot < PCI_SLOTS; slot++) {
            if (!(walk->used_slots & (1u << slot))) {
                walk->used_slots |= 1u << slot;
                p->index = slot;
                break;
            }
        }
        if (p->index < 0 && !walk->slots_lost) {
            p->why = g_strdup("no free slot on the PCI root bus (QEMU refuses the device)");
            return;
        }
    }
    if (p->index < 0)
        p->why = g_strdup(walk->lost_why);
}

static gboolean
is_virtio_scsi(const FwnegController *c)
{
    return c->model != NULL && g_strv_contains(virtio_scsi_models, c->model);
}

static WalkKind
controller_kind(const Walk *walk, const FwnegController *c)
{
    gboolean primable =
        c->type == FWNEG_CONTROLLER_SCSI || g_strcmp0(c->type_name, "virtio-serial") == 0;
    if (!is_mmio(&c->address) && !(primable && ON_MMIO(walk, &c->address)))
        return WALK_NOTHING;
    if (g_strcmp0(c->type_name, "virtio-serial") == 0)
        return WALK_VIRTIO_MMIO;
    if (c->type == FWNEG_CONTROLLER_SCSI)
        /* libvirt emits a non-virtio HBA (lsi, …) without bus/addr. */
        return is_virtio_scsi(c) ? WALK_VIRTIO_MMIO : WALK_PCI_AUTO;
    return WALK_UNMODELLED;
}

/* The controller types in libvirt's emission order (qemuBuildControllersCommandLine). */
static int
controller_rank(const FwnegController *c)
{
    static const char *const order[] = {"pci", "usb", "scsi", "ide", "sata", "virtio-serial"};
    for (guint i = 0; i < G_N_ELEMENTS(order); i++)
        if (g_strcmp0(c->type_name, order[i]) == 0)
            return (int)i;
    return G_N_ELEMENTS(order); /* fdc, ccid, xenbus…: never virtio-mmio */
}

typedef struct {
    const FwnegDomain *domain;
} SortData;

static gint
compare_controllers(gconstpointer a, gconstpointer b, gpointer user_data)
{
    const SortData *data = user_data;
    guint ia = *(const guint *)a, ib = *(const guint *)b;
    const FwnegController *x = g_ptr_array_index(data->domain->controllers, ia);
    const FwnegController *y = g_ptr_array_index(data->domain->controllers, ib);
    int rx = controller_rank(x), ry = controller_rank(y);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return ia < ib ? -1 : ia > ib; /* stable */
}

static WalkKind
other_kind(const Walk *walk, const FwnegOtherDevice *d, const char *phase)
{
    if (!other_is(d, phase))
        return WALK_NOTHING;
    if (!is_mmio(&d->address) && !(other_needs_address(d) && ON_MMIO(walk, &d->address)))
        return WALK_NOTHING;
    if (other_is(d, "input"))
        return g_strcmp0(d->bus, "virtio") == 0 ? WALK_VIRTIO_MMIO : WALK_UNMODELLED;
    if (other_is(d, "memory")) /* virtio-pmem-pci / virtio-mem-pci, emitted without bus/addr */
        return WALK_PCI_AUTO;
    if (other_is(d, "memballoon"))
        return g_strcmp0(d->type, "none") == 0 ? WALK_NOTHING : WALK_VIRTIO_MMIO;
    if (other_is(d, "rng") || other_is(d, "vsock"))
        return WALK_VIRTIO_MMIO;
    return WALK_UNMODELLED;
}

static void
walk_others(Walk *walk, const FwnegDomain *domain, const char *phase)
{
    for (guint i = 0; i < domain->others->len; i++) {
        const FwnegOtherDevice *d = g_ptr_array_index(domain->others, i);
        g_autofree char *what = g_strdup_printf("<%s>", d->element);
        place(walk, &walk->map->others[i], other_kind(walk, d, phase), what);
    }
}

/* Elements libvirt places in one of the phases walked below. */
static gboolean
other_has_phase(const FwnegOtherDevice *d)
{
    static const char *const phases[] = {"memory", "input", "memballoon", "rng", "vsock", NULL};
    return g_strv_contains(phases, d->element);
}

static void
mark_slot(Walk *walk, const FwnegAddress *a)
{
    if (a->type == FWNEG_ADDRESS_PCI && (a->bus == FWNEG_UNSET || a->bus == 0) && a->slot >= 0 &&
        a->slot < PCI_SLOTS)
        walk->used_slots |= 1u << a->slot;
}

static void
mark_used_slots(Walk *walk, const FwnegDomain *domain)
{
    walk->used_slots = 1u; /* slot 0: the host bridge */
    for (guint i = 0; i < domain->controllers->len; i++)
        mark_slot(walk, &((FwnegController *)g_ptr_array_index(domain->controllers, i))->address);
    for (guint i = 0; i < domain->disks->len; i++)
        mark_slot(walk, &((FwnegDisk *)g_ptr_array_index(domain->disks, i))->address);
    for (guint i = 0; i < domain->interfaces->len; i++)
        mark_slot(walk, &((FwnegInterface *)g_ptr_array_index(domain->interfaces, i))->address);
    for (guint i = 0; i < domain->filesystems->len; i++)
        mark_slot(walk, &((FwnegFilesystem *)g_ptr_array_index(domain->filesystems, i))->address);
    for (guint i = 0; i < domain->hostdevs->len; i++)
        mark_slot(walk, &((FwnegHostdev *)g_ptr_array_index(domain->hostdevs, i))->address);
    for (guint i = 0; i < domain->videos->len; i++)
        mark_slot(walk, &((FwnegVideo *)g_ptr_array_index(domain->videos, i))->address);
    for (guint i = 0; i < domain->others->len; i++)
        mark_slot(walk, &((FwnegOtherDevice *)g_ptr_array_index(domain->others, i))->address);
}

static gboolean
domain_has_mmio(const FwnegDomain *domain)
{
    for (guint i = 0; i < domain->controllers->len; i++)
        if (is_mmio(&((FwnegController *)g_ptr_array_index(domain->controllers, i))->address))
            return TRUE;
    for (guint i = 0; i < domain->disks->len; i++)
        if (is_mmio(&((FwnegDisk *)g_ptr_array_index(domain->disks, i))->address))
            return TRUE;
    for (guint i = 0; i < domain->interfaces->len; i++)
        if (is_mmio(&((FwnegInterface *)g_ptr_array_index(domain->interfaces, i))->address))
            return TRUE;
    for (guint i = 0; i < domain->filesystems->len; i++)
        if (is_mmio(&((FwnegFilesystem *)g_ptr_array_index(domain->filesystems, i))->address))
            return TRUE;
    for (guint i = 0; i < domain->hostdevs->len; i++)
        if (is_mmio(&((FwnegHostdev *)g_ptr_array_index(domain->hostdevs, i))->address))
            return TRUE;
    for (guint i = 0; i < domain->videos->len; i++)
        if (is_mmio(&((FwnegVideo *)g_ptr_array_index(domain->videos, i))->address))
            return TRUE;
    for (guint i = 0; i < domain->others->len; i++)
        if (is_mmio(&((FwnegOtherDevice *)g_ptr_array_index(domain->others, i))->address))
            return TRUE;
    return FALSE;
}

static void
walk_domain(Walk *walk, const FwnegDomain *domain)
{
    FwnegPlacementMap *map = walk->map;

    /* controllers */
    g_autoptr(GArray) controllers = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < domain->controllers->len; i++)
        g_array_append_val(controllers, i);
    SortData sort = {domain};
    g_array_sort_with_data(controllers, compare_controllers, &sort);
    for (guint k = 0; k < controllers->len; k++) {
        guint i = g_array_index(controllers, guint, k);
        const FwnegController *c = g_ptr_array_index(domain->controllers, i);
        g_autofree char *what = g_strdup_printf("<controller type='%s' index='%d'>",
                                                c->type_name ? c->type_name : "", c->index);
        place(walk, &map->controllers[i], controller_kind(walk, c), what);
    }
    walk_others(walk, domain, "memory");

    /* disks, in libvirt's order */
    g_autoptr(GArray) disks = fwneg_libvirt_disk_order(domain);
    for (guint k = 0; k < disks->len; k++) {
        guint i = g_array_index(disks, guint, k);
        const FwnegDisk *disk = g_ptr_array_index(domain->disks, i);
        gboolean virtio = g_strcmp0(disk->bus, "virtio") == 0;
        WalkKind kind = WALK_NOTHING;
        if (is_mmio(&disk->address))
            kind = virtio ? WALK_VIRTIO_MMIO : WALK_UNMODELLED;
        else if (virtio && ON_MMIO(walk, &disk->address))
            kind = WALK_VIRTIO_MMIO;
        g_autofree char *label = fwneg_disk_label(disk, i);
        g_autofree char *what = g_strdup_printf("<disk> %s", label);
        place(walk, &map->disks[i], kind, what);
    }

    for (guint i = 0; i < domain->filesystems->len; i++) {
        const FwnegFilesystem *fs = g_ptr_array_index(domain->filesystems, i);
        place(walk, &map->filesystems[i], is_mmio(&fs->address) ? WALK_VIRTIO_MMIO : WALK_NOTHING,
              "<filesystem>");
    }

    /* interfaces; a type='hostdev' one is a vfio-pci emitted with the hostdevs */
    for (guint i = 0; i < domain->interfaces->len; i++) {
        const FwnegInterface *iface = g_ptr_array_index(domain->interfaces, i);
        gboolean virtio = g_strcmp0(iface->type, "hostdev") != 0 &&
                          fwneg_interface_is_virtio(iface, domain->arch);
        WalkKind kind = WALK_NOTHING;
        if (is_mmio(&iface->address)) {
            if (g_strcmp0(iface->type, "hostdev") == 0 || g_strcmp0(iface->model, "usb-net") == 0)
                kind = WALK_UNMODELLED;
            else
                kind = virtio ? WALK_VIRTIO_MMIO : WALK_PCI_AUTO;
        } else if (virtio && ON_MMIO(walk, &iface->address)) {
            kind = WALK_VIRTIO_MMIO;
        }
        g_autofree char *label = fwneg_interface_label(iface, i);
        g_autofree char *what = g_strdup_printf("<interface> %s", label);
        place(walk, &map->interfaces[i], kind, what);
    }

    walk_others(walk, domain, "input");

    /* video: libvirt keeps the primary device first */
    for (int pass = 0; pass < 2; pass++) {
        for (guint i = 0; i < domain->videos->len; i++) {
            const FwnegVideo *v = g_ptr_array_index(domain->videos, i);
            gboolean virtio = g_strcmp0(v->model, "virtio") == 0;
            if ((pass == 0) != v->primary)
                continue;
            WalkKind kind = WALK_NOTHING;
            if (is_mmio(&v->address))
                kind = virtio ? WALK_VIRTIO_MMIO : WALK_UNMODELLED;
            else if (virtio && ON_MMIO(walk, &v->address))
                kind = WALK_VIRTIO_MMIO;
            place(walk, &map->videos[i], kind, "<video>");
        }
    }

    for (guint i = 0; i < domain->hostdevs->len; i++) {
        const FwnegHostdev *h = g_ptr_array_index(domain->hostdevs, i);
        gboolean vhost_scsi = g_strcmp0(h->type, "scsi_host") == 0;
        WalkKind kind = WALK_NOTHING;
        if (is_mmio(&h->address)) /* vhost-scsi-device; anything else is not modelled */
            kind = vhost_scsi ? WALK_VIRTIO_MMIO : WALK_UNMODELLED;
        else if (vhost_scsi && ON_MMIO(walk, &h->address))
            kind = WALK_VIRTIO_MMIO;
        place(walk, &map->hostdevs[i], kind, "<hostdev>");
    }

    walk_others(walk, domain, "memballoon");
    walk_others(walk, domain, "rng");
    walk_others(walk, domain, "vsock");
    for (guint i = 0; i < domain->others->len; i++) {
        const FwnegOtherDevice *d = g_ptr_array_index(domain->others, i);
        if (!other_has_phase(d) && is_mmio(&d->address)) {
            g_autofree char *what = g_strdup_printf("<%s>", d->element);
            place(walk, &map->others[i], WALK_UNMODELLED, what);
        }
    }
}

/* With the transports known only after every device: an unmodelled device
 * placed after some transport still makes the earlier ones uncertain, since
 * fwneg does not know where libvirt emits it.  Re-mark every mmio placement. */
static void
forget_all(FwnegPlacementMap *map, const FwnegDomain *domain, const char *why, gboolean pending)
{
    FwnegPlacement *arrays[] = {map->controllers, map->disks,  map->interfaces, map->filesystems,
                                map->hostdevs,    map->videos, map->others};
    (void)domain;
    for (guint a = 0; a < G_N_ELEMENTS(arrays); a++) {
        for (guint i = 0; i < map->lens[a]; i++) {
            FwnegPlacement *p = &arrays[a][i];
            if (p->kind == FWNEG_PLACE_ADDRESSED)
                continue;
            p->index = -1;
            p->pending = pending;
            g_free(p->why);
            p->why = g_strdup(why);
        }
    }
    map->n_virtio_mmio = 0;
}

FwnegPlacementMap *
fwneg_placement_map_new(const FwnegDomain *domain)
{
    FwnegPlacementMap *map = g_new0(FwnegPlacementMap, 1);
    map->lens[0] = domain->controllers->len;
    map->lens[1] = domain->disks->len;
    map->lens[2] = domain->interfaces->len;
    map->lens[3] = domain->filesystems->len;
    map->lens[4] = domain->hostdevs->len;
    map->lens[5] = domain->videos->len;
    map->lens[6] = domain->others->len;
    map->controllers = g_new0(FwnegPlacement, domain->controllers->len + 1);
    map->disks = g_new0(FwnegPlacement, domain->disks->len + 1);
    map->interfaces = g_new0(FwnegPlacement, domain->interfaces->len + 1);
    map->filesystems = g_new0(FwnegPlacement, domain->filesystems->len + 1);
    map->hostdevs = g_new0(FwnegPlacement, domain->hostdevs->len + 1);
    map->videos = g_new0(FwnegPlacement, domain->videos->len + 1);
    map->others = g_new0(FwnegPlacement, domain->others->len + 1);

    if (!domain_has_mmio(domain))
        return map; /* every device is where its address says */

    const char *machine = domain->machine;
    Walk walk = {
        .map = map,
        .prime =
            arch_prefers_virtio(domain->arch) &&
            (machine == NULL || g_str_equal(machine, "virt") || g_str_has_prefix(machine, "virt-")),
    };
    mark_used_slots(&walk, domain);
    walk_domain(&walk, domain);
    if (walk.transports_lost) {
        forget_all(map, domain, walk.lost_why, walk.lost_pending);
    } else {
        /* Devices libvirt has not placed yet (or adds at define time) shift the
         * transports and slots of everything; only the defined XML says. */
        g_autofree char *undefined = fwneg_placement_undefined_reason(domain);
        if (undefined != NULL)
            forget_all(map, domain, undefined, TRUE);
    }
    g_free(walk.lost_why);
    return map;
}

void
fwneg_placement_map_free(FwnegPlacementMap *map)
{
    if (map == NULL)
        return;
    FwnegPlacement *arrays[] = {map->controllers, map->disks,  map->interfaces, map->filesystems,
                                map->hostdevs,    map->videos, map->others};
    for (guint a = 0; a < G_N_ELEMENTS(arrays); a++)
        for (guint i = 0; i < map->lens[a]; i++)
            g_free(arrays[a][i].why);
    g_free(map->controllers);
    g_free(map->disks);
    g_free(map->interfaces);
    g_free(map->filesystems);
    g_free(map->hostdevs);
    g_free(map->videos);
    g_free(map->others);
    g_free(map);
}

/* rom-plan.c: the option-ROM stage of the planner.  For every NIC (and the
 * primary video device's VGA BIOS) decide the ROM file by the chosen policy,
 * and say what QEMU will make of it: the RAM block name and size, the file
 * size and its sha256.
 *
 * Policies:
 *   qemu     QEMU 7.2's own default romfile per device, with the machine-type
 *            compat rules, found where QEMU looks (its firmware path, or
 *            --rom-dir), so predictions can be checked against QEMU itself.
 *   default  the ROM sets of data/firmware.d: architecture- and
 *            interface-aware, no x86 ROM in a guest of another architecture
 *            unless a set for it exists; search path /usr/share/qemu-TARGET
 *            first, then QEMU's firmware path (or --rom-dir).
 * Both respect the guest's own <rom file=…>, bar='off' and enabled='no'.
 */
#include "rom-plan.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwneg-config.h"
#include "fwneg-error.h"
#include "device-placement.h"
#include "rom-devices.h"
#include "rom-image.h"
#include "rom-set.h"
#include "rom-store.h"

typedef struct {
    const FwnegDomain *domain;
    const FwnegOptions *options;
    const char *machine;
    const char *interface; /* firmware interface of the plan: bios | uefi | NULL */
    gboolean qemu_policy;
    GPtrArray *search_dirs; /* host paths */
    GPtrArray *sets;        /* FwnegRomSet* */
    FwnegRomHashCache *cache;
    const char *state_dir;
    GPtrArray *roms;     /* FwnegDeviceRom*: the result */
    GPtrArray *warnings; /* char* */
    FwnegPlacementMap *placement;
} RomPlanContext;

void
fwneg_device_rom_free(FwnegDeviceRom *rom)
{
    if (rom == NULL)
        return;
    g_free(rom->device);
    g_free(rom->model);
    g_free(rom->ramblock);
    g_free(rom->file);
    g_free(rom->sha256);
    g_free(rom->store_file);
    g_free(rom->qemu_id);
    g_free(rom->ramblock_pending);
    g_free(rom);
}

char *
fwneg_device_rom_fw_cfg_name(const FwnegDeviceRom *rom)
{
    if (rom->rombar || rom->file == NULL || rom->file[0] == '\0')
        return NULL;
    g_autofree char *base = g_path_get_basename(rom->file);
    return g_strconcat("genroms/", base, NULL);
}

char *
fwneg_rom_sets_dir(const FwnegOptions *options)
{
    if (options->rom_sets_dir != NULL)
        return g_strdup(options->rom_sets_dir);
    return g_build_filename(options->data_dir ? options->data_dir : FWNEG_DATADIR, "firmware.d",
                            NULL);
}

GPtrArray *
fwneg_rom_search_path(const FwnegOptions *options, const char *arch, gboolean qemu_policy)
{
    if (options->rom_dirs != NULL) {
        GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < options->rom_dirs->len; i++)
            g_ptr_array_add(dirs, g_strdup(g_ptr_array_index(options->rom_dirs, i)));
        return dirs;
    }
    GPtrArray *dirs = fwneg_options_qemu_firmware_path(options);
    const char *target = fwneg_arch_to_qemu_target(arch);
    /* The per-architecture directory first (Debian bug #1095073's proposal);
     * QEMU itself has no per-target search, so the qemu policy skips it. */
    if (!qemu_policy && target != NULL)
        g_ptr_array_insert(dirs, 0, g_strdup_printf("/usr/share/qemu-%s", target));
    return dirs;
}

/* Where QEMU would find @name: as given when absolute, else the first search
 * directory that has it.  The default policy takes any directory entry (so a
 * broken link is reported, not skipped); QEMU's own lookup (access R_OK) skips
 * unreadable entries, which the qemu policy mirrors. */
static char *
find_rom_file(const RomPlanContext *ctx, const char *name)
{
    if (g_path_is_absolute(name))
        return g_strdup(name);
    for (guint i = 0; i < ctx->search_dirs->len; i++) {
        g_autofree char *host =
            g_build_filename(g_ptr_array_index(ctx->search_dirs, i), name, NULL);
        g_autofree char *real = fwneg_options_sysroot_path(ctx->options, host);
        struct stat st;
        if (ctx->qemu_policy ? access(real, R_OK) == 0 : lstat(real, &st) == 0)
            return g_steal_pointer(&host);
    }
    return NULL;
}

static char *
search_path_text(const RomPlanContext *ctx)
{
    g_autoptr(GString) text = g_string_new(NULL);
    for (guint i = 0; i < ctx->search_dirs->len; i++)
        g_string_append_printf(text, "%s%s", i ? ", " : "",
                               (char *)g_ptr_array_index(ctx->search_dirs, i));
    return g_strdup(text->str);
}

static FwnegDeviceRom *
rom_entry_new(const char *device, const char *model, const char *qemu_id, guint interface_number)
{
    FwnegDeviceRom *rom = g_new0(FwnegDeviceRom, 1);
    rom->device = g_strdup(device);
    rom->model = g_strdup(model);
    rom->qemu_id = g_strdup(qemu_id);
    rom->interface_number = interface_number;
    rom->file_size = -1;
    rom->rombar = TRUE;
    return rom;
}

/* The RAM block size a <qemu:override> romsize property pins for @qemu_id:
 * 0 when there is none, -1 (with @error) when QEMU would refuse the value. */
static gint64
override_romsize(const RomPlanContext *ctx, const FwnegDeviceRom *rom, const char *qemu_id,
                 GError **error)
{
    const FwnegDeviceOverride *o = fwneg_domain_find_override(ctx->domain, qemu_id, "romsize");
    guint64 value = 0;
    if (o == NULL || g_strcmp0(o->type, "remove") == 0 || o->value == NULL)
        return 0;
    if (!g_ascii_string_to_unsigned(o->value, 10, 1, G_MAXUINT32, &value, NULL)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: <qemu:override> romsize '%s' for device %s is not a size in bytes",
                    rom->device, o->value, qemu_id);
        return -1;
    }
    /* QEMU's pci_add_option_rom: "ROM size %u is not a power of two". */
    if ((value & (value - 1)) != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "%s: <qemu:override> romsize %" G_GUINT64_FORMAT
                    " for device %s: ROM size is not a power of two (QEMU refuses it)",
                    rom->device, value, qemu_id);
        return -1;
    }
    return (gint64)value;
}

/* Fill file, file size, sha256, RAM block name and size for @file_name;
 * @romsize > 0 pins the RAM block size (QEMU's romsize property). */
static gboolean
fill_rom(RomPlanContext *ctx, FwnegDeviceRom *rom, const FwnegRomDevice *dev,
         const FwnegAddress *address, const char *file_name, const FwnegRomSet *set,
         gboolean strict, gint64 romsize, GError **error)
{
    g_autofree char *path = find_rom_file(ctx, file_name);
    if (path == NULL) {
        g_autofree char *dirs = search_path_text(ctx);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "%s (%s): ROM file %s not found in %s; install it (Debian: ipxe-qemu, "
                    "seabios), point --rom-dir at it, or give the device <rom enabled='no'/>",
                    rom->device, rom->model, file_name, dirs);
        return FALSE;
    }
    g_autofree char *real = fwneg_options_sysroot_path(ctx->options, path);
    g_autoptr(GError) read_error = NULL;
    g_autoptr(FwnegRomImage) image =
        fwneg_rom_image_read_cached(ctx->cache, real, path, &read_error);
    if (image == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE, "%s (%s): %s", rom->device,
                    rom->model, read_error->message);
        return FALSE;
    }
    if (image->layout_error != NULL) {
        g_autofree char *message = g_strdup_printf("%s (%s): ROM file %s: %s", rom->device,
                                                   rom->model, path, image->layout_error);
        /* QEMU loads any bytes; only fwneg's own choice is held to the format. */
        if (strict) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                        "%s; replace the file or choose another ROM", message);
            return FALSE;
        }
        g_ptr_array_add(ctx->warnings, g_steal_pointer(&message));
    }
    gint64 bucket = fwneg_rom_bucket(image->file_size);
    if (romsize > 0) {
        if (image->file_size > romsize) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                        "%s (%s): romfile \"%s\" (%" G_GINT64_FORMAT
                        " bytes) is too large for ROM size %" G_GINT64_FORMAT
                        " (the <qemu:override> romsize; QEMU refuses to start)",
                        rom->device, rom->model, path, image->file_size, romsize);
            return FALSE;
        }
        bucket = romsize;
        rom->size_pinned = TRUE;
    }
    if (set != NULL && bucket > set->max_size && !ctx->options->migration_target) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "%s (%s): ROM file %s is %" G_GINT64_FORMAT " bytes, a %" G_GINT64_FORMAT
                    "-byte ROM BAR, larger than the %" G_GINT64_FORMAT
                    " bytes ROM set %s allows; a bigger ROM BAR would break migration of "
                    "guests started with the set's ROMs: install a ROM that fits",
                    rom->device, rom->model, path, image->file_size, bucket, set->max_size,
                    set->path);
        return FALSE;
    }
    rom->file = g_steal_pointer(&path);
    rom->file_size = image->file_size;
    rom->sha256 = g_strdup(image->sha256);
    rom->store_file = fwneg_rom_store_lookup(ctx->state_dir, rom->sha256);
    if (!rom->rombar)
        return TRUE; /* fw_cfg genroms/: no BAR, no RAM block */
    rom->size = bucket;
    g_autofree char *why = NULL;
    g_autofree char *dev_path = fwneg_rom_pci_dev_path(ctx->domain, address, &why);
    if (dev_path == NULL) {
        /* Every such gap is an address libvirt assigns at define time. */
        rom->ramblock_pending = g_steal_pointer(&why);
        return TRUE;
    }
    g_autofree char *region = fwneg_rom_region_name(dev);
    rom->ramblock = g_strdup_printf("%s/%s", dev_path, region);
    return TRUE;
}

static gboolean
is_virtio_net(const FwnegRomDevice *dev)
{
    return g_str_has_prefix(dev->qemu_type, "virtio-net-pci");
}

/* The default policy's file for @dev, or NULL (no ROM); *set_out names the set. */
static const char *
default_policy_file(const RomPlanContext *ctx, const FwnegRomDevice *dev,
                    const FwnegRomSet **set_out)
{
    *set_out = NULL;
    if (ctx->options->uefi_virtio_net_without_rom && g_strcmp0(ctx->interface, "uefi") == 0 &&
        is_virtio_net(dev))
        return NULL; /* the firmware's own VirtioNetDxe drives it */
    for (guint i = 0; ctx->sets != NULL && i < ctx->sets->len; i++) {
        const FwnegRomSet *set = g_ptr_array_index(ctx->sets, i);
        const char *file;
        if (!fwneg_rom_set_applies(set, ctx->domain->arch, ctx->interface))
            continue;
        file = g_hash_table_lookup(set->files, dev->libvirt_model);
        if (file != NULL) {
            *set_out = set;
            return file;
        }
    }
    return NULL;
}

/* The address QEMU gives a NIC libvirt emits without bus/addr (a non-virtio
 * model with a virtio-mmio address: QEMU takes the first free root slot). */
static const FwnegAddress *
interface_rom_address(const FwnegPlacement *p, const FwnegAddress *own, FwnegAddress *scratch)
{
    if (p->kind != FWNEG_PLACE_PCI_AUTO)
        return own;
    *scratch = (FwnegAddress){.type = p->index >= 0 ? FWNEG_ADDRESS_PCI : FWNEG_ADDRESS_NONE,
                              .domain = 0,
                              .bus = 0,
                              .slot = p->index,
                              .function = 0};
    return scratch;
}

/* A PCI host device's ROM (vfio-pci, for <hostdev> and <interface
 * type='hostdev'>): never an emulated NIC's default ROM.  Only a <rom file>
 * gives QEMU a ROM file (RAM block PCIPATH/vfio-pci.rom, or fw_cfg genroms/
 * with bar='off'); without one the guest sees the physical device's ROM
 * through an I/O region (no RAM block, nothing to record), and enabled='no'
 * or file='' hides it. */
static gboolean
plan_vfio_rom(RomPlanContext *ctx, const char *label, const FwnegRom *rom_xml,
              const FwnegAddress *address, const char *qemu_id, guint interface_number,
              GError **error)
{
    if (rom_xml->file == NULL || rom_xml->file[0] == '\0' || rom_xml->enabled == FWNEG_TRISTATE_NO)
        return TRUE;
    const FwnegRomDevice *dev = fwneg_rom_vfio_device();
    FwnegDeviceRom *rom = rom_entry_new(label, dev->libvirt_model, qemu_id, interface_number);
    g_ptr_array_add(ctx->roms, rom);
    rom->rombar = rom_xml->bar != FWNEG_TRISTATE_NO;
    /* A device's own ROM image may be any vendor's: QEMU loads it as it is. */
    return fill_rom(ctx, rom, dev, address, rom_xml->file, NULL, FALSE, 0, error);
}

static gboolean
plan_interface(RomPlanContext *ctx, const FwnegInterface *iface, guint index, GError **error)
{
    g_autofree char *label = fwneg_interface_label(iface, index);
    if (g_strcmp0(iface->type, "hostdev") == 0)
        return plan_vfio_rom(ctx, label, &iface->rom, &iface->address, iface->alias, index + 1,
                             error);
    const FwnegPlacement *p = &ctx->placement->interfaces[index];
    if (p->kind == FWNEG_PLACE_VIRTIO_MMIO)
        return TRUE; /* virtio-net-device: no PCI function, no ROM BAR */

    const FwnegRomDevice *dev = fwneg_rom_nic_device(iface->model, ctx->domain->arch, ctx->machine);
    if (dev == NULL)
        return TRUE; /* not a PCI NIC with a ROM BAR (usb-net, …) */

    FwnegAddress scratch;
    const FwnegAddress *address = interface_rom_address(p, &iface->address, &scratch);
    FwnegDeviceRom *rom = rom_entry_new(label, dev->libvirt_model, iface->alias, index + 1);
    g_ptr_array_add(ctx->roms, rom);
    rom->rombar = iface->rom.bar != FWNEG_TRISTATE_NO;

    gboolean ok = TRUE;
    /* libvirt: enabled='no' and file='' both become romfile="" (no ROM at all). */
    if (iface->rom.enabled == FWNEG_TRISTATE_NO ||
        (iface->rom.file != NULL && iface->rom.file[0] == '\0'))
        return TRUE;
    g_autofree char *qemu_id = fwneg_interface_qemu_id(ctx->domain, index);
    gint64 romsize = override_romsize(ctx, rom, qemu_id, error);
    if (romsize < 0) {
        ok = FALSE;
    } else if (iface->rom.file != NULL) {
        ok = fill_rom(ctx, rom, dev, address, iface->rom.file, NULL, !ctx->qemu_policy, romsize,
                      error);
    } else if (ctx->qemu_policy) {
        const char *file = fwneg_rom_qemu_default_file(dev, ctx->machine);
        ok = file == NULL || fill_rom(ctx, rom, dev, address, file, NULL, FALSE, romsize, error);
    } else {
        const FwnegRomSet *set = NULL;
        const char *file = default_policy_file(ctx, dev, &set);
        ok = file == NULL || fill_rom(ctx, rom, dev, address, file, set, TRUE, romsize, error);
    }
    /* An auto-placed slot fwneg cannot work out is not something define settles. */
    if (ok && rom->ramblock_pending != NULL && p->kind == FWNEG_PLACE_PCI_AUTO && !p->pending) {
        g_ptr_array_add(ctx->warnings, g_strdup_printf("%s: RAM block name unknown: %s",
                                                       rom->device, p->why ? p->why : "?"));
        g_clear_pointer(&rom->ramblock_pending, g_free);
    }
    return ok;
}

static gboolean
plan_hostdev(RomPlanContext *ctx, const FwnegHostdev *hostdev, guint index, GError **error)
{
    if (g_strcmp0(hostdev->type, "pci") != 0)
        return TRUE;
    g_autofree char *label =
        hostdev->alias ? g_strdup(hostdev->alias) : g_strdup_printf("hostdev[%u]", index);
    return plan_vfio_rom(ctx, label, &hostdev->rom, &hostdev->address, hostdev->alias, 0, error);
}

/* VGA BIOS: libvirt 9.0 has no <rom> for video, so both policies predict
 * QEMU's default file; the record still pins its size and bytes. */
static gboolean
plan_video(RomPlanContext *ctx, const FwnegVideo *video, guint index, GError **error)
{
    const FwnegRomDevice *dev =
        fwneg_rom_video_device(video->model, video->primary, ctx->domain->arch);
    if (dev == NULL)
        return TRUE;
    g_autofree char *label =
        video->alias ? g_strdup(video->alias) : g_strdup_printf("video[%u]", index);
    FwnegDeviceRom *rom = rom_entry_new(label, dev->libvirt_model, video->alias, 0);
    g_ptr_array_add(ctx->roms, rom);
    gboolean saved_policy = ctx->qemu_policy;
    ctx->qemu_policy = TRUE; /* QEMU's lookup for QEMU's file */
    gboolean ok = fill_rom(ctx, rom, dev, &video->address, dev->default_rom, NULL, FALSE, 0, error);
    ctx->qemu_policy = saved_policy;
    return ok;
}

char *
fwneg_rom_hash_cache_file(const FwnegOptions *options)
{
    if (options->no_cache)
        return NULL;
    const char *state_dir = options->state_dir ? options->state_dir : FWNEG_DEFAULT_STATE_DIR;
    return g_build_filename(state_dir, "cache", "rom-sha256.json", NULL);
}

GPtrArray *
fwneg_rom_plan(const FwnegDomain *domain, const char *canonical_machine,
               const FwnegRomPlanInputs *inputs, GPtrArray *warnings, GError **error)
{
    const FwnegOptions *options = inputs->options;
    g_autoptr(GPtrArray) roms =
        g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_device_rom_free);
    g_autoptr(GPtrArray) search_dirs = NULL;
    RomPlanContext ctx = {
        .domain = domain,
        .options = options,
        .machine = canonical_machine,
        .interface = inputs->firmware_interface,
        .qemu_policy = g_strcmp0(options->rom_policy, "qemu") == 0,
        .sets = inputs->rom_sets,
        .cache = inputs->hash_cache,
        .state_dir = options->state_dir ? options->state_dir : FWNEG_DEFAULT_STATE_DIR,
        .roms = roms,
        .warnings = warnings,
    };
    search_dirs = fwneg_rom_search_path(options, domain->arch, ctx.qemu_policy);
    ctx.search_dirs = search_dirs;

    if (!ctx.qemu_policy && (ctx.sets == NULL || ctx.sets->len == 0))
        g_ptr_array_add(warnings, g_strdup_printf("no ROM sets in %s: NICs get no option ROM (set "
                                                  "rom-sets-dir, or use --rom-policy=qemu)",
                                                  inputs->rom_sets_dir));

    g_autoptr(FwnegPlacementMap) placement = fwneg_placement_map_new(domain);
    ctx.placement = placement;
    for (guint i = 0; domain->interfaces != NULL && i < domain->interfaces->len; i++)
        if (!plan_interface(&ctx, g_ptr_array_index(domain->interfaces, i), i, error))
            return NULL;
    for (guint i = 0; domain->hostdevs != NULL && i < domain->hostdevs->len; i++)
        if (!plan_hostdev(&ctx, g_ptr_array_index(domain->hostdevs, i), i, error))
            return NULL;
    for (guint i = 0; domain->videos != NULL && i < domain->videos->len; i++)
        if (!plan_video(&ctx, g_ptr_array_index(domain->videos, i), i, error))
            return NULL;
    return g_steal_pointer(&roms);
}

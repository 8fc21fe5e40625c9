/* record-verify.c: the prepare-time check of a recorded plan on this host
 * (record-verify.h): every file the record and the domain XML name exists here
 * with the recorded size and bytes; what fwneg itself keeps (ROM store copies,
 * its fw_cfg files) is written from the record first when missing.
 *
 * Each problem is one line that says what differs and what to do, because the
 * libvirt hook shows the first one to whoever ran `virsh start`.
 */
#include "record-verify.h"

#include <string.h>

#include "fwcfg-plan.h"
#include "record.h"
#include "rom-store.h"
#include "safe-xml.h"

/* fwneg's fw_cfg files are a few words; anything this big is not one. */
#define FW_CFG_FILE_MAX_BYTES (1024 * 1024)

static const char *
state_dir_of(const FwnegRecordVerify *v)
{
    return v->options->state_dir ? v->options->state_dir : FWNEG_DEFAULT_STATE_DIR;
}

static const char *
guest_name(const FwnegRecordVerify *v)
{
    return v->domain->name ? v->domain->name : "the guest";
}

static void problem(FwnegRecordVerify *v, const char *format, ...) G_GNUC_PRINTF(2, 3);
static void
problem(FwnegRecordVerify *v, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_ptr_array_add(v->problems, g_strdup_vprintf(format, args));
    va_end(args);
}

static gboolean
host_file_exists(const FwnegRecordVerify *v, const char *path)
{
    g_autofree char *real = fwneg_options_sysroot_path(v->options, path);
    return g_file_test(real, G_FILE_TEST_IS_REGULAR);
}

static void
verify_firmware(FwnegRecordVerify *v)
{
    const FwnegFirmwareChoice *fw = v->recorded->firmware;
    if (fw == NULL)
        return;
    if (fw->executable != NULL && !host_file_exists(v, fw->executable))
        problem(v,
                "firmware %s recorded for %s is not on this host: install the package that "
                "ships it (Debian: ovmf, seabios, qemu-efi-aarch64) or re-run `fwneg apply %s`",
                fw->executable, guest_name(v), guest_name(v));
    if (fw->nvram_template != NULL && !host_file_exists(v, fw->nvram_template))
        problem(v,
                "NVRAM template %s recorded for %s is not on this host: install the package "
                "that ships it or re-run `fwneg apply %s`",
                fw->nvram_template, guest_name(v), guest_name(v));

    g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func(g_free);
    fwneg_plan_compare_descriptors(v->recorded, v->descriptors, v->options, changes);
    for (guint i = 0; i < changes->len; i++)
        problem(v, "%s since %s was recorded: re-run `fwneg apply %s` to plan it again",
                (char *)g_ptr_array_index(changes, i), guest_name(v), guest_name(v));
}

/* The interface a recorded ROM belongs to (its label is the record's device),
 * or -1 (a video ROM, or a NIC the domain no longer has). */
static int
interface_index(const FwnegDomain *domain, const char *device)
{
    for (guint i = 0; domain->interfaces != NULL && i < domain->interfaces->len; i++) {
        g_autofree char *label = fwneg_interface_label(g_ptr_array_index(domain->interfaces, i), i);
        if (g_strcmp0(label, device) == 0)
            return (int)i;
    }
    return -1;
}

/* A store copy (STATE_DIR/roms/<sha256>) that is missing is written again from
 * the ROM the record was made from, if that file still has the recorded bytes. */
static gboolean
materialise_store_copy(FwnegRecordVerify *v, const FwnegDeviceRom *rec, const char *file)
{
    g_autofree char *store_dir =
        g_build_filename(state_dir_of(v), FWNEG_ROM_STORE_SUBDIR, "/", NULL);
    g_autofree char *name = g_path_get_basename(file);
    if (!g_str_has_prefix(file, store_dir) || host_file_exists(v, file))
        return TRUE;
    if (!v->materialise || g_strcmp0(name, rec->sha256) != 0 || rec->file == NULL ||
        g_str_has_prefix(rec->file, store_dir)) {
        problem(v,
                "%s: ROM store copy %s is missing: import the recorded ROM (`fwneg rom export "
                "--to DIR %s` where it exists, `fwneg rom import DIR/%s` here)",
                rec->device, file, rec->sha256 ? rec->sha256 : name,
                rec->sha256 ? rec->sha256 : name);
        return FALSE;
    }
    g_autoptr(GError) error = NULL;
    g_autofree char *source = fwneg_options_sysroot_path(v->options, rec->file);
    g_autofree char *stored =
        fwneg_rom_store_put(state_dir_of(v), source, rec->sha256, NULL, &error);
    if (stored == NULL) {
        problem(v,
                "%s: ROM store copy %s is missing and cannot be made again from %s (%s): import "
                "the recorded ROM (`fwneg rom export --to DIR %s` where it exists, `fwneg rom "
                "import DIR/%s` here)",
                rec->device, file, rec->file, error->message, rec->sha256, rec->sha256);
        return FALSE;
    }
    g_ptr_array_add(v->done, g_strdup_printf("%s: wrote the ROM store copy %s from %s", rec->device,
                                             stored, rec->file));
    return TRUE;
}

/* The RAM block size the domain pins with <qemu:override> romsize, 0 when none. */
static gint64
pinned_size(const FwnegDomain *domain, int index)
{
    if (index < 0)
        return 0;
    g_autofree char *qemu_id = fwneg_interface_qemu_id(domain, (guint)index);
    const FwnegDeviceOverride *o = fwneg_domain_find_override(domain, qemu_id, "romsize");
    guint64 value = 0;
    if (o == NULL || o->value == NULL || g_strcmp0(o->type, "remove") == 0 ||
        !g_ascii_string_to_unsigned(o->value, 10, 1, G_MAXUINT32, &value, NULL))
        return 0;
    return (gint64)value;
}

static void
verify_rom(FwnegRecordVerify *v, const FwnegDeviceRom *rec)
{
    if (rec->file == NULL)
        return; /* recorded without a ROM: the start-time comparison sees an added one */
    int index = interface_index(v->domain, rec->device);
    const FwnegInterface *iface =
        index >= 0 ? g_ptr_array_index(v->domain->interfaces, index) : NULL;
    const char *file = rec->file;
    if (iface != NULL) {
        if (iface->rom.enabled == FWNEG_TRISTATE_NO ||
            (iface->rom.file != NULL && iface->rom.file[0] == '\0')) {
            problem(v,
                    "%s: the domain turns the NIC's ROM off but %s was recorded with %s "
                    "(%" G_GINT64_FORMAT "-byte RAM block): re-run `fwneg apply %s`",
                    rec->device, guest_name(v), rec->file, rec->size, guest_name(v));
            return;
        }
        if (iface->rom.file != NULL)
            file = iface->rom.file;
    }
    if (!materialise_store_copy(v, rec, file))
        return;

    g_autoptr(GError) error = NULL;
    g_autofree char *real = fwneg_options_sysroot_path(v->options, file);
    g_autoptr(FwnegRomImage) image = fwneg_rom_image_read_cached(v->hash_cache, real, file, &error);
    if (image == NULL) {
        problem(v, "%s: %s; %s was recorded with it: restore it or re-run `fwneg apply %s`",
                rec->device, error->message, guest_name(v), guest_name(v));
        return;
    }
    gint64 pinned = pinned_size(v->domain, index);
    gint64 size = pinned > 0 ? pinned : fwneg_rom_bucket(image->file_size);
    if (rec->rombar && rec->size > 0 && size != rec->size) {
        problem(v,
                "%s: ROM %s (%" G_GINT64_FORMAT " bytes) gives a %" G_GINT64_FORMAT
                "-byte RAM block%s, recorded %" G_GINT64_FORMAT
                ": migrations of %s would fail with QEMU's 'Size mismatch'; put the recorded ROM "
                "back (`fwneg rom import`) or re-run `fwneg apply %s`",
                rec->device, file, image->file_size, size, pinned > 0 ? " (romsize)" : "",
                rec->size, guest_name(v), guest_name(v));
        return;
    }
    if (rec->sha256 != NULL && g_strcmp0(image->sha256, rec->sha256) != 0)
        problem(v,
                "%s: ROM %s changed since %s was recorded (sha256 %.12s… now, %.12s… "
                "recorded): put the recorded ROM back (`fwneg rom import`) or re-run `fwneg "
                "apply %s`",
                rec->device, file, guest_name(v), image->sha256, rec->sha256, guest_name(v));
}

static gboolean
bytes_equal(GBytes *recorded, const char *data, gsize len)
{
    gsize recorded_len = 0;
    const void *p = recorded ? g_bytes_get_data(recorded, &recorded_len) : NULL;
    return recorded_len == len && (len == 0 || memcmp(p, data, len) == 0);
}

static void
verify_fw_cfg(FwnegRecordVerify *v, const FwnegFwCfgFile *rec)
{
    if (g_strcmp0(rec->origin, "fwneg") != 0 || rec->name == NULL)
        return; /* QEMU's own files: the start-time comparison plans them */
    const FwnegFwCfgEntry *entry = fwneg_domain_find_fw_cfg_entry(v->domain, rec->name);
    if (entry == NULL) {
        problem(v,
                "fw_cfg file %s was recorded for %s but is not among its <sysinfo "
                "type='fwcfg'> entries: re-run `fwneg apply %s`",
                rec->name, guest_name(v), guest_name(v));
        return;
    }
    if (entry->file == NULL) {
        if (!bytes_equal(rec->data, entry->value ? entry->value : "",
                         entry->value ? strlen(entry->value) : 0))
            problem(v,
                    "fw_cfg file %s: the domain's value differs from the recorded bytes: "
                    "re-run `fwneg apply %s`",
                    rec->name, guest_name(v));
        return;
    }
    g_autofree char *real = fwneg_options_sysroot_path(v->options, entry->file);
    g_autofree char *data = NULL;
    gsize len = 0;
    gboolean readable = fwneg_read_bounded(real, FW_CFG_FILE_MAX_BYTES, &data, &len, NULL);
    if (readable && bytes_equal(rec->data, data, len))
        return;
    g_autofree char *own_dir =
        g_build_filename(state_dir_of(v), FWNEG_FWCFG_STATE_SUBDIR, "/", NULL);
    if (!v->materialise || !g_str_has_prefix(entry->file, own_dir) || v->options->sysroot) {
        problem(v, "fw_cfg file %s: %s %s the recorded bytes: re-run `fwneg apply %s`", rec->name,
                entry->file, readable ? "does not hold" : "is missing, it should hold",
                guest_name(v));
        return;
    }
    /* fwneg's own file: written again from the record, through the same
     * symlink-refusing writer `fwneg apply` used. */
    FwnegFwCfgFile copy = {
        .name = rec->name, .origin = rec->origin, .data = rec->data, .file = entry->file};
    g_autoptr(GPtrArray) one = g_ptr_array_new();
    g_ptr_array_add(one, &copy);
    g_autoptr(GError) error = NULL;
    if (!fwneg_fwcfg_write_files(one, state_dir_of(v), &error)) {
        problem(v, "fw_cfg file %s: cannot write %s: %s", rec->name, entry->file, error->message);
        return;
    }
    g_ptr_array_add(v->done, g_strdup_printf("fw_cfg file %s: wrote %s from the record", rec->name,
                                             entry->file));
}

void
fwneg_record_verify_host(FwnegRecordVerify *v)
{
    const FwnegPlan *rec = v->recorded;
    /* libvirt stores the canonical name at define; the alias the record was
     * planned from (q35) is the same machine. */
    if (rec->machine != NULL && v->domain->machine != NULL &&
        g_strcmp0(rec->machine, v->domain->machine) != 0 &&
        g_strcmp0(rec->machine_requested, v->domain->machine) != 0)
        problem(v,
                "machine type %s is not the recorded %s: the guest's firmware, ROM and fw_cfg "
                "layout were planned for %s; re-run `fwneg apply %s` if the change is wanted",
                v->domain->machine, rec->machine, rec->machine, guest_name(v));
    verify_firmware(v);
    for (guint i = 0; rec->roms != NULL && i < rec->roms->len; i++)
        verify_rom(v, g_ptr_array_index(rec->roms, i));
    for (guint i = 0; rec->fw_cfg != NULL && i < rec->fw_cfg->len; i++)
        verify_fw_cfg(v, g_ptr_array_index(rec->fw_cfg, i));
}

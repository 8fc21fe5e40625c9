/* migrate-check-roms.c: can this host give every recorded ROM a RAM block of exactly
 * the recorded size?  QEMU migrates ROM contents but refuses a stream whose
 * RAM block sizes differ ("Size mismatch: 0000:00:03.0/e1000.rom: 0x40000 !=
 * 0x80000"), and the migrated ROM keeps running after a guest reboot.
 *
 * Resolution order, per recorded ROM with a RAM block:
 *   1. the same bytes: the store copy STATE_DIR/roms/<sha256>, or a local file
 *      with that sha256 — pinned as romfile (same size by construction);
 *   2. a local ROM in the same power-of-two bucket (contents travel anyway);
 *   3. a smaller local ROM pinned with romsize=RECORDED (QEMU >= 6.0);
 *   4. refuse, naming the device, both sizes and what to install or import.
 */
#include <string.h>

#include "host-facts.h"
#include "migrate-check.h"
#include "rom-store.h"

static FwnegDeviceRom *
find_local(FwnegPlan *local, const FwnegDeviceRom *recorded)
{
    for (guint i = 0; local->roms != NULL && i < local->roms->len; i++) {
        FwnegDeviceRom *rom = g_ptr_array_index(local->roms, i);
        if (recorded->ramblock != NULL && g_strcmp0(rom->ramblock, recorded->ramblock) == 0)
            return rom;
    }
    for (guint i = 0; local->roms != NULL && i < local->roms->len; i++) {
        FwnegDeviceRom *rom = g_ptr_array_index(local->roms, i);
        if (g_strcmp0(rom->device, recorded->device) == 0)
            return rom;
    }
    return NULL;
}

static const char *
qemu_id(const FwnegDeviceRom *local, const FwnegDeviceRom *recorded)
{
    if (local != NULL && local->qemu_id != NULL)
        return local->qemu_id;
    return recorded->qemu_id ? recorded->qemu_id : recorded->device;
}

static void
set_property(FwnegMigrateCheck *check, const char *id, const char *property, const char *value)
{
    g_ptr_array_add(check->qemu_args, g_strdup("-set"));
    g_ptr_array_add(check->qemu_args, g_strdup_printf("device.%s.%s=%s", id, property, value));
}

static gboolean
qemu_has_romsize(const FwnegPlan *local)
{
    int major = 0, minor = 0, micro = 0;
    if (local->qemu_version == NULL ||
        !fwneg_parse_dotted_version(local->qemu_version, &major, &minor, &micro))
        return FALSE;
    return major >= 6; /* romsize: QEMU 6.0, commit 08b1df8ff4 */
}

static void
check_one(FwnegMigrateCheck *check, const FwnegDeviceRom *recorded)
{
    const char *state_dir = check->options && check->options->state_dir ? check->options->state_dir
                                                                        : FWNEG_DEFAULT_STATE_DIR;
    FwnegDeviceRom *local = find_local(check->local, recorded);
    const char *id = qemu_id(local, recorded);
    const char *subject = recorded->device;

    if (recorded->ramblock == NULL || recorded->size <= 0) {
        /* No RAM block recorded: a local ROM BAR would be an extra RAM block. */
        if (local != NULL && local->ramblock != NULL && local->size > 0) {
            set_property(check, id, "romfile", "");
            g_clear_pointer(&local->file, g_free);
            g_clear_pointer(&local->ramblock, g_free);
            g_clear_pointer(&local->sha256, g_free);
            g_clear_pointer(&local->store_file, g_free);
            local->size = 0;
            fwneg_migrate_check_add(check, "rom", subject, FWNEG_MIGRATE_ADJUSTED,
                                    "recorded without a ROM RAM block; the local ROM is "
                                    "turned off (romfile=\"\")");
        } else {
            fwneg_migrate_check_add(check, "rom", subject, FWNEG_MIGRATE_SAME,
                                    "no ROM RAM block, as recorded");
        }
        return;
    }

    /* 1. the same bytes */
    g_autofree char *stored = fwneg_rom_store_lookup(state_dir, recorded->sha256);
    if (local != NULL && local->sha256 != NULL && g_strcmp0(local->sha256, recorded->sha256) == 0 &&
        local->size == recorded->size) {
        fwneg_migrate_check_add(check, "rom", subject, FWNEG_MIGRATE_SAME,
                                "%s: the same bytes (sha256 %.12s…) in %s", recorded->ramblock,
                                recorded->sha256, local->file);
        return;
    }
    if (stored != NULL) {
        set_property(check, id, "romfile", stored);
        if (local != NULL) {
            g_free(local->file);
            local->file = g_strdup(stored);
            g_free(local->store_file);
            local->store_file = g_strdup(stored);
            g_free(local->sha256);
            local->sha256 = g_strdup(recorded->sha256);
            local->file_size = recorded->file_size;
            local->size = recorded->size;
        }
        fwneg_migrate_check_add(check, "rom", subject, FWNEG_MIGRATE_ADJUSTED,
                                "%s: the recorded bytes from the ROM store (%s), %" G_GINT64_FORMAT
                                "-byte RAM block",
                                recorded->ramblock, stored, recorded->size);
        return;
    }
    if (local == NULL || local->file == NULL || local->size <= 0) {
        fwneg_migrate_check_add(check, "rom", subject, FWNEG_MIGRATE_REFUSED,
                                "%s: recorded ROM %s (%" G_GINT64_FORMAT " bytes, %" G_GINT64_FORMAT
                                "-byte RAM block, sha256 %s); this host has no ROM for "
                                "the device: install %s or import the recorded ROM "
                                "(`fwneg rom export --to DIR %s` on the source, `fwneg rom "
                                "import DIR/%s` here)",
                                recorded->ramblock, recorded->file ? recorded->file : "?",
                                recorded->file_size, recorded->size, recorded->sha256,
                                recorded->file ? recorded->file : "the ROM", recorded->sha256,
                                recorded->sha256);
        return;
    }
    /* 2. the same bucket */
    if (local->size == recorded->size && !local->size_pinned) {
        fwneg_migrate_check_add(check, "rom", subject, FWNEG_MIGRATE_SAME,
                                "%s: same %" G_GINT64_FORMAT
                                "-byte RAM block from %s (%" G_GINT64_FORMAT
                                " bytes; other bytes than recorded, the "
                                "guest keeps the migrated ones)",
                                recorded->ramblock, recorded->size, local->file, local->file_size);
        return;
    }
    /* 3. a smaller ROM pinned to the recorded size */
    if (local->file_size <= recorded->size && qemu_has_romsize(check->local)) {
        g_autofree char *size = g_strdup_printf("%" G_GINT64_FORMAT, recorded->size);
        set_property(check, id, "romsize", size);
        local->size = recorded->size;
        local->size_pinned = TRUE;
        fwneg_migrate_check_add(check, "rom", subject, FWNEG_MIGRATE_ADJUSTED,
                                "%s: local %s (%" G_GINT64_FORMAT
                                " bytes) pinned to the recorded %" G_GINT64_FORMAT
                                "-byte RAM block with romsize",
                                recorded->ramblock, local->file, local->file_size, recorded->size);
        return;
    }
    /* 4. refuse */
    fwneg_migrate_check_add(
        check, "rom", subject, FWNEG_MIGRATE_REFUSED,
        "%s: recorded %" G_GINT64_FORMAT "-byte RAM block (%s, %" G_GINT64_FORMAT
        " bytes, sha256 %s); here %s is %" G_GINT64_FORMAT " bytes (%" G_GINT64_FORMAT
        "-byte RAM block)%s: QEMU would "
        "fail with 'Size mismatch'.  Import the recorded ROM (`fwneg rom "
        "export --to DIR %s` on the source, `fwneg rom import DIR/%s` "
        "here) or install a ROM of at most %" G_GINT64_FORMAT " bytes",
        recorded->ramblock, recorded->size, recorded->file ? recorded->file : "?",
        recorded->file_size, recorded->sha256, local->file, local->file_size, local->size,
        qemu_has_romsize(check->local) ? "" : " and this QEMU has no romsize", recorded->sha256,
        recorded->sha256, recorded->size);
}

void
fwneg_migrate_check_roms(FwnegMigrateCheck *check)
{
    for (guint i = 0; check->recorded->roms != NULL && i < check->recorded->roms->len; i++)
        check_one(check, g_ptr_array_index(check->recorded->roms, i));
}

/* migrate-check-fw-cfg.c: the fw_cfg aspect of `fwneg migrate-check`.
 *
 * Migrated firmware keeps running after a guest reboot (it is guest RAM/flash),
 * and reads fw_cfg by selector key, which QEMU derives from the sorted name set
 * (OVMF's S3 boot script even replays the SMI negotiation by a key recorded at
 * first boot).  So on the target every recorded fw_cfg file must exist with the
 * same bytes, no file may be added (it would shift the keys of later names), and
 * the whole set must fit the machine type's file slots.  Nothing here can be
 * adjusted: the bytes are a function of machine type and guest config, so a
 * difference means the target differs (machine type, config, fwneg data).
 */
#include "migrate-check.h"

#include <string.h>

static const FwnegFwCfgFile *
find_entry(const GPtrArray *entries, const char *name)
{
    for (guint i = 0; entries != NULL && i < entries->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(entries, i);
        if (g_strcmp0(entry->name, name) == 0)
            return entry;
    }
    return NULL;
}

static char *
hex_of(GBytes *data)
{
    gsize len = 0;
    const guint8 *p = data != NULL ? g_bytes_get_data(data, &len) : NULL;
    GString *out = g_string_sized_new(2 * len + 1);
    for (gsize i = 0; i < len; i++)
        g_string_append_printf(out, "%02x", p[i]);
    if (len == 0)
        g_string_append(out, "(empty)");
    return g_string_free(out, FALSE);
}

static void
check_recorded_entry(FwnegMigrateCheck *check, const FwnegFwCfgFile *recorded)
{
    const FwnegFwCfgFile *local = find_entry(check->local->fw_cfg, recorded->name);
    g_autofree char *recorded_hex = hex_of(recorded->data);
    if (local == NULL) {
        fwneg_migrate_check_add(check, "fw_cfg", recorded->name, FWNEG_MIGRATE_REFUSED,
                                "recorded fw_cfg file %s (origin %s, %s) is not produced "
                                "here on %s: the firmware that negotiated with it would "
                                "lose it after a reboot; use the recorded machine type "
                                "and config on this host",
                                recorded->name, recorded->origin ? recorded->origin : "?",
                                recorded_hex, check->local->machine ? check->local->machine : "?");
        return;
    }
    if (recorded->data == NULL || local->data == NULL ||
        !g_bytes_equal(recorded->data, local->data)) {
        g_autofree char *local_hex = hex_of(local->data);
        fwneg_migrate_check_add(check, "fw_cfg", recorded->name, FWNEG_MIGRATE_REFUSED,
                                "fw_cfg file %s: recorded %s, here %s (machine %s); the "
                                "bytes must be reproduced exactly: check the machine "
                                "type, the guest config and fwneg's config ([ovmf]) and "
                                "feature data on this host",
                                recorded->name, recorded_hex, local_hex,
                                check->local->machine ? check->local->machine : "?");
        return;
    }
    fwneg_migrate_check_add(check, "fw_cfg", recorded->name, FWNEG_MIGRATE_SAME,
                            "fw_cfg file %s reproduced byte for byte (%s)", recorded->name,
                            recorded_hex);
}

void
fwneg_migrate_check_fw_cfg(FwnegMigrateCheck *check)
{
    const GPtrArray *recorded = check->recorded->fw_cfg;
    const GPtrArray *local = check->local->fw_cfg;

    for (guint i = 0; recorded != NULL && i < recorded->len; i++)
        check_recorded_entry(check, g_ptr_array_index(recorded, i));

    for (guint i = 0; local != NULL && i < local->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(local, i);
        if (find_entry(recorded, entry->name) != NULL)
            continue;
        fwneg_migrate_check_add(check, "fw_cfg", entry->name, FWNEG_MIGRATE_REFUSED,
                                "fw_cfg file %s (origin %s) would be added here but is not "
                                "in the record: a new name shifts the selector keys of the "
                                "names sorted after it; plan the target with the recorded "
                                "machine type and config, or re-record the guest on its "
                                "source",
                                entry->name, entry->origin ? entry->origin : "?");
    }

    if (check->local->fw_cfg_slots != 0 &&
        check->local->fw_cfg_slots_used > check->local->fw_cfg_slots) {
        fwneg_migrate_check_add(check, "fw_cfg", "file slots", FWNEG_MIGRATE_REFUSED,
                                "the guest needs %u fw_cfg files but machine type %s has "
                                "%u slots: the target QEMU would abort",
                                check->local->fw_cfg_slots_used,
                                check->local->machine ? check->local->machine : "?",
                                check->local->fw_cfg_slots);
    } else if (check->local->fw_cfg_slots != 0) {
        fwneg_migrate_check_add(check, "fw_cfg", "file slots", FWNEG_MIGRATE_SAME,
                                "%u of %u fw_cfg file slots used", check->local->fw_cfg_slots_used,
                                check->local->fw_cfg_slots);
    }
}

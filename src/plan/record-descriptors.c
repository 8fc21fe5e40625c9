/* record-descriptors.c: which firmware descriptors decided a recorded plan,
 * and what changed in them since.
 *
 * libvirt takes the first descriptor (sorted by name) that matches, so the
 * chosen one and every one sorted before it decided the choice: the chosen
 * one by matching, the others by not matching.  A record notes each of them
 * with the sha256 of its bytes; a later start, or a migration target, compares
 * them with the set it has and names every file that was changed, removed,
 * masked or added in front, so the operator knows why a plan would differ.
 * Only recorded plans carry notes: `fwneg plan` reads no descriptor file it
 * has a cached parse of, and hashing them is the recorder's cost.
 */
#include <string.h>

#include "descriptor-store.h"
#include "fwneg-error.h"
#include "record.h"
#include "safe-xml.h"

/* Descriptors are small JSON files; a bigger one is read as "changed". */
#define DESCRIPTOR_MAX_BYTES (1024 * 1024)

static char *
file_sha256(const FwnegOptions *options, const char *host_path)
{
    g_autofree char *real = fwneg_options_sysroot_path(options, host_path);
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!fwneg_read_bounded(real, DESCRIPTOR_MAX_BYTES, &data, &len, NULL))
        return NULL;
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
}

static const char *
chosen_name(const FwnegFirmwareChoice *firmware)
{
    if (firmware == NULL || firmware->source != FWNEG_FIRMWARE_FROM_DESCRIPTOR ||
        firmware->descriptor == NULL)
        return NULL;
    const char *slash = strrchr(firmware->descriptor, '/');
    return slash != NULL ? slash + 1 : firmware->descriptor;
}

gboolean
fwneg_plan_note_descriptors(FwnegPlan *plan, GPtrArray *descriptors, const FwnegOptions *options,
                            GError **error)
{
    g_autoptr(GPtrArray) notes =
        g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_descriptor_note_free);
    const char *chosen = chosen_name(plan->firmware);
    for (guint i = 0; chosen != NULL && descriptors != NULL && i < descriptors->len; i++) {
        const FwnegDescriptorEntry *entry = g_ptr_array_index(descriptors, i);
        if (strcmp(entry->name, chosen) > 0)
            break; /* sorted by name: nothing after the chosen one took part */
        FwnegDescriptorNote *note = g_new0(FwnegDescriptorNote, 1);
        note->name = g_strdup(entry->name);
        note->path = g_strdup(entry->path);
        g_ptr_array_add(notes, note);
        if (entry->state == FWNEG_DESCRIPTOR_MASKED)
            continue;
        note->sha256 = file_sha256(options, entry->path);
        if (note->sha256 == NULL) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                        "cannot read firmware descriptor %s to record it (it was readable a "
                        "moment ago)",
                        entry->path);
            return FALSE;
        }
    }
    g_clear_pointer(&plan->decided_by, g_ptr_array_unref);
    plan->decided_by = g_steal_pointer(&notes);
    return TRUE;
}

static const FwnegDescriptorEntry *
find_entry(GPtrArray *descriptors, const char *name)
{
    for (guint i = 0; descriptors != NULL && i < descriptors->len; i++) {
        const FwnegDescriptorEntry *entry = g_ptr_array_index(descriptors, i);
        if (strcmp(entry->name, name) == 0)
            return entry;
    }
    return NULL;
}

static const FwnegDescriptorNote *
find_note(GPtrArray *notes, const char *name)
{
    for (guint i = 0; i < notes->len; i++) {
        const FwnegDescriptorNote *note = g_ptr_array_index(notes, i);
        if (g_strcmp0(note->name, name) == 0)
            return note;
    }
    return NULL;
}

static void
compare_note(const FwnegDescriptorNote *note, const FwnegDescriptorEntry *entry,
             const FwnegOptions *options, GPtrArray *changes)
{
    if (entry == NULL) {
        g_ptr_array_add(changes, g_strdup_printf("firmware descriptor %s was removed",
                                                 note->path ? note->path : note->name));
        return;
    }
    gboolean masked_now = entry->state == FWNEG_DESCRIPTOR_MASKED;
    if (note->sha256 == NULL || masked_now) {
        if (note->sha256 == NULL && !masked_now)
            g_ptr_array_add(changes, g_strdup_printf("firmware descriptor %s is no longer "
                                                     "masked (now %s)",
                                                     note->name, entry->path));
        else if (note->sha256 != NULL)
            g_ptr_array_add(changes, g_strdup_printf("firmware descriptor %s is now masked by "
                                                     "the 0-byte %s",
                                                     note->name, entry->path));
        return;
    }
    g_autofree char *sha256 = file_sha256(options, entry->path);
    if (g_strcmp0(note->path, entry->path) != 0)
        g_ptr_array_add(changes,
                        g_strdup_printf("firmware descriptor %s now comes from %s (was %s)%s",
                                        note->name, entry->path, note->path,
                                        g_strcmp0(sha256, note->sha256) == 0 ? ", same bytes"
                                                                             : ", other bytes"));
    else if (g_strcmp0(sha256, note->sha256) != 0)
        g_ptr_array_add(changes,
                        g_strdup_printf("firmware descriptor %s changed (sha256 %.12s… "
                                        "when recorded, %.12s… now)",
                                        entry->path, note->sha256, sha256 ? sha256 : "unreadable"));
}

void
fwneg_plan_compare_descriptors(const FwnegPlan *recorded, GPtrArray *descriptors,
                               const FwnegOptions *options, GPtrArray *changes)
{
    const char *chosen = chosen_name(recorded->firmware);
    if (recorded->decided_by == NULL || chosen == NULL)
        return;
    for (guint i = 0; i < recorded->decided_by->len; i++) {
        const FwnegDescriptorNote *note = g_ptr_array_index(recorded->decided_by, i);
        compare_note(note, find_entry(descriptors, note->name), options, changes);
    }
    for (guint i = 0; descriptors != NULL && i < descriptors->len; i++) {
        const FwnegDescriptorEntry *entry = g_ptr_array_index(descriptors, i);
        if (strcmp(entry->name, chosen) > 0)
            break;
        if (find_note(recorded->decided_by, entry->name) == NULL)
            g_ptr_array_add(changes, g_strdup_printf("firmware descriptor %s was added, sorted "
                                                     "before the chosen %s (it may win now)",
                                                     entry->path, chosen));
    }
}

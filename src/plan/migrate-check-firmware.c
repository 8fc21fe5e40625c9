/* migrate-check-firmware.c: the firmware aspect of a migration target check.
 *
 * The firmware itself travels with the guest (its code and variables are
 * flash contents in the migration stream), but QEMU on the target opens the
 * executable named in the XML, and libvirt creates the target's NVRAM file
 * from the template before the stream arrives.  Both must exist here.  A
 * template at another path is found through this host's descriptors: the
 * one that pairs a template with the recorded executable.
 */
#include <string.h>

#include "descriptor-store.h"
#include "migrate-check.h"

static gboolean
host_file_exists(const FwnegMigrateCheck *check, const char *path)
{
    g_autofree char *real =
        check->options ? fwneg_options_sysroot_path(check->options, path) : g_strdup(path);
    return g_file_test(real, G_FILE_TEST_IS_REGULAR);
}

/* A local descriptor's template for @executable that exists here, or NULL. */
static const char *
local_template(const FwnegMigrateCheck *check, const char *executable)
{
    for (guint i = 0; check->descriptors != NULL && i < check->descriptors->len; i++) {
        const FwnegDescriptorEntry *entry = g_ptr_array_index(check->descriptors, i);
        const FwnegFirmwareDescriptor *desc = entry->desc;
        if (entry->state != FWNEG_DESCRIPTOR_OK || desc == NULL || desc->nvram_template == NULL ||
            g_strcmp0(desc->executable, executable) != 0)
            continue;
        if (host_file_exists(check, desc->nvram_template))
            return desc->nvram_template;
    }
    return NULL;
}

void
fwneg_migrate_check_firmware(FwnegMigrateCheck *check)
{
    const FwnegFirmwareChoice *fw = check->recorded->firmware;
    if (fw == NULL || fw->executable == NULL)
        return;
    if (!host_file_exists(check, fw->executable)) {
        fwneg_migrate_check_add(check, "firmware", fw->executable, FWNEG_MIGRATE_REFUSED,
                                "recorded firmware %s is not on this host: QEMU could not open "
                                "it; install the package that ships it (Debian: ovmf, seabios, "
                                "qemu-efi-aarch64)",
                                fw->executable);
        return;
    }
    fwneg_migrate_check_add(check, "firmware", fw->executable, FWNEG_MIGRATE_SAME, "present");
    if (fw->nvram_template == NULL)
        return;
    if (host_file_exists(check, fw->nvram_template)) {
        fwneg_migrate_check_add(check, "firmware", fw->nvram_template, FWNEG_MIGRATE_SAME,
                                "NVRAM template present");
        return;
    }
    const char *replacement = local_template(check, fw->executable);
    if (replacement == NULL || check->local->firmware == NULL) {
        fwneg_migrate_check_add(check, "firmware", fw->nvram_template, FWNEG_MIGRATE_REFUSED,
                                "recorded NVRAM template %s is not on this host and no local "
                                "descriptor pairs a template with %s: libvirt could not create "
                                "the guest's NVRAM here; install the package that ships it",
                                fw->nvram_template, fw->executable);
        return;
    }
    g_free(check->local->firmware->nvram_template);
    check->local->firmware->nvram_template = g_strdup(replacement);
    fwneg_migrate_check_add(check, "firmware", fw->nvram_template, FWNEG_MIGRATE_ADJUSTED,
                            "NVRAM template %s is not here; this host's descriptor pairs %s with "
                            "%s (the variables travel with the guest)",
                            fw->nvram_template, fw->executable, replacement);
}

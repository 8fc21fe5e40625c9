/* fuzz-firmware-descriptor: QEMU firmware descriptor JSON (docs/interop/firmware.json). */
#include <stddef.h>
#include <stdint.h>

#include "firmware-descriptor.h"
#include "fuzz-target.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegFirmwareDescriptor) desc = fwneg_firmware_descriptor_parse(
        "/usr/share/qemu/firmware/fuzz.json", (const char *)data, size, &error);
    fwneg_fuzz_check_result(desc != NULL, error);
    if (desc != NULL) {
        /* Exercise the accessors the matcher uses on whatever was accepted. */
        (void)fwneg_firmware_descriptor_has_feature(desc, "secure-boot");
        (void)fwneg_firmware_descriptor_has_interface(desc, "uefi");
        /* The matcher runs every machine glob through g_pattern_match_simple(). */
        for (guint i = 0; i < desc->targets->len; i++) {
            const FwnegFirmwareTarget *target = g_ptr_array_index(desc->targets, i);
            for (guint j = 0; j < target->machines->len; j++)
                (void)g_pattern_match_simple(g_ptr_array_index(target->machines, j), "pc-q35-7.2");
        }
    }
    return 0;
}

/* fuzz-rom-set: fwneg's ROM set descriptors (data/firmware.d/rom-*.json). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz-target.h"
#include "rom-set.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegRomSet) set =
        fwneg_rom_set_parse((const char *)data, size, "rom-fuzz.json", &error);
    fwneg_fuzz_check_result(set != NULL, error);
    if (set != NULL) {
        (void)fwneg_rom_set_applies(set, "x86_64", "uefi");
        (void)fwneg_rom_set_applies(set, "aarch64", NULL);
    }
    return 0;
}

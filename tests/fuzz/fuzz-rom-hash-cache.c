/* fuzz-rom-hash-cache: the ROM sha256 cache (STATE_DIR/cache/rom-sha256.json): a
 * state file, read at every plan, that must never be trusted to be well formed. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz-target.h"
#include "rom-image.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *path = NULL;
    int fd = fwneg_fuzz_memfd(data, size, &path);
    g_autoptr(FwnegRomHashCache) cache = fwneg_rom_hash_cache_new(path);
    close(fd);
    /* Whatever the file held, lookups answer or miss; they never crash. */
    static const char *const roms[] = {"/usr/lib/ipxe/qemu/efi-virtio.rom", "a", ""};
    for (gsize i = 0; i < G_N_ELEMENTS(roms); i++) {
        g_autoptr(FwnegRomImage) image =
            fwneg_rom_hash_cache_lookup(cache, roms[i], 249344, 1612718750000000);
        g_autoptr(FwnegRomImage) image1 = fwneg_rom_hash_cache_lookup(cache, roms[i], 1, 1);
    }
    return 0;
}

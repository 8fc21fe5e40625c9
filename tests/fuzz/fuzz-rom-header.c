/* fuzz-rom-header: the PCI expansion ROM layout check (55 AA, PCIR, image chain). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz-target.h"
#include "rom-image.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *reason = NULL;
    gboolean ok = fwneg_rom_image_check(data, size, &reason);
    /* Refused with a reason, or accepted without one. */
    if (ok ? reason != NULL : reason == NULL || reason[0] == '\0')
        abort();
    (void)fwneg_rom_bucket((gint64)size);
    return 0;
}

/* fuzz-config: the configuration file (--config, /etc/fwneg/fwneg.conf; GKeyFile
 * plus fwneg's own checks and its search for the line of a syntax error). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz-target.h"
#include "fwneg-options.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *path = NULL;
    int fd = fwneg_fuzz_memfd(data, size, &path);
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    g_autoptr(GError) error = NULL;
    gboolean ok = fwneg_options_load_config(options, path, TRUE, &error);
    close(fd);
    fwneg_fuzz_check_result(ok, error);
    if (ok) {
        g_autoptr(GPtrArray) dirs = fwneg_options_firmware_dirs(options);
        g_autoptr(GPtrArray) qemu_path = fwneg_options_qemu_firmware_path(options);
    }
    return 0;
}

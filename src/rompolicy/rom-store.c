/* rom-store.c: put ROMs into the content-addressed store. */
#include "rom-store.h"

#include <string.h>

#include "atomic-file.h"
#include "fwneg-error.h"
#include "rom-image.h"

gboolean
fwneg_rom_store_name_is_valid(const char *name)
{
    if (name == NULL || strlen(name) != 64)
        return FALSE;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isdigit(*p) && !(*p >= 'a' && *p <= 'f'))
            return FALSE;
    return TRUE;
}

char *
fwneg_rom_store_path(const char *state_dir, const char *sha256)
{
    return g_build_filename(state_dir, FWNEG_ROM_STORE_SUBDIR, sha256, NULL);
}

char *
fwneg_rom_store_lookup(const char *state_dir, const char *sha256)
{
    if (state_dir == NULL || !fwneg_rom_store_name_is_valid(sha256))
        return NULL;
    g_autofree char *path = fwneg_rom_store_path(state_dir, sha256);
    return g_file_test(path, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer(&path) : NULL;
}

char *
fwneg_rom_store_put(const char *state_dir, const char *path, const char *expected_sha256,
                    char **sha256_out, GError **error)
{
    g_autoptr(FwnegRomImage) image = fwneg_rom_image_read(path, path, TRUE, error);
    if (image == NULL)
        return NULL;
    if (expected_sha256 != NULL && strcmp(image->sha256, expected_sha256) != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_IO,
                    "ROM file %s changed since it was planned (sha256 %s, planned %s); plan "
                    "again",
                    path, image->sha256, expected_sha256);
        return NULL;
    }
    /* Refuses a symlink at STATE_DIR as well as at STATE_DIR/roms (tests/hostile). */
    if (!fwneg_ensure_state_subdir(state_dir, FWNEG_ROM_STORE_SUBDIR, 0755, error))
        return NULL;
    g_autofree char *target = fwneg_rom_store_path(state_dir, image->sha256);
    /* Same name, same bytes: an existing copy is kept as it is. */
    if (!g_file_test(target, G_FILE_TEST_IS_REGULAR)) {
        gsize len = 0;
        const void *data = g_bytes_get_data(image->contents, &len);
        /* 0644: QEMU runs as another user (libvirt-qemu) and must read it. */
        if (!fwneg_atomic_write(target, data, len, 0644, error))
            return NULL;
    }
    if (sha256_out != NULL)
        *sha256_out = g_strdup(image->sha256);
    return g_steal_pointer(&target);
}

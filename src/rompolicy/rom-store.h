/* rom-store.h: the content-addressed ROM store, STATE_DIR/roms/<sha256>.
 *
 * Every ROM a recorded VM uses is copied here, so a package upgrade cannot
 * change what the VM gets at its next start or on a migration target; the
 * domain XML's <rom file> is pinned to the copy.  Files are never modified
 * once written (their name is their hash).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FWNEG_ROM_STORE_SUBDIR "roms"

/* STATE_DIR/roms/<sha256> (whether or not it exists). */
char *fwneg_rom_store_path(const char *state_dir, const char *sha256);
/* The store copy of @sha256 when it exists, else NULL. */
char *fwneg_rom_store_lookup(const char *state_dir, const char *sha256);

/* Copy @path into the store.  The file is opened once and the bytes hashed are
 * the bytes copied.  With @expected_sha256, a file whose content differs (it
 * changed since it was planned) is refused.  Returns the store path and, in
 * @sha256_out, the hash. */
char *fwneg_rom_store_put(const char *state_dir, const char *path, const char *expected_sha256,
                          char **sha256_out, GError **error);

/* Is @name a sha256 in lowercase hex (a store file name)? */
gboolean fwneg_rom_store_name_is_valid(const char *name);

G_END_DECLS

/* atomic-file.h: write state so that readers see the old or the new file, never
 * a partial one: temp file in the same directory, fsync, rename, fsync the dir.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Create @dir and its parents with @mode if missing.  Refuses (FWNEG_ERROR_IO) when
 * @dir exists and is a symlink, so state cannot be redirected elsewhere. */
gboolean fwneg_ensure_state_dir(const char *dir, mode_t mode, GError **error);

/* Create @state_dir/@subdir (@subdir relative, e.g. "cache/qemu-caps") level by
 * level with @mode, refusing (FWNEG_ERROR_IO) when @state_dir or any directory
 * of @subdir is a symlink: fwneg_ensure_state_dir() alone checks only the last
 * component, and a link at --state-dir or STATE_DIR/cache would redirect state. */
gboolean fwneg_ensure_state_subdir(const char *state_dir, const char *subdir, mode_t mode,
                                   GError **error);

/* Atomically replace @path with @len bytes of @data (file mode @mode).
 * Errors are FWNEG_ERROR_IO naming the path and errno text (e.g. "No space left
 * on device"); the old file is then untouched and no temp file is left. */
gboolean fwneg_atomic_write(const char *path, const void *data, gsize len, mode_t mode,
                            GError **error);

G_END_DECLS

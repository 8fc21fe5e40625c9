/* atomic-file.c: state files that readers see whole or not at all.
 *
 * The temp file lives in the target's own directory, because rename(2) is
 * atomic only within one file system.  Data is fsync'd before the rename and the
 * directory after it, so that after a crash the name points either at the old
 * contents or at the complete new ones (the ext4/XFS "replace via rename" rule).
 */
#include "atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fwneg-error.h"

/* "/a/b///" → "/a/b": lstat("link/") would follow the link, hiding it. */
static char *
without_trailing_slashes(const char *path)
{
    char *copy = g_strdup(path);
    gsize len = strlen(copy);
    while (len > 1 && copy[len - 1] == '/')
        copy[--len] = '\0';
    return copy;
}

gboolean
fwneg_ensure_state_dir(const char *dir, mode_t mode, GError **error)
{
    g_autofree char *path = without_trailing_slashes(dir);
    struct stat st;

    if (path[0] == '\0') {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_IO, "state directory path is empty");
        return FALSE;
    }
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_IO,
                        "state directory %s is a symbolic link; fwneg does not follow it, so "
                        "that its state cannot be redirected: replace it with a directory or "
                        "pass --state-dir",
                        path);
            return FALSE;
        }
        if (!S_ISDIR(st.st_mode)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_IO,
                        "state directory %s exists but is not a directory", path);
            return FALSE;
        }
        return TRUE;
    }
    if (errno != ENOENT) {
        int saved = errno;
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_IO, "cannot inspect state directory %s: %s",
                    path, g_strerror(saved));
        return FALSE;
    }
    if (g_mkdir_with_parents(path, (int)mode) != 0) {
        int saved = errno;
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_IO, "cannot create state directory %s: %s",
                    path, g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

gboolean
fwneg_ensure_state_subdir(const char *state_dir, const char *subdir, mode_t mode, GError **error)
{
    if (!fwneg_ensure_state_dir(state_dir, mode, error))
        return FALSE;
    g_auto(GStrv) parts = g_strsplit(subdir, "/", -1);
    g_autofree char *path = g_strdup(state_dir);
    for (char **part = parts; *part != NULL; part++) {
        if ((*part)[0] == '\0' || strcmp(*part, ".") == 0)
            continue;
        if (strcmp(*part, "..") == 0) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_IO,
                        "state subdirectory '%s' climbs out of %s", subdir, state_dir);
            return FALSE;
        }
        char *next = g_build_filename(path, *part, NULL);
        g_free(path);
        path = next;
        if (!fwneg_ensure_state_dir(path, mode, error))
            return FALSE;
    }
    return TRUE;
}

/* Write all of @data to @fd, make it durable and give it @mode.  Returns 0 or
 * the errno of the step that failed (named in *@step). */
static int
fill_temp_file(int fd, const void *data, gsize len, mode_t mode, const char **step)
{
    const guint8 *p = data;
    gsize left = len;

    *step = "writing";
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return EIO;
        p += n;
        left -= (gsize)n;
    }
    /* fchmod, not the open mode: the umask must not weaken or widen @mode. */
    *step = "setting the mode of";
    if (fchmod(fd, mode) != 0)
        return errno;
    *step = "syncing";
    if (fsync(fd) != 0)
        return errno;
    return 0;
}

/* Give the complete anonymous file @fd a unique dot name in @dir (returned in
 * @tmp_out).  linkat() cannot replace, so the name must be new: retry on EEXIST.
 * Returns 0 or an errno. */
static int
link_anonymous_file(int fd, const char *dir, const char *base, char **tmp_out)
{
    g_autofree char *proc_path = g_strdup_printf("/proc/self/fd/%d", fd);
    for (int attempt = 0; attempt < 100; attempt++) {
        g_autofree char *name = g_strdup_printf(".%s.%08x", base, g_random_int());
        g_autofree char *tmp = g_build_filename(dir, name, NULL);
        if (linkat(AT_FDCWD, proc_path, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
            *tmp_out = g_steal_pointer(&tmp);
            return 0;
        }
        if (errno != EEXIST)
            return errno;
    }
    return EEXIST;
}

static void
sync_directory(const char *dir, const char *path, GError **error)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int saved = errno;
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_IO,
                    "%s was replaced, but syncing its directory %s failed: %s; the change may "
                    "not survive a crash",
                    path, dir, g_strerror(saved));
    }
    if (fd >= 0)
        close(fd);
}

gboolean
fwneg_atomic_write(const char *path, const void *data, gsize len, mode_t mode, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);

    if (path[0] == '\0' || g_str_has_suffix(path, "/") || strcmp(base, ".") == 0 ||
        strcmp(base, "..") == 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_IO, "cannot write '%s': not a file name", path);
        return FALSE;
    }

    /* The data goes into an anonymous file first (O_TMPFILE): a writer killed
     * while writing leaves nothing behind.  It gets a dot name (kept out of
     * "*.json" globs) only once complete, just before the rename.  Filesystems
     * without O_TMPFILE get a named temp file from the start. */
    g_autofree char *tmp = NULL;
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        g_autofree char *base_tmpl = g_strdup_printf(".%s.XXXXXX", base);
        tmp = g_build_filename(dir, base_tmpl, NULL);
        fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        int saved = errno;
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_IO,
                    "cannot write %s: creating a temporary file in %s failed: %s", path, dir,
                    g_strerror(saved));
        return FALSE;
    }

    const char *step = NULL;
    int failure = fill_temp_file(fd, data, len, mode, &step);
    if (failure == 0 && tmp == NULL) {
        failure = link_anonymous_file(fd, dir, base, &tmp);
        step = "naming";
    }
    if (close(fd) != 0 && failure == 0) {
        failure = errno;
        step = "closing";
    }
    if (failure == 0 && rename(tmp, path) != 0) {
        failure = errno;
        step = "renaming into place";
    }
    if (failure != 0) {
        /* The old file was never touched; only our temp file goes. */
        if (tmp != NULL)
            (void)g_unlink(tmp);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_IO,
                    "cannot write %s: %s the temporary file %s failed: %s; the previous "
                    "contents are unchanged",
                    path, step, tmp ? tmp : "(anonymous)", g_strerror(failure));
        return FALSE;
    }

    GError *sync_error = NULL;
    sync_directory(dir, path, &sync_error);
    if (sync_error != NULL) {
        g_propagate_error(error, sync_error);
        return FALSE;
    }
    return TRUE;
}

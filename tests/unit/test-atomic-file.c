/* test-atomic-file: state dirs and atomic replacement, including the failure
 * paths (read-only directory, write error mid-way, missing directory). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "atomic-file.h"
#include "fwneg-error.h"
#include "test-util.h"

/* The uid "nobody" has on Debian; used to make a directory read-only for the
 * writer when the tests run as root (root ignores permission bits). */
#define NOBODY_UID 65534

/* Names in @dir, sorted and joined by spaces: "a b .c.XXXXXX" would show a
 * leftover temp file. */
static char *
list_dir(const char *path)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    GDir *dir = g_dir_open(path, 0, NULL);
    g_assert_nonnull(dir);
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    g_dir_close(dir);
    g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(" ", (char **)names->pdata);
}

static void
test_write_new_and_replace(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("fwneg-atomic-XXXXXX");
    g_autofree char *path = g_build_filename(dir, "vm.json", NULL);
    g_autoptr(GError) error = NULL;
    struct stat st;

    g_assert_true(fwneg_atomic_write(path, "first\n", 6, 0640, &error));
    g_assert_no_error(error);
    g_autofree char *first = fwneg_test_read_file(path);
    g_assert_cmpstr(first, ==, "first\n");
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0640);

    g_assert_true(fwneg_atomic_write(path, "second, longer\n", 15, 0600, &error));
    g_assert_no_error(error);
    g_autofree char *second = fwneg_test_read_file(path);
    g_assert_cmpstr(second, ==, "second, longer\n");
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 07777, ==, 0600);

    /* Shorter data must not leave the tail of the old contents. */
    g_assert_true(fwneg_atomic_write(path, "3", 1, 0644, &error));
    g_autofree char *third = fwneg_test_read_file(path);
    g_assert_cmpstr(third, ==, "3");

    g_autofree char *listing = list_dir(dir);
    g_assert_cmpstr(listing, ==, "vm.json");
    fwneg_test_remove_tree(dir);
}

static void
test_write_empty(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("fwneg-atomic-XXXXXX");
    g_autofree char *path = g_build_filename(dir, "empty", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true(fwneg_atomic_write(path, "", 0, 0644, &error));
    g_assert_no_error(error);
    g_autofree char *text = fwneg_test_read_file(path);
    g_assert_cmpstr(text, ==, "");
    fwneg_test_remove_tree(dir);
}

static void
test_missing_directory(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("fwneg-atomic-XXXXXX");
    g_autofree char *path = g_build_filename(dir, "no-such-dir", "vm.json", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false(fwneg_atomic_write(path, "x", 1, 0644, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_IO);
    g_assert_nonnull(strstr(error->message, path));
    g_assert_nonnull(strstr(error->message, g_strerror(ENOENT)));
    g_autofree char *listing = list_dir(dir);
    g_assert_cmpstr(listing, ==, "");
    fwneg_test_remove_tree(dir);
}

static void
test_not_a_file_name(void)
{
    g_autoptr(GError) error = NULL;
    g_assert_false(fwneg_atomic_write("/tmp/", "x", 1, 0644, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "/tmp/"));
}

/* A write that fails half-way (here: the file size limit) keeps the old file. */
static void
test_write_failure_keeps_old(void)
{
    if (g_test_subprocess()) {
        const char *path = g_getenv("FWNEG_TEST_ATOMIC_PATH");
        struct rlimit limit = {.rlim_cur = 1024, .rlim_max = 1024};
        g_autoptr(GError) error = NULL;
        g_autofree char *big = g_malloc0(64 * 1024);

        signal(SIGXFSZ, SIG_IGN); /* get EFBIG instead of being killed */
        g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &limit), ==, 0);
        g_assert_false(fwneg_atomic_write(path, big, 64 * 1024, 0644, &error));
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_IO);
        g_assert_nonnull(strstr(error->message, path));
        g_assert_nonnull(strstr(error->message, g_strerror(EFBIG)));
        return;
    }

    g_autofree char *dir = fwneg_test_make_tmp_dir("fwneg-atomic-XXXXXX");
    g_autofree char *path = g_build_filename(dir, "vm.json", NULL);
    g_assert_true(fwneg_atomic_write(path, "old\n", 4, 0644, NULL));

    g_setenv("FWNEG_TEST_ATOMIC_PATH", path, TRUE);
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();

    g_autofree char *text = fwneg_test_read_file(path);
    g_assert_cmpstr(text, ==, "old\n");
    g_autofree char *listing = list_dir(dir);
    g_assert_cmpstr(listing, ==, "vm.json");
    fwneg_test_remove_tree(dir);
}

/* A directory the writer may not write to keeps the old file. */
static void
test_read_only_directory_keeps_old(void)
{
    if (g_test_subprocess()) {
        const char *path = g_getenv("FWNEG_TEST_ATOMIC_PATH");
        g_autoptr(GError) error = NULL;
        if (geteuid() == 0)
            g_assert_cmpint(setuid(NOBODY_UID), ==, 0);
        g_assert_false(fwneg_atomic_write(path, "new\n", 4, 0644, &error));
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_IO);
        g_assert_nonnull(strstr(error->message, path));
        g_assert_nonnull(strstr(error->message, g_strerror(EACCES)));
        return;
    }

    g_autofree char *dir = fwneg_test_make_tmp_dir("fwneg-atomic-XXXXXX");
    g_autofree char *path = g_build_filename(dir, "vm.json", NULL);
    g_assert_true(fwneg_atomic_write(path, "old\n", 4, 0644, NULL));
    /* Traversable and readable, not writable, for everyone but root. */
    g_assert_cmpint(g_chmod(dir, 0555), ==, 0);

    g_setenv("FWNEG_TEST_ATOMIC_PATH", path, TRUE);
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();

    g_autofree char *text = fwneg_test_read_file(path);
    g_assert_cmpstr(text, ==, "old\n");
    g_autofree char *listing = list_dir(dir);
    g_assert_cmpstr(listing, ==, "vm.json");
    g_chmod(dir, 0700);
    fwneg_test_remove_tree(dir);
}

static void
test_ensure_state_dir_creates(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("fwneg-atomic-XXXXXX");
    g_autofree char *state = g_build_filename(dir, "a", "b", "state", NULL);
    g_autoptr(GError) error = NULL;
    struct stat st;

    g_assert_true(fwneg_ensure_state_dir(state, 0700, &error));
    g_assert_no_error(error);
    g_assert_cmpint(lstat(state, &st), ==, 0);
    g_assert_true(S_ISDIR(st.st_mode));
    g_assert_cmpint(st.st_mode & 0777, ==, 0700);

    /* Existing: fine, and a trailing slash is the same directory. */
    g_autofree char *with_slash = g_strconcat(state, "/", NULL);
    g_assert_true(fwneg_ensure_state_dir(with_slash, 0700, &error));
    g_assert_no_error(error);
    fwneg_test_remove_tree(dir);
}

static void
test_ensure_state_dir_refuses_symlink(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("fwneg-atomic-XXXXXX");
    g_autofree char *real = g_build_filename(dir, "real", NULL);
    g_autofree char *link = g_build_filename(dir, "state", NULL);
    g_assert_cmpint(g_mkdir(real, 0700), ==, 0);
    g_assert_cmpint(symlink(real, link), ==, 0);

    g_autoptr(GError) error = NULL;
    g_assert_false(fwneg_ensure_state_dir(link, 0700, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_IO);
    g_assert_nonnull(strstr(error->message, link));
    g_assert_nonnull(strstr(error->message, "symbolic link"));

    /* "link/" would make lstat follow the link; it must be refused as well. */
    g_clear_error(&error);
    g_autofree char *with_slash = g_strconcat(link, "//", NULL);
    g_assert_false(fwneg_ensure_state_dir(with_slash, 0700, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "symbolic link"));
    fwneg_test_remove_tree(dir);
}

static void
test_ensure_state_dir_refuses_file(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("fwneg-atomic-XXXXXX");
    g_autofree char *file = g_build_filename(dir, "state", NULL);
    g_assert_true(g_file_set_contents(file, "", 0, NULL));

    g_autoptr(GError) error = NULL;
    g_assert_false(fwneg_ensure_state_dir(file, 0700, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "not a directory"));
    fwneg_test_remove_tree(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/atomic-file/write-new-and-replace", test_write_new_and_replace);
    g_test_add_func("/atomic-file/write-empty", test_write_empty);
    g_test_add_func("/atomic-file/missing-directory", test_missing_directory);
    g_test_add_func("/atomic-file/not-a-file-name", test_not_a_file_name);
    g_test_add_func("/atomic-file/write-failure-keeps-old", test_write_failure_keeps_old);
    g_test_add_func("/atomic-file/read-only-directory-keeps-old",
                    test_read_only_directory_keeps_old);
    g_test_add_func("/atomic-file/state-dir/creates", test_ensure_state_dir_creates);
    g_test_add_func("/atomic-file/state-dir/refuses-symlink",
                    test_ensure_state_dir_refuses_symlink);
    g_test_add_func("/atomic-file/state-dir/refuses-file", test_ensure_state_dir_refuses_file);
    return g_test_run();
}

/* test-util: helpers the unit tests share; see test-util.h. */
#include "test-util.h"

#include <sys/stat.h>
#include <glib/gstdio.h>

char *
fwneg_test_make_tmp_dir(const char *tmpl)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp(tmpl, &error);
    g_assert_no_error(error);
    return dir;
}

void
fwneg_test_remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        struct stat st;
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            fwneg_test_remove_tree(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}

char *
fwneg_test_read_file(const char *path)
{
    g_autoptr(GError) error = NULL;
    char *text = NULL;
    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    return text;
}

char *
fwneg_test_write_file(const char *dir, const char *name, const void *data, gssize len)
{
    char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) error = NULL;
    g_file_set_contents(path, data, len, &error);
    g_assert_no_error(error);
    return path;
}

char *
fwneg_test_data_path(const char *area, const char *name)
{
    const char *data = g_getenv("FWNEG_TEST_DATA");
    g_assert_nonnull(data);
    return g_build_filename(data, area, name, NULL);
}

char *
fwneg_test_read_data(const char *area, const char *name)
{
    g_autofree char *path = fwneg_test_data_path(area, name);
    return fwneg_test_read_file(path);
}

FwnegFeatureData *
fwneg_test_load_shipped_features(void)
{
    g_autofree char *dir = g_build_filename(g_getenv("FWNEG_SRCDIR"), "data", "firmware.d", NULL);
    g_autoptr(GError) error = NULL;
    FwnegFeatureData *data = fwneg_feature_data_load_dir(dir, &error);
    g_assert_no_error(error);
    return data;
}

/* test-util: helpers the unit tests share (temp dirs, fixture files, the
 * shipped feature data).  Every helper asserts instead of returning errors,
 * so that a broken fixture fails the test that needs it. */
#pragma once

#include <glib.h>

#include "feature-domain.h"

/* A fresh directory from g_dir_make_tmp() @tmpl ("fwneg-area-XXXXXX"). */
char *fwneg_test_make_tmp_dir(const char *tmpl);

/* Removes @path and everything below it; symlinks are removed, not followed. */
void fwneg_test_remove_tree(const char *path);

/* The whole contents of @path. */
char *fwneg_test_read_file(const char *path);

/* Writes @len bytes of @data (-1: a NUL-terminated string) to @dir/@name;
 * returns the path. */
char *fwneg_test_write_file(const char *dir, const char *name, const void *data, gssize len);

/* $FWNEG_TEST_DATA/@area/@name, and its contents. */
char *fwneg_test_data_path(const char *area, const char *name);
char *fwneg_test_read_data(const char *area, const char *name);

/* The feature data shipped in $FWNEG_SRCDIR/data/firmware.d. */
FwnegFeatureData *fwneg_test_load_shipped_features(void);

/* test-descriptor-store.c: libvirt's discovery, merge, masking and order. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "descriptor-store.h"
#include "fwneg-error.h"

static char *
store_sysroot(void)
{
    return g_build_filename(g_getenv("FWNEG_TEST_DATA"), "firmware", "store", NULL);
}

static GPtrArray *
dirs_new(const char *first, ...)
{
    GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
    va_list args;
    va_start(args, first);
    for (const char *dir = first; dir != NULL; dir = va_arg(args, const char *))
        g_ptr_array_add(dirs, g_strdup(dir));
    va_end(args);
    return dirs;
}

static const FwnegDescriptorEntry *
find_entry(GPtrArray *entries, const char *name)
{
    for (guint i = 0; i < entries->len; i++) {
        const FwnegDescriptorEntry *entry = g_ptr_array_index(entries, i);
        if (strcmp(entry->name, name) == 0)
            return entry;
    }
    return NULL;
}

static void
test_merge_three_dirs(void)
{
    g_autofree char *sysroot = store_sysroot();
    /* "/none" does not exist: missing directories contribute nothing. */
    g_autoptr(GPtrArray) dirs = dirs_new("/share", "/none", "/etc", "/xdg", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) entries = fwneg_descriptor_store_load(dirs, sysroot, &error);
    g_assert_no_error(error);

    /* strcmp order; dot files, the directory and the dangling symlink are gone. */
    static const char *const names[] = {
        "10-alpha.json", "50-override.json", "60-masked.json",   "65-unmask.json", "70-broken.json",
        "80-link.json",  "9-nine.json",      "90-xdg-only.json", "A-upper.json",
    };
    g_assert_cmpuint(entries->len, ==, G_N_ELEMENTS(names));
    for (guint i = 0; i < entries->len; i++) {
        const FwnegDescriptorEntry *entry = g_ptr_array_index(entries, i);
        g_assert_cmpstr(entry->name, ==, names[i]);
    }

    const FwnegDescriptorEntry *alpha = find_entry(entries, "10-alpha.json");
    g_assert_cmpint(alpha->state, ==, FWNEG_DESCRIPTOR_OK);
    g_assert_cmpstr(alpha->path, ==, "/share/10-alpha.json"); /* host path, no sysroot */
    g_assert_cmpstr(alpha->dir, ==, "/share");
    g_assert_cmpstr(alpha->desc->description, ==, "share alpha");
    g_assert_cmpstr(alpha->desc->path, ==, "/share/10-alpha.json");
    g_assert_null(alpha->overridden);

    /* The most specific directory wins; what it replaced is recorded, lowest first. */
    const FwnegDescriptorEntry *override = find_entry(entries, "50-override.json");
    g_assert_cmpint(override->state, ==, FWNEG_DESCRIPTOR_OK);
    g_assert_cmpstr(override->path, ==, "/xdg/50-override.json");
    g_assert_cmpstr(override->dir, ==, "/xdg");
    g_assert_cmpstr(override->desc->description, ==, "xdg override");
    g_assert_cmpuint(override->overridden->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(override->overridden, 0), ==, "/share/50-override.json");
    g_assert_cmpstr(g_ptr_array_index(override->overridden, 1), ==, "/etc/50-override.json");

    /* A 0-byte file in /etc masks the /usr/share one ... */
    const FwnegDescriptorEntry *masked = find_entry(entries, "60-masked.json");
    g_assert_cmpint(masked->state, ==, FWNEG_DESCRIPTOR_MASKED);
    g_assert_cmpstr(masked->path, ==, "/etc/60-masked.json");
    g_assert_null(masked->desc);
    g_assert_cmpuint(masked->overridden->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(masked->overridden, 0), ==, "/share/60-masked.json");

    /* ... but only the winning file's size counts. */
    const FwnegDescriptorEntry *unmask = find_entry(entries, "65-unmask.json");
    g_assert_cmpint(unmask->state, ==, FWNEG_DESCRIPTOR_OK);
    g_assert_cmpstr(unmask->desc->description, ==, "xdg unmask");

    /* A broken file is kept with its reason and does not stop the others. */
    const FwnegDescriptorEntry *broken = find_entry(entries, "70-broken.json");
    g_assert_cmpint(broken->state, ==, FWNEG_DESCRIPTOR_BROKEN);
    g_assert_null(broken->desc);
    g_assert_cmpstr(broken->error, ==, "line 5, column 1: invalid JSON: unexpected end of file");

    /* stat() follows symlinks: a link to a regular file is a descriptor. */
    const FwnegDescriptorEntry *link = find_entry(entries, "80-link.json");
    g_assert_cmpint(link->state, ==, FWNEG_DESCRIPTOR_OK);
    g_assert_cmpstr(link->desc->description, ==, "share alpha");

    g_assert_cmpint(find_entry(entries, "90-xdg-only.json")->state, ==, FWNEG_DESCRIPTOR_OK);
    g_assert_null(find_entry(entries, ".hidden.json"));
    g_assert_null(find_entry(entries, "30-dir.json"));
    g_assert_null(find_entry(entries, "81-dangling.json"));
}

static void
test_priority_order_matters(void)
{
    /* Reversed directory order: /share now has the last word. */
    g_autofree char *sysroot = store_sysroot();
    g_autoptr(GPtrArray) dirs = dirs_new("/xdg", "/etc", "/share", NULL);
    g_autoptr(GPtrArray) entries = fwneg_descriptor_store_load(dirs, sysroot, NULL);
    const FwnegDescriptorEntry *override = find_entry(entries, "50-override.json");
    g_assert_cmpstr(override->desc->description, ==, "share override");
    g_assert_cmpint(find_entry(entries, "60-masked.json")->state, ==, FWNEG_DESCRIPTOR_OK);
}

static void
test_no_dirs(void)
{
    g_autofree char *sysroot = store_sysroot();
    g_autoptr(GPtrArray) dirs = dirs_new("/missing", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) entries = fwneg_descriptor_store_load(dirs, sysroot, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(entries->len, ==, 0);
}

static void
test_without_sysroot(void)
{
    g_autofree char *share =
        g_build_filename(g_getenv("FWNEG_TEST_DATA"), "firmware", "store", "share", NULL);
    g_autoptr(GPtrArray) dirs = dirs_new(share, NULL);
    g_autoptr(GPtrArray) entries = fwneg_descriptor_store_load(dirs, NULL, NULL);
    const FwnegDescriptorEntry *alpha = find_entry(entries, "10-alpha.json");
    g_autofree char *expected = g_build_filename(share, "10-alpha.json", NULL);
    g_assert_cmpstr(alpha->path, ==, expected);
    g_assert_cmpint(find_entry(entries, "60-masked.json")->state, ==, FWNEG_DESCRIPTOR_OK);
}

static void
write_descriptor(const char *dir, const char *name, const char *machine_glob)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *json = g_strdup_printf(
        "{\"interface-types\": [\"uefi\"], \"mapping\": {\"device\": \"flash\", "
        "\"executable\": {\"filename\": \"/c.fd\", \"format\": \"raw\"}, \"nvram-template\": "
        "{\"filename\": \"/v.fd\", \"format\": \"raw\"}}, \"targets\": [{\"architecture\": "
        "\"x86_64\", \"machines\": [\"%s\"]}], \"features\": [], \"tags\": []}",
        machine_glob);
    g_assert_true(g_file_set_contents(path, json, -1, NULL));
}

static void
test_oversized_and_many(void)
{
    g_autofree char *tmp = g_dir_make_tmp("fwneg-store-XXXXXX", NULL);
    g_assert_nonnull(tmp);

    /* Over libvirt's 1 MiB cap: BROKEN, not read. */
    g_autofree char *big = g_build_filename(tmp, "00-big.json", NULL);
    g_autofree char *blob = g_malloc0(FWNEG_DESCRIPTOR_MAX_BYTES + 10);
    memset(blob, ' ', FWNEG_DESCRIPTOR_MAX_BYTES + 9);
    g_assert_true(g_file_set_contents(big, blob, -1, NULL));

    /* 10,000 descriptors load correctly (how fast is bench/run's figure, not a test's). */
    for (guint i = 0; i < 10000; i++) {
        g_autofree char *name = g_strdup_printf("%05u-fw.json", i);
        write_descriptor(tmp, name, i == 9999 ? "pc-q35-*" : "pc-i440fx-*");
    }
    g_autoptr(GPtrArray) dirs = dirs_new(tmp, NULL);
    gint64 start = g_get_monotonic_time();
    g_autoptr(GPtrArray) entries = fwneg_descriptor_store_load(dirs, NULL, NULL);
    gint64 elapsed = g_get_monotonic_time() - start;
    g_test_message("loaded %u descriptors in %" G_GINT64_FORMAT " ms", entries->len,
                   elapsed / 1000);
    g_assert_cmpuint(entries->len, ==, 10001);
    const FwnegDescriptorEntry *first = g_ptr_array_index(entries, 0);
    g_assert_cmpstr(first->name, ==, "00-big.json");
    g_assert_cmpint(first->state, ==, FWNEG_DESCRIPTOR_BROKEN);
    g_assert_nonnull(strstr(first->error, "larger than the 1 MiB"));
    const FwnegDescriptorEntry *last = g_ptr_array_index(entries, 10000);
    g_assert_cmpstr(last->name, ==, "09999-fw.json");
    g_assert_cmpint(last->state, ==, FWNEG_DESCRIPTOR_OK);

    for (guint i = 0; i < 10000; i++) {
        g_autofree char *path = g_strdup_printf("%s/%05u-fw.json", tmp, i);
        g_unlink(path);
    }
    g_unlink(big);
    g_rmdir(tmp);
}

static void
test_world_writable_dirs(void)
{
    g_autofree char *tmp = g_dir_make_tmp("fwneg-dirs-XXXXXX", NULL);
    g_autofree char *open_dir = g_build_filename(tmp, "open", NULL);
    g_autofree char *sticky_dir = g_build_filename(tmp, "sticky", NULL);
    g_autofree char *private_dir = g_build_filename(tmp, "private", NULL);
    g_assert_cmpint(g_mkdir(open_dir, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(sticky_dir, 0755), ==, 0);
    g_assert_cmpint(g_mkdir(private_dir, 0755), ==, 0);
    g_assert_cmpint(chmod(open_dir, 0777), ==, 0);
    g_assert_cmpint(chmod(sticky_dir, 01777), ==, 0);

    g_autoptr(GPtrArray) dirs = dirs_new("/open", "/sticky", "/private", "/missing", NULL);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    fwneg_descriptor_store_check_dirs(dirs, tmp, warnings);
    g_assert_cmpuint(warnings->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(warnings, 0), ==,
                    "firmware descriptor directory /open is world-writable (mode 0777): any "
                    "local user can add or replace firmware descriptors; run 'chmod o-w /open'");

    g_rmdir(open_dir);
    g_rmdir(sticky_dir);
    g_rmdir(private_dir);
    g_rmdir(tmp);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/descriptor-store/merge-three-dirs", test_merge_three_dirs);
    g_test_add_func("/descriptor-store/priority-order", test_priority_order_matters);
    g_test_add_func("/descriptor-store/no-dirs", test_no_dirs);
    g_test_add_func("/descriptor-store/without-sysroot", test_without_sysroot);
    g_test_add_func("/descriptor-store/oversized-and-10000", test_oversized_and_many);
    g_test_add_func("/descriptor-store/world-writable", test_world_writable_dirs);
    return g_test_run();
}

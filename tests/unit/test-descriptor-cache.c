/* test-descriptor-cache.c: the parsed-descriptor cache gives exactly what an
 * uncached load gives, hits only unchanged files, and shrugs off a bad cache. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "descriptor-cache.h"
#include "descriptor-store.h"
#include "test-util.h"

static const char good_json[] =
    "{\"description\": \"%s\", \"interface-types\": [\"uefi\"],\n"
    " \"mapping\": {\"device\": \"flash\", \"mode\": \"split\",\n"
    "   \"executable\": {\"filename\": \"/usr/share/OVMF/OVMF_CODE_4M.fd\", \"format\": \"raw\"},\n"
    "   \"nvram-template\": {\"filename\": \"/usr/share/OVMF/OVMF_VARS_4M.fd\", \"format\": "
    "\"raw\"}},\n"
    " \"targets\": [{\"architecture\": \"x86_64\", \"machines\": [\"pc-q35-*\", "
    "\"pc-i440fx-*\"]},\n"
    "               {\"architecture\": \"i386\", \"machines\": []}],\n"
    " \"features\": [\"acpi-s3\", \"secure-boot\", \"no-such-feature\", 7],\n"
    " \"tags\": [\"t1\", \"\"]}\n";

static const char kernel_json[] =
    "{\"interface-types\": [\"openfirmware\"], \"mapping\": {\"device\": \"kernel\", "
    "\"filename\": \"/boot/k\"}, \"targets\": [], \"features\": []}";

/* A tree of descriptor dirs and a state dir, removed afterwards. */
typedef struct {
    char *root;
    char *low, *high; /* descriptor dirs, lowest priority first */
    char *cache_path;
    GPtrArray *dirs;
} Fixture;

static void
write_file(const char *dir, const char *name, const char *text)
{
    g_free(fwneg_test_write_file(dir, name, text, -1));
}

static void
write_good(const char *dir, const char *name, const char *description)
{
    g_autofree char *text = g_strdup_printf(good_json, description);
    write_file(dir, name, text);
}

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    f->root = g_dir_make_tmp("fwneg-desc-cache-XXXXXX", &error);
    g_assert_no_error(error);
    f->low = g_build_filename(f->root, "share", NULL);
    f->high = g_build_filename(f->root, "etc", NULL);
    g_autofree char *cache_dir = g_build_filename(f->root, "state", "cache", NULL);
    g_assert_cmpint(g_mkdir_with_parents(f->low, 0755), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(f->high, 0755), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(cache_dir, 0755), ==, 0);
    f->cache_path = g_build_filename(cache_dir, FWNEG_DESCRIPTOR_CACHE_FILE, NULL);
    f->dirs = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(f->dirs, g_strdup(f->low));
    g_ptr_array_add(f->dirs, g_strdup(f->high));

    write_good(f->low, "10-ovmf.json", "low ovmf");
    write_good(f->low, "20-over.json", "low over");
    write_good(f->high, "20-over.json", "high over");
    write_file(f->low, "30-kernel.json", kernel_json);
    write_file(f->low, "40-broken.json", "{\"interface-types\": [\"uefi\"],\n  \"mapping\": ");
    write_file(f->low, "50-bad-member.json",
               "{\"interface-types\": [\"uefi\"], \"mapping\": {\"device\": \"flash\", \"mode\": "
               "\"combined\", "
               "\"executable\": {\"filename\": \"/x\", \"format\": \"raw\"}}, "
               "\"targets\": [{\"architecture\": \"x86_64\", \"machines\": [1]}], "
               "\"features\": []}");
    write_good(f->low, "60-masked.json", "masked below");
    write_file(f->high, "60-masked.json", "");
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
    fwneg_test_remove_tree(f->root);
    g_free(f->root);
    g_free(f->low);
    g_free(f->high);
    g_free(f->cache_path);
    g_ptr_array_unref(f->dirs);
}

/* ---- equality of two loads, member by member ---- */

static void
assert_strings_equal(GPtrArray *a, GPtrArray *b)
{
    g_assert_cmpint(a == NULL, ==, b == NULL);
    if (a == NULL)
        return;
    g_assert_cmpuint(a->len, ==, b->len);
    for (guint i = 0; i < a->len; i++)
        g_assert_cmpstr(g_ptr_array_index(a, i), ==, g_ptr_array_index(b, i));
}

static void
assert_descriptors_equal(const FwnegFirmwareDescriptor *a, const FwnegFirmwareDescriptor *b)
{
    g_assert_cmpint(a == NULL, ==, b == NULL);
    if (a == NULL)
        return;
    g_assert_cmpstr(a->path, ==, b->path);
    g_assert_cmpstr(a->name, ==, b->name);
    g_assert_cmpstr(a->description, ==, b->description);
    assert_strings_equal(a->interface_types, b->interface_types);
    g_assert_cmpstr(a->device, ==, b->device);
    g_assert_cmpstr(a->mode, ==, b->mode);
    g_assert_cmpstr(a->executable, ==, b->executable);
    g_assert_cmpstr(a->executable_format, ==, b->executable_format);
    g_assert_cmpstr(a->nvram_template, ==, b->nvram_template);
    g_assert_cmpstr(a->nvram_template_format, ==, b->nvram_template_format);
    g_assert_cmpstr(a->filename, ==, b->filename);
    g_assert_cmpuint(a->targets->len, ==, b->targets->len);
    for (guint i = 0; i < a->targets->len; i++) {
        const FwnegFirmwareTarget *x = g_ptr_array_index(a->targets, i);
        const FwnegFirmwareTarget *y = g_ptr_array_index(b->targets, i);
        g_assert_cmpstr(x->architecture, ==, y->architecture);
        assert_strings_equal(x->machines, y->machines);
    }
    assert_strings_equal(a->features, b->features);
    assert_strings_equal(a->unknown_features, b->unknown_features);
    assert_strings_equal(a->tags, b->tags);
}

static void
assert_loads_equal(GPtrArray *a, GPtrArray *b)
{
    g_assert_cmpuint(a->len, ==, b->len);
    for (guint i = 0; i < a->len; i++) {
        const FwnegDescriptorEntry *x = g_ptr_array_index(a, i);
        const FwnegDescriptorEntry *y = g_ptr_array_index(b, i);
        g_assert_cmpstr(x->name, ==, y->name);
        g_assert_cmpstr(x->path, ==, y->path);
        g_assert_cmpstr(x->dir, ==, y->dir);
        g_assert_cmpint(x->state, ==, y->state);
        g_assert_cmpstr(x->error, ==, y->error);
        assert_strings_equal(x->overridden, y->overridden);
        assert_descriptors_equal(x->desc, y->desc);
    }
}

typedef struct {
    guint hits, misses;
    gboolean wrote;
} CacheRun;

/* One cached load as `fwneg plan` does it (open, load, save), checked against
 * an uncached load of the same directories. */
static GPtrArray *
cached_load(Fixture *f, gint64 racy_ns, CacheRun *run)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDescriptorCache) cache = fwneg_descriptor_cache_open(f->cache_path);
    fwneg_descriptor_cache_set_racy_window(cache, racy_ns);
    GPtrArray *entries = fwneg_descriptor_store_load_cached(f->dirs, NULL, cache, &error);
    g_assert_no_error(error);
    g_assert_true(fwneg_descriptor_cache_save(cache, &error));
    g_assert_no_error(error);
    run->hits = fwneg_descriptor_cache_hits(cache);
    run->misses = fwneg_descriptor_cache_misses(cache);
    run->wrote = fwneg_descriptor_cache_wrote(cache);

    g_autoptr(GPtrArray) reference = fwneg_descriptor_store_load(f->dirs, NULL, &error);
    g_assert_no_error(error);
    assert_loads_equal(reference, entries);
    return entries;
}

static const FwnegDescriptorEntry *
find_entry(GPtrArray *entries, const char *name)
{
    for (guint i = 0; i < entries->len; i++) {
        const FwnegDescriptorEntry *entry = g_ptr_array_index(entries, i);
        if (strcmp(entry->name, name) == 0)
            return entry;
    }
    g_assert_not_reached();
}

/* Parsed files in the fixture: 10, 20 (high), 30, 40, 50; 60 is masked (never parsed). */
#define PARSED 5

static void
test_hit_and_broken(Fixture *f, gconstpointer data)
{
    CacheRun run;
    g_autoptr(GPtrArray) first = cached_load(f, 0, &run);
    g_assert_cmpuint(run.hits, ==, 0);
    g_assert_cmpuint(run.misses, ==, PARSED);
    g_assert_true(run.wrote);
    g_assert_true(g_file_test(f->cache_path, G_FILE_TEST_IS_REGULAR));

    g_autoptr(GPtrArray) second = cached_load(f, 0, &run);
    g_assert_cmpuint(run.hits, ==, PARSED);
    g_assert_cmpuint(run.misses, ==, 0);
    g_assert_false(run.wrote); /* nothing changed: no rewrite, no fsync */
    assert_loads_equal(first, second);

    /* Broken files come back broken, with the parser's message. */
    const FwnegDescriptorEntry *broken = find_entry(second, "40-broken.json");
    g_assert_cmpint(broken->state, ==, FWNEG_DESCRIPTOR_BROKEN);
    g_assert_null(broken->desc);
    g_assert_true(g_str_has_prefix(broken->error, "line 2, column "));
    const FwnegDescriptorEntry *bad = find_entry(second, "50-bad-member.json");
    g_assert_cmpint(bad->state, ==, FWNEG_DESCRIPTOR_BROKEN);
    g_assert_nonnull(strstr(bad->error, "targets[0].machines[0]"));
    const FwnegDescriptorEntry *over = find_entry(second, "20-over.json");
    g_assert_cmpstr(over->desc->description, ==, "high over");
    g_assert_true(g_str_has_suffix(g_ptr_array_index(over->overridden, 0), "/share/20-over.json"));
    const FwnegDescriptorEntry *ovmf = find_entry(second, "10-ovmf.json");
    g_assert_cmpuint(ovmf->desc->unknown_features->len, ==, 2); /* "no-such-feature", 7 */
    g_assert_cmpstr(g_ptr_array_index(ovmf->desc->tags, 1), ==, "");
    const FwnegDescriptorEntry *kernel = find_entry(second, "30-kernel.json");
    g_assert_null(kernel->desc->description);
    g_assert_null(kernel->desc->mode);
    g_assert_cmpstr(kernel->desc->filename, ==, "/boot/k");
}

static void
set_mtime(const char *dir, const char *name, time_t seconds)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
    g_assert_cmpint(utimensat(AT_FDCWD, path, times, 0), ==, 0);
}

static void
test_miss_on_change(Fixture *f, gconstpointer data)
{
    CacheRun run;
    G_GNUC_UNUSED g_autoptr(GPtrArray) warmup = cached_load(f, 0, &run);

    /* Same bytes, other mtime: a miss for that file only. */
    set_mtime(f->low, "10-ovmf.json", 1000000000);
    G_GNUC_UNUSED g_autoptr(GPtrArray) after_touch = cached_load(f, 0, &run);
    g_assert_cmpuint(run.hits, ==, PARSED - 1);
    g_assert_cmpuint(run.misses, ==, 1);
    g_assert_true(run.wrote);

    /* Other size (and content): the new content, not the cached one. */
    write_good(f->low, "10-ovmf.json", "low ovmf, rewritten longer");
    g_autoptr(GPtrArray) after_write = cached_load(f, 0, &run);
    g_assert_cmpuint(run.misses, ==, 1);
    g_assert_cmpstr(find_entry(after_write, "10-ovmf.json")->desc->description, ==,
                    "low ovmf, rewritten longer");

    /* Same size and mtime restored (cp -p, touch -d): ctime still tells. */
    struct stat before;
    g_autofree char *path = g_build_filename(f->low, "10-ovmf.json", NULL);
    set_mtime(f->low, "10-ovmf.json", 1000000000);
    G_GNUC_UNUSED g_autoptr(GPtrArray) settle = cached_load(f, 0, &run);
    g_assert_cmpint(stat(path, &before), ==, 0);
    write_good(f->low, "10-ovmf.json", "LOW OVMF, REWRITTEN LONGER");
    set_mtime(f->low, "10-ovmf.json", 1000000000);
    struct stat after;
    g_assert_cmpint(stat(path, &after), ==, 0);
    g_assert_cmpint(after.st_size, ==, before.st_size);
    g_assert_cmpint(after.st_mtim.tv_sec, ==, before.st_mtim.tv_sec);
    g_autoptr(GPtrArray) same_stat = cached_load(f, 0, &run);
    g_assert_cmpuint(run.misses, ==, 1);
    g_assert_cmpstr(find_entry(same_stat, "10-ovmf.json")->desc->description, ==,
                    "LOW OVMF, REWRITTEN LONGER");

    /* A broken file fixed: parsed again. */
    write_file(f->low, "40-broken.json", kernel_json);
    g_autoptr(GPtrArray) fixed = cached_load(f, 0, &run);
    g_assert_cmpuint(run.misses, ==, 1);
    g_assert_cmpint(find_entry(fixed, "40-broken.json")->state, ==, FWNEG_DESCRIPTOR_OK);
}

static void
test_added_removed_masked(Fixture *f, gconstpointer data)
{
    CacheRun run;
    G_GNUC_UNUSED g_autoptr(GPtrArray) warmup = cached_load(f, 0, &run);

    write_good(f->low, "05-new.json", "new");
    g_autoptr(GPtrArray) added = cached_load(f, 0, &run);
    g_assert_cmpuint(run.hits, ==, PARSED);
    g_assert_cmpuint(run.misses, ==, 1);
    g_assert_true(run.wrote);
    g_assert_cmpstr(find_entry(added, "05-new.json")->desc->description, ==, "new");

    /* Removed: the others still hit; the cache drops it (rewritten once). */
    g_autofree char *removed_path = g_build_filename(f->low, "05-new.json", NULL);
    g_assert_cmpint(g_unlink(removed_path), ==, 0);
    G_GNUC_UNUSED g_autoptr(GPtrArray) removed = cached_load(f, 0, &run);
    g_assert_cmpuint(run.hits, ==, PARSED);
    g_assert_cmpuint(run.misses, ==, 0);
    g_assert_true(run.wrote);
    G_GNUC_UNUSED g_autoptr(GPtrArray) stable = cached_load(f, 0, &run);
    g_assert_false(run.wrote);

    /* Masked by a 0-byte file in the higher dir: MASKED, never from the cache. */
    write_file(f->high, "10-ovmf.json", "");
    g_autoptr(GPtrArray) masked = cached_load(f, 0, &run);
    g_assert_cmpint(find_entry(masked, "10-ovmf.json")->state, ==, FWNEG_DESCRIPTOR_MASKED);
    g_assert_cmpuint(run.hits, ==, PARSED - 1);
    g_assert_true(run.wrote);

    /* Overridden by a same-named file in the higher dir: the higher one's content. */
    write_good(f->high, "30-kernel.json", "high kernel override");
    g_autoptr(GPtrArray) overridden = cached_load(f, 0, &run);
    const FwnegDescriptorEntry *kernel = find_entry(overridden, "30-kernel.json");
    g_assert_cmpstr(kernel->desc->description, ==, "high kernel override");
    g_assert_cmpuint(run.misses, ==, 1);
}

static void
test_corrupt_cache(Fixture *f, gconstpointer data)
{
    CacheRun run;
    G_GNUC_UNUSED g_autoptr(GPtrArray) warmup = cached_load(f, 0, &run);
    g_autofree char *good = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(f->cache_path, &good, &len, NULL));

    /* Garbage, truncation, a scribbled middle, an empty file: ignored, never
     * an error, and replaced by a good cache. */
    g_autofree char *half = g_strndup(good, len / 2);
    g_autofree char *scribbled = g_memdup2(good, len);
    memset(scribbled + len / 3, 0xff, len / 3);
    struct {
        const char *what;
        const char *data;
        gsize len;
    } bad[] = {
        {"garbage", "this is not a cache\n", 20},
        {"truncated", half, len / 2},
        {"scribbled", scribbled, len},
        {"empty", "", 0},
    };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_test_message("cache: %s", bad[i].what);
        g_assert_true(g_file_set_contents(f->cache_path, bad[i].data, (gssize)bad[i].len, NULL));
        g_assert_cmpint(chmod(f->cache_path, 0644), ==, 0);
        G_GNUC_UNUSED g_autoptr(GPtrArray) entries = cached_load(f, 0, &run); /* equal to uncached */
        g_assert_true(run.wrote);
        G_GNUC_UNUSED g_autoptr(GPtrArray) again = cached_load(f, 0, &run);
        g_assert_cmpuint(run.hits, ==, PARSED);
    }

    /* Group-writable, or a symlink: not trusted (it chooses firmware). */
    g_assert_cmpint(chmod(f->cache_path, 0664), ==, 0);
    G_GNUC_UNUSED g_autoptr(GPtrArray) writable = cached_load(f, 0, &run);
    g_assert_cmpuint(run.hits, ==, 0);
    g_autofree char *elsewhere = g_build_filename(f->root, "elsewhere.gvariant", NULL);
    g_assert_cmpint(g_rename(f->cache_path, elsewhere), ==, 0);
    g_assert_cmpint(chmod(elsewhere, 0644), ==, 0);
    g_assert_cmpint(symlink(elsewhere, f->cache_path), ==, 0);
    G_GNUC_UNUSED g_autoptr(GPtrArray) linked = cached_load(f, 0, &run);
    g_assert_cmpuint(run.hits, ==, 0);
    /* The save replaced the link itself, not its target. */
    struct stat st;
    g_assert_cmpint(lstat(f->cache_path, &st), ==, 0);
    g_assert_true(S_ISREG(st.st_mode));
}

static void
test_racy_files_not_stored(Fixture *f, gconstpointer data)
{
    /* Every fixture file was written a moment ago: with the real window none is
     * stored, so the next load parses them again (a same-tick rewrite could
     * otherwise keep a stale entry). */
    CacheRun run;
    G_GNUC_UNUSED g_autoptr(GPtrArray) first = cached_load(f, FWNEG_DESCRIPTOR_CACHE_RACY_NS, &run);
    G_GNUC_UNUSED g_autoptr(GPtrArray) second = cached_load(f, FWNEG_DESCRIPTOR_CACHE_RACY_NS, &run);
    g_assert_cmpuint(run.hits, ==, 0);
    g_assert_cmpuint(run.misses, ==, PARSED);
}

static void
test_no_cache_path(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDescriptorCache) cache = fwneg_descriptor_cache_open(NULL);
    g_autoptr(GPtrArray) entries = fwneg_descriptor_store_load_cached(f->dirs, NULL, cache, &error);
    g_assert_no_error(error);
    g_assert_true(fwneg_descriptor_cache_save(cache, &error));
    g_assert_false(fwneg_descriptor_cache_wrote(cache));
    g_assert_false(g_file_test(f->cache_path, G_FILE_TEST_EXISTS));
    g_assert_cmpuint(entries->len, ==, 6);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
    ADD("/descriptor-cache/hit-and-broken", test_hit_and_broken);
    ADD("/descriptor-cache/miss-on-change", test_miss_on_change);
    ADD("/descriptor-cache/added-removed-masked", test_added_removed_masked);
    ADD("/descriptor-cache/corrupt-cache", test_corrupt_cache);
    ADD("/descriptor-cache/racy-files-not-stored", test_racy_files_not_stored);
    ADD("/descriptor-cache/no-cache-path", test_no_cache_path);
    return g_test_run();
}

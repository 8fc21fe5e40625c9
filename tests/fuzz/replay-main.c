/* replay-main.c: run a fuzz target over its corpus without libFuzzer, so the
 * corpus is an ordinary test (suite "fuzz") in any build, gcc or clang.
 *
 * Usage: fuzz-replay-TARGET [--max-files N --max-bytes N] PATH…  (a PATH that is a
 * directory means every regular file in it).  Prints TAP: one line per file.  A
 * crash is the failure signal, as under libFuzzer; a file that cannot be read
 * fails its line.  With the limits, a directory holding more files or bytes than
 * that fails a line of its own: corpora stay small (run-fuzzer --merge).
 */
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fuzz-target.h"

static int
compare_paths(gconstpointer a, gconstpointer b)
{
    /* g_ptr_array_sort passes pointers to the elements. */
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct {
    guint64 max_files, max_bytes; /* 0 = no limit */
    GPtrArray *oversized;         /* char*: "DIR: N files, N bytes" */
} Limits;

static void
check_limits(const char *dir, GPtrArray *names, Limits *limits)
{
    guint64 bytes = 0;
    for (guint i = 0; i < names->len; i++) {
        GStatBuf st;
        if (g_stat(g_ptr_array_index(names, i), &st) == 0)
            bytes += (guint64)st.st_size;
    }
    if ((limits->max_files != 0 && names->len > limits->max_files) ||
        (limits->max_bytes != 0 && bytes > limits->max_bytes))
        g_ptr_array_add(
            limits->oversized,
            g_strdup_printf("%s: %u files, %" G_GUINT64_FORMAT " bytes (limits %" G_GUINT64_FORMAT
                            " files, %" G_GUINT64_FORMAT " bytes; run-fuzzer TARGET 0 --merge)",
                            dir, names->len, bytes, limits->max_files, limits->max_bytes));
}

static void
collect(const char *path, GPtrArray *files, Limits *limits)
{
    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_ptr_array_add(files, g_strdup(path));
        return;
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(path, 0, &error);
    if (dir == NULL) {
        g_ptr_array_add(files, g_strdup(path)); /* fails below, with the reason */
        return;
    }
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL)
        g_ptr_array_add(names, g_build_filename(path, name, NULL));
    /* A stable order makes a failing run repeat the same way. */
    g_ptr_array_sort(names, compare_paths);
    check_limits(path, names, limits);
    for (guint i = 0; i < names->len; i++)
        g_ptr_array_add(files, g_strdup(g_ptr_array_index(names, i)));
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) oversized = g_ptr_array_new_with_free_func(g_free);
    Limits limits = {.oversized = oversized};
    int arg = 1;
    for (; arg + 1 < argc && g_str_has_prefix(argv[arg], "--max-"); arg += 2) {
        guint64 value = g_ascii_strtoull(argv[arg + 1], NULL, 10);
        if (strcmp(argv[arg], "--max-files") == 0)
            limits.max_files = value;
        else
            limits.max_bytes = value;
    }
    for (; arg < argc; arg++)
        collect(argv[arg], files, &limits);
    if (files->len == 0) {
        /* An empty corpus tests nothing: that is a failure, not a pass. */
        printf("1..1\nnot ok 1 - no corpus files given\n");
        return 1;
    }

    int failed = 0;
    printf("1..%u\n", files->len + oversized->len);
    for (guint i = 0; i < files->len; i++) {
        const char *path = g_ptr_array_index(files, i);
        g_autofree char *data = NULL;
        gsize len = 0;
        g_autoptr(GError) error = NULL;
        if (!g_file_get_contents(path, &data, &len, &error)) {
            printf("not ok %u - %s: %s\n", i + 1, path, error->message);
            failed++;
            continue;
        }
        /* A copy of exactly @len bytes, so ASan sees reads past the end as libFuzzer would. */
        g_autofree guint8 *copy = g_memdup2(data, len);
        fflush(stdout);
        LLVMFuzzerTestOneInput(copy, len);
        printf("ok %u - %s (%zu bytes)\n", i + 1, path, (size_t)len);
    }
    for (guint k = 0; k < oversized->len; k++) {
        printf("not ok %u - corpus too large: %s\n", files->len + k + 1,
               (const char *)g_ptr_array_index(oversized, k));
        failed++;
    }
    return failed == 0 ? 0 : 1;
}

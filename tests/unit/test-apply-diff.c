/* test-apply-diff: the unified diff `fwneg apply --dry-run` prints
 * (src/cli/apply-diff.c): hunks, context, line numbers as diff -u writes them. */
#include <string.h>

#include "apply-diff.h"

static void
test_equal_is_empty(void)
{
    g_autofree char *diff = fwneg_unified_diff("a\nb\n", "a\nb\n", "x", "y");
    g_assert_cmpstr(diff, ==, "");
}

static void
test_one_insertion(void)
{
    g_autofree char *diff =
        fwneg_unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nnew\n5\n6\n7\n8\n", "a", "b");
    g_assert_cmpstr(diff, ==, "--- a\n+++ b\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+new\n 5\n 6\n 7\n");
}

static void
test_two_hunks_and_a_change(void)
{
    GString *a = g_string_new(NULL), *b = g_string_new(NULL);
    for (int i = 1; i <= 20; i++) {
        g_string_append_printf(a, "%d\n", i);
        if (i == 2)
            g_string_append(b, "two\n");
        else
            g_string_append_printf(b, "%d\n", i);
        if (i == 18)
            g_string_append(b, "added\n");
    }
    g_autofree char *diff = fwneg_unified_diff(a->str, b->str, "a", "b");
    g_assert_cmpstr(diff, ==,
                    "--- a\n+++ b\n"
                    "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
                    "@@ -16,5 +16,6 @@\n 16\n 17\n 18\n+added\n 19\n 20\n");
    g_string_free(a, TRUE);
    g_string_free(b, TRUE);
}

static void
test_from_empty(void)
{
    g_autofree char *diff = fwneg_unified_diff("", "x\n", "a", "b");
    g_assert_cmpstr(diff, ==, "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+x\n");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/apply-diff/equal-is-empty", test_equal_is_empty);
    g_test_add_func("/apply-diff/one-insertion", test_one_insertion);
    g_test_add_func("/apply-diff/two-hunks-and-a-change", test_two_hunks_and_a_change);
    g_test_add_func("/apply-diff/from-empty", test_from_empty);
    return g_test_run();
}

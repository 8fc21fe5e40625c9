/* apply-diff.c: a unified diff of two texts, line by line (what `fwneg apply
 * --dry-run` prints).  Longest common subsequence by dynamic programming: a
 * domain XML is a few hundred lines; above DIFF_MAX_CELLS the whole text is
 * shown as replaced rather than spending the memory.
 */
#include "apply-diff.h"

#include <string.h>

#define DIFF_CONTEXT   3
#define DIFF_MAX_CELLS (64u * 1024 * 1024)

typedef enum { KEEP, DEL, ADD } EditKind;

typedef struct {
    EditKind kind;
    const char *line;
    guint a_line, b_line; /* 1-based positions in a and b */
} Edit;

static GPtrArray *
split_lines(const char *text)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    const char *p = text;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        gsize len = nl ? (gsize)(nl - p) : strlen(p);
        g_ptr_array_add(lines, g_strndup(p, len));
        p += len + (nl ? 1 : 0);
    }
    return lines;
}

static GArray *
edit_script(GPtrArray *a, GPtrArray *b)
{
    GArray *edits = g_array_new(FALSE, FALSE, sizeof(Edit));
    guint n = a->len, m = b->len;
    if ((guint64)(n + 1) * (m + 1) > DIFF_MAX_CELLS) {
        for (guint i = 0; i < n; i++)
            g_array_append_val(edits, ((Edit){DEL, g_ptr_array_index(a, i), i + 1, 1}));
        for (guint j = 0; j < m; j++)
            g_array_append_val(edits, ((Edit){ADD, g_ptr_array_index(b, j), n + 1, j + 1}));
        return edits;
    }
    /* lcs[i][j]: LCS length of a[i..] and b[j..] */
    guint *lcs = g_new0(guint, (gsize)(n + 1) * (m + 1));
#define L(i, j) lcs[(gsize)(i) * (m + 1) + (j)]
    for (guint i = n; i-- > 0;)
        for (guint j = m; j-- > 0;)
            L(i, j) = strcmp(g_ptr_array_index(a, i), g_ptr_array_index(b, j)) == 0
                          ? L(i + 1, j + 1) + 1
                          : MAX(L(i + 1, j), L(i, j + 1));
    guint i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && strcmp(g_ptr_array_index(a, i), g_ptr_array_index(b, j)) == 0) {
            g_array_append_val(edits, ((Edit){KEEP, g_ptr_array_index(a, i), i + 1, j + 1}));
            i++, j++;
        } else if (j < m && (i == n || L(i, j + 1) > L(i + 1, j))) {
            /* (on a tie the deletion comes first, as diff -u prints - before +) */
            g_array_append_val(edits, ((Edit){ADD, g_ptr_array_index(b, j), i + 1, j + 1}));
            j++;
        } else {
            g_array_append_val(edits, ((Edit){DEL, g_ptr_array_index(a, i), i + 1, j + 1}));
            i++;
        }
    }
#undef L
    g_free(lcs);
    return edits;
}

char *
fwneg_unified_diff(const char *a, const char *b, const char *label_a, const char *label_b)
{
    g_autoptr(GPtrArray) la = split_lines(a);
    g_autoptr(GPtrArray) lb = split_lines(b);
    g_autoptr(GArray) edits = edit_script(la, lb);
    GString *out = g_string_new(NULL);
    guint k = 0;
    while (k < edits->len) {
        /* next change */
        while (k < edits->len && g_array_index(edits, Edit, k).kind == KEEP)
            k++;
        if (k == edits->len)
            break;
        guint start = k >= DIFF_CONTEXT ? k - DIFF_CONTEXT : 0;
        /* extend while changes are closer than 2 * context */
        guint end = k, last_change = k;
        while (end < edits->len) {
            if (g_array_index(edits, Edit, end).kind != KEEP)
                last_change = end;
            else if (end - last_change > 2 * DIFF_CONTEXT)
                break;
            end++;
        }
        end = MIN(edits->len, last_change + DIFF_CONTEXT + 1);
        guint a_count = 0, b_count = 0;
        for (guint x = start; x < end; x++) {
            EditKind kind = g_array_index(edits, Edit, x).kind;
            a_count += kind != ADD;
            b_count += kind != DEL;
        }
        const Edit *first = &g_array_index(edits, Edit, start);
        if (out->len == 0)
            g_string_append_printf(out, "--- %s\n+++ %s\n", label_a, label_b);
        g_string_append_printf(out, "@@ -%u,%u +%u,%u @@\n",
                               a_count ? first->a_line : first->a_line - 1, a_count,
                               b_count ? first->b_line : first->b_line - 1, b_count);
        for (guint x = start; x < end; x++) {
            const Edit *e = &g_array_index(edits, Edit, x);
            g_string_append_printf(out, "%c%s\n",
                                   e->kind == KEEP  ? ' '
                                   : e->kind == DEL ? '-'
                                                    : '+',
                                   e->line);
        }
        k = end;
    }
    return g_string_free(out, FALSE);
}

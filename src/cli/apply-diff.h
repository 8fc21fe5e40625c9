/* apply-diff.h: a unified diff of two texts (`fwneg apply --dry-run`). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The unified diff (3 lines of context) from @a to @b, headed
 * "--- LABEL_A" / "+++ LABEL_B"; "" when they are equal. */
char *fwneg_unified_diff(const char *a, const char *b, const char *label_a, const char *label_b);

G_END_DECLS

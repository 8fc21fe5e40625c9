/* descriptor-lint.h: `fwneg descriptors lint FILE…`: schema errors with
 * position, unknown features, files named by the descriptor that do not exist.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    FWNEG_LINT_ERROR,   /* libvirt would skip the file */
    FWNEG_LINT_WARNING, /* accepted, but probably not what was meant */
} FwnegLintSeverity;

typedef struct {
    FwnegLintSeverity severity;
    char *message; /* "PATH[:LINE:COL]: text" */
} FwnegLintFinding;

void fwneg_lint_finding_free(FwnegLintFinding *finding);

/* Lint one descriptor file (read inside @sysroot when not NULL).  Returns the
 * findings (possibly empty); never NULL. */
GPtrArray *fwneg_descriptor_lint_file(const char *path, const char *sysroot);

G_END_DECLS

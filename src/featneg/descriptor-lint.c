/* descriptor-lint.c: not yet written */

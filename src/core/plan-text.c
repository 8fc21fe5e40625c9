/* plan-text.c: not yet written */

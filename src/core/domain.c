/* domain.c: not yet written */

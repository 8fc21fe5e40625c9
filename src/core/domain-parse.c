/* domain-parse.c: not yet written */

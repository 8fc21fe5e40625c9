/* host-facts-parse.c: not yet written */

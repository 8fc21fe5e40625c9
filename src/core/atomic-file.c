/* atomic-file.c: not yet written */

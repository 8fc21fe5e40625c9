/* cmd-descriptors.c: not yet written */

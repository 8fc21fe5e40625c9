/* fwneg-options.c: not yet written */

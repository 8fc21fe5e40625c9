/* firmware-match.c: not yet written */

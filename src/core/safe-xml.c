/* safe-xml.c: not yet written */

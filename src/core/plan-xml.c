/* plan-xml.c: not yet written */

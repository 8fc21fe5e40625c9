/* host-facts.c: not yet written */

/* descriptor-store.c: not yet written */

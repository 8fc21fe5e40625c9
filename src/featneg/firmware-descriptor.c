/* firmware-descriptor.c: not yet written */

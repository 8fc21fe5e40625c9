/* cli-common.c: not yet written */

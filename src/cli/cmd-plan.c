/* cmd-plan.c: not yet written */

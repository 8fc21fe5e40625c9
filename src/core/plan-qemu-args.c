/* plan-qemu-args.c: not yet written */

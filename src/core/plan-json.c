/* plan-json.c: not yet written */

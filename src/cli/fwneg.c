/* fwneg.c: the fwneg command: a table of verbs, each a thin front end over the
 * core library (fwupd's engine/CLI split). */
#include <stdio.h>
#include <string.h>

#include "cli-common.h"
#include "fwneg-config.h"

typedef struct {
    const char *name;
    FwnegCliVerb run;
    const char *summary;
} FwnegVerbEntry;

static const FwnegVerbEntry verbs[] = {
    {"plan", fwneg_cmd_plan, "Decide firmware, ROMs, fw_cfg and boot order for a guest"},
    {"explain", fwneg_cmd_explain, "Show every firmware candidate and why it won or lost"},
    {"descriptors", fwneg_cmd_descriptors,
     "list: the effective descriptor set; lint FILE…: check descriptor files"},
    {"record", fwneg_cmd_record, "Plan a VM, store its ROMs and write its record"},
    {"migrate-check", fwneg_cmd_migrate_check,
     "On a migration target: can this host reproduce the recorded VM?"},
    {"rom", fwneg_cmd_rom, "export|import: move ROMs between hosts' ROM stores"},
    {"apply", fwneg_cmd_apply,
     "Plan a libvirt domain and define it again with the plan applied and recorded"},
};

static void
print_usage(FILE *out)
{
    fprintf(out, "Usage: fwneg VERB [OPTIONS] …\n\nVerbs:\n");
    for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++)
        fprintf(out, "  %-12s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(out, "\n`fwneg VERB --help-all` shows a verb's options.\n");
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    const char *verb = argv[1];
    if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(verb, "--version") == 0 || strcmp(verb, "version") == 0) {
        printf("fwneg %s\n", FWNEG_VERSION);
        return 0;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++) {
        if (strcmp(verb, verbs[i].name) == 0)
            return verbs[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "fwneg: unknown verb '%s'\n\n", verb);
    print_usage(stderr);
    return 2;
}

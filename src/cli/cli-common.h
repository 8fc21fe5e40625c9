/* cli-common.h: what every fwneg verb shares — the common options, loading a
 * guest with its host facts and descriptors, and reporting errors.
 */
#pragma once

#include <glib.h>
#include "domain.h"
#include "engine.h"
#include "fwneg-options.h"
#include "host-facts.h"
#include "plan.h"

G_BEGIN_DECLS

/* Values of the options every verb accepts, as parsed by GOptionContext. */
typedef struct {
    char **firmware_dirs;
    char **rom_dirs;
    char *rom_policy;
    char *state_dir;
    char *qemu;
    char *canonical_machine;
    char *sysroot;
    char *config;
    char *output;
} FwnegCliArgs;

void fwneg_cli_args_clear(FwnegCliArgs *args);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FwnegCliArgs, fwneg_cli_args_clear)

/* Add the common options to @context (pointing into @args). */
void fwneg_cli_add_common_options(GOptionContext *context, FwnegCliArgs *args);

/* Turn parsed @args into options: validate values, read the config file and the
 * environment ($XDG_CONFIG_HOME / $HOME for the per-user descriptor dir). */
FwnegOptions *fwneg_cli_build_options(const FwnegCliArgs *args, GError **error);

/* Everything a verb that works on one guest needs, loaded in one go: the
 * guest and an engine (one engine, one plan). */
typedef struct {
    FwnegEngine *engine;
    const FwnegOptions *options; /* the engine's */
    FwnegDomain *domain;
    char *xml; /* the document text, for --output=xml */
    gsize xml_len;
    const FwnegHostFacts *facts; /* the engine's, for the guest's emulator */
    GPtrArray *descriptors;      /* the engine's: FwnegDescriptorEntry* */
    GPtrArray *warnings;         /* the engine's: char*, printed on stderr */
} FwnegCliGuest;

void fwneg_cli_guest_free(FwnegCliGuest *guest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegCliGuest, fwneg_cli_guest_free)

FwnegCliGuest *fwneg_cli_guest_load(const FwnegCliArgs *args, const char *xml_path, GError **error);
/* The same for XML already in memory (fwneg-apply: libvirt's defined XML);
 * @source_name names it in messages. */
FwnegCliGuest *fwneg_cli_guest_load_xml(const FwnegCliArgs *args, const char *data, gsize len,
                                        const char *source_name, GError **error);

/* Plan the guest with its engine. */
FwnegPlan *fwneg_cli_guest_plan(FwnegCliGuest *guest, GError **error);

/* Print "fwneg: MESSAGE" on stderr and return the exit status for @error. */
int fwneg_cli_report_error(const GError *error);
void fwneg_cli_print_warnings(GPtrArray *warnings);

/* A verb: parse its own argv (argv[0] is the verb name) and return the exit status. */
typedef int (*FwnegCliVerb)(int argc, char **argv);

int fwneg_cmd_plan(int argc, char **argv);
int fwneg_cmd_explain(int argc, char **argv);
int fwneg_cmd_descriptors(int argc, char **argv);
int fwneg_cmd_migrate_check(int argc, char **argv);
int fwneg_cmd_record(int argc, char **argv);
int fwneg_cmd_rom(int argc, char **argv);
int fwneg_cmd_apply(int argc, char **argv);

/* A helper program of fwneg's (fwneg-apply, fwneg-hook-worker): next to the
 * running program's own file (a build tree), else in FWNEG_LIBEXECDIR; NULL
 * when neither has it. */
char *fwneg_cli_find_helper(const char *name);

G_END_DECLS

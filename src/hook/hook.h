/* hook.h: fwneg-hook-worker, the part of the libvirt hook that plans
 * (hook-entry.c starts it only when a call has work).
 *
 * One call, one guest: the worker parses the domain XML libvirt handed the
 * hook, reads the guest's <fwneg:plan> record from its <metadata>, and runs
 * the op's handler.  It never talks to libvirt (libvirt holds the guest's job
 * while the hook runs: a call back would deadlock); everything it needs is in
 * the XML, fwneg's config and fwneg's state dir.  Its stdout is the rewritten
 * XML in migrate and restore, nothing otherwise; a refusal is one line on
 * stderr and a non-zero exit, which libvirt shows to the user.
 */
#pragma once

#include <glib.h>
#include "domain.h"
#include "engine.h"
#include "fwneg-options.h"
#include "plan.h"

G_BEGIN_DECLS

typedef struct {
    const char *name; /* argv: NAME OP SUBOP EXTRA */
    const char *op;
    const char *subop;
    char *xml;
    gsize xml_len;
    FwnegOptions *options; /* until the engine takes them over */
    char *state_dir;       /* the options' state dir, kept past the engine */
    FwnegEngine *engine;   /* made on first use */
    FwnegDomain *domain;
    GError *domain_error; /* the XML could not be parsed */
    gboolean has_record;  /* the XML carries a fwneg metadata element */
    FwnegPlan *recorded;  /* that record, read */
    GError *record_error; /* the record is there but damaged, or from a newer fwneg */
} FwnegHook;

/* The engine's options, or the loaded ones before it exists (NULL after the
 * engine failed to load: handlers stop there). */
const FwnegOptions *fwneg_hook_options(const FwnegHook *hook);
const char *fwneg_hook_state_dir(const FwnegHook *hook);
/* The engine (descriptors, firmware.d, host facts, ROM hashes), made once. */
FwnegEngine *fwneg_hook_engine(FwnegHook *hook, GError **error);

/* Refuse the op: one line on stderr naming the guest, the first problem and
 * how many more there are.  Returns the exit status (1). */
int fwneg_hook_refuse(const FwnegHook *hook, GPtrArray *problems);
int fwneg_hook_refuse_message(const FwnegHook *hook, const char *message);
/* A line on stderr that fails nothing (libvirt logs it; the entry's log shows
 * the first one). */
void fwneg_hook_note(const FwnegHook *hook, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* STATE_DIR/run/<uuid>.json: the plan this run of the guest was started with
 * (written by started, removed by release); NULL without a usable UUID. */
char *fwneg_hook_run_record_path(const FwnegHook *hook);

/* Write @plan as the run record (atomically); read it back (NULL when there
 * is none or it cannot be read).  (hook-started.c) */
gboolean fwneg_hook_write_run_record(const FwnegHook *hook, const FwnegPlan *plan, GError **error);
FwnegPlan *fwneg_hook_read_run_record(const FwnegHook *hook);

/* The record as a refusal says it: damaged (re-apply) or from a newer fwneg. */
int fwneg_hook_refuse_record(const FwnegHook *hook);

/* Op handlers: each returns the worker's exit status. */
int fwneg_hook_prepare(FwnegHook *hook);   /* hook-prepare.c */
int fwneg_hook_start(FwnegHook *hook);     /* hook-start.c: start and reconnect */
int fwneg_hook_reconnect(FwnegHook *hook); /* hook-start.c */
int fwneg_hook_started(FwnegHook *hook);   /* hook-started.c */
int fwneg_hook_release(FwnegHook *hook);   /* hook-started.c */
int fwneg_hook_incoming(FwnegHook *hook);  /* hook-incoming.c: migrate and restore */

G_END_DECLS

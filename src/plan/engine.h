/* engine.h: FwnegEngine — loads once, plans many.
 *
 * One engine holds everything a plan needs that does not depend on the guest:
 * the options, the merged firmware descriptor set (with a generation counter
 * that grows whenever the set on disk changed), fwneg's own data (firmware.d),
 * the host facts of every emulator asked for, and the ROM sha256 cache.  The CLI
 * makes one engine for one plan; the daemon keeps one for its lifetime and calls
 * fwneg_engine_reload() when something on disk changed; the hook makes one per
 * call, only for a guest fwneg manages.
 *
 * Single-threaded by contract: an engine and everything it hands out are used
 * from one thread at a time.  It has no global state, so separate engines may
 * live in separate threads.
 */
#pragma once

#include <glib.h>
#include "domain.h"
#include "fwneg-options.h"
#include "host-facts.h"
#include "plan-data.h"
#include "plan.h"

G_BEGIN_DECLS

typedef struct _FwnegEngine FwnegEngine;

/* Create an engine for @options (taken over).  Loads the descriptor set (using
 * and refreshing the parsed-descriptor cache in the state dir unless
 * options->no_cache) and firmware.d.  NULL with FWNEG_ERROR_HOST when a
 * descriptor directory exists but cannot be read. */
FwnegEngine *fwneg_engine_new(FwnegOptions *options, GError **error);
void fwneg_engine_free(FwnegEngine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegEngine, fwneg_engine_free)

const FwnegOptions *fwneg_engine_get_options(const FwnegEngine *engine);
/* The merged descriptor set (FwnegDescriptorEntry*, borrowed; replaced by a reload). */
GPtrArray *fwneg_engine_get_descriptors(const FwnegEngine *engine);
/* 1 after creation, +1 for every reload that found the descriptor set changed. */
guint64 fwneg_engine_get_descriptor_generation(const FwnegEngine *engine);
/* fwneg's data (firmware.d), read on first use (the first plan), borrowed;
 * replaced by a reload. */
const FwnegPlanData *fwneg_engine_get_data(FwnegEngine *engine);
/* The engine's ROM sha256 cache (borrowed; saved by fwneg_engine_plan). */
FwnegRomHashCache *fwneg_engine_get_rom_hash_cache(const FwnegEngine *engine);
/* Problems of the host's setup found while loading (world-writable descriptor
 * directories, …): char*, borrowed; shown once by front ends. */
GPtrArray *fwneg_engine_get_warnings(const FwnegEngine *engine);

/* Per-call choices that may differ from the engine's options (the daemon's
 * a{sv} options); NULL members keep the engine's. */
typedef struct {
    const char *rom_policy;        /* "default" | "qemu" */
    const char *canonical_machine; /* skip probing: use this canonical machine */
    const char *qemu;              /* emulator to probe */
    gboolean migration_target;     /* see FwnegOptions.migration_target */
} FwnegEngineCall;

/* The host facts for @domain: --canonical-machine, else the emulator (--qemu,
 * the domain's <emulator>, else the default for its arch), probed once per
 * engine and probed again when the binary changed (size, mtime, inode).
 * Borrowed. */
const FwnegHostFacts *fwneg_engine_host_facts(FwnegEngine *engine, const FwnegDomain *domain,
                                              const FwnegEngineCall *call, GError **error);

/* Plan @domain (whose arch, when missing, the caller has filled in: libvirt
 * fills it with the host's).  @call may be NULL.  With @choice_out, an
 * unsatisfied firmware choice is still handed back (for `explain`).  Errors as
 * fwneg_plan_build(). */
FwnegPlan *fwneg_engine_plan(FwnegEngine *engine, const FwnegDomain *domain,
                             const FwnegEngineCall *call, FwnegFirmwareChoice **choice_out,
                             GError **error);

/* Parse domain XML text (bounded, safe parser; a missing arch becomes the
 * host's, as libvirt does) and plan it.  @source_name names the input in
 * messages.  The parsed domain is handed back in @domain_out when not NULL. */
FwnegPlan *fwneg_engine_plan_xml(FwnegEngine *engine, const char *xml, gsize len,
                                 const char *source_name, const FwnegEngineCall *call,
                                 FwnegDomain **domain_out, GError **error);

/* The options of one call: the engine's, with @call's members in place
 * (a shallow copy: valid while the engine and @call live; never freed). */
FwnegOptions fwneg_engine_call_options(const FwnegEngine *engine, const FwnegEngineCall *call);

/* Re-read what may have changed on disk: the descriptor set (parses of
 * unchanged files are kept) and firmware.d.  *descriptors_changed and
 * *data_changed (either may be NULL) say whether anything did; the descriptor
 * generation grows when the set changed.  On error the engine keeps its
 * previous state. */
gboolean fwneg_engine_reload(FwnegEngine *engine, gboolean *descriptors_changed,
                             gboolean *data_changed, GError **error);

/* Record @plan (what `fwneg record`, `fwneg apply` and the hook do): note the
 * descriptors that decided its firmware (fwneg_plan_note_descriptors), then
 * fwneg_record_commit: ROMs copied into the store, fw_cfg files and
 * STATE_DIR/vms/<uuid>.json written. */
gboolean fwneg_engine_record(FwnegEngine *engine, FwnegPlan *plan, GError **error);

/* The architecture libvirt gives a domain without one: the host's (uname). */
char *fwneg_engine_host_arch(void);

G_END_DECLS

/* record-verify.h: does a recorded plan still hold for the domain libvirt is
 * about to start on this host?
 *
 * Two moments, two questions (the libvirt hook's prepare and start phases):
 *   - before anything is labelled or started: do the files the record and the
 *     domain XML name exist here with the recorded sizes and bytes, and are the
 *     descriptors that chose the firmware unchanged?  Missing ROM store copies
 *     and fwneg's fw_cfg files are written here from the record first.
 *   - with the XML libvirt resolved (loader, NVRAM, aliases): does this host's
 *     plan of it equal the record, device by device?
 * Each answer is a list of one-line problems; an empty list means it holds.
 */
#pragma once

#include <glib.h>
#include "domain.h"
#include "fwneg-options.h"
#include "plan.h"
#include "rom-image.h"

G_BEGIN_DECLS

typedef struct {
    const FwnegPlan *recorded;     /* from the domain's <fwneg:plan> */
    const FwnegDomain *domain;     /* the XML libvirt is about to start */
    const FwnegOptions *options;   /* state dir, sysroot */
    GPtrArray *descriptors;        /* this host's merged descriptor set (the engine's) */
    FwnegRomHashCache *hash_cache; /* NULL: hash every ROM */
    gboolean materialise;          /* write missing store copies and fw_cfg files */
    GPtrArray *problems;           /* char*: appended, one line each */
    GPtrArray *done;               /* char*: what was written (for the log) */
} FwnegRecordVerify;

/* The prepare-time check (record-verify.c): firmware and NVRAM template
 * present; descriptors unchanged; each recorded ROM's file present with the
 * recorded size, RAM block size (romsize overrides included) and sha256,
 * its store copy written from the recorded file when missing; each fwneg
 * fw_cfg file present with the recorded bytes, written when it lives in
 * STATE_DIR/fwcfg/ and is missing or differs; the machine type unchanged. */
void fwneg_record_verify_host(FwnegRecordVerify *verify);

/* The start-time check (record-compare.c): @local (this host's plan of the
 * resolved XML) against @recorded: machine, firmware executable and NVRAM
 * template, every ROM RAM block (name, size, bytes), the boot order and every
 * fw_cfg file.  Appends one line per difference to @problems. */
void fwneg_record_compare(const FwnegPlan *recorded, const FwnegPlan *local, GPtrArray *problems);

G_END_DECLS

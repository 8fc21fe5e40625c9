/* fwcfg-layout.h: the bytes of fwneg's own fw_cfg advertisement and the rules
 * every fw_cfg name fwneg emits must follow.
 *
 * Layout of opt/org.fwneg/features (and any other file a fwneg-published
 * feature domain names), version 1:
 *
 *   offset 0   u64 little-endian   layout version = 1
 *   offset 8*N u64 little-endian   bitmap of the feature domain declaring "word": N
 *                                  (data/firmware.d/feature-*.json), N >= 1
 *
 * The file is 8 * (highest word + 1) bytes; a word no domain declares is 0.
 * Readers must treat a missing file, a missing word and an unknown bit as "not
 * offered" (migrated firmware keeps running against a newer host's file), and a
 * layout version other than 1 as "unknown layout: ignore the file".  The file is
 * a pure function of the canonical machine type and the recorded guest config.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FWNEG_FWCFG_FEATURES_FILE  "opt/org.fwneg/features"
#define FWNEG_FWCFG_LAYOUT_VERSION 1
/* A bound on words per file (the file stays tiny; firmware reads it whole). */
#define FWNEG_FWCFG_MAX_WORDS 64
/* QEMU: FW_CFG_MAX_FILE_PATH is 56 including the NUL ("name too long (max. 55 char)"). */
#define FWNEG_FWCFG_NAME_MAX 55

/* A name fwneg may pass with -fw_cfg: under opt/ (QEMU warns otherwise and libvirt
 * refuses <sysinfo type='fwcfg'> entries outside it), at most 55 bytes, characters
 * [A-Za-z0-9._-] in '/'-separated non-empty components other than "." and ".."
 * (the name is also the file's path under the state dir). */
gboolean fwneg_fwcfg_name_is_valid(const char *name, GError **error);

/* Encode words[0..n_words) (words[0] is set to the layout version) as little-endian. */
GBytes *fwneg_fwcfg_encode_words(guint64 *words, guint n_words);

/* u64 little-endian of @value (8 bytes), as QEMU stores etc/smi/supported-features. */
GBytes *fwneg_fwcfg_le64(guint64 value);

G_END_DECLS

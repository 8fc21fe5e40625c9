/* host-facts-private.h: what the host-facts files share and nothing else sees. */
#pragma once

#include <sys/stat.h>

#include "host-facts.h"

G_BEGIN_DECLS

/* CACHE_DIR/host-facts-<sha256 of the emulator path>.json */
char *fwneg_host_facts_cache_path(const char *cache_dir, const char *emulator);
/* The cached facts for @emulator as stat'ed in @st, or NULL (missing, stale, corrupt). */
FwnegHostFacts *fwneg_host_facts_cache_load(const char *cache_path, const char *emulator,
                                            const struct stat *st);
/* Store @facts for the binary stat'ed in @st; failures are ignored (a cache). */
void fwneg_host_facts_cache_store(const char *cache_dir, const char *cache_path,
                                  const FwnegHostFacts *facts, const struct stat *st);
/* Is @cache_dir an existing directory and not a symlink? */
gboolean fwneg_host_facts_cache_dir_usable(const char *cache_dir);

G_END_DECLS

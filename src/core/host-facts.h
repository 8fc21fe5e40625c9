/* host-facts.h: what the emulator binary offers — canonical machine names,
 * aliases and its version — probed by running it and cached in the state dir.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    char *name;     /* pc-q35-7.2, q35, virt-7.2, virt, … */
    char *alias_of; /* canonical name when this entry is an alias, else NULL */
    gboolean is_default;
    char *description;      /* text after the name, without QEMU's "(…)" markers */
    gboolean is_deprecated; /* QEMU marked it "(deprecated)" */
} FwnegMachineInfo;

/* Longest machine type name fwneg accepts (QEMU's are < 30 characters). */
#define FWNEG_MACHINE_NAME_MAX 64

void fwneg_machine_info_free(FwnegMachineInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegMachineInfo, fwneg_machine_info_free)

typedef struct {
    char *emulator; /* path of the probed binary, or NULL when given by the user */
    char *version;  /* "7.2.22" */
    int version_major, version_minor, version_micro;
    GPtrArray *machines; /* FwnegMachineInfo*, in the order QEMU lists them */
} FwnegHostFacts;

void fwneg_host_facts_free(FwnegHostFacts *facts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegHostFacts, fwneg_host_facts_free)

/* Parsers of the two outputs (pure; fuzzed). */
gboolean fwneg_parse_qemu_version(const char *version_output, FwnegHostFacts *facts,
                                  GError **error);
/* Returns FwnegMachineInfo* (the array frees them); errors are FWNEG_ERROR_INVALID_INPUT. */
GPtrArray *fwneg_parse_machine_help(const char *machine_help_output, GError **error);
/* A machine type name as QEMU spells them: [A-Za-z0-9._+-], 1..FWNEG_MACHINE_NAME_MAX. */
gboolean fwneg_machine_name_is_valid(const char *name);
/* "7.2.22" / "7.2" (micro = 0) at the start of @text, up to the first character
 * that is neither digit nor dot. */
gboolean fwneg_parse_dotted_version(const char *text, int *major, int *minor, int *micro);

/* Probe @emulator (runs `EMULATOR -version` and `EMULATOR -machine help` with a timeout).
 * When @cache_dir is not NULL the result is cached there as JSON keyed by the binary's
 * path, size and mtime, and a fresh cache entry is used without running the binary.
 * A missing or non-executable emulator is FWNEG_ERROR_HOST naming the path. */
FwnegHostFacts *fwneg_host_facts_probe(const char *emulator, const char *cache_dir, GError **error);
/* Default time each emulator run may take before it is killed. */
#define FWNEG_HOST_FACTS_PROBE_TIMEOUT_MS 5000
/* fwneg_host_facts_probe() with a chosen timeout per emulator run (tests). */
FwnegHostFacts *fwneg_host_facts_probe_full(const char *emulator, const char *cache_dir,
                                            guint timeout_ms, GError **error);

/* Facts for a host without QEMU: one canonical machine named by the user; the
 * version comes from its suffix (pc-q35-7.2 → 7.2.0). */
/* @arch (the guest's libvirt arch, NULL when unknown) decides whether an
 * unversioned name is an alias, which is refused (FWNEG_ERROR_USAGE). */
FwnegHostFacts *fwneg_host_facts_from_canonical(const char *canonical_machine, const char *arch,
                                                GError **error);

/* Canonical name for @machine (an alias or a canonical name; NULL = the default
 * machine).  Returns NULL and FWNEG_ERROR_UNSATISFIABLE listing what exists when
 * the emulator does not know it. */
const char *fwneg_host_facts_canonicalize(const FwnegHostFacts *facts, const char *machine,
                                          GError **error);

/* Default emulator path for a libvirt arch (/usr/bin/qemu-system-ARCH with i686 →
 * i386, armv7l → arm); NULL for an unknown arch. */
char *fwneg_default_emulator_for_arch(const char *libvirt_arch);

G_END_DECLS

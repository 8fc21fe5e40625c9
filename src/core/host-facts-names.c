/* host-facts-names.c: resolve machine type names against what the emulator
 * offers (aliases, the default machine), and facts for a host without QEMU.
 */
#include <string.h>

#include "fwneg-error.h"
#include "host-facts-private.h"

/* How many names an "unknown machine type" message lists. */
#define KNOWN_NAMES_SHOWN 10

/* ---- facts without QEMU --------------------------------------------------- */

/* The unversioned alias QEMU gives the newest machine of each family. */
static char *
usual_alias_of(const char *canonical)
{
    static const struct {
        const char *prefix;
        const char *alias;
    } families[] = {
        {"pc-q35-", "q35"},
        {"pc-i440fx-", "pc"},
        {"virt-", "virt"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(families); i++) {
        int major, minor, micro;
        const char *suffix = canonical + strlen(families[i].prefix);
        if (g_str_has_prefix(canonical, families[i].prefix) &&
            fwneg_parse_dotted_version(suffix, &major, &minor, &micro) &&
            strspn(suffix, "0123456789.") == strlen(suffix))
            return g_strdup(families[i].alias);
    }
    return NULL;
}

/* The versioned name an unversioned alias stands for in QEMU 7.2 ("pc" →
 * pc-i440fx-7.2), NULL when @name is not an alias on @arch: "virt" is one on
 * ARM but the only (canonical) virt machine on RISC-V and LoongArch. */
static const char *
alias_example(const char *name, const char *arch)
{
    if (strcmp(name, "pc") == 0)
        return "pc-i440fx-7.2";
    if (strcmp(name, "q35") == 0)
        return "pc-q35-7.2";
    if (strcmp(name, "virt") == 0 && !g_str_has_prefix(arch ? arch : "", "riscv") &&
        g_strcmp0(arch, "loongarch64") != 0)
        return "virt-7.2";
    return NULL;
}

FwnegHostFacts *
fwneg_host_facts_from_canonical(const char *canonical_machine, const char *arch, GError **error)
{
    if (!fwneg_machine_name_is_valid(canonical_machine)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_USAGE,
                    "--canonical-machine '%.80s' is not a machine type name (letters, digits, "
                    "'.', '_', '+', '-')",
                    canonical_machine ? canonical_machine : "");
        return NULL;
    }
    /* "pc", "q35" and ARM's "virt" are aliases in every QEMU: descriptor globs
     * and fwneg's feature data match only the versioned names, so accepting
     * one would silently match nothing.  Every alias is refused alike. */
    const char *example = alias_example(canonical_machine, arch);
    if (example != NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_USAGE,
                    "--canonical-machine '%s' is an alias, not a canonical machine type%s%s; "
                    "give the versioned name, e.g. %s",
                    canonical_machine, arch ? " on " : "", arch ? arch : "", example);
        return NULL;
    }

    g_autoptr(FwnegHostFacts) facts = g_new0(FwnegHostFacts, 1);
    /* The version is the machine type's ("pc-q35-4.0.1" → 4.0.1), the best
     * stand-in for the QEMU version there is; unversioned names give 0.0.0. */
    const char *dash = strrchr(canonical_machine, '-');
    const char *suffix = dash != NULL ? dash + 1 : "";
    if (strspn(suffix, "0123456789.") != strlen(suffix) ||
        !fwneg_parse_dotted_version(suffix, &facts->version_major, &facts->version_minor,
                                    &facts->version_micro)) {
        facts->version_major = facts->version_minor = facts->version_micro = 0;
    }
    facts->version = g_strdup_printf("%d.%d.%d", facts->version_major, facts->version_minor,
                                     facts->version_micro);
    facts->machines = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_machine_info_free);

    g_autofree char *alias = usual_alias_of(canonical_machine);
    if (alias != NULL) {
        FwnegMachineInfo *alias_info = g_new0(FwnegMachineInfo, 1);
        alias_info->name = g_steal_pointer(&alias);
        alias_info->alias_of = g_strdup(canonical_machine);
        alias_info->description = g_strdup("alias (given with --canonical-machine)");
        g_ptr_array_add(facts->machines, alias_info);
    }
    FwnegMachineInfo *info = g_new0(FwnegMachineInfo, 1);
    info->name = g_strdup(canonical_machine);
    info->is_default = TRUE;
    info->description = g_strdup("given with --canonical-machine");
    g_ptr_array_add(facts->machines, info);
    return g_steal_pointer(&facts);
}

/* ---- resolving names ------------------------------------------------------ */

static const FwnegMachineInfo *
lookup_machine(const FwnegHostFacts *facts, const char *name)
{
    for (guint i = 0; i < facts->machines->len; i++) {
        const FwnegMachineInfo *info = g_ptr_array_index(facts->machines, i);
        if (strcmp(info->name, name) == 0)
            return info;
    }
    return NULL;
}

static const char *
canonical_of(const FwnegMachineInfo *info)
{
    return info->alias_of != NULL ? info->alias_of : info->name;
}

/* QEMU's "(default)" machine, which libvirt also picks when the domain XML has
 * no machine (it moves QMP query-machines' is-default entry first and takes the
 * first): pc-i440fx-7.2 on Debian 12's x86_64.  QEMU deliberately marks none on
 * ARM.  There libvirt 9.0 takes whichever board QMP lists first (an arbitrary
 * one); a later 2023 release changed the ARM/RISC-V default to "virt" (NEWS:
 * "Change default machine type for ARM and RISC-V to 'virt'").  fwneg follows
 * the newer rule on purpose — a random board is never what the user meant — and
 * resolves "virt" to its canonical target. */
static const char *
default_machine(const FwnegHostFacts *facts)
{
    for (guint i = 0; i < facts->machines->len; i++) {
        const FwnegMachineInfo *info = g_ptr_array_index(facts->machines, i);
        if (info->is_default)
            return canonical_of(info);
    }
    const FwnegMachineInfo *virt = lookup_machine(facts, "virt");
    return virt != NULL ? canonical_of(virt) : NULL;
}

static void
add_unique(GPtrArray *names, const char *name)
{
    if (!g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL))
        g_ptr_array_add(names, (gpointer)name);
}

/* "pc, q35, pc-i440fx-7.2, pc-q35-7.2, …": the names people type first (the
 * aliases and what they point at), then the rest in QEMU's order. */
static char *
describe_known_machines(const FwnegHostFacts *facts)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    for (guint i = 0; i < facts->machines->len; i++) {
        const FwnegMachineInfo *info = g_ptr_array_index(facts->machines, i);
        if (info->alias_of != NULL)
            add_unique(names, info->name);
    }
    for (guint i = 0; i < facts->machines->len; i++) {
        const FwnegMachineInfo *info = g_ptr_array_index(facts->machines, i);
        if (info->alias_of != NULL)
            add_unique(names, info->alias_of);
    }
    for (guint i = 0; i < facts->machines->len; i++)
        add_unique(names, ((const FwnegMachineInfo *)g_ptr_array_index(facts->machines, i))->name);

    g_autoptr(GString) text = g_string_new(NULL);
    for (guint i = 0; i < names->len && i < KNOWN_NAMES_SHOWN; i++)
        g_string_append_printf(text, "%s%s", i > 0 ? ", " : "",
                               (const char *)g_ptr_array_index(names, i));
    if (names->len > KNOWN_NAMES_SHOWN)
        g_string_append_printf(text, ", … (%u in all)", names->len);
    return g_string_free(g_steal_pointer(&text), FALSE);
}

/* "by /usr/bin/qemu-system-x86_64 (QEMU 7.2.22)" or "with --canonical-machine
 * pc-q35-7.2", to follow "is not supported". */
static char *
describe_emulator(const FwnegHostFacts *facts)
{
    if (facts->emulator != NULL)
        return g_strdup_printf("by %s (QEMU %s)", facts->emulator,
                               facts->version ? facts->version : "of unknown version");
    const char *given = default_machine(facts);
    return g_strdup_printf("with --canonical-machine %s", given ? given : "(none)");
}

const char *
fwneg_host_facts_canonicalize(const FwnegHostFacts *facts, const char *machine, GError **error)
{
    if (facts->machines == NULL || facts->machines->len == 0) {
        g_autofree char *emulator = describe_emulator(facts);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST, "no machine types are known %s",
                    emulator);
        return NULL;
    }
    if (machine == NULL) {
        const char *fallback = default_machine(facts);
        if (fallback == NULL) {
            g_autofree char *known = describe_known_machines(facts);
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                        "the domain names no machine type and %s has no default one; add "
                        "<type machine='…'> to the domain XML (known: %s)",
                        facts->emulator ? facts->emulator : "the emulator", known);
        }
        return fallback;
    }

    const FwnegMachineInfo *info = lookup_machine(facts, machine);
    if (info != NULL)
        return canonical_of(info);

    g_autofree char *emulator = describe_emulator(facts);
    g_autofree char *known = describe_known_machines(facts);
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                "machine type '%.80s' is not supported %s; known: %s", machine, emulator, known);
    return NULL;
}

/* libvirt's arch names → QEMU target names, as virQEMUCapsArchToString maps
 * them; the others are identical.  Only arches QEMU has a system emulator for. */
char *
fwneg_default_emulator_for_arch(const char *libvirt_arch)
{
    static const struct {
        const char *libvirt;
        const char *qemu;
    } renamed[] = {
        {"i686", "i386"},
        {"armv6l", "arm"},
        {"armv7l", "arm"},
        {"ppc64le", "ppc64"},
    };
    static const char *const same[] = {
        "x86_64",     "aarch64",      "alpha",   "cris",    "loongarch64", "m68k",
        "microblaze", "microblazeel", "mips",    "mipsel",  "mips64",      "mips64el",
        "ppc",        "ppc64",        "riscv32", "riscv64", "s390x",       "sh4",
        "sh4eb",      "sparc",        "sparc64", "xtensa",  "xtensaeb",    NULL,
    };
    if (libvirt_arch == NULL)
        return NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(renamed); i++) {
        if (strcmp(libvirt_arch, renamed[i].libvirt) == 0)
            return g_strdup_printf("/usr/bin/qemu-system-%s", renamed[i].qemu);
    }
    if (g_strv_contains(same, libvirt_arch))
        return g_strdup_printf("/usr/bin/qemu-system-%s", libvirt_arch);
    return NULL;
}

/* host-facts.c: learn what the emulator offers by running it, cache the
 * answer, and resolve machine type aliases against it.
 *
 * Only two cheap, side-effect-free commands are run — `EMULATOR -version` and
 * `EMULATOR -machine help` (about 30 ms each on QEMU 7.2; neither needs
 * -nodefaults or -display none because they exit before creating a machine).
 * They run as argv without a shell and each is killed when it does not answer
 * within the timeout: a hook that hangs would hang libvirt.
 */
#include "host-facts.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <json-c/json.h>

#include "atomic-file.h"
#include "fwneg-error.h"

#define CACHE_FORMAT "fwneg-host-facts/1"
/* A cache entry is a few KiB; a bigger file is not ours. */
#define CACHE_MAX_BYTES (4 * 1024 * 1024)
/* How many names an "unknown machine type" message lists. */
#define KNOWN_NAMES_SHOWN 10

/* ---- running the emulator ------------------------------------------------ */

typedef struct {
    gboolean done;
    gboolean timed_out;
    char *stdout_text;
    char *stderr_text;
    GError *error;
    GSubprocess *process;
    GCancellable *cancellable;
} EmulatorRun;

static void
on_communicated(GObject *source, GAsyncResult *result, gpointer user_data)
{
    EmulatorRun *run = user_data;
    g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), result, &run->stdout_text,
                                         &run->stderr_text, &run->error);
    run->done = TRUE;
}

static gboolean
on_timeout(gpointer user_data)
{
    EmulatorRun *run = user_data;
    run->timed_out = TRUE;
    /* Kill first: cancelling alone would leave the child running. */
    g_subprocess_force_exit(run->process);
    g_cancellable_cancel(run->cancellable);
    return G_SOURCE_REMOVE;
}

static char *
describe_timeout(guint timeout_ms)
{
    if (timeout_ms % 1000 == 0)
        return g_strdup_printf("%u s", timeout_ms / 1000);
    return g_strdup_printf("%u ms", timeout_ms);
}

/* Run `EMULATOR ARGS…` and return its standard output; the command is named
 * in errors as @what (e.g. "-machine help"). */
static char *
run_emulator(const char *emulator, const char *const *args, const char *what, guint timeout_ms,
             GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)emulator);
    for (const char *const *arg = args; *arg != NULL; arg++)
        g_ptr_array_add(argv, (gpointer)*arg);
    g_ptr_array_add(argv, NULL);

    g_autoptr(GError) spawn_error = NULL;
    g_autoptr(GSubprocess) process = g_subprocess_newv(
        (const char *const *)argv->pdata,
        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &spawn_error);
    if (process == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST, "cannot run %s %s: %s", emulator, what,
                    spawn_error->message);
        return NULL;
    }

    /* A private main context: the caller's loop (the daemon's) is not ours to
     * iterate, and nothing else must run in between. */
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    EmulatorRun run = {.process = process, .cancellable = cancellable};

    g_main_context_push_thread_default(context);
    g_subprocess_communicate_utf8_async(process, NULL, cancellable, on_communicated, &run);
    g_autoptr(GSource) timeout = g_timeout_source_new(timeout_ms);
    g_source_set_callback(timeout, on_timeout, &run, NULL);
    g_source_attach(timeout, context);
    while (!run.done)
        g_main_context_iteration(context, TRUE);
    g_source_destroy(timeout);
    g_main_context_pop_thread_default(context);

    g_autofree char *stdout_text = g_steal_pointer(&run.stdout_text);
    g_autofree char *stderr_text = g_steal_pointer(&run.stderr_text);
    g_autoptr(GError) run_error = g_steal_pointer(&run.error);

    if (run.timed_out) {
        /* Reap the killed child now rather than leave a zombie behind. */
        g_subprocess_wait(process, NULL, NULL);
        g_autofree char *limit = describe_timeout(timeout_ms);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                    "%s did not answer `%s` within %s; check that it is a QEMU system emulator "
                    "that runs on this host, or pass --canonical-machine",
                    emulator, what, limit);
        return NULL;
    }
    if (run_error != NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST, "reading the answer of %s %s: %s",
                    emulator, what, run_error->message);
        return NULL;
    }
    if (!g_subprocess_get_successful(process)) {
        g_autofree char *reason = NULL;
        if (g_subprocess_get_if_exited(process))
            reason =
                g_strdup_printf("exited with status %d", g_subprocess_get_exit_status(process));
        else
            reason = g_strdup_printf("was killed by signal %d", g_subprocess_get_term_sig(process));
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST, "%s %s %s%s%s", emulator, what, reason,
                    stderr_text != NULL && stderr_text[0] != '\0' ? ": " : "",
                    stderr_text != NULL ? g_strstrip(stderr_text) : "");
        return NULL;
    }
    return g_steal_pointer(&stdout_text);
}

/* The Debian package that ships @emulator, for the "install it" hint. */
static const char *
package_for_emulator(const char *emulator)
{
    g_autofree char *base = g_path_get_basename(emulator);
    static const struct {
        const char *prefix;
        const char *package;
    } packages[] = {
        {"qemu-system-x86_64", "qemu-system-x86"},  {"qemu-system-i386", "qemu-system-x86"},
        {"qemu-system-aarch64", "qemu-system-arm"}, {"qemu-system-arm", "qemu-system-arm"},
        {"qemu-system-ppc", "qemu-system-ppc"},     {"qemu-system-mips", "qemu-system-mips"},
        {"qemu-system-sparc", "qemu-system-sparc"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(packages); i++) {
        if (g_str_has_prefix(base, packages[i].prefix))
            return packages[i].package;
    }
    return "qemu-system-misc";
}

static gboolean
check_emulator_runnable(const char *emulator, struct stat *st, GError **error)
{
    if (stat(emulator, st) != 0) {
        int saved = errno;
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                    "emulator %s: %s; install %s, point --qemu at the emulator, or pass "
                    "--canonical-machine NAME to plan without probing QEMU",
                    emulator, g_strerror(saved), package_for_emulator(emulator));
        return FALSE;
    }
    if (!S_ISREG(st->st_mode) || access(emulator, X_OK) != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                    "emulator %s is not an executable file; point --qemu at the QEMU system "
                    "emulator or pass --canonical-machine NAME",
                    emulator);
        return FALSE;
    }
    return TRUE;
}

/* Turn a parser's INVALID_INPUT into a host problem naming the emulator. */
static void
blame_emulator(GError *parse_error, const char *emulator, GError **error)
{
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST, "%s: unexpected output of %s", emulator,
                parse_error->message);
}

static FwnegHostFacts *
run_probe(const char *emulator, guint timeout_ms, GError **error)
{
    static const char *const version_args[] = {"-version", NULL};
    static const char *const machine_args[] = {"-machine", "help", NULL};
    g_autoptr(GError) parse_error = NULL;

    g_autofree char *version_text =
        run_emulator(emulator, version_args, "-version", timeout_ms, error);
    if (version_text == NULL)
        return NULL;
    g_autoptr(FwnegHostFacts) facts = g_new0(FwnegHostFacts, 1);
    if (!fwneg_parse_qemu_version(version_text, facts, &parse_error)) {
        blame_emulator(parse_error, emulator, error);
        return NULL;
    }
    g_autofree char *machine_text =
        run_emulator(emulator, machine_args, "-machine help", timeout_ms, error);
    if (machine_text == NULL)
        return NULL;
    facts->machines = fwneg_parse_machine_help(machine_text, &parse_error);
    if (facts->machines == NULL) {
        blame_emulator(parse_error, emulator, error);
        return NULL;
    }
    facts->emulator = g_strdup(emulator);
    return g_steal_pointer(&facts);
}

/* ---- the cache ------------------------------------------------------------ */

static char *
cache_file_path(const char *cache_dir, const char *emulator)
{
    g_autofree char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, emulator, -1);
    g_autofree char *name = g_strdup_printf("host-facts-%s.json", digest);
    return g_build_filename(cache_dir, name, NULL);
}

static gint64
mtime_ns(const struct stat *st)
{
    return (gint64)st->st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st->st_mtim.tv_nsec;
}

static const char *
json_string_member(json_object *object, const char *key)
{
    json_object *member = NULL;
    if (!json_object_object_get_ex(object, key, &member) ||
        !json_object_is_type(member, json_type_string))
        return NULL;
    return json_object_get_string(member);
}

static gboolean
json_int64_member(json_object *object, const char *key, gint64 *value)
{
    json_object *member = NULL;
    if (!json_object_object_get_ex(object, key, &member) ||
        !json_object_is_type(member, json_type_int))
        return FALSE;
    *value = json_object_get_int64(member);
    return TRUE;
}

static gboolean
json_bool_member(json_object *object, const char *key)
{
    json_object *member = NULL;
    return json_object_object_get_ex(object, key, &member) &&
           json_object_is_type(member, json_type_boolean) && json_object_get_boolean(member);
}

static GPtrArray *
machines_from_json(json_object *array)
{
    if (!json_object_is_type(array, json_type_array))
        return NULL;
    g_autoptr(GPtrArray) machines =
        g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_machine_info_free);
    for (size_t i = 0; i < json_object_array_length(array); i++) {
        json_object *entry = json_object_array_get_idx(array, i);
        const char *name = json_string_member(entry, "name");
        const char *alias_of = json_string_member(entry, "alias-of");
        const char *description = json_string_member(entry, "description");
        if (!fwneg_machine_name_is_valid(name) || description == NULL ||
            (alias_of != NULL && !fwneg_machine_name_is_valid(alias_of)))
            return NULL;
        FwnegMachineInfo *info = g_new0(FwnegMachineInfo, 1);
        info->name = g_strdup(name);
        info->alias_of = g_strdup(alias_of);
        info->description = g_strdup(description);
        info->is_default = json_bool_member(entry, "default");
        info->is_deprecated = json_bool_member(entry, "deprecated");
        g_ptr_array_add(machines, info);
    }
    return machines->len > 0 ? g_steal_pointer(&machines) : NULL;
}

/* The cached facts when the entry describes the binary as it is now; NULL for a
 * missing, stale or damaged entry (which the caller then overwrites). */
static FwnegHostFacts *
cache_load(const char *cache_path, const char *emulator, const struct stat *st)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(cache_path, &data, &len, NULL) || len > CACHE_MAX_BYTES)
        return NULL;

    json_object *root = json_tokener_parse(data);
    if (root == NULL)
        return NULL;
    g_autoptr(FwnegHostFacts) facts = NULL;
    gint64 size = -1, mtime = -1;
    const char *version = json_string_member(root, "version");
    int major, minor, micro;
    json_object *machines = NULL;

    if (g_strcmp0(json_string_member(root, "format"), CACHE_FORMAT) == 0 &&
        g_strcmp0(json_string_member(root, "path"), emulator) == 0 &&
        json_int64_member(root, "size", &size) && size == (gint64)st->st_size &&
        json_int64_member(root, "mtime-ns", &mtime) && mtime == mtime_ns(st) && version != NULL &&
        fwneg_parse_dotted_version(version, &major, &minor, &micro) &&
        json_object_object_get_ex(root, "machines", &machines)) {
        facts = g_new0(FwnegHostFacts, 1);
        facts->emulator = g_strdup(emulator);
        facts->version = g_strdup_printf("%d.%d.%d", major, minor, micro);
        facts->version_major = major;
        facts->version_minor = minor;
        facts->version_micro = micro;
        facts->machines = machines_from_json(machines);
        if (facts->machines == NULL)
            g_clear_pointer(&facts, fwneg_host_facts_free);
    }
    json_object_put(root);
    return g_steal_pointer(&facts);
}

static char *
cache_serialize(const FwnegHostFacts *facts, const struct stat *st)
{
    json_object *root = json_object_new_object();
    json_object_object_add(root, "format", json_object_new_string(CACHE_FORMAT));
    json_object_object_add(root, "path", json_object_new_string(facts->emulator));
    json_object_object_add(root, "size", json_object_new_int64((int64_t)st->st_size));
    json_object_object_add(root, "mtime-ns", json_object_new_int64(mtime_ns(st)));
    json_object_object_add(root, "version", json_object_new_string(facts->version));

    json_object *machines = json_object_new_array();
    for (guint i = 0; i < facts->machines->len; i++) {
        const FwnegMachineInfo *info = g_ptr_array_index(facts->machines, i);
        json_object *entry = json_object_new_object();
        json_object_object_add(entry, "name", json_object_new_string(info->name));
        if (info->alias_of != NULL)
            json_object_object_add(entry, "alias-of", json_object_new_string(info->alias_of));
        json_object_object_add(entry, "description",
                               json_object_new_string(info->description ? info->description : ""));
        if (info->is_default)
            json_object_object_add(entry, "default", json_object_new_boolean(TRUE));
        if (info->is_deprecated)
            json_object_object_add(entry, "deprecated", json_object_new_boolean(TRUE));
        json_object_array_add(machines, entry);
    }
    json_object_object_add(root, "machines", machines);

    char *text = g_strdup_printf(
        "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    return text;
}

/* The cache only saves time: failing to write it (an unprivileged user and the
 * default state dir, a read-only file system) never fails the probe. */
static void
cache_store(const char *cache_dir, const char *cache_path, const FwnegHostFacts *facts,
            const struct stat *st)
{
    g_autoptr(GError) local_error = NULL;
    g_autofree char *text = cache_serialize(facts, st);
    if (!fwneg_ensure_state_dir(cache_dir, 0755, &local_error) ||
        !fwneg_atomic_write(cache_path, text, strlen(text), 0644, &local_error))
        g_debug("not caching the facts of %s: %s", facts->emulator, local_error->message);
}

/* Refuse to read a cache the state-dir rules would refuse to write. */
static gboolean
cache_dir_usable(const char *cache_dir)
{
    struct stat st;
    g_autofree char *dir = g_strdup(cache_dir);
    gsize len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

FwnegHostFacts *
fwneg_host_facts_probe_full(const char *emulator, const char *cache_dir, guint timeout_ms,
                            GError **error)
{
    struct stat st;

    g_return_val_if_fail(emulator != NULL, NULL);
    if (timeout_ms == 0)
        timeout_ms = FWNEG_HOST_FACTS_PROBE_TIMEOUT_MS;
    if (!check_emulator_runnable(emulator, &st, error))
        return NULL;

    g_autofree char *cache_path = cache_dir ? cache_file_path(cache_dir, emulator) : NULL;
    if (cache_path != NULL && cache_dir_usable(cache_dir)) {
        FwnegHostFacts *cached = cache_load(cache_path, emulator, &st);
        if (cached != NULL)
            return cached;
    }

    g_autoptr(FwnegHostFacts) facts = run_probe(emulator, timeout_ms, error);
    if (facts == NULL)
        return NULL;

    /* Store what belongs to the binary we stat'ed; if it was replaced while we
     * ran it, the next probe sees a different size/mtime and probes again. */
    if (cache_path != NULL)
        cache_store(cache_dir, cache_path, facts, &st);
    return g_steal_pointer(&facts);
}

FwnegHostFacts *
fwneg_host_facts_probe(const char *emulator, const char *cache_dir, GError **error)
{
    return fwneg_host_facts_probe_full(emulator, cache_dir, FWNEG_HOST_FACTS_PROBE_TIMEOUT_MS,
                                       error);
}

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

FwnegHostFacts *
fwneg_host_facts_from_canonical(const char *canonical_machine, GError **error)
{
    if (!fwneg_machine_name_is_valid(canonical_machine)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_USAGE,
                    "--canonical-machine '%.80s' is not a machine type name (letters, digits, "
                    "'.', '_', '+', '-')",
                    canonical_machine ? canonical_machine : "");
        return NULL;
    }
    /* x86 "pc" and "q35" are aliases in every QEMU; globs in descriptors match
     * only the versioned name, so accepting them would silently match nothing. */
    if (strcmp(canonical_machine, "pc") == 0 || strcmp(canonical_machine, "q35") == 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_USAGE,
                    "--canonical-machine '%s' is an alias, not a canonical machine type; give "
                    "the versioned name, e.g. %s",
                    canonical_machine,
                    strcmp(canonical_machine, "pc") == 0 ? "pc-i440fx-7.2" : "pc-q35-7.2");
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

/* host-facts.c: learn what the emulator offers by running it (the answer is
 * cached by host-facts-cache.c; names are resolved by host-facts-names.c).
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

#include "fwneg-error.h"
#include "host-facts-private.h"

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

    g_autofree char *cache_path =
        cache_dir ? fwneg_host_facts_cache_path(cache_dir, emulator) : NULL;
    if (cache_path != NULL && fwneg_host_facts_cache_dir_usable(cache_dir)) {
        FwnegHostFacts *cached = fwneg_host_facts_cache_load(cache_path, emulator, &st);
        if (cached != NULL)
            return cached;
    }

    g_autoptr(FwnegHostFacts) facts = run_probe(emulator, timeout_ms, error);
    if (facts == NULL)
        return NULL;

    /* Store what belongs to the binary we stat'ed; if it was replaced while we
     * ran it, the next probe sees a different size/mtime and probes again. */
    if (cache_path != NULL)
        fwneg_host_facts_cache_store(cache_dir, cache_path, facts, &st);
    return g_steal_pointer(&facts);
}

FwnegHostFacts *
fwneg_host_facts_probe(const char *emulator, const char *cache_dir, GError **error)
{
    return fwneg_host_facts_probe_full(emulator, cache_dir, FWNEG_HOST_FACTS_PROBE_TIMEOUT_MS,
                                       error);
}

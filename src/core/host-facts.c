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
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fwneg-error.h"
#include "host-facts-private.h"

/* ---- running the emulator ------------------------------------------------ */

/* `-machine help` of QEMU 10.0 is ~10 KiB; more than this is not a QEMU. */
#define EMULATOR_OUTPUT_MAX_BYTES (4 * 1024 * 1024)

static char *
describe_timeout(guint timeout_ms)
{
    if (timeout_ms % 1000 == 0)
        return g_strdup_printf("%u s", timeout_ms / 1000);
    return g_strdup_printf("%u ms", timeout_ms);
}

/* Milliseconds left until @deadline (monotonic µs), rounded up; 0 when past. */
static int
ms_left(gint64 deadline)
{
    gint64 left = deadline - g_get_monotonic_time();
    return left <= 0 ? 0 : (int)MIN((left + 999) / 1000, G_MAXINT);
}

/* Read @fds (stdout, stderr of the child) into @bufs until both are closed, the
 * deadline passes or the output grows too big.  FALSE on timeout or overflow. */
static gboolean
drain_pipes(int fds[2], GString *bufs[2], gint64 deadline, gboolean *too_big)
{
    struct pollfd pfd[2] = {{.fd = fds[0], .events = POLLIN}, {.fd = fds[1], .events = POLLIN}};
    guint open_count = 2;
    while (open_count > 0) {
        int timeout = ms_left(deadline);
        if (timeout == 0)
            return FALSE;
        int ready = poll(pfd, 2, timeout);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return FALSE;
        for (guint i = 0; i < 2; i++) {
            if (pfd[i].fd < 0 || pfd[i].revents == 0)
                continue;
            char chunk[8192];
            ssize_t n = read(pfd[i].fd, chunk, sizeof(chunk));
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                pfd[i].fd = -1; /* poll ignores negative descriptors */
                open_count--;
                continue;
            }
            if (bufs[i]->len + (gsize)n > EMULATOR_OUTPUT_MAX_BYTES) {
                *too_big = TRUE;
                return FALSE;
            }
            g_string_append_len(bufs[i], chunk, n);
        }
    }
    return TRUE;
}

/* Reap @pid, waiting until @deadline at most; then kill it and reap it. */
static int
reap_child(GPid pid, gint64 deadline, gboolean *killed)
{
    int status = 0;
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR))
            return status;
        if (done == 0 && ms_left(deadline) == 0)
            break;
        if (done == 0)
            g_usleep(1000);
    }
    kill(pid, SIGKILL);
    *killed = TRUE;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

/* Run `EMULATOR ARGS…` (no shell, stdin from /dev/null, no other descriptors
 * inherited) and return its standard output; the command is named in errors as
 * @what (e.g. "-machine help").  GLib's spawn API with poll() and a deadline
 * instead of GSubprocess, so nothing on the plan path links gio. */
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
    GPid pid = 0;
    int fds[2] = {-1, -1};
    if (!g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL, NULL,
                                  NULL, &pid, NULL, &fds[0], &fds[1], &spawn_error)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST, "cannot run %s %s: %s", emulator, what,
                    spawn_error->message);
        return NULL;
    }

    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GString) err = g_string_new(NULL);
    GString *bufs[2] = {out, err};
    gboolean too_big = FALSE;
    gboolean drained = drain_pipes(fds, bufs, deadline, &too_big);
    close(fds[0]);
    close(fds[1]);
    gboolean killed = FALSE;
    if (!drained) {
        kill(pid, SIGKILL);
        killed = TRUE;
    }
    /* A child that closed its output may still hang: the same deadline holds. */
    int status = reap_child(pid, deadline, &killed);
    g_spawn_close_pid(pid);

    if (too_big) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                    "%s `%s` printed more than %d bytes; check that it is a QEMU system "
                    "emulator, or pass --canonical-machine",
                    emulator, what, EMULATOR_OUTPUT_MAX_BYTES);
        return NULL;
    }
    if (killed) {
        g_autofree char *limit = describe_timeout(timeout_ms);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                    "%s did not answer `%s` within %s; check that it is a QEMU system emulator "
                    "that runs on this host, or pass --canonical-machine",
                    emulator, what, limit);
        return NULL;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_autofree char *reason =
            WIFEXITED(status) ? g_strdup_printf("exited with status %d", WEXITSTATUS(status))
                              : g_strdup_printf("was killed by signal %d", WTERMSIG(status));
        g_strstrip(err->str);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST, "%s %s %s%s%s", emulator, what, reason,
                    err->str[0] != '\0' ? ": " : "", err->str);
        return NULL;
    }
    if (!g_utf8_validate(out->str, out->len, NULL) || strlen(out->str) != out->len) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                    "reading the answer of %s %s: not UTF-8 text", emulator, what);
        return NULL;
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
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

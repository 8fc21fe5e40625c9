/* hook-entry.c: fwneg-hook, the program libvirt runs as
 * /etc/libvirt/hooks/qemu.d/90-fwneg NAME OP SUBOP EXTRA (domain XML on stdin).
 *
 * libc only (hook-entry.h says why).  It
 *   1. reads the [hook] group of the config and the whole XML from stdin
 *      (libvirt writes all of it; a hook that stops reading makes libvirt log
 *      EPIPE, so anything beyond fwneg's size limit is drained and dropped);
 *   2. decides from the text whether there is work: a guest whose XML carries
 *      fwneg's namespace (its <fwneg:plan> record) in an op fwneg acts on, or
 *      any guest in the ops `manage=all` covers.  Otherwise it exits 0 at once;
 *   3. when there is work, runs fwneg-hook-worker with the XML on a memfd as its
 *      stdin and its stdout and stderr on pipes of our own, and waits at most
 *      [hook] timeout seconds.  A worker stuck on a hung disk or NFS mount is
 *      killed and, holding none of libvirt's pipes, cannot keep libvirt
 *      waiting;
 *   4. passes the worker's stderr on (libvirt shows it to the user when the
 *      hook fails: its first line is the message) and its stdout only for
 *      migrate and restore, the two ops whose stdout libvirt reads as the new
 *      XML, and only on success, so nothing stray ever reaches libvirt;
 *   5. appends one line to the [hook] log, when one is configured.
 * Ops whose failure would kill a running guest or cannot stop anything
 * (started, reconnect, release, stopped) always exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fwneg-config.h"
#include "hook-entry.h"

/* libvirt's own limit for a domain definition (VIR_DOMAIN_XML_MAX_LEN). */
#define XML_MAX_BYTES     (10 * 1024 * 1024)
#define WORKER_STDOUT_MAX (XML_MAX_BYTES + 1024 * 1024)
#define WORKER_STDERR_MAX (64 * 1024)
#define FWNEG_NAMESPACE   "https://fwneg.org/xmlns/fwneg/"
#define WORKER_NAME       "fwneg-hook-worker"

typedef struct {
    char *data;
    size_t len, cap, max;
    bool truncated;
} Buffer;

static bool
buffer_append(Buffer *b, const char *data, size_t len)
{
    if (b->len + len > b->max) {
        b->truncated = true;
        len = b->max - b->len;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (grown == NULL)
            return false;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return true;
}

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data += n;
        len -= (size_t)n;
    }
}

/* Read stdin to EOF: up to the limit into @xml, the rest drained, never longer
 * than @deadline_ms (a writer that never closes stdin must not hold us). */
static bool
read_stdin(Buffer *xml, double deadline_ms)
{
    char chunk[65536];
    int flags = fcntl(STDIN_FILENO, F_GETFL);
    if (flags >= 0)
        fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK);
    for (;;) {
        ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));
        if (n > 0) {
            if (!buffer_append(xml, chunk, (size_t)n) && !xml->truncated)
                return false;
            continue;
        }
        if (n == 0)
            return true;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return errno == EBADF; /* no stdin at all: an empty document */
        int left = (int)(deadline_ms - now_ms());
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        poll(&pfd, 1, left);
    }
}

typedef enum {
    OP_OTHER,
    OP_PREPARE,
    OP_START,
    OP_STARTED,
    OP_STOPPED,
    OP_RELEASE,
    OP_MIGRATE,
    OP_RESTORE,
    OP_RECONNECT
} Op;

static Op
op_of(const char *op)
{
    static const struct {
        const char *name;
        Op op;
    } ops[] = {
        {"prepare", OP_PREPARE}, {"start", OP_START},         {"started", OP_STARTED},
        {"stopped", OP_STOPPED}, {"release", OP_RELEASE},     {"migrate", OP_MIGRATE},
        {"restore", OP_RESTORE}, {"reconnect", OP_RECONNECT},
    };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strcmp(op, ops[i].name) == 0)
            return ops[i].op;
    return OP_OTHER;
}

/* A failure here would kill a running guest (started, reconnect) or changes
 * nothing (stopped, release): the hook always succeeds. */
static bool
never_fails(Op op)
{
    return op == OP_STARTED || op == OP_RECONNECT || op == OP_RELEASE || op == OP_STOPPED ||
           op == OP_OTHER;
}

/* Is there anything for the worker to do?  @why says what was decided. */
static bool
has_work(Op op, const HookEntryConfig *config, const Buffer *xml, const char **why)
{
    bool recorded = xml->len > 0 &&
                    memmem(xml->data, xml->len, FWNEG_NAMESPACE, strlen(FWNEG_NAMESPACE)) != NULL;
    if (op == OP_OTHER || op == OP_STOPPED) {
        *why = "nothing to do in this op";
        return false;
    }
    if (config->uncertain) {
        *why = "worker (config needs GKeyFile)";
        return true;
    }
    if (config->manage == HOOK_MANAGE_NONE) {
        *why = "unmanaged (manage=none)";
        return false;
    }
    if (recorded) {
        *why = "worker (recorded guest)";
        return true;
    }
    /* manage=all: guests without a record are planned and recorded at start;
     * a migration or restore has no record to reproduce. */
    if (config->manage == HOOK_MANAGE_ALL &&
        (op == OP_PREPARE || op == OP_START || op == OP_STARTED || op == OP_RELEASE)) {
        *why = "worker (manage=all)";
        return true;
    }
    *why = "unmanaged (no fwneg record)";
    return false;
}

/* The worker: next to this program's real file (a build tree, or the
 * installed libexec dir the qemu.d entry links to), else the libexec dir.
 * libvirt passes the hook almost no environment, so nothing is looked up. */
static bool
find_worker(char *path, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash != NULL) {
            *slash = '\0';
            if ((size_t)snprintf(path, size, "%s/%s", self, WORKER_NAME) < size &&
                access(path, X_OK) == 0)
                return true;
        }
    }
    return (size_t)snprintf(path, size, "%s/%s", FWNEG_LIBEXECDIR, WORKER_NAME) < size &&
           access(path, X_OK) == 0;
}

typedef struct {
    Buffer out, err;
    int status; /* waitpid status */
    bool timed_out;
    bool started;
} WorkerRun;

static int
xml_fd(const Buffer *xml)
{
    int fd = memfd_create("fwneg-hook-xml", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    write_all(fd, xml->data ? xml->data : "", xml->len);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static void
run_worker(const char *worker, char **argv, const Buffer *xml, unsigned timeout, WorkerRun *run)
{
    int in = xml_fd(xml);
    int out[2], err[2];
    if (in < 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        buffer_append(&run->err, "fwneg: cannot start the hook worker: ", 37);
        buffer_append(&run->err, strerror(errno), strlen(strerror(errno)));
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* Its own process group: a timeout kills what it started too (an
         * emulator being probed), not only the worker. */
        setpgid(0, 0);
        dup2(in, STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        char *args[] = {(char *)WORKER_NAME, argv[1], argv[2], argv[3], argv[4], NULL};
        execv(worker, args);
        fprintf(stderr, "fwneg: cannot run %s: %s\n", worker, strerror(errno));
        _exit(127);
    }
    close(in);
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        buffer_append(&run->err, "fwneg: cannot fork the hook worker", 34);
        return;
    }
    setpgid(pid, pid); /* also here: whichever runs first */
    run->started = true;
    double deadline = now_ms() + timeout * 1000.0;
    struct pollfd pfd[2] = {{.fd = out[0], .events = POLLIN}, {.fd = err[0], .events = POLLIN}};
    int open_fds = 2;
    char chunk[65536];
    while (open_fds > 0) {
        int left = (int)(deadline - now_ms());
        if (left <= 0) {
            run->timed_out = true;
            break;
        }
        if (poll(pfd, 2, left) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (pfd[i].fd < 0 || pfd[i].revents == 0)
                continue;
            ssize_t n = read(pfd[i].fd, chunk, sizeof(chunk));
            if (n > 0) {
                buffer_append(i == 0 ? &run->out : &run->err, chunk, (size_t)n);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(pfd[i].fd);
                pfd[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (pfd[i].fd >= 0)
            close(pfd[i].fd);
    if (run->timed_out) {
        /* A process in uninterruptible sleep dies when its I/O returns; we do not wait. */
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, &run->status, WNOHANG);
        return;
    }
    /* Both pipes closed: the worker is exiting; reap it within what is left. */
    while (waitpid(pid, &run->status, WNOHANG) == 0) {
        if (now_ms() > deadline) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            run->timed_out = true;
            return;
        }
        struct timespec pause = {.tv_nsec = 1000000};
        nanosleep(&pause, NULL);
    }
}

/* The worker's first stderr line (for the log), without the "fwneg: " prefix. */
static void
first_line(const Buffer *err, char *line, size_t size)
{
    const char *p = err->data ? err->data : "";
    if (strncmp(p, "fwneg: ", 7) == 0)
        p += 7;
    size_t n = strcspn(p, "\n");
    if (n >= size)
        n = size - 1;
    memcpy(line, p, n);
    line[n] = '\0';
}

static void
log_call(const HookEntryConfig *config, char **argv, const char *verdict, double ms)
{
    if (config->log[0] == '\0')
        return;
    int fd = open(config->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return;
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    char line[8192];
    int n = snprintf(line, sizeof(line), "%s fwneg-hook[%d] %s %s %s %s: %s (%.1f ms)\n", stamp,
                     (int)getpid(), argv[1], argv[2], argv[3], argv[4], verdict, ms);
    if (n > 0) {
        size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
        line[len - 1] = '\n';
        /* One line, one write(): O_APPEND keeps concurrent hooks' lines whole. */
        for (size_t i = 0; i + 1 < len; i++)
            if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
                line[i] = '?';
        write_all(fd, line, len);
    }
    close(fd);
}

int
main(int argc, char **argv)
{
    double start = now_ms();
    if (argc != 5) {
        fprintf(stderr, "usage: fwneg-hook NAME OP SUBOP EXTRA < DOMAIN.xml\n"
                        "(libvirt runs it as a qemu.d hook; see fwneg-hook(8))\n");
        return 2;
    }
    /* libvirt may have stopped reading our stdout; that must not kill us. */
    signal(SIGPIPE, SIG_IGN);
    Op op = op_of(argv[2]);
    HookEntryConfig config;
    hook_entry_read_config(&config);

    Buffer xml = {.max = XML_MAX_BYTES + 1};
    bool whole = read_stdin(&xml, start + config.timeout * 1000.0);
    const char *why = NULL;
    bool work = has_work(op, &config, &xml, &why);
    if (!work) {
        free(xml.data);
        log_call(&config, argv, why, now_ms() - start);
        return 0;
    }
    if (!whole || xml.truncated) {
        /* libvirt never sends more than 10 MiB; this is not libvirt.  As for any
         * XML fwneg cannot read: refused for a guest it recorded, else not its call. */
        const char *message = xml.truncated ? "the domain XML on stdin is larger than 10 MiB"
                                            : "the domain XML on stdin did not end in time";
        bool recorded = memmem(xml.data, xml.len, FWNEG_NAMESPACE, strlen(FWNEG_NAMESPACE)) != NULL;
        bool refuse = recorded && !never_fails(op);
        fprintf(stderr, "fwneg: %s %s: %s\n", refuse ? "refusing" : "not checking", argv[1],
                message);
        free(xml.data);
        log_call(&config, argv, message, now_ms() - start);
        return refuse ? 1 : 0;
    }

    char worker[PATH_MAX];
    WorkerRun run = {.out = {.max = WORKER_STDOUT_MAX}, .err = {.max = WORKER_STDERR_MAX}};
    if (!find_worker(worker, sizeof(worker))) {
        fprintf(stderr,
                "fwneg: %s %s: the hook worker %s is not installed (next to this "
                "program or in " FWNEG_LIBEXECDIR "); reinstall fwneg\n",
                argv[2], argv[1], WORKER_NAME);
        free(xml.data);
        log_call(&config, argv, "worker missing", now_ms() - start);
        return never_fails(op) ? 0 : 1;
    }
    run_worker(worker, argv, &xml, config.timeout, &run);
    free(xml.data);

    int code = 1;
    char verdict[1024];
    if (run.timed_out) {
        snprintf(verdict, sizeof(verdict),
                 "%s %s did not finish within %u s (a stuck disk, NFS mount or emulator?); "
                 "[hook] timeout in " FWNEG_SYSTEM_CONFIG_FILE " sets the limit",
                 argv[2], argv[1], config.timeout);
        fprintf(stderr, "fwneg: %s\n", verdict);
    } else if (run.started && WIFEXITED(run.status)) {
        code = WEXITSTATUS(run.status);
        if (run.err.len > 0)
            write_all(STDERR_FILENO, run.err.data, run.err.len);
        char detail[900];
        first_line(&run.err, detail, sizeof(detail));
        if (code == 0 && detail[0] != '\0')
            snprintf(verdict, sizeof(verdict), "%s: %s", why, detail);
        else if (code == 0)
            snprintf(verdict, sizeof(verdict), "%s", why);
        else
            snprintf(verdict, sizeof(verdict), "%s", detail);
    } else {
        if (run.err.len > 0)
            write_all(STDERR_FILENO, run.err.data, run.err.len);
        snprintf(verdict, sizeof(verdict), "the hook worker died (signal %d)",
                 run.started && WIFSIGNALED(run.status) ? WTERMSIG(run.status) : 0);
        fprintf(stderr, "fwneg: %s %s: %s\n", argv[2], argv[1], verdict);
    }
    bool ok = !run.timed_out && run.started && WIFEXITED(run.status) && code == 0;
    if (ok && (op == OP_MIGRATE || op == OP_RESTORE)) {
        if (run.out.truncated) {
            ok = false;
            snprintf(verdict, sizeof(verdict), "the rewritten XML is larger than 11 MiB");
            fprintf(stderr, "fwneg: %s %s: %s\n", argv[2], argv[1], verdict);
        } else {
            write_all(STDOUT_FILENO, run.out.data ? run.out.data : "", run.out.len);
        }
    }
    char line[1200];
    snprintf(line, sizeof(line), "%s%s", ok ? "" : "FAILED: ", verdict);
    log_call(&config, argv, line, now_ms() - start);
    free(run.out.data);
    free(run.err.data);
    if (ok || never_fails(op))
        return 0;
    return code > 0 ? code : 1;
}

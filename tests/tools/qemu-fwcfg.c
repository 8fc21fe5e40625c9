/* qemu-fwcfg: the test oracle for everything fwneg predicts about fw_cfg.
 *
 * Starts a real QEMU paused (-S) with the qtest protocol on stdio and reads
 * fw_cfg through its registers, as firmware would (x86: selector port 0x510,
 * data port 0x511; ARM virt: MMIO selector 0x9020008 big-endian, data
 * 0x9020000).  The vCPUs never run, so no firmware races us on the selector.
 *
 *   qemu-fwcfg [--arm] --list -- QEMU [ARGS…]        "SIZE NAME" per file
 *   qemu-fwcfg [--arm] --file NAME -- QEMU [ARGS…]   the file's bytes on stdout
 *   qemu-fwcfg [--arm] --hex NAME -- QEMU [ARGS…]    the bytes as lowercase hex
 *   qemu-fwcfg [--arm] --connect SOCK --list|--file NAME|--hex NAME
 *       the same from a QEMU that is already running, paused, with
 *       -qtest unix:SOCK,server=on,wait=off (e.g. one libvirt started)
 *
 * Exit 0 on success, 3 when the file does not exist, 1 on any failure.  QEMU
 * is killed by PID when we are done, and by the kernel if we die first.
 */
#include <errno.h>
#include <glib.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define FW_CFG_FILE_DIR       0x19
#define FW_CFG_DIR_ENTRY_SIZE 64
#define QTEST_TIMEOUT_SECONDS 60

typedef struct {
    GSocketConnection *connection; /* --connect */
    GSubprocess *qemu;
    GOutputStream *to_qemu;
    GDataInputStream *from_qemu;
    gboolean arm;
} Qtest;

static void
qtest_close(Qtest *qt)
{
    if (qt->qemu != NULL) {
        /* With TCG QEMU does not exit when the qtest chardev closes: kill it. */
        g_subprocess_force_exit(qt->qemu);
        g_subprocess_wait(qt->qemu, NULL, NULL);
    }
    g_clear_object(&qt->to_qemu);
    g_clear_object(&qt->from_qemu);
    g_clear_object(&qt->qemu);
    if (qt->connection != NULL)
        g_io_stream_close(G_IO_STREAM(qt->connection), NULL, NULL);
    g_clear_object(&qt->connection);
}

/* Attach to the qtest socket of a running QEMU (not ours: never killed). */
static gboolean
qtest_connect(Qtest *qt, const char *path, GError **error)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) address = g_unix_socket_address_new(path);
    qt->connection = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(address), NULL, error);
    if (qt->connection == NULL)
        return FALSE;
    qt->to_qemu = g_object_ref(g_io_stream_get_output_stream(G_IO_STREAM(qt->connection)));
    qt->from_qemu =
        g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(qt->connection)));
    return TRUE;
}

static void
die_with_parent(gpointer user_data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
qtest_start(Qtest *qt, char **qemu_argv, GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    for (char **p = qemu_argv; *p != NULL; p++)
        g_ptr_array_add(argv, *p);
    const char *extra[] = {"-S", "-qtest", "stdio", "-qtest-log", "none", "-display", "none"};
    for (gsize i = 0; i < G_N_ELEMENTS(extra); i++)
        g_ptr_array_add(argv, (char *)extra[i]);
    g_ptr_array_add(argv, NULL);

    g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
    g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
    qt->qemu = g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, error);
    if (qt->qemu == NULL)
        return FALSE;
    qt->to_qemu = g_object_ref(g_subprocess_get_stdin_pipe(qt->qemu));
    qt->from_qemu = g_data_input_stream_new(g_subprocess_get_stdout_pipe(qt->qemu));
    return TRUE;
}

/* Send all @requests in one write (pipelining keeps this fast), then collect one
 * "OK [VALUE]" answer per request, skipping asynchronous "IRQ" lines and QEMU's
 * own messages. */
static GPtrArray *
qtest_batch(Qtest *qt, GPtrArray *requests, GError **error)
{
    g_autoptr(GString) out = g_string_new(NULL);
    for (guint i = 0; i < requests->len; i++)
        g_string_append_printf(out, "%s\n", (const char *)g_ptr_array_index(requests, i));
    if (!g_output_stream_write_all(qt->to_qemu, out->str, out->len, NULL, NULL, error) ||
        !g_output_stream_flush(qt->to_qemu, NULL, error))
        return NULL;

    g_autoptr(GPtrArray) answers = g_ptr_array_new_with_free_func(g_free);
    while (answers->len < requests->len) {
        g_autofree char *line =
            g_data_input_stream_read_line_utf8(qt->from_qemu, NULL, NULL, error);
        if (line == NULL) {
            if (error != NULL && *error == NULL)
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                            "QEMU exited (see its stderr above)");
            return NULL;
        }
        /* Asynchronous IRQ lines, and what QEMU itself prints on stdout (e.g.
         * "char device redirected to /dev/pts/N" for a pty chardev) are not
         * answers. */
        if (g_str_has_prefix(line, "IRQ") ||
            !(g_str_has_prefix(line, "OK") || g_str_has_prefix(line, "FAIL") ||
              g_str_has_prefix(line, "ERR")))
            continue;
        if (!g_str_has_prefix(line, "OK")) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "qtest answered '%s' to '%s'", line,
                        (const char *)g_ptr_array_index(requests, answers->len));
            return NULL;
        }
        g_ptr_array_add(answers, g_strdup(line[2] == ' ' ? line + 3 : ""));
    }
    return g_steal_pointer(&answers);
}

/* Select @key and read @length bytes from its start. */
static GByteArray *
fwcfg_read(Qtest *qt, guint16 key, gsize length, GError **error)
{
    g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func(g_free);
    if (qt->arm)
        g_ptr_array_add(requests, g_strdup_printf("write 0x9020008 2 0x%04x", key));
    else
        g_ptr_array_add(requests, g_strdup_printf("outw 0x510 0x%x", key));
    for (gsize i = 0; i < length; i++)
        g_ptr_array_add(requests, g_strdup(qt->arm ? "readb 0x9020000" : "inb 0x511"));

    g_autoptr(GPtrArray) answers = qtest_batch(qt, requests, error);
    if (answers == NULL)
        return NULL;
    GByteArray *bytes = g_byte_array_sized_new(length);
    for (guint i = 1; i < answers->len; i++) {
        guint8 byte = (guint8)g_ascii_strtoull(g_ptr_array_index(answers, i), NULL, 0);
        g_byte_array_append(bytes, &byte, 1);
    }
    return bytes;
}

static guint32
be32(const guint8 *p)
{
    return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

typedef struct {
    guint32 size;
    guint16 select;
    char name[57];
} FwCfgFile;

static GArray *
fwcfg_directory(Qtest *qt, GError **error)
{
    g_autoptr(GByteArray) head = fwcfg_read(qt, FW_CFG_FILE_DIR, 4, error);
    if (head == NULL)
        return NULL;
    guint32 count = be32(head->data);
    if (count > 4096) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "absurd file count %u", count);
        return NULL;
    }
    g_autoptr(GByteArray) dir =
        fwcfg_read(qt, FW_CFG_FILE_DIR, 4 + (gsize)count * FW_CFG_DIR_ENTRY_SIZE, error);
    if (dir == NULL)
        return NULL;
    GArray *files = g_array_sized_new(FALSE, TRUE, sizeof(FwCfgFile), count);
    for (guint32 i = 0; i < count; i++) {
        const guint8 *e = dir->data + 4 + (gsize)i * FW_CFG_DIR_ENTRY_SIZE;
        FwCfgFile f = {0};
        f.size = be32(e);
        f.select = (guint16)((e[4] << 8) | e[5]);
        memcpy(f.name, e + 8, 56);
        g_array_append_val(files, f);
    }
    return files;
}

/* Answer the one question asked; returns the exit status. */
static int
query(Qtest *qt, gboolean list, const char *file, const char *hex, GError **error)
{
    g_autoptr(GArray) files = fwcfg_directory(qt, error);
    if (files == NULL)
        return 1;
    if (list) {
        for (guint i = 0; i < files->len; i++) {
            const FwCfgFile *f = &g_array_index(files, FwCfgFile, i);
            printf("%u %s\n", f->size, f->name);
        }
        return 0;
    }
    const char *wanted = file != NULL ? file : hex;
    for (guint i = 0; i < files->len; i++) {
        const FwCfgFile *f = &g_array_index(files, FwCfgFile, i);
        if (strcmp(f->name, wanted) != 0)
            continue;
        g_autoptr(GByteArray) bytes = fwcfg_read(qt, f->select, f->size, error);
        if (bytes == NULL)
            return 1;
        if (file != NULL) {
            fwrite(bytes->data, 1, bytes->len, stdout);
        } else {
            for (guint j = 0; j < bytes->len; j++)
                printf("%02x", bytes->data[j]);
            printf("\n");
        }
        return 0;
    }
    fprintf(stderr, "qemu-fwcfg: no fw_cfg file named '%s'\n", wanted);
    return 3;
}

static void
on_alarm(int signo)
{
    static const char msg[] = "qemu-fwcfg: timed out\n";
    (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
    _exit(1); /* QEMU dies with us (PR_SET_PDEATHSIG) */
}

int
main(int argc, char **argv)
{
    gboolean arm = FALSE, list = FALSE;
    g_autofree char *file = NULL, *hex = NULL, *connect = NULL;
    g_auto(GStrv) qemu_argv = NULL;
    const GOptionEntry entries[] = {
        {"arm", 0, 0, G_OPTION_ARG_NONE, &arm, "ARM virt MMIO fw_cfg", NULL},
        {"list", 0, 0, G_OPTION_ARG_NONE, &list, "List the fw_cfg directory", NULL},
        {"file", 0, 0, G_OPTION_ARG_STRING, &file, "Write file NAME's bytes to stdout", "NAME"},
        {"hex", 0, 0, G_OPTION_ARG_STRING, &hex, "Print file NAME's bytes as hex", "NAME"},
        {"connect", 0, 0, G_OPTION_ARG_FILENAME, &connect,
         "Read from the running QEMU whose qtest socket is SOCK", "SOCK"},
        {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &qemu_argv, NULL, "-- QEMU ARGS"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("-- QEMU [ARGS…]");
    g_option_context_add_main_entries(context, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(context, &argc, &argv, &error) ||
        (qemu_argv == NULL) == (connect == NULL) || (!list && file == NULL && hex == NULL)) {
        fprintf(stderr, "usage: qemu-fwcfg [--arm] --list|--file NAME|--hex NAME "
                        "(-- QEMU ARGS | --connect SOCK)\n");
        return 1;
    }
    signal(SIGALRM, on_alarm);
    alarm(QTEST_TIMEOUT_SECONDS);

    Qtest qt = {.arm = arm};
    int status = 1;
    if (connect != NULL ? qtest_connect(&qt, connect, &error) : qtest_start(&qt, qemu_argv, &error))
        status = query(&qt, list, file, hex, &error);
    if (error != NULL)
        fprintf(stderr, "qemu-fwcfg: %s\n", error->message);
    qtest_close(&qt);
    return status;
}

/* crash-writer: drives fwneg_atomic_write() for the crash-safety suite, and
 * checks what it left.  Every version it writes is self-describing, so a
 * checker can tell a whole version from a torn one without knowing which one
 * to expect:
 *
 *   fwneg-crash-test gen=N len=L\n  <L payload bytes derived from N>  \nsha256=HEX\n
 *
 * Usage:
 *   crash-writer loop PATH TAG START
 *                                  write generations START, START+1, … forever, each of a
 *                                  different size (1 KiB … 256 KiB); after each write
 *                                  returns, print "N\n" on stdout (unbuffered) so the
 *                                  killer knows the last complete one
 *   crash-writer loop-inplace PATH TAG START
 *                                  the same with a naive truncate-and-write writer: the
 *                                  suite's control, proving the checker sees torn files
 *   crash-writer write PATH GEN SIZE
 *                                  write one version; exit 1 with the library's
 *                                  message on stderr when it fails
 *   crash-writer check PATH        print "gen=N tag=T" for a whole version (exit 0),
 *                                  exit 1 for a torn or foreign file, 3 when absent
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "atomic-file.h"

#define HEADER_FMT "fwneg-crash-test gen=%u tag=%s len=%zu\n"

static gsize
size_of_generation(guint gen)
{
    /* Sizes vary so that a torn write could not pass for a whole one by length. */
    return 1024 + (gsize)((gen * 2654435761u) % (255 * 1024));
}

static char *
make_version(guint gen, const char *tag, gsize len, gsize *out_len)
{
    g_autoptr(GString) text = g_string_new(NULL);
    g_string_append_printf(text, HEADER_FMT, gen, tag, len);
    gsize start = text->len;
    g_string_set_size(text, start + len);
    guint32 state = gen * 2246822519u + 1;
    for (gsize i = 0; i < len; i++) {
        state = state * 1103515245u + 12345u;
        text->str[start + i] = (char)('a' + (state >> 16) % 26);
    }
    g_autofree char *digest = g_compute_checksum_for_data(
        G_CHECKSUM_SHA256, (const guchar *)text->str, text->len);
    g_string_append_printf(text, "\nsha256=%s\n", digest);
    *out_len = text->len;
    return g_string_free(g_steal_pointer(&text), FALSE);
}

/* What fwneg must not do: rewrite the file in place. */
static gboolean
write_in_place(const char *path, const char *data, gsize len, GError **error)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        int saved = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "%s: %s", path,
                    g_strerror(saved));
        return FALSE;
    }
    /* Small unbuffered writes, like a program that streams JSON out as it goes. */
    setvbuf(f, NULL, _IONBF, 0);
    for (gsize off = 0; off < len; off += 4096)
        fwrite(data + off, 1, MIN(4096, len - off), f);
    fclose(f);
    return TRUE;
}

static int
cmd_loop(const char *path, const char *tag, guint start, gboolean in_place)
{
    for (guint gen = start;; gen++) {
        gsize len = 0;
        g_autofree char *data = make_version(gen, tag, size_of_generation(gen), &len);
        g_autoptr(GError) error = NULL;
        if (!(in_place ? write_in_place(path, data, len, &error)
                       : fwneg_atomic_write(path, data, len, 0644, &error))) {
            fprintf(stderr, "crash-writer: %s\n", error->message);
            return 1;
        }
        char line[32];
        int n = snprintf(line, sizeof line, "%u\n", gen);
        if (write(STDOUT_FILENO, line, (size_t)n) != n)
            return 1;
    }
}

static int
cmd_write(const char *path, const char *gen_text, const char *size_text)
{
    gsize len = 0;
    g_autofree char *data = make_version((guint)g_ascii_strtoull(gen_text, NULL, 10), "write",
                                         (gsize)g_ascii_strtoull(size_text, NULL, 10), &len);
    g_autoptr(GError) error = NULL;
    if (!fwneg_atomic_write(path, data, len, 0644, &error)) {
        fprintf(stderr, "%s\n", error->message);
        return 1;
    }
    return 0;
}

static int
cmd_check(const char *path)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(path, &data, &len, &error)) {
        if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return 3;
        fprintf(stderr, "%s\n", error->message);
        return 1;
    }
    guint gen = 0;
    gsize declared = 0;
    char tag[64] = "";
    int header_len = 0;
    if (sscanf(data, "fwneg-crash-test gen=%u tag=%63s len=%zu\n%n", &gen, tag, &declared,
               &header_len) != 3 ||
        header_len <= 0) {
        fprintf(stderr, "%s: no header (%zu bytes)\n", path, (size_t)len);
        return 1;
    }
    gsize body_end = (gsize)header_len + declared;
    const gsize trailer_len = strlen("\nsha256=") + 64 + 1;
    if (len != body_end + trailer_len) {
        fprintf(stderr, "%s: gen %u is %zu bytes, a whole one is %zu\n", path, gen, (size_t)len,
                (size_t)(body_end + trailer_len));
        return 1;
    }
    g_autofree char *digest =
        g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, body_end);
    if (strncmp(data + body_end, "\nsha256=", 8) != 0 ||
        strncmp(data + body_end + 8, digest, 64) != 0) {
        fprintf(stderr, "%s: gen %u: checksum mismatch\n", path, gen);
        return 1;
    }
    printf("gen=%u tag=%s\n", gen, tag);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "loop") == 0)
        return cmd_loop(argv[2], argv[3], (guint)g_ascii_strtoull(argv[4], NULL, 10), FALSE);
    if (argc == 5 && strcmp(argv[1], "loop-inplace") == 0)
        return cmd_loop(argv[2], argv[3], (guint)g_ascii_strtoull(argv[4], NULL, 10), TRUE);
    if (argc == 5 && strcmp(argv[1], "write") == 0)
        return cmd_write(argv[2], argv[3], argv[4]);
    if (argc == 3 && strcmp(argv[1], "check") == 0)
        return cmd_check(argv[2]);
    fprintf(stderr, "usage: crash-writer loop[-inplace] PATH TAG START | write PATH GEN SIZE | check PATH\n");
    return 2;
}

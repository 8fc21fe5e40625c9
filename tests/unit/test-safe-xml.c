/* test-safe-xml: the untrusted-XML reader refuses what it must, quickly, and
 * says where. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fwneg-error.h"
#include "safe-xml.h"

#define LIMIT (1024 * 1024)

static xmlDoc *
parse_string(const char *xml, GError **error)
{
    return fwneg_xml_parse_safe(xml, strlen(xml), LIMIT, "test.xml", error);
}

static void
test_well_formed(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = parse_string(
        "<?xml version='1.0'?>\n<domain type='kvm'><name>a&amp;b</name></domain>\n", &error);
    g_assert_no_error(error);
    g_assert_nonnull(doc);
    xmlNode *root = xmlDocGetRootElement(doc);
    g_assert_cmpstr((const char *)root->name, ==, "domain");
    xmlChar *text = xmlNodeGetContent(root->children);
    g_assert_cmpstr((const char *)text, ==, "a&b");
    xmlFree(text);
}

static void
test_plain_doctype_allowed(void)
{
    /* No internal subset: nothing to expand, nothing loaded. */
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = parse_string(
        "<!DOCTYPE domain SYSTEM \"http://127.0.0.1:9/never.dtd\">\n<domain/>", &error);
    g_assert_no_error(error);
    g_assert_nonnull(doc);
}

static void
test_malformed_names_line(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = parse_string("<domain>\n  <name>x</name>\n  <os>\n</domain>\n", &error);
    g_assert_null(doc);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_true(g_str_has_prefix(error->message, "test.xml:4: malformed XML: "));
    g_assert_nonnull(strstr(error->message, "os"));
}

static void
test_external_entity_rejected(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc =
        parse_string("<?xml version='1.0'?>\n"
                     "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                     "<d>&x;</d>\n",
                     &error);
    g_assert_null(doc);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_cmpstr(error->message, ==,
                    "test.xml: entity declarations are not allowed in domain XML (line 2); "
                    "remove the <!DOCTYPE … [ … ]> block");
    g_assert_null(strstr(error->message, "root:"));
}

static void
test_billion_laughs_rejected_fast(void)
{
    g_autoptr(GString) xml = g_string_new("<?xml version='1.0'?>\n<!DOCTYPE lolz [\n"
                                          "<!ENTITY lol \"lol\">\n");
    for (int i = 1; i <= 9; i++) {
        g_string_append_printf(xml, "<!ENTITY lol%d \"", i);
        for (int j = 0; j < 10; j++) {
            if (i == 1)
                g_string_append(xml, "&lol;");
            else
                g_string_append_printf(xml, "&lol%d;", i - 1);
        }
        g_string_append(xml, "\">\n");
    }
    g_string_append(xml, "]>\n<lolz>&lol9;</lolz>\n");

    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    g_autoptr(xmlDoc) doc = parse_string(xml->str, &error);
    gint64 elapsed_us = g_get_monotonic_time() - start;
    g_assert_null(doc);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_nonnull(strstr(error->message, "entity declarations are not allowed"));
    g_assert_nonnull(strstr(error->message, "(line 3)"));
    g_assert_cmpint(elapsed_us, <, G_USEC_PER_SEC);
}

static void
test_internal_subset_without_entities_rejected(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = parse_string("<!DOCTYPE d [\n<!ELEMENT d ANY>\n]>\n<d/>", &error);
    g_assert_null(doc);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_cmpstr(error->message, ==,
                    "test.xml: a DOCTYPE with an internal subset is not allowed in domain XML "
                    "(line 1); remove the <!DOCTYPE … [ … ]> block");

    g_clear_error(&error);
    g_autoptr(xmlDoc) doc2 = parse_string("<!DOCTYPE d []>\n<d/>", &error);
    g_assert_null(doc2);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "internal subset is not allowed"));
}

static void
test_undeclared_entity_rejected(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = parse_string("<d>\n&x;</d>", &error);
    g_assert_null(doc);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_true(g_str_has_prefix(error->message, "test.xml:2: malformed XML: "));
    g_assert_nonnull(strstr(error->message, "'x'"));
}

static void
test_nul_byte(void)
{
    static const char xml[] = "<domain>\n  <name>a\0b</name>\n</domain>";
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = fwneg_xml_parse_safe(xml, sizeof(xml) - 1, LIMIT, "nul.xml", &error);
    g_assert_null(doc);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_true(g_str_has_prefix(error->message, "nul.xml:2:10: NUL byte at offset 18"));
}

static void
test_invalid_utf8(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = parse_string("<domain>\n<name>caf\xe9</name>\n</domain>", &error);
    g_assert_null(doc);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_true(
        g_str_has_prefix(error->message, "test.xml:2:10: invalid UTF-8 (byte 0xe9 at offset 18)"));
}

static void
test_size_limit_in_memory(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = fwneg_xml_parse_safe("<domain/>", 9, 8, "small.xml", &error);
    g_assert_null(doc);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_nonnull(strstr(error->message, "small.xml"));
    g_assert_nonnull(strstr(error->message, "limit of 8 bytes"));
}

static void
test_deep_nesting(void)
{
    GString *xml = g_string_new(NULL);
    for (int i = 0; i < 10000; i++)
        g_string_append(xml, "<a>");
    for (int i = 0; i < 10000; i++)
        g_string_append(xml, "</a>");
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = parse_string(xml->str, &error);
    g_string_free(xml, TRUE);
    g_assert_null(doc);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_true(g_str_has_prefix(error->message, "test.xml:1: malformed XML: "));
    g_assert_nonnull(strstr(error->message, "depth"));
}

static void
test_empty_input(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = fwneg_xml_parse_safe("", 0, LIMIT, "empty.xml", &error);
    g_assert_null(doc);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_nonnull(strstr(error->message, "empty.xml: empty input"));
}

static void
test_read_bounded_small_file(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("fwneg-safe-xml-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *path = g_build_filename(dir, "vm.xml", NULL);
    g_assert_true(g_file_set_contents(path, "<domain/>", -1, &error));

    g_autofree char *data = NULL;
    gsize len = 0;
    g_assert_true(fwneg_read_bounded(path, 9, &data, &len, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(len, ==, 9);
    g_assert_cmpstr(data, ==, "<domain/>");

    /* One byte over the limit is refused. */
    g_autofree char *data2 = NULL;
    g_assert_false(fwneg_read_bounded(path, 8, &data2, &len, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_null(data2);

    g_unlink(path);
    g_rmdir(dir);
}

static void
test_read_bounded_missing_file(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *data = NULL;
    gsize len = 0;
    g_assert_false(fwneg_read_bounded("/nonexistent/fwneg/vm.xml", LIMIT, &data, &len, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_true(g_str_has_prefix(error->message, "/nonexistent/fwneg/vm.xml: cannot open: "));
}

static void
test_read_bounded_100mb_refused_fast(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("fwneg-safe-xml-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *path = g_build_filename(dir, "huge.xml", NULL);

    /* Write 100 MiB of real bytes (not a sparse file) so a reader that slurps
     * the file would be visibly slow. */
    int fd = g_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_autofree char *block = g_malloc(1024 * 1024);
    memset(block, 'x', 1024 * 1024);
    for (int i = 0; i < 100; i++)
        g_assert_cmpint(write(fd, block, 1024 * 1024), ==, 1024 * 1024);
    close(fd);

    g_autofree char *data = NULL;
    gsize len = 0;
    gint64 start = g_get_monotonic_time();
    gboolean ok = fwneg_read_bounded(path, 10 * 1024 * 1024, &data, &len, &error);
    gint64 elapsed_us = g_get_monotonic_time() - start;
    g_assert_false(ok);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_nonnull(strstr(error->message, path));
    g_assert_nonnull(strstr(error->message, "limit of 10485760 bytes (10 MiB)"));
    g_assert_cmpint(elapsed_us, <, G_USEC_PER_SEC / 10);

    g_unlink(path);
    g_rmdir(dir);
}

static void
test_read_bounded_stdin_pipe(void)
{
    /* A pipe has no size up front: the limit must hold while reading. */
    int fds[2];
    g_assert_cmpint(pipe(fds), ==, 0);
    g_assert_cmpint(write(fds[1], "0123456789", 10), ==, 10);
    close(fds[1]);
    int saved_stdin = dup(STDIN_FILENO);
    g_assert_cmpint(dup2(fds[0], STDIN_FILENO), ==, STDIN_FILENO);
    close(fds[0]);

    g_autoptr(GError) error = NULL;
    g_autofree char *data = NULL;
    gsize len = 0;
    gboolean ok = fwneg_read_bounded("-", 5, &data, &len, &error);
    dup2(saved_stdin, STDIN_FILENO);
    close(saved_stdin);
    g_assert_false(ok);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_true(g_str_has_prefix(error->message, "-: input is larger than the limit of 5 bytes"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/safe-xml/well-formed", test_well_formed);
    g_test_add_func("/safe-xml/plain-doctype-allowed", test_plain_doctype_allowed);
    g_test_add_func("/safe-xml/malformed-names-line", test_malformed_names_line);
    g_test_add_func("/safe-xml/external-entity-rejected", test_external_entity_rejected);
    g_test_add_func("/safe-xml/billion-laughs-rejected-fast", test_billion_laughs_rejected_fast);
    g_test_add_func("/safe-xml/internal-subset-rejected",
                    test_internal_subset_without_entities_rejected);
    g_test_add_func("/safe-xml/undeclared-entity-rejected", test_undeclared_entity_rejected);
    g_test_add_func("/safe-xml/nul-byte", test_nul_byte);
    g_test_add_func("/safe-xml/invalid-utf8", test_invalid_utf8);
    g_test_add_func("/safe-xml/size-limit-in-memory", test_size_limit_in_memory);
    g_test_add_func("/safe-xml/deep-nesting", test_deep_nesting);
    g_test_add_func("/safe-xml/empty-input", test_empty_input);
    g_test_add_func("/safe-xml/read-bounded-small-file", test_read_bounded_small_file);
    g_test_add_func("/safe-xml/read-bounded-missing-file", test_read_bounded_missing_file);
    g_test_add_func("/safe-xml/read-bounded-100mb-refused-fast",
                    test_read_bounded_100mb_refused_fast);
    g_test_add_func("/safe-xml/read-bounded-stdin-pipe", test_read_bounded_stdin_pipe);
    return g_test_run();
}

/* domain-parse-util.c: attribute, text and number readers for the domain XML
 * parser, and its one message format: "SOURCE:LINE: <ELEMENT ATTR='VALUE'>: WHAT". */
#include <errno.h>
#include <string.h>

#include "domain-parse-private.h"
#include "fwneg-error.h"

#define PRINTABLE_MAX_CHARS 80

gboolean
fwneg_xml_is(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           strcmp((const char *)node->name, name) == 0;
}

char *
fwneg_xml_attr(const xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetNoNsProp(node, (const xmlChar *)name);
    if (value == NULL)
        return NULL;
    char *copy = g_strdup((const char *)value);
    xmlFree(value);
    return copy;
}

char *
fwneg_xml_text(const xmlNode *node)
{
    xmlChar *value = xmlNodeGetContent(node);
    if (value == NULL)
        return NULL;
    char *copy = value[0] != '\0' ? g_strdup((const char *)value) : NULL;
    xmlFree(value);
    return copy;
}

xmlNode *
fwneg_xml_child(const xmlNode *node, const char *name)
{
    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (fwneg_xml_is(child, name))
            return child;
    }
    return NULL;
}

char *
fwneg_printable(const char *value)
{
    if (value == NULL)
        return g_strdup("(null)");
    GString *out = g_string_new(NULL);
    const char *p = value;
    glong chars = 0;
    /* The document was validated as UTF-8, so walking by characters is safe. */
    while (*p != '\0') {
        if (chars == PRINTABLE_MAX_CHARS) {
            g_string_append(out, "…");
            break;
        }
        gunichar c = g_utf8_get_char(p);
        const char *next = g_utf8_next_char(p);
        if (c < 0x20 || c == 0x7f)
            g_string_append_printf(out, "\\x%02x", (guint)c);
        else
            g_string_append_len(out, p, next - p);
        p = next;
        chars++;
    }
    return g_string_free(out, FALSE);
}

static gboolean G_GNUC_PRINTF(6, 0)
    fail_va(const FwnegDomainParser *parser, const xmlNode *node, const char *attr,
            const char *value, GError **error, const char *format, va_list args)
{
    g_autofree char *what = g_strdup_vprintf(format, args);
    g_autofree char *element = NULL;
    if (attr != NULL) {
        g_autofree char *shown = fwneg_printable(value);
        element = g_strdup_printf("<%s %s='%s'>", (const char *)node->name, attr, shown);
    } else {
        element = g_strdup_printf("<%s>", (const char *)node->name);
    }
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s:%ld: %s: %s",
                parser->source_name, xmlGetLineNo(node), element, what);
    return FALSE;
}

gboolean
fwneg_parse_fail(const FwnegDomainParser *parser, const xmlNode *node, GError **error,
                 const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fail_va(parser, node, NULL, NULL, error, format, args);
    va_end(args);
    return FALSE;
}

gboolean
fwneg_parse_fail_attr(const FwnegDomainParser *parser, const xmlNode *node, const char *attr,
                      const char *value, GError **error, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fail_va(parser, node, attr, value, error, format, args);
    va_end(args);
    return FALSE;
}

gboolean
fwneg_parse_uint(const char *text, int base, guint64 min, guint64 max, guint64 *out)
{
    /* libvirt (virStrToLong_uip) refuses signs, and strtoull would silently
     * wrap "-1" to UINT64_MAX. */
    const char *p = text;
    while (g_ascii_isspace(*p))
        p++;
    if (base == 16 ? !g_ascii_isxdigit(*p) : !g_ascii_isdigit(*p))
        return FALSE;
    char *end = NULL;
    errno = 0;
    guint64 value = g_ascii_strtoull(p, &end, (guint)base);
    if (errno != 0 || end == p || *end != '\0')
        return FALSE;
    if (value < min || value > max)
        return FALSE;
    *out = value;
    return TRUE;
}

static char *
describe_range(int base, guint64 min, guint64 max)
{
    if (max >= G_MAXINT)
        return g_strdup(min == 0 ? "a non-negative integer" : "a positive integer");
    if (base == 0 || base == 16)
        return g_strdup_printf("%" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                               " (0x%" G_GINT64_MODIFIER "x), decimal or 0x-prefixed hexadecimal",
                               min, max, max);
    return g_strdup_printf("an integer from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, min, max);
}

gboolean
fwneg_parse_uint_attr(const FwnegDomainParser *parser, const xmlNode *node, const char *attr,
                      int base, guint64 min, guint64 max, const char *what, int *out,
                      GError **error)
{
    g_assert(max <= G_MAXINT);
    g_autofree char *text = fwneg_xml_attr(node, attr);
    if (text == NULL)
        return TRUE;
    guint64 value = 0;
    if (!fwneg_parse_uint(text, base, min, max, &value)) {
        g_autofree char *expected = describe_range(base, min, max);
        g_autofree char *shown = fwneg_printable(text);
        return fwneg_parse_fail_attr(parser, node, attr, text, error,
                                     "invalid %s '%s' (expected %s)", what, shown, expected);
    }
    *out = (int)value;
    return TRUE;
}

static gboolean
parse_tristate_attr(const FwnegDomainParser *parser, const xmlNode *node, const char *attr,
                    const char *yes, const char *no, FwnegTristate *out, GError **error)
{
    g_autofree char *text = fwneg_xml_attr(node, attr);
    if (text == NULL)
        return TRUE;
    if (strcmp(text, yes) == 0) {
        *out = FWNEG_TRISTATE_YES;
        return TRUE;
    }
    if (strcmp(text, no) == 0) {
        *out = FWNEG_TRISTATE_NO;
        return TRUE;
    }
    g_autofree char *shown = fwneg_printable(text);
    return fwneg_parse_fail_attr(parser, node, attr, text, error,
                                 "invalid value '%s' for %s (expected '%s' or '%s')", shown, attr,
                                 yes, no);
}

gboolean
fwneg_parse_yes_no_attr(const FwnegDomainParser *parser, const xmlNode *node, const char *attr,
                        FwnegTristate *out, GError **error)
{
    return parse_tristate_attr(parser, node, attr, "yes", "no", out, error);
}

gboolean
fwneg_parse_on_off_attr(const FwnegDomainParser *parser, const xmlNode *node, const char *attr,
                        FwnegTristate *out, GError **error)
{
    return parse_tristate_attr(parser, node, attr, "on", "off", out, error);
}

gboolean
fwneg_parse_choice_attr(const FwnegDomainParser *parser, const xmlNode *node, const char *attr,
                        const char *const *choices, const char *what, char **out, GError **error)
{
    g_autofree char *text = fwneg_xml_attr(node, attr);
    if (text == NULL)
        return TRUE;
    if (g_strv_contains(choices, text)) {
        g_free(*out);
        *out = g_steal_pointer(&text);
        return TRUE;
    }
    g_autofree char *list = g_strjoinv(", ", (char **)choices);
    g_autofree char *shown = fwneg_printable(text);
    return fwneg_parse_fail_attr(parser, node, attr, text, error,
                                 "unknown %s '%s' (expected one of: %s)", what, shown, list);
}

/* safe-xml.c: read and parse untrusted XML (domain definitions from users,
 * hooks and the D-Bus API) without letting the document reach anything but
 * its own bytes.
 *
 * Defences, in the order they apply:
 *  - a size cap enforced while reading, so a huge file is refused after at
 *    most @max_bytes + 1 bytes (or at once, from fstat);
 *  - NUL bytes and invalid UTF-8 are refused before libxml2 sees the text,
 *    with the line and column, because libxml2's own messages for them are
 *    vague ("Char 0x0 out of allowed range");
 *  - libxml2 runs without XML_PARSE_NOENT, DTDLOAD, DTDATTR or HUGE, with
 *    NONET, and any DOCTYPE internal subset is refused from a SAX hook the
 *    moment it starts, so entity declarations (billion laughs, external
 *    entities) are never even stored, let alone expanded;
 *  - nesting depth is bounded by libxml2's default (256).
 *
 * Errors are collected per parser context (sax->serror), never through
 * libxml2's global handlers, so concurrent parses do not interfere.
 */
#include "safe-xml.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "fwneg-error.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

#define READ_CHUNK_BYTES (64 * 1024)

static char *
format_limit(gsize max_bytes)
{
    /* Not g_format_size(): it uses a locale-dependent (non-ASCII) space. */
    const gsize mib = 1024 * 1024;
    if (max_bytes >= mib && max_bytes % mib == 0)
        return g_strdup_printf("%" G_GSIZE_FORMAT " bytes (%" G_GSIZE_FORMAT " MiB)", max_bytes,
                               max_bytes / mib);
    return g_strdup_printf("%" G_GSIZE_FORMAT " bytes", max_bytes);
}

static gboolean
set_too_large_error(const char *path, gsize max_bytes, GError **error)
{
    g_autofree char *limit = format_limit(max_bytes);
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                "%s: input is larger than the limit of %s; a domain XML is never that large, "
                "check that this is the right file",
                path, limit);
    return FALSE;
}

static gboolean
read_fd_bounded(int fd, const char *path, gsize max_bytes, char **data_out, gsize *len_out,
                GError **error)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (guint64)st.st_size > max_bytes)
        return set_too_large_error(path, max_bytes, error);

    /* Pipes and growing files: read in chunks and stop one byte past the limit. */
    g_autoptr(GByteArray) buf = g_byte_array_new();
    for (;;) {
        gsize want = MIN((gsize)READ_CHUNK_BYTES, max_bytes + 1 - buf->len);
        guint old_len = buf->len;
        g_byte_array_set_size(buf, old_len + want);
        ssize_t n = read(fd, buf->data + old_len, want);
        if (n < 0) {
            int saved_errno = errno;
            g_byte_array_set_size(buf, old_len);
            if (saved_errno == EINTR)
                continue;
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: cannot read: %s", path,
                        g_strerror(saved_errno));
            return FALSE;
        }
        g_byte_array_set_size(buf, old_len + (guint)n);
        if (n == 0)
            break;
        if (buf->len > max_bytes)
            return set_too_large_error(path, max_bytes, error);
    }

    *len_out = buf->len;
    g_byte_array_append(buf, (const guint8 *)"", 1); /* callers may treat it as a string */
    *data_out = (char *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
    return TRUE;
}

gboolean
fwneg_read_bounded(const char *path, gsize max_bytes, char **data_out, gsize *len_out,
                   GError **error)
{
    g_return_val_if_fail(path != NULL, FALSE);
    g_return_val_if_fail(data_out != NULL && len_out != NULL, FALSE);

    if (g_str_equal(path, "-"))
        return read_fd_bounded(STDIN_FILENO, "-", max_bytes, data_out, len_out, error);

    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int saved_errno = errno;
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: cannot open: %s", path,
                    g_strerror(saved_errno));
        return FALSE;
    }
    gboolean ok = read_fd_bounded(fd, path, max_bytes, data_out, len_out, error);
    close(fd);
    return ok;
}

/* 1-based line and column (in bytes) of @offset. */
static void
position_of(const char *data, gsize offset, gsize *line, gsize *column)
{
    gsize l = 1, line_start = 0;
    for (gsize i = 0; i < offset; i++) {
        if (data[i] == '\n') {
            l++;
            line_start = i + 1;
        }
    }
    *line = l;
    *column = offset - line_start + 1;
}

static gboolean
check_text_bytes(const char *data, gsize len, const char *source_name, GError **error)
{
    gsize line, column;
    const char *nul = memchr(data, '\0', len);
    if (nul != NULL) {
        gsize offset = (gsize)(nul - data);
        position_of(data, offset, &line, &column);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s:%" G_GSIZE_FORMAT ":%" G_GSIZE_FORMAT
                    ": NUL byte at offset %" G_GSIZE_FORMAT
                    "; domain XML must be UTF-8 text (is this a binary or UTF-16 file?)",
                    source_name, line, column, offset);
        return FALSE;
    }
    const char *end = NULL;
    if (!g_utf8_validate_len(data, len, &end)) {
        gsize offset = (gsize)(end - data);
        position_of(data, offset, &line, &column);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s:%" G_GSIZE_FORMAT ":%" G_GSIZE_FORMAT
                    ": invalid UTF-8 (byte 0x%02x at offset %" G_GSIZE_FORMAT
                    "); domain XML must be UTF-8 text",
                    source_name, line, column, (guint)(guchar)*end, offset);
        return FALSE;
    }
    return TRUE;
}

/* What the SAX hooks and the error handler saw during one parse. */
typedef struct {
    int first_error_line;
    char *first_error_message;
    int dtd_line;        /* line of a DOCTYPE with an internal subset, 0 if none */
    int entity_line;     /* line of the first entity declaration, 0 if none */
    int markupdecl_line; /* line of any other declaration, 0 if none */
    int entity_ref_line; /* line of the first reference to a non-predefined entity */
} SafeParseState;

static void
safe_parse_state_clear(SafeParseState *state)
{
    g_free(state->first_error_message);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SafeParseState, safe_parse_state_clear)

static SafeParseState *
state_of(void *user_data)
{
    xmlParserCtxtPtr ctxt = user_data;
    return ctxt->_private;
}

static int
current_line(void *user_data)
{
    xmlParserCtxtPtr ctxt = user_data;
    return ctxt->input != NULL ? ctxt->input->line : 0;
}

static void
on_structured_error(void *user_data, xmlErrorPtr err)
{
    SafeParseState *state = state_of(user_data);
    if (state->first_error_message != NULL || err->level == XML_ERR_WARNING)
        return;
    state->first_error_line = err->line;
    state->first_error_message = g_strchomp(g_strdup(err->message ? err->message : "error"));
}

static void
on_internal_subset(void *user_data, const xmlChar *name, const xmlChar *external_id,
                   const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = user_data;
    /* libxml2 calls this before it parses "[ … ]": the next character tells
     * whether an internal subset follows.  A plain <!DOCTYPE domain> is harmless
     * (the external subset is never loaded) and passes. */
    if (ctxt->input != NULL && ctxt->input->cur != NULL && *ctxt->input->cur == '[')
        state_of(user_data)->dtd_line = current_line(user_data);
}

static void
on_entity_decl(void *user_data, const xmlChar *name, int type, const xmlChar *public_id,
               const xmlChar *system_id, xmlChar *content)
{
    state_of(user_data)->entity_line = current_line(user_data);
    xmlStopParser(user_data);
}

static void
on_unparsed_entity_decl(void *user_data, const xmlChar *name, const xmlChar *public_id,
                        const xmlChar *system_id, const xmlChar *notation_name)
{
    state_of(user_data)->entity_line = current_line(user_data);
    xmlStopParser(user_data);
}

static void
on_markup_decl(SafeParseState *state, void *user_data)
{
    if (state->markupdecl_line == 0)
        state->markupdecl_line = current_line(user_data);
    xmlStopParser(user_data);
}

static void
on_element_decl(void *user_data, const xmlChar *name, int type, xmlElementContentPtr content)
{
    on_markup_decl(state_of(user_data), user_data);
}

static void
on_attribute_decl(void *user_data, const xmlChar *elem, const xmlChar *fullname, int type, int def,
                  const xmlChar *default_value, xmlEnumerationPtr tree)
{
    on_markup_decl(state_of(user_data), user_data);
    xmlFreeEnumeration(tree); /* the handler owns it */
}

static void
on_notation_decl(void *user_data, const xmlChar *name, const xmlChar *public_id,
                 const xmlChar *system_id)
{
    on_markup_decl(state_of(user_data), user_data);
}

/* A reference to an entity nobody declared (possible only with an external
 * subset, which is never loaded): libxml2 would drop it silently, turning
 * <name>a&e;</name> into "a".  Refuse it instead (hostile-input tests). */
static void
on_entity_reference(void *user_data, const xmlChar *name)
{
    SafeParseState *state = state_of(user_data);
    if (state->entity_ref_line == 0)
        state->entity_ref_line = current_line(user_data);
    xmlStopParser(user_data);
}

static void
on_external_subset(void *user_data, const xmlChar *name, const xmlChar *external_id,
                   const xmlChar *system_id)
{
    /* Never load an external DTD, whatever the options say. */
}

static gboolean
report_parse_failure(const SafeParseState *state, const char *source_name, GError **error)
{
    if (state->entity_line != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: entity declarations are not allowed in domain XML (line %d); "
                    "remove the <!DOCTYPE … [ … ]> block",
                    source_name, state->entity_line);
        return FALSE;
    }
    if (state->entity_ref_line != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: line %d refers to an entity; domain XML may use only &lt; &gt; &amp; "
                    "&quot; &apos; and character references (&#…;)",
                    source_name, state->entity_ref_line);
        return FALSE;
    }
    if (state->dtd_line != 0 || state->markupdecl_line != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: a DOCTYPE with an internal subset is not allowed in domain XML (line %d); "
                    "remove the <!DOCTYPE … [ … ]> block",
                    source_name, state->dtd_line != 0 ? state->dtd_line : state->markupdecl_line);
        return FALSE;
    }
    if (state->first_error_message != NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s:%d: malformed XML: %s",
                    source_name, state->first_error_line, state->first_error_message);
        return FALSE;
    }
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: malformed XML", source_name);
    return FALSE;
}

xmlDoc *
fwneg_xml_parse_safe(const char *data, gsize len, gsize max_bytes, const char *source_name,
                     GError **error)
{
    return fwneg_xml_parse_safe_full(data, len, max_bytes, source_name, FALSE, error);
}

xmlDoc *
fwneg_xml_parse_safe_full(const char *data, gsize len, gsize max_bytes, const char *source_name,
                          gboolean read_only, GError **error)
{
    g_return_val_if_fail(data != NULL || len == 0, NULL);
    if (source_name == NULL)
        source_name = "(input)";

    if (len > max_bytes) {
        set_too_large_error(source_name, max_bytes, error);
        return NULL;
    }
    if (len > G_MAXINT) { /* xmlCtxtReadMemory takes an int */
        set_too_large_error(source_name, G_MAXINT, error);
        return NULL;
    }
    if (len == 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: empty input; expected a <domain> XML document", source_name);
        return NULL;
    }
    if (!check_text_bytes(data, len, source_name, error))
        return NULL;

    g_autoptr(xmlParserCtxt) ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: cannot create an XML parser", source_name);
        return NULL;
    }
    g_auto(SafeParseState) state = {0};
    ctxt->_private = &state;
    ctxt->sax->serror = on_structured_error;
    ctxt->sax->internalSubset = on_internal_subset;
    ctxt->sax->externalSubset = on_external_subset;
    ctxt->sax->entityDecl = on_entity_decl;
    ctxt->sax->unparsedEntityDecl = on_unparsed_entity_decl;
    ctxt->sax->reference = on_entity_reference;
    ctxt->sax->elementDecl = on_element_decl;
    ctxt->sax->attributeDecl = on_attribute_decl;
    ctxt->sax->notationDecl = on_notation_decl;

    /* Deliberately absent: XML_PARSE_NOENT (expand entities), XML_PARSE_DTDLOAD,
     * XML_PARSE_DTDATTR, XML_PARSE_HUGE (lifts the depth and size limits) and
     * XML_PARSE_NOBLANKS (callers re-emit the document as written). */
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
                  XML_PARSE_BIG_LINES;
    /* A tree that is only read can keep short text inline in its nodes: fewer
     * allocations on the hook's hot path (about 3% of a 64-disk plan's
     * instructions).  libxml2 forbids modifying such a tree. */
    if (read_only)
        options |= XML_PARSE_COMPACT;
    /* The bytes were checked to be UTF-8 above, so parse them as UTF-8 whatever
     * the XML declaration claims. */
    g_autoptr(xmlDoc) doc = xmlCtxtReadMemory(ctxt, data, (int)len, source_name, "UTF-8", options);

    if (doc == NULL || !ctxt->wellFormed || state.entity_line != 0 || state.dtd_line != 0 ||
        state.markupdecl_line != 0 || state.entity_ref_line != 0) {
        report_parse_failure(&state, source_name, error);
        return NULL;
    }
    if (xmlDocGetRootElement(doc) == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: no root element; expected a <domain> XML document", source_name);
        return NULL;
    }
    return g_steal_pointer(&doc);
}

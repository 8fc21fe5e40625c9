/* safe-xml.h: parse untrusted XML with libxml2 safely: no entity expansion, no
 * DTD loading, no network, a size cap, and depth limits from libxml2's defaults
 * (XML_PARSE_HUGE is never set).  Errors name the source and the line.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

/* Parse @len bytes.  Rejects (FWNEG_ERROR_INVALID_INPUT): more than @max_bytes,
 * NUL bytes, any DOCTYPE with an internal subset or entity declarations,
 * malformed XML.  @source_name is used in messages. */
xmlDoc *fwneg_xml_parse_safe(const char *data, gsize len, gsize max_bytes, const char *source_name,
                             GError **error);
/* The same; with @read_only the tree is built compactly and must not be modified. */
xmlDoc *fwneg_xml_parse_safe_full(const char *data, gsize len, gsize max_bytes,
                                  const char *source_name, gboolean read_only, GError **error);

/* Read a whole file (or stdin for "-") refusing anything larger than @max_bytes
 * without reading past the limit.  Errors are FWNEG_ERROR_INVALID_INPUT naming the path. */
gboolean fwneg_read_bounded(const char *path, gsize max_bytes, char **data_out, gsize *len_out,
                            GError **error);

G_END_DECLS

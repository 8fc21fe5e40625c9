/* plan-xml-private.h: the domain XML editing that plan-xml.c (the plan applied
 * at define time) and plan-target-xml.c (a migration target's or a restore's
 * rewrite) share.  Not an API: nothing outside src/plan includes it.
 *
 * Edits keep the input's layout: new elements get their siblings' indentation,
 * removed ones take their indentation with them.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "plan.h"

G_BEGIN_DECLS

/* The un-namespaced child element @name of @parent, or NULL. */
xmlNode *plan_xml_find_child(xmlNode *parent, const char *name);
/* Insert @node into @parent after @after (NULL: last), indented like its siblings. */
xmlNode *plan_xml_insert_child(xmlNode *parent, xmlNode *after, xmlNode *node);
xmlNode *plan_xml_append_element(xmlNode *parent, xmlNs *ns, const char *name);
/* Remove @node and the blank text that indents it. */
void plan_xml_remove_node(xmlNode *node);
/* Set @name to @value; nothing when @value is NULL. */
void plan_xml_set_prop(xmlNode *node, const char *name, const char *value);

/* Each NIC's <rom> as @plan's ROMs say (store copy, planned file, or enabled='no'). */
void plan_xml_apply_roms(xmlNode *domain, const FwnegPlan *plan);
/* fwneg's fw_cfg files as <sysinfo type='fwcfg'> entries pointing at their files. */
void plan_xml_apply_fw_cfg(xmlNode *domain, const FwnegPlan *plan);
/* @plan as the one fwneg element in <metadata>. */
void plan_xml_record_plan(xmlNode *domain, const FwnegPlan *plan);

/* Parse @xml (safe parser) and check its root is <domain>. */
xmlDoc *plan_xml_parse_domain(const FwnegDomain *domain, const char *xml, gsize xml_len,
                              GError **error);
/* @doc as text, with the XML declaration of @xml when it had one. */
char *plan_xml_serialize_like_input(xmlDoc *doc, const char *xml, gsize xml_len);

G_END_DECLS

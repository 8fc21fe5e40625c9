/* domain-parse-private.h: state and helpers shared by the domain XML parser
 * files (domain-parse.c, domain-parse-devices.c, domain-parse-util.c).  Not
 * an API: nothing outside those files includes it.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "domain.h"

G_BEGIN_DECLS

/* One parse of one document. */
typedef struct {
    const char *source_name;
    FwnegDomain *domain;
    xmlNode *os_boot_dev;    /* first <os><boot dev=…>, for the mutual-exclusion check */
    xmlNode *device_boot;    /* first per-device <boot order=…> */
    GHashTable *boot_orders; /* order (GUINT_TO_POINTER) → its <boot> element */
} FwnegDomainParser;

/* TRUE when @node is the libvirt (un-namespaced) element @name.  libvirt looks
 * its elements up with un-prefixed XPath, which never matches namespaced ones. */
gboolean fwneg_xml_is(const xmlNode *node, const char *name);

/* The attribute (no namespace) as a g_malloc'd string, NULL when absent. */
char *fwneg_xml_attr(const xmlNode *node, const char *name);
/* The text content, NULL when empty. */
char *fwneg_xml_text(const xmlNode *node);
/* First libvirt child element called @name, or NULL. */
xmlNode *fwneg_xml_child(const xmlNode *node, const char *name);

/* Set a FWNEG_ERROR_INVALID_INPUT error "SOURCE:LINE: <ELEMENT>: MESSAGE".
 * Returns FALSE so callers can `return fwneg_parse_fail(…)`. */
gboolean fwneg_parse_fail(const FwnegDomainParser *parser, const xmlNode *node, GError **error,
                          const char *format, ...) G_GNUC_PRINTF(4, 5);
/* Same, with the element shown as <ELEMENT ATTR='VALUE'>. */
gboolean fwneg_parse_fail_attr(const FwnegDomainParser *parser, const xmlNode *node,
                               const char *attr, const char *value, GError **error,
                               const char *format, ...) G_GNUC_PRINTF(6, 7);

/* @value made safe to quote in a message: control characters escaped, long
 * values shortened. */
char *fwneg_printable(const char *value);

/* Numeric attribute in [@min, @max], parsed like libvirt's virXMLPropUInt with
 * @base (0 = decimal, 0x hex or 0 octal).  Absent leaves *@out alone.  @what
 * names the value in the message ("PCI slot", "boot order"). */
gboolean fwneg_parse_uint_attr(const FwnegDomainParser *parser, const xmlNode *node,
                               const char *attr, int base, guint64 min, guint64 max,
                               const char *what, int *out, GError **error);

/* The same rules for a string already in hand (e.g. element text); FALSE when
 * invalid, without an error. */
gboolean fwneg_parse_uint(const char *text, int base, guint64 min, guint64 max, guint64 *out);

/* 'yes'/'no' (libvirt's virTristateBool) and 'on'/'off' (virTristateSwitch)
 * attributes.  Absent leaves *@out alone. */
gboolean fwneg_parse_yes_no_attr(const FwnegDomainParser *parser, const xmlNode *node,
                                 const char *attr, FwnegTristate *out, GError **error);
gboolean fwneg_parse_on_off_attr(const FwnegDomainParser *parser, const xmlNode *node,
                                 const char *attr, FwnegTristate *out, GError **error);

/* An attribute that must be one of @choices (NULL-terminated).  Absent leaves
 * *@out alone; @what names it in the message. */
gboolean fwneg_parse_choice_attr(const FwnegDomainParser *parser, const xmlNode *node,
                                 const char *attr, const char *const *choices, const char *what,
                                 char **out, GError **error);

/* <address>, <alias>, <rom>, <boot order> — shared by several devices. */
gboolean fwneg_parse_address(const FwnegDomainParser *parser, const xmlNode *node,
                             FwnegAddress *address, GError **error);
gboolean fwneg_parse_pci_source_address(const FwnegDomainParser *parser, const xmlNode *node,
                                        FwnegAddress *address, GError **error);
gboolean fwneg_parse_rom(const FwnegDomainParser *parser, const xmlNode *node, FwnegRom *rom,
                         GError **error);
gboolean fwneg_parse_device_boot(FwnegDomainParser *parser, const xmlNode *node, int *order,
                                 GError **error);
char *fwneg_parse_alias(const xmlNode *node);

/* <filesystem> and any device element not modelled otherwise (domain-parse-placed.c). */
gboolean fwneg_parse_filesystem(FwnegDomainParser *parser, const xmlNode *node, int position,
                                GError **error);
gboolean fwneg_parse_other_device(FwnegDomainParser *parser, const xmlNode *node, int position,
                                  GError **error);

/* Everything inside one <devices> element; *@position counts element
 * children across <devices> elements. */
gboolean fwneg_parse_devices(FwnegDomainParser *parser, const xmlNode *devices, int *position,
                             GError **error);

/* <sysinfo> (fwcfg entries) and <qemu:override> (domain-parse-passthrough.c). */
gboolean fwneg_parse_sysinfo(FwnegDomainParser *parser, const xmlNode *node, GError **error);
void fwneg_parse_qemu_override(FwnegDomainParser *parser, const xmlNode *node);

G_END_DECLS

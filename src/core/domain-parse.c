/* domain-parse.c: libvirt domain XML → FwnegDomain, in one pass over the
 * element tree (no XPath: this runs on every VM start from the hook).
 *
 * This file reads the document level: <name>, <uuid>, <os>, <features>,
 * <pm>, <launchSecurity>, <metadata>, and the cross-element checks libvirt
 * makes on boot order.  Devices are in domain-parse-devices.c.
 *
 * Values are checked the way libvirt 9.0 checks them, so that fwneg refuses
 * what `virsh define` refuses, with a message that names the file, line,
 * element and value.  Unknown elements are ignored, as libvirt ignores
 * elements fwneg does not need.
 */
#include <string.h>

#include "domain-parse-private.h"
#include "fwneg-error.h"
#include "safe-xml.h"

/* Any version of fwneg's <metadata> namespace (plan.h has the current one,
 * FWNEG_METADATA_NS); older records must still be found to be migrated. */
#define FWNEG_METADATA_NS_BASE "https://fwneg.org/xmlns/fwneg/"

/* libvirt 9.0's architectures (virArch), verified one by one with
 * `virsh -c test:///default define`, plus loongarch64 which later libvirt
 * releases know and fwneg can plan for. */
static const char *const libvirt_arches[] = {
    "alpha",    "armv6l",      "armv7l",   "armv7b",     "aarch64",      "cris",   "i686",
    "ia64",     "lm32",        "m68k",     "microblaze", "microblazeel", "mips",   "mipsel",
    "mips64",   "mips64el",    "openrisc", "parisc",     "parisc64",     "ppc",    "ppcle",
    "ppc64",    "ppc64le",     "ppcemb",   "riscv32",    "riscv64",      "s390",   "s390x",
    "sh4",      "sh4eb",       "sparc",    "sparc64",    "unicore32",    "x86_64", "xtensa",
    "xtensaeb", "loongarch64", NULL,
};

static void
fwneg_domain_parser_clear(FwnegDomainParser *parser)
{
    g_clear_pointer(&parser->boot_orders, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FwnegDomainParser, fwneg_domain_parser_clear)

static gboolean
parse_os_type(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    FwnegDomain *domain = parser->domain;
    g_free(domain->os_type);
    domain->os_type = fwneg_xml_text(node);
    g_free(domain->machine);
    domain->machine = fwneg_xml_attr(node, "machine");

    g_autofree char *arch = fwneg_xml_attr(node, "arch");
    if (arch != NULL && !g_strv_contains(libvirt_arches, arch)) {
        g_autofree char *known = g_strjoinv(", ", (char **)libvirt_arches);
        g_autofree char *shown = fwneg_printable(arch);
        return fwneg_parse_fail_attr(parser, node, "arch", arch, error,
                                     "unknown architecture '%s' (libvirt knows: %s)", shown, known);
    }
    g_free(domain->arch);
    domain->arch = g_steal_pointer(&arch); /* absent: the planner uses the host's */
    return TRUE;
}

static gboolean
parse_os_firmware_features(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    static const char *const names[] = {"enrolled-keys", "secure-boot", NULL};
    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (!fwneg_xml_is(child, "feature"))
            continue;
        g_autofree char *name = NULL;
        if (!fwneg_parse_choice_attr(parser, child, "name", names, "firmware feature", &name,
                                     error))
            return FALSE;
        if (name == NULL)
            return fwneg_parse_fail(parser, child, error,
                                    "missing name attribute (expected 'enrolled-keys' or "
                                    "'secure-boot')");
        FwnegTristate enabled = FWNEG_TRISTATE_ABSENT;
        if (!fwneg_parse_yes_no_attr(parser, child, "enabled", &enabled, error))
            return FALSE;
        if (enabled == FWNEG_TRISTATE_ABSENT)
            return fwneg_parse_fail_attr(parser, child, "name", name, error,
                                         "missing enabled attribute (expected 'yes' or 'no')");
        if (strcmp(name, "secure-boot") == 0)
            parser->domain->fw_secure_boot = enabled;
        else
            parser->domain->fw_enrolled_keys = enabled;
    }
    return TRUE;
}

static gboolean
parse_loader(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    static const char *const types[] = {"rom", "pflash", NULL};
    static const char *const formats[] = {"raw", "qcow2", NULL};
    FwnegLoader *loader = &parser->domain->loader;
    if (!fwneg_parse_yes_no_attr(parser, node, "readonly", &loader->readonly, error) ||
        !fwneg_parse_yes_no_attr(parser, node, "secure", &loader->secure, error) ||
        !fwneg_parse_yes_no_attr(parser, node, "stateless", &loader->stateless, error) ||
        !fwneg_parse_choice_attr(parser, node, "type", types, "loader type", &loader->type,
                                 error) ||
        !fwneg_parse_choice_attr(parser, node, "format", formats, "loader format", &loader->format,
                                 error))
        return FALSE;
    g_free(loader->path);
    loader->path = fwneg_xml_text(node);
    return TRUE;
}

static void
parse_nvram(FwnegDomainParser *parser, const xmlNode *node)
{
    FwnegNvram *nvram = &parser->domain->nvram;
    nvram->present = TRUE;
    g_free(nvram->template);
    nvram->template = fwneg_xml_attr(node, "template");
    g_free(nvram->template_format);
    nvram->template_format = fwneg_xml_attr(node, "templateFormat");
    g_free(nvram->format);
    nvram->format = fwneg_xml_attr(node, "format");

    /* libvirt ≥ 8.5 also takes <nvram type='file|block|network'><source …/>. */
    g_free(nvram->path);
    nvram->path = NULL;
    xmlNode *source = fwneg_xml_child(node, "source");
    if (source != NULL) {
        static const char *const attrs[] = {"file", "dev", "name"};
        for (gsize i = 0; i < G_N_ELEMENTS(attrs) && nvram->path == NULL; i++)
            nvram->path = fwneg_xml_attr(source, attrs[i]);
    } else {
        nvram->path = fwneg_xml_text(node);
    }
}

static gboolean
parse_os_boot(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    static const char *const devs[] = {"fd", "hd", "cdrom", "network", NULL};
    g_autofree char *dev = NULL;
    if (!fwneg_parse_choice_attr(parser, node, "dev", devs, "boot device", &dev, error))
        return FALSE;
    if (dev == NULL)
        return fwneg_parse_fail(parser, node, error,
                                "missing dev attribute (expected one of: fd, hd, cdrom, network)");
    g_ptr_array_add(parser->domain->boot_devs, g_steal_pointer(&dev));
    if (parser->os_boot_dev == NULL)
        parser->os_boot_dev = (xmlNode *)node;
    return TRUE;
}

static gboolean
parse_bootmenu(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    /* libvirt: "invalid value for boot menu timeout, must be in range [0,65535]" */
    return fwneg_parse_yes_no_attr(parser, node, "enable", &parser->domain->bootmenu_enable,
                                   error) &&
           fwneg_parse_uint_attr(parser, node, "timeout", 10, 0, 65535, "boot menu timeout (ms)",
                                 &parser->domain->bootmenu_timeout, error);
}

static void
replace_text(char **field, const xmlNode *node)
{
    g_free(*field);
    *field = fwneg_xml_text(node);
}

static gboolean
parse_os(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    FwnegDomain *domain = parser->domain;
    g_autofree char *firmware = fwneg_xml_attr(node, "firmware");
    if (firmware != NULL) {
        if (strcmp(firmware, "bios") == 0) {
            domain->firmware = FWNEG_OS_FIRMWARE_BIOS;
        } else if (strcmp(firmware, "efi") == 0) {
            domain->firmware = FWNEG_OS_FIRMWARE_EFI;
        } else {
            g_autofree char *shown = fwneg_printable(firmware);
            return fwneg_parse_fail_attr(parser, node, "firmware", firmware, error,
                                         "unknown firmware '%s' (expected 'bios' or 'efi')", shown);
        }
    }

    gboolean seen_type = FALSE;
    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        gboolean ok = TRUE;
        if (fwneg_xml_is(child, "type")) {
            if (!seen_type) /* libvirt reads ./os/type[1] */
                ok = parse_os_type(parser, child, error);
            seen_type = TRUE;
        } else if (fwneg_xml_is(child, "firmware")) {
            ok = parse_os_firmware_features(parser, child, error);
        } else if (fwneg_xml_is(child, "loader")) {
            ok = parse_loader(parser, child, error);
        } else if (fwneg_xml_is(child, "nvram")) {
            parse_nvram(parser, child);
        } else if (fwneg_xml_is(child, "boot")) {
            ok = parse_os_boot(parser, child, error);
        } else if (fwneg_xml_is(child, "bootmenu")) {
            ok = parse_bootmenu(parser, child, error);
        } else if (fwneg_xml_is(child, "kernel")) {
            replace_text(&domain->kernel, child);
        } else if (fwneg_xml_is(child, "initrd")) {
            replace_text(&domain->initrd, child);
        } else if (fwneg_xml_is(child, "cmdline")) {
            replace_text(&domain->cmdline, child);
        } else if (fwneg_xml_is(child, "dtb")) {
            replace_text(&domain->dtb, child);
        }
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

static gboolean
parse_features(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (fwneg_xml_is(child, "acpi")) {
            parser->domain->acpi = TRUE;
        } else if (fwneg_xml_is(child, "smm")) {
            FwnegTristate state = FWNEG_TRISTATE_YES; /* <smm/> means on */
            if (!fwneg_parse_on_off_attr(parser, child, "state", &state, error))
                return FALSE;
            parser->domain->smm = state;
        }
    }
    return TRUE;
}

static gboolean
parse_pm(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (fwneg_xml_is(child, "suspend-to-mem")) {
            if (!fwneg_parse_yes_no_attr(parser, child, "enabled", &parser->domain->suspend_to_mem,
                                         error))
                return FALSE;
        } else if (fwneg_xml_is(child, "suspend-to-disk")) {
            if (!fwneg_parse_yes_no_attr(parser, child, "enabled", &parser->domain->suspend_to_disk,
                                         error))
                return FALSE;
        }
    }
    return TRUE;
}

static gboolean
parse_launch_security(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    FwnegDomain *domain = parser->domain;
    g_free(domain->launch_security);
    domain->launch_security = fwneg_xml_attr(node, "type");

    xmlNode *policy = fwneg_xml_child(node, "policy");
    if (policy == NULL)
        return TRUE;
    /* libvirt reads the policy as hexadecimal with or without 0x
     * (virXPathULongHex): "0x0033" and "33" are both 0x33. */
    g_autofree char *text = fwneg_xml_text(policy);
    guint64 value = 0;
    if (text == NULL || !fwneg_parse_uint(text, 16, 0, G_MAXUINT32, &value)) {
        g_autofree char *shown = fwneg_printable(text != NULL ? text : "");
        return fwneg_parse_fail(parser, policy, error,
                                "invalid launch security policy '%s' (expected a 32-bit "
                                "hexadecimal number such as 0x0033)",
                                shown);
    }
    domain->sev_policy = (gint64)value;
    return TRUE;
}

static gboolean
is_fwneg_namespace(const xmlNode *node)
{
    return node->ns != NULL && node->ns->href != NULL &&
           g_str_has_prefix((const char *)node->ns->href, FWNEG_METADATA_NS_BASE);
}

static char *
serialize_element(const xmlNode *node)
{
    /* Copy into a document of its own so namespace declarations made on
     * ancestors (e.g. xmlns:fwneg on <domain>) are declared on the copy. */
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *copy = xmlDocCopyNode((xmlNode *)node, doc, 1);
    if (copy == NULL)
        return NULL;
    xmlDocSetRootElement(doc, copy);
    xmlBuffer *buffer = xmlBufferCreate();
    if (buffer == NULL)
        return NULL;
    char *out = NULL;
    if (xmlNodeDump(buffer, doc, copy, 0, 0) >= 0)
        out = g_strdup((const char *)xmlBufferContent(buffer));
    xmlBufferFree(buffer);
    return out;
}

static void
parse_metadata(FwnegDomainParser *parser, const xmlNode *node)
{
    if (parser->domain->fwneg_metadata != NULL)
        return;
    /* libvirt keeps one top-level element per namespace; take the first. */
    for (xmlNode *child = xmlFirstElementChild((xmlNode *)node); child != NULL;
         child = xmlNextElementSibling(child)) {
        if (is_fwneg_namespace(child)) {
            parser->domain->fwneg_metadata = serialize_element(child);
            return;
        }
    }
}

/* libvirt stores UUIDs as 16 bytes and prints them in the canonical form;
 * fwneg names state files after the UUID, so only that form may get through. */
static gboolean
parse_uuid(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    g_autofree char *text = fwneg_xml_text(node);
    if (text == NULL)
        return TRUE; /* libvirt generates one; the planner treats it as unknown */
    g_autofree char *trimmed = g_strstrip(g_strdup(text));
    g_autoptr(GString) hex = g_string_new(NULL);
    gboolean ok = TRUE;
    for (const char *p = trimmed; *p != '\0' && ok; p++) {
        if (g_ascii_isxdigit(*p))
            g_string_append_c(hex, g_ascii_tolower(*p));
        else if (*p != '-')
            ok = FALSE;
    }
    if (!ok || hex->len != 32) {
        g_autofree char *shown = fwneg_printable(text);
        return fwneg_parse_fail(parser, node, error,
                                "invalid UUID '%s' (expected 32 hexadecimal digits, e.g. "
                                "'c7a5fdbd-cdaf-9455-926a-d65c16db1809')",
                                shown);
    }
    const char *h = hex->str;
    g_free(parser->domain->uuid);
    parser->domain->uuid =
        g_strdup_printf("%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
    return TRUE;
}

static gboolean
parse_name(FwnegDomainParser *parser, const xmlNode *node, GError **error)
{
    g_autofree char *name = fwneg_xml_text(node);
    if (name != NULL && strchr(name, '/') != NULL) {
        /* libvirt: "name %s cannot contain '/'"; fwneg derives file names from it. */
        g_autofree char *shown = fwneg_printable(name);
        return fwneg_parse_fail(parser, node, error, "invalid name '%s': it must not contain '/'",
                                shown);
    }
    g_free(parser->domain->name);
    parser->domain->name = g_steal_pointer(&name);
    return TRUE;
}

static gboolean
check_boot_elements(const FwnegDomainParser *parser, GError **error)
{
    if (parser->os_boot_dev == NULL || parser->device_boot == NULL)
        return TRUE;
    g_autofree char *dev = fwneg_xml_attr(parser->os_boot_dev, "dev");
    g_autofree char *order = fwneg_xml_attr(parser->device_boot, "order");
    return fwneg_parse_fail_attr(parser, parser->device_boot, "order", order, error,
                                 "per-device boot elements cannot be used together with os/boot "
                                 "elements (<boot dev='%s'> at line %ld); use either <os><boot "
                                 "dev=…> or per-device <boot order=…>",
                                 dev, xmlGetLineNo(parser->os_boot_dev));
}

static gboolean
parse_domain_children(FwnegDomainParser *parser, const xmlNode *root, GError **error)
{
    gboolean seen_name = FALSE, seen_uuid = FALSE, seen_os = FALSE;
    int device_position = 0;
    for (xmlNode *child = xmlFirstElementChild((xmlNode *)root); child != NULL;
         child = xmlNextElementSibling(child)) {
        gboolean ok = TRUE;
        /* libvirt reads the first <name>, <uuid>, <os> (./name[1] …). */
        if (fwneg_xml_is(child, "name")) {
            if (!seen_name)
                ok = parse_name(parser, child, error);
            seen_name = TRUE;
        } else if (fwneg_xml_is(child, "uuid")) {
            if (!seen_uuid)
                ok = parse_uuid(parser, child, error);
            seen_uuid = TRUE;
        } else if (fwneg_xml_is(child, "os")) {
            if (!seen_os)
                ok = parse_os(parser, child, error);
            seen_os = TRUE;
        } else if (fwneg_xml_is(child, "features")) {
            ok = parse_features(parser, child, error);
        } else if (fwneg_xml_is(child, "pm")) {
            ok = parse_pm(parser, child, error);
        } else if (fwneg_xml_is(child, "launchSecurity")) {
            ok = parse_launch_security(parser, child, error);
        } else if (fwneg_xml_is(child, "devices")) {
            ok = fwneg_parse_devices(parser, child, &device_position, error);
        } else if (fwneg_xml_is(child, "metadata")) {
            parse_metadata(parser, child);
        } else if (fwneg_xml_is(child, "sysinfo")) {
            ok = fwneg_parse_sysinfo(parser, child, error);
        } else {
            fwneg_parse_qemu_override(parser, child);
        }
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

FwnegDomain *
fwneg_domain_parse_memory(const char *data, gsize len, const char *source_name, GError **error)
{
    if (source_name == NULL)
        source_name = "(domain XML)";
    g_autoptr(xmlDoc) doc =
        fwneg_xml_parse_safe_full(data, len, FWNEG_DOMAIN_XML_MAX_BYTES, source_name, TRUE, error);
    if (doc == NULL)
        return NULL;

    g_autoptr(FwnegDomain) domain = fwneg_domain_new();
    domain->source_name = g_strdup(source_name);
    g_auto(FwnegDomainParser) parser = {
        .source_name = domain->source_name,
        .domain = domain,
        .boot_orders = g_hash_table_new(g_direct_hash, g_direct_equal),
    };

    xmlNode *root = xmlDocGetRootElement(doc);
    if (!fwneg_xml_is(root, "domain")) {
        fwneg_parse_fail(&parser, root, error,
                         "expecting root element of 'domain', not '%s' (is this a libvirt "
                         "domain XML, e.g. from `virsh dumpxml`?)",
                         (const char *)root->name);
        return NULL;
    }
    domain->virt_type = fwneg_xml_attr(root, "type");

    if (!parse_domain_children(&parser, root, error) || !check_boot_elements(&parser, error))
        return NULL;
    if (domain->name == NULL) {
        fwneg_parse_fail(&parser, root, error,
                         "missing name information: add <name>…</name> to the domain");
        return NULL;
    }
    return g_steal_pointer(&domain);
}

FwnegDomain *
fwneg_domain_parse_file(const char *path, GError **error)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!fwneg_read_bounded(path, FWNEG_DOMAIN_XML_MAX_BYTES, &data, &len, error))
        return NULL;
    return fwneg_domain_parse_memory(data, len, path, error);
}

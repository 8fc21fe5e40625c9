/* plan-xml.c: the input domain XML with the plan applied and recorded.
 *
 * Applying mirrors what libvirt 9.0 (Debian 12) itself does to the live
 * definition when it starts a guest with firmware autoselection
 * (qemuFirmwareFillDomain + qemuFirmwareEnableFeatures in 9.0's
 * src/qemu/qemu_firmware.c), so the result is a definition libvirt 9.0 accepts
 * as is and that pins the firmware:
 *   - flash:  <loader readonly='yes' [secure='yes'] type='pflash'>EXEC</loader> and,
 *             for split mode, <nvram template='TEMPLATE'>PATH</nvram> (an existing
 *             NVRAM path is kept; libvirt 9.0 has no templateFormat attribute);
 *   - memory: <loader type='rom'>EXEC</loader>;   kernel: <kernel>EXEC</kernel>;
 *   - requires-smm: <features><smm state='on'/></features> and secure='yes';
 *   - <type machine=…> gets the canonical machine type, as libvirt stores it;
 *   - firmware= is removed from <os> (9.0 sets os.firmware to none after filling),
 *     and so is <os><firmware> (its feature requests): 9.0's validation refuses
 *     <firmware> without firmware= ("cannot use feature-based firmware
 *     autoselection when firmware autoselection is disabled").  What was chosen
 *     stays on record in the metadata below.
 * Nothing changes in <os> when no descriptor was chosen (QEMU's default firmware,
 * or a loader the XML already names without one).
 *
 * Recording: one element in fwneg's namespace inside <metadata> — libvirt keeps
 * only the first child per namespace there and drops children without one
 * (virXMLNodeSanitizeNamespaces), so every fwneg element already present (any
 * version of the namespace) is replaced by this one:
 *
 *   <fwneg:plan xmlns:fwneg="https://fwneg.org/xmlns/fwneg/1" version="1">
 *     <fwneg:machine canonical="pc-q35-7.2" requested="q35" arch="x86_64" qemu="7.2.22"/>
 *     <fwneg:firmware interface="uefi" descriptor="…" device="flash" mode="split"
 *                     executable="…" nvram-template="…" nvram="…" requires-smm="yes">
 *       <fwneg:feature name="secure-boot"/>…
 *       <fwneg:decided-by name="60-edk2-x86_64.json" path="…" sha256="…|masked"/>…  (records)
 *     </fwneg:firmware>
 *     <fwneg:roms>
 *       <fwneg:rom device="net0" model="virtio" ramblock="…" file="…" file-size="…"
 *                  size="262144" sha256="…" rombar="yes"/>…
 *     </fwneg:roms>
 *     <fwneg:bootorder><fwneg:entry>/pci@i0cf8/…</fwneg:entry>…</fwneg:bootorder>
 *     (XML before `virsh define`: no bootorder, and <fwneg:pending part="…">why</…>)
 *     <fwneg:fw_cfg><fwneg:file name="…" origin="qemu|fwneg">HEX</fwneg:file>…</fwneg:fw_cfg>
 *     <fwneg:fdt file="…"><fwneg:node>…</fwneg:node>…</fwneg:fdt>      (ARM only)
 *   </fwneg:plan>
 *
 * An attribute whose value is unknown (NULL) is left out; a list that is empty
 * is written empty, a list the plan does not have (NULL) is left out.
 *
 * The rest of the document is kept byte for byte where libxml2 allows
 * (whitespace, comments, attribute order); new elements get the indentation of
 * their siblings.  An XML declaration is written only if the input had one.
 */
#include "plan.h"

#include <string.h>

#include <libxml/xmlsave.h>

#include "fwneg-error.h"
#include "plan-xml-private.h"
#include "safe-xml.h"

#define FWNEG_NS_URI_PREFIX "https://fwneg.org/xmlns/fwneg/"

static gboolean
is_element(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && xmlStrEqual(node->name, BAD_CAST name);
}

xmlNode *
plan_xml_find_child(xmlNode *parent, const char *name)
{
    for (xmlNode *child = parent ? parent->children : NULL; child; child = child->next)
        if (is_element(child, name) && !child->ns)
            return child;
    return NULL;
}

static gboolean
is_blank_text(const xmlNode *node)
{
    return node && node->type == XML_TEXT_NODE && xmlIsBlankNode((xmlNode *)node);
}

/* The indentation of @node: the text after the last newline of the blank text
 * node just before it, or NULL when the document is not laid out in lines there. */
static char *
indent_of(const xmlNode *node)
{
    g_autofree char *text = NULL;
    const char *newline;

    if (!is_blank_text(node->prev))
        return NULL;
    text = (char *)xmlNodeGetContent(node->prev);
    newline = text ? strrchr(text, '\n') : NULL;
    return newline ? g_strdup(newline + 1) : NULL;
}

/* Remove @node and the blank text that indents it, so no empty line remains. */
void
plan_xml_remove_node(xmlNode *node)
{
    if (is_blank_text(node->prev)) {
        xmlNode *blank = node->prev;

        xmlUnlinkNode(blank);
        xmlFreeNode(blank);
    }
    xmlUnlinkNode(node);
    xmlFreeNode(node);
}

static xmlNode *
new_blank(xmlDoc *doc, const char *indent)
{
    g_autofree char *text = g_strconcat("\n", indent, NULL);

    return xmlNewDocText(doc, BAD_CAST text);
}

/* One level of the document's indentation: what its root's first child is
 * indented by ("  ", "\t", …), two spaces when that says nothing. */
static char *
indent_unit(xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);

    for (xmlNode *c = root ? root->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            char *indent = indent_of(c);

            if (indent && *indent)
                return indent;
            g_free(indent);
            break;
        }
    }
    return g_strdup("  ");
}

/* Insert @node as a child of @parent, after @after (NULL: as the last child),
 * indented like its siblings when the document is indented. */
xmlNode *
plan_xml_insert_child(xmlNode *parent, xmlNode *after, xmlNode *node)
{
    g_autofree char *parent_indent = indent_of(parent);
    g_autofree char *child_indent = NULL;
    xmlNode *first_element = NULL;

    for (xmlNode *c = parent->children; c && !first_element; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            first_element = c;
    /* Siblings show the indentation; an empty parent gets its own plus one level. */
    if (first_element) {
        child_indent = indent_of(first_element);
    } else if (parent_indent || !parent->parent || parent->parent->type == XML_DOCUMENT_NODE) {
        g_autofree char *unit = indent_unit(parent->doc);

        child_indent = g_strconcat(parent_indent ? parent_indent : "", unit, NULL);
    }

    if (after) {
        xmlAddNextSibling(after, node);
        if (child_indent)
            xmlAddPrevSibling(node, new_blank(parent->doc, child_indent));
        return node;
    }

    if (!parent->children) {
        xmlAddChild(parent, node);
        if (child_indent) {
            xmlAddPrevSibling(node, new_blank(parent->doc, child_indent));
            xmlAddNextSibling(node, new_blank(parent->doc, parent_indent ? parent_indent : ""));
        }
    } else if (is_blank_text(parent->last) && child_indent) {
        /* before the blank text that indents the closing tag */
        xmlAddPrevSibling(parent->last, node);
        xmlAddPrevSibling(node, new_blank(parent->doc, child_indent));
    } else {
        xmlAddChild(parent, node);
    }
    return node;
}

xmlNode *
plan_xml_append_element(xmlNode *parent, xmlNs *ns, const char *name)
{
    return plan_xml_insert_child(parent, NULL, xmlNewDocNode(parent->doc, ns, BAD_CAST name, NULL));
}

void
plan_xml_set_prop(xmlNode *node, const char *name, const char *value)
{
    if (value)
        xmlSetProp(node, BAD_CAST name, BAD_CAST value);
}

static void
set_text(xmlNode *node, const char *text)
{
    /* One literal text node (escaped on output); xmlNodeSetContent would
     * interpret '&' in paths as the start of an entity reference. */
    while (node->children) {
        xmlNode *child = node->children;

        xmlUnlinkNode(child);
        xmlFreeNode(child);
    }
    xmlAddChild(node, xmlNewDocText(node->doc, BAD_CAST text));
}

/* ---- applying the firmware to <os> and <features> ---- */

/* <loader> replaced as libvirt 9.0 formats it: readonly, secure, type. */
static xmlNode *
apply_loader(xmlNode *os, const FwnegFirmwareChoice *fw, gboolean flash)
{
    xmlNode *old = plan_xml_find_child(os, "loader");
    xmlNode *loader = xmlNewDocNode(os->doc, NULL, BAD_CAST "loader", NULL);
    g_autofree char *old_secure = old ? (char *)xmlGetProp(old, BAD_CAST "secure") : NULL;
    g_autofree char *old_readonly = old ? (char *)xmlGetProp(old, BAD_CAST "readonly") : NULL;

    if (flash)
        plan_xml_set_prop(loader, "readonly", "yes");
    else
        plan_xml_set_prop(loader, "readonly", old_readonly);
    plan_xml_set_prop(loader, "secure", fw->requires_smm ? "yes" : old_secure);
    plan_xml_set_prop(loader, "type", flash ? "pflash" : "rom");
    set_text(loader, fw->executable);

    if (old) {
        xmlReplaceNode(old, loader);
        xmlFreeNode(old);
        return loader;
    }
    /* libvirt's order in <os>: type, firmware, loader, nvram, kernel, … */
    return plan_xml_insert_child(os, plan_xml_find_child(os, "type"), loader);
}

static void
apply_nvram(xmlNode *os, xmlNode *loader, const FwnegPlan *plan, const FwnegFirmwareChoice *fw)
{
    xmlNode *nvram = plan_xml_find_child(os, "nvram");
    g_autofree char *path = plan->nvram_path
                                ? g_strdup(plan->nvram_path)
                                : g_strdup_printf("%s/%s_VARS.fd", FWNEG_LIBVIRT_NVRAM_DIR,
                                                  plan->name ? plan->name : "guest");

    if (!nvram) {
        nvram =
            plan_xml_insert_child(os, loader, xmlNewDocNode(os->doc, NULL, BAD_CAST "nvram", NULL));
        set_text(nvram, path);
    } else {
        gboolean has_element_child = FALSE;
        g_autofree char *text = (char *)xmlNodeGetContent(nvram);

        for (xmlNode *c = nvram->children; c; c = c->next)
            has_element_child |= c->type == XML_ELEMENT_NODE;
        /* Keep the guest's own NVRAM (a path, or a <source> in the newer form). */
        if (!has_element_child && (!text || !*g_strstrip(text)))
            set_text(nvram, path);
    }
    xmlSetProp(nvram, BAD_CAST "template", BAD_CAST fw->nvram_template);
}

static void
apply_kernel(xmlNode *os, const FwnegFirmwareChoice *fw)
{
    xmlNode *kernel = plan_xml_find_child(os, "kernel");

    if (!kernel) {
        xmlNode *after = plan_xml_find_child(os, "nvram");

        if (!after)
            after = plan_xml_find_child(os, "loader");
        if (!after)
            after = plan_xml_find_child(os, "type");
        kernel =
            plan_xml_insert_child(os, after, xmlNewDocNode(os->doc, NULL, BAD_CAST "kernel", NULL));
    }
    set_text(kernel, fw->executable);
}

static void
apply_smm(xmlNode *domain)
{
    xmlNode *features = plan_xml_find_child(domain, "features");
    xmlNode *smm;

    if (!features)
        features =
            plan_xml_insert_child(domain, plan_xml_find_child(domain, "os"),
                                  xmlNewDocNode(domain->doc, NULL, BAD_CAST "features", NULL));
    smm = plan_xml_find_child(features, "smm");
    if (!smm)
        smm = plan_xml_append_element(features, NULL, "smm");
    xmlSetProp(smm, BAD_CAST "state", BAD_CAST "on");
}

static void
apply_firmware(xmlNode *domain, const FwnegPlan *plan)
{
    const FwnegFirmwareChoice *fw = plan->firmware;
    xmlNode *os = plan_xml_find_child(domain, "os");
    xmlNode *feature_requests;

    if (!fw || !fw->descriptor || !fw->executable)
        return; /* QEMU's default firmware, or nothing fwneg chose */
    if (!os)
        os = plan_xml_insert_child(domain, NULL,
                                   xmlNewDocNode(domain->doc, NULL, BAD_CAST "os", NULL));

    xmlUnsetProp(os, BAD_CAST "firmware");
    /* libvirt stores the canonical machine type (qemuCanonicalizeMachine); the
     * descriptor was matched against it. */
    if (plan->machine && plan_xml_find_child(os, "type"))
        xmlSetProp(plan_xml_find_child(os, "type"), BAD_CAST "machine", BAD_CAST plan->machine);
    feature_requests = plan_xml_find_child(os, "firmware");
    if (feature_requests)
        plan_xml_remove_node(feature_requests);

    if (g_strcmp0(fw->device, "kernel") == 0) {
        apply_kernel(os, fw);
    } else if (g_strcmp0(fw->device, "memory") == 0) {
        apply_loader(os, fw, FALSE);
    } else {
        xmlNode *loader = apply_loader(os, fw, TRUE);

        /* a missing mode is split, as in the descriptor format */
        if (fw->nvram_template && g_strcmp0(fw->mode ? fw->mode : "split", "split") == 0)
            apply_nvram(os, loader, plan, fw);
    }
    if (fw->requires_smm)
        apply_smm(domain);
}

/* ---- pinning NIC ROMs ---- */

/* Each planned NIC ROM as libvirt 9.0's <rom> says it (qemuBuildRomProps):
 * the store copy (or the planned file) as <rom file=…>, keeping bar=; a NIC
 * the plan gives no ROM gets <rom enabled='no'/> (romfile=""). */
static void
apply_interface_rom(xmlNode *iface, const FwnegDeviceRom *rom)
{
    xmlNode *node = plan_xml_find_child(iface, "rom");
    const char *file = rom->store_file ? rom->store_file : rom->file;

    if (!node)
        node = plan_xml_insert_child(iface, NULL,
                                     xmlNewDocNode(iface->doc, NULL, BAD_CAST "rom", NULL));
    if (file) {
        xmlUnsetProp(node, BAD_CAST "enabled");
        xmlSetProp(node, BAD_CAST "file", BAD_CAST file);
    } else {
        xmlUnsetProp(node, BAD_CAST "file");
        xmlUnsetProp(node, BAD_CAST "bar");
        xmlSetProp(node, BAD_CAST "enabled", BAD_CAST "no");
    }
}

void
plan_xml_apply_roms(xmlNode *domain, const FwnegPlan *plan)
{
    xmlNode *devices = plan_xml_find_child(domain, "devices");
    int index = 0;

    for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
        if (!is_element(c, "interface") || c->ns)
            continue;
        for (guint i = 0; plan->roms && i < plan->roms->len; i++) {
            const FwnegDeviceRom *rom = g_ptr_array_index(plan->roms, i);

            if (rom->interface_number == (guint)index + 1)
                apply_interface_rom(c, rom);
        }
        index++;
    }
}

/* ---- fwneg's fw_cfg files ---- */

/* The <sysinfo type='fwcfg'> to add to: the existing one, else a new one before
 * <os> (libvirt's own order; its schema accepts any). */
static xmlNode *
find_or_create_fwcfg_sysinfo(xmlNode *domain)
{
    xmlNode *after = NULL;
    xmlNode *sysinfo;

    for (xmlNode *c = domain->children; c; c = c->next) {
        g_autofree char *type = NULL;

        if (is_element(c, "os") && !c->ns)
            break;
        if (c->type == XML_ELEMENT_NODE)
            after = c;
        if (!is_element(c, "sysinfo") || c->ns)
            continue;
        type = (char *)xmlGetProp(c, BAD_CAST "type");
        if (g_strcmp0(type, "fwcfg") == 0)
            return c;
    }
    sysinfo = xmlNewDocNode(domain->doc, NULL, BAD_CAST "sysinfo", NULL);
    xmlSetProp(sysinfo, BAD_CAST "type", BAD_CAST "fwcfg");
    return plan_xml_insert_child(domain, after, sysinfo);
}

/* fwneg's own fw_cfg files (origin "fwneg") as libvirt (>= 6.5) takes them:
 * <sysinfo type='fwcfg'><entry name='NAME' file='PATH'/>, which libvirt passes
 * as -fw_cfg name=NAME,file=PATH.  An entry already there with one of these
 * names is replaced (QEMU refuses duplicate names); other entries stay.  The
 * files are written by `fwneg plan` before it prints this document. */
void
plan_xml_apply_fw_cfg(xmlNode *domain, const FwnegPlan *plan)
{
    xmlNode *sysinfo = NULL;

    for (guint i = 0; plan->fw_cfg && i < plan->fw_cfg->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(plan->fw_cfg, i);
        xmlNode *next;
        xmlNode *node;

        if (g_strcmp0(entry->origin, "fwneg") != 0 || !entry->file)
            continue;
        if (!sysinfo)
            sysinfo = find_or_create_fwcfg_sysinfo(domain);
        for (xmlNode *c = sysinfo->children; c; c = next) {
            g_autofree char *name = NULL;

            next = c->next;
            if (!is_element(c, "entry") || c->ns)
                continue;
            name = (char *)xmlGetProp(c, BAD_CAST "name");
            if (g_strcmp0(name, entry->name) == 0)
                plan_xml_remove_node(c);
        }
        node = plan_xml_append_element(sysinfo, NULL, "entry");
        xmlSetProp(node, BAD_CAST "name", BAD_CAST entry->name);
        xmlSetProp(node, BAD_CAST "file", BAD_CAST entry->file);
    }
}

/* ---- recording the plan in <metadata> ---- */

static gboolean
is_fwneg_element(const xmlNode *node)
{
    return node->type == XML_ELEMENT_NODE && node->ns && node->ns->href &&
           g_str_has_prefix((const char *)node->ns->href, FWNEG_NS_URI_PREFIX);
}

static xmlNode *
find_or_create_metadata(xmlNode *domain)
{
    static const char *const before_metadata[] = {"name", "uuid", "genid", "title", "description"};
    xmlNode *metadata = plan_xml_find_child(domain, "metadata");
    xmlNode *after = NULL;

    if (metadata)
        return metadata;
    /* libvirt's order: name, uuid, genid, title, description, metadata, … */
    for (xmlNode *c = domain->children; c; c = c->next)
        for (guint i = 0; i < G_N_ELEMENTS(before_metadata); i++)
            if (is_element(c, before_metadata[i]))
                after = c;
    metadata = xmlNewDocNode(domain->doc, NULL, BAD_CAST "metadata", NULL);
    if (after)
        return plan_xml_insert_child(domain, after, metadata);
    if (domain->children) {
        /* first element child, indented like the others */
        xmlNode *first = domain->children;
        g_autofree char *indent = NULL;

        while (first && first->type != XML_ELEMENT_NODE)
            first = first->next;
        if (first) {
            indent = indent_of(first);
            xmlAddPrevSibling(first, metadata);
            if (indent)
                xmlAddNextSibling(metadata, new_blank(domain->doc, indent));
            return metadata;
        }
    }
    return plan_xml_insert_child(domain, NULL, metadata);
}

/* The new fwneg:plan element, in place of the first fwneg element (others removed). */
static xmlNode *
replace_plan_element(xmlNode *metadata)
{
    xmlNode *plan_node = xmlNewDocNode(metadata->doc, NULL, BAD_CAST "plan", NULL);
    xmlNode *existing = NULL;
    xmlNode *next;
    xmlNs *ns = xmlNewNs(plan_node, BAD_CAST FWNEG_METADATA_NS, BAD_CAST FWNEG_METADATA_PREFIX);

    xmlSetNs(plan_node, ns);
    xmlSetProp(plan_node, BAD_CAST "version", BAD_CAST "1");

    for (xmlNode *c = metadata->children; c; c = next) {
        next = c->next;
        if (!is_fwneg_element(c))
            continue;
        if (!existing)
            existing = c;
        else
            plan_xml_remove_node(c);
    }
    if (existing) {
        xmlReplaceNode(existing, plan_node);
        xmlFreeNode(existing);
        return plan_node;
    }
    return plan_xml_insert_child(metadata, NULL, plan_node);
}

static char *
int64_to_string(gint64 value)
{
    return g_strdup_printf("%" G_GINT64_FORMAT, value);
}

static void
record_machine(xmlNode *plan_node, const FwnegPlan *plan)
{
    xmlNode *machine = plan_xml_append_element(plan_node, plan_node->ns, "machine");

    plan_xml_set_prop(machine, "canonical", plan->machine);
    plan_xml_set_prop(machine, "requested", plan->machine_requested);
    plan_xml_set_prop(machine, "arch", plan->arch);
    plan_xml_set_prop(machine, "qemu", plan->qemu_version);
}

static void
record_firmware(xmlNode *plan_node, const FwnegPlan *plan)
{
    const FwnegFirmwareChoice *fw = plan->firmware;
    xmlNode *node = plan_xml_append_element(plan_node, plan_node->ns, "firmware");

    if (!fw)
        return;
    plan_xml_set_prop(node, "interface", fw->interface);
    plan_xml_set_prop(node, "descriptor", fw->descriptor);
    plan_xml_set_prop(node, "device", fw->device);
    plan_xml_set_prop(node, "mode", fw->mode);
    plan_xml_set_prop(node, "executable", fw->executable);
    plan_xml_set_prop(node, "nvram-template", fw->nvram_template);
    plan_xml_set_prop(node, "nvram", plan->nvram_path);
    plan_xml_set_prop(node, "requires-smm", fw->requires_smm ? "yes" : "no");
    for (guint i = 0; fw->features && i < fw->features->len; i++)
        plan_xml_set_prop(plan_xml_append_element(node, plan_node->ns, "feature"), "name",
                          g_ptr_array_index(fw->features, i));
    for (guint i = 0; plan->decided_by && i < plan->decided_by->len; i++) {
        const FwnegDescriptorNote *note = g_ptr_array_index(plan->decided_by, i);
        xmlNode *decided = plan_xml_append_element(node, plan_node->ns, "decided-by");

        plan_xml_set_prop(decided, "name", note->name);
        plan_xml_set_prop(decided, "path", note->path);
        plan_xml_set_prop(decided, "sha256", note->sha256 ? note->sha256 : "masked");
    }
}

static void
record_roms(xmlNode *plan_node, GPtrArray *roms)
{
    xmlNode *list;

    if (!roms)
        return;
    list = plan_xml_append_element(plan_node, plan_node->ns, "roms");
    for (guint i = 0; i < roms->len; i++) {
        const FwnegDeviceRom *rom = g_ptr_array_index(roms, i);
        xmlNode *node = plan_xml_append_element(list, plan_node->ns, "rom");
        g_autofree char *size = int64_to_string(rom->size);
        g_autofree char *file_size =
            rom->file && rom->file_size >= 0 ? int64_to_string(rom->file_size) : NULL;

        plan_xml_set_prop(node, "device", rom->device);
        plan_xml_set_prop(node, "model", rom->model);
        plan_xml_set_prop(node, "ramblock", rom->ramblock);
        plan_xml_set_prop(node, "file", rom->file);
        plan_xml_set_prop(node, "file-size", file_size);
        plan_xml_set_prop(node, "size", size);
        plan_xml_set_prop(node, "sha256", rom->sha256);
        plan_xml_set_prop(node, "rombar", rom->rombar ? "yes" : "no");
        if (rom->size_pinned)
            plan_xml_set_prop(node, "size-pinned", "yes");
        plan_xml_set_prop(node, "store-file", rom->store_file);
        plan_xml_set_prop(node, "qemu-id", rom->qemu_id);
    }
}

static xmlNode *
record_strings(xmlNode *plan_node, const char *list_name, const char *item_name, const char *file,
               GPtrArray *strings)
{
    xmlNode *list = plan_xml_append_element(plan_node, plan_node->ns, list_name);

    plan_xml_set_prop(list, "file", file);
    for (guint i = 0; strings && i < strings->len; i++)
        set_text(plan_xml_append_element(list, plan_node->ns, item_name),
                 g_ptr_array_index(strings, i));
    return list;
}

static void
record_fw_cfg(xmlNode *plan_node, GPtrArray *fw_cfg)
{
    xmlNode *list;

    if (!fw_cfg)
        return;
    list = plan_xml_append_element(plan_node, plan_node->ns, "fw_cfg");
    for (guint i = 0; i < fw_cfg->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(fw_cfg, i);
        xmlNode *node = plan_xml_append_element(list, plan_node->ns, "file");
        gsize len = 0;
        const guint8 *p = entry->data ? g_bytes_get_data(entry->data, &len) : NULL;
        GString *hex = g_string_sized_new(len * 2 + 1);

        for (gsize j = 0; j < len; j++)
            g_string_append_printf(hex, "%02x", p[j]);
        plan_xml_set_prop(node, "name", entry->name);
        plan_xml_set_prop(node, "origin", entry->origin);
        set_text(node, hex->str);
        g_string_free(hex, TRUE);
    }
}

void
plan_xml_record_plan(xmlNode *domain, const FwnegPlan *plan)
{
    xmlNode *plan_node = replace_plan_element(find_or_create_metadata(domain));

    record_machine(plan_node, plan);
    record_firmware(plan_node, plan);
    record_roms(plan_node, plan->roms);
    gboolean boot_pending = fwneg_plan_pending_reason(plan, "bootorder") != NULL;
    if (plan->bootorder && !boot_pending)
        record_strings(plan_node, "bootorder", "entry", NULL, plan->bootorder);
    record_fw_cfg(plan_node, plan->fw_cfg);
    if (plan->has_fdt)
        record_strings(plan_node, "fdt", "node", plan->fdt_file,
                       boot_pending ? NULL : plan->fdt_nodes);
    /* XML before `virsh define`: what the plan could not say yet, and why. */
    for (guint i = 0; plan->pending && i < plan->pending->len; i++) {
        const FwnegPendingPart *pending = g_ptr_array_index(plan->pending, i);
        xmlNode *node = plan_xml_append_element(plan_node, plan_node->ns, "pending");
        plan_xml_set_prop(node, "part", pending->part);
        set_text(node, pending->reason);
    }
}

/* ---- serializing ---- */

/* The XML declaration of the input, verbatim, or NULL when it has none. */
static char *
input_declaration(const char *xml, gsize xml_len)
{
    const char *p = xml;
    const char *end = xml + xml_len;
    const char *close;

    if (xml_len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    if ((gsize)(end - p) < 6 || memcmp(p, "<?xml", 5) != 0 || !g_ascii_isspace(p[5]))
        return NULL;
    close = g_strstr_len(p, end - p, "?>");
    return close ? g_strndup(p, close + 2 - p) : NULL;
}

static char *
serialize(xmlDoc *doc, const char *declaration)
{
    xmlBuffer *buffer = xmlBufferCreate();
    /* No XML_SAVE_FORMAT: the input's own whitespace is the layout. */
    xmlSaveCtxt *save = xmlSaveToBuffer(buffer, "UTF-8", XML_SAVE_NO_DECL);
    GString *out = g_string_new(NULL);

    xmlSaveDoc(save, doc);
    xmlSaveClose(save);
    if (declaration)
        g_string_append_printf(out, "%s\n", declaration);
    g_string_append_len(out, (const char *)xmlBufferContent(buffer), xmlBufferLength(buffer));
    xmlBufferFree(buffer);
    return g_string_free(out, FALSE);
}

xmlDoc *
plan_xml_parse_domain(const FwnegDomain *domain, const char *xml, gsize xml_len, GError **error)
{
    const char *source = domain && domain->source_name ? domain->source_name : "domain XML";
    g_autoptr(xmlDoc) doc =
        fwneg_xml_parse_safe(xml, xml_len, FWNEG_DOMAIN_XML_MAX_BYTES, source, error);
    xmlNode *root;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!is_element(root, "domain") || root->ns) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: the root element is <%s>, not <domain>; give a libvirt domain XML", source,
                    root ? (const char *)root->name : "(none)");
        return NULL;
    }
    return g_steal_pointer(&doc);
}

char *
plan_xml_serialize_like_input(xmlDoc *doc, const char *xml, gsize xml_len)
{
    g_autofree char *declaration = input_declaration(xml, xml_len);

    return serialize(doc, declaration);
}

char *
fwneg_plan_to_domain_xml(const FwnegPlan *plan, const FwnegDomain *domain, const char *xml,
                         gsize xml_len, GError **error)
{
    g_autoptr(xmlDoc) doc = plan_xml_parse_domain(domain, xml, xml_len, error);
    xmlNode *root;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    apply_firmware(root, plan);
    plan_xml_apply_fw_cfg(root, plan);
    plan_xml_apply_roms(root, plan);
    plan_xml_record_plan(root, plan);
    return plan_xml_serialize_like_input(doc, xml, xml_len);
}

char *
fwneg_domain_xml_reformat(const FwnegDomain *domain, const char *xml, gsize xml_len, GError **error)
{
    g_autoptr(xmlDoc) doc = plan_xml_parse_domain(domain, xml, xml_len, error);

    return doc ? plan_xml_serialize_like_input(doc, xml, xml_len) : NULL;
}

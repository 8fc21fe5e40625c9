/* descriptor-lint.c: everything wrong or suspicious about one descriptor file.
 *
 * Errors are what makes libvirt 9.0 refuse the file (and with it every firmware
 * autoselection on the host) or what makes the chosen firmware fail to start
 * (files that do not exist).  Warnings are accepted but probably not meant.
 */
#include "descriptor-lint.h"

#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

#include "firmware-descriptor.h"
#include "fwneg-options.h"

void
fwneg_lint_finding_free(FwnegLintFinding *finding)
{
    if (finding == NULL)
        return;
    g_free(finding->message);
    g_free(finding);
}

static void add_finding(GPtrArray *findings, FwnegLintSeverity severity, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
add_finding(GPtrArray *findings, FwnegLintSeverity severity, const char *fmt, ...)
{
    FwnegLintFinding *finding = g_new0(FwnegLintFinding, 1);
    va_list args;
    va_start(args, fmt);
    finding->severity = severity;
    finding->message = g_strdup_vprintf(fmt, args);
    va_end(args);
    g_ptr_array_add(findings, finding);
}

static void
check_file_exists(GPtrArray *findings, const char *path, const char *sysroot, const char *member,
                  const char *file)
{
    g_autofree char *real = fwneg_sysroot_path(sysroot, file);
    if (!g_file_test(real, G_FILE_TEST_EXISTS))
        add_finding(findings, FWNEG_LINT_ERROR,
                    "%s: %s: %s does not exist (QEMU would fail to start with this firmware)", path,
                    member, file);
}

/* libvirt ignores nvram-template outside split mode; only the raw JSON shows it. */
static gboolean
has_ignored_template(const char *data)
{
    json_object *root = json_tokener_parse(data);
    json_object *mapping = NULL, *template = NULL;
    gboolean found = root != NULL && json_object_object_get_ex(root, "mapping", &mapping) &&
                     json_object_object_get_ex(mapping, "nvram-template", &template);
    json_object_put(root);
    return found;
}

static void
lint_parsed(GPtrArray *findings, const FwnegFirmwareDescriptor *desc, const char *data,
            const char *sysroot)
{
    const char *path = desc->path;

    if (desc->interface_types->len == 0)
        add_finding(findings, FWNEG_LINT_WARNING,
                    "%s: interface-types: empty list; this descriptor can never be selected", path);
    for (guint i = 0; i < desc->unknown_features->len; i++)
        add_finding(findings, FWNEG_LINT_WARNING,
                    "%s: features: unknown feature '%s' (ignored by libvirt 9.0 when matching)",
                    path, (const char *)g_ptr_array_index(desc->unknown_features, i));

    if (strcmp(desc->device, "igvm") == 0) {
        add_finding(findings, FWNEG_LINT_ERROR,
                    "%s: mapping.device: 'igvm' is unknown to libvirt 9.0, which then fails "
                    "firmware autoselection for every guest; move the file out of the search path",
                    path);
    }

    if (strcmp(desc->device, "flash") == 0) {
        check_file_exists(findings, path, sysroot, "mapping.executable.filename", desc->executable);
        if (strcmp(desc->executable_format, "raw") != 0)
            add_finding(findings, FWNEG_LINT_WARNING,
                        "%s: mapping.executable.format: '%s': libvirt 9.0 only uses raw flash "
                        "images; a guest given this firmware fails to start",
                        path, desc->executable_format);
        if (desc->nvram_template != NULL) {
            check_file_exists(findings, path, sysroot, "mapping.nvram-template.filename",
                              desc->nvram_template);
            if (strcmp(desc->nvram_template_format, "raw") != 0)
                add_finding(findings, FWNEG_LINT_WARNING,
                            "%s: mapping.nvram-template.format: '%s': libvirt 9.0 only uses raw "
                            "NVRAM templates; a guest given this firmware fails to start",
                            path, desc->nvram_template_format);
        } else if (has_ignored_template(data)) {
            add_finding(findings, FWNEG_LINT_WARNING,
                        "%s: mapping.nvram-template: present but mode is '%s'; only split "
                        "firmware has an NVRAM template, so it is ignored",
                        path, desc->mode);
        }
        if (strcmp(desc->mode, "combined") == 0)
            add_finding(findings, FWNEG_LINT_WARNING,
                        "%s: mapping.mode: libvirt 9.0 never selects 'combined' flash firmware",
                        path);
    } else if (strcmp(desc->device, "igvm") != 0) {
        check_file_exists(findings, path, sysroot, "mapping.filename", desc->filename);
    }

    gboolean smm = fwneg_firmware_descriptor_has_feature(desc, "requires-smm");
    gboolean secure_boot = fwneg_firmware_descriptor_has_feature(desc, "secure-boot");
    gboolean enrolled = fwneg_firmware_descriptor_has_feature(desc, "enrolled-keys");
    if (secure_boot != smm || (enrolled && !secure_boot))
        add_finding(findings, FWNEG_LINT_WARNING,
                    "%s: features: invalid set of features for libvirt 9.0 (requires-smm = %d, "
                    "secure-boot = %d, enrolled-keys = %d); libvirt warns whenever it is chosen",
                    path, smm, secure_boot, enrolled);
}

GPtrArray *
fwneg_descriptor_lint_file(const char *path, const char *sysroot)
{
    GPtrArray *findings = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_lint_finding_free);
    g_return_val_if_fail(path != NULL, findings);
    g_autofree char *real = fwneg_sysroot_path(sysroot, path);

    struct stat st;
    if (stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
        add_finding(findings, FWNEG_LINT_ERROR, "%s: not a readable regular file%s", path,
                    stat(real, &st) < 0 ? " (it does not exist)" : "");
        return findings;
    }
    if (st.st_size == 0) {
        add_finding(findings, FWNEG_LINT_WARNING,
                    "%s: empty file: masks lower-priority descriptors of the same name (this is "
                    "how a descriptor is disabled on purpose)",
                    path);
        return findings;
    }
    if (st.st_size > FWNEG_DESCRIPTOR_MAX_BYTES) {
        add_finding(findings, FWNEG_LINT_ERROR,
                    "%s: file is %lld bytes, larger than the 1 MiB libvirt reads", path,
                    (long long)st.st_size);
        return findings;
    }

    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(real, &data, &len, &error)) {
        add_finding(findings, FWNEG_LINT_ERROR, "%s: cannot read: %s", path, error->message);
        return findings;
    }
    g_autoptr(FwnegFirmwareDescriptor) desc =
        fwneg_firmware_descriptor_parse(path, data, len, &error);
    if (desc == NULL) {
        add_finding(findings, FWNEG_LINT_ERROR, "%s", error->message);
        return findings;
    }
    lint_parsed(findings, desc, data, sysroot);
    return findings;
}

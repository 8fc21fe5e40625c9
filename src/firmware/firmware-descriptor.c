/* firmware-descriptor.c: parse one QEMU firmware descriptor with libvirt 9.0's rules.
 *
 * The member rules mirror libvirt 9.0.0's qemuFirmwareParse (checked against the
 * libvirt 9.0.0 daemon installed on Debian 12 and the upstream source of that era):
 * - the root's `interface-types`, `targets` and `features` must be arrays; an
 *   interface that is not one of bios/openfirmware/uboot/uefi fails the file, an
 *   empty list does not;
 * - `mapping.device` must be flash, kernel or memory; flash needs
 *   `executable.{filename,format}`, a `mode` (when present) of split/combined/
 *   stateless, and `nvram-template.{filename,format}` for split only;
 * - every target needs an `architecture` libvirt knows (QEMU's i386/arm map to
 *   libvirt's i686/armv7l; loongarch64 is unknown to 9.0) and a `machines` array;
 * - unknown features are ignored (kept here in unknown_features for lint);
 * - `description` and `tags` are not interpreted.
 * Differences, on purpose: `igvm` (newer QEMU) parses so that fwneg can say why
 * it never matches, and kernel/memory without `filename` is an error (libvirt
 * 9.0 reports it but carries on with a NULL path).
 */
#include "firmware-descriptor.h"

#include <json-c/json.h>
#include <string.h>

#include "fwneg-error.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_tokener, json_tokener_free)

static const char *const known_interfaces[] = {"bios", "openfirmware", "uboot", "uefi", NULL};
static const char *const known_devices[] = {"flash", "kernel", "memory", "igvm", NULL};
static const char *const known_modes[] = {"split", "combined", "stateless", NULL};

/* The features libvirt 9.0 knows (qemuFirmwareFeature); amd-sev-snp, intel-tdx and
 * host-uefi-vars came later and are ignored by 9.0 like any unknown feature. */
static const char *const known_features[] = {
    "acpi-s3",      "acpi-s4",     "amd-sev",         "amd-sev-es",     "enrolled-keys",
    "requires-smm", "secure-boot", "verbose-dynamic", "verbose-static", NULL,
};

/* Architectures virQEMUCapsArchFromString accepts in libvirt 9.0: QEMU's i386, arm
 * and or32 spellings plus every libvirt arch name (virArch). */
static const char *const known_architectures[] = {
    "i386",         "arm",    "or32",   "alpha",    "armv6l",   "armv7l",   "armv7b",
    "aarch64",      "cris",   "i686",   "ia64",     "lm32",     "m68k",     "microblaze",
    "microblazeel", "mips",   "mipsel", "mips64",   "mips64el", "openrisc", "parisc",
    "parisc64",     "ppc",    "ppcle",  "ppc64",    "ppc64le",  "ppcemb",   "riscv32",
    "riscv64",      "s390",   "s390x",  "sh4",      "sh4eb",    "sparc",    "sparc64",
    "unicore32",    "x86_64", "xtensa", "xtensaeb", NULL,
};

static gboolean
str_in_list(const char *const *list, const char *value)
{
    return value != NULL && g_strv_contains(list, value);
}

static void
firmware_target_free(FwnegFirmwareTarget *target)
{
    if (target == NULL)
        return;
    g_free(target->architecture);
    g_clear_pointer(&target->machines, g_ptr_array_unref);
    g_free(target);
}

void
fwneg_firmware_descriptor_free(FwnegFirmwareDescriptor *desc)
{
    if (desc == NULL)
        return;
    g_free(desc->path);
    g_free(desc->name);
    g_free(desc->description);
    g_clear_pointer(&desc->interface_types, g_ptr_array_unref);
    g_free(desc->device);
    g_free(desc->mode);
    g_free(desc->executable);
    g_free(desc->executable_format);
    g_free(desc->nvram_template);
    g_free(desc->nvram_template_format);
    g_free(desc->filename);
    g_clear_pointer(&desc->targets, g_ptr_array_unref);
    g_clear_pointer(&desc->features, g_ptr_array_unref);
    g_clear_pointer(&desc->unknown_features, g_ptr_array_unref);
    g_clear_pointer(&desc->tags, g_ptr_array_unref);
    g_free(desc);
}

static gboolean
ptr_array_has_string(const GPtrArray *array, const char *value)
{
    for (guint i = 0; array != NULL && i < array->len; i++) {
        if (strcmp(g_ptr_array_index(array, i), value) == 0)
            return TRUE;
    }
    return FALSE;
}

gboolean
fwneg_firmware_descriptor_has_feature(const FwnegFirmwareDescriptor *desc, const char *feature)
{
    return desc != NULL && ptr_array_has_string(desc->features, feature);
}

gboolean
fwneg_firmware_descriptor_has_interface(const FwnegFirmwareDescriptor *desc, const char *interface)
{
    return desc != NULL && ptr_array_has_string(desc->interface_types, interface);
}

gboolean
fwneg_firmware_feature_is_known(const char *feature)
{
    return str_in_list(known_features, feature);
}

/* Byte offset → 1-based line and column (columns count bytes, like most editors'
 * "go to" of JSON tooling). */
static void
offset_to_line_col(const char *data, gsize offset, guint *line, guint *col)
{
    *line = 1;
    gsize line_start = 0;
    for (gsize i = 0; i < offset; i++) {
        if (data[i] == '\n') {
            (*line)++;
            line_start = i + 1;
        }
    }
    *col = (guint)(offset - line_start) + 1;
}

static gboolean set_member_error(GError **error, const char *path, const char *member,
                                 const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static gboolean
set_member_error(GError **error, const char *path, const char *member, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, args);
    va_end(args);
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: %s: %s", path, member, text);
    return FALSE;
}

static const char *
json_type_label(json_object *obj)
{
    return obj == NULL ? "null" : json_type_to_name(json_object_get_type(obj));
}

/* A member that must be present and of @type.  Its name for messages is
 * @member_format (e.g. "targets[%zu].machines"), formatted only on error: building
 * member names for every member of every file cost ~10% of loading a large
 * descriptor set (bench/run). */
static json_object *require_member_va(json_object *parent, const char *key, json_type type,
                                      const char *path, GError **error, const char *member_format,
                                      va_list args) G_GNUC_PRINTF(6, 0);

static json_object *
require_member_va(json_object *parent, const char *key, json_type type, const char *path,
                  GError **error, const char *member_format, va_list args)
{
    json_object *value = NULL;
    gboolean present = json_object_is_type(parent, json_type_object) &&
                       json_object_object_get_ex(parent, key, &value);
    if (present && json_object_is_type(value, type))
        return value;
    g_autofree char *member = g_strdup_vprintf(member_format, args);
    if (!present)
        set_member_error(error, path, member, "missing (libvirt requires this member)");
    else
        set_member_error(error, path, member, "expected %s, found %s", json_type_to_name(type),
                         json_type_label(value));
    return NULL;
}

static json_object *require_member(json_object *parent, const char *key, json_type type,
                                   const char *path, GError **error, const char *member_format, ...)
    G_GNUC_PRINTF(6, 7);

static json_object *
require_member(json_object *parent, const char *key, json_type type, const char *path,
               GError **error, const char *member_format, ...)
{
    va_list args;
    va_start(args, member_format);
    json_object *value = require_member_va(parent, key, type, path, error, member_format, args);
    va_end(args);
    return value;
}

static char *require_string(json_object *parent, const char *key, const char *path, GError **error,
                            const char *member_format, ...) G_GNUC_PRINTF(5, 6);

static char *
require_string(json_object *parent, const char *key, const char *path, GError **error,
               const char *member_format, ...)
{
    va_list args;
    va_start(args, member_format);
    json_object *value =
        require_member_va(parent, key, json_type_string, path, error, member_format, args);
    va_end(args);
    return value != NULL ? g_strdup(json_object_get_string(value)) : NULL;
}

static gboolean
parse_interfaces(json_object *root, FwnegFirmwareDescriptor *desc, GError **error)
{
    json_object *array = require_member(root, "interface-types", json_type_array, desc->path, error,
                                        "interface-types");
    if (array == NULL)
        return FALSE;
    desc->interface_types = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < json_object_array_length(array); i++) {
        json_object *item = json_object_array_get_idx(array, i);
        const char *value =
            json_object_is_type(item, json_type_string) ? json_object_get_string(item) : NULL;
        if (!str_in_list(known_interfaces, value)) {
            g_autofree char *member = g_strdup_printf("interface-types[%zu]", i);
            return set_member_error(error, desc->path, member,
                                    "unknown interface type '%s' (known: bios, openfirmware, "
                                    "uboot, uefi); libvirt refuses the whole file",
                                    value ? value : json_object_to_json_string(item));
        }
        g_ptr_array_add(desc->interface_types, g_strdup(value));
    }
    return TRUE;
}

static gboolean
parse_flash_file(json_object *mapping, const char *key, const char *path, char **filename,
                 char **format, GError **error)
{
    json_object *file =
        require_member(mapping, key, json_type_object, path, error, "mapping.%s", key);
    if (file == NULL)
        return FALSE;
    *filename = require_string(file, "filename", path, error, "mapping.%s.filename", key);
    if (*filename == NULL)
        return FALSE;
    *format = require_string(file, "format", path, error, "mapping.%s.format", key);
    return *format != NULL;
}

static gboolean
parse_mapping(json_object *root, FwnegFirmwareDescriptor *desc, GError **error)
{
    json_object *mapping =
        require_member(root, "mapping", json_type_object, desc->path, error, "mapping");
    if (mapping == NULL)
        return FALSE;
    desc->device = require_string(mapping, "device", desc->path, error, "mapping.device");
    if (desc->device == NULL)
        return FALSE;
    if (!str_in_list(known_devices, desc->device))
        return set_member_error(error, desc->path, "mapping.device",
                                "unknown device type '%s' (known: flash, kernel, memory)",
                                desc->device);

    if (strcmp(desc->device, "flash") != 0) {
        /* kernel, memory, igvm: one file. */
        desc->filename = require_string(mapping, "filename", desc->path, error, "mapping.filename");
        return desc->filename != NULL;
    }

    json_object *mode = NULL;
    if (json_object_object_get_ex(mapping, "mode", &mode)) {
        if (!json_object_is_type(mode, json_type_string))
            return set_member_error(error, desc->path, "mapping.mode", "expected string, found %s",
                                    json_type_label(mode));
        desc->mode = g_strdup(json_object_get_string(mode));
        if (!str_in_list(known_modes, desc->mode))
            return set_member_error(error, desc->path, "mapping.mode",
                                    "unknown flash mode '%s' (known: split, combined, stateless)",
                                    desc->mode);
    } else {
        desc->mode = g_strdup("split"); /* the spec's (and libvirt's) historical default */
    }

    if (!parse_flash_file(mapping, "executable", desc->path, &desc->executable,
                          &desc->executable_format, error))
        return FALSE;
    /* libvirt reads the template only for split; elsewhere it is ignored (lint warns). */
    if (strcmp(desc->mode, "split") == 0 &&
        !parse_flash_file(mapping, "nvram-template", desc->path, &desc->nvram_template,
                          &desc->nvram_template_format, error))
        return FALSE;
    return TRUE;
}

static gboolean
parse_targets(json_object *root, FwnegFirmwareDescriptor *desc, GError **error)
{
    json_object *array =
        require_member(root, "targets", json_type_array, desc->path, error, "targets");
    if (array == NULL)
        return FALSE;
    desc->targets = g_ptr_array_new_with_free_func((GDestroyNotify)firmware_target_free);
    for (size_t i = 0; i < json_object_array_length(array); i++) {
        json_object *item = json_object_array_get_idx(array, i);
        FwnegFirmwareTarget *target = g_new0(FwnegFirmwareTarget, 1);
        g_ptr_array_add(desc->targets, target);

        target->architecture =
            require_string(item, "architecture", desc->path, error, "targets[%zu].architecture", i);
        if (target->architecture == NULL)
            return FALSE;
        if (!str_in_list(known_architectures, target->architecture)) {
            g_autofree char *arch_member = g_strdup_printf("targets[%zu].architecture", i);
            return set_member_error(error, desc->path, arch_member,
                                    "unknown architecture '%s' (libvirt 9.0 refuses the whole "
                                    "file; use a QEMU target name such as x86_64, i386, "
                                    "aarch64 or arm)",
                                    target->architecture);
        }
        json_object *machines = require_member(item, "machines", json_type_array, desc->path, error,
                                               "targets[%zu].machines", i);
        if (machines == NULL)
            return FALSE;
        target->machines = g_ptr_array_new_with_free_func(g_free);
        for (size_t j = 0; j < json_object_array_length(machines); j++) {
            json_object *machine = json_object_array_get_idx(machines, j);
            if (!json_object_is_type(machine, json_type_string)) {
                g_autofree char *member = g_strdup_printf("targets[%zu].machines[%zu]", i, j);
                return set_member_error(error, desc->path, member, "expected string, found %s",
                                        json_type_label(machine));
            }
            g_ptr_array_add(target->machines, g_strdup(json_object_get_string(machine)));
        }
    }
    return TRUE;
}

static gboolean
parse_features(json_object *root, FwnegFirmwareDescriptor *desc, GError **error)
{
    json_object *array =
        require_member(root, "features", json_type_array, desc->path, error, "features");
    if (array == NULL)
        return FALSE;
    desc->features = g_ptr_array_new_with_free_func(g_free);
    desc->unknown_features = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < json_object_array_length(array); i++) {
        json_object *item = json_object_array_get_idx(array, i);
        if (json_object_is_type(item, json_type_string) &&
            fwneg_firmware_feature_is_known(json_object_get_string(item)))
            g_ptr_array_add(desc->features, g_strdup(json_object_get_string(item)));
        else
            g_ptr_array_add(desc->unknown_features,
                            g_strdup(json_object_is_type(item, json_type_string)
                                         ? json_object_get_string(item)
                                         : json_object_to_json_string(item)));
    }
    return TRUE;
}

/* Display-only members: kept when well-formed, never an error. */
static void
parse_display_members(json_object *root, FwnegFirmwareDescriptor *desc)
{
    json_object *value = NULL;
    if (json_object_object_get_ex(root, "description", &value) &&
        json_object_is_type(value, json_type_string))
        desc->description = g_strdup(json_object_get_string(value));
    desc->tags = g_ptr_array_new_with_free_func(g_free);
    if (json_object_object_get_ex(root, "tags", &value) &&
        json_object_is_type(value, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(value); i++) {
            json_object *tag = json_object_array_get_idx(value, i);
            if (json_object_is_type(tag, json_type_string))
                g_ptr_array_add(desc->tags, g_strdup(json_object_get_string(tag)));
        }
    }
}

static json_object *
parse_json_document(const char *path, const char *data, gsize len, GError **error)
{
    g_autoptr(json_tokener) tokener = json_tokener_new();
    /* Invalid UTF-8 in a machine glob made g_pattern_match_simple() abort the
     * whole process (GLib assertion; found by tests/fuzz): refuse it here. */
    json_tokener_set_flags(tokener, JSON_TOKENER_VALIDATE_UTF8);
    json_object *root = json_tokener_parse_ex(tokener, data, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tokener);
    gsize end = json_tokener_get_parse_end(tokener);

    if (root == NULL || jerr != json_tokener_success) {
        const char *what = jerr == json_tokener_continue ? "unexpected end of file"
                                                         : json_tokener_error_desc(jerr);
        guint line, col;
        offset_to_line_col(data, MIN(end, len), &line, &col);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s:%u:%u: invalid JSON: %s",
                    path, line, col, what);
        json_object_put(root);
        return NULL;
    }
    /* One document per file: anything but whitespace after it is an error. */
    for (gsize i = end; i < len; i++) {
        if (!g_ascii_isspace(data[i])) {
            guint line, col;
            offset_to_line_col(data, i, &line, &col);
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s:%u:%u: invalid JSON: unexpected data after the top-level value", path,
                        line, col);
            json_object_put(root);
            return NULL;
        }
    }
    if (!json_object_is_type(root, json_type_object)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: top level: expected an object, found %s", path, json_type_label(root));
        json_object_put(root);
        return NULL;
    }
    return root;
}

FwnegFirmwareDescriptor *
fwneg_firmware_descriptor_parse(const char *path, const char *data, gsize len, GError **error)
{
    g_return_val_if_fail(path != NULL && (data != NULL || len == 0), NULL);

    if (len > FWNEG_DESCRIPTOR_MAX_BYTES) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: file is %" G_GSIZE_FORMAT " bytes, larger than the 1 MiB libvirt reads",
                    path, len);
        return NULL;
    }
    if (len == 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: empty file (an empty file only masks same-named descriptors)", path);
        return NULL;
    }

    json_object *root = parse_json_document(path, data, len, error);
    if (root == NULL)
        return NULL;

    g_autoptr(FwnegFirmwareDescriptor) desc = g_new0(FwnegFirmwareDescriptor, 1);
    desc->path = g_strdup(path);
    desc->name = g_path_get_basename(path);

    /* Same order as libvirt, so the first error reported is the one libvirt hits. */
    gboolean ok = parse_interfaces(root, desc, error) && parse_mapping(root, desc, error) &&
                  parse_targets(root, desc, error) && parse_features(root, desc, error);
    if (ok)
        parse_display_members(root, desc);
    json_object_put(root);
    return ok ? g_steal_pointer(&desc) : NULL;
}

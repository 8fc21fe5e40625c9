/* host-facts-parse.c: parsers of `qemu-system-* -version` and `-machine help`.
 *
 * Pure functions over text the emulator printed.  They are fuzzed, so every
 * input — empty, binary, huge, truncated — ends in either a result or a
 * FWNEG_ERROR_INVALID_INPUT that says what was expected.  The prober turns
 * these into FWNEG_ERROR_HOST naming the emulator.
 */
#include "host-facts.h"

#include <string.h>

#include "fwneg-error.h"

/* The real outputs are a few KiB (aarch64 `-machine help` is ~6 KiB); anything
 * this large is not an emulator talking. */
#define MAX_OUTPUT_BYTES (4 * 1024 * 1024)
/* Bounds each version component so "99999999999.1" cannot overflow an int. */
#define MAX_VERSION_COMPONENT 999999

#define VERSION_PREFIX      "QEMU emulator version "
#define MACHINE_HELP_HEADER "Supported machines are:"

void
fwneg_machine_info_free(FwnegMachineInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->name);
    g_free(info->alias_of);
    g_free(info->description);
    g_free(info);
}

void
fwneg_host_facts_free(FwnegHostFacts *facts)
{
    if (facts == NULL)
        return;
    g_free(facts->emulator);
    g_free(facts->version);
    g_clear_pointer(&facts->machines, g_ptr_array_unref);
    g_free(facts);
}

gboolean
fwneg_machine_name_is_valid(const char *name)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > FWNEG_MACHINE_NAME_MAX)
        return FALSE;
    for (const char *p = name; *p != '\0'; p++) {
        if (!g_ascii_isalnum(*p) && strchr("._+-", *p) == NULL)
            return FALSE;
    }
    return TRUE;
}

/* Parse "7.2.22" / "7.2" (micro defaults to 0) at the start of @text; stops at
 * the first character that is neither a digit nor a dot, because old QEMUs
 * glue the package suffix on: "2.11.1(Debian 1:2.11+dfsg-1ubuntu7)". */
gboolean
fwneg_parse_dotted_version(const char *text, int *major, int *minor, int *micro)
{
    gsize len = strspn(text, "0123456789.");
    g_autofree char *token = g_strndup(text, len);
    g_auto(GStrv) parts = g_strsplit(token, ".", -1);
    guint n = g_strv_length(parts);
    guint64 values[3] = {0, 0, 0};

    if (n < 2 || n > 3)
        return FALSE;
    for (guint i = 0; i < n; i++) {
        if (!g_ascii_string_to_unsigned(parts[i], 10, 0, MAX_VERSION_COMPONENT, &values[i], NULL))
            return FALSE;
    }
    *major = (int)values[0];
    *minor = (int)values[1];
    *micro = (int)values[2];
    return TRUE;
}

static gboolean
output_is_text(const char *output, const char *what, GError **error)
{
    if (output == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: no output", what);
        return FALSE;
    }
    gsize len = strnlen(output, MAX_OUTPUT_BYTES + 1);
    if (len > MAX_OUTPUT_BYTES) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: output is larger than %d bytes; this is not QEMU's answer", what,
                    MAX_OUTPUT_BYTES);
        return FALSE;
    }
    if (!g_utf8_validate(output, (gssize)len, NULL)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: output is not UTF-8 text; this is not QEMU's answer", what);
        return FALSE;
    }
    return TRUE;
}

gboolean
fwneg_parse_qemu_version(const char *version_output, FwnegHostFacts *facts, GError **error)
{
    if (!output_is_text(version_output, "-version", error))
        return FALSE;

    /* The banner is the first line today; search all lines so that a warning
     * printed before it (some distributions patch those in) does not matter. */
    g_auto(GStrv) lines = g_strsplit(version_output, "\n", -1);
    for (char **line = lines; *line != NULL; line++) {
        if (!g_str_has_prefix(*line, VERSION_PREFIX))
            continue;
        const char *number = *line + strlen(VERSION_PREFIX);
        int major, minor, micro;
        if (!fwneg_parse_dotted_version(number, &major, &minor, &micro)) {
            g_autofree char *shown = g_strndup(number, 40);
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "-version: expected a version such as 7.2.0 after '%s', found '%s'",
                        VERSION_PREFIX, shown);
            return FALSE;
        }
        g_free(facts->version);
        facts->version = g_strdup_printf("%d.%d.%d", major, minor, micro);
        facts->version_major = major;
        facts->version_minor = minor;
        facts->version_micro = micro;
        return TRUE;
    }
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                "-version: no line starts with '%s'; this is not a QEMU system emulator",
                VERSION_PREFIX);
    return FALSE;
}

/* Remove " MARKER" from the end of @text (in place); TRUE when it was there. */
static gboolean
strip_suffix(char *text, const char *marker)
{
    gsize len = strlen(text), mlen = strlen(marker);
    if (len < mlen || strcmp(text + len - mlen, marker) != 0)
        return FALSE;
    text[len - mlen] = '\0';
    g_strchomp(text);
    return TRUE;
}

/* "(alias of NAME)" at the end of @text: cut it off and return NAME. */
static char *
strip_alias_marker(char *text)
{
    static const char opener[] = "(alias of ";
    gsize len = strlen(text);
    if (len == 0 || text[len - 1] != ')')
        return NULL;
    char *open = g_strrstr(text, opener);
    if (open == NULL)
        return NULL;
    char *target =
        g_strndup(open + strlen(opener), (gsize)(text + len - 1 - (open + strlen(opener))));
    *open = '\0';
    g_strchomp(text);
    return target;
}

/* One line after the header: NAME, spaces, DESCRIPTION [(alias of X)]
 * [(default)] [(deprecated)] — QEMU prints "%-20s %s%s%s" (machine_help_func). */
static FwnegMachineInfo *
parse_machine_line(const char *line, guint line_number, GError **error)
{
    gsize name_len = strcspn(line, " \t");
    g_autofree char *name = g_strndup(line, name_len);

    if (!fwneg_machine_name_is_valid(name)) {
        g_autofree char *shown = g_strndup(line, 60);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "-machine help: line %u: '%s' does not start with a machine type name "
                    "(letters, digits, '.', '_', '+', '-'; at most %d characters)",
                    line_number, shown, FWNEG_MACHINE_NAME_MAX);
        return NULL;
    }

    g_autoptr(FwnegMachineInfo) info = g_new0(FwnegMachineInfo, 1);
    g_autofree char *rest = g_strstrip(g_strdup(line + name_len));

    /* Markers in reverse print order, each at most once. */
    info->is_deprecated = strip_suffix(rest, "(deprecated)");
    info->is_default = strip_suffix(rest, "(default)");
    g_autofree char *alias_of = strip_alias_marker(rest);
    if (alias_of != NULL) {
        if (!fwneg_machine_name_is_valid(alias_of)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "-machine help: line %u: '%s' is an alias of an invalid name '%.60s'",
                        line_number, name, alias_of);
            return NULL;
        }
        if (strcmp(alias_of, name) == 0) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "-machine help: line %u: '%s' is listed as an alias of itself", line_number,
                        name);
            return NULL;
        }
    }
    if (alias_of != NULL && info->is_default) {
        /* QEMU puts "(default)" on the canonical line only. */
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "-machine help: line %u: alias '%s' is marked as the default", line_number,
                    name);
        return NULL;
    }
    info->name = g_steal_pointer(&name);
    info->alias_of = g_steal_pointer(&alias_of);
    info->description = g_steal_pointer(&rest);
    return g_steal_pointer(&info);
}

static FwnegMachineInfo *
find_machine(GPtrArray *machines, const char *name)
{
    for (guint i = 0; i < machines->len; i++) {
        FwnegMachineInfo *info = g_ptr_array_index(machines, i);
        if (strcmp(info->name, name) == 0)
            return info;
    }
    return NULL;
}

/* Cross-line rules: unique names, one default, aliases name a canonical entry. */
static gboolean
check_machine_list(GPtrArray *machines, GError **error)
{
    const char *default_name = NULL;

    if (machines->len == 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "-machine help: '%s' is followed by no machine types", MACHINE_HELP_HEADER);
        return FALSE;
    }
    for (guint i = 0; i < machines->len; i++) {
        FwnegMachineInfo *info = g_ptr_array_index(machines, i);
        if (find_machine(machines, info->name) != info) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "-machine help: machine type '%s' is listed twice", info->name);
            return FALSE;
        }
        if (info->is_default) {
            if (default_name != NULL) {
                g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                            "-machine help: both '%s' and '%s' are marked (default)", default_name,
                            info->name);
                return FALSE;
            }
            default_name = info->name;
        }
        if (info->alias_of != NULL) {
            FwnegMachineInfo *target = find_machine(machines, info->alias_of);
            if (target == NULL || target->alias_of != NULL) {
                g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                            "-machine help: '%s' is an alias of '%s', which is not listed as a "
                            "machine type of its own",
                            info->name, info->alias_of);
                return FALSE;
            }
        }
    }
    return TRUE;
}

GPtrArray *
fwneg_parse_machine_help(const char *machine_help_output, GError **error)
{
    if (!output_is_text(machine_help_output, "-machine help", error))
        return NULL;

    g_autoptr(GPtrArray) machines =
        g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_machine_info_free);
    g_auto(GStrv) lines = g_strsplit(machine_help_output, "\n", -1);
    gboolean seen_header = FALSE;

    for (guint i = 0; lines[i] != NULL; i++) {
        char *line = g_strchomp(lines[i]); /* also drops a '\r' */
        if (!seen_header) {
            /* Lines before the header (warnings) are not ours to judge. */
            seen_header = strcmp(line, MACHINE_HELP_HEADER) == 0;
            continue;
        }
        if (line[0] == '\0')
            continue;
        FwnegMachineInfo *info = parse_machine_line(line, i + 1, error);
        if (info == NULL)
            return NULL;
        g_ptr_array_add(machines, info);
    }
    if (!seen_header) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "-machine help: the line '%s' is missing; this is not a QEMU system "
                    "emulator's machine list",
                    MACHINE_HELP_HEADER);
        return NULL;
    }
    if (!check_machine_list(machines, error))
        return NULL;
    return g_steal_pointer(&machines);
}

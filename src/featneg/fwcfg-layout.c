/* fwcfg-layout.c: see fwcfg-layout.h. */
#include "fwcfg-layout.h"

#include <string.h>

#include "fwneg-error.h"

gboolean
fwneg_fwcfg_name_is_valid(const char *name, GError **error)
{
    if (strlen(name) > FWNEG_FWCFG_NAME_MAX) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "fw_cfg name '%s' is %zu bytes; QEMU allows at most %d", name, strlen(name),
                    FWNEG_FWCFG_NAME_MAX);
        return FALSE;
    }
    if (!g_str_has_prefix(name, "opt/")) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "fw_cfg name '%s' is not under opt/ (the namespace QEMU and libvirt leave "
                    "to users)",
                    name);
        return FALSE;
    }
    g_auto(GStrv) parts = g_strsplit(name, "/", -1);
    for (char **part = parts; *part != NULL; part++) {
        if (**part == '\0' || strcmp(*part, ".") == 0 || strcmp(*part, "..") == 0 ||
            strspn(*part, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
                strlen(*part)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "fw_cfg name '%s': component '%s' must be non-empty, not '.' or '..', "
                        "and use only A-Z a-z 0-9 . _ -",
                        name, *part);
            return FALSE;
        }
    }
    return TRUE;
}

GBytes *
fwneg_fwcfg_encode_words(guint64 *words, guint n_words)
{
    g_return_val_if_fail(n_words >= 1, NULL);
    words[0] = FWNEG_FWCFG_LAYOUT_VERSION;
    guint8 *bytes = g_malloc(8 * (gsize)n_words);
    for (guint i = 0; i < n_words; i++) {
        guint64 le = GUINT64_TO_LE(words[i]);
        memcpy(bytes + 8 * (gsize)i, &le, 8);
    }
    return g_bytes_new_take(bytes, 8 * (gsize)n_words);
}

GBytes *
fwneg_fwcfg_le64(guint64 value)
{
    guint64 le = GUINT64_TO_LE(value);
    return g_bytes_new(&le, 8);
}

/* fwneg-options.c: the shared inputs of every verb, their defaults, and the
 * config file (GKeyFile, group [fwneg]).
 */
#include "fwneg-options.h"

#include <string.h>
#include <sys/stat.h>

#include "fwneg-error.h"

#define CONFIG_GROUP "fwneg"
/* A config file is a handful of lines; this bounds what we read into memory. */
#define CONFIG_MAX_BYTES (1024 * 1024)

/* QEMU's descriptor search path, lowest priority first (docs/interop/firmware.json,
 * "Search path"; reference/descriptors.md §1). */
static const char *const default_firmware_dirs[] = {
    "/usr/share/qemu/firmware",
    "/etc/qemu/firmware",
};

/* Debian 12's QEMU is built with --firmwarepath=/usr/share/qemu:/usr/share/seabios:
 * /usr/lib/ipxe/qemu: `qemu-system-x86_64 -L help` prints these three (relative
 * to /usr/bin/..) and `strings` on the binary shows them verbatim. */
static const char *const default_qemu_firmware_path[] = {
    "/usr/share/qemu",
    "/usr/share/seabios",
    "/usr/lib/ipxe/qemu",
};

/* libvirt 9.0's DEFAULT_LOADER_NVRAM (src/qemu/qemu_conf.c; Debian builds without
 * -Dloader_nvram, and `strings libvirt_driver_qemu.so` shows exactly this list):
 * the NVRAM of a <loader> no descriptor describes is copied from its pair here. */
static const char *const default_legacy_nvram[] = {
    "/usr/share/OVMF/OVMF_CODE.fd:/usr/share/OVMF/OVMF_VARS.fd",
    "/usr/share/OVMF/OVMF_CODE.secboot.fd:/usr/share/OVMF/OVMF_VARS.fd",
    "/usr/share/AAVMF/AAVMF_CODE.fd:/usr/share/AAVMF/AAVMF_VARS.fd",
    "/usr/share/AAVMF/AAVMF32_CODE.fd:/usr/share/AAVMF/AAVMF32_VARS.fd",
};

FwnegOptions *
fwneg_options_new(void)
{
    return g_new0(FwnegOptions, 1);
}

void
fwneg_options_free(FwnegOptions *options)
{
    if (options == NULL)
        return;
    g_clear_pointer(&options->firmware_dirs, g_ptr_array_unref);
    g_clear_pointer(&options->rom_dirs, g_ptr_array_unref);
    g_clear_pointer(&options->qemu_firmware_path, g_ptr_array_unref);
    g_clear_pointer(&options->legacy_nvram, g_ptr_array_unref);
    g_free(options->rom_policy);
    g_free(options->state_dir);
    g_free(options->qemu);
    g_free(options->canonical_machine);
    g_free(options->sysroot);
    g_free(options->xdg_config_home);
    g_free(options->rom_sets_dir);
    g_free(options->data_dir);
    g_clear_pointer(&options->ovmf_settings, g_hash_table_unref);
    g_free(options->hook_log);
    g_free(options);
}

static GPtrArray *
copy_paths(const GPtrArray *paths)
{
    GPtrArray *copy = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < paths->len; i++)
        g_ptr_array_add(copy, g_strdup(g_ptr_array_index(paths, i)));
    return copy;
}

static GPtrArray *
paths_from_table(const char *const *table, gsize n)
{
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    for (gsize i = 0; i < n; i++)
        g_ptr_array_add(paths, g_strdup(table[i]));
    return paths;
}

GPtrArray *
fwneg_options_firmware_dirs(const FwnegOptions *options)
{
    if (options->firmware_dirs != NULL)
        return copy_paths(options->firmware_dirs);

    GPtrArray *dirs = paths_from_table(default_firmware_dirs, G_N_ELEMENTS(default_firmware_dirs));
    if (options->xdg_config_home != NULL && options->xdg_config_home[0] != '\0')
        g_ptr_array_add(dirs, g_build_filename(options->xdg_config_home, "qemu", "firmware", NULL));
    return dirs;
}

GPtrArray *
fwneg_options_qemu_firmware_path(const FwnegOptions *options)
{
    if (options->qemu_firmware_path != NULL)
        return copy_paths(options->qemu_firmware_path);
    return paths_from_table(default_qemu_firmware_path, G_N_ELEMENTS(default_qemu_firmware_path));
}

GPtrArray *
fwneg_options_legacy_nvram(const FwnegOptions *options)
{
    if (options->legacy_nvram != NULL)
        return copy_paths(options->legacy_nvram);
    return paths_from_table(default_legacy_nvram, G_N_ELEMENTS(default_legacy_nvram));
}

static gboolean
sysroot_is_root(const char *sysroot)
{
    if (sysroot == NULL || sysroot[0] == '\0')
        return TRUE;
    return strspn(sysroot, "/") == strlen(sysroot);
}

char *
fwneg_options_sysroot_path(const FwnegOptions *options, const char *host_path)
{
    return fwneg_sysroot_path(options->sysroot, host_path);
}

/* The kernel's limit (MAXSYMLINKS) for one lookup. */
#define SYSROOT_MAX_SYMLINKS 40

/* Push the components of @path (in order) in front of @pending. */
static void
push_components(GQueue *pending, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    for (gssize i = (gssize)g_strv_length(parts) - 1; i >= 0; i--) {
        if (parts[i][0] != '\0' && strcmp(parts[i], ".") != 0)
            g_queue_push_head(pending, g_strdup(parts[i]));
    }
}

char *
fwneg_sysroot_path(const char *sysroot, const char *host_path)
{
    if (sysroot_is_root(sysroot))
        return g_strdup(host_path);

    /* Resolve as if @sysroot were "/" (a chroot, like openat2's RESOLVE_IN_ROOT),
     * one component at a time: ".." stops at the sysroot, and a symlink inside it
     * is followed inside it too, an absolute target starting again at the
     * sysroot.  A plain prefix would let "/../../etc/shadow" named in a
     * descriptor, or a sysroot symlink to /etc/shadow, read the host's file
     * (tests/hostile).  What does not exist is kept as written: it fails later
     * with ENOENT inside the sysroot. */
    g_autoptr(GQueue) pending = g_queue_new();
    g_autoptr(GPtrArray) resolved = g_ptr_array_new_with_free_func(g_free);
    guint links = 0;
    push_components(pending, host_path);
    while (!g_queue_is_empty(pending)) {
        g_autofree char *part = g_queue_pop_head(pending);
        if (strcmp(part, "..") == 0) {
            if (resolved->len > 0)
                g_ptr_array_remove_index(resolved, resolved->len - 1);
            continue;
        }
        g_ptr_array_add(resolved, g_steal_pointer(&part));
        g_ptr_array_add(resolved, NULL);
        g_autofree char *inside = g_strjoinv("/", (char **)resolved->pdata);
        g_ptr_array_remove_index(resolved, resolved->len - 1);
        g_autofree char *real = g_build_filename(sysroot, inside, NULL);
        struct stat st;
        if (lstat(real, &st) != 0 || !S_ISLNK(st.st_mode))
            continue;
        g_autofree char *target = g_file_read_link(real, NULL);
        g_ptr_array_remove_index(resolved, resolved->len - 1); /* the link itself */
        if (target == NULL || ++links > SYSROOT_MAX_SYMLINKS) {
            /* A loop (or an unreadable link): a name that cannot exist, so the
             * caller's open fails instead of following the link on the host. */
            g_queue_clear_full(pending, g_free);
            g_ptr_array_set_size(resolved, 0);
            g_ptr_array_add(resolved, g_strdup("(too many levels of symbolic links)"));
            break;
        }
        if (g_path_is_absolute(target))
            g_ptr_array_set_size(resolved, 0);
        push_components(pending, target);
    }
    g_ptr_array_add(resolved, NULL);
    g_autofree char *inside = g_strjoinv("/", (char **)resolved->pdata);
    return g_build_filename(sysroot, "/", inside, NULL);
}

/* The line of the first syntax error: GKeyFile stops at the first bad line, so
 * a prefix of whole lines parses iff it ends before that line; binary search. */
static guint
find_syntax_error_line(const char *data, gsize len)
{
    g_autoptr(GArray) line_ends = g_array_new(FALSE, FALSE, sizeof(gsize));
    for (gsize i = 0; i < len; i++) {
        if (data[i] == '\n')
            g_array_append_val(line_ends, i);
    }
    g_array_append_val(line_ends, len);

    guint good = 0, bad = line_ends->len; /* lines [1..good] parse; [1..bad] does not */
    while (bad - good > 1) {
        guint mid = good + (bad - good) / 2;
        g_autoptr(GKeyFile) probe = g_key_file_new();
        gsize prefix = g_array_index(line_ends, gsize, mid - 1);
        if (g_key_file_load_from_data(probe, data, prefix, G_KEY_FILE_NONE, NULL))
            good = mid;
        else
            bad = mid;
    }
    return bad;
}

static gboolean
read_config(const char *path, gboolean must_exist, GKeyFile *keyfile, gboolean *found,
            GError **error)
{
    g_autoptr(GError) local_error = NULL;
    g_autofree char *data = NULL;
    gsize len = 0;

    *found = FALSE;
    if (!g_file_get_contents(path, &data, &len, &local_error)) {
        if (!must_exist && g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE;
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "cannot read config file: %s",
                    local_error->message);
        return FALSE;
    }
    if (len > CONFIG_MAX_BYTES) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: config file is larger than %d bytes", path, CONFIG_MAX_BYTES);
        return FALSE;
    }
    if (!g_key_file_load_from_data(keyfile, data, len, G_KEY_FILE_NONE, &local_error)) {
        guint line = find_syntax_error_line(data, len);
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s:%u: %s", path, line,
                    local_error->message);
        return FALSE;
    }
    *found = TRUE;
    return TRUE;
}

static gboolean
check_absolute(const char *path, const char *key, const char *value, GError **error)
{
    if (g_path_is_absolute(value))
        return TRUE;
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                "%s: [" CONFIG_GROUP "] %s: '%s' is not an absolute path", path, key, value);
    return FALSE;
}

/* Fill *@slot from a list key unless the command line already set it. */
static gboolean
apply_path_list(GKeyFile *keyfile, const char *path, const char *key, GPtrArray **slot,
                GError **error)
{
    if (*slot != NULL || !g_key_file_has_key(keyfile, CONFIG_GROUP, key, NULL))
        return TRUE;

    g_autoptr(GError) local_error = NULL;
    gsize n = 0;
    g_auto(GStrv) values = g_key_file_get_string_list(keyfile, CONFIG_GROUP, key, &n, &local_error);
    if (values == NULL && local_error != NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: [" CONFIG_GROUP "] %s: %s",
                    path, key, local_error->message);
        return FALSE;
    }
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
    for (gsize i = 0; i < n; i++) {
        g_autofree char *value = g_strstrip(g_strdup(values[i]));
        if (value[0] == '\0')
            continue; /* "a;;b" or a trailing ';' */
        if (!check_absolute(path, key, value, error))
            return FALSE;
        g_ptr_array_add(list, g_steal_pointer(&value));
    }
    *slot = g_steal_pointer(&list);
    return TRUE;
}

/* Fill *@slot from a string key unless the command line already set it. */
static gboolean
apply_string(GKeyFile *keyfile, const char *path, const char *key, gboolean is_path, char **slot,
             GError **error)
{
    if (*slot != NULL || !g_key_file_has_key(keyfile, CONFIG_GROUP, key, NULL))
        return TRUE;

    g_autoptr(GError) local_error = NULL;
    g_autofree char *value = g_key_file_get_string(keyfile, CONFIG_GROUP, key, &local_error);
    if (value == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: [" CONFIG_GROUP "] %s: %s",
                    path, key, local_error->message);
        return FALSE;
    }
    g_strstrip(value);
    if (value[0] == '\0') {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: [" CONFIG_GROUP "] %s is empty; remove the key to use the default", path,
                    key);
        return FALSE;
    }
    if (is_path && !check_absolute(path, key, value, error))
        return FALSE;
    *slot = g_steal_pointer(&value);
    return TRUE;
}

static const char *const known_keys[] = {
    "firmware-dirs", "rom-dirs",     "rom-policy",
    "state-dir",     "qemu",         "qemu-firmware-path",
    "legacy-nvram",  "rom-sets-dir", "uefi-virtio-net-without-rom",
    "data-dir",      NULL,
};

/* legacy-nvram: like qemu.conf's nvram (virFirmwareParse), each item is exactly
 * LOADER:VARS; an empty value is an empty list. */
static gboolean
apply_legacy_nvram(GKeyFile *keyfile, const char *path, GPtrArray **slot, GError **error)
{
    gboolean from_file = *slot == NULL;
    if (!apply_path_list(keyfile, path, "legacy-nvram", slot, error))
        return FALSE;
    for (guint i = 0; from_file && *slot != NULL && i < (*slot)->len; i++) {
        const char *item = g_ptr_array_index(*slot, i);
        g_auto(GStrv) pair = g_strsplit(item, ":", 0);
        if (g_strv_length(pair) != 2 || !g_path_is_absolute(pair[0]) ||
            !g_path_is_absolute(pair[1])) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: [" CONFIG_GROUP "] legacy-nvram: '%s' is not LOADER:VARS (two "
                        "absolute paths separated by ':', items separated by ';')",
                        path, item);
            g_clear_pointer(slot, g_ptr_array_unref);
            return FALSE;
        }
    }
    return TRUE;
}

/* [ovmf]: every key kept as written; the fw_cfg stage knows the settings and
 * their values (data/firmware.d/feature-ovmf-knobs.json) and rejects the rest. */
static gboolean
apply_ovmf_group(GKeyFile *keyfile, const char *path, FwnegOptions *options, GError **error)
{
    if (options->ovmf_settings != NULL || !g_key_file_has_group(keyfile, "ovmf"))
        return TRUE;
    g_autoptr(GHashTable) settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_auto(GStrv) keys = g_key_file_get_keys(keyfile, "ovmf", NULL, NULL);
    for (char **key = keys; key != NULL && *key != NULL; key++) {
        g_autoptr(GError) local_error = NULL;
        g_autofree char *value = g_key_file_get_string(keyfile, "ovmf", *key, &local_error);
        if (value == NULL) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT, "%s: [ovmf] %s: %s", path,
                        *key, local_error->message);
            return FALSE;
        }
        g_hash_table_insert(settings, g_strdup(*key), g_strdup(g_strstrip(value)));
    }
    options->ovmf_settings = g_steal_pointer(&settings);
    return TRUE;
}

const char *
fwneg_hook_manage_to_string(FwnegHookManage manage)
{
    switch (manage) {
    case FWNEG_HOOK_MANAGE_ALL:
        return "all";
    case FWNEG_HOOK_MANAGE_NONE:
        return "none";
    case FWNEG_HOOK_MANAGE_RECORDED:
        break;
    }
    return "recorded";
}

/* [hook]: only the hook reads it, but one parser keeps the file's rules (and
 * its error messages) the same for every front end.  fwneg-hook's libc-only
 * entry point reads manage= on its own to decide whether to start the worker;
 * it hands anything it does not understand to the worker, which ends here. */
static gboolean
apply_hook_group(GKeyFile *keyfile, const char *path, FwnegOptions *options, GError **error)
{
    static const char *const hook_keys[] = {"manage", "timeout", "log", NULL};
    if (!g_key_file_has_group(keyfile, "hook"))
        return TRUE;
    g_auto(GStrv) keys = g_key_file_get_keys(keyfile, "hook", NULL, NULL);
    for (char **key = keys; key != NULL && *key != NULL; key++) {
        if (!g_strv_contains(hook_keys, *key)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: [hook] has an unknown key '%s' (known: manage, timeout, log)", path,
                        *key);
            return FALSE;
        }
    }
    if (g_key_file_has_key(keyfile, "hook", "manage", NULL)) {
        g_autofree char *raw = g_key_file_get_string(keyfile, "hook", "manage", NULL);
        const char *value = raw != NULL ? g_strstrip(raw) : "";
        if (strcmp(value, "recorded") == 0)
            options->hook_manage = FWNEG_HOOK_MANAGE_RECORDED;
        else if (strcmp(value, "all") == 0)
            options->hook_manage = FWNEG_HOOK_MANAGE_ALL;
        else if (strcmp(value, "none") == 0)
            options->hook_manage = FWNEG_HOOK_MANAGE_NONE;
        else {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: [hook] manage: unknown value '%s' (known: recorded, all, none)", path,
                        value);
            return FALSE;
        }
    }
    if (g_key_file_has_key(keyfile, "hook", "timeout", NULL)) {
        g_autofree char *value = g_key_file_get_string(keyfile, "hook", "timeout", NULL);
        guint64 seconds = 0;
        if (value == NULL || !g_ascii_string_to_unsigned(g_strstrip(value), 10, 1,
                                                         FWNEG_HOOK_MAX_TIMEOUT, &seconds, NULL)) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: [hook] timeout: '%s' is not a number of seconds from 1 to %d", path,
                        value ? value : "", FWNEG_HOOK_MAX_TIMEOUT);
            return FALSE;
        }
        options->hook_timeout = (guint)seconds;
    }
    if (g_key_file_has_key(keyfile, "hook", "log", NULL)) {
        g_autofree char *value = g_key_file_get_string(keyfile, "hook", "log", NULL);
        if (value == NULL || !g_path_is_absolute(g_strstrip(value))) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: [hook] log: '%s' is not an absolute path", path, value ? value : "");
            return FALSE;
        }
        g_free(options->hook_log);
        options->hook_log = g_steal_pointer(&value);
    }
    return TRUE;
}

/* A typo must not silently fall back to a default. */
static gboolean
check_known_keys(GKeyFile *keyfile, const char *path, GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(keyfile, CONFIG_GROUP, NULL, NULL);
    for (char **key = keys; key != NULL && *key != NULL; key++) {
        if (!g_strv_contains((const char *const *)known_keys, *key)) {
            g_autofree char *known = g_strjoinv(", ", (char **)known_keys);
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: [" CONFIG_GROUP "] has an unknown key '%s' (known: %s)", path, *key,
                        known);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean
fwneg_options_load_config(FwnegOptions *options, const char *path, gboolean must_exist,
                          GError **error)
{
    g_autoptr(GKeyFile) keyfile = g_key_file_new();
    gboolean found = FALSE;

    if (!read_config(path, must_exist, keyfile, &found, error))
        return FALSE;
    if (!found)
        return TRUE;
    if (!apply_ovmf_group(keyfile, path, options, error) ||
        !apply_hook_group(keyfile, path, options, error))
        return FALSE;
    /* Other groups are left to other tools and to later versions. */
    if (!g_key_file_has_group(keyfile, CONFIG_GROUP))
        return TRUE;
    if (!check_known_keys(keyfile, path, error))
        return FALSE;
    gboolean policy_from_file = options->rom_policy == NULL;

    if (!apply_path_list(keyfile, path, "firmware-dirs", &options->firmware_dirs, error) ||
        !apply_path_list(keyfile, path, "rom-dirs", &options->rom_dirs, error) ||
        !apply_path_list(keyfile, path, "qemu-firmware-path", &options->qemu_firmware_path,
                         error) ||
        !apply_string(keyfile, path, "rom-policy", FALSE, &options->rom_policy, error) ||
        !apply_string(keyfile, path, "state-dir", TRUE, &options->state_dir, error) ||
        !apply_string(keyfile, path, "qemu", TRUE, &options->qemu, error) ||
        !apply_legacy_nvram(keyfile, path, &options->legacy_nvram, error) ||
        !apply_string(keyfile, path, "rom-sets-dir", TRUE, &options->rom_sets_dir, error) ||
        !apply_string(keyfile, path, "data-dir", TRUE, &options->data_dir, error))
        return FALSE;
    /* Operators whose UEFI firmware drives virtio-net itself can drop the ROM (ROM policy). */
    if (g_key_file_has_key(keyfile, CONFIG_GROUP, "uefi-virtio-net-without-rom", NULL)) {
        g_autoptr(GError) bool_error = NULL;
        gboolean value = g_key_file_get_boolean(keyfile, CONFIG_GROUP,
                                                "uefi-virtio-net-without-rom", &bool_error);
        if (bool_error != NULL) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: [" CONFIG_GROUP
                        "] uefi-virtio-net-without-rom: %s (use true or false)",
                        path, bool_error->message);
            return FALSE;
        }
        options->uefi_virtio_net_without_rom = value;
    }

    /* The command line's value is the front end's to check. */
    if (policy_from_file && options->rom_policy != NULL &&
        strcmp(options->rom_policy, "default") != 0 && strcmp(options->rom_policy, "qemu") != 0) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: [" CONFIG_GROUP "] rom-policy: unknown policy '%s' (known: default, "
                    "qemu)",
                    path, options->rom_policy);
        return FALSE;
    }
    return TRUE;
}

/* fwcfg-plan.c: the fw_cfg stage (see fwcfg-plan.h).
 *
 * Entries, sorted by name as QEMU (>= 2.6) orders its file directory:
 *   - every QEMU-published feature domain offering a non-zero bitmap for the
 *     machine type: supported (LE u64), requested (8 zero bytes) and features-ok
 *     (1: what a reader sees before requesting anything), as a paused QEMU shows
 *     them through fw_cfg (origin "qemu");
 *   - one file per fwneg-published file name (opt/org.fwneg/features): layout
 *     version + one LE u64 word per domain (fwcfg-layout.h), always present so the
 *     name set does not change with the guest's settings (origin "fwneg");
 *   - OVMF knobs from [ovmf] (origin "fwneg");
 *   - etc/boot-menu-wait, QEMU's file for -boot splash-time (origin "qemu").
 * Everything is a function of the canonical machine type, the QEMU version that
 * machine type implies, the guest config and the chosen firmware's features.
 */
#include "fwcfg-plan.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic-file.h"
#include "fwcfg-layout.h"
#include "fwcfg-ovmf.h"
#include "fwcfg-slots.h"
#include "fwneg-config.h"
#include "fwneg-error.h"

char *
fwneg_fwcfg_feature_dir(const FwnegOptions *options)
{
    const char *data_dir =
        options != NULL && options->data_dir != NULL ? options->data_dir : FWNEG_DATADIR;
    return g_build_filename(data_dir, "firmware.d", NULL);
}

static gboolean
domain_has_ramfb(const FwnegDomain *domain)
{
    for (guint i = 0; domain->videos != NULL && i < domain->videos->len; i++) {
        const FwnegVideo *video = g_ptr_array_index(domain->videos, i);
        if (g_strcmp0(video->model, "ramfb") == 0)
            return TRUE;
    }
    return FALSE;
}

void
fwneg_fwcfg_file_free(FwnegFwCfgFile *file)
{
    if (file == NULL)
        return;
    g_free(file->name);
    g_free(file->origin);
    g_clear_pointer(&file->data, g_bytes_unref);
    g_free(file->file);
    g_free(file);
}

void
fwneg_fwcfg_set_free(FwnegFwCfgSet *set)
{
    if (set == NULL)
        return;
    g_clear_pointer(&set->files, g_ptr_array_unref);
    g_free(set->state_dir);
    g_free(set);
}

FwnegFeatureContext *
fwneg_fwcfg_context_new(const FwnegDomain *domain, const FwnegFirmwareChoice *firmware,
                        const char *qemu_version, const char *canonical_machine)
{
    FwnegFeatureContext *ctx = fwneg_feature_context_new(canonical_machine, qemu_version);
    const FwnegFirmwareChoice *fw = firmware;
    gboolean uefi = fw != NULL ? g_strcmp0(fw->interface, "uefi") == 0
                               : domain->firmware == FWNEG_OS_FIRMWARE_EFI;

    fwneg_feature_context_set(ctx, uefi ? "uefi" : "bios");
    if (domain->smm == FWNEG_TRISTATE_YES || (fw != NULL && fw->requires_smm))
        fwneg_feature_context_set(ctx, "smm");
    if (g_strcmp0(domain->launch_security, "sev") == 0)
        fwneg_feature_context_set(ctx, "sev");
    if (domain->acpi)
        fwneg_feature_context_set(ctx, "acpi");
    if (domain->kernel != NULL)
        fwneg_feature_context_set(ctx, "direct-kernel");
    /* libvirt 9.0 emits -boot menu=on,splash-time=N only with enable='yes' and a
     * timeout; QEMU then creates etc/boot-menu-wait. */
    if (domain->bootmenu_enable == FWNEG_TRISTATE_YES && domain->bootmenu_timeout != FWNEG_UNSET)
        fwneg_feature_context_set(ctx, "boot-menu-timeout");
    if (domain_has_ramfb(domain))
        fwneg_feature_context_set(ctx, "ramfb");
    if (domain->suspend_to_mem == FWNEG_TRISTATE_YES)
        fwneg_feature_context_set(ctx, "s3");
    if (domain->suspend_to_disk == FWNEG_TRISTATE_YES)
        fwneg_feature_context_set(ctx, "s4");
    for (guint i = 0; fw != NULL && fw->features != NULL && i < fw->features->len; i++)
        fwneg_feature_context_add_feature(ctx, g_ptr_array_index(fw->features, i));
    return ctx;
}

static void
add_entry(GPtrArray *entries, const char *name, const char *origin, GBytes *data)
{
    FwnegFwCfgFile *entry = g_new0(FwnegFwCfgFile, 1);
    entry->name = g_strdup(name);
    entry->origin = g_strdup(origin);
    entry->data = data;
    g_ptr_array_add(entries, entry);
}

static void
add_qemu_domain(GPtrArray *entries, const FwnegFeatureDomain *domain, guint64 value)
{
    static const guint8 zero[8] = {0};
    static const guint8 one = 1;
    /* QEMU creates the triple only when it offers something (lpc_ich9.c realize). */
    if (value == 0)
        return;
    add_entry(entries, domain->supported_file, "qemu", fwneg_fwcfg_le64(value));
    add_entry(entries, domain->requested_file, "qemu", g_bytes_new(zero, 8));
    /* Selecting features-ok runs QEMU's validation of requested-features
     * (smi_features_ok_callback); with nothing requested (0) it passes, so every
     * reader that has not written a request sees 1 (checked live by tests/fwcfg). */
    add_entry(entries, domain->features_ok_file, "qemu", g_bytes_new(&one, 1));
}

/* One file per name fwneg-published domains use, with every domain's word. */
static void
add_fwneg_files(GPtrArray *entries, const FwnegFeatureData *data, const FwnegFeatureContext *ctx)
{
    g_autoptr(GPtrArray) files = g_ptr_array_new();
    for (guint i = 0; i < data->domains->len; i++) {
        const FwnegFeatureDomain *domain = g_ptr_array_index(data->domains, i);
        if (domain->publisher == FWNEG_FEATURE_PUBLISHER_FWNEG &&
            !g_ptr_array_find_with_equal_func(files, domain->file, g_str_equal, NULL))
            g_ptr_array_add(files, domain->file);
    }
    for (guint f = 0; f < files->len; f++) {
        const char *file = g_ptr_array_index(files, f);
        guint64 words[FWNEG_FWCFG_MAX_WORDS] = {0};
        guint n_words = 1;
        for (guint i = 0; i < data->domains->len; i++) {
            const FwnegFeatureDomain *domain = g_ptr_array_index(data->domains, i);
            if (domain->publisher != FWNEG_FEATURE_PUBLISHER_FWNEG ||
                strcmp(domain->file, file) != 0)
                continue;
            words[domain->word] = fwneg_feature_domain_evaluate(domain, ctx, NULL);
            n_words = MAX(n_words, domain->word + 1);
        }
        add_entry(entries, file, "fwneg", fwneg_fwcfg_encode_words(words, n_words));
    }
}

static gint
compare_entries(gconstpointer a, gconstpointer b)
{
    const FwnegFwCfgFile *x = *(FwnegFwCfgFile *const *)a;
    const FwnegFwCfgFile *y = *(FwnegFwCfgFile *const *)b;
    return strcmp(x->name, y->name);
}

/* -boot splash-time=MS becomes etc/boot-menu-wait, a little-endian u16
 * (hw/nvram/fw_cfg.c fw_cfg_bootsplash).  libvirt 9.0 passes it only with
 * <bootmenu enable='yes' timeout='MS'/>. */
static void
add_boot_menu_wait(GPtrArray *entries, const FwnegDomain *domain)
{
    if (domain->bootmenu_enable != FWNEG_TRISTATE_YES || domain->bootmenu_timeout == FWNEG_UNSET)
        return;
    guint16 wait = GUINT16_TO_LE((guint16)domain->bootmenu_timeout);
    add_entry(entries, "etc/boot-menu-wait", "qemu", g_bytes_new(&wait, sizeof(wait)));
}

/* STATE_DIR/fwcfg/<uuid>/<name>: per guest, so two guests never share a file. */
static void
assign_files(FwnegFwCfgSet *set, const FwnegOptions *options, const FwnegDomain *domain)
{
    const char *state_dir = options != NULL && options->state_dir != NULL ? options->state_dir
                                                                          : FWNEG_DEFAULT_STATE_DIR;
    set->state_dir = g_strdup(state_dir);
    const char *id = domain->uuid != NULL   ? domain->uuid
                     : domain->name != NULL ? domain->name
                                            : "guest";
    for (guint i = 0; i < set->files->len; i++) {
        FwnegFwCfgFile *entry = g_ptr_array_index(set->files, i);
        if (g_strcmp0(entry->origin, "fwneg") == 0)
            entry->file =
                g_build_filename(state_dir, FWNEG_FWCFG_STATE_SUBDIR, id, entry->name, NULL);
    }
}

FwnegFwCfgSet *
fwneg_fwcfg_plan(const FwnegDomain *domain, const char *canonical_machine,
                 const FwnegFwCfgInputs *inputs, GPtrArray *warnings, GError **error)
{
    const FwnegFeatureData *data = inputs->data;
    g_autoptr(FwnegFeatureContext) ctx = fwneg_fwcfg_context_new(
        domain, inputs->firmware, inputs->qemu_version, canonical_machine);
    g_autoptr(FwnegFwCfgSet) set = g_new0(FwnegFwCfgSet, 1);
    set->files = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_fwcfg_file_free);
    GPtrArray *entries = set->files;

    for (guint i = 0; i < data->domains->len; i++) {
        const FwnegFeatureDomain *feature_domain = g_ptr_array_index(data->domains, i);
        if (feature_domain->publisher != FWNEG_FEATURE_PUBLISHER_QEMU)
            continue;
        gboolean undecidable = FALSE;
        guint64 value = fwneg_feature_domain_evaluate(feature_domain, ctx, &undecidable);
        if (undecidable)
            g_ptr_array_add(warnings,
                            g_strdup_printf("fw_cfg: machine type %s has no version fwneg can "
                                            "compare; QEMU's '%s' feature files (%s) are not "
                                            "predicted for it",
                                            canonical_machine, feature_domain->name,
                                            feature_domain->supported_file));
        add_qemu_domain(entries, feature_domain, value);
    }
    add_fwneg_files(entries, data, ctx);
    const FwnegOptions *options = inputs->options;
    if (!fwneg_fwcfg_ovmf_entries(data, options != NULL ? options->ovmf_settings : NULL, ctx,
                                  entries, error))
        return NULL;
    add_boot_menu_wait(entries, domain);
    assign_files(set, options, domain);

    /* In QEMU's directory order. */
    g_ptr_array_sort(entries, compare_entries);
    for (guint i = 1; i < entries->len; i++) {
        const FwnegFwCfgFile *a = g_ptr_array_index(entries, i - 1);
        const FwnegFwCfgFile *b = g_ptr_array_index(entries, i);
        if (strcmp(a->name, b->name) == 0) {
            /* QEMU exits with "duplicate fw_cfg file name"; the data is wrong. */
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "fw_cfg: two entries are named '%s' (origins %s and %s); fix the "
                        "feature data in firmware.d/feature-*.json",
                        a->name, a->origin, b->origin);
            return NULL;
        }
    }
    if (!fwneg_fwcfg_check_slots(data, ctx, inputs->genroms, set, error))
        return NULL;
    return g_steal_pointer(&set);
}

/* Does @path already hold exactly @len bytes of @data, as a regular file (not a
 * link) of mode 0644?  Then rewriting it would change nothing but cost two
 * fsyncs: repeated plans of an unchanged guest write nothing. */
static gboolean
file_already_holds(const char *path, const void *data, gsize len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return FALSE;
    struct stat st;
    gboolean same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644 &&
                    st.st_size == (off_t)len;
    if (same && len > 0) {
        g_autofree guint8 *current = g_malloc(len);
        gsize got = 0;
        while (got < len) {
            ssize_t n = read(fd, current + got, len - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (gsize)n;
        }
        same = got == len && memcmp(current, data, len) == 0;
    }
    close(fd);
    return same;
}

gboolean
fwneg_fwcfg_write_files(GPtrArray *files, const char *state_dir, GError **error)
{
    for (guint i = 0; files != NULL && i < files->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(files, i);
        if (entry->file == NULL || entry->data == NULL)
            continue;
        g_autofree char *dir = g_path_get_dirname(entry->file);
        gsize len = 0;
        const void *bytes = g_bytes_get_data(entry->data, &len);
        /* Create STATE_DIR/fwcfg/<id>/… level by level, refusing a symlink at the
         * state dir or any level below it (a link would redirect the files). */
        g_autofree char *prefix = state_dir ? g_strconcat(state_dir, "/", NULL) : NULL;
        gboolean made = prefix != NULL && g_str_has_prefix(dir, prefix)
                            ? fwneg_ensure_state_subdir(state_dir, dir + strlen(prefix), 0755,
                                                        error)
                            : fwneg_ensure_state_dir(dir, 0755, error);
        if (!made)
            return FALSE;
        if (file_already_holds(entry->file, bytes, len))
            continue;
        if (!fwneg_atomic_write(entry->file, bytes, len, 0644, error))
            return FALSE;
    }
    return TRUE;
}

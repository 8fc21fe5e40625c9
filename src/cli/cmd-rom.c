/* cmd-rom.c: `fwneg rom export|import` — move ROMs between hosts' stores.
 *   fwneg rom export --to DIR SHA256|RECORD.json …   copy store files to DIR/<sha256>
 *   fwneg rom import FILE …                           hash FILE, copy it into the store
 * A migration target that lacks a recorded ROM imports the source's copy. */
#include <stdio.h>
#include <string.h>

#include "atomic-file.h"
#include "cli-common.h"
#include "fwneg-error.h"
#include "record.h"
#include "rom-image.h"
#include "rom-store.h"

/* The sha256s an export argument names: itself, or every ROM of a record file. */
static gboolean
export_names(const char *arg, GPtrArray *out, GError **error)
{
    if (fwneg_rom_store_name_is_valid(arg)) {
        g_ptr_array_add(out, g_strdup(arg));
        return TRUE;
    }
    g_autoptr(FwnegPlan) plan = fwneg_record_read_file(arg, error);
    if (plan == NULL) {
        g_prefix_error(error, "%s is neither a sha256 nor a fwneg record: ", arg);
        return FALSE;
    }
    for (guint i = 0; i < plan->roms->len; i++) {
        FwnegDeviceRom *rom = g_ptr_array_index(plan->roms, i);
        if (rom->sha256 != NULL)
            g_ptr_array_add(out, g_strdup(rom->sha256));
    }
    return TRUE;
}

static int
rom_export(const char *state_dir, const char *to, char **names)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) shas = g_ptr_array_new_with_free_func(g_free);

    for (char **n = names; *n != NULL; n++)
        if (!export_names(*n, shas, &error))
            return fwneg_cli_report_error(error);
    if (g_mkdir_with_parents(to, 0755) != 0) {
        fprintf(stderr, "fwneg: rom export: cannot create %s\n", to);
        return 1;
    }
    for (guint i = 0; i < shas->len; i++) {
        const char *sha = g_ptr_array_index(shas, i);
        g_autofree char *stored = fwneg_rom_store_lookup(state_dir, sha);
        if (stored == NULL) {
            fprintf(stderr,
                    "fwneg: rom export: %s is not in the ROM store %s/roms (run "
                    "`fwneg record` for the VM first)\n",
                    sha, state_dir);
            return 1;
        }
        /* Check on the way out too: a damaged store file must not travel. */
        g_autoptr(FwnegRomImage) image = fwneg_rom_image_read(stored, stored, TRUE, &error);
        if (image == NULL)
            return fwneg_cli_report_error(error);
        if (strcmp(image->sha256, sha) != 0) {
            fprintf(stderr, "fwneg: rom export: store file %s is damaged (its sha256 is %s)\n",
                    stored, image->sha256);
            return 1;
        }
        g_autofree char *target = g_build_filename(to, sha, NULL);
        gsize len = 0;
        const void *data = g_bytes_get_data(image->contents, &len);
        if (!fwneg_atomic_write(target, data, len, 0644, &error))
            return fwneg_cli_report_error(error);
        printf("%s  %s\n", sha, target);
    }
    return 0;
}

static int
rom_import(const char *state_dir, char **files)
{
    g_autoptr(GError) error = NULL;
    for (char **f = files; *f != NULL; f++) {
        g_autofree char *sha = NULL;
        /* A file exported under its hash must still have that hash. */
        g_autofree char *base = g_path_get_basename(*f);
        const char *expected = fwneg_rom_store_name_is_valid(base) ? base : NULL;
        g_autofree char *stored = fwneg_rom_store_put(state_dir, *f, expected, &sha, &error);
        if (stored == NULL)
            return fwneg_cli_report_error(error);
        printf("%s  %s\n", sha, stored);
    }
    return 0;
}

int
fwneg_cmd_rom(int argc, char **argv)
{
    g_auto(FwnegCliArgs) args = {0};
    g_autofree char *to = NULL;
    g_autoptr(GError) error = NULL;
    const GOptionEntry entries[] = {
        {"to", 0, 0, G_OPTION_ARG_FILENAME, &to, "export: directory to copy the ROMs to", "DIR"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("export|import ARG…");
    g_option_context_set_summary(context,
                                 "export --to DIR SHA256|RECORD.json…: copy ROMs out of the "
                                 "store\nimport FILE…: copy ROM files into the store (as "
                                 "STATE_DIR/roms/<sha256>)");
    g_option_context_add_main_entries(context, entries, NULL);
    fwneg_cli_add_common_options(context, &args);
    if (!g_option_context_parse(context, &argc, &argv, &error) || argc < 3) {
        fprintf(stderr, "fwneg: rom: %s\n",
                error ? error->message : "expected export|import and at least one argument");
        return 2;
    }
    g_autoptr(FwnegOptions) options = fwneg_cli_build_options(&args, &error);
    if (options == NULL)
        return fwneg_cli_report_error(error);
    const char *state_dir = options->state_dir ? options->state_dir : FWNEG_DEFAULT_STATE_DIR;
    if (strcmp(argv[1], "export") == 0) {
        if (to == NULL) {
            fprintf(stderr, "fwneg: rom export: --to DIR is required\n");
            return 2;
        }
        return rom_export(state_dir, to, argv + 2);
    }
    if (strcmp(argv[1], "import") == 0)
        return rom_import(state_dir, argv + 2);
    fprintf(stderr, "fwneg: rom: unknown action '%s' (known: export, import)\n", argv[1]);
    return 2;
}

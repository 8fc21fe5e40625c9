/* test-options: defaults, sysroot mapping and the config file (precedence,
 * errors that name file and line). */
#include <stdarg.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "fwneg-error.h"
#include "fwneg-options.h"

static char *
join_paths(GPtrArray *paths)
{
    g_autoptr(GString) text = g_string_new(NULL);
    for (guint i = 0; i < paths->len; i++)
        g_string_append_printf(text, "%s%s", i ? ":" : "", (char *)g_ptr_array_index(paths, i));
    return g_string_free(g_steal_pointer(&text), FALSE);
}

static GPtrArray *
paths_of(const char *first, ...)
{
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    va_list args;
    va_start(args, first);
    for (const char *p = first; p != NULL; p = va_arg(args, const char *))
        g_ptr_array_add(paths, g_strdup(p));
    va_end(args);
    return paths;
}

/* A config file with @text in a fresh temp dir; the dir path in *@dir. */
static char *
write_config(const char *text, char **dir)
{
    g_autoptr(GError) error = NULL;
    *dir = g_dir_make_tmp("fwneg-options-XXXXXX", &error);
    g_assert_no_error(error);
    char *path = g_build_filename(*dir, "fwneg.conf", NULL);
    g_assert_true(g_file_set_contents(path, text, -1, &error));
    return path;
}

static void
remove_config(const char *path, const char *dir)
{
    g_unlink(path);
    g_rmdir(dir);
}

static void
test_firmware_dirs_defaults(void)
{
    g_autoptr(FwnegOptions) options = fwneg_options_new();

    g_autoptr(GPtrArray) plain = fwneg_options_firmware_dirs(options);
    g_autofree char *plain_text = join_paths(plain);
    g_assert_cmpstr(plain_text, ==, "/usr/share/qemu/firmware:/etc/qemu/firmware");

    options->xdg_config_home = g_strdup("/home/user/.config");
    g_autoptr(GPtrArray) with_xdg = fwneg_options_firmware_dirs(options);
    g_autofree char *xdg_text = join_paths(with_xdg);
    g_assert_cmpstr(xdg_text, ==,
                    "/usr/share/qemu/firmware:/etc/qemu/firmware:"
                    "/home/user/.config/qemu/firmware");

    /* --firmware-dir replaces the whole path, XDG included. */
    options->firmware_dirs = paths_of("/a", "/b", NULL);
    g_autoptr(GPtrArray) given = fwneg_options_firmware_dirs(options);
    g_autofree char *given_text = join_paths(given);
    g_assert_cmpstr(given_text, ==, "/a:/b");
    /* A copy: the caller may free it without touching the options. */
    g_assert_true(given != options->firmware_dirs);
}

static void
test_qemu_firmware_path(void)
{
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    g_autoptr(GPtrArray) defaults = fwneg_options_qemu_firmware_path(options);
    g_autofree char *text = join_paths(defaults);
    g_assert_cmpstr(text, ==, "/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu");

    options->qemu_firmware_path = paths_of("/opt/fw", NULL);
    g_autoptr(GPtrArray) given = fwneg_options_qemu_firmware_path(options);
    g_autofree char *given_text = join_paths(given);
    g_assert_cmpstr(given_text, ==, "/opt/fw");
}

static void
assert_sysroot(const char *sysroot, const char *host_path, const char *expected)
{
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    options->sysroot = g_strdup(sysroot);
    g_autofree char *mapped = fwneg_options_sysroot_path(options, host_path);
    g_assert_cmpstr(mapped, ==, expected);
}

static void
test_sysroot_path(void)
{
    assert_sysroot(NULL, "/usr/share/qemu", "/usr/share/qemu");
    assert_sysroot("/", "/usr/share/qemu", "/usr/share/qemu");
    assert_sysroot("///", "/usr/share/qemu", "/usr/share/qemu");
    assert_sysroot("", "/usr/share/qemu", "/usr/share/qemu");
    assert_sysroot("/srv/root", "/usr/share/qemu/firmware", "/srv/root/usr/share/qemu/firmware");
    assert_sysroot("/srv/root/", "/usr/share/qemu", "/srv/root/usr/share/qemu");
    assert_sysroot("/srv/root//", "//usr//share/qemu/", "/srv/root/usr/share/qemu");
    /* ".." cannot climb out of the sysroot. */
    assert_sysroot("/srv/root", "/../../etc/shadow", "/srv/root/etc/shadow");
    assert_sysroot("/srv/root", "/usr/share/../lib/ipxe", "/srv/root/usr/lib/ipxe");
}

static void
test_config_fills_unset(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *path = write_config("# fwneg test config\n"
                                         "[fwneg]\n"
                                         "firmware-dirs=/etc/fw1;/etc/fw2;\n"
                                         "rom-dirs=/roms\n"
                                         "rom-policy=qemu\n"
                                         "state-dir=/var/lib/fwneg-test\n"
                                         "qemu=/opt/qemu/bin/qemu-system-x86_64\n"
                                         "qemu-firmware-path=/opt/qemu/share\n"
                                         "\n"
                                         "[other-tool]\n"
                                         "anything=goes\n",
                                         &dir);
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    g_autoptr(GError) error = NULL;

    g_assert_true(fwneg_options_load_config(options, path, TRUE, &error));
    g_assert_no_error(error);
    g_autofree char *fw = join_paths(options->firmware_dirs);
    g_assert_cmpstr(fw, ==, "/etc/fw1:/etc/fw2");
    g_autofree char *roms = join_paths(options->rom_dirs);
    g_assert_cmpstr(roms, ==, "/roms");
    g_autofree char *qfw = join_paths(options->qemu_firmware_path);
    g_assert_cmpstr(qfw, ==, "/opt/qemu/share");
    g_assert_cmpstr(options->rom_policy, ==, "qemu");
    g_assert_cmpstr(options->state_dir, ==, "/var/lib/fwneg-test");
    g_assert_cmpstr(options->qemu, ==, "/opt/qemu/bin/qemu-system-x86_64");
    remove_config(path, dir);
}

static void
test_config_command_line_wins(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *path = write_config("[fwneg]\n"
                                         "firmware-dirs=/from/config\n"
                                         "rom-policy=qemu\n"
                                         "state-dir=/from/config/state\n",
                                         &dir);
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    g_autoptr(GError) error = NULL;
    options->firmware_dirs = paths_of("/from/cli", NULL);
    options->rom_policy = g_strdup("default");

    g_assert_true(fwneg_options_load_config(options, path, TRUE, &error));
    g_assert_no_error(error);
    g_autofree char *fw = join_paths(options->firmware_dirs);
    g_assert_cmpstr(fw, ==, "/from/cli");
    g_assert_cmpstr(options->rom_policy, ==, "default");
    g_assert_cmpstr(options->state_dir, ==, "/from/config/state");
    g_assert_null(options->qemu);
    remove_config(path, dir);
}

static void
test_config_missing(void)
{
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    g_autoptr(GError) error = NULL;
    const char *path = "/nonexistent/fwneg-test/fwneg.conf";

    g_assert_true(fwneg_options_load_config(options, path, FALSE, &error));
    g_assert_no_error(error);
    g_assert_null(options->state_dir);

    g_assert_false(fwneg_options_load_config(options, path, TRUE, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_nonnull(strstr(error->message, path));
    g_assert_cmpint(fwneg_error_exit_status(error), ==, 2);
}

static void
assert_config_error(const char *text, const char *expected_after_path)
{
    g_autofree char *dir = NULL;
    g_autofree char *path = write_config(text, &dir);
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    g_autoptr(GError) error = NULL;

    g_assert_false(fwneg_options_load_config(options, path, TRUE, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_autofree char *expected = g_strconcat(path, expected_after_path, NULL);
    if (!g_str_has_prefix(error->message, expected))
        g_error("expected an error starting with '%s', got '%s'", expected, error->message);
    remove_config(path, dir);
}

static void
test_config_syntax_error_names_line(void)
{
    assert_config_error("[fwneg]\n"
                        "qemu=/usr/bin/qemu-system-x86_64\n"
                        "this line is not a key-value pair\n"
                        "state-dir=/x\n",
                        ":3: ");
    assert_config_error("key-before-any-group=1\n[fwneg]\n", ":1: ");
    assert_config_error("[fwneg]\n# comment\n\n[bad group\n", ":4: ");
    /* The last line without a newline. */
    assert_config_error("[fwneg]\nrom-policy=qemu\nbroken", ":3: ");
}

static void
test_config_bad_values(void)
{
    assert_config_error("[fwneg]\nfirmware-dir=/typo\n",
                        ": [fwneg] has an unknown key 'firmware-dir'");
    assert_config_error("[fwneg]\nstate-dir=relative/state\n",
                        ": [fwneg] state-dir: 'relative/state' is not an absolute path");
    assert_config_error("[fwneg]\nfirmware-dirs=/ok;relative\n",
                        ": [fwneg] firmware-dirs: 'relative' is not an absolute path");
    assert_config_error("[fwneg]\nrom-policy=fastest\n",
                        ": [fwneg] rom-policy: unknown policy 'fastest'");
    assert_config_error("[fwneg]\nqemu=\n", ": [fwneg] qemu is empty");
}

static void
test_config_hook_group(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *path = write_config("[fwneg]\nstate-dir=/x\n[hook]\nmanage = all\n"
                                         "timeout=7\nlog=/var/log/fwneg-hook.log\n",
                                         &dir);
    g_autoptr(FwnegOptions) options = fwneg_options_new();
    g_autoptr(GError) error = NULL;
    g_assert_cmpint(options->hook_manage, ==, FWNEG_HOOK_MANAGE_RECORDED); /* the default */
    g_assert_true(fwneg_options_load_config(options, path, TRUE, &error));
    g_assert_no_error(error);
    g_assert_cmpint(options->hook_manage, ==, FWNEG_HOOK_MANAGE_ALL);
    g_assert_cmpstr(fwneg_hook_manage_to_string(options->hook_manage), ==, "all");
    g_assert_cmpuint(options->hook_timeout, ==, 7);
    g_assert_cmpstr(options->hook_log, ==, "/var/log/fwneg-hook.log");
    remove_config(path, dir);

    assert_config_error("[hook]\nmanage=some\n",
                        ": [hook] manage: unknown value 'some' (known: recorded, all, none)");
    assert_config_error("[hook]\ntimeout=0\n", ": [hook] timeout: '0' is not a number of seconds");
    assert_config_error("[hook]\ntimeout=601\n", ": [hook] timeout: '601' is not a number");
    assert_config_error("[hook]\nlog=hook.log\n",
                        ": [hook] log: 'hook.log' is not an absolute path");
    assert_config_error("[hook]\ntiemout=3\n", ": [hook] has an unknown key 'tiemout'");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/options/firmware-dirs/defaults", test_firmware_dirs_defaults);
    g_test_add_func("/options/qemu-firmware-path", test_qemu_firmware_path);
    g_test_add_func("/options/sysroot-path", test_sysroot_path);
    g_test_add_func("/options/config/fills-unset", test_config_fills_unset);
    g_test_add_func("/options/config/command-line-wins", test_config_command_line_wins);
    g_test_add_func("/options/config/missing", test_config_missing);
    g_test_add_func("/options/config/syntax-error-names-line", test_config_syntax_error_names_line);
    g_test_add_func("/options/config/bad-values", test_config_bad_values);
    g_test_add_func("/options/config/hook-group", test_config_hook_group);
    return g_test_run();
}

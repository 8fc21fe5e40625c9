/* test-host-facts: the -version / -machine help parsers against outputs
 * captured from this host's QEMU 7.2 (tests/data/host-facts/), garbage, live
 * probes of the installed emulators, the probe cache and its invalidation,
 * and the timeout that cuts off an emulator that never answers. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>

#include "fwneg-error.h"
#include "host-facts.h"
#include "test-util.h"

/* ---- helpers -------------------------------------------------------------- */

static FwnegHostFacts *
facts_from_fixtures(const char *arch)
{
    g_autofree char *version_name = g_strdup_printf("%s-version.txt", arch);
    g_autofree char *help_name = g_strdup_printf("%s-machine-help.txt", arch);
    g_autofree char *version = fwneg_test_read_data("host-facts", version_name);
    g_autofree char *help = fwneg_test_read_data("host-facts", help_name);
    g_autoptr(GError) error = NULL;
    FwnegHostFacts *facts = g_new0(FwnegHostFacts, 1);

    facts->emulator = g_strdup_printf("/usr/bin/qemu-system-%s", arch);
    g_assert_true(fwneg_parse_qemu_version(version, facts, &error));
    g_assert_no_error(error);
    facts->machines = fwneg_parse_machine_help(help, &error);
    g_assert_no_error(error);
    g_assert_nonnull(facts->machines);
    return facts;
}

static const FwnegMachineInfo *
find_machine(GPtrArray *machines, const char *name)
{
    for (guint i = 0; i < machines->len; i++) {
        const FwnegMachineInfo *info = g_ptr_array_index(machines, i);
        if (strcmp(info->name, name) == 0)
            return info;
    }
    return NULL;
}

static char *
cache_file_for(const char *cache_dir, const char *emulator)
{
    g_autofree char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, emulator, -1);
    g_autofree char *name = g_strdup_printf("host-facts-%s.json", digest);
    return g_build_filename(cache_dir, name, NULL);
}

static void
write_executable(const char *path, const char *text)
{
    g_autoptr(GError) error = NULL;
    g_assert_true(g_file_set_contents(path, text, -1, &error));
    g_assert_cmpint(g_chmod(path, 0755), ==, 0);
}

/* ---- -version ------------------------------------------------------------- */

static void
assert_version(const char *output, const char *expected, int major, int minor, int micro)
{
    g_autoptr(FwnegHostFacts) facts = g_new0(FwnegHostFacts, 1);
    g_autoptr(GError) error = NULL;
    g_assert_true(fwneg_parse_qemu_version(output, facts, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(facts->version, ==, expected);
    g_assert_cmpint(facts->version_major, ==, major);
    g_assert_cmpint(facts->version_minor, ==, minor);
    g_assert_cmpint(facts->version_micro, ==, micro);
}

static void
test_parse_version(void)
{
    g_autofree char *x86 = fwneg_test_read_data("host-facts", "x86_64-version.txt");
    assert_version(x86, "7.2.22", 7, 2, 22);
    g_autofree char *arm = fwneg_test_read_data("host-facts", "aarch64-version.txt");
    assert_version(arm, "7.2.22", 7, 2, 22);
    /* Older QEMUs glue the package version on without a space. */
    assert_version("QEMU emulator version 2.11.1(Debian 1:2.11+dfsg-1ubuntu7)\n", "2.11.1", 2, 11,
                   1);
    assert_version("QEMU emulator version 8.0\n", "8.0.0", 8, 0, 0);
    assert_version("warning: something\nQEMU emulator version 9.1.50 (v9.1.0-123)\n", "9.1.50", 9,
                   1, 50);
}

static void
assert_version_rejected(const char *output)
{
    g_autoptr(FwnegHostFacts) facts = g_new0(FwnegHostFacts, 1);
    g_autoptr(GError) error = NULL;
    g_assert_false(fwneg_parse_qemu_version(output, facts, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_true(g_str_has_prefix(error->message, "-version: "));
    g_assert_null(facts->version);
}

static void
test_parse_version_garbage(void)
{
    assert_version_rejected(NULL);
    assert_version_rejected("");
    assert_version_rejected("\n\n");
    assert_version_rejected("qemu-system-x86_64: -version: invalid option\n");
    assert_version_rejected("QEMU emulator version \n");
    assert_version_rejected("QEMU emulator version 7\n");
    assert_version_rejected("QEMU emulator version 7.\n");
    assert_version_rejected("QEMU emulator version .2.3\n");
    assert_version_rejected("QEMU emulator version 1.2.3.4\n");
    assert_version_rejected("QEMU emulator version 99999999999999999999.1\n");
    assert_version_rejected("QEMU emulator version 7..2\n");
    assert_version_rejected("QEMU emulator version 7.2.\xff\n");
    assert_version_rejected(" QEMU emulator version 7.2.0\n");
}

/* ---- -machine help -------------------------------------------------------- */

static void
test_parse_machines_x86_64(void)
{
    g_autofree char *help = fwneg_test_read_data("host-facts", "x86_64-machine-help.txt");
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) machines = fwneg_parse_machine_help(help, &error);
    g_assert_no_error(error);

    /* Every line after the header is one machine. */
    g_auto(GStrv) lines = g_strsplit(g_strstrip(help), "\n", -1);
    g_assert_cmpuint(machines->len, ==, g_strv_length(lines) - 1);

    const FwnegMachineInfo *first = g_ptr_array_index(machines, 0);
    g_assert_cmpstr(first->name, ==, "microvm");
    g_assert_cmpstr(first->description, ==, "microvm (i386)");

    const FwnegMachineInfo *pc = find_machine(machines, "pc");
    g_assert_nonnull(pc);
    g_assert_cmpstr(pc->alias_of, ==, "pc-i440fx-7.2");
    g_assert_false(pc->is_default);
    g_assert_cmpstr(pc->description, ==, "Standard PC (i440FX + PIIX, 1996)");

    const FwnegMachineInfo *q35 = find_machine(machines, "q35");
    g_assert_cmpstr(q35->alias_of, ==, "pc-q35-7.2");

    const FwnegMachineInfo *i440fx = find_machine(machines, "pc-i440fx-7.2");
    g_assert_true(i440fx->is_default);
    g_assert_null(i440fx->alias_of);
    g_assert_false(i440fx->is_deprecated);
    g_assert_cmpstr(i440fx->description, ==, "Standard PC (i440FX + PIIX, 1996)");

    const FwnegMachineInfo *old = find_machine(machines, "pc-i440fx-1.7");
    g_assert_true(old->is_deprecated);
    g_assert_false(old->is_default);
    g_assert_cmpstr(old->description, ==, "Standard PC (i440FX + PIIX, 1996)");

    g_assert_nonnull(find_machine(machines, "pc-q35-4.0.1"));
    const FwnegMachineInfo *none = find_machine(machines, "none");
    g_assert_cmpstr(none->description, ==, "empty machine");
    g_assert_nonnull(find_machine(machines, "x-remote"));

    guint defaults = 0;
    for (guint i = 0; i < machines->len; i++)
        defaults += ((FwnegMachineInfo *)g_ptr_array_index(machines, i))->is_default;
    g_assert_cmpuint(defaults, ==, 1);
}

static void
test_parse_machines_aarch64(void)
{
    g_autofree char *help = fwneg_test_read_data("host-facts", "aarch64-machine-help.txt");
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) machines = fwneg_parse_machine_help(help, &error);
    g_assert_no_error(error);

    const FwnegMachineInfo *virt = find_machine(machines, "virt");
    g_assert_cmpstr(virt->alias_of, ==, "virt-7.2");
    g_assert_cmpstr(virt->description, ==, "QEMU 7.2 ARM Virtual Machine");
    const FwnegMachineInfo *virt72 = find_machine(machines, "virt-7.2");
    g_assert_null(virt72->alias_of);
    g_assert_false(virt72->is_default);
    /* A long description with no markers stays whole. */
    const FwnegMachineInfo *zcu = find_machine(machines, "xlnx-zcu102");
    g_assert_cmpstr(zcu->description, ==,
                    "Xilinx ZynqMP ZCU102 board with 4xA53s and 2xR5Fs based on the value of smp");
    for (guint i = 0; i < machines->len; i++)
        g_assert_false(((FwnegMachineInfo *)g_ptr_array_index(machines, i))->is_default);
}

static void
test_parse_machines_variants(void)
{
    g_autoptr(GError) error = NULL;
    /* CRLF line ends, a warning before the header, a name longer than 20
     * columns (one space only), a name without description, all markers. */
    const char *text = "qemu: warning: something\r\n"
                       "Supported machines are:\r\n"
                       "a-very-long-machine-name-indeed Long one\r\n"
                       "bare\r\n"
                       "m                    Alias (alias of m-1.0)\r\n"
                       "m-1.0                Desc (default) (deprecated)\r\n"
                       "\r\n";
    g_autoptr(GPtrArray) machines = fwneg_parse_machine_help(text, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(machines->len, ==, 4);
    g_assert_cmpstr(find_machine(machines, "a-very-long-machine-name-indeed")->description, ==,
                    "Long one");
    g_assert_cmpstr(find_machine(machines, "bare")->description, ==, "");
    g_assert_cmpstr(find_machine(machines, "m")->alias_of, ==, "m-1.0");
    const FwnegMachineInfo *m10 = find_machine(machines, "m-1.0");
    g_assert_true(m10->is_default);
    g_assert_true(m10->is_deprecated);
    g_assert_cmpstr(m10->description, ==, "Desc");
}

static void
assert_machines_rejected(const char *text, const char *expected_fragment)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) machines = fwneg_parse_machine_help(text, &error);
    g_assert_null(machines);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    if (strstr(error->message, expected_fragment) == NULL)
        g_error("expected '%s' in '%s'", expected_fragment, error->message);
}

static void
test_parse_machines_garbage(void)
{
    assert_machines_rejected(NULL, "no output");
    assert_machines_rejected("", "is missing");
    assert_machines_rejected("pc   Standard PC\n", "is missing");
    assert_machines_rejected("Supported machines are:\n", "followed by no machine types");
    assert_machines_rejected("Supported machines are:\n  indented   x\n",
                             "line 2: '  indented   x' does not start with a machine type");
    assert_machines_rejected("Supported machines are:\npc$1  x\n", "line 2");
    assert_machines_rejected("Supported machines are:\nq35  x (alias of pc-q35-9.9)\n",
                             "'q35' is an alias of 'pc-q35-9.9', which is not listed");
    assert_machines_rejected("Supported machines are:\na  x (alias of b)\nb  y (alias of a)\n",
                             "which is not listed as a machine type of its own");
    assert_machines_rejected("Supported machines are:\na  x (alias of a)\n", "alias of itself");
    assert_machines_rejected("Supported machines are:\na  x (alias of b) (default)\nb  y\n",
                             "alias 'a' is marked as the default");
    assert_machines_rejected("Supported machines are:\na  x\na  y\n", "listed twice");
    assert_machines_rejected("Supported machines are:\na  x (default)\nb  y (default)\n",
                             "both 'a' and 'b' are marked (default)");
    assert_machines_rejected("Supported machines are:\na  x (alias of b$)\nb  y\n", "invalid name");
    assert_machines_rejected("Supported machines are:\n\xc3\x28  x\n", "not UTF-8");

    g_autofree char *long_name = g_strnfill(FWNEG_MACHINE_NAME_MAX + 1, 'a');
    g_autofree char *long_text = g_strdup_printf("Supported machines are:\n%s  x\n", long_name);
    assert_machines_rejected(long_text, "at most 64 characters");
}

/* Fuzz-style: every truncation and many byte mutations of the real output must
 * give a result or an error, never a crash (ASan builds check the rest). */
static void
test_parse_machines_mutations(void)
{
    g_autofree char *help = fwneg_test_read_data("host-facts", "x86_64-machine-help.txt");
    gsize len = strlen(help);
    GRand *rand = g_rand_new_with_seed(20221118);
    guint accepted = 0, rejected = 0;

    for (gsize cut = 0; cut <= len; cut += 3) {
        g_autofree char *prefix = g_strndup(help, cut);
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) machines = fwneg_parse_machine_help(prefix, &error);
        g_assert_true((machines != NULL) != (error != NULL));
        if (machines != NULL)
            accepted++;
        else
            rejected++;
    }
    for (guint round = 0; round < 2000; round++) {
        g_autofree char *copy = g_strdup(help);
        for (guint k = 0; k < 4; k++)
            copy[g_rand_int_range(rand, 0, (gint32)len)] = (char)g_rand_int_range(rand, 1, 256);
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) machines = fwneg_parse_machine_help(copy, &error);
        g_assert_true((machines != NULL) != (error != NULL));
        g_autoptr(FwnegHostFacts) facts = g_new0(FwnegHostFacts, 1);
        g_autoptr(GError) version_error = NULL;
        gboolean ok = fwneg_parse_qemu_version(copy, facts, &version_error);
        g_assert_true(ok != (version_error != NULL));
    }
    g_rand_free(rand);
    /* Both outcomes happen: the truncations are not all judged alike. */
    g_assert_cmpuint(accepted, >, 0);
    g_assert_cmpuint(rejected, >, 0);
}

/* ---- canonicalize --------------------------------------------------------- */

static void
assert_canonical(const FwnegHostFacts *facts, const char *machine, const char *expected)
{
    g_autoptr(GError) error = NULL;
    const char *canonical = fwneg_host_facts_canonicalize(facts, machine, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(canonical, ==, expected);
}

static void
test_canonicalize_x86_64(void)
{
    g_autoptr(FwnegHostFacts) facts = facts_from_fixtures("x86_64");
    assert_canonical(facts, NULL, "pc-i440fx-7.2");
    assert_canonical(facts, "pc", "pc-i440fx-7.2");
    assert_canonical(facts, "q35", "pc-q35-7.2");
    assert_canonical(facts, "pc-q35-6.2", "pc-q35-6.2");
    assert_canonical(facts, "pc-q35-4.0.1", "pc-q35-4.0.1");
    assert_canonical(facts, "none", "none");

    g_autoptr(GError) error = NULL;
    g_assert_null(fwneg_host_facts_canonicalize(facts, "foo", &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_cmpstr(error->message, ==,
                    "machine type 'foo' is not supported by /usr/bin/qemu-system-x86_64 (QEMU "
                    "7.2.22); known: pc, q35, pc-i440fx-7.2, pc-q35-7.2, microvm, "
                    "pc-i440fx-7.1, pc-i440fx-7.0, pc-i440fx-6.2, pc-i440fx-6.1, pc-i440fx-6.0, "
                    "… (61 in all)");
    g_assert_cmpint(fwneg_error_exit_status(error), ==, 1);

    /* Names are case-sensitive in QEMU. */
    g_clear_error(&error);
    g_assert_null(fwneg_host_facts_canonicalize(facts, "Q35", &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
}

static void
test_canonicalize_aarch64(void)
{
    g_autoptr(FwnegHostFacts) facts = facts_from_fixtures("aarch64");
    /* QEMU marks no default on aarch64: libvirt's choice, virt, is used. */
    assert_canonical(facts, NULL, "virt-7.2");
    assert_canonical(facts, "virt", "virt-7.2");
    assert_canonical(facts, "virt-6.2", "virt-6.2");
}

static void
test_canonicalize_no_default(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegHostFacts) facts = g_new0(FwnegHostFacts, 1);
    facts->emulator = g_strdup("/usr/bin/qemu-system-foo");
    facts->version = g_strdup("7.2.0");
    facts->machines =
        fwneg_parse_machine_help("Supported machines are:\nboard1  A\nboard2  B\n", &error);
    g_assert_no_error(error);
    g_assert_null(fwneg_host_facts_canonicalize(facts, NULL, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_nonnull(strstr(error->message, "and /usr/bin/qemu-system-foo has no default one"));
    g_assert_nonnull(strstr(error->message, "known: board1, board2"));
}

/* ---- --canonical-machine -------------------------------------------------- */

static void
test_from_canonical(void)
{
    static const struct {
        const char *canonical, *version, *alias;
    } cases[] = {
        {"pc-q35-7.2", "7.2.0", "q35"},
        {"pc-i440fx-2.12", "2.12.0", "pc"},
        {"virt-7.2", "7.2.0", "virt"},
        {"pc-q35-4.0.1", "4.0.1", "q35"},
        {"virt", "0.0.0", NULL}, /* riscv64: the one, unversioned virt */
        {"microvm", "0.0.0", NULL},
        {"pseries-7.2", "7.2.0", NULL},
        {"s390-ccw-virtio-7.2", "7.2.0", NULL},
        {"pc-q35-7.2-custom", "0.0.0", NULL},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(FwnegHostFacts) facts =
            fwneg_host_facts_from_canonical(cases[i].canonical, "riscv64", &error);
        g_assert_no_error(error);
        g_assert_null(facts->emulator);
        g_assert_cmpstr(facts->version, ==, cases[i].version);
        g_assert_cmpuint(facts->machines->len, ==, cases[i].alias ? 2 : 1);
        assert_canonical(facts, NULL, cases[i].canonical);
        assert_canonical(facts, cases[i].canonical, cases[i].canonical);
        if (cases[i].alias != NULL) {
            const FwnegMachineInfo *alias = g_ptr_array_index(facts->machines, 0);
            g_assert_cmpstr(alias->name, ==, cases[i].alias);
            g_assert_cmpstr(alias->alias_of, ==, cases[i].canonical);
            assert_canonical(facts, cases[i].alias, cases[i].canonical);
        }
    }

    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegHostFacts) facts =
        fwneg_host_facts_from_canonical("pc-q35-7.2", "x86_64", &error);
    g_assert_cmpint(facts->version_major, ==, 7);
    g_assert_cmpint(facts->version_minor, ==, 2);
    g_assert_cmpint(facts->version_micro, ==, 0);
    g_assert_null(fwneg_host_facts_canonicalize(facts, "pc", &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_cmpstr(error->message, ==,
                    "machine type 'pc' is not supported with --canonical-machine pc-q35-7.2; "
                    "known: q35, pc-q35-7.2");
}

static void
test_from_canonical_rejects(void)
{
    const char *bad[] = {NULL, "", "pc q35", "pc-q35-7.2;rm", "pc", "q35"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(FwnegHostFacts) facts = fwneg_host_facts_from_canonical(bad[i], "x86_64", &error);
        g_assert_null(facts);
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_USAGE);
        g_assert_nonnull(strstr(error->message, "--canonical-machine"));
    }
    /* Every alias alike, whatever the architecture (issue 13 item 9). */
    static const struct {
        const char *name, *arch, *example;
    } aliases[] = {
        {"pc", "x86_64", "pc-i440fx-7.2"}, {"q35", "x86_64", "pc-q35-7.2"},
        {"q35", "aarch64", "pc-q35-7.2"},  {"virt", "aarch64", "virt-7.2"},
        {"virt", "armv7l", "virt-7.2"},    {"virt", NULL, "virt-7.2"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(aliases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(FwnegHostFacts) facts =
            fwneg_host_facts_from_canonical(aliases[i].name, aliases[i].arch, &error);
        g_assert_null(facts);
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_USAGE);
        g_autofree char *expected = g_strdup_printf(
            "--canonical-machine '%s' is an alias, not a canonical machine type%s%s; give the "
            "versioned name, e.g. %s",
            aliases[i].name, aliases[i].arch ? " on " : "", aliases[i].arch ? aliases[i].arch : "",
            aliases[i].example);
        g_assert_cmpstr(error->message, ==, expected);
    }
}

static void
test_default_emulator(void)
{
    static const struct {
        const char *arch, *emulator;
    } cases[] = {
        {"x86_64", "/usr/bin/qemu-system-x86_64"},
        {"i686", "/usr/bin/qemu-system-i386"},
        {"aarch64", "/usr/bin/qemu-system-aarch64"},
        {"armv7l", "/usr/bin/qemu-system-arm"},
        {"armv6l", "/usr/bin/qemu-system-arm"},
        {"ppc64le", "/usr/bin/qemu-system-ppc64"},
        {"riscv64", "/usr/bin/qemu-system-riscv64"},
        {"s390x", "/usr/bin/qemu-system-s390x"},
        {"bogus", NULL},
        {"../../bin/sh", NULL},
        {"", NULL},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *emulator = fwneg_default_emulator_for_arch(cases[i].arch);
        g_assert_cmpstr(emulator, ==, cases[i].emulator);
    }
    g_assert_null(fwneg_default_emulator_for_arch(NULL));
}

/* ---- probing ---------------------------------------------------------------- */

static void
test_probe_live(gconstpointer arch_data)
{
    const char *arch = arch_data;
    g_autofree char *emulator = fwneg_default_emulator_for_arch(arch);
    if (!g_file_test(emulator, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("emulator not installed");
        return;
    }
    g_autofree char *cache_dir = fwneg_test_make_tmp_dir("fwneg-host-facts-XXXXXX");
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegHostFacts) facts = fwneg_host_facts_probe(emulator, cache_dir, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(facts->emulator, ==, emulator);
    g_assert_cmpint(facts->version_major, >=, 2);

    g_autofree char *expected_default = NULL;
    const char *alias = strcmp(arch, "x86_64") == 0 ? "pc" : "virt";
    const char *family = strcmp(arch, "x86_64") == 0 ? "pc-i440fx-" : "virt-";
    const char *canonical = fwneg_host_facts_canonicalize(facts, alias, &error);
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(canonical, family));
    expected_default = g_strdup(canonical);
    assert_canonical(facts, NULL, expected_default);
    if (strcmp(arch, "x86_64") == 0) {
        g_autofree char *q35 =
            g_strdup_printf("pc-q35-%d.%d", facts->version_major, facts->version_minor);
        assert_canonical(facts, "q35", q35);
    }

    /* The cache file exists and describes the binary … */
    g_autofree char *cache_path = cache_file_for(cache_dir, emulator);
    json_object *cached = json_object_from_file(cache_path);
    g_assert_nonnull(cached);
    json_object *member = NULL;
    g_assert_true(json_object_object_get_ex(cached, "path", &member));
    g_assert_cmpstr(json_object_get_string(member), ==, emulator);
    g_assert_true(json_object_object_get_ex(cached, "version", &member));
    g_assert_cmpstr(json_object_get_string(member), ==, facts->version);

    /* … and the second probe is served from it: a version edited into the
     * cache (path, size and mtime unchanged) comes back. */
    json_object_object_add(cached, "version", json_object_new_string("1.2.3"));
    g_assert_cmpint(json_object_to_file(cache_path, cached), ==, 0);
    json_object_put(cached);
    g_autoptr(FwnegHostFacts) again = fwneg_host_facts_probe(emulator, cache_dir, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(again->version, ==, "1.2.3");
    g_assert_cmpuint(again->machines->len, ==, facts->machines->len);
    assert_canonical(again, NULL, expected_default);

    /* Without a cache dir, the emulator is asked again. */
    g_autoptr(FwnegHostFacts) uncached = fwneg_host_facts_probe(emulator, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(uncached->version, ==, facts->version);
    fwneg_test_remove_tree(cache_dir);
}

typedef struct {
    char *dir;
    char *emulator;
    char *counter;
    char *cache_dir;
} FakeEmulator;

/* A shell script standing in for QEMU: prints the captured x86_64 outputs and
 * appends a line to a counter file per run. */
static void
fake_emulator_init(FakeEmulator *fake)
{
    g_autofree char *version = fwneg_test_data_path("host-facts", "x86_64-version.txt");
    g_autofree char *help = fwneg_test_data_path("host-facts", "x86_64-machine-help.txt");
    fake->dir = fwneg_test_make_tmp_dir("fwneg-host-facts-XXXXXX");
    fake->emulator = g_build_filename(fake->dir, "qemu-system-x86_64", NULL);
    fake->counter = g_build_filename(fake->dir, "runs", NULL);
    fake->cache_dir = g_build_filename(fake->dir, "state", "cache", NULL);
    g_autofree char *script = g_strdup_printf("#!/bin/sh\n"
                                              "echo \"$*\" >> '%s'\n"
                                              "case \"$1\" in\n"
                                              "-version) exec cat '%s' ;;\n"
                                              "-machine) exec cat '%s' ;;\n"
                                              "esac\n"
                                              "exit 1\n",
                                              fake->counter, version, help);
    write_executable(fake->emulator, script);
}

static void
fake_emulator_clear(FakeEmulator *fake)
{
    fwneg_test_remove_tree(fake->dir);
    g_free(fake->dir);
    g_free(fake->emulator);
    g_free(fake->counter);
    g_free(fake->cache_dir);
}

static guint
fake_emulator_runs(const FakeEmulator *fake)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(fake->counter, &text, NULL, NULL))
        return 0;
    guint lines = 0;
    for (const char *p = text; *p != '\0'; p++)
        lines += *p == '\n';
    return lines;
}

static void
probe_fake(const FakeEmulator *fake)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegHostFacts) facts =
        fwneg_host_facts_probe(fake->emulator, fake->cache_dir, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(facts->version, ==, "7.2.22");
    assert_canonical(facts, "q35", "pc-q35-7.2");
    assert_canonical(facts, NULL, "pc-i440fx-7.2");
    g_assert_true(find_machine(facts->machines, "pc-i440fx-1.7")->is_deprecated);
}

static void
test_probe_cache(void)
{
    FakeEmulator fake;
    fake_emulator_init(&fake);

    probe_fake(&fake);
    g_assert_cmpuint(fake_emulator_runs(&fake), ==, 2); /* -version, -machine help */
    g_autofree char *runs = NULL;
    g_assert_true(g_file_get_contents(fake.counter, &runs, NULL, NULL));
    g_assert_cmpstr(runs, ==, "-version\n-machine help\n");

    /* Fresh cache: the emulator is not run. */
    probe_fake(&fake);
    probe_fake(&fake);
    g_assert_cmpuint(fake_emulator_runs(&fake), ==, 2);
    g_autofree char *cache_path = cache_file_for(fake.cache_dir, fake.emulator);
    g_assert_true(g_file_test(cache_path, G_FILE_TEST_IS_REGULAR));

    /* Same size, new mtime: probed again, and the new stamp is cached. */
    struct timespec times[2] = {{.tv_sec = 1000000000, .tv_nsec = 123},
                                {.tv_sec = 1000000000, .tv_nsec = 123}};
    g_assert_cmpint(utimensat(AT_FDCWD, fake.emulator, times, 0), ==, 0);
    probe_fake(&fake);
    g_assert_cmpuint(fake_emulator_runs(&fake), ==, 4);
    probe_fake(&fake);
    g_assert_cmpuint(fake_emulator_runs(&fake), ==, 4);

    /* Only the nanoseconds differ: still a different binary. */
    times[0].tv_nsec = times[1].tv_nsec = 456;
    g_assert_cmpint(utimensat(AT_FDCWD, fake.emulator, times, 0), ==, 0);
    probe_fake(&fake);
    g_assert_cmpuint(fake_emulator_runs(&fake), ==, 6);

    /* New size, same mtime: probed again. */
    g_autofree char *script = NULL;
    g_assert_true(g_file_get_contents(fake.emulator, &script, NULL, NULL));
    g_autofree char *longer = g_strconcat(script, "# upgraded\n", NULL);
    write_executable(fake.emulator, longer);
    g_assert_cmpint(utimensat(AT_FDCWD, fake.emulator, times, 0), ==, 0);
    probe_fake(&fake);
    g_assert_cmpuint(fake_emulator_runs(&fake), ==, 8);

    /* The cache directory holds the entry and no temp files. */
    g_autofree char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, fake.emulator, -1);
    g_autofree char *only = g_strdup_printf("host-facts-%s.json", digest);
    GDir *dir = g_dir_open(fake.cache_dir, 0, NULL);
    g_assert_cmpstr(g_dir_read_name(dir), ==, only);
    g_assert_null(g_dir_read_name(dir));
    g_dir_close(dir);
    fake_emulator_clear(&fake);
}

static void
test_probe_corrupt_cache(void)
{
    FakeEmulator fake;
    fake_emulator_init(&fake);
    g_autofree char *cache_path = cache_file_for(fake.cache_dir, fake.emulator);
    const char *corruptions[] = {
        "",   "{", "\xff\xfe garbage", "[]", "{\"format\": \"fwneg-host-facts/1\"}",
        NULL, /* a valid entry whose machine list is damaged, built below */
    };

    probe_fake(&fake);
    g_autofree char *good = NULL;
    g_assert_true(g_file_get_contents(cache_path, &good, NULL, NULL));
    g_autoptr(GString) damaged = g_string_new(good);
    g_string_replace(damaged, "\"name\":\"pc-q35-7.2\"", "\"name\":42", 1);
    g_assert_cmpstr(damaged->str, !=, good);
    corruptions[G_N_ELEMENTS(corruptions) - 1] = damaged->str;

    guint expected_runs = 2;
    for (gsize i = 0; i < G_N_ELEMENTS(corruptions); i++) {
        g_assert_true(g_file_set_contents(cache_path, corruptions[i], -1, NULL));
        probe_fake(&fake);
        expected_runs += 2;
        g_assert_cmpuint(fake_emulator_runs(&fake), ==, expected_runs);
        /* Replaced by a good entry again. */
        g_autofree char *now = NULL;
        g_assert_true(g_file_get_contents(cache_path, &now, NULL, NULL));
        g_assert_cmpstr(now, ==, good);
    }
    fake_emulator_clear(&fake);
}

/* A cache directory that cannot be used never fails the probe. */
static void
test_probe_unusable_cache_dir(void)
{
    FakeEmulator fake;
    fake_emulator_init(&fake);
    g_autofree char *real = g_build_filename(fake.dir, "elsewhere", NULL);
    g_autofree char *state = g_build_filename(fake.dir, "state", NULL);
    g_assert_cmpint(g_mkdir(real, 0755), ==, 0);
    g_assert_cmpint(symlink(real, state), ==, 0);
    g_free(fake.cache_dir);
    fake.cache_dir = g_strdup(state); /* a symlink: refused as a state dir */

    probe_fake(&fake);
    probe_fake(&fake);
    g_assert_cmpuint(fake_emulator_runs(&fake), ==, 4);
    GDir *dir = g_dir_open(real, 0, NULL);
    g_assert_null(g_dir_read_name(dir)); /* nothing written through the link */
    g_dir_close(dir);
    fake_emulator_clear(&fake);
}

static void
test_probe_missing(void)
{
    g_autoptr(GError) error = NULL;
    const char *emulator = "/nonexistent/bin/qemu-system-x86_64";
    g_assert_null(fwneg_host_facts_probe(emulator, NULL, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST);
    g_assert_cmpstr(error->message, ==,
                    "emulator /nonexistent/bin/qemu-system-x86_64: No such file or directory; "
                    "install qemu-system-x86, point --qemu at the emulator, or pass "
                    "--canonical-machine NAME to plan without probing QEMU");
    g_assert_cmpint(fwneg_error_exit_status(error), ==, 1);

    g_clear_error(&error);
    g_assert_null(fwneg_host_facts_probe("/nonexistent/qemu-system-aarch64", NULL, &error));
    g_assert_nonnull(strstr(error->message, "install qemu-system-arm"));
}

static void
test_probe_not_executable(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("fwneg-host-facts-XXXXXX");
    g_autofree char *emulator = g_build_filename(dir, "qemu-system-x86_64", NULL);
    g_assert_true(g_file_set_contents(emulator, "#!/bin/sh\n", -1, NULL));
    g_assert_cmpint(g_chmod(emulator, 0644), ==, 0);

    g_autoptr(GError) error = NULL;
    g_assert_null(fwneg_host_facts_probe(emulator, NULL, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST);
    g_assert_nonnull(strstr(error->message, emulator));
    g_assert_nonnull(strstr(error->message, "is not an executable file"));

    g_clear_error(&error);
    g_assert_null(fwneg_host_facts_probe(dir, NULL, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST);
    g_assert_nonnull(strstr(error->message, "is not an executable file"));
    fwneg_test_remove_tree(dir);
}

static void
test_probe_timeout(void)
{
    g_autofree char *stuck = fwneg_test_data_path("host-facts", "stuck-emulator.sh");
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();

    g_assert_null(fwneg_host_facts_probe_full(stuck, NULL, 300, &error));
    gint64 elapsed_ms = (g_get_monotonic_time() - start) / 1000;
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST);
    g_autofree char *expected =
        g_strdup_printf("%s did not answer `-version` within 300 ms", stuck);
    g_assert_true(g_str_has_prefix(error->message, expected));
    g_assert_cmpint(elapsed_ms, >=, 290);
    g_assert_cmpint(elapsed_ms, <, 3000);
}

static void
test_probe_timeout_on_machine_help(void)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("fwneg-host-facts-XXXXXX");
    g_autofree char *emulator = g_build_filename(dir, "qemu-system-x86_64", NULL);
    g_autofree char *version = fwneg_test_data_path("host-facts", "x86_64-version.txt");
    g_autofree char *script = g_strdup_printf("#!/bin/sh\n"
                                              "[ \"$1\" = -version ] && exec cat '%s'\n"
                                              "exec sleep 1000000\n",
                                              version);
    write_executable(emulator, script);

    g_autoptr(GError) error = NULL;
    g_assert_null(fwneg_host_facts_probe_full(emulator, NULL, 2000, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST);
    g_autofree char *expected =
        g_strdup_printf("%s did not answer `-machine help` within 2 s", emulator);
    g_assert_true(g_str_has_prefix(error->message, expected));
    fwneg_test_remove_tree(dir);
}

static void
assert_probe_fails(const char *script, const char *expected_fragment)
{
    g_autofree char *dir = fwneg_test_make_tmp_dir("fwneg-host-facts-XXXXXX");
    g_autofree char *emulator = g_build_filename(dir, "qemu-system-x86_64", NULL);
    write_executable(emulator, script);

    g_autoptr(GError) error = NULL;
    g_autofree char *cache_dir = g_build_filename(dir, "cache", NULL);
    g_assert_null(fwneg_host_facts_probe(emulator, cache_dir, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST);
    g_assert_nonnull(strstr(error->message, emulator));
    if (strstr(error->message, expected_fragment) == NULL)
        g_error("expected '%s' in '%s'", expected_fragment, error->message);
    /* Failures are not cached. */
    g_assert_false(g_file_test(cache_dir, G_FILE_TEST_EXISTS));
    fwneg_test_remove_tree(dir);
}

static void
test_probe_bad_emulators(void)
{
    assert_probe_fails("#!/bin/sh\necho boom >&2\nexit 3\n", "-version exited with status 3: boom");
    assert_probe_fails("#!/bin/sh\necho hello\n",
                       ": unexpected output of -version: no line starts with");
    assert_probe_fails("#!/bin/sh\n"
                       "[ \"$1\" = -version ] && { echo 'QEMU emulator version 7.2.0'; exit 0; }\n"
                       "echo 'no machines here'\n",
                       ": unexpected output of -machine help: the line 'Supported machines are:' "
                       "is missing");
    assert_probe_fails("#!/bin/sh\nkill -9 $$\n", "-version was killed by signal 9");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host-facts/parse/version", test_parse_version);
    g_test_add_func("/host-facts/parse/version-garbage", test_parse_version_garbage);
    g_test_add_func("/host-facts/parse/machines-x86_64", test_parse_machines_x86_64);
    g_test_add_func("/host-facts/parse/machines-aarch64", test_parse_machines_aarch64);
    g_test_add_func("/host-facts/parse/machines-variants", test_parse_machines_variants);
    g_test_add_func("/host-facts/parse/machines-garbage", test_parse_machines_garbage);
    g_test_add_func("/host-facts/parse/machines-mutations", test_parse_machines_mutations);
    g_test_add_func("/host-facts/canonicalize/x86_64", test_canonicalize_x86_64);
    g_test_add_func("/host-facts/canonicalize/aarch64", test_canonicalize_aarch64);
    g_test_add_func("/host-facts/canonicalize/no-default", test_canonicalize_no_default);
    g_test_add_func("/host-facts/from-canonical", test_from_canonical);
    g_test_add_func("/host-facts/from-canonical/rejects", test_from_canonical_rejects);
    g_test_add_func("/host-facts/default-emulator", test_default_emulator);
    g_test_add_data_func("/host-facts/probe/live/x86_64", "x86_64", test_probe_live);
    g_test_add_data_func("/host-facts/probe/live/aarch64", "aarch64", test_probe_live);
    g_test_add_func("/host-facts/probe/cache", test_probe_cache);
    g_test_add_func("/host-facts/probe/corrupt-cache", test_probe_corrupt_cache);
    g_test_add_func("/host-facts/probe/unusable-cache-dir", test_probe_unusable_cache_dir);
    g_test_add_func("/host-facts/probe/missing", test_probe_missing);
    g_test_add_func("/host-facts/probe/not-executable", test_probe_not_executable);
    g_test_add_func("/host-facts/probe/timeout", test_probe_timeout);
    g_test_add_func("/host-facts/probe/timeout-on-machine-help",
                    test_probe_timeout_on_machine_help);
    g_test_add_func("/host-facts/probe/bad-emulators", test_probe_bad_emulators);
    return g_test_run();
}

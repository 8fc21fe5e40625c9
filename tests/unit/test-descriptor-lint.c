/* test-descriptor-lint.c: findings for each kind of descriptor problem. */
#include <string.h>

#include "descriptor-lint.h"

#define FW_DIR "/etc/qemu/firmware/"

typedef struct {
    FwnegLintSeverity severity;
    const char *message;
} Expected;

typedef struct {
    const char *file;
    Expected findings[4]; /* exact messages, in order; terminated by message == NULL */
} LintCase;

static const LintCase cases[] = {
    {"10-clean.json", {{0, NULL}}},
    {"20-syntax.json",
     {{FWNEG_LINT_ERROR,
       FW_DIR "20-syntax.json:4:27: invalid JSON: quoted object property name expected"},
      {0, NULL}}},
    {"21-missing-format.json",
     {{FWNEG_LINT_ERROR,
       FW_DIR "21-missing-format.json: mapping.executable.format: missing (libvirt requires "
              "this member)"},
      {0, NULL}}},
    {"22-unknown-feature.json",
     {{FWNEG_LINT_WARNING,
       FW_DIR "22-unknown-feature.json: features: unknown feature 'amd-sev-snp' (ignored by "
              "libvirt 9.0 when matching)"},
      {FWNEG_LINT_WARNING,
       FW_DIR "22-unknown-feature.json: features: unknown feature 'host-uefi-vars' (ignored "
              "by libvirt 9.0 when matching)"},
      {FWNEG_LINT_ERROR,
       FW_DIR "22-unknown-feature.json: mapping.nvram-template.filename: "
              "/usr/share/OVMF/VARS-gone.fd does not exist (QEMU would fail to start with "
              "this firmware)"},
      {0, NULL}}},
    {"23-split-no-template.json",
     {{FWNEG_LINT_ERROR,
       FW_DIR "23-split-no-template.json: mapping.nvram-template: missing (libvirt requires "
              "this member)"},
      {0, NULL}}},
    {"24-combined-template.json",
     {{FWNEG_LINT_WARNING,
       FW_DIR "24-combined-template.json: mapping.nvram-template: present but mode is "
              "'combined'; only split firmware has an NVRAM template, so it is ignored"},
      {FWNEG_LINT_WARNING,
       FW_DIR "24-combined-template.json: mapping.mode: libvirt 9.0 never selects 'combined' "
              "flash firmware"},
      {0, NULL}}},
    {"25-stateless-template.json",
     {{FWNEG_LINT_WARNING,
       FW_DIR "25-stateless-template.json: mapping.nvram-template: present but mode is "
              "'stateless'; only split firmware has an NVRAM template, so it is ignored"},
      {0, NULL}}},
    {"26-empty.json",
     {{FWNEG_LINT_WARNING,
       FW_DIR "26-empty.json: empty file: masks lower-priority descriptors of the same name "
              "(this is how a descriptor is disabled on purpose)"},
      {0, NULL}}},
    {"27-igvm.json",
     {{FWNEG_LINT_ERROR,
       FW_DIR "27-igvm.json: mapping.device: 'igvm' is unknown to libvirt 9.0, which then "
              "fails firmware autoselection for every guest; move the file out of the search "
              "path"},
      {0, NULL}}},
    {"28-unknown-arch.json",
     {{FWNEG_LINT_ERROR,
       FW_DIR "28-unknown-arch.json: targets[0].architecture: unknown architecture "
              "'loongarch64' (libvirt 9.0 refuses the whole file; use a QEMU target name such "
              "as x86_64, i386, aarch64 or arm)"},
      {0, NULL}}},
    {"29-secure-no-smm.json",
     {{FWNEG_LINT_ERROR,
       FW_DIR "29-secure-no-smm.json: mapping.executable.filename: /usr/share/OVMF/CODE-gone.fd "
              "does not exist (QEMU would fail to start with this firmware)"},
      {FWNEG_LINT_WARNING,
       FW_DIR "29-secure-no-smm.json: features: invalid set of features for libvirt 9.0 "
              "(requires-smm = 0, secure-boot = 1, enrolled-keys = 0); libvirt warns whenever "
              "it is chosen"},
      {0, NULL}}},
    {"99-does-not-exist.json",
     {{FWNEG_LINT_ERROR,
       FW_DIR "99-does-not-exist.json: not a readable regular file (it does not exist)"},
      {0, NULL}}},
};

static void
test_lint_fixtures(void)
{
    g_autofree char *sysroot =
        g_build_filename(g_getenv("FWNEG_TEST_DATA"), "firmware", "sysroot-lint", NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const LintCase *c = &cases[i];
        g_autofree char *path = g_strconcat(FW_DIR, c->file, NULL);
        g_autoptr(GPtrArray) findings = fwneg_descriptor_lint_file(path, sysroot);
        g_assert_nonnull(findings);
        guint expected = 0;
        while (c->findings[expected].message != NULL)
            expected++;
        for (guint j = 0; j < findings->len; j++) {
            const FwnegLintFinding *f = g_ptr_array_index(findings, j);
            g_test_message("%s: [%d] %s", c->file, f->severity, f->message);
        }
        g_assert_cmpuint(findings->len, ==, expected);
        for (guint j = 0; j < expected; j++) {
            const FwnegLintFinding *f = g_ptr_array_index(findings, j);
            g_assert_cmpint(f->severity, ==, c->findings[j].severity);
            g_assert_cmpstr(f->message, ==, c->findings[j].message);
        }
    }
}

static void
test_lint_debian(void)
{
    /* Debian 12 as shipped: only 50-edk2-aarch64-secure.json names a missing file,
     * and the aarch64 secure-boot builds lack requires-smm (libvirt 9.0 warns). */
    g_autofree char *sysroot =
        g_build_filename(g_getenv("FWNEG_TEST_DATA"), "firmware", "sysroot-debian12", NULL);
    static const struct {
        const char *name;
        guint errors, warnings;
    } expected[] = {
        {"40-edk2-aarch64-secure-enrolled.json", 0, 1},
        {"40-edk2-x86_64-secure-enrolled.json", 0, 0},
        {"50-edk2-aarch64-secure.json", 1, 1},
        {"50-edk2-x86_64-secure.json", 0, 0},
        {"60-edk2-aarch64.json", 0, 0},
        {"60-edk2-arm.json", 0, 0},
        {"60-edk2-x86_64.json", 0, 0},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(expected); i++) {
        g_autofree char *path = g_strconcat("/usr/share/qemu/firmware/", expected[i].name, NULL);
        g_autoptr(GPtrArray) findings = fwneg_descriptor_lint_file(path, sysroot);
        guint errors = 0, warnings = 0;
        for (guint j = 0; j < findings->len; j++) {
            const FwnegLintFinding *f = g_ptr_array_index(findings, j);
            g_test_message("%s", f->message);
            if (f->severity == FWNEG_LINT_ERROR)
                errors++;
            else
                warnings++;
        }
        g_assert_cmpuint(errors, ==, expected[i].errors);
        g_assert_cmpuint(warnings, ==, expected[i].warnings);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/descriptor-lint/fixtures", test_lint_fixtures);
    g_test_add_func("/descriptor-lint/debian12", test_lint_debian);
    return g_test_run();
}

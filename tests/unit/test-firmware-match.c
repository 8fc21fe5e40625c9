/* test-firmware-match.c: domains x Debian 12 descriptors -> libvirt 9.0's choice.
 *
 * Expected results were taken from the real libvirt 9.0.0 daemon of Debian 12
 * (session libvirtd, `virsh domxml-to-native` with qemu_firmware debug logs),
 * plus fwneg's documented existence check.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "descriptor-store.h"
#include "firmware-match.h"
#include "fwneg-error.h"

#define DEBIAN_DIR "/usr/share/qemu/firmware/"

typedef struct {
    FwnegOptions *options;
    GPtrArray *entries;
} Fixture;

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
    fx->options = fwneg_options_new();
    fx->options->sysroot =
        g_build_filename(g_getenv("FWNEG_TEST_DATA"), "firmware", "sysroot-debian12", NULL);
    g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(dirs, g_strdup("/usr/share/qemu/firmware"));
    g_ptr_array_add(dirs, g_strdup("/etc/qemu/firmware"));
    g_autoptr(GError) error = NULL;
    fx->entries = fwneg_descriptor_store_load(dirs, fx->options->sysroot, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(fx->entries->len, ==, 7);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
    fwneg_options_free(fx->options);
    g_ptr_array_unref(fx->entries);
}

/* ---- the domain table --------------------------------------------------- */

typedef struct {
    const char *label;
    const char *arch;
    const char *machine; /* canonical */
    FwnegOsFirmware firmware;
    FwnegTristate secure_boot, enrolled_keys, smm, suspend_to_disk;
    const char *loader_path, *loader_type;
    FwnegTristate loader_readonly, loader_secure, loader_stateless;
    const char *nvram_template;
    const char *nvram_path;
    const char *launch_security;
    gint64 sev_policy;

    /* expected */
    const char *descriptor; /* basename, or NULL */
    const char *executable;
    const char *nvram_template_out;
    const char *interface;
    int error_code; /* -1: success */
    const char *error_prefix;
    /* a rejection that must be present: "NAME: reason" (exact) */
    const char *rejection;
    const char *warning_substring;
    gboolean from_legacy_list; /* template taken from libvirt's loader:nvram list */
} MatchCase;

#define OK (-1)

static const MatchCase cases[] = {
    {.label = "q35 efi, no features: MS-enrolled secure boot",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .descriptor = "40-edk2-x86_64-secure-enrolled.json",
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd",
     .interface = "uefi",
     .error_code = OK,
     .rejection = "40-edk2-aarch64-secure-enrolled.json: architecture x86_64 not among targets "
                  "(aarch64: virt-*)"},
    {.label = "q35 efi secure-boot=no",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .secure_boot = FWNEG_TRISTATE_NO,
     .descriptor = "60-edk2-x86_64.json",
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS_4M.fd",
     .interface = "uefi",
     .error_code = OK,
     .rejection = "50-edk2-x86_64-secure.json: secure-boot requested 'no' but descriptor has "
                  "feature secure-boot"},
    {.label = "q35 efi enrolled-keys=no",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .enrolled_keys = FWNEG_TRISTATE_NO,
     .descriptor = "50-edk2-x86_64-secure.json",
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS_4M.fd",
     .interface = "uefi",
     .error_code = OK,
     .rejection = "40-edk2-x86_64-secure-enrolled.json: enrolled-keys requested 'no' but "
                  "descriptor has feature enrolled-keys"},
    {.label = "i440fx efi: no SMM builds for pc",
     .arch = "x86_64",
     .machine = "pc-i440fx-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .descriptor = "60-edk2-x86_64.json",
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS_4M.fd",
     .interface = "uefi",
     .error_code = OK,
     .rejection = "40-edk2-x86_64-secure-enrolled.json: machine pc-i440fx-7.2 not matched by "
                  "targets (x86_64: pc-q35-*)"},
    {.label = "i440fx efi secure-boot=yes: unsatisfiable",
     .arch = "x86_64",
     .machine = "pc-i440fx-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .secure_boot = FWNEG_TRISTATE_YES,
     .error_code = FWNEG_ERROR_UNSATISFIABLE,
     .error_prefix = "Unable to find any firmware to satisfy 'efi'\n"
                     "  40-edk2-aarch64-secure-enrolled.json: architecture x86_64 not among "
                     "targets (aarch64: virt-*)\n",
     .rejection = "60-edk2-x86_64.json: secure-boot requested 'yes' but descriptor lacks "
                  "feature secure-boot"},
    {.label = "q35 firmware=bios: Debian ships no bios descriptor (libvirt 9.0 fails)",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .firmware = FWNEG_OS_FIRMWARE_BIOS,
     .error_code = FWNEG_ERROR_UNSATISFIABLE,
     .error_prefix = "Unable to find any firmware to satisfy 'bios'\n",
     .rejection = "60-edk2-x86_64.json: interface bios not offered (interface-types: uefi)"},
    {.label = "q35 efi with <smm state='off'/>: libvirt picks 40 then refuses",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .smm = FWNEG_TRISTATE_NO,
     .descriptor = "40-edk2-x86_64-secure-enrolled.json",
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
     .interface = "uefi",
     .error_code = FWNEG_ERROR_UNSATISFIABLE,
     .error_prefix = "domain has SMM turned off but chosen firmware " DEBIAN_DIR
                     "40-edk2-x86_64-secure-enrolled.json requires it"},
    {.label = "q35 efi smm off and secure-boot=no: plain OVMF",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .smm = FWNEG_TRISTATE_NO,
     .secure_boot = FWNEG_TRISTATE_NO,
     .descriptor = "60-edk2-x86_64.json",
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS_4M.fd",
     .interface = "uefi",
     .error_code = OK},
    {.label = "q35 efi suspend-to-disk: nobody has acpi-s4",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .suspend_to_disk = FWNEG_TRISTATE_YES,
     .error_code = FWNEG_ERROR_UNSATISFIABLE,
     .error_prefix = "Unable to find any firmware to satisfy 'efi'",
     .rejection = "40-edk2-x86_64-secure-enrolled.json: suspend-to-disk enabled but descriptor "
                  "lacks feature acpi-s4"},
    {.label = "q35 efi stateless loader: Debian has no stateless build",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .loader_stateless = FWNEG_TRISTATE_YES,
     .error_code = FWNEG_ERROR_UNSATISFIABLE,
     .error_prefix = "Unable to find any firmware to satisfy 'efi'",
     .rejection = "60-edk2-x86_64.json: loader stateless='yes' requested but descriptor mode is "
                  "split"},
    {.label = "SEV: amd-sev suffices",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .launch_security = "sev",
     .sev_policy = 0x3,
     .descriptor = "40-edk2-x86_64-secure-enrolled.json",
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd",
     .interface = "uefi",
     .error_code = OK},
    {.label = "SEV-ES policy: nobody has amd-sev-es",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .launch_security = "sev",
     .sev_policy = 0x7,
     .error_code = FWNEG_ERROR_UNSATISFIABLE,
     .error_prefix = "Unable to find any firmware to satisfy 'efi'",
     .rejection = "60-edk2-x86_64.json: SEV policy 0x7 enables SEV-ES (bit 0x4) but descriptor "
                  "lacks feature amd-sev-es"},
    {.label = "aarch64 virt efi: AAVMF_CODE.ms.fd exists through its symlink",
     .arch = "aarch64",
     .machine = "virt-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .descriptor = "40-edk2-aarch64-secure-enrolled.json",
     .executable = "/usr/share/AAVMF/AAVMF_CODE.ms.fd",
     .nvram_template_out = "/usr/share/AAVMF/AAVMF_VARS.ms.fd",
     .interface = "uefi",
     .error_code = OK,
     .warning_substring = "has invalid set of features: requires-smm = 0, secure-boot = 1, "
                          "enrolled-keys = 1"},
    {.label = "aarch64 enrolled-keys=no: libvirt takes 50 (missing file), fwneg 60",
     .arch = "aarch64",
     .machine = "virt-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .enrolled_keys = FWNEG_TRISTATE_NO,
     .descriptor = "60-edk2-aarch64.json",
     .executable = "/usr/share/AAVMF/AAVMF_CODE.fd",
     .nvram_template_out = "/usr/share/AAVMF/AAVMF_VARS.fd",
     .interface = "uefi",
     .error_code = OK,
     .rejection = "50-edk2-aarch64-secure.json: executable /usr/share/AAVMF/AAVMF_CODE.secboot.fd "
                  "does not exist",
     .warning_substring = "libvirt 9.0 would choose " DEBIAN_DIR "50-edk2-aarch64-secure.json"},
    {.label = "manual loader secboot.fd: string compare (no symlink resolution) -> 50",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .loader_path = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
     .loader_type = "pflash",
     .loader_readonly = FWNEG_TRISTATE_YES,
     .descriptor = "50-edk2-x86_64-secure.json",
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS_4M.fd",
     .interface = "uefi",
     .error_code = OK,
     .rejection = "40-edk2-x86_64-secure-enrolled.json: loader "
                  "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd is not the descriptor's executable "
                  "/usr/share/OVMF/OVMF_CODE_4M.ms.fd"},
    {.label = "manual loader ms.fd -> 40",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .loader_path = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
     .loader_type = "pflash",
     .loader_readonly = FWNEG_TRISTATE_YES,
     .descriptor = "40-edk2-x86_64-secure-enrolled.json",
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd",
     .interface = "uefi",
     .error_code = OK},
    {.label = "manual 2M loader without descriptor: NVRAM from libvirt's built-in list",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .loader_path = "/usr/share/OVMF/OVMF_CODE.fd",
     .loader_type = "pflash",
     .loader_readonly = FWNEG_TRISTATE_YES,
     .descriptor = NULL,
     .executable = "/usr/share/OVMF/OVMF_CODE.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS.fd",
     .interface = "uefi",
     .error_code = OK,
     .rejection = "60-edk2-x86_64.json: loader /usr/share/OVMF/OVMF_CODE.fd is not the "
                  "descriptor's executable /usr/share/OVMF/OVMF_CODE_4M.fd",
     .warning_substring = "no firmware descriptor describes loader /usr/share/OVMF/OVMF_CODE.fd: "
                          "libvirt 9.0 copies its NVRAM from /usr/share/OVMF/OVMF_VARS.fd "
                          "(libvirt's built-in loader:nvram list)",
     .from_legacy_list = TRUE},
    {.label = "manual 2M secboot loader: the built-in list pairs it with OVMF_VARS.fd too",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .loader_path = "/usr/share/OVMF/OVMF_CODE.secboot.fd",
     .loader_type = "pflash",
     .loader_readonly = FWNEG_TRISTATE_YES,
     .descriptor = NULL,
     .executable = "/usr/share/OVMF/OVMF_CODE.secboot.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS.fd",
     .interface = "uefi",
     .error_code = OK,
     .from_legacy_list = TRUE},
    {.label = "manual AAVMF32 loader on aarch64: 60-edk2-arm is for arm, list has it",
     .arch = "aarch64",
     .machine = "virt-7.2",
     .loader_path = "/usr/share/AAVMF/AAVMF32_CODE.fd",
     .loader_type = "pflash",
     .loader_readonly = FWNEG_TRISTATE_YES,
     .descriptor = NULL,
     .executable = "/usr/share/AAVMF/AAVMF32_CODE.fd",
     .nvram_template_out = "/usr/share/AAVMF/AAVMF32_VARS.fd",
     .interface = "uefi",
     .error_code = OK,
     .from_legacy_list = TRUE,
     .rejection = "60-edk2-arm.json: architecture aarch64 not among targets (arm: virt-*)"},
    {.label = "manual 4M secboot loader on pc: no descriptor (q35 only), not listed",
     .arch = "x86_64",
     .machine = "pc-i440fx-7.2",
     .loader_path = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
     .loader_type = "pflash",
     .loader_readonly = FWNEG_TRISTATE_YES,
     .error_code = FWNEG_ERROR_UNSATISFIABLE,
     .error_prefix = "unable to find any master var store for loader: "
                     "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd (libvirt 9.0 refuses to start",
     .rejection = "50-edk2-x86_64-secure.json: machine pc-i440fx-7.2 not matched by targets "
                  "(x86_64: pc-q35-*)"},
    {.label = "manual loader secure=yes on a non-SMM build: no descriptor, not listed",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .loader_path = "/usr/share/OVMF/OVMF_CODE_4M.fd",
     .loader_type = "pflash",
     .loader_readonly = FWNEG_TRISTATE_YES,
     .loader_secure = FWNEG_TRISTATE_YES,
     .smm = FWNEG_TRISTATE_YES,
     .error_code = FWNEG_ERROR_UNSATISFIABLE,
     .error_prefix = "unable to find any master var store for loader: "
                     "/usr/share/OVMF/OVMF_CODE_4M.fd",
     .rejection = "60-edk2-x86_64.json: loader secure='yes' (pflash writes restricted to SMM) "
                  "but descriptor lacks feature requires-smm"},
    {.label = "manual loader whose NVRAM file exists: nothing is copied, no template",
     .arch = "x86_64",
     .machine = "pc-i440fx-7.2",
     .loader_path = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
     .loader_type = "pflash",
     .loader_readonly = FWNEG_TRISTATE_YES,
     .nvram_path = "/usr/share/OVMF/OVMF_VARS_4M.fd",
     .descriptor = NULL,
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
     .nvram_template_out = NULL,
     .interface = "uefi",
     .error_code = OK},
    {.label = "writable pflash with a new NVRAM path: no descriptor lookup, list applies",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .loader_path = "/usr/share/OVMF/OVMF_CODE.fd",
     .loader_type = "pflash",
     .nvram_path = "/var/lib/libvirt/qemu/nvram/new_VARS.fd",
     .descriptor = NULL,
     .executable = "/usr/share/OVMF/OVMF_CODE.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS.fd",
     .interface = "uefi",
     .error_code = OK,
     .from_legacy_list = TRUE},
    {.label = "stateless read-only pflash: no NVRAM, so no list lookup",
     .arch = "x86_64",
     .machine = "pc-i440fx-7.2",
     .loader_path = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
     .loader_type = "pflash",
     .loader_readonly = FWNEG_TRISTATE_YES,
     .loader_stateless = FWNEG_TRISTATE_YES,
     .descriptor = NULL,
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
     .nvram_template_out = NULL,
     .interface = "uefi",
     .error_code = OK},
    {.label = "enrolled-keys=yes alone implies secure-boot=yes (libvirt post-parse)",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .firmware = FWNEG_OS_FIRMWARE_EFI,
     .enrolled_keys = FWNEG_TRISTATE_YES,
     .descriptor = "40-edk2-x86_64-secure-enrolled.json",
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd",
     .interface = "uefi",
     .error_code = OK},
    {.label = "manual loader with template: no lookup at all",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .loader_path = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
     .loader_type = "pflash",
     .loader_readonly = FWNEG_TRISTATE_YES,
     .nvram_template = "/usr/share/OVMF/OVMF_VARS_4M.fd",
     .descriptor = NULL,
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
     .nvram_template_out = "/usr/share/OVMF/OVMF_VARS_4M.fd",
     .interface = "uefi",
     .error_code = OK},
    {.label = "pflash loader not read-only: no lookup",
     .arch = "x86_64",
     .machine = "pc-q35-7.2",
     .loader_path = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
     .loader_type = "pflash",
     .descriptor = NULL,
     .executable = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
     .interface = "uefi",
     .error_code = OK},
    {.label = "loader type rom: -bios that file",
     .arch = "x86_64",
     .machine = "pc-i440fx-7.2",
     .loader_path = "/usr/share/seabios/bios.bin",
     .loader_type = "rom",
     .descriptor = NULL,
     .executable = "/usr/share/seabios/bios.bin",
     .interface = "bios",
     .error_code = OK},
    {.label = "x86 without firmware: QEMU's default SeaBIOS",
     .arch = "x86_64",
     .machine = "pc-i440fx-7.2",
     .descriptor = NULL,
     .executable = "/usr/share/seabios/bios-256k.bin",
     .interface = "bios",
     .error_code = OK},
    {.label = "aarch64 without firmware: nothing",
     .arch = "aarch64",
     .machine = "virt-7.2",
     .descriptor = NULL,
     .executable = NULL,
     .interface = NULL,
     .error_code = OK},
};

static FwnegDomain *
domain_for_case(const MatchCase *c)
{
    FwnegDomain *domain = fwneg_domain_new();
    domain->name = g_strdup("guest");
    domain->source_name = g_strdup("guest.xml");
    domain->arch = g_strdup(c->arch);
    domain->machine = g_strdup(c->machine);
    domain->firmware = c->firmware;
    domain->fw_secure_boot = c->secure_boot;
    domain->fw_enrolled_keys = c->enrolled_keys;
    domain->smm = c->smm;
    domain->suspend_to_disk = c->suspend_to_disk;
    domain->loader.path = g_strdup(c->loader_path);
    domain->loader.type = g_strdup(c->loader_type);
    domain->loader.readonly = c->loader_readonly;
    domain->loader.secure = c->loader_secure;
    domain->loader.stateless = c->loader_stateless;
    domain->nvram.template = g_strdup(c->nvram_template);
    domain->nvram.path = g_strdup(c->nvram_path);
    domain->nvram.present = c->nvram_template != NULL || c->nvram_path != NULL;
    domain->launch_security = g_strdup(c->launch_security);
    domain->sev_policy = c->launch_security ? c->sev_policy : FWNEG_UNSET;
    return domain;
}

static gboolean
has_rejection(const FwnegFirmwareChoice *choice, const char *expected)
{
    for (guint i = 0; i < choice->rejected->len; i++) {
        const FwnegRejection *r = g_ptr_array_index(choice->rejected, i);
        g_autofree char *name = g_path_get_basename(r->descriptor);
        g_autofree char *line = g_strdup_printf("%s: %s", name, r->reason);
        if (strcmp(line, expected) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean
has_warning(const FwnegFirmwareChoice *choice, const char *substring)
{
    for (guint i = 0; i < choice->warnings->len; i++) {
        if (strstr(g_ptr_array_index(choice->warnings, i), substring) != NULL)
            return TRUE;
    }
    return FALSE;
}

static void
dump_choice(const FwnegFirmwareChoice *choice)
{
    for (guint i = 0; choice && i < choice->rejected->len; i++) {
        const FwnegRejection *r = g_ptr_array_index(choice->rejected, i);
        g_test_message("  rejected %s: %s", r->descriptor, r->reason);
    }
    for (guint i = 0; choice && i < choice->warnings->len; i++)
        g_test_message("  warning %s", (const char *)g_ptr_array_index(choice->warnings, i));
}

static void
test_table(Fixture *fx, gconstpointer data)
{
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const MatchCase *c = &cases[i];
        g_test_message("case: %s", c->label);
        g_autoptr(FwnegDomain) domain = domain_for_case(c);
        g_autoptr(FwnegFirmwareChoice) failed = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(FwnegFirmwareChoice) choice =
            fwneg_firmware_select(domain, c->machine, fx->entries, fx->options, &failed, &error);
        const FwnegFirmwareChoice *seen = choice ? choice : failed;
        dump_choice(seen);

        if (c->error_code == OK) {
            g_assert_no_error(error);
            g_assert_nonnull(choice);
            g_assert_null(failed);
        } else {
            g_assert_null(choice);
            g_assert_error(error, FWNEG_ERROR, c->error_code);
            if (!g_str_has_prefix(error->message, c->error_prefix))
                g_error("%s: message '%s' lacks prefix '%s'", c->label, error->message,
                        c->error_prefix);
            g_assert_nonnull(failed);
        }
        if (c->descriptor != NULL) {
            g_autofree char *expected = g_strconcat(DEBIAN_DIR, c->descriptor, NULL);
            g_assert_cmpstr(seen->descriptor, ==, expected);
        } else if (c->error_code == OK) {
            g_assert_null(seen->descriptor);
        }
        if (c->error_code == OK || c->descriptor != NULL) {
            g_assert_cmpstr(seen->executable, ==, c->executable);
            g_assert_cmpstr(seen->interface, ==, c->interface);
        }
        if (c->error_code == OK) {
            g_assert_cmpstr(seen->nvram_template, ==, c->nvram_template_out);
            g_assert_cmpint(seen->nvram_template_from_legacy_list, ==, c->from_legacy_list);
        }
        if (c->rejection != NULL && !has_rejection(seen, c->rejection))
            g_error("%s: rejection '%s' not found", c->label, c->rejection);
        if (c->warning_substring != NULL && !has_warning(seen, c->warning_substring))
            g_error("%s: warning '%s' not found", c->label, c->warning_substring);
    }
}

static void
test_choice_details(Fixture *fx, gconstpointer data)
{
    const MatchCase *c = &cases[0];
    g_autoptr(FwnegDomain) domain = domain_for_case(c);
    g_autoptr(FwnegFirmwareChoice) choice =
        fwneg_firmware_select(domain, c->machine, fx->entries, fx->options, NULL, NULL);
    g_assert_nonnull(choice);
    g_assert_cmpstr(choice->device, ==, "flash");
    g_assert_cmpstr(choice->mode, ==, "split");
    g_assert_cmpstr(choice->executable_format, ==, "raw");
    g_assert_cmpstr(choice->nvram_template_format, ==, "raw");
    g_assert_true(choice->requires_smm);
    g_assert_cmpuint(choice->features->len, ==, 6);
    g_assert_cmpstr(g_ptr_array_index(choice->features, 2), ==, "enrolled-keys");
    /* Only the single aarch64 file sorts before the winner: libvirt stops at the first match. */
    g_assert_cmpuint(choice->rejected->len, ==, 1);
    g_assert_cmpuint(choice->warnings->len, ==, 0);

    /* i440fx + secure-boot=yes: every candidate has its reason, in order. */
    const MatchCase *unsat = &cases[4];
    g_autoptr(FwnegDomain) unsat_domain = domain_for_case(unsat);
    g_autoptr(FwnegFirmwareChoice) failed = NULL;
    g_autoptr(GError) error = NULL;
    g_assert_null(fwneg_firmware_select(unsat_domain, unsat->machine, fx->entries, fx->options,
                                        &failed, &error));
    g_assert_cmpuint(failed->rejected->len, ==, 7);
    g_assert_cmpstr(
        error->message, ==,
        "Unable to find any firmware to satisfy 'efi'\n"
        "  40-edk2-aarch64-secure-enrolled.json: architecture x86_64 not among targets (aarch64: "
        "virt-*)\n"
        "  40-edk2-x86_64-secure-enrolled.json: machine pc-i440fx-7.2 not matched by targets "
        "(x86_64: pc-q35-*)\n"
        "  50-edk2-aarch64-secure.json: architecture x86_64 not among targets (aarch64: virt-*)\n"
        "  50-edk2-x86_64-secure.json: machine pc-i440fx-7.2 not matched by targets (x86_64: "
        "pc-q35-*)\n"
        "  60-edk2-aarch64.json: architecture x86_64 not among targets (aarch64: virt-*)\n"
        "  60-edk2-arm.json: architecture x86_64 not among targets (arm: virt-*)\n"
        "  60-edk2-x86_64.json: secure-boot requested 'yes' but descriptor lacks feature "
        "secure-boot");
    g_assert_cmpstr(failed->interface, ==, "uefi");
    g_assert_null(failed->descriptor);
}

static FwnegDescriptorEntry *
entry_new(const char *path, FwnegDescriptorState state, const char *error,
          FwnegFirmwareDescriptor *desc)
{
    FwnegDescriptorEntry *entry = g_new0(FwnegDescriptorEntry, 1);
    entry->name = g_path_get_basename(path);
    entry->path = g_strdup(path);
    entry->dir = g_path_get_dirname(path);
    entry->state = state;
    entry->error = g_strdup(error);
    entry->desc = desc;
    return entry;
}

static void
test_masked_broken_igvm(Fixture *fx, gconstpointer data)
{
    /* Replace 40-x86 by a mask from /etc, and add a broken and an igvm file before it. */
    for (guint i = 0; i < fx->entries->len; i++) {
        FwnegDescriptorEntry *entry = g_ptr_array_index(fx->entries, i);
        if (strcmp(entry->name, "40-edk2-x86_64-secure-enrolled.json") == 0)
            fx->entries->pdata[i] =
                entry_new("/etc/qemu/firmware/40-edk2-x86_64-secure-enrolled.json",
                          FWNEG_DESCRIPTOR_MASKED, NULL, NULL);
        if (strcmp(entry->name, "40-edk2-x86_64-secure-enrolled.json") == 0)
            fwneg_descriptor_entry_free(entry);
    }
    g_ptr_array_insert(fx->entries, 0,
                       entry_new("/etc/qemu/firmware/05-broken.json", FWNEG_DESCRIPTOR_BROKEN,
                                 "line 5, column 1: invalid JSON: unexpected end of file", NULL));
    const char *igvm_json =
        "{\"interface-types\": [\"uefi\"], \"mapping\": {\"device\": \"igvm\", \"filename\": "
        "\"/usr/share/OVMF/OVMF_CODE_4M.fd\"}, \"targets\": [{\"architecture\": \"x86_64\", "
        "\"machines\": [\"pc-q35-*\"]}], \"features\": []}";
    FwnegFirmwareDescriptor *igvm = fwneg_firmware_descriptor_parse(
        "/etc/qemu/firmware/06-igvm.json", igvm_json, strlen(igvm_json), NULL);
    g_assert_nonnull(igvm);
    g_ptr_array_insert(
        fx->entries, 1,
        entry_new("/etc/qemu/firmware/06-igvm.json", FWNEG_DESCRIPTOR_OK, NULL, igvm));

    g_autoptr(FwnegDomain) domain = domain_for_case(&cases[0]);
    g_autoptr(FwnegFirmwareChoice) choice =
        fwneg_firmware_select(domain, "pc-q35-7.2", fx->entries, fx->options, NULL, NULL);
    dump_choice(choice);
    g_assert_nonnull(choice);
    g_assert_cmpstr(choice->descriptor, ==, DEBIAN_DIR "50-edk2-x86_64-secure.json");
    g_assert_true(has_rejection(choice, "05-broken.json: unparseable: line 5, column 1: invalid "
                                        "JSON: unexpected end of file"));
    g_assert_true(has_rejection(choice, "06-igvm.json: mapping device 'igvm' is unknown to libvirt "
                                        "9.0 (it cannot parse this descriptor)"));
    g_assert_true(
        has_rejection(choice, "40-edk2-x86_64-secure-enrolled.json: masked by "
                              "/etc/qemu/firmware/40-edk2-x86_64-secure-enrolled.json (0 bytes)"));
    g_assert_true(
        has_warning(choice, "libvirt 9.0 cannot parse /etc/qemu/firmware/05-broken.json"));
    g_assert_true(has_warning(choice, "libvirt 9.0 cannot parse /etc/qemu/firmware/06-igvm.json"));
}

static void
test_matches_directly(Fixture *fx, gconstpointer data)
{
    g_autoptr(FwnegDomain) domain = fwneg_domain_new();
    domain->arch = g_strdup("armv7l"); /* libvirt's name; descriptors say "arm" */
    domain->firmware = FWNEG_OS_FIRMWARE_EFI;
    for (guint i = 0; i < fx->entries->len; i++) {
        const FwnegDescriptorEntry *entry = g_ptr_array_index(fx->entries, i);
        g_autofree char *reason = NULL;
        gboolean ok = fwneg_firmware_matches(domain, "virt-7.2", entry->desc, fx->options, &reason);
        g_assert_cmpint(ok, ==, strcmp(entry->name, "60-edk2-arm.json") == 0);
        g_assert_true(ok == (reason == NULL));
    }

    /* fwneg's existence check runs only for what libvirt accepts. */
    g_autoptr(FwnegDomain) aarch64 = fwneg_domain_new();
    aarch64->arch = g_strdup("aarch64");
    aarch64->firmware = FWNEG_OS_FIRMWARE_EFI;
    const FwnegDescriptorEntry *secure = g_ptr_array_index(fx->entries, 2);
    g_assert_cmpstr(secure->name, ==, "50-edk2-aarch64-secure.json");
    g_autofree char *reason = NULL;
    g_assert_false(fwneg_firmware_matches(aarch64, "virt-7.2", secure->desc, fx->options, &reason));
    g_assert_cmpstr(reason, ==, "executable /usr/share/AAVMF/AAVMF_CODE.secboot.fd does not exist");
    g_autofree char *reason2 = NULL;
    g_assert_false(
        fwneg_firmware_matches(aarch64, "pc-q35-7.2", secure->desc, fx->options, &reason2));
    g_assert_cmpstr(reason2, ==, "machine pc-q35-7.2 not matched by targets (aarch64: virt-*)");
}

/* A manual read-only pflash loader on i440fx, no template: the list decides. */
static FwnegDomain *
pc_manual_loader(const char *path)
{
    FwnegDomain *domain = fwneg_domain_new();
    domain->name = g_strdup("guest");
    domain->source_name = g_strdup("guest.xml");
    domain->arch = g_strdup("x86_64");
    domain->loader.path = g_strdup(path);
    domain->loader.type = g_strdup("pflash");
    domain->loader.readonly = FWNEG_TRISTATE_YES;
    return domain;
}

static gboolean
load_config_text(FwnegOptions *options, const char *text, GError **error)
{
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("fwneg-match-XXXXXX.conf", &path, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    gboolean ok = fwneg_options_load_config(options, path, TRUE, error);
    g_unlink(path);
    return ok;
}

static void
test_legacy_nvram_config(Fixture *fx, gconstpointer data)
{
    g_autoptr(FwnegDomain) domain = pc_manual_loader("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd");
    g_autoptr(GError) error = NULL;

    /* The default (libvirt's built-in list) lacks the 4M images. */
    g_autoptr(FwnegFirmwareChoice) failed = NULL;
    g_assert_null(
        fwneg_firmware_select(domain, "pc-i440fx-7.2", fx->entries, fx->options, &failed, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_nonnull(strstr(error->message, "libvirt's built-in loader:nvram list has only: "
                                            "/usr/share/OVMF/OVMF_CODE.fd, "
                                            "/usr/share/OVMF/OVMF_CODE.secboot.fd, "
                                            "/usr/share/AAVMF/AAVMF_CODE.fd, "
                                            "/usr/share/AAVMF/AAVMF32_CODE.fd)"));
    g_assert_nonnull(failed);
    g_assert_cmpstr(failed->executable, ==, "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd");
    g_clear_error(&error);

    /* qemu.conf nvram=[…] on that host: the config's list replaces the built-in one. */
    g_assert_true(load_config_text(fx->options,
                                   "[fwneg]\nlegacy-nvram=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd:"
                                   "/usr/share/OVMF/OVMF_VARS_4M.fd;\n",
                                   &error));
    g_assert_no_error(error);
    g_autoptr(FwnegFirmwareChoice) choice =
        fwneg_firmware_select(domain, "pc-i440fx-7.2", fx->entries, fx->options, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(choice->nvram_template, ==, "/usr/share/OVMF/OVMF_VARS_4M.fd");
    g_assert_true(choice->nvram_template_from_legacy_list);
    g_assert_true(has_warning(choice, "(the legacy-nvram list of fwneg's config)"));

    /* The replaced list no longer knows OVMF_CODE.fd. */
    g_autoptr(FwnegDomain) code_2m = pc_manual_loader("/usr/share/OVMF/OVMF_CODE.fd");
    g_autoptr(FwnegFirmwareChoice) none = NULL;
    g_assert_null(
        fwneg_firmware_select(code_2m, "pc-i440fx-7.2", fx->entries, fx->options, &none, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_true(g_str_has_prefix(error->message, "unable to find any master var store for "
                                                   "loader: /usr/share/OVMF/OVMF_CODE.fd"));
    g_clear_error(&error);
}

static void
test_legacy_nvram_config_edge_cases(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDomain) domain = pc_manual_loader("/usr/share/OVMF/OVMF_CODE.fd");

    /* Empty list (qemu.conf nvram set while descriptors exist): nothing is listed. */
    g_autoptr(FwnegOptions) empty = fwneg_options_new();
    empty->sysroot = g_strdup(fx->options->sysroot);
    g_assert_true(load_config_text(empty, "[fwneg]\nlegacy-nvram=\n", &error));
    g_assert_no_error(error);
    g_assert_nonnull(empty->legacy_nvram);
    g_assert_cmpuint(empty->legacy_nvram->len, ==, 0);
    g_assert_null(fwneg_firmware_select(domain, "pc-i440fx-7.2", fx->entries, empty, NULL, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_nonnull(
        strstr(error->message, "the legacy-nvram list of fwneg's config has only: none"));
    g_clear_error(&error);

    /* A VARS file that does not exist: libvirt fails to open it at start. */
    g_autoptr(FwnegOptions) missing = fwneg_options_new();
    missing->sysroot = g_strdup(fx->options->sysroot);
    g_assert_true(load_config_text(missing,
                                   "[fwneg]\nlegacy-nvram=/usr/share/OVMF/OVMF_CODE.fd:"
                                   "/usr/share/OVMF/NO_SUCH_VARS.fd\n",
                                   &error));
    g_assert_null(
        fwneg_firmware_select(domain, "pc-i440fx-7.2", fx->entries, missing, NULL, &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_true(g_str_has_prefix(error->message, "NVRAM template /usr/share/OVMF/NO_SUCH_VARS.fd "
                                                   "for loader /usr/share/OVMF/OVMF_CODE.fd (from "
                                                   "the legacy-nvram list of fwneg's config) does "
                                                   "not exist"));
    g_clear_error(&error);

    /* Malformed items are refused like libvirt's "Invalid nvram format". */
    const char *const bad[] = {
        "[fwneg]\nlegacy-nvram=/usr/share/OVMF/OVMF_CODE.fd\n",
        "[fwneg]\nlegacy-nvram=/a:/b:/c\n",
        "[fwneg]\nlegacy-nvram=/a:relative\n",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(FwnegOptions) options = fwneg_options_new();
        g_assert_false(load_config_text(options, bad[i], &error));
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
        g_assert_nonnull(strstr(error->message, "legacy-nvram: '"));
        g_assert_nonnull(strstr(error->message, "is not LOADER:VARS"));
        g_assert_null(options->legacy_nvram);
        g_clear_error(&error);
    }

    /* The built-in default, as the options report it. */
    g_autoptr(FwnegOptions) defaults = fwneg_options_new();
    g_autoptr(GPtrArray) list = fwneg_options_legacy_nvram(defaults);
    g_assert_cmpuint(list->len, ==, 4);
    g_assert_cmpstr(g_ptr_array_index(list, 1), ==,
                    "/usr/share/OVMF/OVMF_CODE.secboot.fd:/usr/share/OVMF/OVMF_VARS.fd");
}

static void
test_enrolled_keys_implies_secure_boot(Fixture *fx, gconstpointer data)
{
    /* A (broken) build with enrolled keys but no secure-boot feature. */
    const char *json =
        "{\"interface-types\": [\"uefi\"], \"mapping\": {\"device\": \"flash\", "
        "\"executable\": {\"filename\": \"/usr/share/OVMF/OVMF_CODE_4M.fd\", \"format\": "
        "\"raw\"}, \"nvram-template\": {\"filename\": \"/usr/share/OVMF/OVMF_VARS_4M.fd\", "
        "\"format\": \"raw\"}}, \"targets\": [{\"architecture\": \"x86_64\", "
        "\"machines\": [\"pc-q35-*\"]}], \"features\": [\"enrolled-keys\"]}";
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegFirmwareDescriptor) desc = fwneg_firmware_descriptor_parse(
        "/etc/qemu/firmware/10-keys-only.json", json, strlen(json), &error);
    g_assert_no_error(error);
    g_autoptr(FwnegDomain) domain = fwneg_domain_new();
    domain->arch = g_strdup("x86_64");
    domain->firmware = FWNEG_OS_FIRMWARE_EFI;
    domain->fw_enrolled_keys = FWNEG_TRISTATE_YES;
    g_autofree char *reason = NULL;
    g_assert_false(fwneg_firmware_matches(domain, "pc-q35-7.2", desc, fx->options, &reason));
    g_assert_cmpstr(reason, ==,
                    "secure-boot requested 'yes' but descriptor lacks feature secure-boot");
    domain->fw_enrolled_keys = FWNEG_TRISTATE_ABSENT;
    g_assert_true(fwneg_firmware_matches(domain, "pc-q35-7.2", desc, fx->options, NULL));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/firmware-match/table", Fixture, NULL, fixture_setup, test_table, fixture_teardown);
    g_test_add("/firmware-match/choice-details", Fixture, NULL, fixture_setup, test_choice_details,
               fixture_teardown);
    g_test_add("/firmware-match/masked-broken-igvm", Fixture, NULL, fixture_setup,
               test_masked_broken_igvm, fixture_teardown);
    g_test_add("/firmware-match/matches", Fixture, NULL, fixture_setup, test_matches_directly,
               fixture_teardown);
    g_test_add("/firmware-match/legacy-nvram-config", Fixture, NULL, fixture_setup,
               test_legacy_nvram_config, fixture_teardown);
    g_test_add("/firmware-match/legacy-nvram-edge-cases", Fixture, NULL, fixture_setup,
               test_legacy_nvram_config_edge_cases, fixture_teardown);
    g_test_add("/firmware-match/enrolled-keys-implies-secure-boot", Fixture, NULL, fixture_setup,
               test_enrolled_keys_implies_secure_boot, fixture_teardown);
    return g_test_run();
}

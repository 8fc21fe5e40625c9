/* test-domain-validate.c: libvirt 9.0's define-time firmware rules.
 *
 * Every verdict below is what the real libvirt 9.0.0 of Debian 12 answered to
 * `virsh define` of the same <os>/<features> in a private session libvirtd
 * (tests/libvirt/libvirtd-harness.sh); the parity test re-checks the cases in
 * tests/libvirt/firmware-parity/ live.  NULL expected = libvirt defines it.
 */
#include <string.h>

#include "domain-validate.h"
#include "fwneg-error.h"

typedef struct {
    const char *label;
    const char *arch;
    const char *machine; /* canonical, as the planner passes it */
    const char *os_attrs;
    const char *os_inner;
    const char *features;
    const char *libvirt_message; /* NULL: accepted */
    const char *where;           /* element/attribute named in the message */
} ValidateCase;

static const ValidateCase cases[] = {
    /* firmware autoselection with loader attributes (virDomainDefOSValidate) */
    {"efi + secure='no'", "x86_64", "pc-q35-7.2", "firmware='efi'", "<loader secure='no'/>",
     "<acpi/>",
     "loader attribute 'secure' cannot be specified when firmware autoselection is enabled",
     "<os firmware='efi'><loader secure='no'>"},
    {"efi + secure='yes' is accepted (old way to ask for Secure Boot)", "x86_64", "pc-q35-7.2",
     "firmware='efi'", "<loader secure='yes'/>", "<acpi/>", NULL, NULL},
    {"efi + readonly='no'", "x86_64", "pc-q35-7.2", "firmware='efi'", "<loader readonly='no'/>",
     "<acpi/>",
     "loader attribute 'readonly' cannot be specified when firmware autoselection is enabled",
     "<os firmware='efi'><loader readonly='no'>"},
    {"efi + readonly before secure", "x86_64", "pc-q35-7.2", "firmware='efi'",
     "<loader secure='no' readonly='yes'/>", "<acpi/>",
     "loader attribute 'readonly' cannot be specified when firmware autoselection is enabled",
     "<loader readonly='yes'>"},
    {"efi + type='pflash'", "x86_64", "pc-q35-7.2", "firmware='efi'", "<loader type='pflash'/>",
     "<acpi/>",
     "loader attribute 'type' cannot be specified when firmware autoselection is enabled",
     "<loader type='pflash'>"},
    {"efi + loader path: post-parse made it type='rom'", "x86_64", "pc-q35-7.2", "firmware='efi'",
     "<loader>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>", "<acpi/>",
     "loader attribute 'type' cannot be specified when firmware autoselection is enabled",
     "<loader>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"},
    {"efi + nvram template", "x86_64", "pc-q35-7.2", "firmware='efi'",
     "<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'/>", "<acpi/>",
     "nvram attribute 'template' cannot be specified when firmware autoselection is enabled",
     "<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>"},
    {"efi + nvram path is fine", "x86_64", "pc-q35-7.2", "firmware='efi'",
     "<nvram>/tmp/x_VARS.fd</nvram>", "<acpi/>", NULL, NULL},
    {"bios + nvram path", "x86_64", "pc-q35-7.2", "firmware='bios'",
     "<nvram>/tmp/x_VARS.fd</nvram>", "<acpi/>", "firmware type 'bios' does not support nvram",
     "<os firmware='bios'><nvram>/tmp/x_VARS.fd</nvram>"},
    /* feature combinations (virDomainDefPostParseOs runs before validation) */
    {"enrolled-keys=yes with secure-boot=no", "x86_64", "pc-q35-7.2", "firmware='efi'",
     "<firmware><feature enabled='yes' name='enrolled-keys'/>"
     "<feature enabled='no' name='secure-boot'/></firmware>",
     "<acpi/>",
     "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is "
     "disabled",
     "<feature name='enrolled-keys' enabled='yes'>"},
    {"post-parse wins over loader attributes", "x86_64", "pc-q35-7.2", "firmware='efi'",
     "<loader secure='no'/><firmware><feature enabled='yes' name='enrolled-keys'/>"
     "<feature enabled='no' name='secure-boot'/></firmware>",
     "<acpi/>",
     "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is "
     "disabled",
     NULL},
    {"features without firmware=", "x86_64", "pc-q35-7.2", "",
     "<firmware><feature enabled='no' name='secure-boot'/></firmware>", "<acpi/>",
     "cannot use feature-based firmware autoselection when firmware autoselection is disabled",
     "<os><firmware><feature>"},
    /* ACPI and UEFI (qemuValidateDomainDef, before the generic checks) */
    {"x86 efi without ACPI", "x86_64", "pc-q35-7.2", "firmware='efi'", "", "",
     "UEFI requires ACPI on this architecture", "<features>"},
    {"x86 pflash loader without ACPI", "x86_64", "pc-q35-7.2", "",
     "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>", "",
     "UEFI requires ACPI on this architecture", NULL},
    {"driver checks come before loader attributes", "x86_64", "pc-q35-7.2", "firmware='efi'",
     "<loader secure='no'/>", "", "UEFI requires ACPI on this architecture", NULL},
    {"aarch64 ACPI without UEFI", "aarch64", "virt-7.2", "", "", "<acpi/>",
     "ACPI requires UEFI on this architecture", "<features><acpi>"},
    {"aarch64 ACPI with a pflash loader", "aarch64", "virt-7.2", "",
     "<loader readonly='yes' type='pflash'>/usr/share/AAVMF/AAVMF_CODE.fd</loader>", "<acpi/>",
     NULL, NULL},
    {"aarch64 without ACPI or firmware", "aarch64", "virt-7.2", "", "", "", NULL, NULL},
    /* secure (SMM-only) pflash (qemuValidateDomainDefBoot) */
    {"secure='yes' without SMM", "x86_64", "pc-q35-7.2", "",
     "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
     "</loader>",
     "<acpi/>", "Secure boot requires SMM feature enabled", "<os><loader secure='yes'>"},
    {"secure='yes' with SMM on", "x86_64", "pc-q35-7.2", "",
     "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
     "</loader>",
     "<acpi/><smm state='on'/>", NULL, NULL},
    {"secure='yes' with SMM off", "x86_64", "pc-q35-7.2", "",
     "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
     "</loader>",
     "<acpi/><smm state='off'/>", "Secure boot requires SMM feature enabled", NULL},
    {"secure='yes' with autoselection: libvirt adds SMM itself", "x86_64", "pc-q35-7.2",
     "firmware='efi'", "<loader secure='yes'/>", "<acpi/>", NULL, NULL},
    {"secure='yes' on i440fx even with SMM", "x86_64", "pc-i440fx-7.2", "",
     "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
     "</loader>",
     "<acpi/><smm state='on'/>", "Secure boot is supported with q35 machine types only",
     "machine 'pc-i440fx-7.2' is not one"},
    {"secure='yes' with autoselection on i440fx", "x86_64", "pc-i440fx-7.2", "firmware='efi'",
     "<loader secure='yes'/>", "<acpi/>", "Secure boot is supported with q35 machine types only",
     NULL},
    {"secure='yes' on i686 q35", "i686", "pc-q35-7.2", "",
     "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
     "</loader>",
     "<acpi/><smm state='on'/>", "Secure boot is supported for x86_64 architecture only",
     "not 'i686'"},
    {"secure='yes' on aarch64 virt", "aarch64", "virt-7.2", "",
     "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/AAVMF/AAVMF_CODE.fd</loader>",
     "", "Secure boot is supported with q35 machine types only", NULL},
    /* manual loader (virDomainDefOSValidate, autoselection off) */
    {"nvram alone is a loader without path", "x86_64", "pc-q35-7.2", "",
     "<nvram>/tmp/y_VARS.fd</nvram>", "<acpi/>",
     "no loader path specified and firmware auto selection disabled", "<os><loader>/<nvram>"},
    {"loader attributes without path", "x86_64", "pc-q35-7.2", "",
     "<loader readonly='yes' type='pflash'/>", "<acpi/>",
     "no loader path specified and firmware auto selection disabled", "<os><loader>"},
    {"plain manual pflash loader", "x86_64", "pc-q35-7.2", "",
     "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>", "<acpi/>", NULL,
     NULL},
    {"BIOS guest without loader", "x86_64", "pc-i440fx-7.2", "", "", "", NULL, NULL},
    /* stateless */
    {"stateless with a template", "x86_64", "pc-q35-7.2", "",
     "<loader readonly='yes' type='pflash' stateless='yes'>/usr/share/OVMF/OVMF_CODE_4M.fd"
     "</loader><nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'/>",
     "<acpi/>", "NVRAM template is not permitted when loader is stateless", NULL},
    {"stateless with an NVRAM path", "x86_64", "pc-q35-7.2", "",
     "<loader readonly='yes' type='pflash' stateless='yes'>/usr/share/OVMF/OVMF_CODE_4M.fd"
     "</loader><nvram>/tmp/z_VARS.fd</nvram>",
     "<acpi/>", "NVRAM is not permitted when loader is stateless", NULL},
    {"stateless='no' on a ROM loader", "x86_64", "pc-q35-7.2", "",
     "<loader stateless='no'>/usr/share/seabios/bios.bin</loader>", "<acpi/>",
     "Only pflash loader type permits NVRAM", "<os><loader stateless='no'>"},
    {"stateless='no' with firmware='bios'", "x86_64", "pc-q35-7.2", "firmware='bios'",
     "<loader stateless='no'/>", "<acpi/>", "Only EFI firmware permits NVRAM", NULL},
};

static FwnegDomain *
parse_case(const ValidateCase *c)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>v</name><memory unit='MiB'>64</memory>"
        "<os %s><type arch='%s' machine='%s'>hvm</type>%s</os><features>%s</features>"
        "</domain>",
        c->os_attrs, c->arch, c->machine, c->os_inner, c->features);
    g_autoptr(GError) error = NULL;
    FwnegDomain *domain = fwneg_domain_parse_memory(xml, strlen(xml), "v.xml", &error);
    g_assert_no_error(error);
    return domain;
}

static void
test_table(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const ValidateCase *c = &cases[i];
        g_test_message("case: %s", c->label);
        g_autoptr(FwnegDomain) domain = parse_case(c);
        g_autoptr(GError) error = NULL;
        gboolean ok = fwneg_domain_validate_libvirt(domain, c->machine, &error);
        if (c->libvirt_message == NULL) {
            if (!ok)
                g_error("%s: refused: %s", c->label, error->message);
            g_assert_no_error(error);
            continue;
        }
        if (ok)
            g_error("%s: accepted, libvirt says \"%s\"", c->label, c->libvirt_message);
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
        g_autofree char *quoted = g_strdup_printf("\"%s\"", c->libvirt_message);
        if (!g_str_has_prefix(error->message, "v.xml: ") || strstr(error->message, quoted) == NULL)
            g_error("%s: message '%s' lacks file or libvirt's %s", c->label, error->message,
                    quoted);
        if (c->where != NULL && strstr(error->message, c->where) == NULL)
            g_error("%s: message '%s' does not name %s", c->label, error->message, c->where);
    }
}

/* One full message: file, element, libvirt's words, what to do. */
static void
test_message_shape(void)
{
    g_autoptr(FwnegDomain) domain = parse_case(&cases[0]);
    g_autoptr(GError) error = NULL;
    g_assert_false(fwneg_domain_validate_libvirt(domain, "pc-q35-7.2", &error));
    g_assert_cmpstr(error->message, ==,
                    "v.xml: <os firmware='efi'><loader secure='no'>: libvirt 9.0 refuses to "
                    "define this domain: \"loader attribute 'secure' cannot be specified when "
                    "firmware autoselection is enabled\"; remove the secure attribute; to ask for "
                    "a firmware without Secure Boot use <firmware><feature enabled='no' "
                    "name='secure-boot'/></firmware>");
}

/* libvirt also accepts the alias: qemuDomainMachineIsQ35 matches "q35" itself. */
static void
test_q35_alias(void)
{
    const ValidateCase *smm_on = &cases[19];
    g_assert_cmpstr(smm_on->label, ==, "secure='yes' with SMM on");
    g_autoptr(FwnegDomain) domain = parse_case(smm_on);
    g_assert_true(fwneg_domain_validate_libvirt(domain, "q35", NULL));
    g_assert_false(fwneg_domain_validate_libvirt(domain, "pc", NULL));
    g_assert_false(fwneg_domain_validate_libvirt(domain, "q35x", NULL));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/domain-validate/table", test_table);
    g_test_add_func("/domain-validate/message-shape", test_message_shape);
    g_test_add_func("/domain-validate/q35-alias", test_q35_alias);
    return g_test_run();
}

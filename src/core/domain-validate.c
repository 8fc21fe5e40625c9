/* domain-validate.c: libvirt 9.0's define-time firmware rules.
 *
 * Taken from libvirt 9.0.0 as Debian 12 builds it (src/conf/domain_postparse.c
 * virDomainDefPostParseOs, src/qemu/qemu_validate.c qemuValidateDomainDef and
 * qemuValidateDomainDefBoot, src/conf/domain_validate.c virDomainDefOSValidate)
 * and checked against that daemon with `virsh define`.  libvirt runs them in
 * this order and reports only the first failure, so fwneg does the same and
 * quotes libvirt's message: a user searching for it finds libvirt's docs.
 *
 * Two libvirt details the checks depend on:
 * - post-parse gives a <loader> with a path but no type the type 'rom', so
 *   with firmware autoselection a loader path is refused as "loader attribute
 *   'type'" (the "loader path cannot be specified" message is unreachable);
 * - an <nvram> element alone also creates libvirt's loader definition, so it
 *   counts as a <loader> for "no loader path specified".
 */
#include "domain-validate.h"

#include <stdarg.h>
#include <string.h>

#include "fwneg-error.h"

G_GNUC_PRINTF(5, 6)
static gboolean
refuse(GError **error, const FwnegDomain *domain, const char *where, const char *libvirt_message,
       const char *hint_format, ...)
{
    va_list args;
    va_start(args, hint_format);
    g_autofree char *hint = g_strdup_vprintf(hint_format, args);
    va_end(args);
    g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                "%s: %s: libvirt 9.0 refuses to define this domain: \"%s\"; %s",
                domain->source_name ? domain->source_name : "domain", where, libvirt_message, hint);
    return FALSE;
}

static gboolean
arch_is_x86(const char *arch)
{
    return g_strcmp0(arch, "x86_64") == 0 || g_strcmp0(arch, "i686") == 0;
}

/* qemuDomainMachineIsQ35. */
static gboolean
machine_is_q35(const char *arch, const char *machine)
{
    return arch_is_x86(arch) && machine != NULL &&
           (strcmp(machine, "q35") == 0 || g_str_has_prefix(machine, "pc-q35-"));
}

/* virDomainDefHasOldStyleUEFI. */
static gboolean
has_pflash_loader(const FwnegDomain *domain)
{
    return g_strcmp0(domain->loader.type, "pflash") == 0;
}

/* libvirt allocates its loader definition for a <loader> or an <nvram> element. */
static gboolean
has_loader_definition(const FwnegDomain *domain)
{
    const FwnegLoader *loader = &domain->loader;
    return loader->path != NULL || loader->type != NULL || loader->format != NULL ||
           loader->readonly != FWNEG_TRISTATE_ABSENT || loader->secure != FWNEG_TRISTATE_ABSENT ||
           loader->stateless != FWNEG_TRISTATE_ABSENT || domain->nvram.present;
}

static gboolean
has_firmware_features(const FwnegDomain *domain)
{
    return domain->fw_secure_boot != FWNEG_TRISTATE_ABSENT ||
           domain->fw_enrolled_keys != FWNEG_TRISTATE_ABSENT;
}

/* The loader type after libvirt's post-parse: a path without a type is a ROM. */
static const char *
effective_loader_type(const FwnegDomain *domain)
{
    if (domain->loader.type != NULL)
        return domain->loader.type;
    return domain->loader.path != NULL ? "rom" : NULL;
}

/* virDomainDefPostParseOs. */
static gboolean
check_firmware_features(const FwnegDomain *domain, GError **error)
{
    if (domain->fw_enrolled_keys == FWNEG_TRISTATE_YES &&
        domain->fw_secure_boot == FWNEG_TRISTATE_NO)
        return refuse(error, domain, "<os><firmware><feature name='enrolled-keys' enabled='yes'>",
                      "firmware feature 'enrolled-keys' cannot be enabled when firmware feature "
                      "'secure-boot' is disabled",
                      "enrolled Secure Boot keys need Secure Boot: enable secure-boot or set "
                      "enrolled-keys to 'no'");
    return TRUE;
}

/* qemuValidateDomainDef: the ACPI/UEFI coupling. */
static gboolean
check_acpi(const FwnegDomain *domain, GError **error)
{
    gboolean uefi = domain->firmware == FWNEG_OS_FIRMWARE_EFI || has_pflash_loader(domain);
    if (uefi && arch_is_x86(domain->arch) && !domain->acpi)
        return refuse(error, domain, "<features>", "UEFI requires ACPI on this architecture",
                      "add <acpi/> to <features>");
    if (domain->acpi && g_strcmp0(domain->arch, "aarch64") == 0 && !uefi)
        return refuse(error, domain, "<features><acpi>", "ACPI requires UEFI on this architecture",
                      "set <os firmware='efi'> (or remove <acpi/>)");
    return TRUE;
}

/* qemuValidateDomainDefBoot: QEMU's limits for secure (SMM-only) pflash. */
static gboolean
check_secure_loader(const FwnegDomain *domain, const char *machine, GError **error)
{
    if (domain->loader.secure != FWNEG_TRISTATE_YES)
        return TRUE;
    const char *where = "<os><loader secure='yes'>";
    if (!machine_is_q35(domain->arch, machine))
        return refuse(error, domain, where, "Secure boot is supported with q35 machine types only",
                      "use a q35 machine type (machine '%s' is not one) or remove secure='yes'",
                      machine ? machine : "");
    if (g_strcmp0(domain->arch, "x86_64") != 0)
        return refuse(error, domain, where, "Secure boot is supported for x86_64 architecture only",
                      "use arch='x86_64' (not '%s') or remove secure='yes'",
                      domain->arch ? domain->arch : "");
    /* With autoselection libvirt turns SMM on itself (qemuFirmwareEnableFeatures). */
    if (domain->firmware == FWNEG_OS_FIRMWARE_NONE && domain->smm != FWNEG_TRISTATE_YES)
        return refuse(error, domain, where, "Secure boot requires SMM feature enabled",
                      "add <smm state='on'/> to <features>, or remove secure='yes'");
    return TRUE;
}

/* virDomainDefOSValidate, firmware autoselection on: the loader is libvirt's to fill. */
static gboolean
check_autoselection_loader(const FwnegDomain *domain, GError **error)
{
    const FwnegLoader *loader = &domain->loader;
    const char *firmware = domain->firmware == FWNEG_OS_FIRMWARE_EFI ? "efi" : "bios";
    if (!has_loader_definition(domain))
        return TRUE;
    if (loader->readonly != FWNEG_TRISTATE_ABSENT) {
        g_autofree char *where =
            g_strdup_printf("<os firmware='%s'><loader readonly='%s'>", firmware,
                            fwneg_tristate_to_string(loader->readonly));
        return refuse(error, domain, where,
                      "loader attribute 'readonly' cannot be specified when firmware "
                      "autoselection is enabled",
                      "remove the readonly attribute (libvirt sets it from the chosen firmware)");
    }
    const char *type = effective_loader_type(domain);
    if (type != NULL) {
        g_autofree char *where =
            loader->type != NULL
                ? g_strdup_printf("<os firmware='%s'><loader type='%s'>", firmware, loader->type)
                : g_strdup_printf("<os firmware='%s'><loader>%s</loader>", firmware, loader->path);
        g_autofree char *hint =
            loader->type != NULL
                ? g_strdup("remove the type attribute (libvirt sets it from the chosen firmware)")
                : g_strdup_printf("a loader path implies type='rom' to libvirt: either remove the "
                                  "path and let libvirt choose, or remove firmware='%s' and give "
                                  "type='pflash' readonly='yes' yourself",
                                  firmware);
        return refuse(error, domain, where,
                      "loader attribute 'type' cannot be specified when firmware autoselection is "
                      "enabled",
                      "%s", hint);
    }
    if (domain->nvram.template != NULL) {
        g_autofree char *where = g_strdup_printf("<os firmware='%s'><nvram template='%s'>",
                                                 firmware, domain->nvram.template);
        return refuse(error, domain, where,
                      "nvram attribute 'template' cannot be specified when firmware autoselection "
                      "is enabled",
                      "remove the template attribute (libvirt takes the template from the chosen "
                      "firmware descriptor)");
    }
    /* libvirt accepts secure='yes' for compatibility (it then wants an SMM build). */
    if (loader->secure == FWNEG_TRISTATE_NO) {
        g_autofree char *where =
            g_strdup_printf("<os firmware='%s'><loader secure='no'>", firmware);
        return refuse(error, domain, where,
                      "loader attribute 'secure' cannot be specified when firmware autoselection "
                      "is enabled",
                      "remove the secure attribute; to ask for a firmware without Secure Boot use "
                      "<firmware><feature enabled='no' name='secure-boot'/></firmware>");
    }
    if (domain->nvram.path != NULL && domain->firmware != FWNEG_OS_FIRMWARE_EFI) {
        g_autofree char *message =
            g_strdup_printf("firmware type '%s' does not support nvram", firmware);
        g_autofree char *where =
            g_strdup_printf("<os firmware='%s'><nvram>%s</nvram>", firmware, domain->nvram.path);
        return refuse(error, domain, where, message, "remove <nvram> (BIOS keeps no variables)");
    }
    return TRUE;
}

/* virDomainDefOSValidate, firmware autoselection off: the user gives the loader. */
static gboolean
check_manual_loader(const FwnegDomain *domain, GError **error)
{
    if (has_firmware_features(domain))
        return refuse(error, domain, "<os><firmware><feature>",
                      "cannot use feature-based firmware autoselection when firmware "
                      "autoselection is disabled",
                      "add firmware='efi' to <os>, or remove <firmware> from <os>");
    if (has_loader_definition(domain) && domain->loader.path == NULL)
        return refuse(error, domain,
                      domain->nvram.present ? "<os><loader>/<nvram>" : "<os><loader>",
                      "no loader path specified and firmware auto selection disabled",
                      "give the firmware path as the text of <loader>, or set <os firmware='efi'> "
                      "and drop <loader>");
    return TRUE;
}

/* virDomainDefOSValidate: stateless firmware has no NVRAM. */
static gboolean
check_stateless(const FwnegDomain *domain, GError **error)
{
    const FwnegLoader *loader = &domain->loader;
    if (loader->stateless == FWNEG_TRISTATE_YES) {
        if (domain->nvram.template != NULL)
            return refuse(error, domain, "<os><loader stateless='yes'> with <nvram template>",
                          "NVRAM template is not permitted when loader is stateless",
                          "remove the template attribute, or stateless='yes'");
        if (domain->nvram.path != NULL)
            return refuse(error, domain, "<os><loader stateless='yes'> with <nvram>",
                          "NVRAM is not permitted when loader is stateless",
                          "remove <nvram>, or stateless='yes'");
    } else if (loader->stateless == FWNEG_TRISTATE_NO) {
        if (domain->firmware == FWNEG_OS_FIRMWARE_NONE &&
            g_strcmp0(effective_loader_type(domain), "pflash") != 0)
            return refuse(error, domain, "<os><loader stateless='no'>",
                          "Only pflash loader type permits NVRAM",
                          "add type='pflash' to <loader>, or remove stateless='no'");
        if (domain->firmware == FWNEG_OS_FIRMWARE_BIOS)
            return refuse(error, domain, "<os firmware='bios'><loader stateless='no'>",
                          "Only EFI firmware permits NVRAM",
                          "use firmware='efi', or remove stateless='no'");
    }
    return TRUE;
}

/* <rom> on a device that is not PCI (qemuValidateDomainDeviceInfo). */
static gboolean
check_rom_address(const FwnegDomain *domain, const FwnegRom *rom, const FwnegAddress *address,
                  const char *what, GError **error)
{
    gboolean tuned = rom->enabled != FWNEG_TRISTATE_ABSENT || rom->bar != FWNEG_TRISTATE_ABSENT ||
                     rom->file != NULL;
    if (!tuned || address->type == FWNEG_ADDRESS_PCI || address->type == FWNEG_ADDRESS_NONE)
        return TRUE;
    return refuse(error, domain, what, "ROM tuning is only supported for PCI devices",
                  "remove its <rom> element, or give it a PCI address");
}

/* Device rules that concern the firmware side (virDomainFSDefValidate,
 * qemuValidateDomainDeviceInfo). */
static gboolean
check_devices(const FwnegDomain *domain, GError **error)
{
    for (guint i = 0; domain->filesystems && i < domain->filesystems->len; i++) {
        const FwnegFilesystem *fs = g_ptr_array_index(domain->filesystems, i);
        if (fs->boot_order != FWNEG_UNSET && g_strcmp0(fs->driver, "virtiofs") != 0)
            return refuse(error, domain, "<filesystem><boot>",
                          "boot order is only supported for virtiofs",
                          "use <driver type='virtiofs'/> or remove its <boot order>");
    }
    for (guint i = 0; domain->interfaces && i < domain->interfaces->len; i++) {
        const FwnegInterface *iface = g_ptr_array_index(domain->interfaces, i);
        g_autofree char *label = fwneg_interface_label(iface, i);
        g_autofree char *what = g_strdup_printf("<interface> %s", label);
        if (!check_rom_address(domain, &iface->rom, &iface->address, what, error))
            return FALSE;
    }
    for (guint i = 0; domain->hostdevs && i < domain->hostdevs->len; i++) {
        const FwnegHostdev *hostdev = g_ptr_array_index(domain->hostdevs, i);
        if (!check_rom_address(domain, &hostdev->rom, &hostdev->address, "<hostdev>", error))
            return FALSE;
    }
    return TRUE;
}

gboolean
fwneg_domain_validate_libvirt(const FwnegDomain *domain, const char *canonical_machine,
                              GError **error)
{
    g_return_val_if_fail(domain != NULL, FALSE);

    if (!check_firmware_features(domain, error) || /* post-parse */
        !check_acpi(domain, error) ||              /* QEMU driver validation */
        !check_secure_loader(domain, canonical_machine, error))
        return FALSE;

    /* Generic validation (virDomainDefOSValidate). */
    if (domain->firmware != FWNEG_OS_FIRMWARE_NONE) {
        if (!check_autoselection_loader(domain, error))
            return FALSE;
    } else if (!check_manual_loader(domain, error)) {
        return FALSE;
    }
    if (has_loader_definition(domain) && !check_stateless(domain, error))
        return FALSE;
    return check_devices(domain, error);
}

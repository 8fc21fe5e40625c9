/* firmware-match.c: choose a firmware for a domain exactly as libvirt 9.0 does.
 *
 * The rules below were taken from libvirt 9.0.0 as Debian 12 ships it and checked
 * against that daemon (domxml-to-native with qemu_firmware debug logs), because
 * 9.0 differs from later libvirt in ways users notice:
 * - selection runs for firmware='bios'/'efi', and for a manual read-only pflash
 *   <loader> without NVRAM template whose NVRAM file does not exist yet;
 * - a manual loader path must equal the descriptor's executable as a *string*
 *   (no symlink resolution: OVMF_CODE_4M.secboot.fd selects 50-…-secure.json,
 *   not the 40-…-secure-enrolled.json whose .ms.fd executable links to it);
 * - checks in order: that path, interface, arch + machine glob, S3/S4,
 *   secure-boot, enrolled-keys, loader secure='yes' vs requires-smm, flash mode
 *   (split, or stateless with <loader stateless='yes'/>), SEV / SEV-ES;
 * - <smm state='off'/> does not reject a requires-smm descriptor: libvirt picks
 *   it and then fails ("domain has SMM turned off but chosen firmware requires
 *   it"); likewise a non-raw flash image fails after the choice;
 * - firmware='bios' with no bios descriptor (Debian ships none) fails with
 *   "Unable to find any firmware to satisfy 'bios'";
 * - enrolled-keys='yes' implies secure-boot='yes' (virDomainDefPostParseOs);
 * - a manual loader no descriptor describes keeps no template in the XML, but
 *   when libvirt creates its NVRAM (qemuPrepareNVRAM) it copies the VARS file
 *   paired with the loader path in its loader:nvram list (qemu.conf `nvram`,
 *   default compiled in: OVMF_CODE.fd and OVMF_CODE.secboot.fd -> OVMF_VARS.fd,
 *   AAVMF_CODE.fd -> AAVMF_VARS.fd, AAVMF32_CODE.fd -> AAVMF32_VARS.fd), and
 *   refuses to start with "unable to find any master var store" when the path
 *   is not listed.  fwneg reports that VARS file as the template.
 * fwneg's own additions: a candidate that passes libvirt's checks but whose
 * files do not exist is skipped with a reason, and every loser keeps its reason.
 */
#include "firmware-match.h"

#include <string.h>

#include "fwneg-error.h"

/* libvirt's VIR_QEMU_FIRMWARE_AMD_SEV_ES_POLICY. */
#define SEV_POLICY_ES_BIT 0x4

void
fwneg_rejection_free(FwnegRejection *rejection)
{
    if (rejection == NULL)
        return;
    g_free(rejection->descriptor);
    g_free(rejection->reason);
    g_free(rejection);
}

void
fwneg_firmware_choice_free(FwnegFirmwareChoice *choice)
{
    if (choice == NULL)
        return;
    g_free(choice->interface);
    g_free(choice->descriptor);
    g_free(choice->device);
    g_free(choice->mode);
    g_free(choice->executable);
    g_free(choice->executable_format);
    g_free(choice->nvram_template);
    g_free(choice->nvram_template_format);
    g_clear_pointer(&choice->features, g_ptr_array_unref);
    g_clear_pointer(&choice->rejected, g_ptr_array_unref);
    g_clear_pointer(&choice->warnings, g_ptr_array_unref);
    g_free(choice);
}

static FwnegFirmwareChoice *
choice_new(void)
{
    FwnegFirmwareChoice *choice = g_new0(FwnegFirmwareChoice, 1);
    choice->features = g_ptr_array_new_with_free_func(g_free);
    choice->rejected = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_rejection_free);
    choice->warnings = g_ptr_array_new_with_free_func(g_free);
    return choice;
}

static void
add_rejection(FwnegFirmwareChoice *choice, const char *descriptor, char *reason)
{
    FwnegRejection *rejection = g_new0(FwnegRejection, 1);
    rejection->descriptor = g_strdup(descriptor);
    rejection->reason = reason;
    g_ptr_array_add(choice->rejected, rejection);
}

/* ---- the domain side ---------------------------------------------------- */

static gboolean
domain_has_loader(const FwnegDomain *domain)
{
    const FwnegLoader *loader = &domain->loader;
    return loader->path != NULL || loader->type != NULL || loader->format != NULL ||
           loader->readonly != FWNEG_TRISTATE_ABSENT || loader->secure != FWNEG_TRISTATE_ABSENT ||
           loader->stateless != FWNEG_TRISTATE_ABSENT;
}

/* libvirt's "want": from firmware=, else from the loader type. */
static const char *
wanted_interface(const FwnegDomain *domain)
{
    switch (domain->firmware) {
    case FWNEG_OS_FIRMWARE_EFI:
        return "uefi";
    case FWNEG_OS_FIRMWARE_BIOS:
        return "bios";
    case FWNEG_OS_FIRMWARE_NONE:
        break;
    }
    if (g_strcmp0(domain->loader.type, "pflash") == 0)
        return "uefi";
    if (g_strcmp0(domain->loader.type, "rom") == 0)
        return "bios";
    return NULL;
}

static gboolean
arch_is_x86(const char *arch)
{
    return g_strcmp0(arch, "x86_64") == 0 || g_strcmp0(arch, "i686") == 0;
}

static gboolean
host_file_exists(const FwnegOptions *options, const char *host_path)
{
    g_autofree char *path = fwneg_options_sysroot_path(options, host_path);
    return g_file_test(path, G_FILE_TEST_EXISTS); /* follows symlinks: dangling = missing */
}

/* ---- matching ----------------------------------------------------------- */

static char *
describe_targets(const FwnegFirmwareDescriptor *desc)
{
    GString *text = g_string_new(NULL);
    for (guint i = 0; i < desc->targets->len; i++) {
        const FwnegFirmwareTarget *target = g_ptr_array_index(desc->targets, i);
        if (i > 0)
            g_string_append(text, "; ");
        g_string_append_printf(text, "%s:", target->architecture);
        for (guint j = 0; j < target->machines->len; j++)
            g_string_append_printf(text, "%s %s", j > 0 ? "," : "",
                                   (const char *)g_ptr_array_index(target->machines, j));
    }
    if (text->len == 0)
        g_string_append(text, "none");
    return g_string_free(text, FALSE);
}

static char *
join_strings(const GPtrArray *strings)
{
    g_autoptr(GString) text = g_string_new(NULL);
    for (guint i = 0; i < strings->len; i++)
        g_string_append_printf(text, "%s%s", i > 0 ? ", " : "",
                               (const char *)g_ptr_array_index(strings, i));
    return g_strdup(text->len > 0 ? text->str : "none");
}

/* qemuFirmwareMatchesMachineArch: a target of the domain's arch with a glob that
 * matches the canonical machine.  Descriptors use QEMU target names (i386, arm)
 * but libvirt also accepts its own names there (i686, armv7l): compare both. */
static gboolean
matches_machine_arch(const FwnegFirmwareDescriptor *desc, const FwnegDomain *domain,
                     const char *machine, char **reason)
{
    const char *qemu_target = fwneg_arch_to_qemu_target(domain->arch);
    gboolean arch_seen = FALSE;
    for (guint i = 0; i < desc->targets->len; i++) {
        const FwnegFirmwareTarget *target = g_ptr_array_index(desc->targets, i);
        if (g_strcmp0(target->architecture, qemu_target) != 0 &&
            g_strcmp0(target->architecture, domain->arch) != 0)
            continue;
        arch_seen = TRUE;
        for (guint j = 0; machine != NULL && j < target->machines->len; j++) {
            if (g_pattern_match_simple(g_ptr_array_index(target->machines, j), machine))
                return TRUE;
        }
    }
    g_autofree char *targets = describe_targets(desc);
    if (arch_seen)
        *reason = g_strdup_printf("machine %s not matched by targets (%s)",
                                  machine ? machine : "(none)", targets);
    else
        *reason = g_strdup_printf("architecture %s not among targets (%s)",
                                  qemu_target ? qemu_target : domain->arch, targets);
    return FALSE;
}

static char *
tristate_feature_mismatch(FwnegTristate requested, const FwnegFirmwareDescriptor *desc,
                          const char *feature)
{
    gboolean has = fwneg_firmware_descriptor_has_feature(desc, feature);
    if (requested == FWNEG_TRISTATE_YES && !has)
        return g_strdup_printf("%s requested 'yes' but descriptor lacks feature %s", feature,
                               feature);
    if (requested == FWNEG_TRISTATE_NO && has)
        return g_strdup_printf("%s requested 'no' but descriptor has feature %s", feature, feature);
    return NULL;
}

/* qemuFirmwareMatchDomain of libvirt 9.0, check for check.  Returns the reason
 * for the first failed check, or NULL when libvirt would take this descriptor. */
static char *
libvirt_mismatch(const FwnegDomain *domain, const char *machine,
                 const FwnegFirmwareDescriptor *desc)
{
    const FwnegLoader *loader = &domain->loader;
    const char *want = wanted_interface(domain);

    if (strcmp(desc->device, "igvm") == 0)
        return g_strdup("mapping device 'igvm' is unknown to libvirt 9.0 (it cannot parse "
                        "this descriptor)");

    if (domain->firmware == FWNEG_OS_FIRMWARE_NONE && domain_has_loader(domain)) {
        if (strcmp(desc->device, "flash") != 0)
            return g_strdup_printf("maps a '%s' device; a manual <loader> only matches flash "
                                   "descriptors",
                                   desc->device);
        if (loader->path == NULL)
            return g_strdup("<loader> has no path to compare with the executable");
        /* libvirt 9.0 compares the strings, without resolving symlinks. */
        if (strcmp(loader->path, desc->executable) != 0)
            return g_strdup_printf("loader %s is not the descriptor's executable %s", loader->path,
                                   desc->executable);
    }

    if (want == NULL)
        return g_strdup("no firmware interface requested (no firmware= and no loader type)");
    if (!fwneg_firmware_descriptor_has_interface(desc, want)) {
        g_autofree char *offered = join_strings(desc->interface_types);
        return g_strdup_printf("interface %s not offered (interface-types: %s)", want, offered);
    }

    char *reason = NULL;
    if (!matches_machine_arch(desc, domain, machine, &reason))
        return reason;

    if (domain->suspend_to_mem == FWNEG_TRISTATE_YES &&
        !fwneg_firmware_descriptor_has_feature(desc, "acpi-s3"))
        return g_strdup("suspend-to-mem enabled but descriptor lacks feature acpi-s3");
    if (domain->suspend_to_disk == FWNEG_TRISTATE_YES &&
        !fwneg_firmware_descriptor_has_feature(desc, "acpi-s4"))
        return g_strdup("suspend-to-disk enabled but descriptor lacks feature acpi-s4");

    /* libvirt's post-parse turns enrolled-keys='yes' into secure-boot='yes' too. */
    FwnegTristate secure_boot = domain->fw_enrolled_keys == FWNEG_TRISTATE_YES
                                    ? FWNEG_TRISTATE_YES
                                    : domain->fw_secure_boot;
    if ((reason = tristate_feature_mismatch(secure_boot, desc, "secure-boot")) != NULL)
        return reason;
    if ((reason = tristate_feature_mismatch(domain->fw_enrolled_keys, desc, "enrolled-keys")) !=
        NULL)
        return reason;

    if (loader->secure == FWNEG_TRISTATE_YES &&
        !fwneg_firmware_descriptor_has_feature(desc, "requires-smm"))
        return g_strdup("loader secure='yes' (pflash writes restricted to SMM) but descriptor "
                        "lacks feature requires-smm");

    if (strcmp(desc->device, "flash") == 0) {
        if (loader->stateless == FWNEG_TRISTATE_YES) {
            if (strcmp(desc->mode, "stateless") != 0)
                return g_strdup_printf("loader stateless='yes' requested but descriptor mode is %s",
                                       desc->mode);
        } else if (strcmp(desc->mode, "split") != 0) {
            return g_strdup_printf("flash mode %s: libvirt 9.0 only selects split flash (or "
                                   "stateless with <loader stateless='yes'/>)",
                                   desc->mode);
        }
    }

    if (g_strcmp0(domain->launch_security, "sev") == 0) {
        if (!fwneg_firmware_descriptor_has_feature(desc, "amd-sev"))
            return g_strdup("launch security sev but descriptor lacks feature amd-sev");
        if (domain->sev_policy != FWNEG_UNSET && (domain->sev_policy & SEV_POLICY_ES_BIT) &&
            !fwneg_firmware_descriptor_has_feature(desc, "amd-sev-es"))
            return g_strdup_printf("SEV policy 0x%" G_GINT64_MODIFIER "x enables SEV-ES (bit 0x4) "
                                   "but descriptor lacks feature amd-sev-es",
                                   domain->sev_policy);
    }
    return NULL;
}

/* fwneg's addition: the files the descriptor names must exist (inside the sysroot). */
static char *
missing_file(const FwnegFirmwareDescriptor *desc, const FwnegOptions *options)
{
    if (strcmp(desc->device, "flash") == 0) {
        if (!host_file_exists(options, desc->executable))
            return g_strdup_printf("executable %s does not exist", desc->executable);
        if (desc->nvram_template != NULL && !host_file_exists(options, desc->nvram_template))
            return g_strdup_printf("nvram-template %s does not exist", desc->nvram_template);
        return NULL;
    }
    if (!host_file_exists(options, desc->filename))
        return g_strdup_printf("%s file %s does not exist", desc->device, desc->filename);
    return NULL;
}

gboolean
fwneg_firmware_matches(const FwnegDomain *domain, const char *canonical_machine,
                       const FwnegFirmwareDescriptor *desc, const FwnegOptions *options,
                       char **reason)
{
    g_return_val_if_fail(domain != NULL && desc != NULL && options != NULL, FALSE);
    char *why = libvirt_mismatch(domain, canonical_machine, desc);
    if (why == NULL)
        why = missing_file(desc, options); /* only for what libvirt would accept */
    if (reason != NULL)
        *reason = why;
    else
        g_free(why);
    return why == NULL;
}

/* ---- selection ---------------------------------------------------------- */

const char *
fwneg_firmware_source_to_string(FwnegFirmwareSource source)
{
    switch (source) {
    case FWNEG_FIRMWARE_FROM_DESCRIPTOR:
        return "descriptor";
    case FWNEG_FIRMWARE_FROM_DOMAIN:
        return "domain";
    case FWNEG_FIRMWARE_QEMU_DEFAULT:
        return "qemu-default";
    }
    return "?";
}

/* QEMU's built-in default when no firmware is configured: x86 loads SeaBIOS
 * from its firmware search path; other targets boot nothing unless told. */
static void
fill_qemu_default(FwnegFirmwareChoice *choice, const FwnegDomain *domain, const char *machine,
                  const FwnegOptions *options)
{
    choice->source = FWNEG_FIRMWARE_QEMU_DEFAULT;
    if (!arch_is_x86(domain->arch))
        return;
    const char *blob = g_strcmp0(machine, "microvm") == 0 ? "bios-microvm.bin" : "bios-256k.bin";
    choice->interface = g_strdup("bios");
    choice->device = g_strdup("memory");
    g_autoptr(GPtrArray) search_path = fwneg_options_qemu_firmware_path(options);
    for (guint i = 0; i < search_path->len; i++) {
        g_autofree char *candidate =
            g_build_filename(g_ptr_array_index(search_path, i), blob, NULL);
        if (host_file_exists(options, candidate)) {
            choice->executable = g_steal_pointer(&candidate);
            return;
        }
    }
    g_autofree char *dirs = join_strings(search_path);
    g_ptr_array_add(choice->warnings,
                    g_strdup_printf("QEMU's default BIOS %s is in none of %s: QEMU will fail to "
                                    "start; install the seabios package",
                                    blob, dirs));
}

/* The domain's own <loader>/<nvram>, used as written. */
static void
fill_user_loader(FwnegFirmwareChoice *choice, const FwnegDomain *domain)
{
    gboolean pflash = g_strcmp0(domain->loader.type, "pflash") == 0;
    choice->source = FWNEG_FIRMWARE_FROM_DOMAIN;
    choice->interface = g_strdup(pflash ? "uefi" : "bios");
    choice->device = g_strdup(pflash ? "flash" : "memory");
    choice->executable = g_strdup(domain->loader.path);
    choice->executable_format =
        g_strdup(domain->loader.format ? domain->loader.format : (pflash ? "raw" : NULL));
    choice->nvram_template = g_strdup(domain->nvram.template);
    choice->nvram_template_format = g_strdup(domain->nvram.template_format);
}

/* Does libvirt create an NVRAM file for this manual loader at start?  Its
 * post-parse gives a read-only pflash loader (not stateless) a default NVRAM
 * path; an explicit <nvram> path counts too, unless that file already exists
 * (then nothing is copied). */
static gboolean
manual_loader_creates_nvram(const FwnegDomain *domain, const FwnegOptions *options)
{
    if (domain->nvram.path != NULL)
        return !host_file_exists(options, domain->nvram.path);
    return g_strcmp0(domain->loader.type, "pflash") == 0 &&
           domain->loader.readonly == FWNEG_TRISTATE_YES &&
           domain->loader.stateless != FWNEG_TRISTATE_YES;
}

/* The VARS file paired with @loader_path (string compare, as libvirt does). */
static char *
legacy_nvram_for(const GPtrArray *list, const char *loader_path)
{
    for (guint i = 0; i < list->len; i++) {
        g_auto(GStrv) pair = g_strsplit(g_ptr_array_index(list, i), ":", 2);
        if (pair[0] != NULL && pair[1] != NULL && g_strcmp0(pair[0], loader_path) == 0)
            return g_strdup(pair[1]);
    }
    return NULL;
}

static char *
legacy_loaders(const GPtrArray *list)
{
    g_autoptr(GPtrArray) loaders = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < list->len; i++) {
        const char *item = g_ptr_array_index(list, i);
        const char *colon = strchr(item, ':');
        g_ptr_array_add(loaders, colon ? g_strndup(item, colon - item) : g_strdup(item));
    }
    return join_strings(loaders);
}

/* qemuPrepareNVRAM of libvirt 9.0 for a manual loader without a template. */
static gboolean
fill_legacy_nvram_template(FwnegFirmwareChoice *choice, const FwnegDomain *domain,
                           const FwnegOptions *options, GError **error)
{
    if (choice->nvram_template != NULL || !manual_loader_creates_nvram(domain, options))
        return TRUE;
    const char *list_name = options->legacy_nvram != NULL
                                ? "the legacy-nvram list of fwneg's config"
                                : "libvirt's built-in loader:nvram list";
    g_autoptr(GPtrArray) list = fwneg_options_legacy_nvram(options);
    g_autofree char *vars = legacy_nvram_for(list, domain->loader.path);
    if (vars == NULL) {
        g_autofree char *loaders = legacy_loaders(list);
        g_set_error(
            error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
            "unable to find any master var store for loader: %s (libvirt 9.0 refuses "
            "to start the guest: no firmware descriptor both matches this guest and names "
            "this exact path as its executable (compared as a string, symlinks are not "
            "resolved), and %s has only: %s); add <nvram template='…'/> naming the matching VARS "
            "file, or use a loader path a descriptor names (fwneg explain lists them)",
            domain->loader.path, list_name, loaders);
        return FALSE;
    }
    if (!host_file_exists(options, vars)) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "NVRAM template %s for loader %s (from %s) does not exist: libvirt 9.0 "
                    "fails to start the guest (\"Failed to open file\"); install the firmware "
                    "package that ships it or add <nvram template='…'/>",
                    vars, domain->loader.path, list_name);
        return FALSE;
    }
    choice->nvram_template = g_steal_pointer(&vars);
    choice->nvram_template_from_legacy_list = TRUE;
    g_ptr_array_add(choice->warnings,
                    g_strdup_printf("no firmware descriptor describes loader %s: libvirt 9.0 "
                                    "copies its NVRAM from %s (%s) but names no template in the "
                                    "domain XML",
                                    domain->loader.path, choice->nvram_template, list_name));
    return TRUE;
}

static void
fill_from_descriptor(FwnegFirmwareChoice *choice, const char *interface,
                     const FwnegFirmwareDescriptor *desc)
{
    choice->source = FWNEG_FIRMWARE_FROM_DESCRIPTOR;
    choice->interface = g_strdup(interface);
    choice->descriptor = g_strdup(desc->path);
    choice->device = g_strdup(desc->device);
    choice->mode = g_strdup(desc->mode);
    if (strcmp(desc->device, "flash") == 0) {
        choice->executable = g_strdup(desc->executable);
        choice->executable_format = g_strdup(desc->executable_format);
        choice->nvram_template = g_strdup(desc->nvram_template);
        choice->nvram_template_format = g_strdup(desc->nvram_template_format);
    } else {
        choice->executable = g_strdup(desc->filename);
    }
    for (guint i = 0; i < desc->features->len; i++)
        g_ptr_array_add(choice->features, g_strdup(g_ptr_array_index(desc->features, i)));
    choice->requires_smm = fwneg_firmware_descriptor_has_feature(desc, "requires-smm");
}

/* Does libvirt 9.0 consult descriptors for this domain at all (qemuFirmwareFillDomain)? */
static gboolean
manual_loader_needs_lookup(const FwnegDomain *domain, const FwnegOptions *options)
{
    /* virDomainDefHasOldStyleROUEFI, no template yet, and no NVRAM file yet. */
    if (g_strcmp0(domain->loader.type, "pflash") != 0 ||
        domain->loader.readonly != FWNEG_TRISTATE_YES || domain->nvram.template != NULL)
        return FALSE;
    return domain->nvram.path == NULL || !host_file_exists(options, domain->nvram.path);
}

static void
warn_libvirt_parse_failures(FwnegFirmwareChoice *choice, GPtrArray *entries)
{
    for (guint i = 0; i < entries->len; i++) {
        const FwnegDescriptorEntry *entry = g_ptr_array_index(entries, i);
        gboolean unparseable_for_libvirt =
            entry->state == FWNEG_DESCRIPTOR_BROKEN ||
            (entry->state == FWNEG_DESCRIPTOR_OK && strcmp(entry->desc->device, "igvm") == 0);
        if (unparseable_for_libvirt)
            g_ptr_array_add(choice->warnings,
                            g_strdup_printf("libvirt 9.0 cannot parse %s and then fails firmware "
                                            "selection for every guest; fwneg skipped it (fix or "
                                            "remove the file)",
                                            entry->path));
    }
}

/* qemuFirmwareSanityCheck of libvirt 9.0 (a VIR_WARN there). */
static void
warn_inconsistent_features(FwnegFirmwareChoice *choice, const FwnegFirmwareDescriptor *desc)
{
    gboolean smm = fwneg_firmware_descriptor_has_feature(desc, "requires-smm");
    gboolean secure_boot = fwneg_firmware_descriptor_has_feature(desc, "secure-boot");
    gboolean enrolled = fwneg_firmware_descriptor_has_feature(desc, "enrolled-keys");
    if (secure_boot != smm || (enrolled && !secure_boot))
        g_ptr_array_add(choice->warnings,
                        g_strdup_printf("Firmware description '%s' has invalid set of features: "
                                        "requires-smm = %d, secure-boot = %d, enrolled-keys = %d",
                                        desc->path, smm, secure_boot, enrolled));
}

static char *
format_rejections(const FwnegFirmwareChoice *choice)
{
    GString *text = g_string_new(NULL);
    for (guint i = 0; i < choice->rejected->len; i++) {
        const FwnegRejection *rejection = g_ptr_array_index(choice->rejected, i);
        g_autofree char *name = g_path_get_basename(rejection->descriptor);
        g_string_append_printf(text, "\n  %s: %s", name, rejection->reason);
    }
    if (choice->rejected->len == 0)
        g_string_append(text, "\n  (no firmware descriptors found)");
    return g_string_free(text, FALSE);
}

/* After the choice, libvirt 9.0's qemuFirmwareEnableFeatures may still refuse it. */
static gboolean
check_libvirt_can_apply(const FwnegDomain *domain, const FwnegFirmwareDescriptor *desc,
                        GError **error)
{
    if (strcmp(desc->device, "flash") == 0) {
        if (strcmp(desc->executable_format, "raw") != 0) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                        "unsupported flash format '%s' of chosen firmware %s: libvirt 9.0 only "
                        "uses raw images and refuses to start the guest",
                        desc->executable_format, desc->path);
            return FALSE;
        }
        if (desc->nvram_template_format != NULL &&
            strcmp(desc->nvram_template_format, "raw") != 0) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                        "unsupported nvram template format '%s' of chosen firmware %s: libvirt "
                        "9.0 only uses raw images and refuses to start the guest",
                        desc->nvram_template_format, desc->path);
            return FALSE;
        }
    }
    if (domain->smm == FWNEG_TRISTATE_NO &&
        fwneg_firmware_descriptor_has_feature(desc, "requires-smm")) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "domain has SMM turned off but chosen firmware %s requires it (libvirt 9.0 "
                    "refuses to start the guest); remove <smm state='off'/> or request "
                    "<feature enabled='no' name='secure-boot'/> in <os><firmware>",
                    desc->path);
        return FALSE;
    }
    return TRUE;
}

FwnegFirmwareChoice *
fwneg_firmware_select(const FwnegDomain *domain, const char *canonical_machine, GPtrArray *entries,
                      const FwnegOptions *options, FwnegFirmwareChoice **choice_out, GError **error)
{
    g_return_val_if_fail(domain != NULL && options != NULL, NULL);
    if (choice_out != NULL)
        *choice_out = NULL;
    g_autoptr(FwnegFirmwareChoice) choice = choice_new();
    gboolean autoselect = domain->firmware != FWNEG_OS_FIRMWARE_NONE;

    if (!autoselect) {
        if (!domain_has_loader(domain)) {
            fill_qemu_default(choice, domain, canonical_machine, options);
            return g_steal_pointer(&choice);
        }
        if (domain->loader.path == NULL) {
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                        "%s: <os><loader>: no loader path specified and firmware auto selection "
                        "disabled; give the path or set <os firmware='efi'>",
                        domain->source_name ? domain->source_name : "domain");
            return NULL;
        }
        if (!manual_loader_needs_lookup(domain, options)) {
            fill_user_loader(choice, domain);
            if (!fill_legacy_nvram_template(choice, domain, options, error)) {
                if (choice_out != NULL)
                    *choice_out = g_steal_pointer(&choice);
                return NULL;
            }
            return g_steal_pointer(&choice);
        }
    }

    const char *want = wanted_interface(domain);
    const FwnegDescriptorEntry *winner = NULL;
    const FwnegDescriptorEntry *libvirt_winner = NULL; /* passed libvirt's checks */
    for (guint i = 0; entries != NULL && i < entries->len && winner == NULL; i++) {
        const FwnegDescriptorEntry *entry = g_ptr_array_index(entries, i);
        switch (entry->state) {
        case FWNEG_DESCRIPTOR_MASKED:
            add_rejection(choice, entry->path,
                          g_strdup_printf("masked by %s (0 bytes)", entry->path));
            continue;
        case FWNEG_DESCRIPTOR_BROKEN:
            add_rejection(choice, entry->path, g_strdup_printf("unparseable: %s", entry->error));
            continue;
        case FWNEG_DESCRIPTOR_OK:
            break;
        }
        char *reason = libvirt_mismatch(domain, canonical_machine, entry->desc);
        if (reason == NULL) {
            if (libvirt_winner == NULL)
                libvirt_winner = entry;
            reason = missing_file(entry->desc, options);
        }
        if (reason != NULL)
            add_rejection(choice, entry->path, reason);
        else
            winner = entry;
    }

    if (entries != NULL)
        warn_libvirt_parse_failures(choice, entries);
    if (libvirt_winner != NULL && libvirt_winner != winner)
        g_ptr_array_add(choice->warnings,
                        g_strdup_printf("libvirt 9.0 would choose %s although its files are "
                                        "missing, and QEMU would then fail to start; fwneg %s",
                                        libvirt_winner->path,
                                        winner ? "chose the next match" : "found no other match"));

    if (winner == NULL) {
        if (autoselect) {
            g_autofree char *list = format_rejections(choice);
            g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                        "Unable to find any firmware to satisfy '%s'%s",
                        domain->firmware == FWNEG_OS_FIRMWARE_EFI ? "efi" : "bios", list);
            choice->interface = g_strdup(want);
            if (choice_out != NULL)
                *choice_out = g_steal_pointer(&choice);
            return NULL;
        }
        /* Manual loader without a matching descriptor: libvirt keeps it as given and
         * takes the NVRAM from its loader:nvram list. */
        fill_user_loader(choice, domain);
        if (!fill_legacy_nvram_template(choice, domain, options, error)) {
            if (choice_out != NULL)
                *choice_out = g_steal_pointer(&choice);
            return NULL;
        }
        return g_steal_pointer(&choice);
    }

    fill_from_descriptor(choice, want, winner->desc);
    warn_inconsistent_features(choice, winner->desc);
    if (domain->fw_secure_boot == FWNEG_TRISTATE_YES && !choice->requires_smm &&
        arch_is_x86(domain->arch))
        g_ptr_array_add(choice->warnings,
                        g_strdup_printf("secure boot without SMM: %s lacks requires-smm, so guest "
                                        "code with kernel privileges can undermine Secure Boot",
                                        winner->path));
    if (choice->requires_smm && domain->loader.secure == FWNEG_TRISTATE_NO)
        g_ptr_array_add(choice->warnings,
                        g_strdup_printf("<loader secure='no'> is overridden: libvirt 9.0 sets "
                                        "secure='yes' and SMM on because %s requires SMM",
                                        winner->path));

    if (!check_libvirt_can_apply(domain, winner->desc, error)) {
        if (choice_out != NULL)
            *choice_out = g_steal_pointer(&choice);
        return NULL;
    }
    return g_steal_pointer(&choice);
}

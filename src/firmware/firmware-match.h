/* firmware-match.h: choose a firmware for a domain as libvirt 9.0 does
 * (qemuFirmwareFillDomain / qemuFirmwareMatchDomain), first match wins, and
 * keep a reason for every candidate that lost.
 */
#pragma once

#include <glib.h>
#include "domain.h"
#include "descriptor-store.h"
#include "fwneg-options.h"

G_BEGIN_DECLS

typedef struct {
    char *descriptor; /* path */
    char *reason;
} FwnegRejection;

/* Where the firmware QEMU will run comes from. */
typedef enum {
    FWNEG_FIRMWARE_FROM_DESCRIPTOR, /* chosen from a descriptor (autoselection or loader lookup) */
    FWNEG_FIRMWARE_FROM_DOMAIN,     /* the domain's own <loader>, used as written */
    FWNEG_FIRMWARE_QEMU_DEFAULT,    /* nothing configured: QEMU's built-in default */
} FwnegFirmwareSource;

const char *fwneg_firmware_source_to_string(FwnegFirmwareSource source);

typedef struct {
    FwnegFirmwareSource source;
    char *interface;  /* "bios" | "uefi" */
    char *descriptor; /* path of the chosen descriptor, or NULL (QEMU default / user loader) */
    char *device;     /* flash | memory | kernel, or NULL */
    char *mode;       /* split | combined | stateless (flash) */
    char *executable; /* what QEMU will load; NULL when nothing (e.g. aarch64 without firmware) */
    char *executable_format;
    char *nvram_template; /* NULL when none */
    char *nvram_template_format;
    GPtrArray *features;   /* char*: the chosen descriptor's features */
    GPtrArray *rejected;   /* FwnegRejection*, in candidate order */
    gboolean requires_smm; /* chosen descriptor needs <smm state='on'/> + secure pflash */
    /* nvram_template comes from libvirt's loader:nvram list (options' legacy-nvram):
     * libvirt copies the NVRAM from it but its live XML names no template. */
    gboolean nvram_template_from_legacy_list;
    GPtrArray *warnings; /* char* */
} FwnegFirmwareChoice;

void fwneg_rejection_free(FwnegRejection *rejection);
void fwneg_firmware_choice_free(FwnegFirmwareChoice *choice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegFirmwareChoice, fwneg_firmware_choice_free)

/* Does @desc satisfy @domain on @canonical_machine?  Returns TRUE, or FALSE with a
 * one-line reason in *reason (libvirt's checks, in libvirt's order, then fwneg's
 * existence checks of executable and NVRAM template under options->sysroot). */
gboolean fwneg_firmware_matches(const FwnegDomain *domain, const char *canonical_machine,
                                const FwnegFirmwareDescriptor *desc, const FwnegOptions *options,
                                char **reason);

/* Select the firmware.  @entries from fwneg_descriptor_store_load().  When nothing
 * matches and autoselection was requested: FWNEG_ERROR_UNSATISFIABLE whose message
 * lists every candidate with its reason; *choice_out still receives the choice with
 * its `rejected` list filled so `explain` can print it.  A <loader> that no
 * descriptor describes gets its NVRAM template from the loader:nvram list
 * (fwneg_options_legacy_nvram) when libvirt would create its NVRAM, and is
 * FWNEG_ERROR_UNSATISFIABLE when the list lacks it.  Returns the choice or NULL. */
FwnegFirmwareChoice *fwneg_firmware_select(const FwnegDomain *domain, const char *canonical_machine,
                                           GPtrArray *entries, const FwnegOptions *options,
                                           FwnegFirmwareChoice **choice_out, GError **error);

G_END_DECLS

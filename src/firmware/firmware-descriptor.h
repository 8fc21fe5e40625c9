/* firmware-descriptor.h: one QEMU firmware descriptor (docs/interop/firmware.json).
 *
 * Parsed with json-c following libvirt 9.0's rules (qemuFirmwareParse): mandatory
 * members, known enum values, unknown features ignored (but kept for `lint`),
 * `description` and `tags` kept for display only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Same cap as libvirt's qemuFirmwareParse (1 MiB). */
#define FWNEG_DESCRIPTOR_MAX_BYTES (1024 * 1024)

typedef struct {
    char *architecture;  /* QEMU target name: x86_64, i386, aarch64, arm, riscv64, loongarch64 */
    GPtrArray *machines; /* char* globs */
} FwnegFirmwareTarget;

typedef struct {
    char *path; /* as the host sees it (not sysroot-prefixed) */
    char *name; /* basename: the sort and override key */
    char *description;
    GPtrArray *interface_types; /* char*: bios | openfirmware | uboot | uefi */
    char *device;               /* flash | kernel | memory | igvm */
    char *mode;                 /* flash: split | combined | stateless */
    char *executable;           /* flash: executable.filename */
    char *executable_format;
    char *nvram_template; /* flash split: nvram-template.filename, else NULL */
    char *nvram_template_format;
    char *filename;              /* kernel | memory | igvm: filename */
    GPtrArray *targets;          /* FwnegFirmwareTarget* */
    GPtrArray *features;         /* char*: known features, in file order */
    GPtrArray *unknown_features; /* char*: ignored for matching, reported by lint */
    GPtrArray *tags;
} FwnegFirmwareDescriptor;

void fwneg_firmware_descriptor_free(FwnegFirmwareDescriptor *desc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegFirmwareDescriptor, fwneg_firmware_descriptor_free)

/* Parse descriptor JSON from memory.  @path is recorded and used in messages.
 * Errors (FWNEG_ERROR_INVALID_INPUT) name the path, the member and, for JSON
 * syntax errors, the line and column. */
FwnegFirmwareDescriptor *fwneg_firmware_descriptor_parse(const char *path, const char *data,
                                                         gsize len, GError **error);

gboolean fwneg_firmware_descriptor_has_feature(const FwnegFirmwareDescriptor *desc,
                                               const char *feature);
gboolean fwneg_firmware_descriptor_has_interface(const FwnegFirmwareDescriptor *desc,
                                                 const char *interface);
/* Is @feature one that libvirt 9.0 (and fwneg) knows? */
gboolean fwneg_firmware_feature_is_known(const char *feature);

G_END_DECLS

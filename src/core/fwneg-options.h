/* fwneg-options.h: the inputs every verb shares (DESIGN.md "Options every verb
 * accepts").  Front ends fill it from the command line, the config file and the
 * environment; the library never reads the environment itself.
 */
#pragma once

#include <glib.h>

#include "fwneg-config.h"

G_BEGIN_DECLS

#define FWNEG_DEFAULT_STATE_DIR   "/var/lib/fwneg"
#define FWNEG_DEFAULT_CONFIG_FILE FWNEG_SYSTEM_CONFIG_FILE

/* [hook] manage=: guests with a <fwneg:plan> record are always managed
 * (unless none); `all` also plans guests without one and refuses what this
 * host cannot satisfy; `none` turns the hook off without uninstalling it. */
typedef enum {
    FWNEG_HOOK_MANAGE_RECORDED = 0,
    FWNEG_HOOK_MANAGE_ALL,
    FWNEG_HOOK_MANAGE_NONE,
} FwnegHookManage;

#define FWNEG_HOOK_DEFAULT_TIMEOUT 20 /* s; libvirt gives other callers 30 s */
#define FWNEG_HOOK_MAX_TIMEOUT     600

const char *fwneg_hook_manage_to_string(FwnegHookManage manage);

typedef struct {
    GPtrArray *firmware_dirs;             /* char*, lowest priority first; NULL = defaults */
    GPtrArray *rom_dirs;                  /* char*; NULL = defaults */
    GPtrArray *qemu_firmware_path;        /* dirs QEMU searches for -bios etc.; NULL = Debian's */
    char *rom_policy;                     /* "default" | "qemu" */
    char *state_dir;                      /* NULL = FWNEG_DEFAULT_STATE_DIR */
    char *qemu;                           /* emulator to probe; NULL = from the domain / arch */
    char *canonical_machine;              /* skip probing: use this canonical machine */
    char *sysroot;                        /* resolve host paths inside this dir; NULL = "/" */
    char *xdg_config_home;                /* for $XDG_CONFIG_HOME/qemu/firmware; NULL = skip */
    gboolean no_cache;                    /* do not read or write the probe cache */
    char *rom_sets_dir;                   /* ROM sets (rom-*.json); NULL = DATA_DIR/firmware.d */
    gboolean uefi_virtio_net_without_rom; /* default policy: virtio-net on UEFI gets no ROM */
    /* Planning a migration target (or a restore): the record's RAM block sizes
     * are the rule there (migrate-check), so a ROM above its ROM set's maximum
     * is planned and reported instead of refused. */
    gboolean migration_target;
    /* libvirt's qemu.conf `nvram` list: "LOADER:VARS" pairs consulted when a
     * <loader> has no descriptor and no NVRAM template; NULL = libvirt 9.0's
     * built-in list (fwneg_options_legacy_nvram). */
    GPtrArray *legacy_nvram;
    /* fwneg's own data (firmware.d/feature-*.json: fw_cfg feature domains); NULL =
     * FWNEG_DATADIR.  The CLI sets it from $FWNEG_DATA_DIR (tests, uninstalled runs). */
    char *data_dir;
    /* The config file's [ovmf] group, setting name -> value as written (OVMF runtime
     * knobs emitted as opt/org.tianocore/ fw_cfg files; checked by src/featneg/). */
    GHashTable *ovmf_settings;
    /* The config file's [hook] group (the libvirt hook, fwneg-hook(8)). */
    FwnegHookManage hook_manage; /* which guests the hook acts for */
    guint hook_timeout;          /* seconds a hook call may take; 0 = FWNEG_HOOK_DEFAULT_TIMEOUT */
    char *hook_log;              /* file the hook appends one line per call to; NULL = none */
} FwnegOptions;

FwnegOptions *fwneg_options_new(void);
void fwneg_options_free(FwnegOptions *options);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegOptions, fwneg_options_free)

/* The descriptor search path in effect (lowest priority first), as the host sees it. */
GPtrArray *fwneg_options_firmware_dirs(const FwnegOptions *options);
/* Directories QEMU itself searches for firmware blobs (-L / --firmwarepath). */
GPtrArray *fwneg_options_qemu_firmware_path(const FwnegOptions *options);
/* The loader:NVRAM list in effect ("LOADER:VARS" strings, in order). */
GPtrArray *fwneg_options_legacy_nvram(const FwnegOptions *options);

/* Map a host path into the sysroot (returns a newly allocated path; with no
 * sysroot, a copy of @host_path). */
char *fwneg_options_sysroot_path(const FwnegOptions *options, const char *host_path);
/* The same for a bare sysroot (NULL or "/" = none), for code that has no options. */
char *fwneg_sysroot_path(const char *sysroot, const char *host_path);

/* Apply a GKeyFile config (--config FILE): keys documented in README.md.
 * Values already set (from the command line) win over the file. */
gboolean fwneg_options_load_config(FwnegOptions *options, const char *path, gboolean must_exist,
                                   GError **error);

G_END_DECLS

/* domain.h: fwneg's model of a libvirt domain — only what the firmware side needs.
 *
 * Filled by domain-parse.c from libvirt domain XML.  Every string is owned by
 * the struct and freed by fwneg_domain_free().  Absent optional values are
 * NULL strings, FWNEG_TRISTATE_ABSENT or FWNEG_UNSET (-1) numbers, so writers
 * can tell "not given" from "given as 0".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FWNEG_UNSET (-1)

typedef enum {
    FWNEG_TRISTATE_ABSENT = 0,
    FWNEG_TRISTATE_YES,
    FWNEG_TRISTATE_NO,
} FwnegTristate;

typedef enum {
    FWNEG_OS_FIRMWARE_NONE = 0, /* no firmware= attribute: no autoselection */
    FWNEG_OS_FIRMWARE_BIOS,
    FWNEG_OS_FIRMWARE_EFI,
} FwnegOsFirmware;

typedef enum {
    FWNEG_ADDRESS_NONE = 0,
    FWNEG_ADDRESS_PCI,
    FWNEG_ADDRESS_DRIVE,
    FWNEG_ADDRESS_USB,
    FWNEG_ADDRESS_ISA,
    FWNEG_ADDRESS_VIRTIO_MMIO,
    FWNEG_ADDRESS_OTHER, /* a type fwneg does not model (ccw, spapr-vio, …) */
} FwnegAddressType;

typedef struct {
    FwnegAddressType type;
    /* pci */
    int domain, bus, slot, function; /* FWNEG_UNSET when not given */
    FwnegTristate multifunction;
    /* drive */
    int controller, drive_bus, target, unit;
    /* usb: bus + dotted port path, e.g. "1.2" */
    int usb_bus;
    char *usb_port;
} FwnegAddress;

typedef struct {
    FwnegTristate enabled; /* <rom enabled='no'/> */
    FwnegTristate bar;     /* <rom bar='on|off'/> */
    char *file;            /* <rom file='…'/>; "" is kept as "" (no ROM) */
} FwnegRom;

typedef enum {
    FWNEG_CONTROLLER_PCI,
    FWNEG_CONTROLLER_SCSI,
    FWNEG_CONTROLLER_USB,
    FWNEG_CONTROLLER_SATA,
    FWNEG_CONTROLLER_IDE,
    FWNEG_CONTROLLER_FDC,
    FWNEG_CONTROLLER_OTHER, /* virtio-serial, ccid, xenbus, … kept for positions */
} FwnegControllerType;

typedef struct {
    FwnegControllerType type;
    char *type_name; /* the type= attribute as written */
    int index;
    char *model; /* pcie-root, pci-bridge, virtio-scsi, qemu-xhci, … or NULL */
    char *alias; /* <alias name=…> or NULL */
    FwnegAddress address;
    /* <target> of PCI controllers */
    int chassis, port, bus_nr; /* busNr of expander buses */
    int xml_position;          /* 0-based position among <devices> children */
} FwnegController;

typedef struct {
    char *device; /* disk | cdrom | floppy | lun */
    char *bus;    /* virtio | sata | ide | scsi | usb | fdc | sd | xen | … */
    char *target_dev;
    char *source; /* file/dev/dir/name of <source>, or NULL */
    char *alias;
    int boot_order; /* <boot order=N>, FWNEG_UNSET when absent */
    FwnegAddress address;
    int xml_position;
} FwnegDisk;

typedef struct {
    char *type; /* network | bridge | user | direct | hostdev | … */
    char *mac;
    char *model; /* virtio | e1000 | e1000e | rtl8139 | … or NULL (libvirt default) */
    char *alias;
    int boot_order;
    FwnegRom rom;
    FwnegAddress address;
    int xml_position;
    /* type='hostdev': the host PCI device (<source><address type='pci'>), passed
     * through with vfio-pci; FWNEG_ADDRESS_NONE otherwise. */
    FwnegAddress hostdev_source;
} FwnegInterface;

typedef struct {
    char *type;          /* pci | usb | scsi | … (mode='subsystem') */
    FwnegAddress source; /* host address for PCI */
    char *alias;
    int boot_order;
    FwnegRom rom;
    FwnegAddress address; /* guest address */
    int xml_position;
} FwnegHostdev;

/* <filesystem>: a virtio-9p or virtiofs (vhost-user-fs) share. */
typedef struct {
    char *type;   /* mount | block | file | template | ram | bind | volume */
    char *driver; /* <driver type=…>: virtiofs | path | handle | loop | nbd | ploop, or NULL */
    char *target_dir; /* <target dir=…>: the mount tag */
    char *alias;
    int boot_order; /* <boot order=N> (libvirt allows it for virtiofs only) */
    FwnegAddress address;
    int xml_position;
} FwnegFilesystem;

/* Any other device element, kept for where libvirt and QEMU put it: it may take
 * a virtio-mmio transport or a PCI slot (<input>, <memballoon>, <rng>, <vsock>,
 * <memory>, <channel>, <console>, <graphics>, …). */
typedef struct {
    char *element; /* the element name */
    char *type;    /* type= (input, channel, console), model= (memballoon, rng, vsock, memory) */
    char *bus;     /* <input bus=…>, or the <target type=…> of a channel/console */
    FwnegAddress address;
    int xml_position;
} FwnegOtherDevice;

typedef struct {
    char *model; /* vga | cirrus | qxl | virtio | bochs | ramfb | none | … */
    gboolean primary;
    char *alias;
    FwnegAddress address;
    int xml_position;
} FwnegVideo;

/* <sysinfo type='fwcfg'><entry name='NAME' file='PATH'/> or <entry name='NAME'>VALUE</entry>:
 * a file libvirt hands QEMU as -fw_cfg name=NAME,file=PATH|string=VALUE. */
typedef struct {
    char *name;
    char *file;  /* NULL when the entry has a value */
    char *value; /* NULL when the entry names a file */
} FwnegFwCfgEntry;

/* One property of <qemu:override><qemu:device alias='ALIAS'><qemu:frontend>
 * <qemu:property name=… type=… value=…/> (libvirt >= 8.2): libvirt sets it on the
 * -device whose id is ALIAS, e.g. romsize.  type: string|signed|unsigned|bool|remove. */
typedef struct {
    char *alias;
    char *name;
    char *type;
    char *value; /* NULL for type='remove' */
} FwnegDeviceOverride;

typedef struct {
    char *path; /* text of <loader>, or NULL */
    char *type; /* rom | pflash | NULL */
    FwnegTristate readonly;
    FwnegTristate secure;
    FwnegTristate stateless;
    char *format; /* raw | qcow2 | NULL */
} FwnegLoader;

typedef struct {
    gboolean present;
    char *path; /* text, or <source file=…> */
    char *template;
    char *template_format;
    char *format;
} FwnegNvram;

typedef struct {
    char *name;
    char *uuid;
    char *virt_type; /* <domain type=…>: kvm | qemu | … */

    /* <os> */
    char *os_type; /* hvm */
    char *arch;    /* libvirt arch name as written: x86_64, aarch64, i686, armv7l, … */
    char *machine; /* as written, may be an alias (q35) or NULL */
    FwnegOsFirmware firmware;
    FwnegTristate fw_secure_boot;   /* <firmware><feature name='secure-boot'> */
    FwnegTristate fw_enrolled_keys; /* <firmware><feature name='enrolled-keys'> */
    FwnegLoader loader;
    FwnegNvram nvram;
    GPtrArray *boot_devs; /* char*: hd | cdrom | network | fd, in XML order */
    FwnegTristate bootmenu_enable;
    int bootmenu_timeout; /* ms, FWNEG_UNSET when absent */
    char *kernel, *initrd, *cmdline, *dtb;

    /* <features> */
    gboolean acpi;
    FwnegTristate smm; /* <smm/> = yes, <smm state='off'/> = no */
    /* <pm> */
    FwnegTristate suspend_to_mem, suspend_to_disk;
    /* <launchSecurity type=…>: sev | s390-pv | … or NULL; sev policy when given */
    char *launch_security;
    gint64 sev_policy; /* FWNEG_UNSET when absent */

    /* <devices> */
    char *emulator;
    GPtrArray *controllers; /* FwnegController* */
    GPtrArray *disks;       /* FwnegDisk* */
    GPtrArray *interfaces;  /* FwnegInterface* */
    GPtrArray *hostdevs;    /* FwnegHostdev* */
    GPtrArray *videos;      /* FwnegVideo* */
    GPtrArray *filesystems; /* FwnegFilesystem* */
    GPtrArray *others;      /* FwnegOtherDevice*: every other <devices> child element */

    GPtrArray *fw_cfg_entries;   /* FwnegFwCfgEntry*: every <sysinfo type='fwcfg'> entry */
    gboolean has_fw_cfg_sysinfo; /* a <sysinfo type='fwcfg'> block exists (even empty) */
    GPtrArray *device_overrides; /* FwnegDeviceOverride*: frontend properties of <qemu:override> */

    /* <metadata>: the serialized fwneg element (any version of our namespace), or NULL */
    char *fwneg_metadata;
    char *source_name; /* the file name (or "-") for error messages */
} FwnegDomain;

/* Largest domain XML accepted (bytes).  libvirt's own limit for a domain
 * definition is 10 MiB (VIR_DOMAIN_XML_MAX_LEN); nothing legitimate is bigger. */
#define FWNEG_DOMAIN_XML_MAX_BYTES (10 * 1024 * 1024)

FwnegDomain *fwneg_domain_new(void);
void fwneg_domain_free(FwnegDomain *domain);

/* Devices with every number FWNEG_UNSET and addresses FWNEG_ADDRESS_NONE, ready
 * to be added to the matching FwnegDomain array (which frees them). */
FwnegController *fwneg_controller_new(void);
FwnegDisk *fwneg_disk_new(void);
FwnegInterface *fwneg_interface_new(void);
FwnegHostdev *fwneg_hostdev_new(void);
FwnegVideo *fwneg_video_new(void);
void fwneg_fw_cfg_entry_free(FwnegFwCfgEntry *entry);
void fwneg_device_override_free(FwnegDeviceOverride *override);
FwnegFilesystem *fwneg_filesystem_new(void);
FwnegOtherDevice *fwneg_other_device_new(void);
void fwneg_controller_free(FwnegController *controller);
void fwneg_disk_free(FwnegDisk *disk);
void fwneg_interface_free(FwnegInterface *iface);
void fwneg_hostdev_free(FwnegHostdev *hostdev);
void fwneg_video_free(FwnegVideo *video);
void fwneg_filesystem_free(FwnegFilesystem *fs);
void fwneg_other_device_free(FwnegOtherDevice *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegController, fwneg_controller_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegDisk, fwneg_disk_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegInterface, fwneg_interface_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegHostdev, fwneg_hostdev_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegVideo, fwneg_video_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegFilesystem, fwneg_filesystem_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegOtherDevice, fwneg_other_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwnegDomain, fwneg_domain_free)

/* Parse domain XML held in memory.  @source_name names the input in messages
 * (a path, or "-" for stdin).  Errors are FWNEG_ERROR_INVALID_INPUT and their
 * message names the source, the element (and line when known) and the value. */
FwnegDomain *fwneg_domain_parse_memory(const char *data, gsize len, const char *source_name,
                                       GError **error);

/* Read (bounded by FWNEG_DOMAIN_XML_MAX_BYTES) and parse a file; "-" reads stdin. */
FwnegDomain *fwneg_domain_parse_file(const char *path, GError **error);

/* QEMU target name (as used in firmware descriptors) for a libvirt arch name:
 * i686 → i386, armv7l → arm, others unchanged.  NULL for an unknown arch. */
const char *fwneg_arch_to_qemu_target(const char *libvirt_arch);

/* TRUE for the architectures fwneg plans guests for (x86_64, i686, aarch64,
 * armv7l, riscv64); other libvirt architectures (ppc64, s390x, …) are not
 * modelled. */
gboolean fwneg_arch_is_modelled(const char *libvirt_arch);

/* A short label for messages and the text output: alias, else target dev / MAC, else
 * "<kind>[N]".  Returned string is owned by the caller. */
char *fwneg_disk_label(const FwnegDisk *disk, guint index);
char *fwneg_interface_label(const FwnegInterface *iface, guint index);

const char *fwneg_tristate_to_string(FwnegTristate t);

/* libvirt's disk order index of a target dev name (virDiskNameToIndex): vda 0,
 * vdz 25, vdaa 26; -1 when the name is not a disk name. */
int fwneg_disk_name_to_index(const char *name);

/* libvirt's internal disk order (virDomainDiskInsert while parsing): disks
 * grouped by bus in order of first appearance, sorted inside a group by target
 * dev index.  Returns guint indexes into domain->disks. */
GArray *fwneg_libvirt_disk_order(const FwnegDomain *domain); /* "yes" | "no" | NULL */

/* The QEMU device id libvirt 9.0 gives interface @index: its <alias>, else the
 * alias libvirt assigns at start (qemuAssignDeviceNetAlias: "netN", N one more
 * than the highest netN among the other interfaces, in order; hostdev-type
 * interfaces get no netN).  The migratable XML a migration target's hook
 * sees has no automatic aliases, so this is how it names a device. */
char *fwneg_interface_qemu_id(const FwnegDomain *domain, guint index);

/* The <qemu:override> frontend property @name of the device @qemu_id, or NULL. */
const FwnegDeviceOverride *fwneg_domain_find_override(const FwnegDomain *domain,
                                                      const char *qemu_id, const char *name);

/* The fw_cfg entry called @name, or NULL. */
const FwnegFwCfgEntry *fwneg_domain_find_fw_cfg_entry(const FwnegDomain *domain, const char *name);

G_END_DECLS

/* test-bootorder: the boot-order stage without QEMU (tests/bootorder checks
 * the same paths against the real QEMU 7.2 and libvirt 9.0). */
#include <libfdt.h>
#include <string.h>

#include "boot-legacy.h"
#include "bootorder-plan.h"
#include "fdt-nodes.h"
#include "fwneg-error.h"
#include "of-path.h"

#define PCI(bus, slot, fn)                                                                         \
    "<address type='pci' domain='0x0000' bus='" bus "' slot='" slot "' function='" fn "'/>"

static FwnegDomain *
parse(const char *arch, const char *machine, const char *os_extra, const char *devices)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>t</name><memory>65536</memory>"
        "<os><type arch='%s' machine='%s'>hvm</type>%s</os><devices>%s</devices></domain>",
        arch, machine, os_extra, devices);
    g_autoptr(GError) error = NULL;
    FwnegDomain *domain = fwneg_domain_parse_memory(xml, strlen(xml), "test.xml", &error);
    g_assert_no_error(error);
    g_assert_nonnull(domain);
    return domain;
}

static FwnegBootOrder *
plan_for(const FwnegDomain *domain, const char *machine, GError **error)
{
    return fwneg_bootorder_plan(domain, machine, NULL, error);
}

static void
assert_lines(GPtrArray *lines, const char *const *expected)
{
    guint n = g_strv_length((char **)expected);
    for (guint i = 0; i < MIN(n, lines->len); i++)
        g_assert_cmpstr(g_ptr_array_index(lines, i), ==, expected[i]);
    g_assert_cmpuint(lines->len, ==, n);
}

static void
test_pci_names(void)
{
    struct {
        guint16 class_code, vendor, device;
        const char *name;
    } cases[] = {
        {0x0100, 0x1af4, 0x1001, "scsi"},         {0x0104, 0x1000, 0x0060, "raid"},
        {0x0106, 0x8086, 0x2922, "pci8086,2922"}, {0x0108, 0x1b36, 0x0010, "pci1b36,0010"},
        {0x0200, 0x8086, 0x100e, "ethernet"},     {0x0300, 0x1234, 0x1111, "display"},
        {0x0380, 0x1b36, 0x0100, "display"},      {0x0604, 0x1b36, 0x000c, "pci-bridge"},
        {0x0c03, 0x1b36, 0x000d, "usb"},          {0x0180, 0x1af4, 0x105a, "pci1af4,105a"},
        {0x0b40, 0x0000, 0x0000, "cpu"},          {0x0280, 0x15b3, 0x1018, "pci15b3,1018"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *name =
            fwneg_of_pci_name(cases[i].class_code, cases[i].vendor, cases[i].device);
        g_assert_cmpstr(name, ==, cases[i].name);
    }
}

static void
test_disk_name_index(void)
{
    g_assert_cmpint(fwneg_disk_name_to_index("vda"), ==, 0);
    g_assert_cmpint(fwneg_disk_name_to_index("hdc"), ==, 2);
    g_assert_cmpint(fwneg_disk_name_to_index("sdz"), ==, 25);
    g_assert_cmpint(fwneg_disk_name_to_index("vdaa"), ==, 26);
    g_assert_cmpint(fwneg_disk_name_to_index("sdab"), ==, 27);
    g_assert_cmpint(fwneg_disk_name_to_index("xvdb"), ==, 1);
    g_assert_cmpint(fwneg_disk_name_to_index("sda1"), ==, 0);
    g_assert_cmpint(fwneg_disk_name_to_index("eth0"), ==, -1);
    g_assert_cmpint(fwneg_disk_name_to_index("vd"), ==, -1);
}

#define DISK(dev, bus, device, addr)                                                               \
    "<disk type='file' device='" device "'><target dev='" dev "' bus='" bus "'/>" addr "</disk>"

/* reference/bootorder.md §5.2, verified with libvirt 9.0: XML order vdb, hda,
 * vda, hdc, fda + network,cdrom,fd,hd → NIC 1, hdc 2, fda 3, vda 4. */
static const char legacy_devices[] =
    DISK("vdb", "virtio", "disk", PCI("0", "0x05", "0x0")) DISK("hda", "ide", "disk", "")
        DISK("vda", "virtio", "disk", PCI("0", "0x04", "0x0")) DISK("hdc", "ide", "cdrom", "")
            DISK("fda", "fdc", "floppy",
                 "") "<interface type='user'><mac address='52:54:00:00:00:01'/><model "
                     "type='rtl8139'/>" PCI("0", "0x03", "0x0") "</interface>";

static void
test_libvirt_disk_order(void)
{
    g_autoptr(FwnegDomain) domain = parse("x86_64", "pc-i440fx-7.2", "", legacy_devices);
    g_autoptr(GArray) order = fwneg_libvirt_disk_order(domain);
    const char *expected[] = {"vda", "vdb", "hda", "hdc", "fda"};

    g_assert_cmpuint(order->len, ==, G_N_ELEMENTS(expected));
    for (guint i = 0; i < order->len; i++) {
        const FwnegDisk *disk = g_ptr_array_index(domain->disks, g_array_index(order, guint, i));
        g_assert_cmpstr(disk->target_dev, ==, expected[i]);
    }
}

static void
test_legacy_boot_dev(void)
{
    g_autoptr(FwnegDomain) domain = parse(
        "x86_64", "pc-i440fx-7.2",
        "<boot dev='network'/><boot dev='cdrom'/><boot dev='fd'/><boot dev='hd'/>", legacy_devices);
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) plan = plan_for(domain, "pc-i440fx-7.2", &error);
    const char *expected[] = {"/pci@i0cf8/ethernet@3/ethernet-phy@0",
                              "/pci@i0cf8/ide@1,1/drive@1/disk@0",
                              "/pci@i0cf8/isa@1/fdc@03f0/floppy@0",
                              "/pci@i0cf8/scsi@4/disk@0,0",
                              "HALT",
                              NULL};

    g_assert_no_error(error);
    assert_lines(plan->lines, expected);
    g_assert_cmpuint(plan->entries->len, ==, 4);
    const FwnegBootEntry *fda = g_ptr_array_index(plan->entries, 2);
    g_assert_cmpstr(fda->device, ==, "fda");
    g_assert_cmpint(fda->bootindex, ==, 3);
    g_assert_cmpint(fda->floppy_unit, ==, 0);
    const FwnegBootEntry *vda = g_ptr_array_index(plan->entries, 3);
    g_assert_cmpstr(vda->qemu_id, ==, "virtio-disk0");
    g_assert_cmpint(vda->bootindex, ==, 4);
    g_assert_true(plan->strict);
}

/* Unused positions are not renumbered: cdrom,hd,network with no cdrom → 2, 3. */
static void
test_legacy_positions_kept(void)
{
    g_autoptr(FwnegDomain) domain = parse(
        "x86_64", "pc-q35-7.2", "<boot dev='cdrom'/><boot dev='hd'/><boot dev='network'/>",
        DISK("vda", "virtio", "disk",
             PCI("0", "0x04",
                 "0x0")) "<interface type='user'><model type='e1000e'/>" PCI("0", "0x03",
                                                                             "0x0") "</interface>");
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) plan = plan_for(domain, "pc-q35-7.2", &error);

    g_assert_no_error(error);
    g_assert_cmpuint(plan->entries->len, ==, 2);
    g_assert_cmpint(((FwnegBootEntry *)g_ptr_array_index(plan->entries, 0))->bootindex, ==, 2);
    g_assert_cmpint(((FwnegBootEntry *)g_ptr_array_index(plan->entries, 1))->bootindex, ==, 3);
    g_assert_cmpstr(((FwnegBootEntry *)g_ptr_array_index(plan->entries, 1))->qemu_id, ==, "net0");
}

/* No <boot> at all means hd: the first disk in libvirt's order, nothing else. */
static void
test_default_hd(void)
{
    g_autoptr(FwnegDomain) domain =
        parse("x86_64", "pc-q35-7.2", "",
              DISK("sdb", "sata", "cdrom", "") DISK("sda", "sata", "disk", "")
                  DISK("vda", "virtio", "disk", PCI("0", "0x04", "0x0")));
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) plan = plan_for(domain, "pc-q35-7.2", &error);
    const char *expected[] = {"/pci@i0cf8/pci8086,2922@1f,2/drive@0/disk@0", "HALT", NULL};

    g_assert_no_error(error);
    assert_lines(plan->lines, expected);
    g_assert_cmpstr(((FwnegBootEntry *)g_ptr_array_index(plan->entries, 0))->qemu_id, ==,
                    "sata0-0-0");
}

/* No bootable device: an empty file, and no HALT (QEMU adds it only after an entry). */
static void
test_empty_has_no_halt(void)
{
    g_autoptr(FwnegDomain) domain = parse(
        "x86_64", "pc-i440fx-7.2", "",
        "<interface type='user'><model type='e1000'/>" PCI("0", "0x03", "0x0") "</interface>");
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) plan = plan_for(domain, "pc-i440fx-7.2", &error);

    g_assert_no_error(error);
    g_assert_cmpuint(plan->lines->len, ==, 0);
    g_assert_true(plan->strict);
}

static void
test_topology_paths(void)
{
    g_autoptr(FwnegDomain) domain = parse(
        "x86_64", "pc-q35-7.2", "",
        "<controller type='pci' index='0' model='pcie-root'/>"
        "<controller type='pci' index='1' model='pcie-expander-bus'><target busNr='200'/>" PCI(
            "0", "0x05",
            "0x0") "</controller>"
                   "<controller type='pci' index='2' model='pcie-expander-bus'><target "
                   "busNr='100'/>" PCI(
                       "0", "0x06",
                       "0x0") "</controller>"
                              "<controller type='pci' index='3' model='pcie-root-port'>" PCI(
                                  "1", "0x00",
                                  "0x0") "</controller>"
                                         "<controller type='scsi' index='0' "
                                         "model='virtio-scsi'>" PCI(
                                             "3", "0x00",
                                             "0x0") "</controller>"
                                                    "<controller type='usb' index='0' "
                                                    "model='qemu-xhci'>" PCI(
                                                        "0", "0x07",
                                                        "0x0") "</controller>"
                                                               "<disk type='file' "
                                                               "device='disk'><target dev='sda' "
                                                               "bus='scsi'/>"
                                                               "<address type='drive' "
                                                               "controller='0' bus='0' target='10' "
                                                               "unit='17'/>"
                                                               "<boot order='2'/></disk>"
                                                               "<disk type='file' "
                                                               "device='disk'><target dev='sdb' "
                                                               "bus='usb'/>"
                                                               "<address type='usb' bus='0' "
                                                               "port='1.12'/><boot "
                                                               "order='1'/></disk>"
                                                               "<interface type='user'><model "
                                                               "type='virtio'/>" PCI(
                                                                   "2", "0x1f",
                                                                   "0x7") "<boot "
                                                                          "order='3'/></"
                                                                          "interface>");
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) plan = plan_for(domain, "pc-q35-7.2", &error);
    const char *expected[] = {
        "/pci@i0cf8/usb@7/hub@1/storage@c/channel@0/disk@0,0",
        "/pci@i0cf8,2/pci-bridge@0/scsi@0/channel@0/disk@a,11",
        "/pci@i0cf8,1/ethernet@1f,7/ethernet-phy@0",
        "HALT",
        NULL,
    };

    g_assert_no_error(error);
    assert_lines(plan->lines, expected);
    g_assert_cmpstr(((FwnegBootEntry *)g_ptr_array_index(plan->entries, 1))->qemu_id, ==,
                    "scsi0-0-10-17");
}

/* fwneg does not invent libvirt's address assignment: the lines are pending
 * (XML before `virsh define`), with the reason. */
static void
test_missing_address_is_pending(void)
{
    g_autoptr(FwnegDomain) domain =
        parse("x86_64", "pc-q35-7.2", "",
              "<disk type='file' device='disk'><target dev='vda' bus='virtio'/>"
              "<boot order='1'/></disk>");
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) plan = plan_for(domain, "pc-q35-7.2", &error);

    g_assert_no_error(error);
    g_assert_cmpuint(plan->lines->len, ==, 0);
    g_assert_cmpuint(plan->entries->len, ==, 0);
    g_assert_nonnull(plan->pending);
    g_assert_nonnull(strstr(plan->pending, "vda"));
    g_assert_nonnull(strstr(plan->pending, "when the guest is defined"));
}

/* Ten pci-bridges deep the device part passes QEMU's 128-byte buffer. */
static void
test_path_too_long(void)
{
    GString *devices = g_string_new(NULL);
    for (int i = 1; i <= 10; i++)
        g_string_append_printf(devices,
                               "<controller type='pci' index='%d' model='pci-bridge'>"
                               "<address type='pci' domain='0x0000' bus='%d' slot='0x1f' "
                               "function='0x0'/></controller>",
                               i, i - 1);
    g_string_append(devices, "<disk type='file' device='disk'><target dev='vda' bus='virtio'/>"
                             "<address type='pci' domain='0x0000' bus='10' slot='0x1f' "
                             "function='0x7'/><boot order='1'/></disk>");
    g_autoptr(FwnegDomain) domain = parse("x86_64", "pc-i440fx-7.2", "", devices->str);
    g_string_free(devices, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) plan = plan_for(domain, "pc-i440fx-7.2", &error);

    g_assert_null(plan);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_nonnull(strstr(error->message, "128-byte"));
}

static void
test_kernel_rom(void)
{
    g_autoptr(FwnegDomain) domain =
        parse("x86_64", "pc-i440fx-2.6", "<kernel>/nonexistent/vmlinuz</kernel>",
              DISK("vda", "virtio", "disk", PCI("0", "0x04", "0x0")));
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) old = plan_for(domain, "pc-i440fx-2.6", &error);
    g_assert_no_error(error);
    g_autoptr(FwnegBootOrder) current = plan_for(domain, "pc-i440fx-7.2", &error);
    g_assert_no_error(error);
    const char *expected_old[] = {"/rom@genroms/linuxboot.bin", "/pci@i0cf8/scsi@4/disk@0,0",
                                  "HALT", NULL};
    const char *expected_current[] = {"/rom@genroms/linuxboot_dma.bin",
                                      "/pci@i0cf8/scsi@4/disk@0,0", "HALT", NULL};

    assert_lines(old->lines, expected_old);
    assert_lines(current->lines, expected_current);
    g_assert_null(((FwnegBootEntry *)g_ptr_array_index(current->entries, 0))->device);
}

static void
test_boot_menu(void)
{
    g_autoptr(FwnegDomain) on =
        parse("x86_64", "pc-q35-7.2", "<bootmenu enable='yes' timeout='3000'/>", "");
    g_autoptr(FwnegDomain) off =
        parse("x86_64", "pc-q35-7.2", "<bootmenu enable='no' timeout='3000'/>", "");
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) plan_on = plan_for(on, "pc-q35-7.2", &error);
    g_assert_no_error(error);
    g_autoptr(FwnegBootOrder) plan_off = plan_for(off, "pc-q35-7.2", &error);
    g_assert_no_error(error);

    g_assert_cmpint(plan_on->menu, ==, FWNEG_TRISTATE_YES);
    g_assert_cmpint(plan_on->menu_timeout, ==, 3000);
    /* libvirt ignores the timeout of a disabled menu (etc/boot-menu-wait: test-fwcfg). */
    g_assert_cmpint(plan_off->menu, ==, FWNEG_TRISTATE_NO);
    g_assert_cmpint(plan_off->menu_timeout, ==, FWNEG_UNSET);
}

static GBytes *
make_virt_dtb(void)
{
    gsize size = 4096;
    g_autofree guint8 *blob = g_malloc0(size);
    g_assert_cmpint(fdt_create_empty_tree(blob, (int)size), ==, 0);
    g_assert_cmpint(fdt_setprop_u32(blob, 0, "#address-cells", 2), ==, 0);
    int pcie = fdt_add_subnode(blob, 0, "pcie@10000000");
    g_assert_cmpint(pcie, >=, 0);
    g_assert_cmpint(fdt_setprop_string(blob, pcie, "compatible", "pci-host-ecam-generic"), ==, 0);
    int mmio = fdt_add_subnode(blob, 0, "virtio_mmio@a003e00");
    g_assert_cmpint(mmio, >=, 0);
    g_assert_cmpint(fdt_setprop_string(blob, mmio, "compatible", "virtio,mmio"), ==, 0);
    fdt32_t reg[4] = {cpu_to_fdt32(0), cpu_to_fdt32(0x0a003e00), cpu_to_fdt32(0),
                      cpu_to_fdt32(0x200)};
    g_assert_cmpint(fdt_setprop(blob, mmio, "reg", reg, sizeof(reg)), ==, 0);
    return g_bytes_new(blob, fdt_totalsize(blob));
}

static void
test_fdt_nodes(void)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new();
    g_ptr_array_add(lines, "/pci@ffffffffffffffff/scsi@4/disk@0,0");
    g_ptr_array_add(lines, "/virtio-mmio@000000000a003e00/disk@0,0");
    g_ptr_array_add(lines, "HALT");
    g_autoptr(GBytes) dtb = make_virt_dtb();
    g_autoptr(GError) error = NULL;

    g_autoptr(GPtrArray) found = fwneg_fdt_boot_nodes(lines, dtb, "virt.dtb", &error);
    g_assert_no_error(error);
    const char *expected[] = {"/pcie@10000000", "/virtio_mmio@a003e00", NULL};
    assert_lines(found, expected);
    g_autoptr(GPtrArray) predicted = fwneg_fdt_boot_nodes(lines, NULL, "", &error);
    g_assert_no_error(error);
    assert_lines(predicted, expected);

    /* A transport the DTB does not have is an error naming the entry. */
    g_ptr_array_add(lines, "/virtio-mmio@000000000a003c00/disk@0,0");
    g_autoptr(GPtrArray) missing = fwneg_fdt_boot_nodes(lines, dtb, "virt.dtb", &error);
    g_assert_null(missing);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_nonnull(strstr(error->message, "a003c00"));
    g_clear_error(&error);

    /* The <dtb> is a host file: a broken one is the host's problem (exit 1). */
    g_autoptr(GBytes) junk = g_bytes_new_static("not a dtb at all, not at all", 28);
    g_assert_null(fwneg_fdt_boot_nodes(lines, junk, "junk.dtb", &error));
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST);
}

static void
test_arm_virt_plan(void)
{
    g_autoptr(FwnegDomain) domain = parse(
        "aarch64", "virt-7.2", "<kernel>/boot/Image</kernel>",
        DISK("vda", "virtio", "disk",
             PCI("0", "0x04",
                 "0x0")) "<interface type='user'><model type='virtio'/>" PCI("0", "0x03",
                                                                             "0x0") "<boot "
                                                                                    "order='1'/></"
                                                                                    "interface>");
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) plan = plan_for(domain, "virt-7.2", &error);
    /* per-device boot on the NIC: the disk has none; ARM -kernel adds no ROM line */
    const char *expected[] = {"/pci@ffffffffffffffff/ethernet@3/ethernet-phy@0", "HALT", NULL};
    const char *nodes[] = {"/pcie@10000000", NULL};

    g_assert_no_error(error);
    assert_lines(plan->lines, expected);
    g_assert_true(plan->has_fdt);
    assert_lines(plan->fdt_nodes, nodes);
}

/* A machine whose paths are not modelled plans while nothing is bootable
 * (the bootorder file is then empty on every machine); a bootable device on it
 * is refused by name. */
static void
test_unsupported_machine(void)
{
    static const struct {
        const char *arch, *machine;
    } machines[] = {{"x86_64", "microvm"}, {"riscv64", "virt"}, {"x86_64", "isapc"}};
    for (gsize i = 0; i < G_N_ELEMENTS(machines); i++) {
        g_autoptr(FwnegDomain) idle = parse(machines[i].arch, machines[i].machine, "", "");
        g_autoptr(GError) error = NULL;
        g_autoptr(FwnegBootOrder) empty = plan_for(idle, machines[i].machine, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(empty->lines->len, ==, 0);

        g_autoptr(FwnegDomain) bootable =
            parse(machines[i].arch, machines[i].machine, "",
                  DISK("vda", "virtio", "disk", PCI("0", "0x04", "0x0")));
        g_autoptr(FwnegBootOrder) refused = plan_for(bootable, machines[i].machine, &error);
        g_assert_null(refused);
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
        g_assert_nonnull(strstr(error->message, machines[i].machine));
        g_assert_nonnull(strstr(error->message, "vda"));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bootorder/pci-names", test_pci_names);
    g_test_add_func("/bootorder/disk-name-index", test_disk_name_index);
    g_test_add_func("/bootorder/libvirt-disk-order", test_libvirt_disk_order);
    g_test_add_func("/bootorder/legacy-boot-dev", test_legacy_boot_dev);
    g_test_add_func("/bootorder/legacy-positions-kept", test_legacy_positions_kept);
    g_test_add_func("/bootorder/default-hd", test_default_hd);
    g_test_add_func("/bootorder/empty-has-no-halt", test_empty_has_no_halt);
    g_test_add_func("/bootorder/topology-paths", test_topology_paths);
    g_test_add_func("/bootorder/missing-address", test_missing_address_is_pending);
    g_test_add_func("/bootorder/path-too-long", test_path_too_long);
    g_test_add_func("/bootorder/kernel-rom", test_kernel_rom);
    g_test_add_func("/bootorder/boot-menu-wait", test_boot_menu);
    g_test_add_func("/bootorder/fdt-nodes", test_fdt_nodes);
    g_test_add_func("/bootorder/arm-virt-plan", test_arm_virt_plan);
    g_test_add_func("/bootorder/unsupported-machine", test_unsupported_machine);
    return g_test_run();
}

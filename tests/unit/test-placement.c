/* test-placement: virtio-mmio transports, auto-placed PCI slots and the boot
 * paths that depend on them, PCI host devices (plain and type='hostdev' NICs,
 * named from a sysfs in a sysroot) and virtiofs.  The guests are libvirt 9.0's
 * defined XML of guests whose bootorder QEMU 7.2 printed (r13b runs; the same
 * guests run live in tests/bootorder). */
#include <string.h>

#include "bootorder-plan.h"
#include "device-placement.h"
#include "fwneg-error.h"
#include "test-util.h"

#define MMIO "<address type='virtio-mmio'/>"
#define PCI(bus, slot, fn)                                                                         \
    "<address type='pci' domain='0x0000' bus='" bus "' slot='" slot "' function='" fn "'/>"
#define ROOT_PORT(index, fn)                                                                       \
    "<controller type='pci' index='" index                                                         \
    "' model='pcie-root-port'>" PCI("0x00", "0x01", fn) "</controller>"
#define VDISK(dev, extra)                                                                          \
    "<disk type='file' device='disk'><target dev='" dev "' bus='virtio'/>" extra "</disk>"
#define NIC(model, extra) "<interface type='user'><model type='" model "'/>" extra "</interface>"

static FwnegDomain *
parse(const char *arch, const char *machine, const char *devices)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>t</name><memory>65536</memory>"
        "<os><type arch='%s' machine='%s'>hvm</type></os><devices>%s</devices></domain>",
        arch, machine, devices);
    g_autoptr(GError) error = NULL;
    FwnegDomain *domain = fwneg_domain_parse_memory(xml, strlen(xml), "test.xml", &error);
    g_assert_no_error(error);
    return domain;
}

static FwnegDomain *
parse_xml(const char *xml)
{
    g_autoptr(GError) error = NULL;
    FwnegDomain *domain = fwneg_domain_parse_memory(xml, strlen(xml), "test.xml", &error);
    g_assert_no_error(error);
    return domain;
}

static void
assert_lines(const FwnegBootOrder *order, const char *const *expected)
{
    guint n = g_strv_length((char **)expected);
    for (guint i = 0; i < MIN(n, order->lines->len); i++)
        g_assert_cmpstr(g_ptr_array_index(order->lines, i), ==, expected[i]);
    g_assert_cmpuint(order->lines->len, ==, n);
}

/* r13b laterboot: disks listed vda, vdb (libvirt sorts them), a scsi cdrom on an
 * lsilogic HBA that libvirt gave a virtio-mmio address, two virtio NICs, rng.
 * QEMU: vda k0, vdb k1, NICs k2/k3, rng k4; the lsi lands at 00:01.0. */
static const char laterboot[] = VDISK("vda", "<boot order='2'/>" MMIO) VDISK(
    "vdb", "<boot order='1'/>" MMIO) "<disk type='file' device='cdrom'><target dev='sdb' "
                                     "bus='scsi'/><boot order='3'/>"
                                     "<address type='drive' controller='0' bus='0' target='0' "
                                     "unit='1'/></disk>"
                                     "<controller type='pci' index='0' model='pcie-root'/>"
                                     "<controller type='scsi' index='0' model='lsilogic'>" MMIO
                                     "</controller>" NIC("virtio", MMIO) NIC(
                                         "virtio",
                                         "<boot order='4'/>" MMIO) "<rng model='virtio'><backend "
                                                                   "model='random'>/dev/urandom</"
                                                                   "backend>" MMIO "</rng>";

static void
test_transport_order(void)
{
    g_autoptr(FwnegDomain) domain = parse("aarch64", "virt-7.2", laterboot);
    g_autoptr(FwnegPlacementMap) map = fwneg_placement_map_new(domain);

    g_assert_cmpint(map->disks[0].kind, ==, FWNEG_PLACE_VIRTIO_MMIO);
    g_assert_cmpint(map->disks[0].index, ==, 0);
    g_assert_cmpint(map->disks[1].index, ==, 1);
    g_assert_cmpint(map->disks[2].kind, ==, FWNEG_PLACE_ADDRESSED);
    g_assert_cmpint(map->controllers[1].kind, ==, FWNEG_PLACE_PCI_AUTO);
    g_assert_cmpint(map->controllers[1].index, ==, 1);
    g_assert_cmpint(map->interfaces[0].index, ==, 2);
    g_assert_cmpint(map->interfaces[1].index, ==, 3);
    g_assert_cmpint(map->others[0].kind, ==, FWNEG_PLACE_VIRTIO_MMIO); /* rng */
    g_assert_cmpint(map->others[0].index, ==, 4);
    g_assert_cmpuint(map->n_virtio_mmio, ==, 5);

    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) order = fwneg_bootorder_plan(domain, "virt-7.2", NULL, &error);
    g_assert_no_error(error);
    const char *expected[] = {"/virtio-mmio@000000000a003c00/disk@0,0",
                              "/virtio-mmio@000000000a003e00/disk@0,0",
                              "/pci@ffffffffffffffff/scsi@1/channel@0/disk@1,0",
                              "/virtio-mmio@000000000a003800/ethernet-phy@0",
                              "HALT",
                              NULL};
    assert_lines(order, expected);
    const char *nodes[] = {"/virtio_mmio@a003c00", "/virtio_mmio@a003e00", "/pcie@10000000",
                           "/virtio_mmio@a003800", NULL};
    g_assert_cmpuint(order->fdt_nodes->len, ==, 4);
    for (guint i = 0; i < 4; i++)
        g_assert_cmpstr(g_ptr_array_index(order->fdt_nodes, i), ==, nodes[i]);
}

/* r13b lsi-mmio and e1000e-mmio: QEMU puts a PCI device libvirt emits without
 * bus/addr on the first root slot no explicit address uses (root ports at 00:01.x). */
static void
test_auto_pci_slot(void)
{
    g_autoptr(FwnegDomain) domain = parse(
        "aarch64", "virt-7.2",
        VDISK("vda",
              "<boot order='3'/>" MMIO) "<disk type='file' device='cdrom'><target dev='sdb' "
                                        "bus='scsi'/><boot order='1'/>"
                                        "<address type='drive' controller='0' bus='0' target='0' "
                                        "unit='1'/></disk>"
                                        "<controller type='pci' index='0' model='pcie-root'/>"
                                        "<controller type='scsi' index='0' model='lsilogic'>" MMIO
                                        "</controller>" ROOT_PORT("1", "0x0") ROOT_PORT("2", "0x1")
                                            NIC("e1000e", "<boot order='2'/>" MMIO));
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) order = fwneg_bootorder_plan(domain, "virt-7.2", NULL, &error);
    g_assert_no_error(error);
    /* lsi (controllers come first) takes 00:02.0, the e1000e 00:03.0 */
    const char *expected[] = {"/pci@ffffffffffffffff/scsi@2/channel@0/disk@1,0",
                              "/pci@ffffffffffffffff/ethernet@3/ethernet-phy@0",
                              "/virtio-mmio@000000000a003e00/disk@0,0", "HALT", NULL};
    assert_lines(order, expected);
}

/* Before `virsh define` libvirt has not placed the devices (nor added the ones
 * it adds): every transport is pending, with the reason. */
static void
test_pending_transports(void)
{
    g_autoptr(FwnegDomain) domain =
        parse("aarch64", "virt", VDISK("vda", "<boot order='1'/>" MMIO) VDISK("vdb", ""));
    g_autoptr(FwnegPlacementMap) map = fwneg_placement_map_new(domain);
    g_assert_cmpint(map->disks[0].kind, ==, FWNEG_PLACE_VIRTIO_MMIO);
    g_assert_cmpint(map->disks[0].index, ==, -1);
    g_assert_true(map->disks[0].pending);
    /* libvirt's rule: an address-less virtio disk joins virtio-mmio in such a guest */
    g_assert_cmpint(map->disks[1].kind, ==, FWNEG_PLACE_VIRTIO_MMIO);

    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) order = fwneg_bootorder_plan(domain, "virt", NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(order->lines->len, ==, 0);
    g_assert_nonnull(strstr(order->pending, "vdb has no address"));

    /* a virtio channel without its virtio-serial controller: libvirt adds one */
    g_autoptr(FwnegDomain) channel =
        parse("aarch64", "virt-7.2",
              VDISK("vda", "<boot order='1'/>" MMIO) "<channel type='pty'><target type='virtio' "
                                                     "name='org.test.0'/></channel>");
    g_autoptr(FwnegBootOrder) channel_order =
        fwneg_bootorder_plan(channel, "virt-7.2", NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(channel_order->pending, "virtio-serial"));
}

/* A device with a virtio-mmio address fwneg does not model makes every
 * transport unknown (not pending: defining the guest would not tell). */
static void
test_unmodelled_mmio_device(void)
{
    g_autoptr(FwnegDomain) domain =
        parse("aarch64", "virt-7.2",
              VDISK("vda", "<boot order='1'/>" MMIO) "<sound model='ich9'>" MMIO "</sound>");
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) order = fwneg_bootorder_plan(domain, "virt-7.2", NULL, &error);
    g_assert_null(order);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
    g_assert_nonnull(strstr(error->message, "<sound>"));
    g_assert_nonnull(strstr(error->message, "vda"));
}

/* QEMU virt has 32 transports: a 33rd virtio-mmio device makes QEMU refuse
 * the guest ("No 'virtio-bus' bus found"), whichever device it is. */
static void
test_too_many_transports(void)
{
    for (int n = 31; n <= 32; n++) {
        GString *devices = g_string_new(VDISK("vda", "<boot order='1'/>" MMIO));
        for (int i = 0; i < n; i++)
            g_string_append(devices, "<rng model='virtio'><backend model='random'>/dev/urandom"
                                     "</backend>" MMIO "</rng>");
        g_autoptr(FwnegDomain) domain = parse("aarch64", "virt-7.2", devices->str);
        g_string_free(devices, TRUE);
        g_autoptr(GError) error = NULL;
        g_autoptr(FwnegBootOrder) order = fwneg_bootorder_plan(domain, "virt-7.2", NULL, &error);
        if (n == 31) {
            g_assert_no_error(error);
            continue;
        }
        g_assert_null(order);
        g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE);
        g_assert_nonnull(strstr(error->message, "33 virtio-mmio devices"));
    }
}

static char *
make_sysfs(const char *bdf, const char *class_code, const char *vendor, const char *device)
{
    char *root = fwneg_test_make_tmp_dir("fwneg-sysfs-XXXXXX");
    g_autofree char *dir = g_build_filename(root, "sys/bus/pci/devices", bdf, NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    const char *files[][2] = {{"class", class_code}, {"vendor", vendor}, {"device", device}};
    for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *path = g_build_filename(dir, files[i][0], NULL);
        g_autofree char *text = g_strdup_printf("%s\n", files[i][1]);
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
    }
    return root;
}

/* <interface type='hostdev'> is its vfio-pci device: the node is named from the
 * host device's class (sysfs inside the sysroot) and has no /ethernet-phy@0;
 * legacy <boot dev='network'/> goes to it when it is the first interface. */
static void
test_hostdev_nic(void)
{
    g_autofree char *sysroot = make_sysfs("0000:7f:1f.7", "0x020000", "0x8086", "0x10fb");
    g_autoptr(FwnegDomain) domain = parse_xml(
        "<domain type='qemu'><name>t</name><memory>65536</memory><os>"
        "<type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='network'/></os><devices>"
        "<controller type='pci' index='3' model='pcie-root-port'>" PCI(
            "0", "0x01",
            "0x2") "</controller>"
                   "<interface type='hostdev'><mac address='52:54:00:00:00:01'/><source>"
                   "<address type='pci' domain='0x0000' bus='0x7f' slot='0x1f' "
                   "function='0x7'/></source>" PCI("0x03", "0x00", "0x0") "</interface>" NIC(
                       "virtio", PCI("0", "0x05", "0x0")) "</devices></domain>");
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) order = fwneg_bootorder_plan(domain, "pc-q35-7.2", sysroot, &error);
    g_assert_no_error(error);
    const char *expected[] = {"/pci@i0cf8/pci-bridge@1,2/ethernet@0", "HALT", NULL};
    assert_lines(order, expected);
    /* libvirt's alias: hostdevN for a hostdev NIC; the virtio NIC is still net0 */
    g_assert_cmpstr(((FwnegBootEntry *)g_ptr_array_index(order->entries, 0))->qemu_id, ==,
                    "hostdev0");

    /* a class QEMU has no name for: pciVVVV,DDDD of the host device */
    g_autofree char *other = make_sysfs("0000:7f:1f.7", "0x028000", "0x15b3", "0x1018");
    g_autoptr(FwnegBootOrder) unnamed = fwneg_bootorder_plan(domain, "pc-q35-7.2", other, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(g_ptr_array_index(unnamed->lines, 0), ==,
                    "/pci@i0cf8/pci-bridge@1,2/pci15b3,1018@0");

    /* no such host device: a host problem */
    g_autoptr(FwnegBootOrder) missing = fwneg_bootorder_plan(domain, "pc-q35-7.2", NULL, &error);
    g_assert_null(missing);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST);
    fwneg_test_remove_tree(sysroot);
    fwneg_test_remove_tree(other);
}

/* virtiofs: vhost-user-fs-pci is class 0x0180 (pci1af4,105a) + /filesystem@0
 * (r13b q35-vfs, live); on ARM with an mmio address vhost-user-fs-device, after
 * the disks in libvirt's order (r13b virt-vfs, live). */
static void
test_virtiofs(void)
{
    g_autoptr(FwnegDomain) q35 =
        parse("x86_64", "pc-q35-7.2",
              "<controller type='pci' index='1' model='pcie-root-port'>" PCI(
                  "0", "0x02",
                  "0x0") "</controller>"
                         "<filesystem type='mount'><driver type='virtiofs'/><source dir='/srv'/>"
                         "<target dir='share'/><boot order='1'/>" PCI("0x01", "0x00",
                                                                      "0x0") "</filesystem>");
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegBootOrder) order = fwneg_bootorder_plan(q35, "pc-q35-7.2", NULL, &error);
    g_assert_no_error(error);
    const char *expected[] = {"/pci@i0cf8/pci-bridge@2/pci1af4,105a@0/filesystem@0", "HALT", NULL};
    assert_lines(order, expected);
    g_assert_cmpstr(((FwnegBootEntry *)g_ptr_array_index(order->entries, 0))->qemu_id, ==, "fs0");

    g_autoptr(FwnegDomain) virt =
        parse("aarch64", "virt-7.2",
              "<filesystem type='mount'><driver type='virtiofs'/><source dir='/srv'/>"
              "<target dir='b'/><boot order='2'/>" MMIO
              "</filesystem>" VDISK("vda", "<boot order='1'/>" MMIO));
    g_autoptr(FwnegBootOrder) mmio = fwneg_bootorder_plan(virt, "virt-7.2", NULL, &error);
    g_assert_no_error(error);
    const char *expected_mmio[] = {"/virtio-mmio@000000000a003e00/disk@0,0",
                                   "/virtio-mmio@000000000a003c00/filesystem@0", "HALT", NULL};
    assert_lines(mmio, expected_mmio);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/placement/transport-order", test_transport_order);
    g_test_add_func("/placement/auto-pci-slot", test_auto_pci_slot);
    g_test_add_func("/placement/pending-transports", test_pending_transports);
    g_test_add_func("/placement/unmodelled-mmio-device", test_unmodelled_mmio_device);
    g_test_add_func("/placement/too-many-transports", test_too_many_transports);
    g_test_add_func("/placement/hostdev-nic", test_hostdev_nic);
    g_test_add_func("/placement/virtiofs", test_virtiofs);
    return g_test_run();
}

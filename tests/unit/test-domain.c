/* test-domain: libvirt domain XML → FwnegDomain.  The valid fixtures in
 * tests/data/domain/ are all accepted by libvirt 9.0 (`virsh -c test:///default
 * define`), the ones in invalid/ are all refused by it except
 * pci-domain-range.xml (see the test).  Every parsed field is asserted. */
#include <string.h>

#include <glib.h>

#include "domain.h"
#include "fwneg-error.h"
#include "test-util.h"

static FwnegDomain *
parse_fixture(const char *name)
{
    g_autofree char *path = fwneg_test_data_path("domain", name);
    g_autoptr(GError) error = NULL;
    FwnegDomain *domain = fwneg_domain_parse_file(path, &error);
    g_assert_no_error(error);
    g_assert_nonnull(domain);
    g_assert_cmpstr(domain->source_name, ==, path);
    return domain;
}

static void
assert_pci(const FwnegAddress *a, int domain, int bus, int slot, int function,
           FwnegTristate multifunction)
{
    g_assert_cmpint(a->type, ==, FWNEG_ADDRESS_PCI);
    g_assert_cmpint(a->domain, ==, domain);
    g_assert_cmpint(a->bus, ==, bus);
    g_assert_cmpint(a->slot, ==, slot);
    g_assert_cmpint(a->function, ==, function);
    g_assert_cmpint(a->multifunction, ==, multifunction);
}

static void
assert_drive(const FwnegAddress *a, int controller, int bus, int target, int unit)
{
    g_assert_cmpint(a->type, ==, FWNEG_ADDRESS_DRIVE);
    g_assert_cmpint(a->controller, ==, controller);
    g_assert_cmpint(a->drive_bus, ==, bus);
    g_assert_cmpint(a->target, ==, target);
    g_assert_cmpint(a->unit, ==, unit);
}

static void
assert_no_address(const FwnegAddress *a)
{
    g_assert_cmpint(a->type, ==, FWNEG_ADDRESS_NONE);
    g_assert_cmpint(a->domain, ==, FWNEG_UNSET);
    g_assert_cmpint(a->slot, ==, FWNEG_UNSET);
    g_assert_cmpint(a->controller, ==, FWNEG_UNSET);
    g_assert_cmpint(a->usb_bus, ==, FWNEG_UNSET);
    g_assert_null(a->usb_port);
}

static void
assert_controller(const FwnegController *c, FwnegControllerType type, const char *type_name,
                  int index, const char *model, int position)
{
    g_assert_cmpint(c->type, ==, type);
    g_assert_cmpstr(c->type_name, ==, type_name);
    g_assert_cmpint(c->index, ==, index);
    g_assert_cmpstr(c->model, ==, model);
    g_assert_cmpint(c->xml_position, ==, position);
}

static void
test_q35_full(void)
{
    g_autoptr(FwnegDomain) d = parse_fixture("q35-full.xml");

    g_assert_cmpstr(d->name, ==, "web01");
    g_assert_cmpstr(d->uuid, ==, "c7a5fdbd-cdaf-9455-926a-d65c16db1809"); /* normalized */
    g_assert_cmpstr(d->virt_type, ==, "kvm");

    g_assert_cmpstr(d->os_type, ==, "hvm");
    g_assert_cmpstr(d->arch, ==, "x86_64");
    g_assert_cmpstr(d->machine, ==, "pc-q35-7.2");
    g_assert_cmpint(d->firmware, ==, FWNEG_OS_FIRMWARE_NONE);
    g_assert_cmpint(d->fw_secure_boot, ==, FWNEG_TRISTATE_ABSENT);
    g_assert_cmpint(d->fw_enrolled_keys, ==, FWNEG_TRISTATE_ABSENT);
    g_assert_cmpstr(d->loader.path, ==, "/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
    g_assert_cmpstr(d->loader.type, ==, "pflash");
    g_assert_cmpint(d->loader.readonly, ==, FWNEG_TRISTATE_YES);
    g_assert_cmpint(d->loader.secure, ==, FWNEG_TRISTATE_YES);
    g_assert_cmpint(d->loader.stateless, ==, FWNEG_TRISTATE_ABSENT);
    g_assert_null(d->loader.format);
    g_assert_true(d->nvram.present);
    g_assert_cmpstr(d->nvram.path, ==, "/var/lib/libvirt/qemu/nvram/web01_VARS.fd");
    g_assert_cmpstr(d->nvram.template, ==, "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
    g_assert_null(d->nvram.template_format);
    g_assert_null(d->nvram.format);
    g_assert_cmpuint(d->boot_devs->len, ==, 0);
    g_assert_cmpint(d->bootmenu_enable, ==, FWNEG_TRISTATE_YES);
    g_assert_cmpint(d->bootmenu_timeout, ==, 3000);
    g_assert_null(d->kernel);
    g_assert_null(d->initrd);
    g_assert_null(d->cmdline);
    g_assert_null(d->dtb);

    g_assert_true(d->acpi);
    g_assert_cmpint(d->smm, ==, FWNEG_TRISTATE_YES);
    g_assert_cmpint(d->suspend_to_mem, ==, FWNEG_TRISTATE_NO);
    g_assert_cmpint(d->suspend_to_disk, ==, FWNEG_TRISTATE_NO);
    g_assert_null(d->launch_security);
    g_assert_cmpint(d->sev_policy, ==, FWNEG_UNSET);
    g_assert_cmpstr(d->emulator, ==, "/usr/bin/qemu-system-x86_64");

    /* <devices> children: 0 emulator, 1-2 disks, 3-8 controllers, 9-11 NICs,
     * 12 serial, 13 input, 14 hostdev, 15 video, 16 memballoon. */
    g_assert_cmpuint(d->disks->len, ==, 2);
    FwnegDisk *vda = d->disks->pdata[0];
    g_assert_cmpstr(vda->device, ==, "disk");
    g_assert_cmpstr(vda->bus, ==, "virtio");
    g_assert_cmpstr(vda->target_dev, ==, "vda");
    g_assert_cmpstr(vda->source, ==, "/var/lib/libvirt/images/web01.qcow2");
    g_assert_cmpstr(vda->alias, ==, "ua-root");
    g_assert_cmpint(vda->boot_order, ==, 2);
    g_assert_cmpint(vda->xml_position, ==, 1);
    assert_pci(&vda->address, 0, 4, 0, 0, FWNEG_TRISTATE_ABSENT);
    FwnegDisk *cdrom = d->disks->pdata[1];
    g_assert_cmpstr(cdrom->device, ==, "cdrom");
    g_assert_cmpstr(cdrom->bus, ==, "sata");
    g_assert_cmpstr(cdrom->target_dev, ==, "sda");
    g_assert_cmpstr(cdrom->source, ==, "/srv/iso/debian-12.iso");
    g_assert_null(cdrom->alias);
    g_assert_cmpint(cdrom->boot_order, ==, 1);
    g_assert_cmpint(cdrom->xml_position, ==, 2);
    assert_drive(&cdrom->address, 0, 0, 0, 0);

    g_assert_cmpuint(d->controllers->len, ==, 6);
    FwnegController *usb = d->controllers->pdata[0];
    assert_controller(usb, FWNEG_CONTROLLER_USB, "usb", 0, "qemu-xhci", 3);
    assert_pci(&usb->address, 0, 2, 0, 0, FWNEG_TRISTATE_ABSENT);
    g_assert_cmpint(usb->chassis, ==, FWNEG_UNSET);
    FwnegController *root = d->controllers->pdata[1];
    assert_controller(root, FWNEG_CONTROLLER_PCI, "pci", 0, "pcie-root", 4);
    assert_no_address(&root->address);
    FwnegController *port1 = d->controllers->pdata[2];
    assert_controller(port1, FWNEG_CONTROLLER_PCI, "pci", 1, "pcie-root-port", 5);
    g_assert_cmpint(port1->chassis, ==, 1);
    g_assert_cmpint(port1->port, ==, 0x10);
    g_assert_cmpint(port1->bus_nr, ==, FWNEG_UNSET);
    assert_pci(&port1->address, 0, 0, 2, 0, FWNEG_TRISTATE_YES);
    FwnegController *port2 = d->controllers->pdata[3];
    assert_controller(port2, FWNEG_CONTROLLER_PCI, "pci", 2, "pcie-root-port", 6);
    g_assert_cmpint(port2->chassis, ==, 2);
    g_assert_cmpint(port2->port, ==, 0x11);
    assert_pci(&port2->address, 0, 0, 2, 1, FWNEG_TRISTATE_ABSENT);
    FwnegController *sata = d->controllers->pdata[4];
    assert_controller(sata, FWNEG_CONTROLLER_SATA, "sata", 0, NULL, 7);
    assert_pci(&sata->address, 0, 0, 0x1f, 2, FWNEG_TRISTATE_ABSENT);
    FwnegController *serial = d->controllers->pdata[5];
    assert_controller(serial, FWNEG_CONTROLLER_OTHER, "virtio-serial", 0, NULL, 8);
    g_assert_null(serial->alias);

    g_assert_cmpuint(d->interfaces->len, ==, 3);
    FwnegInterface *net0 = d->interfaces->pdata[0];
    g_assert_cmpstr(net0->type, ==, "network");
    g_assert_cmpstr(net0->mac, ==, "52:54:00:6b:3c:58");
    g_assert_cmpstr(net0->model, ==, "virtio");
    g_assert_cmpstr(net0->alias, ==, "ua-net0");
    g_assert_cmpint(net0->boot_order, ==, 3);
    g_assert_cmpint(net0->rom.enabled, ==, FWNEG_TRISTATE_ABSENT);
    g_assert_cmpint(net0->rom.bar, ==, FWNEG_TRISTATE_YES);
    g_assert_cmpstr(net0->rom.file, ==, "/usr/share/fwneg/roms/efi-virtio.rom");
    g_assert_cmpint(net0->xml_position, ==, 9);
    assert_pci(&net0->address, 0, 1, 0, 0, FWNEG_TRISTATE_ABSENT);
    FwnegInterface *net1 = d->interfaces->pdata[1];
    g_assert_cmpstr(net1->type, ==, "bridge");
    g_assert_cmpstr(net1->mac, ==, "52:54:00:11:22:33");
    g_assert_cmpstr(net1->model, ==, "e1000e");
    g_assert_null(net1->alias);
    g_assert_cmpint(net1->boot_order, ==, FWNEG_UNSET);
    g_assert_cmpint(net1->rom.enabled, ==, FWNEG_TRISTATE_NO);
    g_assert_cmpint(net1->rom.bar, ==, FWNEG_TRISTATE_ABSENT);
    g_assert_null(net1->rom.file);
    g_assert_cmpint(net1->xml_position, ==, 10);
    assert_no_address(&net1->address);
    FwnegInterface *net2 = d->interfaces->pdata[2];
    g_assert_cmpstr(net2->type, ==, "user");
    g_assert_null(net2->mac);
    g_assert_cmpstr(net2->model, ==, "rtl8139");
    g_assert_cmpint(net2->rom.bar, ==, FWNEG_TRISTATE_NO);
    g_assert_cmpstr(net2->rom.file, ==, ""); /* empty file = no ROM, kept as "" */
    g_assert_cmpint(net2->xml_position, ==, 11);

    g_assert_cmpuint(d->hostdevs->len, ==, 1);
    FwnegHostdev *hostdev = d->hostdevs->pdata[0];
    g_assert_cmpstr(hostdev->type, ==, "pci");
    assert_pci(&hostdev->source, 0, 0x3b, 0, 1, FWNEG_TRISTATE_ABSENT);
    assert_pci(&hostdev->address, 0, 5, 0, 0, FWNEG_TRISTATE_ABSENT);
    g_assert_cmpint(hostdev->rom.bar, ==, FWNEG_TRISTATE_YES);
    g_assert_cmpstr(hostdev->rom.file, ==, "/var/lib/fwneg/roms/nic.rom");
    g_assert_cmpint(hostdev->boot_order, ==, 4);
    g_assert_null(hostdev->alias);
    g_assert_cmpint(hostdev->xml_position, ==, 14);

    g_assert_cmpuint(d->videos->len, ==, 1);
    FwnegVideo *video = d->videos->pdata[0];
    g_assert_cmpstr(video->model, ==, "virtio");
    g_assert_true(video->primary);
    g_assert_cmpstr(video->alias, ==, "video0");
    g_assert_cmpint(video->xml_position, ==, 15);
    assert_pci(&video->address, 0, 0, 1, 0, FWNEG_TRISTATE_ABSENT);

    /* Only the fwneg element of <metadata>, with its namespace declared on
     * itself although the document declares it on <domain>. */
    g_assert_cmpstr(d->fwneg_metadata, ==,
                    "<fwneg:plan xmlns:fwneg=\"https://fwneg.org/xmlns/fwneg/1\" version=\"1\">"
                    "<fwneg:rom device=\"net0\" size=\"262144\"/></fwneg:plan>");

    g_autofree char *label0 = fwneg_disk_label(vda, 0);
    g_autofree char *label1 = fwneg_disk_label(cdrom, 1);
    g_assert_cmpstr(label0, ==, "ua-root");
    g_assert_cmpstr(label1, ==, "sda");
    g_autofree char *nic0 = fwneg_interface_label(net0, 0);
    g_autofree char *nic1 = fwneg_interface_label(net1, 1);
    g_autofree char *nic2 = fwneg_interface_label(net2, 2);
    g_assert_cmpstr(nic0, ==, "ua-net0");
    g_assert_cmpstr(nic1, ==, "52:54:00:11:22:33");
    g_assert_cmpstr(nic2, ==, "interface[2]");
}

static void
test_pc_legacy(void)
{
    g_autoptr(FwnegDomain) d = parse_fixture("pc-legacy.xml");

    g_assert_cmpstr(d->name, ==, "legacy-pc");
    g_assert_null(d->uuid);
    g_assert_cmpstr(d->virt_type, ==, "qemu");
    g_assert_cmpstr(d->arch, ==, "i686");
    g_assert_cmpstr(fwneg_arch_to_qemu_target(d->arch), ==, "i386");
    g_assert_cmpstr(d->machine, ==, "pc");
    g_assert_cmpint(d->firmware, ==, FWNEG_OS_FIRMWARE_NONE);
    g_assert_null(d->loader.path);
    g_assert_null(d->loader.type);
    g_assert_cmpint(d->loader.readonly, ==, FWNEG_TRISTATE_ABSENT);
    g_assert_false(d->nvram.present);
    g_assert_null(d->nvram.path);

    g_assert_cmpuint(d->boot_devs->len, ==, 4);
    g_assert_cmpstr(d->boot_devs->pdata[0], ==, "cdrom");
    g_assert_cmpstr(d->boot_devs->pdata[1], ==, "hd");
    g_assert_cmpstr(d->boot_devs->pdata[2], ==, "fd");
    g_assert_cmpstr(d->boot_devs->pdata[3], ==, "network");
    g_assert_cmpint(d->bootmenu_enable, ==, FWNEG_TRISTATE_NO);
    g_assert_cmpint(d->bootmenu_timeout, ==, FWNEG_UNSET);
    g_assert_true(d->acpi);
    g_assert_cmpint(d->smm, ==, FWNEG_TRISTATE_ABSENT);
    g_assert_cmpint(d->suspend_to_mem, ==, FWNEG_TRISTATE_ABSENT);
    g_assert_cmpstr(d->emulator, ==, "/usr/bin/qemu-system-i386");

    g_assert_cmpuint(d->disks->len, ==, 3);
    FwnegDisk *hda = d->disks->pdata[0];
    g_assert_cmpstr(hda->device, ==, "disk"); /* libvirt's default */
    g_assert_cmpstr(hda->bus, ==, "ide");     /* from the hd prefix, as libvirt does */
    g_assert_cmpstr(hda->target_dev, ==, "hda");
    g_assert_cmpstr(hda->source, ==, "/var/lib/libvirt/images/legacy.img");
    g_assert_cmpint(hda->boot_order, ==, FWNEG_UNSET);
    g_assert_cmpint(hda->xml_position, ==, 1);
    assert_drive(&hda->address, 0, 0, 0, 0);
    FwnegDisk *hdc = d->disks->pdata[1];
    g_assert_cmpstr(hdc->device, ==, "cdrom");
    g_assert_cmpstr(hdc->bus, ==, "ide");
    g_assert_cmpstr(hdc->source, ==, "/dev/sr0");
    assert_drive(&hdc->address, 0, 1, 0, 0);
    FwnegDisk *fda = d->disks->pdata[2];
    g_assert_cmpstr(fda->device, ==, "floppy");
    g_assert_cmpstr(fda->bus, ==, "fdc");
    g_assert_cmpstr(fda->target_dev, ==, "fda");
    g_assert_cmpint(fda->xml_position, ==, 3);
    assert_no_address(&fda->address);

    g_assert_cmpuint(d->controllers->len, ==, 4);
    FwnegController *ide = d->controllers->pdata[0];
    assert_controller(ide, FWNEG_CONTROLLER_IDE, "ide", 0, NULL, 4);
    assert_pci(&ide->address, 0, 0, 1, 1, FWNEG_TRISTATE_ABSENT); /* decimal */
    assert_controller(d->controllers->pdata[1], FWNEG_CONTROLLER_FDC, "fdc", 0, NULL, 5);
    assert_controller(d->controllers->pdata[2], FWNEG_CONTROLLER_PCI, "pci", 0, "pci-root", 6);
    FwnegController *bridge = d->controllers->pdata[3];
    assert_controller(bridge, FWNEG_CONTROLLER_PCI, "pci", 1, "pci-bridge", 7);
    assert_pci(&bridge->address, 0, 0, 8, 0, FWNEG_TRISTATE_ABSENT); /* slot='010' is octal */

    g_assert_cmpuint(d->interfaces->len, ==, 1);
    FwnegInterface *nic = d->interfaces->pdata[0];
    g_assert_cmpstr(nic->model, ==, "e1000");
    g_assert_cmpint(nic->xml_position, ==, 8);
    g_assert_cmpint(nic->rom.bar, ==, FWNEG_TRISTATE_ABSENT);
    g_assert_null(nic->rom.file);
    assert_pci(&nic->address, 0, 1, 3, 0, FWNEG_TRISTATE_ABSENT);

    g_assert_cmpuint(d->hostdevs->len, ==, 0);
    g_assert_cmpuint(d->videos->len, ==, 1);
    FwnegVideo *video = d->videos->pdata[0];
    g_assert_cmpstr(video->model, ==, "cirrus");
    g_assert_false(video->primary);
    g_assert_cmpint(video->xml_position, ==, 9);
    g_assert_null(d->fwneg_metadata);
}

static void
test_aarch64_virt_efi(void)
{
    g_autoptr(FwnegDomain) d = parse_fixture("aarch64-virt-efi.xml");

    g_assert_cmpstr(d->name, ==, "arm-guest");
    g_assert_cmpstr(d->uuid, ==, "0b5a2c71-5f0e-4d7e-9a65-8f0a3e4c2d10");
    g_assert_cmpstr(d->arch, ==, "aarch64");
    g_assert_cmpstr(fwneg_arch_to_qemu_target(d->arch), ==, "aarch64");
    g_assert_cmpstr(d->machine, ==, "virt");
    g_assert_cmpint(d->firmware, ==, FWNEG_OS_FIRMWARE_EFI);
    g_assert_cmpint(d->fw_secure_boot, ==, FWNEG_TRISTATE_NO);
    g_assert_cmpint(d->fw_enrolled_keys, ==, FWNEG_TRISTATE_YES);
    g_assert_null(d->loader.path);
    g_assert_true(d->nvram.present);
    g_assert_cmpstr(d->nvram.path, ==, "/var/lib/libvirt/qemu/nvram/arm-guest_VARS.fd");
    g_assert_null(d->nvram.template);
    g_assert_true(d->acpi);
    g_assert_cmpint(d->smm, ==, FWNEG_TRISTATE_ABSENT);

    g_assert_cmpuint(d->controllers->len, ==, 4);
    FwnegController *port = d->controllers->pdata[1];
    assert_controller(port, FWNEG_CONTROLLER_PCI, "pci", 1, "pcie-root-port", 2);
    g_assert_cmpint(port->port, ==, 8);
    assert_pci(&port->address, 0, 0, 1, 0, FWNEG_TRISTATE_YES);
    FwnegController *pxb = d->controllers->pdata[2];
    assert_controller(pxb, FWNEG_CONTROLLER_PCI, "pci", 2, "pcie-expander-bus", 3);
    g_assert_cmpint(pxb->bus_nr, ==, 254);
    g_assert_cmpint(pxb->chassis, ==, FWNEG_UNSET);
    FwnegController *scsi = d->controllers->pdata[3];
    assert_controller(scsi, FWNEG_CONTROLLER_SCSI, "scsi", 0, "virtio-scsi", 4);

    g_assert_cmpuint(d->disks->len, ==, 1);
    FwnegDisk *sda = d->disks->pdata[0];
    g_assert_cmpstr(sda->bus, ==, "scsi");
    g_assert_cmpint(sda->boot_order, ==, 1);
    g_assert_cmpint(sda->xml_position, ==, 5);
    FwnegInterface *nic = d->interfaces->pdata[0];
    g_assert_cmpint(nic->boot_order, ==, 2);
    g_assert_cmpint(nic->address.type, ==, FWNEG_ADDRESS_VIRTIO_MMIO);
    g_assert_cmpint(nic->address.slot, ==, FWNEG_UNSET);
    g_assert_cmpint(nic->xml_position, ==, 6);
    FwnegVideo *video = d->videos->pdata[0];
    g_assert_cmpstr(video->model, ==, "ramfb");
    g_assert_cmpint(video->xml_position, ==, 7);
}

static void
test_direct_kernel(void)
{
    g_autoptr(FwnegDomain) d = parse_fixture("direct-kernel.xml");

    g_assert_cmpstr(d->name, ==, "kernel-boot");
    g_assert_cmpstr(d->virt_type, ==, "kvm");
    g_assert_cmpstr(d->machine, ==, "q35");
    g_assert_cmpstr(d->kernel, ==, "/var/lib/libvirt/boot/vmlinuz");
    g_assert_cmpstr(d->initrd, ==, "/var/lib/libvirt/boot/initrd.img");
    g_assert_cmpstr(d->cmdline, ==, "console=ttyS0 root=/dev/vda1 quiet");
    g_assert_cmpstr(d->dtb, ==, "/var/lib/libvirt/boot/board.dtb");
    g_assert_cmpuint(d->boot_devs->len, ==, 0);
    g_assert_cmpint(d->smm, ==, FWNEG_TRISTATE_YES); /* <smm/> means on */
    g_assert_false(d->acpi);
    g_assert_cmpstr(d->launch_security, ==, "sev");
    g_assert_cmpint(d->sev_policy, ==, 0x33);
    g_assert_null(d->emulator);
    g_assert_cmpuint(d->disks->len, ==, 1);
    FwnegDisk *vda = d->disks->pdata[0];
    g_assert_cmpstr(vda->bus, ==, "virtio");
    g_assert_cmpint(vda->xml_position, ==, 0);
    g_assert_cmpuint(d->controllers->len, ==, 0);
    g_assert_cmpuint(d->interfaces->len, ==, 0);
    g_assert_cmpuint(d->videos->len, ==, 0);
}

static void
test_minimal_memory(void)
{
    /* No arch (the planner defaults it), no devices, metadata in an older
     * fwneg namespace version, unknown elements in other namespaces. */
    static const char xml[] =
        "<domain type='kvm'>\n"
        "  <name>tiny</name>\n"
        "  <os><type>hvm</type></os>\n"
        "  <metadata><fw:plan xmlns:fw='https://fwneg.org/xmlns/fwneg/0' v='0'/></metadata>\n"
        "  <qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
        "    <qemu:arg value='-S'/>\n"
        "  </qemu:commandline>\n"
        "  <launchSecurity type='sev'><policy>33</policy></launchSecurity>\n"
        "</domain>\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDomain) d = fwneg_domain_parse_memory(xml, strlen(xml), "-", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(d->name, ==, "tiny");
    g_assert_cmpstr(d->source_name, ==, "-");
    g_assert_null(d->arch);
    g_assert_null(d->machine);
    g_assert_cmpstr(d->os_type, ==, "hvm");
    g_assert_cmpint(d->sev_policy, ==, 0x33); /* hex without 0x, as libvirt reads it */
    g_assert_cmpstr(d->fwneg_metadata, ==,
                    "<fw:plan xmlns:fw=\"https://fwneg.org/xmlns/fwneg/0\" v=\"0\"/>");
}

static void
test_arch_to_qemu_target(void)
{
    static const char *const pairs[][2] = {
        {"x86_64", "x86_64"}, {"i686", "i386"},       {"aarch64", "aarch64"},
        {"armv7l", "arm"},    {"riscv64", "riscv64"}, {"loongarch64", "loongarch64"},
        {"ppc64", "ppc64"},   {"ppc64le", "ppc64"},   {"s390x", "s390x"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(pairs); i++)
        g_assert_cmpstr(fwneg_arch_to_qemu_target(pairs[i][0]), ==, pairs[i][1]);
    g_assert_null(fwneg_arch_to_qemu_target("i386")); /* a QEMU name, not a libvirt one */
    g_assert_null(fwneg_arch_to_qemu_target("sparc64"));
    g_assert_null(fwneg_arch_to_qemu_target(NULL));
}

static void
test_tristate_to_string(void)
{
    g_assert_cmpstr(fwneg_tristate_to_string(FWNEG_TRISTATE_YES), ==, "yes");
    g_assert_cmpstr(fwneg_tristate_to_string(FWNEG_TRISTATE_NO), ==, "no");
    g_assert_null(fwneg_tristate_to_string(FWNEG_TRISTATE_ABSENT));
}

static void
test_malformed_xml_names_file(void)
{
    static const char xml[] = "<domain>\n<name>x</name>\n<os>\n</domain>\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDomain) d = fwneg_domain_parse_memory(xml, strlen(xml), "vm.xml", &error);
    g_assert_null(d);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_true(g_str_has_prefix(error->message, "vm.xml:4: malformed XML: "));
}

/* One invalid value per case: the message starts "FILE:LINE: <ELEMENT ATTR='VALUE'>: "
 * and then says what is wrong and what is expected. */
typedef struct {
    const char *file;
    int line;
    const char *element; /* as shown in the message */
    const char *detail;  /* a part of the explanation, with the value */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
    {"boot-order-abc.xml", 11, "<boot order='abc'>",
     "invalid boot order 'abc' (expected a positive integer)"},
    {"boot-order-zero.xml", 11, "<boot order='0'>",
     "invalid boot order '0' (expected a positive integer)"},
    {"boot-order-duplicate.xml", 15, "<boot order='1'>",
     "boot order 1 is already used by another device (<disk> at line 11)"},
    {"boot-dev-and-order.xml", 12, "<boot order='1'>",
     "per-device boot elements cannot be used together with os/boot elements "
     "(<boot dev='hd'> at line 6)"},
    {"boot-dev-unknown.xml", 6, "<boot dev='usb'>",
     "unknown boot device 'usb' (expected one of: fd, hd, cdrom, network)"},
    {"bootmenu-timeout-range.xml", 6, "<bootmenu timeout='70000'>",
     "'70000' (expected an integer from 0 to 65535)"},
    {"bootmenu-enable-on.xml", 6, "<bootmenu enable='on'>",
     "invalid value 'on' for enable (expected 'yes' or 'no')"},
    {"pci-slot-range.xml", 10, "<address slot='0x20'>",
     "invalid PCI slot '0x20' (expected 0 to 31 (0x1f)"},
    {"pci-function-range.xml", 10, "<address function='8'>",
     "invalid PCI function '8' (expected 0 to 7"},
    {"pci-bus-range.xml", 10, "<address bus='256'>", "invalid PCI bus '256' (expected 0 to 255"},
    {"pci-domain-range.xml", 10, "<address domain='0x10000'>",
     "invalid PCI domain '0x10000' (expected 0 to 65535"},
    {"pci-slot-octal.xml", 10, "<address slot='08'>", "invalid PCI slot '08'"},
    {"pci-multifunction-yes.xml", 10, "<address multifunction='yes'>",
     "invalid value 'yes' for multifunction (expected 'on' or 'off')"},
    {"drive-unit-negative.xml", 11, "<address unit='-1'>",
     "invalid drive unit '-1' (expected a non-negative integer)"},
    {"firmware-unknown.xml", 4, "<os firmware='uefi'>",
     "unknown firmware 'uefi' (expected 'bios' or 'efi')"},
    {"firmware-feature-unknown.xml", 7, "<feature name='verbose-static'>",
     "unknown firmware feature 'verbose-static' (expected one of: enrolled-keys, secure-boot)"},
    {"firmware-feature-enabled-on.xml", 7, "<feature enabled='on'>",
     "invalid value 'on' for enabled (expected 'yes' or 'no')"},
    {"loader-readonly-on.xml", 6, "<loader readonly='on'>",
     "invalid value 'on' for readonly (expected 'yes' or 'no')"},
    {"loader-type-unknown.xml", 6, "<loader type='flash'>",
     "unknown loader type 'flash' (expected one of: rom, pflash)"},
    {"rom-bar-yes.xml", 10, "<rom bar='yes'>",
     "invalid value 'yes' for bar (expected 'on' or 'off')"},
    {"rom-enabled-off.xml", 10, "<rom enabled='off'>",
     "invalid value 'off' for enabled (expected 'yes' or 'no')"},
    {"smm-state-yes.xml", 5, "<smm state='yes'>",
     "invalid value 'yes' for state (expected 'on' or 'off')"},
    {"pm-enabled-on.xml", 5, "<suspend-to-mem enabled='on'>",
     "invalid value 'on' for enabled (expected 'yes' or 'no')"},
    {"sev-policy-invalid.xml", 5, "<policy>", "invalid launch security policy '0xzz'"},
    {"arch-unknown.xml", 5, "<type arch='x86'>",
     "unknown architecture 'x86' (libvirt knows: alpha, armv6l, armv7l, "},
    {"missing-name.xml", 1, "<domain>", "missing name information"},
    {"root-network.xml", 1, "<network>", "expecting root element of 'domain', not 'network'"},
    {"uuid-invalid.xml", 3, "<uuid>", "invalid UUID '../../etc/passwd'"},
    {"pci-model-unknown.xml", 8, "<controller model='pcie-rooot'>",
     "unknown PCI controller model 'pcie-rooot' (expected one of: pci-root, pcie-root, "},
    {"disk-device-unknown.xml", 8, "<disk device='dvd'>",
     "unknown disk device 'dvd' (expected one of: disk, cdrom, floppy, lun)"},
    {"usb-port-invalid.xml", 9, "<address port='1.x'>", "invalid USB port '1.x'"},
};

static void
test_invalid(gconstpointer data)
{
    const InvalidCase *c = data;
    g_autofree char *name = g_build_filename("invalid", c->file, NULL);
    g_autofree char *path = fwneg_test_data_path("domain", name);
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDomain) d = fwneg_domain_parse_file(path, &error);
    g_assert_null(d);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_autofree char *prefix = g_strdup_printf("%s:%d: %s: ", path, c->line, c->element);
    if (!g_str_has_prefix(error->message, prefix) || strstr(error->message, c->detail) == NULL)
        g_error("unexpected message for %s:\n  got:      %s\n  expected: %s...%s...", c->file,
                error->message, prefix, c->detail);
}

static void
test_invalid_cases_cover_every_fixture(void)
{
    /* A fixture without a case would silently go untested. */
    g_autofree char *dir_path = fwneg_test_data_path("domain", "invalid");
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    g_assert_nonnull(dir);
    guint files = 0;
    const char *entry;
    while ((entry = g_dir_read_name(dir)) != NULL) {
        gboolean found = FALSE;
        for (gsize i = 0; i < G_N_ELEMENTS(invalid_cases); i++)
            found = found || g_str_equal(invalid_cases[i].file, entry);
        if (!found)
            g_error("invalid/%s has no case in test-domain.c", entry);
        files++;
    }
    g_assert_cmpuint(files, ==, G_N_ELEMENTS(invalid_cases));
}

static void
test_long_value_shortened_in_message(void)
{
    g_autoptr(GString) xml = g_string_new("<domain><name>x</name><os firmware='");
    for (int i = 0; i < 500; i++)
        g_string_append_c(xml, 'a');
    g_string_append(xml, "&#10;'/></domain>");
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDomain) d = fwneg_domain_parse_memory(xml->str, xml->len, "long.xml", &error);
    g_assert_null(d);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_nonnull(strstr(error->message, "…"));
    g_assert_null(strchr(error->message, '\n'));
    g_assert_cmpuint(strlen(error->message), <, 400);
}

/* <sysinfo type='fwcfg'> entries and <qemu:override> properties: what libvirt
 * hands QEMU as written (the hook's migration rewrite edits both). */
static void
test_passthrough(void)
{
    static const char xml[] =
        "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
        "  <name>pt</name>\n"
        "  <sysinfo type='smbios'><bios><entry name='vendor'>x</entry></bios></sysinfo>\n"
        "  <sysinfo type='fwcfg'>\n"
        "    <entry name='opt/org.fwneg/features' file='/var/lib/fwneg/fwcfg/u/f'/>\n"
        "    <entry name='opt/com.example/v'>hello</entry>\n"
        "    <entry name='opt/com.example/blank'>  </entry>\n"
        "  </sysinfo>\n"
        "  <devices>\n"
        "    <interface type='user'><model type='e1000'/></interface>\n"
        "    <interface type='user'><model type='e1000'/><alias name='ua-b'/></interface>\n"
        "    <interface type='hostdev'><alias name='hostdev0'/></interface>\n"
        "    <interface type='user'><model type='e1000'/></interface>\n"
        "  </devices>\n"
        "  <qemu:override>\n"
        "    <qemu:device alias='net0'><qemu:frontend>\n"
        "      <qemu:property name='romsize' type='unsigned' value='131072'/>\n"
        "      <qemu:property name='romsize' type='unsigned' value='262144'/>\n"
        "    </qemu:frontend></qemu:device>\n"
        "    <qemu:device><qemu:frontend><qemu:property name='x' type='bool' value='true'/>"
        "</qemu:frontend></qemu:device>\n"
        "  </qemu:override>\n"
        "</domain>\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDomain) d = fwneg_domain_parse_memory(xml, strlen(xml), "pt.xml", &error);
    g_assert_no_error(error);
    g_assert_true(d->has_fw_cfg_sysinfo);
    g_assert_cmpuint(d->fw_cfg_entries->len, ==, 3);
    const FwnegFwCfgEntry *f = fwneg_domain_find_fw_cfg_entry(d, "opt/org.fwneg/features");
    g_assert_cmpstr(f->file, ==, "/var/lib/fwneg/fwcfg/u/f");
    g_assert_null(f->value);
    g_assert_cmpstr(fwneg_domain_find_fw_cfg_entry(d, "opt/com.example/v")->value, ==, "hello");
    g_assert_null(fwneg_domain_find_fw_cfg_entry(d, "opt/com.example/blank")->value);
    g_assert_null(fwneg_domain_find_fw_cfg_entry(d, "vendor"));
    /* the alias-less qemu:device is ignored (libvirt refuses it); the last
     * romsize for net0 wins, as libvirt applies them in order */
    g_assert_cmpuint(d->device_overrides->len, ==, 2);
    g_assert_cmpstr(fwneg_domain_find_override(d, "net0", "romsize")->value, ==, "262144");
    g_assert_null(fwneg_domain_find_override(d, "net1", "romsize"));

    /* libvirt 9.0's automatic aliases: netN in order, explicit aliases kept,
     * hostdev-type interfaces not counted */
    g_autofree char *id0 = fwneg_interface_qemu_id(d, 0);
    g_autofree char *id1 = fwneg_interface_qemu_id(d, 1);
    g_autofree char *id2 = fwneg_interface_qemu_id(d, 2);
    g_autofree char *id3 = fwneg_interface_qemu_id(d, 3);
    g_assert_cmpstr(id0, ==, "net0");
    g_assert_cmpstr(id1, ==, "ua-b");
    g_assert_cmpstr(id2, ==, "hostdev0");
    g_assert_cmpstr(id3, ==, "net1");
    g_assert_null(fwneg_interface_qemu_id(d, 4));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/domain/q35-full", test_q35_full);
    g_test_add_func("/domain/pc-legacy", test_pc_legacy);
    g_test_add_func("/domain/aarch64-virt-efi", test_aarch64_virt_efi);
    g_test_add_func("/domain/direct-kernel", test_direct_kernel);
    g_test_add_func("/domain/minimal-memory", test_minimal_memory);
    g_test_add_func("/domain/arch-to-qemu-target", test_arch_to_qemu_target);
    g_test_add_func("/domain/passthrough", test_passthrough);
    g_test_add_func("/domain/tristate-to-string", test_tristate_to_string);
    g_test_add_func("/domain/malformed-xml-names-file", test_malformed_xml_names_file);
    g_test_add_func("/domain/long-value-shortened", test_long_value_shortened_in_message);
    g_test_add_func("/domain/invalid/cover-every-fixture", test_invalid_cases_cover_every_fixture);
    for (gsize i = 0; i < G_N_ELEMENTS(invalid_cases); i++) {
        g_autofree char *test_path = g_strdup_printf("/domain/invalid/%s", invalid_cases[i].file);
        g_test_add_data_func(test_path, &invalid_cases[i], test_invalid);
    }
    return g_test_run();
}

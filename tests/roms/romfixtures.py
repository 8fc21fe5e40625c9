"""romfixtures.py: what the ROM tests share — generated PCI option ROMs, guest
layouts as libvirt domain XML, and the QEMU -device arguments libvirt 9.0
would make of them (qemuBuildControllerDevProps / qemuBuildNicDevProps /
qemuBuildRomProps / video), so a plan can be checked against a real QEMU.
"""
import json
import os
import random
import subprocess
import xml.etree.ElementTree as ET

FWNEG = os.environ.get("FWNEG_BIN", "fwneg")
NS = "{https://fwneg.org/xmlns/fwneg/1}"


def make_rom(path, size, seed=1, vendor=0x8086, device=0x100E):
    """A well-formed one-image PCI option ROM of exactly @size bytes (multiple of 512)."""
    assert size % 512 == 0
    rng = random.Random(seed)
    data = bytearray(rng.getrandbits(8) for _ in range(size))
    data[0:2] = b"\x55\xAA"
    data[2] = min(size // 512, 255)
    data[0x18:0x1A] = (0x1C).to_bytes(2, "little")
    pcir = 0x1C
    data[pcir:pcir + 4] = b"PCIR"
    data[pcir + 4:pcir + 6] = vendor.to_bytes(2, "little")
    data[pcir + 6:pcir + 8] = device.to_bytes(2, "little")
    data[pcir + 0x10:pcir + 0x12] = (size // 512).to_bytes(2, "little")
    data[pcir + 0x14] = 0
    data[pcir + 0x15] = 0x80
    with open(path, "wb") as f:
        f.write(bytes(data))
    return path


def pci_address(bus, slot, function=0, multifunction=False):
    return ("<address type='pci' domain='0x0000' bus='0x%02x' slot='0x%02x' "
            "function='0x%x'%s/>" % (bus, slot, function,
                                      " multifunction='on'" if multifunction else ""))


def domain_xml(name, machine, controllers=(), nics=(), videos=(), arch="x86_64",
               firmware=None, uuid="5c7d2c1e-0f5a-4b8e-9d3c-6a1b2c3d4e5f"):
    """controllers: dicts {index, model, bus, slot, function, chassis, port, busNr}
    nics: dicts {model, alias, bus, slot, function, rom (dict of <rom> attrs)}
    videos: dicts {model, bus, slot, primary}"""
    root_model = "pcie-root" if ("q35" in machine or machine.startswith("virt")) else "pci-root"
    lines = ["<domain type='qemu'>", "  <name>%s</name>" % name, "  <uuid>%s</uuid>" % uuid,
             "  <memory unit='KiB'>131072</memory>",
             "  <os%s><type arch='%s' machine='%s'>hvm</type></os>" % (
                 " firmware='%s'" % firmware if firmware else "", arch, machine),
             "  <features><acpi/></features>" if firmware == "efi" else "",
             "  <devices>",
             "    <controller type='pci' index='0' model='%s'/>" % root_model]
    for c in controllers:
        target = ""
        attrs = []
        if "chassis" in c:
            attrs.append("chassis='%d'" % c["chassis"])
        if "port" in c:
            attrs.append("port='0x%x'" % c["port"])
        if "busNr" in c:
            attrs.append("busNr='%d'" % c["busNr"])
        if attrs:
            target = "<target %s/>" % " ".join(attrs)
        lines.append("    <controller type='pci' index='%d' model='%s'>%s%s</controller>" % (
            c["index"], c["model"], target,
            pci_address(c["bus"], c["slot"], c.get("function", 0), c.get("multifunction", False))))
    for n in nics:
        parts = ["<interface type='user'>"]
        if n.get("model"):
            parts.append("<model type='%s'/>" % n["model"])
        if n.get("rom") is not None:
            parts.append("<rom %s/>" % " ".join("%s='%s'" % kv for kv in n["rom"].items()))
        if n.get("alias"):
            parts.append("<alias name='%s'/>" % n["alias"])
        if "slot" in n:
            parts.append(pci_address(n.get("bus", 0), n["slot"], n.get("function", 0)))
        parts.append("</interface>")
        lines.append("    " + "".join(parts))
    for v in videos:
        lines.append("    <video><model type='%s'%s/>%s</video>" % (
            v["model"], " primary='yes'" if v.get("primary", True) else "",
            pci_address(v.get("bus", 0), v["slot"])))
    lines += ["  </devices>", "</domain>", ""]
    return "\n".join(lines)


# ---- libvirt 9.0 -> QEMU device arguments ----

CONTROLLER_DEVICES = {
    "pcie-root-port": "pcie-root-port",
    "pci-bridge": "pci-bridge",
    "dmi-to-pci-bridge": "i82801b11-bridge",
    "pcie-switch-upstream-port": "x3130-upstream",
    "pcie-switch-downstream-port": "xio3130-downstream",
    "pci-expander-bus": "pxb",
    "pcie-expander-bus": "pxb-pcie",
}

NIC_DEVICES = {"virtio": "virtio-net-pci", "virtio-transitional": "virtio-net-pci-transitional",
               "virtio-non-transitional": "virtio-net-pci-non-transitional"}
VIDEO_DEVICES = {"vga": "VGA", "cirrus": "cirrus-vga", "vmvga": "vmware-svga", "qxl": "qxl-vga",
                 "virtio": "virtio-vga", "bochs": "bochs-display"}


def _addr(el, root_bus):
    a = el.find("address")
    bus = int(a.get("bus"), 16)
    props = ["bus=%s" % (root_bus if bus == 0 else "pci.%d" % bus),
             "addr=0x%x.0x%x" % (int(a.get("slot"), 16), int(a.get("function"), 16))]
    if a.get("multifunction") == "on":
        props.append("multifunction=on")
    return props


def qemu_device_args(xml_text, machine):
    """-device arguments for the controllers, NICs and videos of a domain XML."""
    dom = ET.fromstring(xml_text)
    root_bus = "pci.0" if "i440fx" in machine else "pcie.0"
    args = []
    for c in dom.find("devices").findall("controller"):
        model = c.get("model")
        if c.get("type") != "pci" or model in ("pci-root", "pcie-root"):
            continue
        props = [CONTROLLER_DEVICES[model], "id=pci.%s" % c.get("index")]
        t = c.find("target")
        if model == "pcie-root-port" or model == "pcie-switch-downstream-port":
            props += ["chassis=%d" % int(t.get("chassis")), "port=%d" % int(t.get("port"), 16)]
        if model == "pci-bridge":
            props.append("chassis_nr=%d" % int(t.get("chassis")))
        if model in ("pci-expander-bus", "pcie-expander-bus"):
            props.append("bus_nr=%d" % int(t.get("busNr")))
        props += _addr(c, root_bus)
        args += ["-device", ",".join(props)]
    for n, nic in enumerate(dom.find("devices").findall("interface")):
        model = nic.find("model").get("type") if nic.find("model") is not None else (
            "rtl8139" if "virt" not in machine else "virtio")
        alias = nic.find("alias")
        props = [NIC_DEVICES.get(model, model),
                 "id=%s" % (alias.get("name") if alias is not None else "net%d" % n)]
        rom = nic.find("rom")
        if rom is not None:
            if rom.get("enabled") == "no":
                props.append("romfile=")
            else:
                if rom.get("bar") == "off":
                    props.append("rombar=0")
                elif rom.get("bar") == "on":
                    props.append("rombar=1")
                if rom.get("file") is not None:
                    props.append("romfile=%s" % rom.get("file"))
        props += _addr(nic, root_bus)
        args += ["-device", ",".join(props)]
    for v in dom.find("devices").findall("video"):
        props = [VIDEO_DEVICES[v.find("model").get("type")]] + _addr(v, root_bus)
        args += ["-device", ",".join(props)]
    return args


def fwneg(*args, check=True, env=None):
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    proc = subprocess.run([FWNEG] + list(args), capture_output=True, text=True, env=full_env)
    if check and proc.returncode != 0:
        raise RuntimeError("fwneg %s: exit %d\n%s" % (" ".join(args), proc.returncode,
                                                       proc.stderr))
    return proc


def rom_ramblocks(blocks):
    """The option-ROM RAM blocks of `info ramblock` (device blocks minus VRAM/VROM)."""
    return {k: v for k, v in blocks.items()
            if k.startswith("0000:") and not k.endswith("vram") and not k.endswith(".vrom")}

#!/usr/bin/env python3
"""gen-fixtures.py: inputs for bench/run, generated so the benchmark needs no
checked-in bulk data and every size is a parameter.

  gen-fixtures.py domain small|large OUT.xml
      small: q35 UEFI guest, 1 virtio disk, 1 virtio NIC.
      large: q35 UEFI guest, 64 virtio disks and 16 virtio NICs, every one behind
             a PCIe switch: 8 pcie-root-ports on pcie-root, a switch (upstream
             port + 10 downstream ports) behind each, one endpoint per downstream
             port.  Every PCI address is explicit, so libvirt and fwneg see the
             same topology without either assigning addresses.
  gen-fixtures.py descriptors N DIR
      N descriptor files: N-1 that the benchmark guest rejects (other
      architecture, i440fx-only machine globs, BIOS interface — the reasons
      libvirt's matcher meets most often), then one that matches, sorted last so
      matching walks every candidate (the worst case).
  gen-fixtures.py records N STATE_DIR TEMPLATE.json [KEEP_UUID]
      N plausible per-VM records STATE_DIR/vms/<uuid>.json (the fwneg-plan/1
      plan of TEMPLATE with the uuid and name replaced); KEEP_UUID's record (the
      benchmarked guest's own) is written too.
"""
import json
import os
import sys
import uuid

NIC_NAMES = 16
DISKS = 64
ROOT_PORTS = 8
DOWNSTREAM_PER_SWITCH = 10  # 8 x 10 = 80 = 64 disks + 16 NICs

HEADER = """<domain type='qemu'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='MiB'>{memory}</memory>
  <vcpu>2</vcpu>
  <os firmware='efi'>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <features>
    <acpi/>
  </features>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
"""
FOOTER = """    <video>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </video>
  </devices>
</domain>
"""


def pci(bus, slot, function=0):
    return (f"<address type='pci' domain='0x0000' bus='0x{bus:02x}' "
            f"slot='0x{slot:02x}' function='0x{function:x}'/>")


def disk_name(i):
    """vda, vdb, … vdz, vdaa, vdab, … as libvirt names virtio disks."""
    letters = ""
    i += 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        letters = chr(ord('a') + r) + letters
    return "vd" + letters


def disk(i, address, boot=None):
    boot_xml = f"\n      <boot order='{boot}'/>" if boot else ""
    addr_xml = f"\n      {address}" if address else ""
    return f"""    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/bench-{i}.qcow2'/>
      <target dev='{disk_name(i)}' bus='virtio'/>{boot_xml}{addr_xml}
    </disk>
"""


def nic(i, address, boot=None):
    boot_xml = f"\n      <boot order='{boot}'/>" if boot else ""
    addr_xml = f"\n      {address}" if address else ""
    return f"""    <interface type='user'>
      <mac address='52:54:00:be:{i // 256:02x}:{i % 256:02x}'/>
      <model type='virtio'/>{boot_xml}{addr_xml}
    </interface>
"""


def small_domain():
    """As libvirt defines it: the NIC and the disk each on a pcie-root-port."""
    ports = "".join(
        f"    <controller type='pci' index='{1 + r}' model='pcie-root-port'>\n"
        f"      <target chassis='{1 + r}' port='0x{0x10 + r:x}'/>\n"
        f"      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' "
        f"function='0x{r:x}'{mf}/>\n    </controller>\n"
        for r, mf in ((0, " multifunction='on'"), (1, "")))
    return (HEADER.format(name="bench-small", uuid="6f1c4ad2-2b1e-4d5e-9a3c-5f0e3b7a9c01",
                          memory=2048)
            + "    <controller type='pci' index='0' model='pcie-root'/>\n" + ports
            + disk(0, pci(2, 0), boot=1) + nic(0, pci(1, 0), boot=2) + FOOTER)


def large_domain():
    out = [HEADER.format(name="bench-large", uuid="0b6a2d1e-7c3f-4e5a-8d9b-1a2b3c4d5e6f",
                         memory=8192)]
    out.append("    <controller type='pci' index='0' model='pcie-root'/>\n")
    # Controller index = the bus number it provides; see the module docstring.
    upstream_base = 1 + ROOT_PORTS
    downstream_base = upstream_base + ROOT_PORTS
    for r in range(ROOT_PORTS):
        out.append(f"    <controller type='pci' index='{1 + r}' model='pcie-root-port'>\n"
                   f"      <target chassis='{1 + r}' port='0x{0x10 + r:x}'/>\n"
                   f"      {pci(0, 2 + r)}\n    </controller>\n")
    for r in range(ROOT_PORTS):
        out.append(f"    <controller type='pci' index='{upstream_base + r}' "
                   f"model='pcie-switch-upstream-port'>\n      {pci(1 + r, 0)}\n"
                   f"    </controller>\n")
    endpoint_buses = []
    for r in range(ROOT_PORTS):
        for k in range(DOWNSTREAM_PER_SWITCH):
            index = downstream_base + r * DOWNSTREAM_PER_SWITCH + k
            out.append(f"    <controller type='pci' index='{index}' "
                       f"model='pcie-switch-downstream-port'>\n"
                       f"      <target chassis='{index}' port='0x{k:x}'/>\n"
                       f"      {pci(upstream_base + r, k)}\n    </controller>\n")
            endpoint_buses.append(index)
    for i in range(DISKS):
        out.append(disk(i, pci(endpoint_buses[i], 0), boot=1 if i == 0 else None))
    for i in range(NIC_NAMES):
        out.append(nic(i, pci(endpoint_buses[DISKS + i], 0), boot=2 if i == 0 else None))
    out.append(FOOTER)
    return "".join(out)


def flash_descriptor(arch, machines, code, varstore, features):
    return {
        "description": "generated by bench/gen-fixtures.py",
        "interface-types": ["uefi"],
        "mapping": {
            "device": "flash",
            "executable": {"filename": code, "format": "raw"},
            "nvram-template": {"filename": varstore, "format": "raw"},
        },
        "targets": [{"architecture": arch, "machines": machines}],
        "features": features,
        "tags": [],
    }


def filler_descriptor(i):
    kind = i % 3
    if kind == 0:  # another architecture
        return flash_descriptor("aarch64", ["virt-*"], "/usr/share/AAVMF/AAVMF_CODE.fd",
                                "/usr/share/AAVMF/AAVMF_VARS.fd", ["verbose-static"])
    if kind == 1:  # machine globs that q35 does not match
        return flash_descriptor("x86_64", ["pc-i440fx-*"], "/usr/share/OVMF/OVMF_CODE_4M.fd",
                                "/usr/share/OVMF/OVMF_VARS_4M.fd",
                                ["acpi-s3", "acpi-s4", "verbose-dynamic"])
    return {  # a BIOS, for a UEFI guest
        "description": "generated by bench/gen-fixtures.py",
        "interface-types": ["bios"],
        "mapping": {"device": "memory", "filename": "/usr/share/seabios/bios-256k.bin"},
        "targets": [{"architecture": "x86_64", "machines": ["pc-q35-*", "pc-i440fx-*"]}],
        "features": [],
        "tags": [],
    }


def descriptors(count, directory):
    os.makedirs(directory, exist_ok=True)
    width = max(len(str(count)), 1)
    for i in range(count - 1):
        with open(os.path.join(directory, f"{i:0{width}d}-bench.json"), "w") as f:
            json.dump(filler_descriptor(i), f, indent=2)
    match = flash_descriptor("x86_64", ["pc-q35-*"], "/usr/share/OVMF/OVMF_CODE_4M.fd",
                             "/usr/share/OVMF/OVMF_VARS_4M.fd",
                             ["acpi-s3", "verbose-dynamic"])
    # "z" sorts after every digit: the match is the last candidate.
    with open(os.path.join(directory, "z-bench-match.json"), "w") as f:
        json.dump(match, f, indent=2)


def records(count, state_dir, template_path, keep_uuid=None):
    vms = os.path.join(state_dir, "vms")
    os.makedirs(vms, exist_ok=True)
    with open(template_path) as f:
        template = json.load(f)
    text = json.dumps(template, indent=2)
    original_uuid = template["domain"]["uuid"]
    original_name = template["domain"]["name"]
    uuids = [str(uuid.UUID(int=(0x5eed << 96) + i)) for i in range(count)]
    if keep_uuid:
        uuids[-1] = keep_uuid
    for n, u in enumerate(uuids):
        body = text.replace(original_uuid, u).replace(f'"{original_name}"', f'"vm-{n}"')
        with open(os.path.join(vms, u + ".json"), "w") as f:
            f.write(body)


def main(argv):
    if len(argv) >= 4 and argv[1] == "domain":
        text = small_domain() if argv[2] == "small" else large_domain()
        with open(argv[3], "w") as f:
            f.write(text)
    elif len(argv) == 4 and argv[1] == "descriptors":
        descriptors(int(argv[2]), argv[3])
    elif len(argv) in (5, 6) and argv[1] == "records":
        records(int(argv[2]), argv[3], argv[4], argv[5] if len(argv) == 6 else None)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""ramblock-conformance.py: fwneg's ROM RAM block predictions against a real,
paused QEMU 7.2 (`info ramblock` through QMP human-monitor-command).

For every layout and both policies:
  qemu     the QEMU command line is made from the *input* XML (QEMU picks its
           default ROMs itself): fwneg's prediction of QEMU's defaults;
  default  the QEMU command line is made from `fwneg plan --output=xml` (the
           plan applied: <rom file>/<rom enabled='no'/>): the plan, realised.
The set of ROM RAM blocks (name -> size) must be equal, in both directions.
TAP output.
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemulive  # noqa: E402
import romfixtures as fx  # noqa: E402

ALL_NICS = ["virtio", "e1000", "e1000e", "rtl8139", "ne2k_pci", "pcnet", "vmxnet3", "i82550",
            "i82559er", "e1000-82545em", "virtio-transitional", "virtio-non-transitional"]


def nic(model, slot, bus=0, alias=None, rom=None, function=0):
    d = {"model": model, "slot": slot, "bus": bus, "function": function}
    if alias:
        d["alias"] = alias
    if rom is not None:
        d["rom"] = rom
    return d


def root_port(index, slot, chassis, function=0, bus=0, multifunction=False):
    return {"index": index, "model": "pcie-root-port", "bus": bus, "slot": slot,
            "function": function, "chassis": chassis, "port": 0x10 + index,
            "multifunction": multifunction}


def layouts(tmp):
    custom = fx.make_rom(os.path.join(tmp, "custom-300k.rom"), 300 * 1024, seed=7)
    small = fx.make_rom(os.path.join(tmp, "custom-40k.rom"), 40 * 1024, seed=8)
    L = []
    q35, pc = "pc-q35-7.2", "pc-i440fx-7.2"
    # every NIC model on the root bus, q35 and i440fx
    L.append(("q35-all-models-root", q35, [], [nic(m, 2 + i) for i, m in enumerate(ALL_NICS)], []))
    L.append(("pc-all-models-root", pc, [], [nic(m, 3 + i) for i, m in enumerate(ALL_NICS)], []))
    # default NIC model (no <model>): rtl8139 on x86
    L.append(("q35-default-model", q35, [], [{"slot": 3}], []))
    # root ports, multifunction root ports
    L.append(("q35-root-ports", q35, [root_port(1, 2, 1, multifunction=True), root_port(2, 2, 2, function=1),
                                     root_port(3, 2, 3, function=2)],
              [nic("virtio", 0, bus=1, alias="net0"), nic("e1000e", 0, bus=2),
               nic("virtio-non-transitional", 0, bus=3)], []))
    # switch: root port -> upstream -> downstream ports
    L.append(("q35-switch", q35, [root_port(1, 3, 1),
                                  {"index": 2, "model": "pcie-switch-upstream-port", "bus": 1, "slot": 0},
                                  {"index": 3, "model": "pcie-switch-downstream-port", "bus": 2, "slot": 0,
                                   "chassis": 4, "port": 0},
                                  {"index": 4, "model": "pcie-switch-downstream-port", "bus": 2, "slot": 1,
                                   "chassis": 5, "port": 1}],
              [nic("virtio", 0, bus=3), nic("e1000e", 0, bus=4)], []))
    # dmi-to-pci-bridge -> pci-bridge (conventional PCI on q35)
    L.append(("q35-dmi-pci-bridge", q35, [{"index": 1, "model": "dmi-to-pci-bridge", "bus": 0, "slot": 0x1e},
                                          {"index": 2, "model": "pci-bridge", "bus": 1, "slot": 1, "chassis": 2}],
              [nic("rtl8139", 3, bus=2), nic("ne2k_pci", 7, bus=2), nic("e1000", 0x1f, bus=2)], []))
    # i440fx: pci-bridge, nested pci-bridge
    L.append(("pc-pci-bridges", pc, [{"index": 1, "model": "pci-bridge", "bus": 0, "slot": 5, "chassis": 1},
                                     {"index": 2, "model": "pci-bridge", "bus": 1, "slot": 2, "chassis": 2}],
              [nic("e1000", 3, bus=1), nic("virtio", 4, bus=2), nic("pcnet", 9, bus=0)], []))
    # expander buses
    L.append(("pc-pxb", pc, [{"index": 1, "model": "pci-expander-bus", "bus": 0, "slot": 5, "busNr": 4}],
              [nic("e1000", 2, bus=1), nic("rtl8139", 6)], []))
    L.append(("q35-pxb-pcie", q35, [{"index": 1, "model": "pcie-expander-bus", "bus": 0, "slot": 5, "busNr": 8},
                                    root_port(2, 0, 9, bus=1)],
              [nic("e1000e", 0, bus=2), nic("virtio", 3)], []))
    # <rom> options
    L.append(("q35-rom-bar-off", q35, [], [nic("virtio", 2, rom={"bar": "off"}), nic("e1000", 3)], []))
    L.append(("q35-rom-disabled", q35, [], [nic("virtio", 2, rom={"enabled": "no"}),
                                            nic("e1000e", 3, rom={"file": ""})], []))
    L.append(("q35-rom-custom-300k", q35, [], [nic("virtio", 2, rom={"file": custom}),
                                               nic("e1000", 3, rom={"file": small})], []))
    L.append(("pc-rom-bar-on-custom", pc, [], [nic("rtl8139", 4, rom={"bar": "on", "file": custom})], []))
    # machine-type compat: pxe ROMs for <= 1.4, no vmxnet3 ROM for <= 2.6
    L.append(("pc-1.4-compat", "pc-i440fx-1.4", [], [nic(m, 3 + i) for i, m in enumerate(
        ["virtio", "e1000", "rtl8139", "ne2k_pci", "pcnet", "e1000-82545em", "virtio-transitional"])], []))
    L.append(("pc-2.6-vmxnet3", "pc-i440fx-2.6", [], [nic("vmxnet3", 3), nic("e1000e", 4)], []))
    L.append(("q35-2.6-vmxnet3", "pc-q35-2.6", [], [nic("vmxnet3", 3), nic("virtio", 4)], []))
    L.append(("pc-2.7-vmxnet3", "pc-i440fx-2.7", [], [nic("vmxnet3", 3)], []))
    # video VGA BIOS ROMs
    for model in ["vga", "cirrus", "qxl", "virtio", "bochs", "vmvga"]:
        L.append(("q35-video-" + model, q35, [], [nic("e1000e", 3)], [{"model": model, "slot": 1}]))
    # aarch64 virt: QEMU loads the x86 ROM; the default policy gives none
    L.append(("aarch64-virt", "virt-7.2", [root_port(1, 1, 1)],
              [nic("virtio", 0, bus=1, alias="net0"), nic("e1000e", 2)], []))
    return L


def planned(plan):
    return {r["ramblock"]: r["size"] for r in plan["roms"] if r["ramblock"]}


def main():
    tmp = tempfile.mkdtemp(prefix="fwneg-ramblock-")
    cases = layouts(tmp)
    policies = ["qemu", "default"]
    print("1..%d" % (len(cases) * len(policies) + 2))
    n = 0
    failed = 0
    for name, machine, controllers, nics, videos in cases:
        arch = "aarch64" if machine.startswith("virt") else "x86_64"
        binary = "qemu-system-aarch64" if arch == "aarch64" else "qemu-system-x86_64"
        xml = fx.domain_xml(name, machine, controllers, nics, videos, arch=arch)
        xml_path = os.path.join(tmp, name + ".xml")
        with open(xml_path, "w") as f:
            f.write(xml)
        for policy in policies:
            n += 1
            try:
                common = ["--rom-policy", policy, "--canonical-machine", machine,
                          "--state-dir", os.path.join(tmp, "state")]
                plan = json.loads(fx.fwneg("plan", "--output=json", *common, xml_path).stdout)
                applied = xml if policy == "qemu" else fx.fwneg(
                    "plan", "--output=xml", *common, xml_path).stdout
                qemu_args = ["-machine", machine, "-m", "128"] + fx.qemu_device_args(applied, machine)
                if arch == "aarch64":
                    qemu_args += ["-cpu", "cortex-a57"]
                with qemulive.Qemu(qemu_args, binary=binary) as q:
                    actual = fx.rom_ramblocks(q.ramblocks())
                expected = planned(plan)
                if actual != expected:
                    raise AssertionError("RAM blocks differ\n  fwneg: %s\n  QEMU:  %s" % (
                        sorted(expected.items()), sorted(actual.items())))
                if not expected and policy == "qemu" and not name.endswith("disabled"):
                    raise AssertionError("layout has no ROM RAM block at all: test is vacuous")
                print("ok %d - %s [%s] %d ROM RAM blocks match" % (n, name, policy, len(expected)))
            except Exception as e:  # noqa: BLE001 - report and continue with the next case
                failed += 1
                print("not ok %d - %s [%s]" % (n, name, policy))
                for line in str(e).splitlines():
                    print("# " + line)
    failed += extra_cases(tmp, n)
    return 1 if failed else 0


def realise(xml_text, machine):
    with qemulive.Qemu(["-machine", machine, "-m", "128"] + fx.qemu_device_args(xml_text, machine)) as q:
        return fx.rom_ramblocks(q.ramblocks())


def extra_cases(tmp, n):
    """Recorded VMs (ROMs pinned to the store) and the UEFI virtio-net option."""
    failed = 0
    machine = "pc-q35-7.2"
    xml = fx.domain_xml("recorded", machine, [root_port(1, 2, 1)],
                        [nic("virtio", 0, bus=1, alias="net0"), nic("e1000", 3, alias="net1"),
                         nic("rtl8139", 4, alias="net2", rom={"bar": "off"})],
                        [{"model": "vga", "slot": 1}])
    xml_path = os.path.join(tmp, "recorded.xml")
    with open(xml_path, "w") as f:
        f.write(xml)
    state = os.path.join(tmp, "record-state")
    efi = fx.domain_xml("uefi-virtio", machine, [], [nic("virtio", 2, alias="net0"),
                                                     nic("e1000e", 3, alias="net1")], [],
                        firmware="efi")
    efi_path = os.path.join(tmp, "uefi-virtio.xml")
    with open(efi_path, "w") as f:
        f.write(efi)
    conf = os.path.join(tmp, "fwneg.conf")
    with open(conf, "w") as f:
        f.write("[fwneg]\nuefi-virtio-net-without-rom=true\n")
    checks = [
        ("recorded-store-pinned", xml_path, ["record", "--output=xml", "--state-dir", state], 4),
        ("uefi-virtio-net-without-rom", efi_path, ["plan", "--output=xml", "--config", conf,
                                                   "--state-dir", state], 2),
    ]
    for name, path, verb, want_roms in checks:
        n += 1
        try:
            common = ["--canonical-machine", machine, path]
            applied = fx.fwneg(*verb, *common).stdout
            plan = json.loads(fx.fwneg("plan", "--output=json", *verb[2:], *common).stdout)
            if name == "recorded-store-pinned":
                stores = [r["store-file"] for r in plan["roms"] if r["model"] != "vga"]
                assert all(s and s.startswith(state + "/roms/") for s in stores), stores
                devices = applied[applied.index("<devices>"):]
                assert devices.count("<rom bar=\"off\" file=\"%s/roms/" % state) == 1, devices
                assert devices.count("<rom file=\"%s/roms/" % state) == 2, devices
            else:
                virtio = [r for r in plan["roms"] if r["model"] == "virtio"][0]
                assert virtio["file"] is None and virtio["ramblock"] is None, virtio
                assert "<rom enabled=\"no\"/>" in applied, applied
            actual = realise(applied, machine)
            expected = planned(plan)
            assert actual == expected, "fwneg %s\nQEMU  %s" % (sorted(expected.items()),
                                                               sorted(actual.items()))
            assert len(plan["roms"]) == want_roms, plan["roms"]
            print("ok %d - %s: %d ROM RAM blocks match" % (n, name, len(expected)))
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("not ok %d - %s" % (n, name))
            for line in str(e).splitlines():
                print("# " + line)
    return failed


if __name__ == "__main__":
    sys.exit(main())

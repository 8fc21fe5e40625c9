#!/usr/bin/env python3
"""migration.py: real migrations between two QEMU 7.2 processes on this machine
(-incoming unix:SOCK, QMP migrate), one per resolution path of
`fwneg migrate-check`:

  same-bytes   target's efi-e1000.rom is 300 KiB (512 KiB BAR); the recorded ROM is
               imported into the target's store (rom export/import): plain
               migration fails with "Size mismatch", migrate-check pins romfile to
               the store copy and the migration completes;
  same-bucket  target's ROM differs but has the same 256 KiB BAR: migrate-check
               says "same" with no arguments and the plain migration completes;
  romsize-pin  target's ROM is 100 KiB (128 KiB BAR): plain migration fails with
               "Size mismatch", migrate-check pins romsize=262144, it completes;
  refusal      target's ROM is 300 KiB and the store lacks the recorded bytes:
               plain migration fails, migrate-check refuses (exit 1) naming the
               device and both sizes (recorded plan read from the domain XML's
               <fwneg:plan> metadata instead of --record);
  virtio-mmio  an aarch64 virt guest whose e1000e has a virtio-mmio address (libvirt
               emits it without bus/addr: QEMU puts it at 00:01.0) beside a
               virtio-net-device (no ROM at all); the target's efi-e1000e.rom is
               100 KiB: plain migration fails with "Size mismatch" on
               0000:00:01.0/e1000e.rom, migrate-check pins only that NIC's romsize.
TAP output.
"""
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemulive  # noqa: E402
import romfixtures as fx  # noqa: E402

MACHINE = "pc-q35-7.2"
SOURCE_ROM = "/usr/lib/ipxe/qemu/efi-e1000.rom"  # Debian 12: 249856 bytes, 256 KiB BAR
RAMBLOCK = "0000:00:03.0/e1000.rom"


def base_args(rom_dir):
    # -L first: QEMU looks for its default efi-e1000.rom there before Debian's dirs.
    return ["-machine", MACHINE, "-m", "128", "-L", rom_dir,
            "-device", "e1000,id=net0,bus=pcie.0,addr=0x3"]


def migrate(source, target_args, tmp, binary="qemu-system-x86_64"):
    """Start a target with @target_args, migrate @source into it.  Returns
    (completed, target stderr, target ROM RAM blocks or None)."""
    sock = os.path.join(tmp, "migrate-%d.sock" % int(time.time() * 1000000))
    with qemulive.Qemu(target_args, binary=binary, incoming="unix:" + sock) as target:
        source.cmd("migrate", uri="unix:" + sock)
        deadline = time.time() + 120
        status = None
        while time.time() < deadline:
            status = source.cmd("query-migrate").get("status")
            if status in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.1)
        if status != "completed":
            target.wait_exit(10)
            return False, target.stderr(), None
        # Wait for the target to finish loading: it leaves "inmigrate".
        while time.time() < deadline:
            if target.proc.poll() is not None:
                return False, target.stderr(), None
            if target.cmd("query-status")["status"] != "inmigrate":
                break
            time.sleep(0.1)
        blocks = fx.rom_ramblocks(target.ramblocks())
        # With -S the loaded target waits in "prelaunch" (else "paused": the source was paused).
        status = target.cmd("query-status")["status"]
        return status in ("prelaunch", "paused"), target.stderr() + "\nstatus " + status, blocks


def qemu_args_from(text):
    args = []
    for line in text.splitlines():
        args += shlex.split(line)
    return args


def run_case(name, target_rom_size, import_recorded, expect, tmp):
    case = os.path.join(tmp, name)
    src_roms, dst_roms = os.path.join(case, "src-roms"), os.path.join(case, "dst-roms")
    src_state, dst_state = os.path.join(case, "src-state"), os.path.join(case, "dst-state")
    for d in (src_roms, dst_roms):
        os.makedirs(d)
    shutil.copy(SOURCE_ROM, os.path.join(src_roms, "efi-e1000.rom"))
    fx.make_rom(os.path.join(dst_roms, "efi-e1000.rom"), target_rom_size, seed=hash(name) & 0xFF)
    xml = fx.domain_xml("mig-" + name, MACHINE, nics=[{"model": "e1000", "alias": "net0", "slot": 3}])
    xml_path = os.path.join(case, "vm.xml")
    with open(xml_path, "w") as f:
        f.write(xml)

    common = ["--rom-policy", "qemu", "--canonical-machine", MACHINE]
    # Source host: record the VM (ROM into its store), then run it from the store copy.
    plan = json.loads(fx.fwneg("record", "--output=json", "--rom-dir", src_roms, "--state-dir",
                               src_state, *common, xml_path).stdout)
    rom = plan["roms"][0]
    assert rom["ramblock"] == RAMBLOCK and rom["size"] == 262144, rom
    assert rom["store-file"] and os.path.exists(rom["store-file"]), rom
    record = os.path.join(src_state, "vms", plan["domain"]["uuid"] + ".json")
    assert os.path.exists(record)
    if import_recorded:
        export_dir = os.path.join(case, "export")
        fx.fwneg("rom", "export", "--state-dir", src_state, "--to", export_dir, record)
        fx.fwneg("rom", "import", "--state-dir", dst_state,
                 os.path.join(export_dir, rom["sha256"]))

    if expect == "refusal":
        # The recorded plan as it travels with the domain: <fwneg:plan> in the XML
        # `fwneg record --output=xml` printed (its store pin names the source's
        # store, which a target does not have: dropped here).
        recorded_xml = fx.fwneg("record", "--output=xml", "--rom-dir", src_roms, "--state-dir",
                                src_state, *common, xml_path).stdout
        assert "<fwneg:plan" in recorded_xml
        recorded_xml = re.sub(r"<rom file=\"[^\"]*\"/>", "", recorded_xml)
        source_args = ["--sysroot", "/"]
        check_xml = os.path.join(case, "recorded.xml")
        with open(check_xml, "w") as f:
            f.write(recorded_xml)
    else:
        source_args = ["--record", record]
        check_xml = xml_path
    check = fx.fwneg("migrate-check", "--output=qemu-args", *source_args, "--rom-dir",
                     dst_roms, "--state-dir", dst_state, *common, check_xml, check=False)
    with qemulive.Qemu(base_args(src_roms)) as source:
        src_blocks = fx.rom_ramblocks(source.ramblocks())
        assert src_blocks == {RAMBLOCK: 262144}, src_blocks
        plain_ok, plain_err, _ = migrate(source, base_args(dst_roms), case)
        if expect == "same-bucket":
            assert check.returncode == 0 and check.stdout.strip() == "", (check.returncode, check.stdout)
            assert "same 262144-byte RAM block" in check.stderr, check.stderr
            assert plain_ok, "plain migration failed:\n" + plain_err
            return "migrate-check: same bucket, no adjustment; migration completed"
        mismatch = "Size mismatch: %s: 0x40000 != 0x%x" % (RAMBLOCK, fx_bucket(target_rom_size))
        assert not plain_ok and mismatch in plain_err, "expected %r, got:\n%s" % (mismatch, plain_err)
        if expect == "refusal":
            assert check.returncode == 1, (check.returncode, check.stdout, check.stderr)
            assert "REFUSED" in check.stderr and "net0" in check.stderr, check.stderr
            assert "262144-byte RAM block" in check.stderr and str(target_rom_size) in check.stderr
            assert "fwneg rom import" in check.stderr, check.stderr
            assert check.stdout == "", check.stdout
            return "plain migration: %s; migrate-check refused (exit 1)" % mismatch
        assert check.returncode == 0, (check.returncode, check.stderr)
        extra = qemu_args_from(check.stdout)
        want = {"same-bytes": "device.net0.romfile=%s" % os.path.join(dst_state, "roms", rom["sha256"]),
                "romsize-pin": "device.net0.romsize=262144"}[expect]
        assert extra == ["-set", want], extra
    # A fresh source (the failed attempt left the first one in a failed state).
    with qemulive.Qemu(base_args(src_roms)) as source:
        ok, err, blocks = migrate(source, base_args(dst_roms) + extra, case)
        assert ok, "migration with %s failed:\n%s" % (extra, err)
        assert blocks == {RAMBLOCK: 262144}, blocks
    return "plain migration: %s; with %s: completed" % (mismatch, " ".join(extra))


MMIO_ROM = "/usr/lib/ipxe/qemu/efi-e1000e.rom"  # Debian 12: 249856 bytes, 256 KiB BAR
MMIO_RAMBLOCK = "0000:00:01.0/e1000e.rom"
MMIO_XML = """<domain type='qemu'>
  <name>mig-virtio-mmio</name>
  <uuid>5c7d2c1e-0f5a-4b8e-9d3c-6a1b2c3d4e13</uuid>
  <memory unit='KiB'>131072</memory>
  <os><type arch='aarch64' machine='virt-7.2'>hvm</type></os>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <interface type='user'><mac address='52:54:00:13:0d:01'/><model type='e1000e'/>
      <alias name='net0'/><address type='virtio-mmio'/></interface>
    <interface type='user'><mac address='52:54:00:13:0d:02'/><model type='virtio'/>
      <alias name='net1'/><address type='virtio-mmio'/></interface>
  </devices>
</domain>
"""


def mmio_args(rom_dir):
    # libvirt's arguments for MMIO_XML: no bus/addr for either NIC.
    return ["-machine", "virt-7.2", "-cpu", "cortex-a57", "-m", "128", "-L", rom_dir,
            "-device", "e1000e,id=net0", "-device", "virtio-net-device,id=net1"]


def run_mmio_case(tmp):
    case = os.path.join(tmp, "virtio-mmio")
    src_roms, dst_roms = os.path.join(case, "src-roms"), os.path.join(case, "dst-roms")
    src_state, dst_state = os.path.join(case, "src-state"), os.path.join(case, "dst-state")
    for d in (src_roms, dst_roms):
        os.makedirs(d)
    shutil.copy(MMIO_ROM, os.path.join(src_roms, "efi-e1000e.rom"))
    fx.make_rom(os.path.join(dst_roms, "efi-e1000e.rom"), 100 * 1024, seed=13)
    xml_path = os.path.join(case, "vm.xml")
    with open(xml_path, "w") as f:
        f.write(MMIO_XML)
    common = ["--rom-policy", "qemu", "--canonical-machine", "virt-7.2"]
    plan = json.loads(fx.fwneg("record", "--output=json", "--rom-dir", src_roms, "--state-dir",
                               src_state, *common, xml_path).stdout)
    roms = [(r["device"], r["ramblock"], r["size"]) for r in plan["roms"]]
    assert roms == [("net0", MMIO_RAMBLOCK, 262144)], roms
    record = os.path.join(src_state, "vms", plan["domain"]["uuid"] + ".json")
    check = fx.fwneg("migrate-check", "--output=qemu-args", "--record", record, "--rom-dir",
                     dst_roms, "--state-dir", dst_state, *common, xml_path, check=False)
    assert check.returncode == 0, (check.returncode, check.stderr)
    extra = qemu_args_from(check.stdout)
    assert extra == ["-set", "device.net0.romsize=262144"], extra

    binary = "qemu-system-aarch64"
    with qemulive.Qemu(mmio_args(src_roms), binary=binary) as source:
        src_blocks = fx.rom_ramblocks(source.ramblocks())
        assert src_blocks == {MMIO_RAMBLOCK: 262144}, src_blocks
        plain_ok, plain_err, _ = migrate(source, mmio_args(dst_roms), case, binary)
        mismatch = "Size mismatch: %s: 0x40000 != 0x20000" % MMIO_RAMBLOCK
        assert not plain_ok and mismatch in plain_err, "expected %r, got:\n%s" % (mismatch, plain_err)
    with qemulive.Qemu(mmio_args(src_roms), binary=binary) as source:
        ok, err, blocks = migrate(source, mmio_args(dst_roms) + extra, case, binary)
        assert ok, "migration with %s failed:\n%s" % (extra, err)
        assert blocks == {MMIO_RAMBLOCK: 262144}, blocks
    return "plain migration: %s; with %s: completed" % (mismatch, " ".join(extra))


def fx_bucket(size):
    b = 1
    while b < size:
        b <<= 1
    return b


def main():
    tmp = tempfile.mkdtemp(prefix="fwneg-migration-")
    cases = [("same-bytes", 300 * 1024, True, "same-bytes"),
             ("same-bucket", 200 * 1024, False, "same-bucket"),
             ("romsize-pin", 100 * 1024, False, "romsize-pin"),
             ("refusal", 300 * 1024, False, "refusal")]
    print("1..%d" % (len(cases) + 1))
    failed = 0
    for i, (name, size, import_recorded, expect) in enumerate(cases, 1):
        try:
            detail = run_case(name, size, import_recorded, expect, tmp)
            print("ok %d - %s: %s" % (i, name, detail))
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("not ok %d - %s" % (i, name))
            for line in str(e).splitlines():
                print("# " + line)
    n = len(cases) + 1
    try:
        print("ok %d - virtio-mmio: %s" % (n, run_mmio_case(tmp)))
    except Exception as e:  # noqa: BLE001
        failed += 1
        print("not ok %d - virtio-mmio" % n)
        for line in str(e).splitlines():
            print("# " + line)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

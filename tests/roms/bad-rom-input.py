#!/usr/bin/env python3
"""bad-rom-input.py: bad option ROM files in the ROM search path, through
`fwneg plan`: a clear error naming the file and the reason (exit 1, nothing
on stdout), never a crash.  TAP output."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import romfixtures as fx  # noqa: E402


def setup(tmp, name, make):
    rom_dir = os.path.join(tmp, name)
    os.makedirs(rom_dir)
    os.chmod(rom_dir, 0o755)
    make(os.path.join(rom_dir, "efi-e1000.rom"))
    return rom_dir


def not_a_rom(path):
    with open(path, "wb") as f:
        f.write(b"\x7fELF" + bytes(4092))


def truncated(path):
    fx.make_rom(path, 256 * 1024)
    with open(path, "r+b") as f:
        f.truncate(200 * 1024)


def unreadable(path):
    fx.make_rom(path, 64 * 1024)
    os.chmod(path, 0)


def symlink_loop(path):
    os.symlink(path + ".other", path)
    os.symlink(path, path + ".other")


def too_large(path):
    fx.make_rom(path, 300 * 1024)  # 512 KiB ROM BAR; the x86 set allows 256 KiB


def main():
    tmp = tempfile.mkdtemp(prefix="fwneg-bad-rom-")
    os.chmod(tmp, 0o755)
    xml = os.path.join(tmp, "vm.xml")
    with open(xml, "w") as f:
        f.write(fx.domain_xml("bad-rom", "pc-q35-7.2", nics=[{"model": "e1000", "alias": "net0", "slot": 3}]))
    os.chmod(xml, 0o644)
    setpriv = shutil.which("setpriv")
    cases = [
        ("not-a-rom", not_a_rom, "not a PCI option ROM: no 0x55AA signature at offset 0", None),
        ("truncated", truncated, "truncated: image 0 at offset 0 declares 262144 bytes but the file ends after 204800", None),
        ("unreadable", unreadable, "Permission denied", "nobody"),
        ("symlink-loop", symlink_loop, "symlink loop", None),
        ("larger-than-bucket", too_large, "is 307200 bytes, a 524288-byte ROM BAR, larger than the 262144 bytes ROM set", None),
    ]
    print("1..%d" % (len(cases) + 1))
    failed = 0
    n = 0
    for name, make, needle, user in cases:
        n += 1
        rom_dir = setup(tmp, name, make)
        argv = [fx.FWNEG, "plan", "--rom-dir", rom_dir, "--canonical-machine", "pc-q35-7.2",
                "--state-dir", os.path.join(tmp, "state-" + name), xml]
        if user is not None and os.geteuid() == 0:
            # root reads mode-0 files: run fwneg as an unprivileged user instead
            argv = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
        env = dict(os.environ)
        if user is not None:
            env["HOME"] = tmp  # the unprivileged user cannot look into root's home
            env.pop("XDG_CONFIG_HOME", None)
        proc = subprocess.run(argv, capture_output=True, text=True, env=env)
        rom_path = os.path.join(rom_dir, "efi-e1000.rom")
        problems = []
        if proc.returncode != 1:
            problems.append("exit %d, want 1" % proc.returncode)
        if proc.stdout:
            problems.append("stdout not empty")
        if needle not in proc.stderr:
            problems.append("stderr lacks %r" % needle)
        if rom_path not in proc.stderr or "net0" not in proc.stderr:
            problems.append("stderr does not name the file and the device")
        if problems:
            failed += 1
            print("not ok %d - %s: %s" % (n, name, "; ".join(problems)))
            print("# stderr: " + proc.stderr.strip().replace("\n", "\n# "))
        else:
            print("ok %d - %s: %s" % (n, name, proc.stderr.strip().splitlines()[-1][:160]))
    # The qemu policy predicts QEMU, which loads any bytes: a warning, not an error.
    n += 1
    rom_dir = setup(tmp, "qemu-policy-not-a-rom", not_a_rom)
    proc = subprocess.run([fx.FWNEG, "plan", "--rom-policy", "qemu", "--rom-dir", rom_dir,
                           "--canonical-machine", "pc-q35-7.2", "--state-dir",
                           os.path.join(tmp, "state-q"), xml], capture_output=True, text=True)
    if proc.returncode == 0 and "warning: net0 (e1000)" in proc.stderr and "0x55AA" in proc.stderr \
            and "4 KiB" in proc.stdout:
        print("ok %d - qemu policy: non-ROM file planned as QEMU would load it, with a warning" % n)
    else:
        failed += 1
        print("not ok %d - qemu policy non-ROM: exit %d\n# %s\n# %s" % (n, proc.returncode, proc.stderr, proc.stdout))
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

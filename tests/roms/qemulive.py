"""qemulive.py: start a real, paused QEMU with a QMP socket and talk to it.

Used by the ROM conformance and migration tests.  Every QEMU started here is
killed by PID when its context ends, also when the test fails.
"""
import json
import os
import socket
import subprocess
import tempfile
import time


class Qemu:
    def __init__(self, args, binary="qemu-system-x86_64", incoming=None, cwd=None):
        self.dir = tempfile.mkdtemp(prefix="fwneg-qemu-")
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        argv = [binary, "-S", "-nodefaults", "-display", "none", "-accel", "tcg",
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if incoming:
            argv += ["-incoming", incoming]
        self.argv = argv + list(args)
        self.stderr_path = os.path.join(self.dir, "stderr")
        self.stderr_file = open(self.stderr_path, "w+")
        # cwd: an empty dir, so QEMU cannot pick up a ROM from our working directory
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.stderr_file,
                                     cwd=cwd or self.dir)
        self.sock = None
        self.buf = b""
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("QEMU exited (%d): %s\n%s" % (
                    self.proc.returncode, " ".join(self.argv), self.stderr()))
            if os.path.exists(self.qmp_path):
                try:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(self.qmp_path)
                    self.sock = s
                    break
                except OSError:
                    s.close()
            time.sleep(0.05)
        if self.sock is None:
            self.kill()
            raise RuntimeError("no QMP socket from " + " ".join(self.argv))
        self.sock.settimeout(60)
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def stderr(self):
        self.stderr_file.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("QMP closed: " + self.stderr())
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError("%s: %s" % (name, reply["error"]))
            return reply["return"]

    def hmp(self, line):
        return self.cmd("human-monitor-command", **{"command-line": line})

    def ramblocks(self):
        """{idstr: used size} from `info ramblock`."""
        out = self.hmp("info ramblock")
        blocks = {}
        for row in out.splitlines()[1:]:
            cols = row.split()
            if len(cols) >= 6:
                blocks[cols[0]] = int(cols[-2], 16)
        return blocks

    def wait_exit(self, timeout=30):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.sock:
            self.sock.close()
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()

# SPDX-License-Identifier: Apache-2.0
"""Helpers for the integration tests: locating the binaries, building OCI
bundles out of busybox-static plus the probe, and driving the runtime.

Everything here talks to the runtime only through its runc-compatible
command line, so the suite can be pointed at runc or crun
(CELL_BINARY=$(which runc)) to check that the tests follow the spec rather
than cell's implementation.
"""

import copy
import errno
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUSYBOX = "/bin/busybox"

PASSWD = """root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
test:x:1000:1000:test:/home/test:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
"""
GROUP = """root:x:0:
daemon:x:1:
tty:x:5:
test:x:1000:
extra:x:2000:test
nogroup:x:65534:
"""


def cell_binary():
    # cell-oci: the runtime CLI is cell run under that name (a symlink the build makes).
    return os.environ.get("CELL_BINARY") or os.path.join(REPO, "build", "cell-oci")


def runtime_name():
    """'cell', 'runc' or 'crun': some assertions on runtime-specific wording
    (cell's JSON-path messages) only make sense for cell."""
    base = os.path.basename(cell_binary())
    for name in ("runc", "crun"):
        if name in base:
            return name
    return "cell"


def is_cell():
    return runtime_name() == "cell"


def find_probe(workdir):
    """The static probe: $CELL_PROBE, else cell-probe next to the binary or in
    <repo>/build, else compiled here from tests/probe/probe.c."""
    env = os.environ.get("CELL_PROBE")
    if env:
        return env
    for d in (os.path.dirname(cell_binary()), os.path.join(REPO, "build")):
        cand = os.path.join(d, "cell-probe")
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    out = os.path.join(workdir, "cell-probe")
    src = os.path.join(REPO, "tests", "probe", "probe.c")
    subprocess.run(["cc", "-std=gnu11", "-D_GNU_SOURCE", "-O2", "-static", "-o", out, src],
                   check=True)
    return out


def build_rootfs_template(dest, probe):
    """A minimal rootfs: busybox with a symlink per applet in /bin, the probe
    at /probe, and /etc/passwd and /etc/group."""
    for d in ("bin", "sbin", "dev", "etc", "proc", "sys", "tmp", "root", "run", "var",
              "home/test", "usr/bin"):
        os.makedirs(os.path.join(dest, d), exist_ok=True)
    os.chmod(os.path.join(dest, "tmp"), 0o1777)
    shutil.copy2(BUSYBOX, os.path.join(dest, "bin", "busybox"))
    applets = subprocess.run([BUSYBOX, "--list"], check=True, capture_output=True,
                             text=True).stdout.split()
    for a in applets:
        if a != "busybox":
            os.symlink("busybox", os.path.join(dest, "bin", a))
    shutil.copy2(probe, os.path.join(dest, "probe"))
    os.chmod(os.path.join(dest, "probe"), 0o755)
    with open(os.path.join(dest, "etc", "passwd"), "w") as f:
        f.write(PASSWD)
    with open(os.path.join(dest, "etc", "group"), "w") as f:
        f.write(GROUP)
    with open(os.path.join(dest, "etc", "hostname"), "w") as f:
        f.write("rootfs-image\n")


class Bundle:
    """An OCI bundle: `path`/config.json plus `path`/rootfs.  Edit `config`
    (a dict) freely; it is written by save(), which every helper that starts
    a container calls."""

    def __init__(self, path, config):
        self.path = path
        self.rootfs = os.path.join(path, "rootfs")
        self.config = config

    @property
    def process(self):
        return self.config["process"]

    @property
    def linux(self):
        return self.config.setdefault("linux", {})

    def set_args(self, *args):
        self.config["process"]["args"] = list(args)

    def add_env(self, *kv):
        self.config["process"].setdefault("env", []).extend(kv)

    def namespaces(self):
        return [n["type"] for n in self.linux.get("namespaces", [])]

    def set_namespace(self, ns_type, path=None):
        nss = [n for n in self.linux.get("namespaces", []) if n["type"] != ns_type]
        entry = {"type": ns_type}
        if path:
            entry["path"] = path
        nss.append(entry)
        self.linux["namespaces"] = nss

    def remove_namespace(self, ns_type):
        self.linux["namespaces"] = [n for n in self.linux.get("namespaces", [])
                                    if n["type"] != ns_type]

    def mount(self, destination):
        for m in self.config.get("mounts", []):
            if m["destination"] == destination:
                return m
        return None

    def add_mount(self, destination, type=None, source=None, options=None):
        m = {"destination": destination}
        if type is not None:
            m["type"] = type
        if source is not None:
            m["source"] = source
        if options is not None:
            m["options"] = options
        self.config.setdefault("mounts", []).append(m)
        return m

    def add_hook(self, kind, path, args=None, env=None, timeout=None):
        h = {"path": path}
        if args is not None:
            h["args"] = args
        if env is not None:
            h["env"] = env
        if timeout is not None:
            h["timeout"] = timeout
        self.config.setdefault("hooks", {}).setdefault(kind, []).append(h)
        return h

    def file(self, *parts):
        return os.path.join(self.path, *parts)

    def save(self):
        with open(os.path.join(self.path, "config.json"), "w") as f:
            json.dump(self.config, f, indent=2)


def base_config(binary, workdir):
    """The output of `<runtime> spec`, generated once per session."""
    d = os.path.join(workdir, "spec")
    os.makedirs(d, exist_ok=True)
    subprocess.run([binary, "spec", "--bundle", d], check=True, capture_output=True)
    with open(os.path.join(d, "config.json")) as f:
        return json.load(f)


def popen_retrying_etxtbsy(argv, **kw):
    """subprocess.Popen, retried while exec fails with ETXTBSY.

    The escape suite's watcher keeps trying to open the runtime binary for
    writing through /proc/<pid>/exe.  Those opens fail (EROFS), but the
    kernel takes write access to the inode before it checks the mount, so
    an exec of the same file at that instant fails with ETXTBSY.  That race
    is the attack harness's, not the runtime's: retry the exec."""
    for attempt in range(50):
        try:
            return subprocess.Popen(argv, **kw)
        except OSError as e:
            if e.errno != errno.ETXTBSY or attempt == 49:
                raise
            time.sleep(0.01)


class Cell:
    """Drives the runtime binary with a private --root.  Every id handed out
    by new_id() is remembered so the residue check can attribute (and clean
    up) what a test left behind."""

    def __init__(self, binary, root, token):
        self.binary = binary
        self.root = root
        self.token = token
        self.ids = []         # every id to `delete --force` after the test
        self.unique_ids = []  # ids from new_id(): safe to attribute residue by

    def new_id(self, prefix="t"):
        cid = "%s-%s" % (prefix, uuid.uuid4().hex[:20])
        self.ids.append(cid)
        self.unique_ids.append(cid)
        return cid

    def cmd(self, *args, global_args=()):
        return [self.binary, "--root", self.root, *global_args, *args]

    def run(self, *args, input=None, timeout=30, global_args=(), check=False, **kw):
        """Run one command; returns CompletedProcess with text stdout/stderr.

        Output goes through temporary files, not pipes: a container started
        by `create` or `run -d` inherits them and would otherwise hold the
        pipe open long after the command returned."""
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
                tempfile.TemporaryFile() as inp:
            if input is not None:
                inp.write(input.encode())
                inp.seek(0)
            kw.setdefault("stdin", inp if input is not None else subprocess.DEVNULL)
            kw.setdefault("stdout", out)
            kw.setdefault("stderr", err)
            argv = self.cmd(*args, global_args=global_args)
            proc = popen_retrying_etxtbsy(argv, **kw)
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise
            out.seek(0)
            err.seek(0)
            p = subprocess.CompletedProcess(argv, rc, out.read().decode(errors="replace"),
                                            err.read().decode(errors="replace"))
        if check and p.returncode != 0:
            raise AssertionError("%s failed (%d):\nstdout: %s\nstderr: %s" %
                                 (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def popen(self, *args, global_args=(), **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.Popen(self.cmd(*args, global_args=global_args), **kw)

    # ---- lifecycle shortcuts -------------------------------------------

    def create(self, bundle, cid=None, *opts, check=True, **kw):
        bundle.save()
        cid = cid or self.new_id()
        p = self.run("create", "--bundle", bundle.path, *opts, cid, check=check, **kw)
        return cid if check else p

    def start(self, cid, check=True):
        return self.run("start", cid, check=check)

    def state(self, cid):
        p = self.run("state", cid, check=True)
        return json.loads(p.stdout)

    def delete(self, cid, force=False, check=True):
        args = ["delete"] + (["--force"] if force else []) + [cid]
        return self.run(*args, check=check)

    def kill(self, cid, sig=None, check=True, all=False):
        args = ["kill"] + (["--all"] if all else []) + [cid] + ([str(sig)] if sig else [])
        return self.run(*args, check=check)

    def list_json(self):
        p = self.run("list", "--format", "json", check=True)
        return json.loads(p.stdout) if p.stdout.strip() else []

    def wait_status(self, cid, status, timeout=10):
        deadline = time.monotonic() + timeout
        st = None
        while time.monotonic() < deadline:
            st = self.state(cid)
            if st["status"] == status:
                return st
            time.sleep(0.02)
        raise AssertionError("container %s did not reach %s: %r" % (cid, status, st))

    def run_bundle(self, bundle, *opts, cid=None, timeout=30, **kw):
        """`run` in the foreground; returns CompletedProcess."""
        bundle.save()
        cid = cid or self.new_id()
        return self.run("run", "--bundle", bundle.path, *opts, cid, timeout=timeout, **kw)

    def probe(self, bundle, *words, opts=(), expect_rc=0, **kw):
        """Run the probe in the foreground with `words`; return its JSON."""
        bundle.set_args("/probe", *words)
        p = self.run_bundle(bundle, *opts, **kw)
        if p.returncode != expect_rc:
            raise AssertionError("run exited %d (expected %d)\nstdout: %s\nstderr: %s" %
                                 (p.returncode, expect_rc, p.stdout, p.stderr))
        lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
        assert lines, "probe printed nothing; stdout=%r stderr=%r" % (p.stdout, p.stderr)
        return json.loads(lines[-1])

    def force_cleanup(self):
        for cid in self.ids:
            try:
                self.run("delete", "--force", cid, timeout=20)
            except subprocess.TimeoutExpired:
                pass


class LineReader:
    """Line reads with a deadline from a binary pipe (a hung container must
    fail the test, not hang the suite)."""

    def __init__(self, f):
        self.fd = f.fileno()
        self.buf = b""

    def readline(self, timeout=10):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no output line within %ss (have %r)" % (timeout, self.buf))
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                chunk = os.read(self.fd, 4096)
                if not chunk:
                    line, self.buf = self.buf, b""
                    return line.decode(errors="replace")
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace") + "\n"


def op(info, name, path):
    """The probe's result for operation `name` on `path`."""
    for o in info.get("ops", []):
        if o["op"] == name and o["path"] == path:
            return o
    raise KeyError("%s %s not in probe output" % (name, path))


def host_ns(name, pid="self"):
    return os.readlink("/proc/%s/ns/%s" % (pid, name))


def mount_at(info, mountpoint):
    """The last (topmost) mount at `mountpoint` in the probe's mount list."""
    found = [m for m in info["mounts"] if m["mountpoint"] == mountpoint]
    return found[-1] if found else None


class Sleeper:
    """A helper process (e.g. `unshare --net sleep`) whose namespaces a test
    joins; killed and reaped on close()."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid

    def child_pid(self):
        """unshare forks for --pid/--fork; return the sleeping descendant."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with open("/proc/%d/task/%d/children" % (self.pid, self.pid)) as f:
                    kids = f.read().split()
                if kids:
                    return int(kids[0])
            except FileNotFoundError:
                pass
            time.sleep(0.01)
        return self.pid

    def wait_ns(self, name, host_value, pid=None):
        """Wait until the process has left the host's `name` namespace."""
        pid = pid or self.pid
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                if os.readlink("/proc/%d/ns/%s" % (pid, name)) != host_value:
                    return
            except FileNotFoundError:
                pass
            time.sleep(0.01)
        raise AssertionError("helper did not unshare %s" % name)

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def deep_copy(cfg):
    return copy.deepcopy(cfg)


def make_tempdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)

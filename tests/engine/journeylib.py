# SPDX-License-Identifier: Apache-2.0
"""Helpers for the newcomer's-journey and crash tests (test_journey_*, test_kill_*).

What "a container left nothing behind" means here, looked for on the host
itself rather than through cell:

  - no record: not in `cell ps -a`, no entry for its id in <storage>/containers/
  - no runtime state: no entry for its id anywhere under the runroot
  - no mount: nothing mounted under the test's root, nothing naming the id
  - no process: no live process in a cgroup named after the id, none whose
    command line names the test's root (a monitor, a `cell` still running)
  - no cgroup: no directory named after the id in any hierarchy under
    /sys/fs/cgroup
  - the store: blobs, layers and images.json exactly as before the container

and helpers to drive `cell` through a pseudo-terminal as a person would.
"""

import json
import os
import pty
import re
import select
import signal
import time

CGROUP_ROOT = "/sys/fs/cgroup"
HEX64 = re.compile(r"[0-9a-f]{64}")


def wait_for(pred, timeout=30, what="condition"):
    """Poll `pred` (a change made by another process) until it is true; its value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def pid_alive(pid):
    """The process exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


# ---- what the store and the runroot hold ----

def store_snapshot(engine):
    """The store's image content: blob files, layer directories, and the
    images (id, names, layers) in images.json."""
    snap = {}
    for kind in ("blobs", "layers"):
        d = os.path.join(engine.storage, kind, "sha256")
        snap[kind] = sorted(os.listdir(d)) if os.path.isdir(d) else []
    path = os.path.join(engine.storage, "images.json")
    images = []
    if os.path.exists(path):
        with open(path) as f:
            for img in json.load(f).get("images", []):
                images.append((img["id"], sorted(img.get("names", [])),
                               [l.get("diff_id") for l in img.get("layers", [])]))
    snap["images"] = sorted(images)
    return snap


def container_dirs(engine):
    """Entries of <storage>/containers/ other than its lock file."""
    d = os.path.join(engine.storage, "containers")
    if not os.path.isdir(d):
        return []
    return sorted(n for n in os.listdir(d) if n != ".lock")


def runroot_entries(engine):
    """Every path under the runroot, relative, except the seccomp filter
    cache (compiled profiles, shared by all containers, named by hash) and
    the directory of network namespace files (shared; a file left in it is
    still reported)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(engine.runroot):
        rel = os.path.relpath(dirpath, engine.runroot)
        if rel == ".seccomp-cache" or rel.startswith(".seccomp-cache/"):
            continue
        for n in dirnames + filenames:
            p = os.path.normpath(os.path.join(rel, n))
            if p not in (".seccomp-cache", "netns"):
                found.append(p)
    return sorted(found)


def ids_in_sight(engine):
    """Every 64-hex container id our store or runroot names anywhere (a
    record, a half-made `.new-<id>` directory, runtime state)."""
    ids = set()
    for n in container_dirs(engine) + runroot_entries(engine):
        ids.update(HEX64.findall(n))
    return ids


# ---- what the host holds ----

def mounts_mentioning(*needles):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            if any(n and n in line for n in needles):
                out.append(line.strip())
    return out


def cgroups_named(cid):
    """Directories under /sys/fs/cgroup whose name contains `cid`."""
    found = []
    for dirpath, dirnames, _ in os.walk(CGROUP_ROOT):
        for d in dirnames:
            if cid in d:
                found.append(os.path.join(dirpath, d))
    return found


def processes_of(engine, ids=()):
    """Live processes in a cgroup named after one of `ids`, or whose command
    line names the test's root: (pid, what)."""
    found = []
    me = os.getpid()
    root = engine.root.encode()
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == me:
            continue
        pid = int(p)
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmd = f.read()
            with open("/proc/%d/cgroup" % pid) as f:
                cg = f.read()
        except OSError:
            continue
        if not pid_alive(pid):
            continue
        if root in cmd or any(i in cg for i in ids):
            found.append((pid, cmd.replace(b"\0", b" ").decode(errors="replace")))
    return found


def residue(engine, ids):
    """What is left of the containers `ids` (and of any container of this
    engine): a list of findings, empty when nothing is."""
    problems = []
    listed = engine.out("ps", "-a", "-q", "--no-trunc").split()
    if listed:
        problems.append("cell ps -a lists %s" % listed)
    if container_dirs(engine):
        problems.append("store containers/ holds %s" % container_dirs(engine))
    if runroot_entries(engine):
        problems.append("runroot holds %s" % runroot_entries(engine))
    m = mounts_mentioning(engine.root, *ids)
    if m:
        problems.append("mounts: %s" % m)
    procs = processes_of(engine, ids)
    if procs:
        problems.append("processes: %s" % procs)
    for cid in ids:
        cg = cgroups_named(cid)
        if cg:
            problems.append("cgroups: %s" % cg)
    return problems


def assert_nothing_left(engine, ids, timeout=10):
    """Nothing of `ids` is left; processes and mounts get `timeout` seconds
    to go (a monitor finishing its clean-up after the command returned)."""
    deadline = time.monotonic() + timeout
    while True:
        problems = residue(engine, ids)
        if not problems or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert problems == [], "left behind: " + "; ".join(problems)


# ---- a terminal ----

class Terminal:
    """`cell ARGS` with a pseudo-terminal as its controlling terminal, stdin,
    stdout and stderr, in the terminal's foreground process group: what a
    person at a shell prompt gets."""

    def __init__(self, engine, *args):
        argv = engine.argv(*args)
        env = engine.env()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.output = b""
        self.closed = False
        self.status = None

    def read_until(self, pattern, timeout=30):
        """Read until `pattern` (bytes) appears in what was read since the
        start, or the terminal closes; True if it appeared."""
        deadline = time.monotonic() + timeout
        while pattern not in self.output and not self.closed:
            if time.monotonic() > deadline:
                return False
            r, _, _ = select.select([self.fd], [], [], 0.5)
            if not r:
                continue
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # EIO: every process holding the terminal is gone
                chunk = b""
            if not chunk:
                self.closed = True
            self.output += chunk
        return pattern in self.output

    def type(self, data):
        os.write(self.fd, data)

    def wait(self, timeout=60):
        """Read to the end and wait for `cell`: its exit status, or None if it
        is still running after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            if not self.closed:
                self.read_until(b"\0never\0", timeout=0.5)
            else:
                time.sleep(0.05)
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
            elif time.monotonic() > deadline:
                return None
        return self.status

    def close(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.status = -signal.SIGKILL
        try:
            os.close(self.fd)
        except OSError:
            pass

    def text(self):
        return self.output.decode(errors="replace")

# SPDX-License-Identifier: Apache-2.0
"""The runtime's own safety: its binary cannot be reached from the container
(CVE-2019-5736), no host fd leaks in, and mounts do not leak out."""

import os
import shutil
import time

import bundles
from bundles import mount_at, op
from test_process import CAPS, host_bounding


def wait_for(path, needle, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                text = f.read()
            if needle in text:
                return text
        except FileNotFoundError:
            pass
        time.sleep(0.02)
    raise AssertionError("%r never appeared in %s" % (needle, path))


def test_runtime_binary_not_writable_from_container(cell, bundle, binary, testdir):
    """CVE-2019-5736: a privileged process sharing the pid namespace of a
    container that waits for `start` grabs its init's /proc/<pid>/exe, waits
    until the init has exec'd the user program, then reopens the fd for
    writing.  The runtime binary must come out unchanged.  (Run against a
    copy of the binary, so a vulnerable runtime only damages the copy.)"""
    # Same file name: cell's binary picks its command line by name (cell-oci).
    os.makedirs(os.path.join(testdir, "copy"))
    copy = os.path.join(testdir, "copy", os.path.basename(binary))
    shutil.copy2(binary, copy)
    with open(copy, "rb") as f:
        pristine = f.read()
    victim = bundles.Cell(copy, cell.root, cell.token)
    victim.ids = cell.ids
    victim.unique_ids = cell.unique_ids

    a = bundle("/probe", "sleep", "100")
    cid_a = victim.create(a)
    cid_b = None
    try:
        init_pid = victim.state(cid_a)["pid"]
        b = bundle("/bin/sh", "-c", "/probe reopen-write /proc/1/exe /trigger > /out")
        b.set_namespace("pid", "/proc/%d/ns/pid" % init_pid)
        names = [n for i, n in enumerate(CAPS) if host_bounding() & (1 << i)]
        b.process["capabilities"] = {"bounding": names, "permitted": names, "effective": names}
        cid_b = victim.create(b)
        victim.start(cid_b)
        opened = wait_for(os.path.join(b.rootfs, "out"), "opened")
        victim.start(cid_a)  # the init execs the user program now
        victim.wait_status(cid_a, "running")
        time.sleep(0.1)
        open(os.path.join(b.rootfs, "trigger"), "w").close()
        if "opened OK" in opened:
            wait_for(os.path.join(b.rootfs, "out"), "}")
    finally:
        # With the real binary: a vulnerable runtime leaves its copy unusable.
        cell.delete(cid_a, force=True, check=False)
        if cid_b:
            cell.delete(cid_b, force=True, check=False)
    with open(copy, "rb") as f:
        assert f.read() == pristine, "the runtime binary was overwritten from a container"


def test_proc_self_exe_as_entrypoint_cannot_write_runtime(cell, bundle, binary):
    """A container whose process is /proc/self/exe executes whatever the
    runtime left there; writing to it must not reach the host binary."""
    with open(binary, "rb") as f:
        before = f.read()
    b = bundle("/bin/sh", "-c", "/probe write /proc/self/exe; exec /proc/self/exe --version")
    cell.run_bundle(b)
    with open(binary, "rb") as f:
        assert f.read() == before


def test_no_runtime_fds_in_created_init(cell, bundle):
    """The init waiting for `start` holds no fd of the host's filesystem
    outside what the container needs (a leaked directory fd is CVE-2024-21626)."""
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    try:
        pid = cell.state(cid)["pid"]
        cell.start(cid)
        cell.wait_status(cid, "running")
        fds = {fd: os.readlink("/proc/%d/fd/%s" % (pid, fd))
               for fd in os.listdir("/proc/%d/fd" % pid)}
        assert sorted(fds, key=int) == ["0", "1", "2"], fds
    finally:
        cell.delete(cid, force=True)


def test_runtime_environment_not_in_created_init(cell, bundle, token):
    """The init waiting for `start` is a clone of the runtime: the caller's
    environment (which may hold secrets) must not be readable through its
    /proc/<pid>/environ, which CAP_SYS_PTRACE in the container would allow."""
    b = bundle("/probe", "sleep", "100")
    secret = "CELL_SECRET_" + token
    cid = cell.create(b, env=dict(os.environ, CELL_CALLER_SECRET=secret))
    try:
        pid = cell.state(cid)["pid"]
        with open("/proc/%d/environ" % pid, "rb") as f:
            assert secret.encode() not in f.read()
    finally:
        cell.delete(cid, force=True)


def test_container_mounts_do_not_reach_host(cell, bundle):
    with open("/proc/self/mountinfo") as f:
        before = f.read().count("\n")
    b = bundle()
    b.add_mount("/extra", "tmpfs", "tmpfs", [])
    info = cell.probe(b, "mounts")
    assert mount_at(info, "/extra") is not None
    with open("/proc/self/mountinfo") as f:
        text = f.read()
    assert b.rootfs not in text


def test_sys_and_proc_not_writable_by_default(cell, bundle):
    b = bundle()
    info = cell.probe(b, "write", "/proc/sys/kernel/hostname", "write", "/sys/kernel/x",
                      "write", "/proc/sysrq-trigger")
    assert op(info, "write", "/proc/sys/kernel/hostname")["errno"] == "EROFS"
    assert not op(info, "write", "/sys/kernel/x")["ok"]
    assert not op(info, "write", "/proc/sysrq-trigger")["ok"]

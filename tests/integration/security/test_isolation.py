# SPDX-License-Identifier: Apache-2.0
"""Namespaces seen from inside: the hostname is the container's own, and
the network has nothing but loopback."""

import socket

import pytest

from attacks import add_caps
from bundles import op, runtime_name


def test_sethostname_stays_inside(cell, bundle):
    """Even with CAP_SYS_ADMIN, sethostname(2) changes the container's
    uts namespace, not the host's."""
    before = socket.gethostname()
    b = bundle()
    add_caps(b, "CAP_SYS_ADMIN")
    info = cell.probe(b, "try", "sethostname", "uname")
    assert op(info, "try", "sethostname")["ok"], info["ops"]
    assert info["hostname"] == "probe-sethostname"
    assert socket.gethostname() == before


def test_sethostname_denied_by_default(cell, bundle):
    info = cell.probe(bundle(), "try", "sethostname")
    r = op(info, "try", "sethostname")
    assert not r["ok"] and r["errno"] == "EPERM", r


def test_network_is_loopback_only(cell, bundle):
    info = cell.probe(bundle(), "read", "/proc/net/dev", "ls", "/sys/class/net")
    lines = op(info, "read", "/proc/net/dev")["data"].splitlines()[2:]
    assert [ln.split(":")[0].strip() for ln in lines] == ["lo"], lines
    assert op(info, "ls", "/sys/class/net")["entries"] == ["lo"]


def test_exec_without_mount_namespace_sees_only_the_rootfs(cell, bundle, testdir, host_marker):
    """A container without a mount namespace is confined to its rootfs by
    its init's chroot alone; a process exec'd into it must be confined the
    same way, or it runs on the host's file system (where the container's
    processes, same uid, can reach it)."""
    if runtime_name() == "runc":
        pytest.skip("runc 1.1.5 execs into a container without a mount namespace on the "
                    "host's root: the hole this case checks")
    b = bundle()
    b.remove_namespace("mount")
    b.config["mounts"] = []
    b.linux.pop("maskedPaths", None)
    b.linux.pop("readonlyPaths", None)
    b.set_args("/bin/sleep", "100")
    cid = cell.new_id()
    cell.create(b, cid)
    try:
        p = cell.run("exec", cid, "/bin/cat", host_marker)
    finally:
        cell.kill(cid, "KILL")
        cell.wait_status(cid, "stopped")
        cell.delete(cid)
    assert "host-only" not in p.stdout
    assert p.returncode != 0

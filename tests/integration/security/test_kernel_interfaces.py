# SPDX-License-Identifier: Apache-2.0
"""Host-wide kernel interfaces that a container must not write or read:
/proc/sys (core_pattern runs a host program as root on the next crash),
/proc/sysrq-trigger, /proc/kcore and the other masked paths, /sys, and the
cgroup filesystem (cgroup.procs to leave the container's cgroup,
release_agent to run a host program).  With the runtime's default
configuration each write fails with EROFS (read-only mounts; a masked
sysrq-trigger may give EACCES) and each masked file reads as empty or not
at all; the host's values stay what they were."""

import json
import os

import pytest

from bundles import op

CONTROLLERS = ["memory", "pids", "devices", "cpu", "freezer"]


def read_host(path):
    with open(path) as f:
        return f.read()


def probe_ops(cell, bundle, *words):
    b = bundle()
    return cell.probe(b, *words)


@pytest.mark.parametrize("path", ["/proc/sys/kernel/core_pattern",
                                  "/proc/sys/kernel/panic",
                                  "/proc/sys/vm/overcommit_memory",
                                  "/proc/sys/kernel/hostname"])
def test_proc_sys_read_only(cell, bundle, path):
    before = read_host(path)
    try:
        info = probe_ops(cell, bundle, "write", path)
        r = op(info, "write", path)
        assert not r["ok"] and r["errno"] == "EROFS", r
    finally:
        if read_host(path) != before:  # never leave a hijacked core_pattern behind
            with open(path, "w") as f:
                f.write(before)
    assert read_host(path) == before


def test_sysrq_trigger(cell, bundle):
    info = probe_ops(cell, bundle, "write", "/proc/sysrq-trigger")
    r = op(info, "write", "/proc/sysrq-trigger")
    # ENOENT only where the host's kernel has no sysrq (CONFIG_MAGIC_SYSRQ=n)
    allowed = ("EROFS", "EACCES") if os.path.exists("/proc/sysrq-trigger") else ("ENOENT",)
    assert not r["ok"] and r["errno"] in allowed, r


@pytest.mark.parametrize("path", ["/proc/kcore", "/proc/keys", "/proc/timer_list",
                                  "/sys/firmware"])
def test_masked_paths(cell, bundle, path):
    words = ["ls", path] if path.startswith("/sys") else ["read", path]
    info = probe_ops(cell, bundle, *words)
    r = op(info, words[0], path)
    if words[0] == "ls":
        assert r["entries"] == [], r
    else:
        # masked by /dev/null (empty) or made unreadable; never the host's data
        # (ENOENT only where the host's kernel has no such file)
        allowed = ("EACCES", "EPERM") + (() if os.path.exists(path) else ("ENOENT",))
        assert (r["ok"] and r["data"] == "") or r["errno"] in allowed, r


@pytest.mark.parametrize("path", ["/sys/kernel/mm/transparent_hugepage/enabled",
                                  "/sys/kernel/profiling", "/sys/new-file"])
def test_sys_read_only(cell, bundle, path):
    before = read_host(path) if os.path.exists(path) else None
    info = probe_ops(cell, bundle, "write", path)
    r = op(info, "write", path)
    assert not r["ok"] and r["errno"] == "EROFS", r
    assert (read_host(path) if os.path.exists(path) else None) == before


def test_cgroupfs_read_only(cell, bundle):
    words = []
    paths = []
    for c in CONTROLLERS:
        for name in ("cgroup.procs", "release_agent", "notify_on_release", "escape"):
            paths.append("/sys/fs/cgroup/%s/%s" % (c, name))
            words += ["write", paths[-1]]
    info = probe_ops(cell, bundle, *words)
    for path in paths:
        r = op(info, "write", path)
        # existing files: EROFS; a file that is not there cannot be created (EROFS
        # on the read-only mount, ENOENT where the controller is not mounted)
        assert not r["ok"], r
        assert r["errno"] in ("EROFS", "ENOENT"), r
    assert any(op(info, "write", p)["errno"] == "EROFS" for p in paths), info["ops"]


@pytest.mark.parametrize("where", ["/proc", "/sys"])
def test_image_symlink_in_place_of_proc_or_sys(cell, bundle, where):
    """CVE-2019-16884 / CVE-2019-19921 family: the image makes /proc (or
    /sys) a symlink to a directory of its own, so that procfs or sysfs lands
    there while the masks, the read-only paths and the LSM's /proc/self/attr
    writes go by the name.  The runtime refuses such a destination (runc:
    "must be mounted on ordinary directory"), or else the kernel interfaces
    behind the name stay masked and read-only."""
    b = bundle()
    fake = os.path.join(b.rootfs, "fake" + where.strip("/"))
    os.makedirs(os.path.join(fake, "sys", "kernel") if where == "/proc" else fake)
    real = os.path.join(b.rootfs, where.strip("/"))
    if os.path.isdir(real) and not os.path.islink(real):
        os.rmdir(real)
    os.symlink("/fake" + where.strip("/"), real)
    if where == "/proc":
        path = "/proc/sys/kernel/core_pattern"
        words = ["write", path, "write", "/proc/sysrq-trigger", "read", "/proc/kcore"]
    else:
        path = "/sys/kernel/profiling"
        words = ["write", path, "ls", "/sys/firmware"]
    before = read_host(path)
    b.set_args("/probe", *words)
    try:
        p = cell.run_bundle(b)
    finally:
        if where == "/proc" and read_host(path) != before:  # never leave it hijacked
            with open(path, "w") as f:
                f.write(before)
    assert read_host(path) == before
    if p.returncode != 0:
        return  # refused: nothing of the container ran
    info = json.loads([ln for ln in p.stdout.splitlines() if ln.startswith("{")][-1])
    r = op(info, "write", path)
    assert not r["ok"] and r["errno"] == "EROFS", r
    if where == "/proc":
        r = op(info, "write", "/proc/sysrq-trigger")
        assert not r["ok"], r
        r = op(info, "read", "/proc/kcore")
        assert (r["ok"] and r["data"] == "") or r["errno"] in ("EACCES", "EPERM"), r
    else:
        assert op(info, "ls", "/sys/firmware")["entries"] == []

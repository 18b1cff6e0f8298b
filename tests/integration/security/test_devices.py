# SPDX-License-Identifier: Apache-2.0
"""Host block devices: a container that can open the host's disk owns the
host.  /dev in the container holds only the default devices; mknod needs
CAP_MKNOD (not in the default set); and even with CAP_MKNOD a node made
by hand cannot be opened, because the device cgroup (a v1 controller on
this host; linux.resources.devices) denies every device the config does
not allow.  Run against the host's own disk (/dev/vda, or whatever backs /)."""

import os
import stat

import pytest

from attacks import add_caps
from bundles import op


def host_disk():
    """(path, major, minor) of the block device backing the host's /."""
    dev = os.stat("/").st_dev
    for name in sorted(os.listdir("/dev")):
        path = os.path.join("/dev", name)
        try:
            st = os.stat(path)
        except OSError:
            continue
        if stat.S_ISBLK(st.st_mode) and st.st_rdev == dev:
            # the whole disk rather than the partition when both exist
            return path, os.major(st.st_rdev), os.minor(st.st_rdev)
    for name in ("vda", "sda", "nvme0n1", "xvda"):
        path = "/dev/" + name
        if os.path.exists(path):
            st = os.stat(path)
            return path, os.major(st.st_rdev), os.minor(st.st_rdev)
    pytest.fail("no host block device found to attack")


def test_host_disk_absent(cell, bundle):
    path, _, _ = host_disk()
    info = cell.probe(bundle(), "stat", path, "dev")
    assert op(info, "stat", path)["errno"] == "ENOENT"
    assert not [p for p, d in info["dev"].items() if d["type"] == "b"], info["dev"]


def test_mknod_without_cap_mknod(cell, bundle):
    _, major, minor = host_disk()
    info = cell.probe(bundle(), "mknod", "/dev/disk", "b", str(major), str(minor),
                      "mknod", "/tmp/disk", "b", str(major), str(minor))
    for path in ("/dev/disk", "/tmp/disk"):
        r = op(info, "mknod", path)
        assert not r["ok"] and r["errno"] == "EPERM", r


@pytest.mark.parametrize("where", ["/dev", "/tmp"])
def test_mknod_with_cap_mknod_cannot_open(cell, bundle, where):
    """CAP_MKNOD makes the node; the device cgroup refuses the open."""
    _, major, minor = host_disk()
    b = bundle()
    add_caps(b, "CAP_MKNOD")
    node = where + "/disk"
    info = cell.probe(b, "mknod", node, "b", str(major), str(minor), "read", node,
                      "open", node, "mknod", where + "/mem", "c", "1", "1", "read", where + "/mem")
    assert op(info, "mknod", node)["ok"], info["ops"]
    r = op(info, "read", node)
    assert not r["ok"] and r["errno"] == "EPERM", r
    assert op(info, "open", node)["errno"] == "EPERM"
    assert op(info, "mknod", where + "/mem")["ok"]
    r = op(info, "read", where + "/mem")
    assert not r["ok"] and r["errno"] == "EPERM", r


def test_allowing_one_device_does_not_allow_the_disk(cell, bundle):
    """linux.resources.devices: allowing /dev/loop* (b 7:*) still denies the disk."""
    _, major, minor = host_disk()
    b = bundle()
    add_caps(b, "CAP_MKNOD")
    b.linux.setdefault("resources", {})["devices"] = [
        {"allow": False, "access": "rwm"},
        {"allow": True, "type": "b", "major": 7, "access": "rwm"}]
    info = cell.probe(b, "mknod", "/dev/disk", "b", str(major), str(minor), "read", "/dev/disk",
                      "mknod", "/dev/loop-x", "b", "7", "250", "open", "/dev/loop-x")
    r = op(info, "read", "/dev/disk")
    assert not r["ok"] and r["errno"] == "EPERM", r
    # the allowed major passes the cgroup check (no such loop device: ENXIO)
    assert op(info, "open", "/dev/loop-x")["errno"] != "EPERM", info["ops"]

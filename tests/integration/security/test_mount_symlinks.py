# SPDX-License-Identifier: Apache-2.0
"""A symlink in the image that redirects a mount destination to the host.

The image controls its rootfs: /evil -> /host/dir, or ../../../host/dir, or
a chain of links, makes a naive `mount(src, rootfs + "/evil")` follow the
link on the host and mount over the host's directory (runc's
CVE-2021-30465 raced a swap of such a link).  Every destination must be
resolved inside the rootfs: the host directory stays as it was (no mount,
no file), and the mount appears in the container at the path the link
names, inside the rootfs.
"""

import json
import os
import subprocess

import pytest

from bundles import mount_at, op


def host_mountpoints():
    with open("/proc/self/mountinfo") as f:
        return {line.split()[4] for line in f}


def make_links(rootfs, host_dir, kind):
    """rootfs/evil leads to host_dir when followed on the host."""
    depth = "../" * 40
    if kind == "absolute":
        os.symlink(host_dir, os.path.join(rootfs, "evil"))
    elif kind == "relative":
        os.symlink(depth + host_dir.lstrip("/"), os.path.join(rootfs, "evil"))
    elif kind == "chain":
        # evil -> hop1 -> sub/hop2 -> <relative climb>/host_dir
        os.makedirs(os.path.join(rootfs, "sub"))
        os.symlink("hop1", os.path.join(rootfs, "evil"))
        os.symlink("sub/hop2", os.path.join(rootfs, "hop1"))
        os.symlink(depth + host_dir.lstrip("/"), os.path.join(rootfs, "sub", "hop2"))
    elif kind == "parent":
        # a link in a parent of the destination: /evil/inner with evil -> host
        os.symlink(os.path.dirname(host_dir), os.path.join(rootfs, "evil"))


@pytest.mark.parametrize("kind", ["absolute", "relative", "chain", "parent"])
@pytest.mark.parametrize("mtype", ["tmpfs", "bind"])
def test_destination_through_symlink(cell, bundle, testdir, kind, mtype):
    host_dir = os.path.join(testdir, "host", "victim")
    os.makedirs(host_dir)
    with open(os.path.join(host_dir, "original"), "w") as f:
        f.write("host\n")
    src = os.path.join(testdir, "bind-src")
    os.makedirs(src)
    b = bundle()
    make_links(b.rootfs, host_dir, kind)
    dest = "/evil/victim" if kind == "parent" else "/evil"
    if mtype == "tmpfs":
        b.add_mount(dest, "tmpfs", "tmpfs", ["size=1m"])
    else:
        b.add_mount(dest, "bind", src, ["bind"])
    before = host_mountpoints()
    b.set_args("/probe", "mounts", "write", dest + "/planted", "ls", dest)
    p = cell.run_bundle(b)
    after = host_mountpoints()
    # The host directory: not mounted over, nothing planted, contents intact.
    assert host_dir not in after - before
    assert sorted(os.listdir(host_dir)) == ["original"]
    if p.returncode != 0:
        return  # refused outright: nothing reached the host either
    info = json.loads([ln for ln in p.stdout.splitlines() if ln.startswith("{")][-1])
    assert op(info, "write", dest + "/planted")["ok"], info["ops"]
    # Inside, the mount is where the link points, within the rootfs; the
    # file written went into the mount, not into the host directory.
    assert "original" not in op(info, "ls", dest)["entries"]
    m = mount_at(info, host_dir)
    assert m is not None, [x["mountpoint"] for x in info["mounts"]]
    if mtype == "tmpfs":
        assert m["fstype"] == "tmpfs", m
    else:
        assert os.listdir(src) == ["planted"]
    # The container's view of host_dir is inside the rootfs.
    assert os.path.isdir(os.path.join(b.rootfs, host_dir.lstrip("/")))


def test_no_mount_namespace_delete_not_steered_to_a_host_mount(cell, bundle, testdir):
    """Without a mount namespace the container's mounts are in the host's
    mount table, and the container can move them (renaming a directory
    above one) and put a symlink where one was.  Removing the container
    must never unmount what the link now leads to: here a mount the host
    had below the rootfs before the container was created."""
    b = bundle()
    b.remove_namespace("mount")
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] == "/proc"]
    b.linux.pop("maskedPaths", None)
    b.linux.pop("readonlyPaths", None)
    src = os.path.join(testdir, "src")
    os.makedirs(src)
    b.add_mount("/mnt/src", "bind", src, ["rbind"])
    rootfs = os.path.realpath(b.rootfs)
    hosts = os.path.join(rootfs, "src")
    os.makedirs(hosts)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "hosts-own", hosts], check=True)
    try:
        b.set_args("/bin/sh", "-c", "mv /mnt /moved && ln -s / /mnt")
        p = cell.run_bundle(b)
        survived = hosts in host_mountpoints()
    finally:
        # runc leaves the container's own mounts behind (and a bind of the
        # rootfs onto itself): clear everything at or below the rootfs.
        for _ in range(20):
            left = sorted(x for x in host_mountpoints() if x == rootfs or x.startswith(rootfs + "/"))
            if not left:
                break
            for point in [left[0]] + left[:0:-1]:
                subprocess.run(["umount", "-l", point], stderr=subprocess.DEVNULL)
    # Refused outright (no mounts without a mount namespace) is safe too.
    assert survived, p.stderr

# SPDX-License-Identifier: Apache-2.0
"""mounts, root, /dev, maskedPaths, readonlyPaths, and mount destinations
that try to escape the rootfs."""

import json
import os
import shutil
import subprocess

import pytest

from bundles import LineReader, is_cell, mount_at, op, runtime_name


def opts(m):
    return set(m["options"].split(","))


def supers(m):
    return set(m["super"].split(","))


# ---- the default spec mounts -------------------------------------------------------

def test_default_mounts(cell, bundle):
    b = bundle()
    info = cell.probe(b, "mounts")
    for dest in [m["destination"] for m in b.config["mounts"]]:
        assert mount_at(info, dest) is not None, "%s not mounted" % dest
    assert mount_at(info, "/proc")["fstype"] == "proc"
    assert mount_at(info, "/sys")["fstype"] == "sysfs"
    assert "ro" in opts(mount_at(info, "/sys"))
    assert mount_at(info, "/dev/pts")["fstype"] == "devpts"
    assert mount_at(info, "/dev/mqueue")["fstype"] == "mqueue"
    assert mount_at(info, "/dev/shm")["fstype"] == "tmpfs"
    # Nothing of the host's mount table is visible (pivot_root + detach).
    points = [m["mountpoint"] for m in info["mounts"]]
    assert "/work" not in points and not any(p.startswith("/tmp/cell-it") for p in points)


def test_root_is_the_rootfs(cell, bundle):
    b = bundle()
    marker = os.path.join(b.rootfs, "i-am-the-rootfs")
    open(marker, "w").close()
    info = cell.probe(b, "stat", "/i-am-the-rootfs", "stat", "/work")
    assert op(info, "stat", "/i-am-the-rootfs")["ok"]
    assert op(info, "stat", "/work")["errno"] == "ENOENT"


def test_no_pivot(cell, bundle):
    b = bundle()
    marker = os.path.join(b.rootfs, "i-am-the-rootfs")
    open(marker, "w").close()
    info = cell.probe(b, "stat", "/i-am-the-rootfs", "mounts", opts=["--no-pivot"])
    assert op(info, "stat", "/i-am-the-rootfs")["ok"]
    assert mount_at(info, "/proc")["fstype"] == "proc"


@pytest.mark.parametrize("userns", [False, True])
def test_no_pivot_leaves_no_host_procfs(cell, bundle, userns):
    """With --no-pivot the host's mounts must not stay in the container's
    mount namespace: a host procfs there counts as "fully visible", and a
    user namespace made inside the container (an unprivileged process, no
    capability needed) could mount a fresh procfs without the masks.  In
    a user namespace the host's mounts are locked in place: they must at
    least be covered."""
    b = bundle()
    if userns:
        b.set_namespace("user")
        b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        b.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    os.makedirs(os.path.join(b.rootfs, "tmp", "p"))
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.set_args("/bin/sh", "-c", "unshare -U -r -m -p -f sh -c "
               "'mount -t proc proc /tmp/p && ls /tmp/p/self/' && echo MOUNTED; "
               "cat /proc/self/mountinfo")
    for args in ((), ("--no-pivot",)):
        p = cell.run_bundle(b, *args)
        assert p.returncode == 0, p.stderr
        assert "MOUNTED" not in p.stdout, (args, p.stdout)
        points = [ln.split()[4] for ln in p.stdout.splitlines() if ln[:1].isdigit()]
        assert "/work" not in points and "/boot" not in points, points
        assert not any(cell.root in pt for pt in points), points


def test_no_pivot_in_a_user_namespace_passes_host_mounts_it_cannot_reach(cell, bundle, testdir):
    """A host mount under a directory only the host's root may search (an
    engine's 0700 store holds container rootfs mounts) cannot be reached from
    the container's user namespace, not even to make it rslave: it is left
    alone rather than failing the container."""
    hidden = os.path.join(testdir, "hidden")
    os.makedirs(os.path.join(hidden, "m"))
    os.chmod(hidden, 0o700)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", os.path.join(hidden, "m")], check=True)
    try:
        b = bundle()
        b.set_namespace("user")
        b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        b.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        b.set_args("/bin/sh", "-c", "cat /proc/self/mountinfo")
        p = cell.run_bundle(b, "--no-pivot")
        assert p.returncode == 0, p.stderr
        points = [ln.split()[4] for ln in p.stdout.splitlines() if ln[:1].isdigit()]
        assert os.path.join(hidden, "m") not in points, points
    finally:
        subprocess.run(["umount", "-l", os.path.join(hidden, "m")], check=False)


def proc_sys_symlink_bundle(bundle, name):
    """rootfs/<name> is a symlink to a directory of the image."""
    b = bundle()
    os.rmdir(os.path.join(b.rootfs, name))
    os.makedirs(os.path.join(b.rootfs, "elsewhere"))
    os.symlink("/elsewhere", os.path.join(b.rootfs, name))
    return b


@pytest.mark.parametrize("name", ["proc", "sys"])
def test_proc_or_sys_destination_symlink_refused(cell, bundle, name):
    """An image's /proc or /sys as a symlink is not followed: procfs or
    sysfs on the link's target would leave the masked and read-only paths
    applied to a /proc that is not procfs (CVE-2019-16884 family)."""
    b = proc_sys_symlink_bundle(bundle, name)
    b.set_args("/bin/sh", "-c", "grep -c ' /elsewhere ' /proc/self/mountinfo")
    p = cell.run_bundle(b)
    assert p.returncode != 0, p.stdout
    assert os.listdir(os.path.join(b.rootfs, "elsewhere")) == []
    if is_cell():
        assert 'destination "/%s"' % name in p.stderr and "symlink" in p.stderr, p.stderr
    assert cell.run("list", "-q").stdout == ""


def test_bind_on_proc_must_be_procfs(cell, bundle, testdir):
    """A bind mount onto /proc whose source is not a procfs is refused, as
    runc does: the masked and read-only paths would apply to a fake /proc."""
    src = os.path.join(testdir, "fake-proc")
    os.makedirs(os.path.join(src, "sys"))
    b = bundle()
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/proc"]
    b.add_mount("/proc", "bind", src, ["rbind"])
    p = cell.run_bundle(b)
    assert p.returncode != 0, p.stdout
    if is_cell():
        assert 'destination "/proc"' in p.stderr and "procfs" in p.stderr, p.stderr
    assert os.listdir(src) == ["sys"]
    assert cell.run("list", "-q").stdout == ""


@pytest.mark.parametrize("link,mtype", [("evil", "tmpfs"), ("evil", "bind"), ("proc", "proc")])
def test_destination_resolving_to_root_refused(cell, bundle, testdir, link, mtype):
    """A destination that an image symlink leads to the container's root
    (/evil -> /, /proc -> / with the spec's own proc mount) is refused, not
    mounted over the whole rootfs."""
    b = bundle()
    path = os.path.join(b.rootfs, link)
    if os.path.isdir(path):
        os.rmdir(path)
    os.symlink("/", path)
    src = os.path.join(testdir, "src")
    os.makedirs(src)
    if mtype == "tmpfs":
        b.add_mount("/" + link, "tmpfs", "tmpfs", ["size=1m"])
    elif mtype == "bind":
        b.add_mount("/" + link, "bind", src, ["bind"])
    b.set_args("/probe", "stat", "/probe")
    p = cell.run_bundle(b)
    assert p.returncode != 0, p.stdout
    if is_cell():
        assert 'destination "/%s"' % link in p.stderr, p.stderr
        assert "container's root" in p.stderr or "symlink" in p.stderr, p.stderr
    assert cell.run("list", "-q").stdout == ""


# ---- tmpfs, bind, flags ------------------------------------------------------------

def test_tmpfs_size_mode(cell, bundle):
    b = bundle()
    b.add_mount("/scratch", "tmpfs", "tmpfs", ["size=1m", "mode=0710", "nosuid", "nodev"])
    info = cell.probe(b, "mounts", "stat", "/scratch")
    m = mount_at(info, "/scratch")
    assert m["fstype"] == "tmpfs"
    assert "size=1024k" in supers(m)
    assert "mode=710" in supers(m)
    assert {"nosuid", "nodev"} <= opts(m)
    assert op(info, "stat", "/scratch")["mode"] == 0o710


@pytest.mark.parametrize("mode", [0o3777, 0o4750, 0o1700])
def test_tmpfs_keeps_mount_point_mode(cell, bundle, mode):
    """A tmpfs without mode= takes the mode of the directory it covers,
    setuid, setgid and sticky bits included (runc adds mode=<its mode>);
    a mount point that the runtime creates gets tmpfs' own 1777."""
    b = bundle()
    os.makedirs(os.path.join(b.rootfs, "scratch"))
    os.chmod(os.path.join(b.rootfs, "scratch"), mode)
    b.add_mount("/scratch", "tmpfs", "tmpfs", ["size=1m", "nosuid"])
    b.add_mount("/created", "tmpfs", "tmpfs", ["size=1m"])
    info = cell.probe(b, "mounts", "stat", "/scratch", "stat", "/created")
    assert mount_at(info, "/scratch")["fstype"] == "tmpfs"
    assert op(info, "stat", "/scratch")["mode"] == mode
    assert op(info, "stat", "/created")["mode"] == 0o1777


def test_bind_mount_on_root(cell, bundle, testdir):
    """A bind mount whose destination is "/" covers the rootfs with its
    source, as in runc; the mounts after it land in the new root."""
    b = bundle()
    newroot = os.path.join(testdir, "newroot")
    shutil.copytree(b.rootfs, newroot, symlinks=True)
    open(os.path.join(newroot, "i-am-the-new-root"), "w").close()
    b.config["mounts"].insert(0, {"destination": "/", "type": "bind", "source": newroot,
                                  "options": ["rbind"]})
    b.add_mount("/scratch", "tmpfs", "tmpfs", ["size=1m"])
    info = cell.probe(b, "stat", "/i-am-the-new-root", "mounts")
    assert op(info, "stat", "/i-am-the-new-root")["ok"]
    assert mount_at(info, "/scratch")["fstype"] == "tmpfs"
    assert os.path.isdir(os.path.join(newroot, "scratch"))
    assert not os.path.exists(os.path.join(b.rootfs, "scratch"))
    assert cell.run("list", "-q").stdout == ""


def test_mount_destination_created_nested(cell, bundle):
    b = bundle()
    b.add_mount("/a/b/c", "tmpfs", "tmpfs", [])
    info = cell.probe(b, "mounts")
    assert mount_at(info, "/a/b/c")["fstype"] == "tmpfs"


def test_bind_ro(cell, bundle, testdir):
    src = os.path.join(testdir, "data")
    os.makedirs(src)
    with open(os.path.join(src, "file"), "w") as f:
        f.write("hello")
    b = bundle()
    b.add_mount("/data", "bind", src, ["bind", "ro"])
    info = cell.probe(b, "read", "/data/file", "write", "/data/new", "mounts")
    assert op(info, "read", "/data/file")["data"] == "hello"
    assert op(info, "write", "/data/new")["errno"] == "EROFS"
    assert "ro" in opts(mount_at(info, "/data"))
    assert not os.path.exists(os.path.join(src, "new"))


def test_bind_rw_writes_through(cell, bundle, testdir):
    src = os.path.join(testdir, "data")
    os.makedirs(src)
    b = bundle()
    b.add_mount("/data", None, src, ["rbind", "rw"])
    info = cell.probe(b, "write", "/data/new")
    assert op(info, "write", "/data/new")["ok"]
    with open(os.path.join(src, "new")) as f:
        assert f.read() == "probe\n"


def test_bind_file(cell, bundle, testdir):
    src = os.path.join(testdir, "resolv.conf")
    with open(src, "w") as f:
        f.write("nameserver 192.0.2.1\n")
    b = bundle()
    b.add_mount("/etc/resolv.conf", "bind", src, ["bind", "ro"])
    info = cell.probe(b, "read", "/etc/resolv.conf", "stat", "/etc/resolv.conf")
    assert op(info, "read", "/etc/resolv.conf")["data"] == "nameserver 192.0.2.1\n"
    assert op(info, "stat", "/etc/resolv.conf")["type"] == "f"


@pytest.mark.parametrize("flag", ["nosuid", "nodev", "noexec", "noatime", "nodiratime",
                                  "relatime", "strictatime"])
def test_mount_flags(cell, bundle, flag):
    b = bundle()
    b.add_mount("/flagged", "tmpfs", "tmpfs", [flag])
    info = cell.probe(b, "mounts")
    m = mount_at(info, "/flagged")
    if flag == "strictatime":
        assert not ({"relatime", "noatime"} & opts(m))
    else:
        assert flag in opts(m)


def test_bind_flags_applied(cell, bundle, testdir):
    """Bind mounts take nosuid/nodev/noexec/ro through a remount."""
    src = os.path.join(testdir, "data")
    os.makedirs(src)
    b = bundle()
    b.add_mount("/data", "bind", src, ["bind", "nosuid", "nodev", "noexec", "ro"])
    info = cell.probe(b, "mounts")
    assert {"nosuid", "nodev", "noexec", "ro"} <= opts(mount_at(info, "/data"))


def test_noexec_effect(cell, bundle):
    b = bundle("/bin/sh", "-c",
               "cp /probe /scratch/p && /scratch/p exit 0; echo rc=$?")
    b.add_mount("/scratch", "tmpfs", "tmpfs", ["noexec"])
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    assert "rc=126" in p.stdout


def test_rbind_includes_submounts(cell, bundle, testdir):
    src = os.path.join(testdir, "tree")
    sub = os.path.join(src, "sub")
    os.makedirs(sub)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", sub], check=True)
    try:
        with open(os.path.join(sub, "in-sub"), "w") as f:
            f.write("x")
        b = bundle()
        b.add_mount("/r", "bind", src, ["rbind"])
        b.add_mount("/nr", "bind", src, ["bind"])
        info = cell.probe(b, "stat", "/r/sub/in-sub", "stat", "/nr/sub/in-sub", "mounts")
    finally:
        subprocess.run(["umount", sub], check=True)
    assert op(info, "stat", "/r/sub/in-sub")["ok"]
    assert op(info, "stat", "/nr/sub/in-sub")["errno"] == "ENOENT"
    assert mount_at(info, "/r/sub")["fstype"] == "tmpfs"


def shared_host_dir(testdir):
    """A host directory that is its own shared mount (host '/' is private)."""
    src = os.path.join(testdir, "shared")
    os.makedirs(src)
    subprocess.run(["mount", "--bind", src, src], check=True)
    subprocess.run(["mount", "--make-shared", src], check=True)
    return src


@pytest.mark.parametrize("propagation,visible", [("rslave", True), ("rshared", True),
                                                 ("rprivate", False), ("slave", True),
                                                 ("private", False)])
def test_bind_propagation(cell, bundle, testdir, propagation, visible):
    """A mount made on the host after the container started reaches it
    through a slave/shared bind and not through a private one."""
    src = shared_host_dir(testdir)
    late = os.path.join(src, "late")
    os.makedirs(late)
    proc = None
    try:
        b = bundle("/bin/sh", "-c", "echo ready; read x; /probe stat /data/late/flag mounts")
        b.add_mount("/data", "bind", src, ["rbind", propagation])
        b.save()
        proc = cell.popen("run", "--bundle", b.path, cell.new_id(), stdin=subprocess.PIPE)
        out = LineReader(proc.stdout)
        assert out.readline() == "ready\n"
        subprocess.run(["mount", "-t", "tmpfs", "tmpfs", late], check=True)
        open(os.path.join(late, "flag"), "w").close()
        proc.stdin.write(b"go\n")
        proc.stdin.close()
        info = json.loads(out.readline())
        assert proc.wait(timeout=10) == 0
        assert op(info, "stat", "/data/late/flag")["ok"] == visible
        m = mount_at(info, "/data")
        optional = " ".join(m["optional"])
        if propagation in ("rslave", "slave"):
            assert "master:" in optional and "shared:" not in optional
        elif propagation == "rshared":
            assert "shared:" in optional
        else:
            assert optional == ""
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc:
            proc.stdout.close()
            proc.stderr.close()
        subprocess.run(["umount", "-R", src])


@pytest.mark.parametrize("prop", ["private", "slave", "shared", "unbindable"])
def test_rootfs_propagation(cell, bundle, prop):
    """The container's "/" gets rootfsPropagation.  (The rootfs lives on the
    host's private "/", so a slave root has no master to show.)"""
    if runtime_name() == "runc" and prop in ("shared", "unbindable"):
        pytest.skip("runc 1.1 ignores 'shared' and fails 'unbindable' (crun 1.8 does both)")
    b = bundle()
    b.linux["rootfsPropagation"] = prop
    info = cell.probe(b, "mounts")
    root = mount_at(info, "/")
    optional = " ".join(root["optional"])
    if prop == "shared":
        assert "shared:" in optional, root
    elif prop == "unbindable":
        assert "unbindable" in optional, root
    elif prop == "private":
        assert optional == "", root
    else:
        assert "shared:" not in optional, root


# ---- bind sources and idmapped mounts with user namespaces ------------------------

def userns_bundle(bundle):
    b = bundle()
    b.set_namespace("user")
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    return b


@pytest.mark.parametrize("lock", ["mode000", "owner"])
def test_bind_source_only_host_root_reaches(cell, bundle, testdir, lock):
    """A bind-mount source below a directory that only host root may enter
    (mode 000, or another owner's 0700 while the container maps its root
    elsewhere) is opened with the runtime's privileges, not from inside the
    container's user namespace, as runc does."""
    b = userns_bundle(bundle)
    locked = os.path.join(testdir, "locked")
    src = os.path.join(locked, "src")
    os.makedirs(src)
    with open(os.path.join(src, "f"), "w") as f:
        f.write("hello\n")
    if lock == "mode000":
        os.chmod(locked, 0)
    else:
        os.chown(locked, 5000, 5000)
        os.chmod(locked, 0o700)
    os.makedirs(os.path.join(b.rootfs, "mnt", "x"))
    b.add_mount("/mnt/x", "bind", src, ["bind", "ro"])
    info = cell.probe(b, "read", "/mnt/x/f", "mounts")
    assert op(info, "read", "/mnt/x/f")["data"] == "hello\n"
    assert "ro" in opts(mount_at(info, "/mnt/x"))


def test_bind_source_keeps_host_locks_in_userns(cell, bundle, testdir):
    """The runtime opening bind sources for the init must not hand it
    unlocked trees: a host mount that is read-only stays so in a user
    namespace, whatever the container's root (CAP_SYS_ADMIN there) tries."""
    b = userns_bundle(bundle)
    src = os.path.join(testdir, "ro")
    os.makedirs(src)
    subprocess.check_call(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", src])
    try:
        os.makedirs(os.path.join(b.rootfs, "mnt", "x"))
        b.add_mount("/mnt/x", "bind", src, ["rbind"])
        caps = ["CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE"]
        b.process["capabilities"] = {k: caps for k in ("bounding", "effective", "permitted")}
        b.set_args("/bin/sh", "-c", "mount -o remount,rw,bind /mnt/x && echo REMOUNTED; "
                   "touch /mnt/x/f && echo WRITTEN; true")
        p = cell.run_bundle(b)
        assert p.returncode == 0, p.stderr
        assert "REMOUNTED" not in p.stdout and "WRITTEN" not in p.stdout, p.stdout
    finally:
        subprocess.call(["umount", "-l", src])


def idmap_unsupported():
    if runtime_name() == "runc":
        pytest.skip("runc 1.1 has no idmapped mounts (it ignores the option)")


def test_idmapped_bind_mount_without_userns(cell, bundle, testdir):
    """mounts[].uidMappings/gidMappings (runtime-spec 1.2) without a user
    namespace: files of the source show the mapped owner."""
    idmap_unsupported()
    b = bundle()
    src = os.path.join(testdir, "src")
    os.makedirs(src)
    open(os.path.join(src, "f"), "w").close()
    m = b.add_mount("/mnt", "bind", src, ["rbind"])
    m["uidMappings"] = [{"containerID": 0, "hostID": 1234, "size": 1}]
    m["gidMappings"] = [{"containerID": 0, "hostID": 4321, "size": 1}]
    info = cell.probe(b, "stat", "/mnt/f", "mounts")
    st = op(info, "stat", "/mnt/f")
    assert (st["uid"], st["gid"]) == (1234, 4321)
    assert "idmapped" in opts(mount_at(info, "/mnt"))
    assert os.stat(os.path.join(src, "f")).st_uid == 0


def test_idmapped_bind_mount_in_userns(cell, bundle, testdir):
    """"idmap" without mappings of its own takes the container's: host
    root's files are the container root's, and what the container's root
    creates belongs to host root."""
    idmap_unsupported()
    b = userns_bundle(bundle)
    src = os.path.join(testdir, "src")
    os.makedirs(src)
    open(os.path.join(src, "f"), "w").close()
    os.makedirs(os.path.join(b.rootfs, "mnt"))
    b.add_mount("/mnt", "bind", src, ["bind", "idmap"])
    info = cell.probe(b, "stat", "/mnt/f", "write", "/mnt/new")
    assert op(info, "stat", "/mnt/f")["uid"] == 0
    assert op(info, "write", "/mnt/new")["ok"]
    assert os.stat(os.path.join(src, "new")).st_uid == 0


@pytest.mark.parametrize("bad", ["size0", "overflow", "uid-only", "not-bind"])
def test_idmapped_mount_invalid(cell, bundle, testdir, bad):
    idmap_unsupported()
    b = bundle()
    src = os.path.join(testdir, "src")
    os.makedirs(src)
    uid = [{"containerID": 0, "hostID": 1000, "size": 0 if bad == "size0" else 1}]
    if bad == "overflow":
        uid = [{"containerID": 0, "hostID": 4294967000, "size": 1000}]
    if bad == "not-bind":
        m = b.add_mount("/mnt", "tmpfs", "tmpfs", ["idmap"])
    else:
        m = b.add_mount("/mnt", "bind", src, ["bind"])
    m["uidMappings"] = uid
    if bad != "uid-only":
        m["gidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    index = len(b.config["mounts"]) - 1
    p = cell.run_bundle(b)
    assert p.returncode != 0, p.stdout
    if is_cell():
        want = {"size0": "mounts[%d].uidMappings[0].size",
                "overflow": "mounts[%d].uidMappings[0]",
                "uid-only": "mounts[%d].gidMappings",
                "not-bind": "mounts[%d]"}[bad] % index
        assert want in p.stderr, p.stderr
        if bad == "not-bind":
            assert "bind mount" in p.stderr, p.stderr
    assert cell.run("list", "-q").stdout == ""


def test_features_report_idmapped_mounts(cell):
    idmap_unsupported()
    features = json.loads(cell.run("features", check=True).stdout)
    assert features["linux"]["mountExtensions"]["idmap"]["enabled"] is True
    assert {"idmap", "ridmap"} <= set(features["mountOptions"])


# ---- destinations that try to leave the rootfs --------------------------------------

def test_symlink_destination_stays_in_rootfs(cell, bundle, testdir):
    """rootfs/evil -> <absolute host dir>: a mount onto /evil lands inside the
    rootfs, the host directory is untouched."""
    host_dir = os.path.join(testdir, "host-target")
    os.makedirs(host_dir)
    b = bundle()
    os.symlink(host_dir, os.path.join(b.rootfs, "evil"))
    b.add_mount("/evil", "tmpfs", "tmpfs", ["size=1m"])
    b.add_mount("/evil/deeper", "tmpfs", "tmpfs", ["size=1m"])
    info = cell.probe(b, "write", "/evil/file", "mounts")
    assert op(info, "write", "/evil/file")["ok"]
    assert os.listdir(host_dir) == []
    points = [m["mountpoint"] for m in info["mounts"]]
    assert host_dir in points  # the link resolved inside the container's root
    with open("/proc/self/mountinfo") as f:
        assert host_dir not in f.read()


def test_relative_symlink_destination_stays_in_rootfs(cell, bundle, testdir):
    host_dir = os.path.join(testdir, "victim")
    os.makedirs(host_dir)
    b = bundle()
    # From rootfs/x, enough ../ to reach the host's / and then the victim.
    os.symlink("../" * 30 + host_dir.lstrip("/"), os.path.join(b.rootfs, "x"))
    b.add_mount("/x", "tmpfs", "tmpfs", ["size=1m"])
    info = cell.probe(b, "write", "/x/file")
    assert op(info, "write", "/x/file")["ok"]
    assert os.listdir(host_dir) == []
    with open("/proc/self/mountinfo") as f:
        assert host_dir not in f.read()


def test_dotdot_destination_stays_in_rootfs(cell, bundle, testdir):
    b = bundle()
    b.add_mount("/../../../../../../tmp/dotdot-" + os.path.basename(testdir), "tmpfs", "tmpfs",
                ["size=1m"])
    p = cell.run_bundle(b)
    # Either refused or clamped inside the rootfs; never on the host.
    assert not os.path.exists("/tmp/dotdot-" + os.path.basename(testdir))
    if p.returncode == 0:
        assert os.path.isdir(os.path.join(b.rootfs, "tmp", "dotdot-" +
                                          os.path.basename(testdir)))


def test_symlink_bind_source_file_in_rootfs_not_followed_to_host(cell, bundle, testdir):
    """A file-bind destination that is a symlink to a host file must not
    overwrite the host file's view (the bind lands inside the rootfs)."""
    host_file = os.path.join(testdir, "host-file")
    with open(host_file, "w") as f:
        f.write("host\n")
    src = os.path.join(testdir, "src-file")
    with open(src, "w") as f:
        f.write("container\n")
    b = bundle()
    os.symlink(host_file, os.path.join(b.rootfs, "etc", "hosts"))
    b.add_mount("/etc/hosts", "bind", src, ["bind"])
    info = cell.probe(b, "read", "/etc/hosts")
    assert op(info, "read", "/etc/hosts")["data"] == "container\n"
    with open(host_file) as f:
        assert f.read() == "host\n"
    with open("/proc/self/mountinfo") as f:
        assert host_file not in f.read()


@pytest.mark.parametrize("target", ["/run/resolv.conf", "../run/resolv.conf"])
def test_file_bind_on_dangling_symlink_follows_it(cell, bundle, testdir, target):
    """A file bind mount whose destination is a dangling image symlink
    (/etc/resolv.conf -> /run/resolv.conf, a common layout) lands on the
    link's target, created inside the rootfs, as runc's securejoin does;
    the link itself is not mounted over."""
    src = os.path.join(testdir, "resolv")
    with open(src, "w") as f:
        f.write("nameserver 127.0.0.1\n")
    b = bundle()
    link = os.path.join(b.rootfs, "etc", "resolv.conf")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(target, link)
    b.add_mount("/etc/resolv.conf", "bind", src, ["bind", "ro"])
    b.set_args("/bin/sh", "-c", "readlink /etc/resolv.conf && cat /run/resolv.conf")
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    assert p.stdout == target + "\nnameserver 127.0.0.1\n"
    assert os.path.islink(link)
    assert os.path.isfile(os.path.join(b.rootfs, "run", "resolv.conf"))


# ---- no mount namespace: the host's mount table --------------------------------

def host_mount_points_below(path):
    with open("/proc/self/mountinfo") as f:
        points = [ln.split()[4] for ln in f]
    return [p for p in points if p == path or p.startswith(path + "/")]


def no_mountns_bundle(bundle, testdir):
    """No "mount" namespace (the container shares the runtime's): /proc, a
    tmpfs and a bind mount, which land in the host's mount table."""
    b = bundle()
    b.remove_namespace("mount")
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] == "/proc"]
    b.linux.pop("maskedPaths", None)
    b.linux.pop("readonlyPaths", None)
    src = os.path.join(testdir, "src")
    os.makedirs(src)
    with open(os.path.join(src, "f"), "w") as f:
        f.write("hello\n")
    b.add_mount("/scratch", "tmpfs", "tmpfs", ["size=1m"])
    b.add_mount("/mnt/src", "bind", src, ["rbind"])
    return b


def skip_on_runc_leaving_mounts():
    if runtime_name() == "runc":
        pytest.skip("runc leaves the mounts of a container without a mount namespace in the "
                    "host's mount table")


def test_mounts_without_mount_namespace(cell, bundle, testdir):
    """The runtime-spec lets a container inherit the runtime's mount
    namespace; its mounts are made there (as runc does) and removed when
    the container goes (unlike runc)."""
    skip_on_runc_leaving_mounts()
    b = no_mountns_bundle(bundle, testdir)
    b.set_args("/bin/sh", "-c", "cat /mnt/src/f && grep -c ' /scratch .* tmpfs ' "
               "/proc/self/mountinfo && ls /proc/self/ns/mnt")
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("hello\n"), p.stdout
    assert host_mount_points_below(os.path.realpath(b.rootfs)) == []


def test_mounts_without_mount_namespace_removed_after_sigkill(cell, bundle, testdir):
    """The mounts are recorded before they are made: a container whose init
    was SIGKILLed still has them removed by delete."""
    skip_on_runc_leaving_mounts()
    b = no_mountns_bundle(bundle, testdir)
    b.set_args("/bin/sleep", "100")
    cid = cell.new_id()
    cell.create(b, cid)
    rootfs = os.path.realpath(b.rootfs)
    points = host_mount_points_below(rootfs)
    assert {rootfs + "/proc", rootfs + "/scratch", rootfs + "/mnt/src"} <= set(points), points
    os.kill(cell.state(cid)["pid"], 9)
    cell.wait_status(cid, "stopped")
    cell.delete(cid)
    assert host_mount_points_below(rootfs) == []


def test_mounts_without_mount_namespace_moved_by_the_container(cell, bundle, testdir):
    """The container may rename the directory above one of its mounts (it
    shares the host's mount table, where the mount moves along) and put a
    directory in its place: delete must still remove that mount from the
    host's table, not look for it at the journal's path only."""
    skip_on_runc_leaving_mounts()
    b = no_mountns_bundle(bundle, testdir)
    b.set_args("/bin/sh", "-c", "mv /mnt /moved && mkdir -p /mnt/src && "
               "cat /moved/src/f")
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "hello\n"
    rootfs = os.path.realpath(b.rootfs)
    left = host_mount_points_below(rootfs)
    for point in sorted(left, reverse=True):
        subprocess.run(["umount", "-l", point])
    assert left == []


def test_mounts_without_mount_namespace_delete_spares_other_mounts(cell, bundle, testdir):
    """A symlink the container puts where one of its mount points was must
    not steer delete onto a mount the host had below the rootfs before the
    container was created."""
    skip_on_runc_leaving_mounts()
    b = no_mountns_bundle(bundle, testdir)
    rootfs = os.path.realpath(b.rootfs)
    hosts = os.path.join(rootfs, "src")
    os.makedirs(hosts)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "hosts-own", hosts], check=True)
    try:
        b.set_args("/bin/sh", "-c", "mv /mnt /moved && ln -s / /mnt && cat /moved/src/f")
        p = cell.run_bundle(b)
        assert p.returncode == 0, p.stderr
        assert p.stdout == "hello\n"
        left = host_mount_points_below(rootfs)
    finally:
        for point in sorted(host_mount_points_below(rootfs), reverse=True):
            if point != hosts:
                subprocess.run(["umount", "-l", point])
        subprocess.run(["umount", "-l", hosts])
    assert left == [hosts]


@pytest.mark.parametrize("mounts", ["none", "some"])
def test_exec_without_mount_namespace_stays_in_the_rootfs(cell, bundle, testdir, mounts):
    """Joining the namespaces of a container that shares the host's mount
    namespace changes no root: exec must enter the init's root (the
    rootfs), never run the process on the host's file system, in the
    created state and once started."""
    b = no_mountns_bundle(bundle, testdir)
    if mounts == "none":
        b.config["mounts"] = []
    b.set_args("/bin/sleep", "100")
    with open(os.path.join(b.rootfs, "marker"), "w") as f:
        f.write("inside\n")
    host_only = os.path.join(testdir, "host-only")
    with open(host_only, "w") as f:
        f.write("host\n")
    cid = cell.new_id()
    cell.create(b, cid)
    try:
        script = "cat /marker; cat %s; pwd" % host_only
        created = cell.run("exec", cid, "/bin/sh", "-c", script)
        cell.run("start", cid, check=True)
        running = cell.run("exec", "--cwd", "/etc", cid, "/bin/sh", "-c", script)
    finally:
        cell.kill(cid, "KILL")
        cell.wait_status(cid, "stopped")
        cell.delete(cid)
    assert created.stdout == "inside\n/\n", created.stdout + created.stderr
    assert running.stdout == "inside\n/etc\n", running.stdout + running.stderr


# ---- /dev --------------------------------------------------------------------------

DEFAULT_DEVICES = {"/dev/null": (1, 3), "/dev/zero": (1, 5), "/dev/full": (1, 7),
                   "/dev/random": (1, 8), "/dev/urandom": (1, 9), "/dev/tty": (5, 0)}


def test_default_devices(cell, bundle):
    b = bundle()
    info = cell.probe(b, "dev", "write", "/dev/null", "read", "/dev/zero")
    dev = info["dev"]
    for path, (major, minor) in DEFAULT_DEVICES.items():
        assert path in dev, "%s missing" % path
        assert dev[path]["type"] == "c", path
        assert (dev[path]["major"], dev[path]["minor"]) == (major, minor), path
        assert dev[path]["mode"] == 0o666, path
    assert op(info, "write", "/dev/null")["ok"]
    assert op(info, "read", "/dev/zero")["ok"]


def test_dev_links_and_dirs(cell, bundle):
    b = bundle()
    info = cell.probe(b, "dev")
    dev = info["dev"]
    assert dev["/dev/fd"]["type"] == "l" and dev["/dev/fd"]["target"] == "/proc/self/fd"
    for i, name in enumerate(["stdin", "stdout", "stderr"]):
        assert dev["/dev/" + name]["type"] == "l"
        assert dev["/dev/" + name]["target"] == "/proc/self/fd/%d" % i
    ptmx = dev["/dev/ptmx"]
    assert (ptmx["type"] == "l" and ptmx["target"] == "pts/ptmx") or \
        (ptmx["type"] == "c" and (ptmx["major"], ptmx["minor"]) == (5, 2))
    assert dev["/dev/pts"]["type"] == "d"
    assert dev["/dev/pts/ptmx"]["type"] == "c"
    assert dev["/dev/shm"]["type"] == "d"
    # Nothing of the host's /dev leaks in.
    assert "/dev/vda" not in dev and "/dev/kmsg" not in dev and "/dev/mem" not in dev


def test_dev_shm_writable(cell, bundle):
    b = bundle()
    b.config["root"]["readonly"] = True
    info = cell.probe(b, "write", "/dev/shm/x")
    assert op(info, "write", "/dev/shm/x")["ok"]


def test_linux_devices(cell, bundle):
    b = bundle()
    b.linux["devices"] = [
        {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 0o620,
         "uid": 0, "gid": 5},
        {"path": "/dev/myloop", "type": "b", "major": 7, "minor": 0, "fileMode": 0o660},
        {"path": "/dev/sub/dir/null2", "type": "c", "major": 1, "minor": 3},
    ]
    info = cell.probe(b, "dev", "stat", "/dev/sub/dir/null2")
    fuse = info["dev"]["/dev/fuse"]
    assert fuse["type"] == "c" and (fuse["major"], fuse["minor"]) == (10, 229)
    assert fuse["mode"] == 0o620 and fuse["gid"] == 5
    loop = info["dev"]["/dev/myloop"]
    assert loop["type"] == "b" and (loop["major"], loop["minor"]) == (7, 0)
    assert loop["mode"] == 0o660
    null2 = op(info, "stat", "/dev/sub/dir/null2")
    assert null2["type"] == "c" and (null2["major"], null2["minor"]) == (1, 3)


def test_linux_devices_fifo(cell, bundle):
    b = bundle()
    b.linux["devices"] = [{"path": "/dev/myfifo", "type": "p", "fileMode": 0o600}]
    info = cell.probe(b, "dev")
    assert info["dev"]["/dev/myfifo"]["type"] == "p"


def test_dev_not_mounted_by_spec(cell, bundle):
    """Without a /dev mount in the spec, the default devices still appear."""
    b = bundle()
    b.config["mounts"] = [m for m in b.config["mounts"] if not m["destination"].startswith("/dev")]
    info = cell.probe(b, "dev")
    for path in DEFAULT_DEVICES:
        assert path in info["dev"], path


# ---- maskedPaths, readonlyPaths, root.readonly ---------------------------------------

def test_masked_paths(cell, bundle):
    b = bundle()
    with open(os.path.join(b.rootfs, "etc", "secret"), "w") as f:
        f.write("s3cret")
    os.makedirs(os.path.join(b.rootfs, "secretdir"))
    open(os.path.join(b.rootfs, "secretdir", "inner"), "w").close()
    proc_files = [p for p in ("/proc/kcore", "/proc/keys", "/proc/timer_list")
                  if os.path.exists(p)]
    b.linux["maskedPaths"] = proc_files + ["/etc/secret", "/secretdir", "/does/not/exist"]
    words = []
    for p in proc_files:
        words += ["read", p]
    info = cell.probe(b, "read", "/etc/secret", "ls", "/secretdir", "write", "/secretdir/x",
                      *words)
    for p in proc_files:
        assert op(info, "read", p)["data"] == "", p
    assert op(info, "read", "/etc/secret")["data"] == ""
    assert op(info, "ls", "/secretdir")["entries"] == []
    assert op(info, "write", "/secretdir/x")["errno"] == "EROFS"


def test_readonly_paths(cell, bundle):
    b = bundle()
    os.makedirs(os.path.join(b.rootfs, "data"))
    b.linux["readonlyPaths"] = ["/proc/sys", "/data", "/does/not/exist"]
    info = cell.probe(b, "write", "/proc/sys/kernel/hostname", "write", "/data/x",
                      "write", "/tmp/x", "read", "/proc/sys/kernel/ostype")
    assert op(info, "write", "/proc/sys/kernel/hostname")["errno"] == "EROFS"
    assert op(info, "write", "/data/x")["errno"] == "EROFS"
    assert op(info, "write", "/tmp/x")["ok"]
    assert op(info, "read", "/proc/sys/kernel/ostype")["data"] == "Linux\n"


def test_root_readonly(cell, bundle):
    b = bundle()
    b.config["root"]["readonly"] = True
    info = cell.probe(b, "write", "/newfile", "write", "/tmp/newfile", "write", "/dev/null",
                      "mounts")
    assert op(info, "write", "/newfile")["errno"] == "EROFS"
    assert op(info, "write", "/tmp/newfile")["errno"] == "EROFS"
    assert op(info, "write", "/dev/null")["ok"]
    assert "ro" in opts(mount_at(info, "/"))
    assert not os.path.exists(os.path.join(b.rootfs, "newfile"))


def test_root_readwrite(cell, bundle):
    b = bundle()
    b.config["root"]["readonly"] = False
    info = cell.probe(b, "write", "/newfile")
    assert op(info, "write", "/newfile")["ok"]
    assert os.path.exists(os.path.join(b.rootfs, "newfile"))


def test_root_path_absolute(cell, bundle, testdir):
    b = bundle()
    b.config["root"]["path"] = b.rootfs
    info = cell.probe(b, "cwd")
    assert info["cwd"] == "/"


def test_cgroup_mount_readonly(cell, bundle):
    """The spec's /sys/fs/cgroup mount ("ro"): on a v1 host the hierarchies
    appear under it and cannot be written."""
    b = bundle()
    info = cell.probe(b, "mounts", "ls", "/sys/fs/cgroup", "write",
                      "/sys/fs/cgroup/pids/pids.max", "write", "/sys/fs/cgroup/newfile")
    assert mount_at(info, "/sys/fs/cgroup") is not None
    entries = op(info, "ls", "/sys/fs/cgroup")["entries"]
    if os.path.isdir("/sys/fs/cgroup/pids"):
        assert "pids" in entries
        assert op(info, "write", "/sys/fs/cgroup/pids/pids.max")["errno"] == "EROFS"
    assert not op(info, "write", "/sys/fs/cgroup/newfile")["ok"]


def host_cgroup_dirs():
    """Basenames of the host's cgroup mounts below /sys/fs/cgroup ("cpu",
    "systemd", "unified"), or [] on a cgroup2-only host."""
    names = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            fstype = fields[fields.index("-") + 1]
            point = fields[4]
            if fstype in ("cgroup", "cgroup2") and point.startswith("/sys/fs/cgroup/"):
                names.append(os.path.basename(point))
    return names


@pytest.mark.parametrize("manager", ["default", "disabled"])
@pytest.mark.parametrize("cgroupns", [True, False])
def test_cgroup_mount_shows_own_cgroup(cell, bundle, manager, cgroupns):
    """Every hierarchy under the container's /sys/fs/cgroup is the cgroup its
    init is in: its cgroup.procs lists pid 1.  With cgroups the runtime
    passes the directories it planned to the init; disabled, the init reads
    /proc/self/mountinfo and /proc/self/cgroup itself; with a cgroup namespace
    each hierarchy is a fresh mount, without one a bind of the directory."""
    names = host_cgroup_dirs()
    if not names:
        pytest.skip("host has no v1 or hybrid cgroup layout (cgroup2 on /sys/fs/cgroup)")
    b = bundle()
    if not cgroupns:
        b.remove_namespace("cgroup")
    words = ["ls", "/sys/fs/cgroup"]
    for name in names:
        words += ["read", "/sys/fs/cgroup/%s/cgroup.procs" % name]
    global_args = ("--cgroup-manager=disabled",) if manager == "disabled" else ()
    info = cell.probe(b, *words, global_args=global_args)
    entries = op(info, "ls", "/sys/fs/cgroup")["entries"]
    for name in names:
        assert name in entries, (name, entries)
        procs = op(info, "read", "/sys/fs/cgroup/%s/cgroup.procs" % name)
        assert procs["ok"], procs
        assert "1" in procs["data"].split(), (name, procs["data"])

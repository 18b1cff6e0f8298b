# SPDX-License-Identifier: Apache-2.0
"""linux.namespaces (new and joined by path), user namespace mappings,
hostname/domainname, time offsets, sysctl."""

import json
import os
import subprocess
import time
import uuid

import pytest

from bundles import Sleeper, host_ns, is_cell, op, runtime_name

# spec type -> /proc/<pid>/ns name
NS_FILE = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt",
           "cgroup": "cgroup", "user": "user", "time": "time"}

MAPPING = [{"containerID": 0, "hostID": 100000, "size": 65536}]


def add_userns(b, uid_maps=MAPPING, gid_maps=MAPPING):
    b.set_namespace("user")
    b.linux["uidMappings"] = uid_maps
    b.linux["gidMappings"] = gid_maps


def test_default_namespaces_are_new(cell, bundle):
    b = bundle()
    info = cell.probe(b, "ns")
    for t in b.namespaces():
        name = NS_FILE[t]
        assert info["ns"][name] != host_ns(name), "%s namespace not new" % t
    for t in set(NS_FILE) - set(b.namespaces()):
        name = NS_FILE[t]
        if info["ns"][name] is not None:
            assert info["ns"][name] == host_ns(name), "%s namespace unexpectedly new" % t


@pytest.mark.parametrize("ns_type", ["pid", "network", "ipc", "uts", "mount", "cgroup", "user",
                                     "time"])
def test_new_namespace(cell, bundle, ns_type):
    if ns_type == "time" and runtime_name() == "runc":
        pytest.skip("runc 1.1 has no time namespace")
    if ns_type == "time" and not os.path.exists("/proc/self/ns/time"):
        pytest.skip("kernel without time namespaces")
    b = bundle()
    if ns_type == "user":
        add_userns(b)
    else:
        b.set_namespace(ns_type)
    info = cell.probe(b, "ns", "pid")
    name = NS_FILE[ns_type]
    assert info["ns"][name] != host_ns(name)
    if ns_type == "pid":
        assert info["pid"] == 1


@pytest.mark.parametrize("ns_type", ["pid", "network", "ipc", "uts"])
def test_shared_namespace(cell, bundle, ns_type):
    """A namespace type not listed is the runtime's own."""
    b = bundle()
    b.remove_namespace(ns_type)
    if ns_type == "uts":
        b.config.pop("hostname", None)
        b.config.pop("domainname", None)
    info = cell.probe(b, "ns", "pid")
    name = NS_FILE[ns_type]
    assert info["ns"][name] == host_ns(name)
    if ns_type == "pid":
        assert info["pid"] != 1


@pytest.mark.parametrize("ns_type,flags", [("network", ["--net"]), ("ipc", ["--ipc"]),
                                           ("uts", ["--uts"])])
def test_join_namespace_by_path(cell, bundle, ns_type, flags):
    name = NS_FILE[ns_type]
    helper = Sleeper(["unshare"] + flags + ["sleep", "100"])
    try:
        helper.wait_ns(name, host_ns(name))
        target = "/proc/%d/ns/%s" % (helper.pid, name)
        expected = os.readlink(target)
        b = bundle()
        b.set_namespace(ns_type, target)
        if ns_type == "uts":
            b.config.pop("hostname", None)
        info = cell.probe(b, "ns")
        assert info["ns"][name] == expected
    finally:
        helper.close()


def test_join_pid_namespace(cell, bundle):
    helper = Sleeper(["unshare", "--pid", "--fork", "--kill-child", "sleep", "100"])
    try:
        child = helper.child_pid()
        target = "/proc/%d/ns/pid" % child
        expected = os.readlink(target)
        b = bundle()
        b.set_namespace("pid", target)
        info = cell.probe(b, "ns", "pid")
        assert info["ns"]["pid"] == expected
        assert info["pid"] != 1  # the helper's sleep is PID 1 there
    finally:
        helper.close()


def ns_pids(ns):
    """The pids, as the pid namespace `ns` numbers them, of its processes."""
    out = set()
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink("/proc/%s/ns/pid" % p) != ns:
                continue
            with open("/proc/%s/status" % p) as f:
                for ln in f:
                    if ln.startswith("NSpid:"):
                        out.add(int(ln.split()[-1]))
        except OSError:
            pass
    return out


class HostSecret:
    """A host process, uid 1000 like the container's process and dumpable,
    with a secret in its environment: readable by any process of that uid
    that can see it in its /proc."""

    def __init__(self):
        self.secret = "host-secret-" + uuid.uuid4().hex
        env = dict(os.environ, CELL_HOST_SECRET=self.secret)
        self.proc = subprocess.Popen(["setpriv", "--reuid=1000", "--regid=1000",
                                      "--clear-groups", "sleep", "100"], env=env,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not self._exec_done():
            time.sleep(0.01)

    def _exec_done(self):
        with open("/proc/%d/cmdline" % self.pid, "rb") as f:
            return f.read().startswith(b"sleep")

    def close(self):
        self.proc.kill()
        self.proc.wait()


def joined_pidns_view(cell, bundle, proc_options=None):
    """Container B, uid 1000, joins the pid namespace of a running
    container A by path; returns (B's probe output, A's pid namespace,
    the host process with a secret)."""
    a = bundle("/probe", "sleep", "60")
    cid = cell.create(a)
    host = HostSecret()
    try:
        cell.start(cid)
        pid = cell.state(cid)["pid"]
        target = "/proc/%d/ns/pid" % pid
        b = bundle()
        b.set_namespace("pid", target)
        b.process["user"] = {"uid": 1000, "gid": 1000}
        if proc_options is not None:
            b.mount("/proc")["options"] = proc_options
        environ = "/proc/%d/environ" % host.pid
        info = cell.probe(b, "pid", "ns", "ls", "/proc", "read", environ,
                          "read", "/proc/1/cmdline")
        return info, os.readlink(target), host
    finally:
        host.close()
        cell.delete(cid, force=True)


def test_join_pid_namespace_proc_shows_only_that_namespace(cell, bundle):
    """/proc of a container that joins another's pid namespace by path (a
    pod: podman --pid container:X, shareProcessNamespace) is that
    namespace's: no host process in it, so no host process' environ."""
    info, ns, host = joined_pidns_view(cell, bundle)
    assert info["ns"]["pid"] == ns
    pids = {int(e) for e in op(info, "ls", "/proc")["entries"] if e.isdigit()}
    assert 1 in pids  # A's init
    # every pid listed belongs to the namespace (A's, B's own probe), seen
    # after the probe ran: none of the host's hundreds
    assert pids <= ns_pids(ns) | {info["pid"]}, sorted(pids - ns_pids(ns))
    read = op(info, "read", "/proc/%d/environ" % host.pid)
    assert host.secret not in json.dumps(read), read
    # and pid 1 there is A's init, the probe
    assert (op(info, "read", "/proc/1/cmdline")["data"] or "").startswith("/probe")


def test_join_pid_namespace_proc_options(cell, bundle):
    """The spec's procfs options still apply: with hidepid=2, B (uid 1000)
    sees neither A's init (root) nor the host's processes."""
    info, ns, host = joined_pidns_view(
        cell, bundle, ["nosuid", "noexec", "nodev", "hidepid=2"])
    pids = {int(e) for e in op(info, "ls", "/proc")["entries"] if e.isdigit()}
    assert pids == {info["pid"]}, sorted(pids)
    assert host.secret not in json.dumps(op(info, "read", "/proc/%d/environ" % host.pid))


def test_join_pid_namespace_process_attributes(cell, bundle):
    """What the init sets through /proc/self before it enters a pid
    namespace joined by path still applies (the container's /proc is that
    namespace's), and an entrypoint under /proc is found there."""
    a = bundle("/probe", "sleep", "60")
    cid = cell.create(a)
    try:
        cell.start(cid)
        b = bundle()
        b.set_namespace("pid", "/proc/%d/ns/pid" % cell.state(cid)["pid"])
        b.process["oomScoreAdj"] = 123
        info = cell.probe(b, "read", "/proc/self/oom_score_adj")
        assert op(info, "read", "/proc/self/oom_score_adj")["data"] == "123\n"
        b.set_args("/proc/1/root/probe", "pid")
        p = cell.run_bundle(b)
        assert p.returncode == 0, p.stderr
        b.set_args("/proc/self/nonexistent")
        p = cell.run_bundle(b)
        assert p.returncode != 0
        if is_cell():
            assert "/proc/self/nonexistent" in p.stderr, p.stderr
    finally:
        cell.delete(cid, force=True)


def test_join_user_and_pid_namespace_of_a_container(cell, bundle):
    """A pod with a user namespace: B joins A's user and pid namespaces by
    path.  Its procfs belongs to A's pid namespace, which A's user
    namespace owns; made for the runtime's own pid namespace instead, the
    mount was refused (EPERM)."""
    a = bundle("/probe", "sleep", "60")
    add_userns(a)
    cid = cell.create(a)
    try:
        cell.start(cid)
        pid = cell.state(cid)["pid"]
        b = bundle()
        if runtime_name() == "runc":
            add_userns(b)  # runc 1.1 insists on the (same) mappings, cell refuses them
        b.set_namespace("user", "/proc/%d/ns/user" % pid)
        b.set_namespace("pid", "/proc/%d/ns/pid" % pid)
        info = cell.probe(b, "ids", "ns", "ls", "/proc")
        assert info["ns"]["pid"] == os.readlink("/proc/%d/ns/pid" % pid)
        assert info["uid"] == [0, 0, 0]
        pids = {int(e) for e in op(info, "ls", "/proc")["entries"] if e.isdigit()}
        assert 1 in pids and len(pids) < 10, sorted(pids)
    finally:
        cell.delete(cid, force=True)


def test_join_network_namespace_sees_its_interfaces(cell, bundle):
    """Joining really shares the namespace: a dummy interface made in it is
    visible in the container."""
    helper = Sleeper(["unshare", "--net", "sh", "-c",
                      "ip link add cellprobe0 type dummy 2>/dev/null; exec sleep 100"])
    try:
        helper.wait_ns("net", host_ns("net"))
        time.sleep(0.1)
        b = bundle()
        b.set_namespace("network", "/proc/%d/ns/net" % helper.pid)
        info = cell.probe(b, "ls", "/sys/class/net")
        entries = op(info, "ls", "/sys/class/net")["entries"]
        assert "lo" in entries
        if os.system("nsenter -t %d -n ip link show cellprobe0 >/dev/null 2>&1" % helper.pid) == 0:
            assert "cellprobe0" in entries
    finally:
        helper.close()


def test_empty_namespace_path_is_a_new_namespace(cell, bundle):
    """`"path": ""` is no path (runc reads it as Go's zero value): each
    namespace is created, none joined or refused."""
    b = bundle()
    for entry in b.linux["namespaces"]:
        entry["path"] = ""
    info = cell.probe(b, "ns")
    for t in b.namespaces():
        name = NS_FILE[t]
        assert info["ns"][name] != host_ns(name), "%s namespace not new" % t


LOOPBACK_CHECK = ("ip -o link show lo; nc -l -p 7777 > /tmp/got & L=$!; ok=0; "
                  "for i in $(seq 150); do "
                  "echo ping | nc 127.0.0.1 7777 && { ok=1; break; }; sleep 0.1; done; "
                  "[ $ok = 1 ] || kill $L; wait; echo got: $(cat /tmp/got)")


def test_new_network_namespace_has_loopback_up(cell, bundle):
    """As runc: a new network namespace gets `lo` up, so 127.0.0.1 works."""
    b = bundle("/bin/sh", "-c", LOOPBACK_CHECK)
    b.set_namespace("network")
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    link = p.stdout.splitlines()[0]
    assert "lo:" in link and ",UP" in link, p.stdout
    assert "got: ping" in p.stdout, p.stdout


def test_joined_network_namespace_loopback_left_alone(cell, bundle):
    """A namespace joined by path is its owner's to configure: lo stays down."""
    helper = Sleeper(["unshare", "--net", "sleep", "100"])
    try:
        helper.wait_ns("net", host_ns("net"))
        b = bundle("/bin/sh", "-c", "ip -o link show lo")
        b.set_namespace("network", "/proc/%d/ns/net" % helper.pid)
        p = cell.run_bundle(b)
        assert p.returncode == 0, p.stderr
        assert "lo:" in p.stdout and ",UP" not in p.stdout, p.stdout
    finally:
        helper.close()


def test_join_nonexistent_namespace_path(cell, bundle):
    b = bundle()
    b.set_namespace("network", "/proc/999999999/ns/net")
    p = cell.run_bundle(b)
    assert p.returncode == 1
    assert "/proc/999999999/ns/net" in p.stderr
    assert cell.run("list", "-q").stdout == ""


def test_join_namespace_of_wrong_type(cell, bundle):
    b = bundle()
    b.set_namespace("network", "/proc/self/ns/ipc")
    p = cell.run_bundle(b)
    assert p.returncode == 1
    assert cell.run("list", "-q").stdout == ""


# ---- user namespace -------------------------------------------------------------

def test_user_namespace_mappings(cell, bundle):
    b = bundle()
    add_userns(b)
    info = cell.probe(b, "ids", "ns")
    assert info["uid"] == [0, 0, 0]
    assert info["gid"] == [0, 0, 0]
    assert info["uid_map"].split() == ["0", "100000", "65536"]
    assert info["gid_map"].split() == ["0", "100000", "65536"]
    assert info["ns"]["user"] != host_ns("user")


def test_user_namespace_host_view(cell, bundle):
    """Seen from the host, the container's root is the mapped host uid."""
    b = bundle("/probe", "sleep", "100")
    add_userns(b)
    cid = cell.create(b)
    try:
        cell.start(cid)
        pid = cell.state(cid)["pid"]
        with open("/proc/%d/status" % pid) as f:
            status = dict(ln.split(":", 1) for ln in f.read().splitlines() if ":" in ln)
        assert status["Uid"].split() == ["100000"] * 4
        assert status["Gid"].split() == ["100000"] * 4
        with open("/proc/%d/uid_map" % pid) as f:
            assert f.read().split() == ["0", "100000", "65536"]
    finally:
        cell.delete(cid, force=True)


def test_user_namespace_multiple_mappings(cell, bundle):
    b = bundle()
    maps = [{"containerID": 0, "hostID": 200000, "size": 1000},
            {"containerID": 1000, "hostID": 300000, "size": 1000}]
    add_userns(b, maps, maps)
    b.process["user"] = {"uid": 1000, "gid": 1000}
    info = cell.probe(b, "ids")
    assert info["uid"] == [1000, 1000, 1000]
    rows = [ln.split() for ln in info["uid_map"].strip().splitlines()]
    assert sorted(rows) == [["0", "200000", "1000"], ["1000", "300000", "1000"]]


def test_user_namespace_setgroups(cell, bundle):
    """As root the runtime writes the gid map directly, so setgroups stays
    allowed and additionalGids work inside the user namespace."""
    b = bundle()
    add_userns(b)
    b.process["user"] = {"uid": 0, "gid": 0, "additionalGids": [5, 10]}
    info = cell.probe(b, "ids")
    assert info["setgroups"].strip() == "allow"
    assert sorted(info["groups"]) == [5, 10]


def userns_helper():
    """A process in a user namespace of its own, host uids 100000.. mapped
    to 0.., that a container then joins by path."""
    helper = Sleeper(["unshare", "--user", "sleep", "100"])
    helper.wait_ns("user", host_ns("user"))
    for name in ("uid_map", "gid_map"):
        with open("/proc/%d/%s" % (helper.pid, name), "w") as f:
            f.write("0 100000 65536\n")
    return helper


def test_join_user_namespace_by_path(cell, bundle):
    """A user namespace joined by path owns the container's new namespaces,
    a new pid namespace included: its init is PID 1 there and root inside,
    host uid 100000 outside."""
    helper = userns_helper()
    try:
        target = "/proc/%d/ns/user" % helper.pid
        b = bundle("/probe", "sleep", "100")
        if runtime_name() == "runc":
            add_userns(b)  # runc 1.1 insists on the (same) mappings, cell refuses them
        b.set_namespace("user", target)
        cid = cell.create(b)
        try:
            cell.start(cid)
            pid = cell.state(cid)["pid"]
            assert os.readlink("/proc/%d/ns/user" % pid) == os.readlink(target)
            with open("/proc/%d/status" % pid) as f:
                status = dict(ln.split(":", 1) for ln in f.read().splitlines() if ":" in ln)
            assert status["Uid"].split() == ["100000"] * 4
            assert status["NSpid"].split()[-1] == "1"
            pid_ns = os.readlink("/proc/%d/ns/pid" % pid)
            assert pid_ns != host_ns("pid")
            for name in ("mnt", "net", "ipc", "uts"):
                assert os.readlink("/proc/%d/ns/%s" % (pid, name)) != host_ns(name)
            # what the container sees, through exec
            p = cell.run("exec", cid, "/probe", "ids", "ns")
            assert p.returncode == 0, p.stderr
            info = json.loads([ln for ln in p.stdout.splitlines() if ln.startswith("{")][-1])
            assert info["uid"] == [0, 0, 0]
            assert info["uid_map"].split() == ["0", "100000", "65536"]
            assert info["ns"]["pid"] == pid_ns
        finally:
            cell.delete(cid, force=True)
        # the same through a foreground run
        info = cell.probe(b, "ids", "pid", "ns")
        assert info["pid"] == 1
        assert info["uid"] == [0, 0, 0]
        assert info["ns"]["user"] == os.readlink(target)
    finally:
        helper.close()


def test_user_namespace_devices_usable(cell, bundle):
    """mknod is impossible in a user namespace: /dev/null must still work."""
    b = bundle()
    add_userns(b)
    info = cell.probe(b, "write", "/dev/null", "read", "/dev/zero", "dev")
    assert op(info, "write", "/dev/null")["ok"]
    assert info["dev"]["/dev/null"]["type"] == "c"
    assert (info["dev"]["/dev/null"]["major"], info["dev"]["/dev/null"]["minor"]) == (1, 3)


# ---- uts -------------------------------------------------------------------------

def test_hostname(cell, bundle):
    b = bundle()
    b.config["hostname"] = "box-1.example"
    info = cell.probe(b, "uname")
    assert info["hostname"] == "box-1.example"
    assert os.uname().nodename != "box-1.example"


def test_domainname(cell, bundle):
    if runtime_name() == "runc":
        pytest.skip("runc 1.1 has no domainname")
    b = bundle()
    b.config["hostname"] = "box"
    b.config["domainname"] = "example.org"
    info = cell.probe(b, "uname")
    assert info["hostname"] == "box"
    assert info["domainname"] == "example.org"


def test_hostname_without_uts_namespace_fails(cell, bundle):
    b = bundle()
    b.remove_namespace("uts")
    b.config["hostname"] = "nope"
    p = cell.run_bundle(b)
    assert p.returncode == 1
    assert os.uname().nodename != "nope"
    if is_cell():
        assert "hostname" in p.stderr
    assert cell.run("list", "-q").stdout == ""


# ---- time namespace ------------------------------------------------------------

def test_time_offsets(cell, bundle):
    if runtime_name() == "runc":
        pytest.skip("runc 1.1 has no time namespace")
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("kernel without time namespaces")
    b = bundle()
    b.set_namespace("time")
    b.linux["timeOffsets"] = {"monotonic": {"secs": 86400, "nanosecs": 0},
                              "boottime": {"secs": -100, "nanosecs": 500}}
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    before_boot = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    info = cell.probe(b, "time")
    after = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    after_boot = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    mono = info["time"]["monotonic"] - 86400 * 10**9
    assert before <= mono <= after
    boot = info["time"]["boottime"] + 100 * 10**9 - 500
    assert before_boot <= boot <= after_boot
    offsets = {ln.split()[0]: ln.split()[1:] for ln in info["time"]["offsets"].splitlines()}
    assert offsets["monotonic"] == ["86400", "0"]
    assert offsets["boottime"] == ["-100", "500"]


# ---- sysctl -----------------------------------------------------------------------

def test_sysctl_net(cell, bundle):
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        host_value = f.read()
    b = bundle()
    want = "0" if host_value.strip() == "1" else "1"
    b.linux["sysctl"] = {"net.ipv4.ip_forward": want}
    info = cell.probe(b, "read", "/proc/sys/net/ipv4/ip_forward")
    assert op(info, "read", "/proc/sys/net/ipv4/ip_forward")["data"] == want + "\n"
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        assert f.read() == host_value


def test_sysctl_ipc(cell, bundle):
    with open("/proc/sys/kernel/shm_rmid_forced") as f:
        host_value = f.read()
    want = "0" if host_value.strip() == "1" else "1"
    b = bundle()
    b.linux["sysctl"] = {"kernel.shm_rmid_forced": want, "kernel.msgmax": "4096"}
    info = cell.probe(b, "read", "/proc/sys/kernel/shm_rmid_forced", "read",
                      "/proc/sys/kernel/msgmax")
    assert op(info, "read", "/proc/sys/kernel/shm_rmid_forced")["data"] == want + "\n"
    assert op(info, "read", "/proc/sys/kernel/msgmax")["data"] == "4096\n"
    with open("/proc/sys/kernel/shm_rmid_forced") as f:
        assert f.read() == host_value


def test_sysctl_slash_form(cell, bundle):
    """Keys may also use '/' separators (net/ipv4/ip_forward), as sysctl(8)."""
    if runtime_name() == "runc":
        pytest.skip("runc 1.1 rejects the slash form")
    b = bundle()
    b.linux["sysctl"] = {"net/ipv4/conf/all/forwarding": "1"}
    info = cell.probe(b, "read", "/proc/sys/net/ipv4/conf/all/forwarding")
    assert op(info, "read", "/proc/sys/net/ipv4/conf/all/forwarding")["data"] == "1\n"


def test_sysctl_net_without_netns_refused(cell, bundle):
    """A net.* sysctl without a network namespace would change the host."""
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        host_value = f.read()
    b = bundle()
    b.remove_namespace("network")
    b.linux["sysctl"] = {"net.ipv4.ip_forward": "0" if host_value.strip() == "1" else "1"}
    p = cell.run_bundle(b)
    assert p.returncode == 1
    if is_cell():
        assert "net.ipv4.ip_forward" in p.stderr
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        assert f.read() == host_value


@pytest.mark.parametrize("how", ["no-proc-mount", "sys-symlink"])
def test_sysctl_only_through_procfs(cell, bundle, testdir, how):
    """A sysctl goes to the kernel or fails: with no procfs at /proc (the
    spec mounts none) the image's own /proc/sys file, or with /proc/sys a
    symlink of the image's, a file elsewhere, would silently take the value
    while the sysctl stays as it was."""
    if how == "no-proc-mount" and runtime_name() == "runc":
        pytest.skip("runc 1.1.5 writes the value into the image's file and starts")
    b = bundle()
    key_path = ("sys", "net", "ipv4", "ip_forward")
    if how == "no-proc-mount":
        b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/proc"]
        target = os.path.join(b.rootfs, "proc", *key_path)
    else:
        # Only procfs itself could hold such a symlink: bind a plain
        # directory of the image over /proc instead of procfs.
        fake = os.path.join(b.rootfs, "fakeproc")
        os.makedirs(os.path.join(fake, *key_path[:-1]))
        target = os.path.join(fake, *key_path)
        b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/proc"]
        b.add_mount("/proc", type="bind", source=fake, options=["rbind"])
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as f:
        f.write("untouched\n")
    b.linux["sysctl"] = {"net.ipv4.ip_forward": "1"}
    p = cell.run_bundle(b)
    if how == "sys-symlink" and p.returncode != 0 and is_cell():
        # cell refuses a bind onto /proc that is not procfs (runc's rule).
        assert "/proc" in p.stderr
    else:
        assert p.returncode != 0, "sysctl written into a file of the image: %s" % p.stdout
        if is_cell():
            assert "net.ipv4.ip_forward" in p.stderr and "procfs" in p.stderr, p.stderr
    with open(target) as f:
        assert f.read() == "untouched\n"


# ---- cgroup namespace --------------------------------------------------------------

def test_cgroup_namespace_root(cell, bundle):
    b = bundle()
    b.set_namespace("cgroup")
    info = cell.probe(b, "cgroup")
    for line in info["cgroup"].splitlines():
        _, controllers, path = line.split(":", 2)
        assert path == "/", line

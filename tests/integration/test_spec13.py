# SPDX-License-Identifier: Apache-2.0
"""runtime-spec 1.3: the version cell reports, linux.memoryPolicy,
linux.netDevices, linux.intelRdt, and sd-notify (NOTIFY_SOCKET) as runc
relays it."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import pytest

from bundles import is_cell

MPOL_BIND = 2
MPOL_PREFERRED = 1
MPOL_F_STATIC_NODES = 1 << 15


# ---- version -----------------------------------------------------------------

def test_features_report_1_3(cell):
    p = cell.run("features", check=True)
    f = json.loads(p.stdout)
    assert f["ociVersionMax"] == "1.3.0"
    lx = f["linux"]
    assert set(lx["memoryPolicy"]["modes"]) == {
        "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
        "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL"}
    assert set(lx["memoryPolicy"]["flags"]) == {
        "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"}
    assert lx["netDevices"]["enabled"] is True


def test_spec_writes_1_3(cell, testdir):
    d = os.path.join(testdir, "specdir")
    os.makedirs(d)
    cell.run("spec", "--bundle", d, check=True)
    with open(os.path.join(d, "config.json")) as f:
        assert json.load(f)["ociVersion"] == "1.3.0"


# ---- linux.memoryPolicy --------------------------------------------------------

def test_memory_policy_bind(cell, bundle):
    b = bundle()
    b.linux["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "0"}
    info = cell.probe(b, "mempolicy")
    assert info["mempolicy"]["mode"] == MPOL_BIND
    assert info["mempolicy"]["nodemask"] == 1


def test_memory_policy_flags(cell, bundle):
    b = bundle()
    b.linux["memoryPolicy"] = {"mode": "MPOL_PREFERRED", "nodes": "0",
                               "flags": ["MPOL_F_STATIC_NODES"]}
    info = cell.probe(b, "mempolicy")
    assert info["mempolicy"]["mode"] == MPOL_PREFERRED | MPOL_F_STATIC_NODES
    assert info["mempolicy"]["nodemask"] == 1


def test_memory_policy_offline_node_fails(cell, bundle):
    """Node 7 does not exist here: the kernel refuses a policy on no usable node, and
    create says so naming the config."""
    if os.path.exists("/sys/devices/system/node/node7"):
        pytest.skip("this host has a node 7")
    b = bundle()
    b.linux["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "7"}
    p = cell.run_bundle(b)
    assert p.returncode != 0, p.stdout
    if is_cell():
        assert "linux.memoryPolicy" in p.stderr, p.stderr
        assert "MPOL_BIND" in p.stderr, p.stderr


@pytest.mark.parametrize("policy,key", [
    ({"mode": "MPOL_BOGUS", "nodes": "0"}, "linux.memoryPolicy.mode"),
    ({"mode": "MPOL_BIND", "nodes": "0-"}, "linux.memoryPolicy.nodes"),
    ({"mode": "MPOL_BIND", "nodes": "x"}, "linux.memoryPolicy.nodes"),
    ({"mode": "MPOL_BIND"}, "linux.memoryPolicy.nodes"),
    ({"mode": "MPOL_LOCAL", "nodes": "0"}, "linux.memoryPolicy.nodes"),
    ({"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_NOPE"]}, "linux.memoryPolicy.flags"),
    ({"mode": "MPOL_BIND", "nodes": "0",
      "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"]}, "linux.memoryPolicy.flags"),
])
def test_memory_policy_invalid(cell, bundle, policy, key):
    b = bundle()
    b.linux["memoryPolicy"] = policy
    p = cell.run_bundle(b)
    assert p.returncode != 0, p.stdout
    if is_cell():
        assert key in p.stderr, p.stderr


# ---- linux.netDevices ----------------------------------------------------------

def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def _link_exists(name):
    return _ip("link", "show", "dev", name, check=False).returncode == 0


def _link_gone(name, timeout=10):
    """The kernel tears a network namespace down in a work queue after its
    last reference goes: a device destroyed with it may outlive the
    container's exit by a moment."""
    deadline = time.monotonic() + timeout
    while _link_exists(name):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def veth():
    """A veth pair on the host (veth: this kernel has no dummy driver), the
    first end with a permanent global IPv4 and IPv6 address.  Only the
    namespaces the test makes ever see it; nothing is sent anywhere."""
    suffix = uuid.uuid4().hex[:6]
    a, b = "cnd%sa" % suffix, "cnd%sb" % suffix
    _ip("link", "add", a, "type", "veth", "peer", "name", b)
    _ip("addr", "add", "10.213.7.2/24", "dev", a)
    _ip("addr", "add", "fd42:213::2/64", "dev", a)
    yield a, b
    for name in (a, b):
        if _link_exists(name):
            _ip("link", "del", name, check=False)


def test_net_device_inside(cell, bundle, veth):
    host_a, host_b = veth
    b = bundle("/bin/sh", "-c", "ip addr show ctr0")
    b.linux["netDevices"] = {host_a: {"name": "ctr0"}}
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    first = p.stdout.splitlines()[0]
    assert ": ctr0" in first and "UP" in first.split(">")[0], p.stdout
    assert "inet 10.213.7.2/24" in p.stdout, p.stdout
    assert "inet6 fd42:213::2/64" in p.stdout, p.stdout
    # A veth is virtual: the kernel destroys it with the container's network
    # namespace (runtime-spec 1.3: the runtime must not move it back), and
    # its peer goes with it.
    assert _link_gone(host_a)
    assert _link_gone(host_b)


def test_net_device_keeps_host_name(cell, bundle, veth):
    host_a, _ = veth
    b = bundle("/bin/sh", "-c", "ip link show %s" % host_a)
    b.linux["netDevices"] = {host_a: {}}
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    assert ": %s" % host_a in p.stdout, p.stdout


def test_net_device_missing_on_host(cell, bundle):
    b = bundle()
    b.linux["netDevices"] = {"cndnosuch0": {"name": "ctr0"}}
    p = cell.run_bundle(b)
    assert p.returncode != 0, p.stdout
    if is_cell():
        assert "linux.netDevices.cndnosuch0" in p.stderr, p.stderr
        assert "no such network device" in p.stderr, p.stderr


def test_net_device_needs_new_netns(cell, bundle, veth):
    host_a, _ = veth
    b = bundle()
    b.remove_namespace("network")
    b.linux["netDevices"] = {host_a: {"name": "ctr0"}}
    p = cell.run_bundle(b)
    assert p.returncode != 0, p.stdout
    assert _link_exists(host_a), "the device left the host"
    if is_cell():
        assert "linux.netDevices.%s" % host_a in p.stderr, p.stderr


@pytest.mark.parametrize("name", ["a/b", "..", "0123456789abcdef"])
def test_net_device_bad_name(cell, bundle, veth, name):
    host_a, _ = veth
    b = bundle()
    b.linux["netDevices"] = {host_a: {"name": name}}
    p = cell.run_bundle(b)
    assert p.returncode != 0, p.stdout
    assert _link_exists(host_a), "the device left the host"
    if is_cell():
        assert "linux.netDevices.%s.name" % host_a in p.stderr, p.stderr


def test_net_device_created_then_deleted(cell, bundle, veth):
    """In the container from `create` on; gone with it after `delete` of a
    container that never started."""
    host_a, host_b = veth
    b = bundle("/bin/sleep", "100")
    b.linux["netDevices"] = {host_a: {"name": "ctr0"}}
    cid = cell.create(b)
    pid = cell.state(cid)["pid"]
    assert _link_gone(host_a)
    inside = subprocess.run(["nsenter", "-t", str(pid), "-n", "ip", "-o", "link", "show", "ctr0"],
                            capture_output=True, text=True)
    assert inside.returncode == 0, inside.stderr
    cell.delete(cid, force=True)
    deadline = time.monotonic() + 5
    while _link_exists(host_b) and time.monotonic() < deadline:
        time.sleep(0.05)  # the namespace is freed asynchronously (cleanup_net)
    assert _link_gone(host_a)
    assert _link_gone(host_b)


# ---- NOTIFY_SOCKET (sd_notify) -------------------------------------------------

class NotifyListener:
    """The caller's sd_notify socket (what systemd or podman holds): records
    every datagram; closes the fd a BARRIER=1 carries, as systemd does."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = []
        self.stop = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stop:
            try:
                data, fds, _, _ = socket.recv_fds(self.sock, 4096, 4)
            except socket.timeout:
                continue
            except OSError:
                return
            for fd in fds:
                os.close(fd)
            self.messages.append(data.decode())

    def env(self):
        return dict(os.environ, NOTIFY_SOCKET=self.path)

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    d = tempfile.mkdtemp(prefix="cn-")  # short: sun_path has 108 bytes
    lst = NotifyListener(os.path.join(d, "host.sock"))
    yield lst
    lst.close()
    shutil.rmtree(d, ignore_errors=True)


def _ready_then_sleep(bundle):
    return bundle("/probe", "notify", "READY=1", "sleep", "30")


def test_notify_create_start_relays_ready(cell, bundle, listener):
    b = _ready_then_sleep(bundle)
    cid = cell.create(b, env=listener.env())
    try:
        p = cell.run("start", cid, env=listener.env(), timeout=20)
        assert p.returncode == 0, p.stderr
        pid = cell.state(cid)["pid"]
        assert "READY=1\n" in listener.messages, listener.messages
        assert "MAINPID=%d\n" % pid in listener.messages, listener.messages
    finally:
        cell.delete(cid, force=True)
    assert not os.path.exists(os.path.join(cell.root, cid)), "state (notify socket) left"


def test_notify_run_detached_relays_ready(cell, bundle, listener):
    b = _ready_then_sleep(bundle)
    cid = cell.new_id()
    p = cell.run("run", "-d", "--bundle", b.path, cid, env=listener.env(), timeout=20)
    try:
        assert p.returncode == 0, p.stderr
        assert "READY=1\n" in listener.messages, listener.messages
        assert "MAINPID=%d\n" % cell.state(cid)["pid"] in listener.messages
    finally:
        cell.delete(cid, force=True)


def test_notify_socket_inside(cell, bundle, listener):
    """The container gets its own socket at /run/notify/notify.sock (runc's
    place), a read-only bind of a directory of the runtime's."""
    b = bundle()
    b.process["env"].append("NOTIFY_SOCKET=/elsewhere")
    info = cell.probe(b, "env", "mounts", "notify", "READY=1", env=listener.env())
    assert "NOTIFY_SOCKET=/run/notify/notify.sock" in info["env"], info["env"]
    assert "NOTIFY_SOCKET=/elsewhere" not in info["env"]
    assert info["notify"]["errno"] is None, info["notify"]
    m = [m for m in info["mounts"] if m["mountpoint"] == "/run/notify"]
    assert m and "ro" in m[0]["options"].split(","), info["mounts"]
    assert "READY=1\n" in listener.messages, listener.messages


def test_notify_socket_open_to_any_container_user(cell, bundle, listener):
    """The socket is made writable for every uid as it is bound (no chmod
    by name afterwards, which would follow a link the container swapped
    in): a process running as a non-root user can still send READY."""
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1000}
    info = cell.probe(b, "notify", "READY=1", env=listener.env())
    assert info["notify"]["errno"] is None, info["notify"]
    assert "READY=1\n" in listener.messages, listener.messages

def test_notify_start_returns_when_container_exits_without_ready(cell, bundle, listener):
    """Like runc, start waits for READY only while the container runs."""
    b = bundle("/probe", "sleep", "1")
    cid = cell.create(b, env=listener.env())
    try:
        p = cell.run("start", cid, env=listener.env(), timeout=20)
        assert p.returncode == 0, p.stderr
        assert cell.wait_status(cid, "stopped")
        assert not any(m.startswith("READY") for m in listener.messages)
    finally:
        cell.delete(cid, force=True)


def test_notify_other_messages_not_relayed(cell, bundle, listener):
    b = bundle("/probe", "notify", "STATUS=warming up", "notify", "READY=1", "sleep", "30")
    cid = cell.create(b, env=listener.env())
    try:
        p = cell.run("start", cid, env=listener.env(), timeout=20)
        assert p.returncode == 0, p.stderr
        assert "READY=1\n" in listener.messages
        assert not any(m.startswith("STATUS") for m in listener.messages)
    finally:
        cell.delete(cid, force=True)


# ---- linux.intelRdt ------------------------------------------------------------

@pytest.mark.parametrize("rdt", [
    {"closID": "cell-test", "l3CacheSchema": "L3:0=f"},
    {"schemata": ["L3:0=f", "MB:0=50"]},
    {"enableMonitoring": True},
])
def test_intel_rdt_without_resctrl_fails_cleanly(cell, bundle, rdt):
    """This host has no resctrl: create must refuse (the spec's MUST), say
    why, and leave nothing (the no_residue fixture checks)."""
    if os.path.exists("/sys/fs/resctrl/schemata"):
        pytest.skip("resctrl is mounted here")
    b = bundle()
    b.linux["intelRdt"] = rdt
    cid = cell.new_id()
    p = cell.create(b, cid, check=False)
    assert p.returncode != 0, p.stdout
    assert cell.run("state", cid).returncode != 0, "a container was left"
    if is_cell():
        assert "linux.intelRdt: resctrl is not" in p.stderr, p.stderr


def test_intel_rdt_invalid_clos_id(cell, bundle):
    b = bundle()
    b.linux["intelRdt"] = {"closID": "../escape"}
    p = cell.run_bundle(b)
    assert p.returncode != 0, p.stdout
    if is_cell():
        assert "linux.intelRdt.closID" in p.stderr, p.stderr

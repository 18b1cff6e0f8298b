# SPDX-License-Identifier: Apache-2.0
"""runtime-spec 1.3: the version cell reports, linux.memoryPolicy,
linux.netDevices, linux.intelRdt, and sd-notify (NOTIFY_SOCKET) as runc
relays it."""

import json
import os
import subprocess
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
    assert not _link_exists(host_a)
    assert not _link_exists(host_b)


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
    assert not _link_exists(host_a)
    inside = subprocess.run(["nsenter", "-t", str(pid), "-n", "ip", "-o", "link", "show", "ctr0"],
                            capture_output=True, text=True)
    assert inside.returncode == 0, inside.stderr
    cell.delete(cid, force=True)
    deadline = time.monotonic() + 5
    while _link_exists(host_b) and time.monotonic() < deadline:
        time.sleep(0.05)  # the namespace is freed asynchronously (cleanup_net)
    assert not _link_exists(host_a)
    assert not _link_exists(host_b)

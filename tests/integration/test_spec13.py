# SPDX-License-Identifier: Apache-2.0
"""runtime-spec 1.3: the version cell reports, linux.memoryPolicy,
linux.netDevices, linux.intelRdt, and sd-notify (NOTIFY_SOCKET) as runc
relays it."""

import json
import os

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

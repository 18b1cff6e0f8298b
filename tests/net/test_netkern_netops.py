# SPDX-License-Identifier: Apache-2.0
"""netops.c, the engine's side: netkern-netops (tests/net/netkern_netops.c,
built like the engine) calls netops.h, which spawns cell-net beside it."""

import json
import os

import pytest

from netkern_util import cid, helper_path, nethost  # noqa: F401

BRIDGE = ["name=bridge", "device=cell0", "subnet4=10.88.0.0/16", "gateway4=10.88.0.1"]


def netops(h, *args, check=True):
    tool = os.path.join(os.path.dirname(helper_path()), "netkern-netops")
    if not os.access(tool, os.X_OK):
        pytest.fail(f"{tool} not built")
    r = h.host.run(tool, *args, check=False)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def test_netops_round_trip(nethost):
    h = nethost
    assert netops(h, "helper").stdout.strip() == helper_path()
    netops(h, "up", *BRIDGE)
    c = cid("c")
    ep = [f"id={c}", f"netns={h.netns_path(c)}", "host_ifname=vethnetops", "addr4=10.88.0.20/16",
          "route=1", "port=tcp:8088:80", "port=udp:8088:80:" + h.host_ip]
    netops(h, "attach", *BRIDGE, *ep)
    assert h.link_exists("vethnetops")
    table = h.nft_table("inet cell")
    assert f"8088 comment \"{c}\" : 10.88.0.20 . 80" in table
    assert f"{h.host_ip} . 8088 comment \"{c}\" : 10.88.0.20 . 80" in table
    inside = json.loads(h.in_netns(h.netns_path(c), "ip", "-j", "addr", "show", "eth0").stdout)
    assert "10.88.0.20" in [a["local"] for a in inside[0]["addr_info"]]
    netops(h, "detach", *BRIDGE, *ep)
    netops(h, "detach", *BRIDGE, *ep)
    assert h.link_gone("vethnetops")
    assert c not in h.nft_table("inet cell")
    assert not os.path.exists(h.netns_path(c))
    netops(h, "down", *BRIDGE)
    assert not h.link_exists("cell0")


def test_netops_reports_cell_nets_message(nethost):
    h = nethost
    c = cid("d")
    r = netops(h, "attach", "name=bridge", "device=nobr0", "subnet4=10.88.0.0/16",
               "gateway4=10.88.0.1", f"id={c}", f"netns={h.netns_path(c)}",
               "host_ifname=vethx", "addr4=10.88.0.2/16", check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == ("netkern-netops: attach container dddddddddddd: "
                                "network bridge: bridge nobr0 does not exist")
    assert not os.path.exists(h.netns_path(c))


def test_netops_netns_files(nethost):
    h = nethost
    path = h.netns_path("plain")
    netops(h, "netns-create", f"path={path}")
    netops(h, "netns-create", f"path={path}")
    lo = json.loads(h.in_netns(path, "ip", "-j", "link").stdout)
    assert [(l["ifname"], "UP" in l["flags"]) for l in lo] == [("lo", True)]
    netops(h, "netns-remove", f"path={path}")
    assert not os.path.exists(path)
    netops(h, "netns-remove", f"path={path}")

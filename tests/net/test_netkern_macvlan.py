# SPDX-License-Identifier: Apache-2.0
"""cell-net's macvlan endpoint: one more machine on the parent's link."""

import json
import os

from netkern_util import cid, nethost  # noqa: F401


def test_macvlan_reaches_remote_without_nat(nethost):
    h = nethost
    # a second link host<->remote as the parent, on its own subnet
    h.host.run("ip", "link", "add", "lan0", "type", "veth", "peer", "name", "lanpeer",
               "netns", h.remote.name)
    h.host.run("ip", "link", "set", "lan0", "up")
    h.remote.run("ip", "addr", "add", "10.201.0.2/24", "dev", "lanpeer")
    h.remote.run("ip", "link", "set", "lanpeer", "up")
    ep = {"id": cid("7"), "netns": h.netns_path(cid("7")), "driver": "macvlan",
          "parent": "lan0", "ifname": "eth0", "mac": "02:42:0a:c9:00:0a",
          "addr4": "10.201.0.10/24", "gateway4": "10.201.0.2", "default_route": True,
          "ports": []}
    h.cellnet({"op": "attach", "endpoint": ep})
    ns = ep["netns"]
    link = json.loads(h.in_netns(ns, "ip", "-d", "-j", "link", "show", "eth0").stdout)[0]
    assert link["linkinfo"]["info_kind"] == "macvlan"
    assert link["linkinfo"]["info_data"]["mode"] == "bridge"
    assert link["address"] == "02:42:0a:c9:00:0a"
    route = json.loads(h.in_netns(ns, "ip", "-j", "route", "show", "default").stdout)
    assert route[0]["gateway"] == "10.201.0.2"
    h.server(h.remote.path, "tcp", "10.201.0.2", 7010)
    # the remote sees the container's own address: no NAT
    assert h.client(ns, "tcp", "10.201.0.2", 7010) == "10.201.0.10"

    # detach keeping the namespace deletes the interface inside it
    h.cellnet({"op": "detach", "endpoint": ep, "remove_netns": False})
    inside = json.loads(h.in_netns(ns, "ip", "-j", "link").stdout)
    assert [l["ifname"] for l in inside] == ["lo"]
    h.cellnet({"op": "detach", "endpoint": ep, "remove_netns": True})
    assert not os.path.exists(ns)
    h.cellnet({"op": "detach", "endpoint": ep, "remove_netns": True})


def test_macvlan_missing_parent_leaves_nothing(nethost):
    h = nethost
    ep = {"id": cid("8"), "netns": h.netns_path(cid("8")), "driver": "macvlan",
          "parent": "nosuchif", "ifname": "eth0", "addr4": "10.201.0.11/24"}
    r = h.cellnet({"op": "attach", "endpoint": ep}, check=False)
    assert r.returncode != 0
    assert "macvlan parent interface nosuchif" in r.stderr
    assert not os.path.exists(ep["netns"])

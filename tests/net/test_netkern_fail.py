# SPDX-License-Identifier: Apache-2.0
"""cell-net's failures: a message naming the object, non-zero exit, and
nothing of the failed operation left behind (link, nft element, netns file)."""

import json
import os

from netkern_util import bridge, cid, endpoint, nethost, port  # noqa: F401


def links(h):
    return sorted(l["ifname"] for l in json.loads(h.host.run("ip", "-j", "link").stdout))


def up(h):
    b = bridge()
    h.cellnet({"op": "network_up", "bridge": b})
    return b


def failed_attach(h, b, ep):
    r = h.cellnet({"op": "attach", "bridge": b, "endpoint": ep}, check=False)
    assert r.returncode != 0 and r.stdout == ""
    assert r.stderr.startswith("cell-net: ") and r.stderr.count("\n") == 1
    return r.stderr


def test_missing_bridge_leaves_nothing(nethost):
    h = nethost
    before = links(h)
    ep = endpoint(h, cid("1"), "10.88.0.5/16", [port("tcp", 8080, 80)])
    msg = failed_attach(h, bridge(device="nosuchbr"), ep)
    assert "bridge nosuchbr does not exist" in msg
    assert links(h) == before
    assert not os.path.exists(ep["netns"])
    assert h.nft_table("inet cell") == ""


def test_host_interface_taken_leaves_nothing(nethost):
    h = nethost
    b = up(h)
    h.host.run("ip", "link", "add", "vethtaken", "type", "bridge")
    before_links, before_nft = links(h), h.nft_table("inet cell")
    ep = endpoint(h, cid("2"), "10.88.0.5/16", [port("tcp", 8080, 80)], host_ifname="vethtaken")
    msg = failed_attach(h, b, ep)
    assert "vethtaken" in msg and "File exists" in msg
    assert links(h) == before_links
    assert h.nft_table("inet cell") == before_nft
    assert not os.path.exists(ep["netns"])


def test_port_of_another_container_fails_after_the_links_and_undoes_them(nethost):
    h = nethost
    b = up(h)
    first = endpoint(h, cid("3"), "10.88.0.5/16", [port("tcp", 8080, 80)])
    h.cellnet({"op": "attach", "bridge": b, "endpoint": first})
    before_links, before_nft = links(h), h.nft_table("inet cell")
    second = endpoint(h, cid("4"), "10.88.0.6/16", [port("udp", 8080, 80), port("tcp", 8080, 80)])
    msg = failed_attach(h, b, second)
    assert "port 8080/tcp: already published by another container" in msg
    assert links(h) == before_links
    assert h.nft_table("inet cell") == before_nft   # not even the udp one
    assert not os.path.exists(second["netns"])
    # detaching the failed one (as rm -f would) leaves the first one's port alone
    h.cellnet({"op": "detach", "bridge": b, "endpoint": second, "remove_netns": True})
    assert h.nft_table("inet cell") == before_nft


def test_failure_after_the_veth_in_an_existing_netns_deletes_the_veth(nethost):
    h = nethost
    b = up(h)
    first = endpoint(h, cid("a"), "10.88.0.5/16", [port("tcp", 8080, 80)])
    h.cellnet({"op": "attach", "bridge": b, "endpoint": first})
    second = endpoint(h, cid("b"), "10.88.0.6/16", [port("tcp", 8080, 80)])
    h.cellnet({"op": "netns_create", "path": second["netns"]})
    before_links = links(h)
    msg = failed_attach(h, b, second)
    assert "port 8080/tcp" in msg
    # the namespace was there before and stays, without the interface
    assert links(h) == before_links
    inside = json.loads(h.in_netns(second["netns"], "ip", "-j", "link").stdout)
    assert [l["ifname"] for l in inside] == ["lo"]


def test_address_already_present_in_existing_netns_keeps_the_netns(nethost):
    h = nethost
    b = up(h)
    ep = endpoint(h, cid("5"), "10.88.0.5/16")
    h.cellnet({"op": "netns_create", "path": ep["netns"]})
    h.in_netns(ep["netns"], "ip", "link", "add", "eth0", "type", "bridge")
    before_links = links(h)
    msg = failed_attach(h, b, ep)
    assert "eth0" in msg and "File exists" in msg
    assert links(h) == before_links
    # the namespace was there before: it stays, with only what it had
    assert os.path.exists(ep["netns"])
    inside = json.loads(h.in_netns(ep["netns"], "ip", "-j", "link").stdout)
    assert sorted(l["ifname"] for l in inside) == ["eth0", "lo"]
    h.cellnet({"op": "netns_remove", "path": ep["netns"]})
    assert not os.path.exists(ep["netns"])
    h.cellnet({"op": "netns_remove", "path": ep["netns"]})


def test_bad_requests_name_the_field(nethost):
    h = nethost
    b = up(h)
    bad_ip = endpoint(h, cid("6"), "10.88.0.300/16")
    assert "address '10.88.0.300/16'" in failed_attach(h, b, bad_ip)
    bad_port = endpoint(h, cid("7"), "10.88.0.7/16", [port("tcp", 70000, 80)])
    assert "port 70000:80/tcp: outside 1-65535" in failed_attach(h, b, bad_port)
    bad_name = endpoint(h, cid("8"), "10.88.0.8/16", host_ifname='x";flush')
    assert "invalid character" in failed_attach(h, b, bad_name)
    for ep in (bad_ip, bad_port, bad_name):
        assert not os.path.exists(ep["netns"])
    r = h.host.run(h.helper, check=False, input="{not json")
    assert r.returncode != 0 and "not a JSON object" in r.stderr
    r = h.cellnet({"op": "network_up", "bridge": bridge(subnet="10.99.0.0/33")}, check=False)
    assert r.returncode != 0 and "subnet '10.99.0.0/33'" in r.stderr
    r = h.cellnet({"op": "nope"}, check=False)
    assert r.returncode != 0 and "unknown op 'nope'" in r.stderr

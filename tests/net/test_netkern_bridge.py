# SPDX-License-Identifier: Apache-2.0
"""cell-net's bridge network: network_up/down, attach/detach, NAT and
published ports, driven through its JSON (netkern_util.py)."""

import json
import os
import time

from netkern_util import bridge, cid, endpoint, nethost, port  # noqa: F401

OTHER_TABLE = """
table inet othertool {
    set keep { type ipv4_addr; elements = { 192.0.2.7 } }
    chain input { type filter hook input priority 10; policy accept;
        ip saddr @keep counter accept
        tcp dport 9999 counter drop
    }
    chain post { type nat hook postrouting priority 50; policy accept; }
}
"""


def up(h, **kw):
    b = bridge(**kw)
    h.cellnet({"op": "network_up", "bridge": b})
    return b


def attach(h, b, ep):
    h.cellnet({"op": "attach", "bridge": b, "endpoint": ep})


def detach(h, b, ep, check=True):
    return h.cellnet({"op": "detach", "bridge": b, "endpoint": ep, "remove_netns": True},
                     check=check)


def test_network_up_makes_bridge_table_and_sysctls(nethost):
    h = nethost
    h.host.run("nft", "-f", "-", input=OTHER_TABLE)
    other = h.nft_table("inet othertool")
    assert "tcp dport 9999" in other

    b = up(h)
    addrs = json.loads(h.host.run("ip", "-j", "addr", "show", "cell0").stdout)[0]
    assert addrs["operstate"] in ("UP", "UNKNOWN", "DOWN")
    assert "UP" in addrs["flags"]
    assert {(a["local"], a["prefixlen"]) for a in addrs["addr_info"] if a["family"] == "inet"} \
        == {("10.88.0.1", 16)}
    table = h.nft_table("inet cell")
    assert "10.88.0.0/16" in table and "masquerade" in table
    assert h.host.run("cat", "/proc/sys/net/ipv4/ip_forward").stdout.strip() == "1"
    assert h.host.run("cat", "/proc/sys/net/ipv4/conf/cell0/route_localnet").stdout.strip() == "1"
    # again: idempotent, one masquerade element, rules not doubled
    up(h)
    assert h.nft_table("inet cell") == table

    ep = endpoint(h, cid("a"), "10.88.0.5/16", [port("tcp", 8080, 80)])
    attach(h, b, ep)
    assert h.nft_table("inet othertool") == other
    detach(h, b, ep)
    h.cellnet({"op": "network_down", "bridge": b})
    assert not h.link_exists("cell0")
    assert "10.88.0.0/16" not in h.nft_table("inet cell")
    h.cellnet({"op": "network_down", "bridge": b})
    assert h.nft_table("inet othertool") == other


def test_attach_gives_eth0_address_route_and_reaches_gateway(nethost):
    h = nethost
    b = up(h)
    ep = endpoint(h, cid("b"), "10.88.0.6/16")
    attach(h, b, ep)
    ns = ep["netns"]
    links = json.loads(h.in_netns(ns, "ip", "-j", "addr", "show", "eth0").stdout)[0]
    assert "UP" in links["flags"]
    assert ("10.88.0.6", 16) in {(a["local"], a["prefixlen"]) for a in links["addr_info"]}
    routes = json.loads(h.in_netns(ns, "ip", "-j", "route", "show", "default").stdout)
    assert routes and routes[0]["gateway"] == "10.88.0.1" and routes[0]["dev"] == "eth0"
    lo = json.loads(h.in_netns(ns, "ip", "-j", "link", "show", "lo").stdout)[0]
    assert "UP" in lo["flags"]
    # the host end is enslaved to the bridge
    veth = json.loads(h.host.run("ip", "-j", "link", "show", ep["host_ifname"]).stdout)[0]
    assert veth["master"] == "cell0"
    h.server(h.host.path, "tcp", "10.88.0.1", 7001)
    assert h.client(ns, "tcp", "10.88.0.1", 7001) == "10.88.0.6"


def test_masquerade_to_remote(nethost):
    h = nethost
    b = up(h)
    ep = endpoint(h, cid("c"), "10.88.0.7/16")
    attach(h, b, ep)
    h.server(h.remote.path, "tcp", h.remote_ip, 7002)
    h.server(h.remote.path, "udp", h.remote_ip, 7002)
    # the remote has no route to 10.88/16: only masquerade makes this work
    assert h.client(ep["netns"], "tcp", h.remote_ip, 7002) == h.host_ip
    assert h.client(ep["netns"], "udp", h.remote_ip, 7002) == h.host_ip


def test_published_ports_from_remote_and_localhost(nethost):
    h = nethost
    b = up(h)
    ep = endpoint(h, cid("d"), "10.88.0.8/16",
                  [port("tcp", 8080, 80), port("udp", 8053, 53),
                   port("tcp", 8081, 81, host_ip=h.host_ip)])
    attach(h, b, ep)
    ns = ep["netns"]
    h.server(ns, "tcp", "0.0.0.0", 80)
    h.server(ns, "udp", "0.0.0.0", 53)
    h.server(ns, "tcp", "0.0.0.0", 81)
    # from the remote, by the host's address: the container sees the remote
    assert h.client(h.remote.path, "tcp", h.host_ip, 8080) == h.remote_ip
    assert h.client(h.remote.path, "udp", h.host_ip, 8053) == h.remote_ip
    assert h.client(h.remote.path, "tcp", h.host_ip, 8081) == h.remote_ip
    # from the host itself through 127.0.0.1: masqueraded to the gateway
    assert h.client(h.host.path, "tcp", "127.0.0.1", 8080) == "10.88.0.1"
    assert h.client(h.host.path, "udp", "127.0.0.1", 8053) == "10.88.0.1"
    # and from another container through the host's address (hairpin)
    ep2 = endpoint(h, cid("e"), "10.88.0.9/16")
    attach(h, b, ep2)
    assert h.client(ep2["netns"], "tcp", h.host_ip, 8080) == "10.88.0.1"


def test_detach_removes_veth_elements_and_netns_file_and_is_idempotent(nethost):
    h = nethost
    b = up(h)
    before = h.nft_table("inet cell")
    ep = endpoint(h, cid("f"), "10.88.0.10/16", [port("tcp", 8090, 80), port("udp", 8090, 80)])
    other = endpoint(h, cid("0"), "10.88.0.11/16", [port("tcp", 8091, 80)])
    attach(h, b, other)
    with_other = h.nft_table("inet cell")
    attach(h, b, ep)
    during = h.nft_table("inet cell")
    assert during != with_other and ep["id"] in during
    assert os.path.exists(ep["netns"]) and h.link_exists(ep["host_ifname"])

    detach(h, b, ep)
    assert not os.path.exists(ep["netns"])
    assert h.link_gone(ep["host_ifname"])
    assert h.nft_table("inet cell") == with_other
    detach(h, b, ep)
    assert h.nft_table("inet cell") == with_other
    # the other container is untouched
    assert h.link_exists(other["host_ifname"]) and os.path.exists(other["netns"])
    detach(h, b, other)
    assert h.nft_table("inet cell") == before


def test_internal_network_does_not_reach_remote(nethost):
    h = nethost
    b = up(h, name="inside", device="cell-int", subnet="10.90.0.0/24", gateway="10.90.0.1",
           internal=True)
    assert "10.90.0.0/24" not in h.nft_table("inet cell")
    ep = endpoint(h, cid("9"), "10.90.0.5/24")
    attach(h, b, ep)
    h.server(h.remote.path, "tcp", h.remote_ip, 7003)
    # the remote could answer 10.90/24 directly: only the forward drop stops it
    h.remote.run("ip", "route", "add", "10.90.0.0/24", "via", h.host_ip)
    code = ("import socket; s = socket.socket(); s.settimeout(1)\n"
            f"try:\n s.connect(('{h.remote_ip}', 7003)); print('connected')\n"
            "except OSError as e: print('blocked', e)")
    out = h.in_netns(ep["netns"], "python3", "-c", code).stdout
    assert out.startswith("blocked"), out
    # the gateway itself is reachable
    h.server(h.host.path, "tcp", "10.90.0.1", 7004)
    assert h.client(ep["netns"], "tcp", "10.90.0.1", 7004) == "10.90.0.5"
    h.cellnet({"op": "network_down", "bridge": b})
    assert "cell-int" not in h.nft_table("inet cell")


def test_dual_stack_mtu_and_mac(nethost):
    h = nethost
    h.host.run("ip", "addr", "add", "fd00:200::1/64", "dev", "uplink", "nodad")
    h.remote.run("ip", "addr", "add", "fd00:200::2/64", "dev", "wan", "nodad")
    b = up(h, subnet6="fd00:88::/64", gateway6="fd00:88::1", mtu=1400)
    assert h.host.run("cat", "/proc/sys/net/ipv6/conf/all/forwarding").stdout.strip() == "1"
    assert "fd00:88::/64" in h.nft_table("inet cell")
    ep = endpoint(h, cid("6"), "10.88.0.12/16")
    ep.update(addr6="fd00:88::12/64", mac="02:42:0a:58:00:0c")
    attach(h, b, ep)
    ns = ep["netns"]
    eth0 = json.loads(h.in_netns(ns, "ip", "-j", "addr", "show", "eth0").stdout)[0]
    assert eth0["mtu"] == 1400 and eth0["address"] == "02:42:0a:58:00:0c"
    assert "fd00:88::12" in [a["local"] for a in eth0["addr_info"]]
    host_end = json.loads(h.host.run("ip", "-j", "link", "show", ep["host_ifname"]).stdout)[0]
    assert host_end["mtu"] == 1400
    routes = json.loads(h.in_netns(ns, "ip", "-6", "-j", "route", "show", "default").stdout)
    assert routes[0]["gateway"] == "fd00:88::1"
    h.server(h.host.path, "tcp", "fd00:88::1", 7005)
    assert h.client(ns, "tcp", "fd00:88::1", 7005) == "fd00:88::12"
    # masquerade over IPv6 too: the remote has no route to fd00:88::/64
    h.server(h.remote.path, "tcp", "fd00:200::2", 7006)
    assert h.client(ns, "tcp", "fd00:200::2", 7006) == "fd00:200::1"


def test_concurrent_attach_and_detach_leave_nothing(nethost):
    import concurrent.futures

    h = nethost
    b = bridge()
    before_links = sorted(l["ifname"] for l in json.loads(h.host.run("ip", "-j", "link").stdout))
    eps = [endpoint(h, f"{i:02x}" * 32, f"10.88.1.{i + 1}/16", [port("tcp", 9000 + i, 80)])
           for i in range(12)]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        # network_up races with itself and with the attaches behind it
        list(pool.map(lambda _: up(h), range(3)))
        list(pool.map(lambda ep: attach(h, b, ep), eps))
        table = h.nft_table("inet cell")
        assert all(f"{9000 + i} comment" in table for i in range(12))
        assert table.count("masquerade") == 4   # rules made once
        list(pool.map(lambda ep: detach(h, b, ep), eps))
    want = sorted(before_links + ["cell0"])
    assert h.wait_links(lambda links: links == want) == want
    assert not any(ep["id"] in h.nft_table("inet cell") for ep in eps)
    assert os.listdir(h.nsdir) == []


def test_detach_with_what_a_crash_left_recorded(nethost):
    """rm -f after a SIGKILL: no bridge struct, no address recorded; the
    ports go by key, the veth and the namespace file with them."""
    h = nethost
    b = up(h)
    ep = endpoint(h, cid("7"), "10.88.0.13/16", [port("tcp", 8093, 80)])
    attach(h, b, ep)
    partial = dict(ep, addr4=None)
    h.cellnet({"op": "detach", "endpoint": partial, "remove_netns": True})
    assert ep["id"] not in h.nft_table("inet cell")
    assert not os.path.exists(ep["netns"]) and h.link_gone(ep["host_ifname"])
    h.cellnet({"op": "detach", "endpoint": partial, "remove_netns": True})


def test_detach_keeping_the_netns_deletes_the_veth_at_once(nethost):
    """network disconnect: the namespace stays, so detach deletes the veth itself."""
    h = nethost
    b = up(h)
    ep = endpoint(h, cid("8"), "10.88.0.14/16", [port("tcp", 8094, 80)])
    attach(h, b, ep)
    h.cellnet({"op": "detach", "bridge": b, "endpoint": ep, "remove_netns": False})
    assert not h.link_exists(ep["host_ifname"])
    assert os.path.exists(ep["netns"])
    assert [l["ifname"] for l in json.loads(h.in_netns(ep["netns"], "ip", "-j", "link").stdout)] == ["lo"]
    detach(h, b, ep)
    assert not os.path.exists(ep["netns"])


def test_detach_after_the_netns_file_went_deletes_the_veth(nethost):
    """Crash path: the namespace file is gone but a process still holds the namespace
    (so its veth would live on): detach deletes the host end itself."""
    h = nethost
    b = up(h)
    ep = endpoint(h, cid("9"), "10.88.0.15/16", [port("tcp", 8095, 80)])
    attach(h, b, ep)
    holder = h.hold_netns(ep["netns"])
    time.sleep(0.2)     # nsenter has joined the namespace (then execs sleep)
    h.host.run("umount", ep["netns"])
    os.unlink(ep["netns"])
    assert h.link_exists(ep["host_ifname"])
    detach(h, b, ep)
    assert not h.link_exists(ep["host_ifname"])
    assert ep["id"] not in h.nft_table("inet cell")
    holder.kill()


def test_reattach_while_the_old_veth_lives_on(nethost):
    """A restart right after a detach: the old veth, left to the namespace's
    destruction, may still be on the bridge (here held there by a process inside
    the old namespace); attach replaces it rather than failing on its name."""
    h = nethost
    b = up(h)
    ep = endpoint(h, cid("a"), "10.88.0.16/16", [port("tcp", 8096, 80)])
    attach(h, b, ep)
    holder = h.hold_netns(ep["netns"])
    time.sleep(0.2)
    detach(h, b, ep)
    assert h.link_exists(ep["host_ifname"])     # held: the namespace is not destroyed
    attach(h, b, ep)
    inside = json.loads(h.in_netns(ep["netns"], "ip", "-j", "addr", "show", "eth0").stdout)
    assert "10.88.0.16" in [a["local"] for a in inside[0]["addr_info"]]
    veth = json.loads(h.host.run("ip", "-j", "link", "show", ep["host_ifname"]).stdout)[0]
    assert veth["master"] == "cell0"
    h.server(h.host.path, "tcp", "10.88.0.1", 7016)
    assert h.client(ep["netns"], "tcp", "10.88.0.1", 7016) == "10.88.0.16"
    holder.kill()
    holder.wait()
    detach(h, b, ep)
    assert h.link_gone(ep["host_ifname"])

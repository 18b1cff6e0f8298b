# SPDX-License-Identifier: Apache-2.0
"""The harness itself (issue 14, check 1): the host and remote namespaces are
joined, the remote knows only its own link, and the machine's root namespace
is not touched."""

import json
import subprocess

import netns


def _root_links():
    return sorted(l["ifname"] for l in json.loads(
        subprocess.run(["ip", "-j", "link", "show"], capture_output=True, text=True,
                       check=True).stdout))


def test_world_host_reaches_remote_over_tcp_and_udp(world):
    for proto in ("tcp", "udp"):
        srv = world.serve(proto, 7000)
        try:
            out = world.host.out(*netns.client_argv(proto, netns.REMOTE_ADDR, 7000, "hello"))
            assert out == "echo:hello\n"
            assert srv.peers() == [netns.HOST_ADDR]
        finally:
            srv.stop()


def test_world_remote_has_no_route_beyond_its_link(world):
    routes = json.loads(world.remote.out("ip", "-j", "route", "show"))
    assert [r["dst"] for r in routes] == ["192.0.2.0/24"]
    p = world.remote.run("ip", "route", "get", "10.88.0.2", check=False)
    assert p.returncode != 0


def test_world_leaves_the_root_namespace_alone():
    # Only the world's own links are looked for: other work on this machine may add and
    # remove links of the root namespace meanwhile.
    w = netns.World()
    try:
        root = _root_links()
        assert netns.UPLINK not in root and netns.WAN not in root
        assert sorted(n for n, _ in w.host.links()) == ["lo", netns.UPLINK]
        assert sorted(n for n, _ in w.remote.links()) == sorted(["lo", netns.WAN])
    finally:
        w.close()
    root = _root_links()
    assert netns.UPLINK not in root and netns.WAN not in root
    p = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    assert w.host.name not in p.stdout and w.remote.name not in p.stdout


def test_world_other_tools_table_change_is_caught(world):
    world.host.run("nft", "add", "element", "inet", "othertool", "blocked", "{ 198.51.100.8 }")
    assert world.residue() == ["another tool's nft table was changed"]
    world.host.run("nft", "delete", "element", "inet", "othertool", "blocked", "{ 198.51.100.8 }")
    assert world.residue() == []


def test_world_residue_check_sees_a_containers_network(net):
    """The net fixture's residue check is not vacuous: while a container with a
    published port exists, it reports its veth, nft elements, netns file and
    lease; after rm, nothing."""
    import netresidue
    net.run("run", "-d", "--name", "c", "-p", "8080:80", "-p", "53:53/udp", "busybox", "sleep", "100")
    found = " ".join(netresidue.net_residue(net))
    for what in ("links left", "nft elements left", "netns files left", "ports still claimed",
                 "leases left"):
        assert what in found, found
    net.run("rm", "-f", "c")
    assert netresidue.net_residue(net) == []

# SPDX-License-Identifier: Apache-2.0
"""Outbound NAT: a container of the default bridge or of a user network
reaches the remote masqueraded behind the host's address; one of an
--internal network does not; --ipv6 networks give a second address."""

import netns


def test_bridge_reaches_the_remote_through_nat(net):
    net.run("run", "-d", "--name", "c", "busybox", "sleep", "100")
    srv = net.world.serve("tcp", 7100)
    try:
        out = net.out("exec", "c", "sh", "-c", "echo out | nc -w 5 %s 7100" % netns.REMOTE_ADDR)
        assert out == "echo:out\n"
        assert srv.peers() == [netns.HOST_ADDR]
    finally:
        srv.stop()


def test_internal_network_has_no_way_out(net):
    net.run("network", "create", "--internal", "closed")
    net.run("run", "-d", "--name", "a", "--network", "closed", "busybox", "sleep", "100")
    net.run("run", "-d", "--name", "b", "--network", "closed", "busybox", "sleep", "100")
    srv = net.world.serve("tcp", 7101)
    try:
        p = net.run("exec", "a", "sh", "-c", "echo out | nc -w 2 %s 7101" % netns.REMOTE_ADDR, check=False)
        assert p.stdout == "" and srv.peers() == []
    finally:
        srv.stop()
    # inside the network all is well
    net.run("exec", "a", "ping", "-c", "1", "-W", "5", "b")


def test_ipv6_network_gives_both_families(net):
    net.run("network", "create", "--ipv6", "--subnet", "10.79.0.0/24", "--subnet", "fd00:79::/64", "dual")
    net.run("run", "-d", "--name", "a", "--network", "dual", "busybox", "sleep", "100")
    net.run("run", "-d", "--name", "b", "--network", "dual", "busybox", "sleep", "100")
    s = net.json("inspect", "b")[0]["NetworkSettings"]
    assert s["GlobalIPv6Address"].startswith("fd00:79::") and s["IPAddress"].startswith("10.79.0.")
    assert s["GlobalIPv6Address"] in net.out("exec", "b", "ip", "-o", "-6", "addr", "show", "eth0")
    net.run("exec", "a", "ping", "-6", "-c", "1", "-W", "5", s["GlobalIPv6Address"])

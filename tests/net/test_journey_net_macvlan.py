# SPDX-License-Identifier: Apache-2.0
"""Issue 14, check 2: a macvlan container is one more machine on the host's
uplink: it reaches the remote without NAT (the remote sees the container's own
address and MAC), and a missing parent is an error that leaves nothing."""

import json

import netns
from journeynet import ctr_client

MV_ADDR = "192.0.2.50"


def test_journey_net_macvlan_reaches_the_remote_without_nat(net, world):
    net.run("network", "create", "-d", "macvlan", "-o", "parent=" + netns.UPLINK,
            "--subnet", "192.0.2.0/24", "--gateway", netns.REMOTE_ADDR, "lan")
    srv = world.serve("tcp", 7000)
    try:
        p = ctr_client(net, "tcp", netns.REMOTE_ADDR, 7000, "direct", "--network", "lan",
                       "--ip", MV_ADDR)
        assert p.stdout == "echo:direct\n"
        assert srv.peers() == [MV_ADDR]
    finally:
        srv.stop()
    # Its own MAC: the remote's neighbour entry for it is not the host's uplink's.
    neigh = {n["dst"]: n.get("lladdr") for n in json.loads(world.remote.out("ip", "-j", "neigh"))}
    host_mac = json.loads(world.host.out("ip", "-j", "link", "show", netns.UPLINK))[0]["address"]
    assert MV_ADDR in neigh and neigh[MV_ADDR] != host_mac


def test_journey_net_macvlan_missing_parent_is_an_error(net):
    p = net.run("network", "create", "-d", "macvlan", "-o", "parent=nosuch0", "--subnet",
                "198.51.100.0/24", "badlan", check=False)
    if p.returncode == 0:
        # Accepted at create (docker checks at attach): then the run must fail.
        p = net.run("run", "--rm", "--network", "badlan", "busybox", "true", check=False)
    assert p.returncode != 0 and "nosuch0" in p.stderr

# SPDX-License-Identifier: Apache-2.0
"""Issue 14, check 2: 100 containers started and removed concurrently on the
default bridge: every one gets an address of its own, each reaches the remote,
and afterwards no link, nft element, lease or netns file is left (the net
fixture's residue check) and another tool's table is untouched (the world's)."""

import time
import concurrent.futures

import pytest

import netns

N = 100


@pytest.mark.slow
def test_journey_net_100_concurrent_containers_no_collision_no_residue(net, world):
    names = ["c%03d" % i for i in range(N)]

    def start(name):
        return net.run("run", "-d", "--name", name, "busybox", "sleep", "1000", timeout=300)

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as ex:
        list(ex.map(start, names))
    out = net.out("ps", "-q")
    assert len(out.split()) == N

    def addr(name):
        o = net.out("exec", name, "ip", "-o", "-4", "addr", "show", "eth0")
        return o.split()[3].split("/")[0]

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as ex:
        addrs = list(ex.map(addr, names))
    assert len(set(addrs)) == N, "address collision: %s" % sorted(addrs)
    # The leases on record are exactly the containers' addresses.
    import glob, json, os
    leased = {}
    for lf in glob.glob(os.path.join(net.storage, "networks", "*.leases.json")):
        leased.update(json.load(open(lf)))
    assert set(addrs) <= set(leased)
    # A few of them reach the remote at once.
    srv = world.serve("tcp", 7000)
    try:
        def reach(name):
            return net.out("exec", name, "sh", "-c", "echo %s | nc -w 5 %s 7000" % (name, netns.REMOTE_ADDR))
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
            outs = list(ex.map(reach, names[:16]))
        assert outs == ["echo:%s\n" % n for n in names[:16]]
    finally:
        srv.stop()

    def remove(name):
        return net.run("rm", "-f", name, timeout=300)

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as ex:
        list(ex.map(remove, names))
    assert net.out("ps", "-aq").split() == []
    deadline = time.monotonic() + 10
    while True:
        veths = [n for n, k in net.ns.links() if k == "veth" and n != netns.UPLINK]
        if not veths or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert veths == []

# SPDX-License-Identifier: Apache-2.0
"""`cell network create|ls|inspect|rm|prune` and their bad input (issue 14,
"Bad input"): each refusal names the object and the reason, exits 125 and
leaves no record, lease, link or nft element (the net fixture checks the
last three after every test)."""

import json
import os



def networks_dir(net):
    return os.path.join(net.storage, "networks")


def records(net):
    d = networks_dir(net)
    if not os.path.isdir(d):
        return []
    return sorted(n[:-5] for n in os.listdir(d)
                  if n.endswith(".json") and not n.endswith(".leases.json") and n != "ports.json")


def test_create_ls_inspect_rm(net):
    nid = net.out("network", "create", "--subnet", "10.77.0.0/24", "--gateway", "10.77.0.254",
                  "--label", "team=a", "front").strip()
    assert len(nid) == 64
    names = net.out("network", "ls", "--format", "{{.Name}}").split()
    assert "front" in names and "bridge" in names
    assert net.out("network", "ls", "-q").split().count(nid[:12]) == 1
    rows = net.json("network", "ls", "--format", "json")
    assert {"front", "bridge"} <= {r["Name"] for r in rows}
    info = net.json("network", "inspect", "front")[0]
    assert info["Id"] == nid
    assert info["Driver"] == "bridge"
    assert info["IPAM"]["Config"] == [{"Subnet": "10.77.0.0/24", "Gateway": "10.77.0.254"}]
    assert info["Labels"] == {"team": "a"}
    assert info["Internal"] is False
    assert info["Options"]["com.docker.network.bridge.name"] == "cell-" + nid[:10]
    # the default network: docker's name and cell's subnet
    b = net.json("network", "inspect", "bridge")[0]
    assert b["IPAM"]["Config"] == [{"Subnet": "10.88.0.0/16", "Gateway": "10.88.0.1"}]
    assert b["Options"]["com.docker.network.bridge.name"] == "cell0"
    assert net.out("network", "rm", "front").strip() == "front"
    assert "front" not in records(net)
    p = net.run("network", "inspect", "front", check=False)
    assert p.returncode == 125 and "network front not found" in p.stderr


def test_user_networks_get_distinct_subnets_and_ipv6(net):
    net.run("network", "create", "one")
    net.run("network", "create", "--internal", "--ipv6", "two")
    one = net.json("network", "inspect", "one")[0]["IPAM"]["Config"]
    two = net.json("network", "inspect", "two")[0]
    assert one[0]["Subnet"] == "10.89.0.0/24"
    subs = [c["Subnet"] for c in two["IPAM"]["Config"]]
    assert subs[0] == "10.89.1.0/24" and ":" in subs[1] and subs[1].endswith("::/64")
    assert two["Internal"] is True and two["EnableIPv6"] is True


def test_prune_keeps_default_and_networks_in_use(net):
    net.run("network", "create", "idle")
    net.run("network", "create", "busy")
    net.run("run", "-d", "--name", "c", "--network", "busy", "busybox", "sleep", "100")
    out = net.out("network", "prune", "-f")
    assert "idle" in out and "busy" not in out
    net.run("network", "ls")  # makes the default network
    assert records(net) == ["bridge", "busy"]
    assert "Deleted Networks:" not in net.out("network", "prune", "-f")


def bad(net, *args):
    before = records(net)
    p = net.run(*args, check=False)
    assert p.returncode == 125, p
    assert records(net) == before
    return p.stderr


def test_bad_input(net):
    net.run("network", "create", "--subnet", "10.60.0.0/16", "taken")
    err = bad(net, "network", "create", "--subnet", "10.60.5.0/24", "overlap")
    assert "network overlap: subnet 10.60.5.0/24 overlaps subnet 10.60.0.0/16 of network taken" in err
    err = bad(net, "network", "create", "--subnet", "10.61.0.0/33", "badprefix")
    assert "invalid subnet 10.61.0.0/33" in err and "badprefix" in err
    err = bad(net, "network", "create", "--subnet", "10.61.x.0/24", "badaddr")
    assert "invalid subnet 10.61.x.0/24" in err
    err = bad(net, "network", "create", "--subnet", "10.61.0.1/24", "hostbits")
    assert "it should be 10.61.0.0/24" in err
    err = bad(net, "network", "create", "--subnet", "10.62.0.0/24", "--gateway", "10.63.0.1", "gwout")
    assert "network gwout: gateway 10.63.0.1 is not in subnet 10.62.0.0/24" in err
    err = bad(net, "network", "create", "taken")
    assert "network with name taken already exists" in err
    err = bad(net, "network", "create", "bad/name")
    assert 'invalid network name "bad/name"' in err
    err = bad(net, "network", "create", "-d", "macvlan", "-o", "parent=nosuchif0", "mv")
    assert "network mv: parent interface nosuchif0 not found" in err
    err = bad(net, "network", "create", "-d", "macvlan", "mv")
    assert "network mv: macvlan needs -o parent=INTERFACE" in err
    err = bad(net, "network", "create", "-d", "overlay", "ov")
    assert "driver overlay not supported" in err
    err = bad(net, "network", "rm", "nosuch")
    assert "network nosuch not found" in err
    err = bad(net, "run", "--rm", "--network", "nosuch", "busybox", "true")
    assert "network nosuch not found" in err


def test_rm_of_a_network_in_use_is_refused(net):
    net.run("network", "create", "inuse")
    net.run("run", "-d", "--name", "c", "--network", "inuse", "busybox", "sleep", "100")
    p = net.run("network", "rm", "inuse", check=False)
    assert p.returncode == 125
    assert "network inuse id" in p.stderr and "has active endpoints" in p.stderr
    dev = net.json("network", "inspect", "inuse")[0]["Options"]["com.docker.network.bridge.name"]
    assert dev in [n for n, _ in net.ns.links()]
    net.run("rm", "-f", "c")
    net.run("network", "rm", "inuse")
    assert dev not in [n for n, _ in net.ns.links()]
    # the network's masquerade element went with it
    assert "10.89.0.0/24" not in json.dumps(net.ns.nft_json("table", "inet", "cell") or [])

# SPDX-License-Identifier: Apache-2.0
"""Containers of a user network reach each other by name and by
--network-alias; /etc/hosts of every member is rewritten in place as peers
come and go; the default bridge gets only its own name (as docker)."""

import os

import netns


def hosts(net, name):
    return net.out("exec", name, "cat", "/etc/hosts")


def test_two_containers_talk_by_name_and_alias(net):
    net.run("network", "create", "app")
    net.run("run", "-d", "--name", "db", "--network", "app", "--network-alias", "database",
            "busybox", "nc", "-ll", "-p", "5000", "-e", "/bin/cat")
    net.run("run", "-d", "--name", "web", "--network", "app", "busybox", "sleep", "100")
    db_ip = net.ip_of("db")
    assert db_ip.startswith("10.89.0.")
    assert net.ip_of("web") != db_ip
    net.run("exec", "web", "ping", "-c", "1", "-W", "5", "db")
    netns.wait_for(lambda: "5000" in net.out("exec", "db", "netstat", "-ltn"), what="db's server")
    for name in ("db", "database"):
        out = net.out("exec", "web", "sh", "-c", "echo via-%s | nc -w 5 %s 5000" % (name, name))
        assert out == "via-%s\n" % name
    # the record says the same
    info = net.json("inspect", "db")[0]["NetworkSettings"]
    assert info["Networks"]["app"]["Aliases"] == ["database"]
    assert info["IPAddress"] == db_ip and info["Gateway"] == "10.89.0.1"
    assert info["MacAddress"] == "02:42:" + ":".join("%02x" % int(x) for x in db_ip.split("."))


def test_hosts_follow_peers(net):
    net.run("network", "create", "app")
    net.run("run", "-d", "--name", "a", "--network", "app", "busybox", "sleep", "100")
    assert "\tb" not in hosts(net, "a")
    ino = os.stat(os.path.join(net.storage, "containers", net.json("inspect", "a")[0]["Id"], "hosts")).st_ino
    net.run("run", "-d", "--name", "b", "--network", "app", "--network-alias", "bee",
            "busybox", "sleep", "100")
    b_ip = net.ip_of("b")
    line = [l for l in hosts(net, "a").splitlines() if l.startswith(b_ip + "\t")]
    assert len(line) == 1 and line[0].split()[1:] == ["b", net.json("inspect", "b")[0]["Id"][:12], "bee"]
    assert net.ip_of("a") in hosts(net, "b")
    net.run("rm", "-f", "b")
    assert b_ip not in hosts(net, "a")
    # rewritten in place: the bind mount still shows the same file
    assert os.stat(os.path.join(net.storage, "containers", net.json("inspect", "a")[0]["Id"],
                                "hosts")).st_ino == ino


def test_default_bridge_has_no_peer_names(net):
    net.run("run", "-d", "--name", "a", "busybox", "sleep", "100")
    net.run("run", "-d", "--name", "b", "busybox", "sleep", "100")
    assert net.ip_of("a").startswith("10.88.")
    h = hosts(net, "a")
    assert net.ip_of("a") + "\ta" in h and net.ip_of("b") not in h
    # but the bridge connects them by address
    net.run("exec", "a", "ping", "-c", "1", "-W", "5", net.ip_of("b"))


def test_add_host_and_dns(net):
    net.run("run", "-d", "--name", "a", "--add-host", "db.local:10.1.2.3", "--dns", "192.0.2.53",
            "busybox", "sleep", "100")
    assert "10.1.2.3\tdb.local" in hosts(net, "a")
    resolv = net.out("exec", "a", "cat", "/etc/resolv.conf")
    assert "nameserver 192.0.2.53" in resolv
    assert "nameserver 127." not in resolv
    p = net.run("run", "--rm", "--add-host", "nocolon", "busybox", "true", check=False)
    assert p.returncode == 125 and '"nocolon" for "--add-host"' in p.stderr


def test_connect_and_disconnect(net):
    net.run("network", "create", "front")
    net.run("network", "create", "back")
    net.run("run", "-d", "--name", "api", "--network", "front", "busybox", "sleep", "100")
    net.run("run", "-d", "--name", "db", "--network", "back", "busybox", "sleep", "100")
    p = net.run("exec", "api", "ping", "-c", "1", "-W", "2", "db", check=False)
    assert p.returncode != 0                       # not on the same network yet
    net.run("network", "connect", "--alias", "api-back", "--ip", "10.89.1.77", "back", "api")
    nets = net.json("inspect", "api")[0]["NetworkSettings"]["Networks"]
    assert sorted(nets) == ["back", "front"] and nets["back"]["IPAddress"] == "10.89.1.77"
    assert "eth1" in net.out("exec", "api", "ip", "-o", "link", "show")
    net.run("exec", "db", "ping", "-c", "1", "-W", "5", "api-back")
    net.run("exec", "api", "ping", "-c", "1", "-W", "5", "db")
    p = net.run("network", "connect", "back", "api", check=False)
    assert p.returncode == 125 and "container api is already connected to network back" in p.stderr
    p = net.run("network", "rm", "back", check=False)
    assert p.returncode == 125 and "active endpoints" in p.stderr
    net.run("network", "disconnect", "back", "api")
    assert "eth1" not in net.out("exec", "api", "ip", "-o", "link", "show")
    assert "api-back" not in net.out("exec", "db", "cat", "/etc/hosts")
    p = net.run("network", "disconnect", "back", "api", check=False)
    assert p.returncode == 125 and "container api is not connected to network back" in p.stderr
    p = net.run("network", "connect", "nosuch", "api", check=False)
    assert p.returncode == 125 and "network nosuch not found" in p.stderr
    # a stopped container joins at its next start
    net.run("stop", "-t", "0", "db")
    net.run("network", "connect", "front", "db")
    net.run("start", "db")
    assert sorted(net.json("inspect", "db")[0]["NetworkSettings"]["Networks"]) == ["back", "front"]
    net.run("exec", "api", "ping", "-c", "1", "-W", "5", "db")


def test_mac_address(net):
    net.run("run", "-d", "--name", "m", "--mac-address", "92:d0:c6:0a:29:33", "busybox", "sleep", "100")
    assert "92:d0:c6:0a:29:33" in net.out("exec", "m", "ip", "-o", "link", "show", "eth0")
    assert net.json("inspect", "m")[0]["NetworkSettings"]["MacAddress"] == "92:d0:c6:0a:29:33"
    p = net.run("run", "--rm", "--mac-address", "92:d0:zz", "busybox", "true", check=False)
    assert p.returncode == 125 and '"92:d0:zz" for "--mac-address"' in p.stderr

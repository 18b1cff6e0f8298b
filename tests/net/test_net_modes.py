# SPDX-License-Identifier: Apache-2.0
"""--network none, host, container:NAME, ns:PATH and macvlan networks."""

import subprocess

import netns


def links_in(net, name):
    return [l.split(":")[1].strip().split("@")[0]
            for l in net.out("exec", name, "ip", "-o", "link", "show").splitlines()]


def test_none_has_only_lo(net):
    net.run("run", "-d", "--name", "c", "--network", "none", "busybox", "sleep", "100")
    assert links_in(net, "c") == ["lo"]
    assert net.json("inspect", "c")[0]["NetworkSettings"]["IPAddress"] == ""


def test_host_sees_the_hosts_links(net):
    net.run("run", "-d", "--name", "c", "--network", "host", "busybox", "sleep", "100")
    assert netns.UPLINK in links_in(net, "c")
    assert netns.HOST_ADDR in net.out("exec", "c", "ip", "-o", "-4", "addr", "show")


def test_container_mode_shares_a_stack(net):
    net.run("run", "-d", "--name", "a", "busybox", "sleep", "100")
    net.run("run", "-d", "--name", "b", "--network", "container:a", "busybox", "sleep", "100")
    ip = net.ip_of("a")
    assert ip in net.out("exec", "b", "ip", "-o", "-4", "addr", "show", "eth0")
    # same stack: a server bound on a's loopback answers b's localhost
    net.run("exec", "-d", "a", "nc", "-ll", "-p", "7070", "-e", "/bin/cat")
    netns.wait_for(lambda: "7070" in net.out("exec", "b", "netstat", "-ltn"), what="the server")
    assert net.out("exec", "b", "sh", "-c", "echo shared | nc -w 5 127.0.0.1 7070") == "shared\n"
    p = net.run("run", "--rm", "--network", "container:nosuch", "busybox", "true", check=False)
    assert p.returncode == 125 and "no such container: nosuch" in p.stderr


def test_ns_path_joins_a_namespace_file(net):
    name = netns.unique("cellx")
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "add", "marker0", "type", "veth", "peer", "name", "marker1"], check=True)
        net.run("run", "--rm", "--name", "c", "--network", "ns:/run/netns/" + name, "busybox",
                "ip", "link", "show", "marker0")
        p = net.run("run", "--rm", "--network", "ns:/nonexistent/ns", "busybox", "true", check=False)
        assert p.returncode == 125 and "/nonexistent/ns" in p.stderr
    finally:
        subprocess.run(["ip", "netns", "del", name])


def test_macvlan_reaches_the_remote_without_nat(net):
    net.run("network", "create", "-d", "macvlan", "-o", "parent=" + netns.UPLINK,
            "--subnet", "192.0.2.0/24", "--gateway", netns.REMOTE_ADDR, "lan")
    net.run("run", "-d", "--name", "m", "--network", "lan", "--ip", "192.0.2.50", "busybox", "sleep", "100")
    assert net.ip_of("m") == "192.0.2.50"
    srv = net.world.serve("tcp", 7001)
    try:
        out = net.out("exec", "m", "sh", "-c", "echo lan | nc -w 5 %s 7001" % netns.REMOTE_ADDR)
        assert out == "echo:lan\n"
        assert srv.peers() == ["192.0.2.50"]      # its own address: no NAT
    finally:
        srv.stop()
    assert any(k == "macvlan" for _, k in net.ns.links()) is False  # made inside the container's ns
    net.run("rm", "-f", "m")
    net.run("network", "rm", "lan")

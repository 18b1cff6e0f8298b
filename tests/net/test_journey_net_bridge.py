# SPDX-License-Identifier: Apache-2.0
"""Issue 14, check 2, from the command line, in the world's host namespace:
NAT to the remote (not with --internal), published ports tcp and udp from the
remote by the host's address and from the host by 127.0.0.1, two containers by
name and alias, none / host / container:.  After each test the net fixture
checks that nothing is left (links, nft elements, leases, netns files) and the
world that another tool's nft table is untouched."""

import pytest

import netns
from journeynet import ctr_client, ctr_ipv4, ctr_peers, run_echo


def test_journey_net_default_bridge_reaches_the_remote_through_nat(net, world):
    srv = world.serve("tcp", 7000)
    try:
        p = ctr_client(net, "tcp", netns.REMOTE_ADDR, 7000, "out")
        assert p.stdout == "echo:out\n"
        assert srv.peers() == [netns.HOST_ADDR]     # masqueraded behind the host's address
    finally:
        srv.stop()
    usrv = world.serve("udp", 7001)
    try:
        p = ctr_client(net, "udp", netns.REMOTE_ADDR, 7001, "dgram")
        assert p.stdout == "echo:dgram\n"
        assert set(usrv.peers()) == {netns.HOST_ADDR}
    finally:
        usrv.stop()


def test_journey_net_internal_network_cannot_reach_the_remote(net, world):
    net.run("network", "create", "--internal", "sealed")
    srv = world.serve("tcp", 7000)
    try:
        p = ctr_client(net, "tcp", netns.REMOTE_ADDR, 7000, "out", "--network", "sealed", check=False)
        assert p.returncode != 0 and "echo:" not in p.stdout
        assert srv.peers() == []
        # The same container on a plain user network does get out.
        net.run("network", "create", "open")
        p = ctr_client(net, "tcp", netns.REMOTE_ADDR, 7000, "out", "--network", "open")
        assert p.stdout == "echo:out\n"
    finally:
        srv.stop()


@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_journey_net_published_port_from_remote_and_from_host(net, world, proto):
    suffix = "" if proto == "tcp" else "/udp"
    run_echo(net, "web", proto, 80, "-p", "8080:80" + suffix)
    assert net.out("port", "web").strip() == "80/%s -> 0.0.0.0:8080" % proto
    # From the remote, by the host's address: the container sees the remote itself.
    out = world.remote.out(*netns.client_argv(proto, netns.HOST_ADDR, 8080, "from-remote"))
    assert out == "echo:from-remote\n"
    assert netns.REMOTE_ADDR in ctr_peers(net, "web")
    # From the host itself, by its address and by 127.0.0.1.
    out = world.host.out(*netns.client_argv(proto, netns.HOST_ADDR, 8080, "from-host"))
    assert out == "echo:from-host\n"
    out = world.host.out(*netns.client_argv(proto, "127.0.0.1", 8080, "from-localhost"))
    assert out == "echo:from-localhost\n"
    # From another container, by the host's address.
    p = ctr_client(net, proto, netns.HOST_ADDR, 8080, "from-peer")
    assert p.stdout == "echo:from-peer\n"


def test_journey_net_published_port_taken_is_an_error_before_start(net, world):
    run_echo(net, "first", "tcp", 80, "-p", "8080:80")
    p = net.run("run", "-d", "--name", "second", "-p", "8080:80", "busybox", "sleep", "100",
                check=False)
    assert p.returncode != 0 and "8080" in p.stderr
    ps = net.out("ps", "--format", "{{.Names}}").split()
    assert "second" not in ps
    # A port some host process has bound is refused the same way.
    hold = world.host.popen("/usr/bin/python3", "-c",
                            "import socket,time;s=socket.socket();s.bind(('0.0.0.0',9090));"
                            "s.listen();print('ready',flush=True);time.sleep(60)",
                            stdout=__import__("subprocess").PIPE, text=True)
    try:
        assert hold.stdout.readline().strip() == "ready"
        p = net.run("run", "-d", "--name", "third", "-p", "9090:80", "busybox", "sleep", "100",
                    check=False)
        assert p.returncode != 0 and "9090" in p.stderr
    finally:
        hold.kill()
        hold.wait()


def test_journey_net_free_port_pick_is_shown_by_port(net, world):
    run_echo(net, "web", "tcp", 80, "-p", "80")
    line = net.out("port", "web").strip()
    assert line.startswith("80/tcp -> 0.0.0.0:")
    port = int(line.rsplit(":", 1)[1])
    out = world.remote.out(*netns.client_argv("tcp", netns.HOST_ADDR, port, "picked"))
    assert out == "echo:picked\n"


def test_journey_net_two_containers_by_name_and_alias(net):
    net.run("network", "create", "app")
    run_echo(net, "db", "tcp", 5432, "--network", "app", "--network-alias", "database")
    for target in ("db", "database"):
        p = net.run("run", "--rm", "--network", "app", "busybox", "sh", "-c",
                    "echo hi-%s | nc -w 5 %s 5432" % (target, target))
        assert p.stdout == "echo:hi-%s\n" % target
    # The peers' hosts file follows containers that come and go.
    net.run("run", "-d", "--name", "late", "--network", "app", "busybox", "sleep", "100")
    assert "late" in net.out("exec", "db", "cat", "/etc/hosts")
    net.run("rm", "-f", "late")
    assert "late" not in net.out("exec", "db", "cat", "/etc/hosts")


def test_journey_net_none_has_only_lo(net):
    out = net.out("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link")
    assert [l.split(":")[1].strip() for l in out.splitlines()] == ["lo"]


def test_journey_net_host_sees_the_hosts_links(net):
    out = net.out("run", "--rm", "--network", "host", "busybox", "ip", "-o", "link")
    names = [l.split(":")[1].strip().split("@")[0] for l in out.splitlines()]
    assert netns.UPLINK in names and "lo" in names


def test_journey_net_container_mode_shares_the_stack(net):
    run_echo(net, "a", "tcp", 80)
    addr = ctr_ipv4(net, "a")
    out = net.out("run", "--rm", "--network", "container:a", "busybox", "ip", "-o", "-4", "addr",
                  "show", "eth0")
    assert out.split()[3].split("/")[0] == addr
    # Same stack: a's server answers on the shared loopback.
    p = net.run("run", "--rm", "--network", "container:a", "busybox", "sh", "-c",
                "echo shared | nc -w 5 127.0.0.1 80")
    assert p.stdout == "echo:shared\n"
    assert "127.0.0.1" in ctr_peers(net, "a")

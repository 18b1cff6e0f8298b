# SPDX-License-Identifier: Apache-2.0
"""-p / -P / `cell port`: published ports reachable from the remote by the
host's address and from the host by 127.0.0.1 (tcp and udp), free ports
picked, and taken or malformed ports refused before the container starts."""

import os

import netns

def serve(net, name, *args, port=80):
    net.run("run", "-d", "--name", name, *args, "busybox", "nc", "-ll", "-p", str(port), "-e", "/bin/cat")
    netns.wait_for(lambda: ":%d " % port in net.out("exec", name, "netstat", "-ltn"), what="the server")


def test_publish_tcp_from_remote_and_localhost(net):
    serve(net, "web", "-p", "8080:80")
    assert net.out("port", "web").strip() == "80/tcp -> 0.0.0.0:8080"
    assert net.out("port", "web", "80/tcp").strip() == "80/tcp -> 0.0.0.0:8080"
    out = net.world.remote.out(*netns.client_argv("tcp", netns.HOST_ADDR, 8080, "remote"))
    assert out == "remote\n"
    out = net.ns.out(*netns.client_argv("tcp", "127.0.0.1", 8080, "local"))
    assert out == "local\n"
    ports = net.json("inspect", "web")[0]["NetworkSettings"]["Ports"]
    assert ports == {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}


def test_publish_udp(net):
    # busybox's nc has no udp: the echo server runs in the container's namespace file
    net.run("run", "-d", "--name", "dns", "-p", "5353:53/udp", "busybox", "sleep", "100")
    ctr_ns = netns.Netns("ctr")
    ctr_ns.path = net.json("inspect", "dns")[0]["NetworkSettings"]["SandboxKey"]
    srv = net.world.serve("udp", 53, ns=ctr_ns)
    try:
        out = net.world.remote.out(*netns.client_argv("udp", netns.HOST_ADDR, 5353, "u"))
        assert out == "echo:u\n"
        out = net.ns.out(*netns.client_argv("udp", "127.0.0.1", 5353, "l"))
        assert out == "echo:l\n"
        assert srv.peers()[0] == netns.REMOTE_ADDR     # DNAT only: the remote's own address
    finally:
        srv.stop()


def test_publish_picks_a_free_port_and_range(net):
    net.run("run", "-d", "--name", "a", "-p", "80", "-p", "127.0.0.1::81", "-p", "9000-9001:90-91",
            "busybox", "sleep", "100")
    lines = sorted(net.out("port", "a").splitlines())
    assert lines[2:] == ["90/tcp -> 0.0.0.0:9000", "91/tcp -> 0.0.0.0:9001"]
    picked = int(lines[0].rsplit(":", 1)[1])
    assert lines[0].startswith("80/tcp -> 0.0.0.0:") and 1 <= picked <= 65535
    assert lines[1].startswith("81/tcp -> 127.0.0.1:")


def test_publish_all_exposed_ports(net):
    net.run("create", "--name", "base", "--network", "none", "busybox", "true")
    net.run("commit", "-c", "EXPOSE 80/tcp 53/udp", "base", "exposed")
    net.run("rm", "base")
    net.run("run", "-d", "--name", "p", "-P", "exposed", "sleep", "100")
    got = sorted(l.split(" -> ")[0] for l in net.out("port", "p").splitlines())
    assert got == ["53/udp", "80/tcp"]
    net.run("rm", "-f", "p")
    net.run("rmi", "exposed")


def bad_run(net, *args):
    p = net.run("run", "-d", *args, "busybox", "sleep", "100", check=False)
    assert p.returncode == 125, p
    assert net.out("ps", "-a", "-q") == ""
    return p.stderr


def test_bad_ports(net):
    assert 'invalid port "70000" in -p "70000:80"' in bad_run(net, "-p", "70000:80")
    assert 'invalid port "0" in -p "8080:0"' in bad_run(net, "-p", "8080:0")
    assert 'invalid port "x" in -p "x"' in bad_run(net, "-p", "x")
    assert 'invalid proto "sctpx"' in bad_run(net, "-p", "80/sctpx")
    assert "port publishing" in bad_run(net, "--network", "none", "-p", "80")


def test_port_already_bound_on_the_host(net):
    s = net.ns.popen("/usr/bin/python3", "-c",
                     "import socket,sys,time; s=socket.socket(); s.bind(('0.0.0.0', 8181)); s.listen();"
                     "print('ready', flush=True); time.sleep(100)", stdout=__import__("subprocess").PIPE,
                     text=True)
    try:
        assert s.stdout.readline().strip() == "ready"
        p = net.run("run", "-d", "--name", "c", "-p", "8181:80", "busybox", "sleep", "100", check=False)
        assert p.returncode == 125
        assert "bind for 0.0.0.0:8181 failed: port is already allocated" in p.stderr
        # the container exists (docker's run creates it) but holds nothing
        assert not os.path.exists(os.path.join(net.storage, "networks", "bridge.leases.json")) or \
            open(os.path.join(net.storage, "networks", "bridge.leases.json")).read().strip() in ("", "{}")
    finally:
        s.kill()
        s.wait()


def test_port_published_by_another_container(net):
    net.run("run", "-d", "--name", "a", "-p", "8282:80", "busybox", "sleep", "100")
    p = net.run("run", "-d", "--name", "b", "-p", "8282:80", "busybox", "sleep", "100", check=False)
    assert p.returncode == 125
    assert "bind for 0.0.0.0:8282 failed: port is already allocated by container" in p.stderr
    a_id = net.json("inspect", "a")[0]["Id"]
    assert a_id[:12] in p.stderr
    net.run("rm", "-f", "a")
    net.run("start", "b")
    assert net.out("port", "b").strip() == "80/tcp -> 0.0.0.0:8282"


def test_ip_taken_and_outside(net):
    net.run("network", "create", "--subnet", "10.70.0.0/24", "fixed")
    net.run("run", "-d", "--name", "a", "--network", "fixed", "--ip", "10.70.0.9", "busybox", "sleep", "100")
    assert net.ip_of("a") == "10.70.0.9"
    p = net.run("run", "-d", "--name", "b", "--network", "fixed", "--ip", "10.70.0.9", "busybox",
                "sleep", "100", check=False)
    assert p.returncode == 125
    assert "address 10.70.0.9 is already in use on network fixed by container" in p.stderr
    p = net.run("run", "--rm", "--network", "fixed", "--ip", "10.71.0.9", "busybox", "true", check=False)
    assert p.returncode == 125 and "address 10.71.0.9 is not in subnet 10.70.0.0/24 of network fixed" in p.stderr
    p = net.run("run", "--rm", "--ip", "10.88.0.9", "busybox", "true", check=False)
    assert p.returncode == 125 and "user defined networks only" in p.stderr

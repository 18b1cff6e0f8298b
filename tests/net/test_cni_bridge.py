# SPDX-License-Identifier: Apache-2.0
"""`--network cni:NAME` with Debian's containernetworking-plugins: a
bridge + host-local + portmap conflist written by the test into its own
directory, run in the world's host namespace.  The container gets an address
of the range, reaches the remote through the bridge plugin's ipMasq (the
remote sees the host's address), a published port works through portmap, and
rm leaves no veth and no host-local lease (the net fixture checks both)."""

import ipaddress
import json
import os

import pytest

import netns

SUBNET = "10.22.0.0/24"


def _need_plugins(net):
    for p in ("bridge", "host-local", "portmap"):
        if not os.access(os.path.join(net.cni_path, p), os.X_OK):
            pytest.skip("CNI plugin %s not installed in %s (containernetworking-plugins)"
                        % (p, net.cni_path))


def write_conflist(net, name="cnit", bridge="cnibr0", subnet=SUBNET, portmap=True):
    plugins = [{
        "type": "bridge", "bridge": bridge, "isGateway": True, "ipMasq": True,
        "ipam": {"type": "host-local", "ranges": [[{"subnet": subnet}]],
                 "routes": [{"dst": "0.0.0.0/0"}], "dataDir": net.cni_data_dir},
    }]
    if portmap:
        plugins.append({"type": "portmap", "capabilities": {"portMappings": True}, "snat": True})
    with open(os.path.join(net.cni_conf_dir, "20-%s.conflist" % name), "w") as f:
        json.dump({"cniVersion": "1.0.0", "name": name, "plugins": plugins}, f)


def ctr_addr(net, name):
    out = net.out("exec", name, "ip", "-o", "-4", "addr", "show", "eth0")
    return out.split()[3].split("/")[0]


def test_cni_bridge_address_and_nat_to_the_remote(net):
    _need_plugins(net)
    write_conflist(net)
    net.run("run", "-d", "--name", "c", "--network", "cni:cnit", "busybox", "sleep", "100")
    addr = ctr_addr(net, "c")
    assert ipaddress.ip_address(addr) in ipaddress.ip_network(SUBNET)
    lease = os.path.join(net.cni_data_dir, "cnit", addr)
    assert os.path.isfile(lease)
    srv = net.world.serve("tcp", 7000)
    try:
        out = net.out("exec", "c", "sh", "-c", "echo hi | nc -w 5 %s 7000" % netns.REMOTE_ADDR)
        assert out == "echo:hi\n"
        # Masqueraded: the remote knows no route to 10.22.0.0/24.
        assert srv.peers() == [netns.HOST_ADDR]
    finally:
        srv.stop()
    cid = net.json("inspect", "c")[0]["Id"]
    net.run("rm", "-f", "c")
    assert not os.path.exists(lease)
    assert [n for n, k in net.ns.links() if k == "veth"] == [netns.UPLINK]
    assert not os.path.exists(os.path.join(net.storage, "cni", "results", "cnit-%s-eth0.json" % cid))


def test_cni_residue_check_sees_the_plugins_leftovers(net):
    """While a CNI container exists the net fixture's check reports its veth,
    host-local lease, cached result and the plugins' chains; after rm, nothing."""
    import netresidue
    _need_plugins(net)
    write_conflist(net)
    net.run("run", "-d", "--name", "c", "--network", "cni:cnit", "-p", "8080:80", "busybox", "sleep", "100")
    found = " ".join(netresidue.net_residue(net))
    for what in ("links left", "host-local leases left", "CNI cache left", "CNI plugin chains left",
                 "netns files left", "ports still claimed"):
        assert what in found, found
    net.run("rm", "-f", "c")
    assert netresidue.net_residue(net) == []


def test_cni_two_containers_get_different_addresses_and_talk(net):
    _need_plugins(net)
    write_conflist(net, portmap=False)
    net.run("run", "-d", "--name", "a", "--network", "cni:cnit", "busybox",
            "nc", "-ll", "-p", "80", "-e", "/bin/cat")
    net.run("run", "-d", "--name", "b", "--network", "cni:cnit", "busybox", "sleep", "100")
    a, b = ctr_addr(net, "a"), ctr_addr(net, "b")
    assert a != b
    out = net.out("exec", "b", "sh", "-c", "echo over-the-bridge | nc -w 5 %s 80" % a)
    assert out == "over-the-bridge\n"


def test_cni_portmap_publishes_a_port_to_the_remote(net):
    _need_plugins(net)
    write_conflist(net)
    net.run("run", "-d", "--name", "web", "--network", "cni:cnit", "-p", "8080:80",
            "busybox", "nc", "-ll", "-p", "80", "-e", "/bin/cat")
    netns.wait_for(lambda: "80" in net.out("exec", "web", "netstat", "-ltn"), what="the server")
    out = net.world.remote.out(*netns.client_argv("tcp", netns.HOST_ADDR, 8080, "from-remote"))
    assert out == "from-remote\n"
    assert net.out("port", "web").strip() == "80/tcp -> 0.0.0.0:8080"
    # The port is claimed as on a bridge network: a second container cannot have it.
    p = net.run("run", "-d", "--name", "web2", "--network", "cni:cnit", "-p", "8080:80",
                "busybox", "sleep", "100", check=False)
    assert p.returncode != 0 and "8080" in p.stderr


def test_cni_portmap_picks_a_free_port(net):
    _need_plugins(net)
    write_conflist(net)
    net.run("run", "-d", "--name", "web", "--network", "cni:cnit", "-p", "80",
            "busybox", "nc", "-ll", "-p", "80", "-e", "/bin/cat")
    line = net.out("port", "web").strip()
    assert line.startswith("80/tcp -> 0.0.0.0:")
    port = int(line.rsplit(":", 1)[1])
    assert port > 0
    netns.wait_for(lambda: "80" in net.out("exec", "web", "netstat", "-ltn"), what="the server")
    out = net.world.remote.out(*netns.client_argv("tcp", netns.HOST_ADDR, port, "picked"))
    assert out == "picked\n"


def test_cni_bad_ipam_subnet_is_the_plugins_error(net):
    _need_plugins(net)
    write_conflist(net, subnet="10.22.0.0/99")
    p = net.run("run", "--network", "cni:cnit", "busybox", "true", check=False)
    assert p.returncode != 0
    assert "cni network cnit: plugin bridge: ADD:" in p.stderr
    assert "10.22.0.0/99" in p.stderr


def test_cni_stop_releases_and_start_attaches_again(net):
    _need_plugins(net)
    write_conflist(net)
    net.run("run", "-d", "--name", "c", "--network", "cni:cnit", "-p", "8080:80", "busybox",
            "nc", "-ll", "-p", "80", "-e", "/bin/cat")
    first = ctr_addr(net, "c")
    net.run("stop", "-t", "1", "c")
    # Stopped: DEL ran, so no veth, no lease, no cached result.
    assert [n for n, k in net.ns.links() if k == "veth"] == [netns.UPLINK]
    assert not os.path.exists(os.path.join(net.cni_data_dir, "cnit", first))
    assert os.listdir(os.path.join(net.storage, "cni", "results")) == []
    net.run("start", "c")
    addr = ctr_addr(net, "c")
    assert os.path.isfile(os.path.join(net.cni_data_dir, "cnit", addr))
    netns.wait_for(lambda: "80" in net.out("exec", "c", "netstat", "-ltn"), what="the server")
    out = net.world.remote.out(*netns.client_argv("tcp", netns.HOST_ADDR, 8080, "again"))
    assert out == "again\n"


def test_cni_sigkill_of_monitor_and_container_then_rm_runs_del(net):
    """Nobody ran DEL: the cache is all `rm -f` has, and it is enough."""
    import signal
    _need_plugins(net)
    write_conflist(net)
    net.run("run", "-d", "--name", "m", "--network", "cni:cnit", "-p", "8080:80", "busybox",
            "sleep", "100")
    addr = ctr_addr(net, "m")
    mons = []
    for p in os.listdir("/proc"):
        try:
            with open("/proc/%s/comm" % p) as f:
                comm = f.read().strip()
            with open("/proc/%s/cmdline" % p, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if comm == "cell-monitor" and net.root.encode() in cmd:
            mons.append(int(p))
    if not mons:
        pytest.skip("no cell-monitor process found for a detached container")
    for pid in mons:
        os.kill(pid, signal.SIGKILL)
    os.kill(net.json("inspect", "m")[0]["State"]["Pid"], signal.SIGKILL)
    assert os.path.isfile(os.path.join(net.cni_data_dir, "cnit", addr))
    assert len(os.listdir(os.path.join(net.storage, "cni", "results"))) == 1
    net.run("rm", "-f", "m")
    assert not os.path.exists(os.path.join(net.cni_data_dir, "cnit", addr))
    assert [n for n, k in net.ns.links() if k == "veth"] == [netns.UPLINK]

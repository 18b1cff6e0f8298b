# SPDX-License-Identifier: Apache-2.0
"""Teardown: --rm, rm -f, a SIGKILLed `cell run -d` or monitor, and many
concurrent runs leave no lease, link, nft element, port claim or netns file
(asserted here, and again by the net fixture's residue check)."""

import json
import os
import signal
import subprocess
import threading
import time

import pytest

import netns


def leases(net, network="bridge"):
    path = os.path.join(net.storage, "networks", network + ".leases.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        text = f.read().strip()
    return json.loads(text) if text else {}


def claims(net):
    path = os.path.join(net.storage, "networks", "ports.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.loads(f.read() or "{}")


def veths(net):
    return [n for n, k in net.ns.links() if k == "veth" and n != netns.UPLINK]


def port_elements(net):
    t = json.dumps(net.ns.nft_json("table", "inet", "cell") or [])
    return t.count('"comment"') - t.count('"masq')


def no_veths(net):
    # the kernel deletes a veth pair with its namespace, asynchronously
    netns.wait_for(lambda: veths(net) == [], what="the veths to go: %s" % veths(net))


def assert_clean(net):
    assert leases(net) == {}
    assert claims(net) == {}
    no_veths(net)
    nsdir = os.path.join(net.runroot, "netns")
    assert not os.path.isdir(nsdir) or os.listdir(nsdir) == []


def test_rm_and_auto_remove_leave_nothing(net):
    out = net.out("run", "--rm", "-p", "8383:80", "busybox", "sh", "-c", "ip -o -4 addr show eth0")
    assert " 10.88.0." in out
    assert_clean(net)
    net.run("run", "-d", "--name", "c", "-p", "8384:80", "busybox", "sleep", "100")
    cid = net.json("inspect", "c")[0]["Id"]
    assert list(leases(net).values()) == [cid]
    assert list(claims(net).values()) == [cid]
    assert veths(net) == ["veth" + cid[:11]]
    assert os.path.exists(os.path.join(net.runroot, "netns", cid))
    net.run("rm", "-f", "c")
    assert_clean(net)


def test_stop_releases_and_start_attaches_again(net):
    net.run("run", "-d", "--name", "c", "-p", "8385:80", "busybox", "sleep", "100")
    net.run("stop", "-t", "1", "c")
    assert_clean(net)
    assert net.out("port", "c") == ""
    net.run("start", "c")
    assert net.out("port", "c").strip() == "80/tcp -> 0.0.0.0:8385"
    assert net.ip_of("c").startswith("10.88.")


def test_sigkill_of_run_then_rm_cleans_up(net):
    # killed at several points of its start: whatever it recorded, rm -f removes
    # (the image is in the store first: a killed import is not this test's subject)
    net.run("image", "inspect", "busybox")
    for delay in (0.05, 0.15, 0.3, 0.6):
        p = net.popen("run", "-d", "--name", "k", "-p", "8386:80", "busybox", "sleep", "100",
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        net.run("rm", "-f", "k", check=False)
        assert_clean(net)


def monitors_of(net):
    """Pids of cell-monitor processes of this test's store."""
    out = []
    for p in os.listdir("/proc"):
        try:
            with open("/proc/%s/comm" % p) as f:
                comm = f.read().strip()
            with open("/proc/%s/cmdline" % p, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if comm == "cell-monitor" and net.root.encode() in cmd:
            out.append(int(p))
    return out


def test_sigkill_of_the_monitor_then_rm_cleans_up(net):
    net.run("run", "-d", "--name", "m", "-p", "8387:80", "busybox", "sleep", "100")
    mons = monitors_of(net)
    if not mons:
        pytest.skip("no cell-monitor process found for a detached container")
    for pid in mons:
        os.kill(pid, signal.SIGKILL)
    os.kill(net.json("inspect", "m")[0]["State"]["Pid"], signal.SIGKILL)
    assert leases(net) != {}        # nobody detached: the record is all rm has
    net.run("rm", "-f", "m")
    assert_clean(net)


def test_twenty_concurrent_runs_on_one_network(net):
    net.run("network", "create", "many")
    n = 20
    results = [None] * n

    def one(i):
        results[i] = net.run("run", "-d", "--name", "c%d" % i, "--network", "many", "busybox",
                             "sleep", "100", check=False)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0] * n, [r.stderr for r in results if r.returncode]
    ips = [net.ip_of("c%d" % i) for i in range(n)]
    assert len(set(ips)) == n
    assert sorted(leases(net, "many")) == sorted(ips)
    # every member's hosts file knows every other member
    h = net.out("exec", "c0", "cat", "/etc/hosts")
    assert all(("\tc%d " % i) in h for i in range(1, n))
    threads = [threading.Thread(target=lambda i=i: net.run("rm", "-f", "c%d" % i)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert leases(net, "many") == {}
    no_veths(net)
    net.run("network", "rm", "many")

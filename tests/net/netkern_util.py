# SPDX-License-Identifier: Apache-2.0
"""Shared pieces of the test_netkern_* tests: cell-net driven through its JSON
protocol (src/net/cell-net.c) inside network namespaces the tests make.

A "host" namespace stands for the machine cell runs on and a "remote" one for
the outside world, joined by a veth on private addresses (10.200.N.0/24).
cell-net runs in the host namespace through `nsenter --net` (not `ip netns
exec`, whose private mount namespace would drop the bind mounts of the
namespace files cell-net makes).  Nothing here touches the root namespace.
"""

import itertools
import json
import os
import shutil
import subprocess
import time

import pytest

_seq = itertools.count()


def helper_path():
    build = os.environ.get("CELL_BUILD_DIR") or os.path.join(
        os.path.dirname(__file__), "..", "..", "build")
    for p in (os.path.join(build, "cell-net"), os.path.join(build, "src", "net", "cell-net")):
        if os.access(p, os.X_OK):
            return os.path.abspath(p)
    pytest.fail(f"cell-net not built under {build}")


def require_host():
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    for tool in ("ip", "nft", "nsenter"):
        if not shutil.which(tool):
            pytest.skip(f"needs {tool}")


def sh(*args, check=True, input=None):
    r = subprocess.run(list(args), input=input, capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise AssertionError(f"{args}: {r.returncode}: {r.stderr}")
    return r


class Netns:
    """A named namespace (`ip netns add`), removed by close()."""

    def __init__(self, tag):
        self.name = f"nk{os.getpid() % 100000}{tag}{next(_seq)}"
        sh("ip", "netns", "add", self.name)
        self.path = f"/run/netns/{self.name}"
        self.run("ip", "link", "set", "lo", "up")

    def run(self, *args, check=True, input=None):
        return sh("nsenter", f"--net={self.path}", *args, check=check, input=input)

    def popen(self, *args):
        return subprocess.Popen(["nsenter", f"--net={self.path}", *args],
                                stdout=subprocess.PIPE, text=True)

    def close(self):
        sh("ip", "netns", "del", self.name, check=False)


class Host:
    """The stand-in host namespace, a remote one joined to it, and cell-net."""

    def __init__(self, tmp_path):
        self.n = next(_seq) % 200 + 20
        self.host = Netns("h")
        self.remote = Netns("r")
        self.helper = helper_path()
        self.nsdir = str(tmp_path / "netns")
        self.procs = []
        self.host_ip = f"10.200.{self.n}.1"
        self.remote_ip = f"10.200.{self.n}.2"
        sh("ip", "link", "add", "uplink", "netns", self.host.name, "type", "veth",
           "peer", "name", "wan", "netns", self.remote.name)
        self.host.run("ip", "addr", "add", f"{self.host_ip}/24", "dev", "uplink")
        self.host.run("ip", "link", "set", "uplink", "up")
        self.remote.run("ip", "addr", "add", f"{self.remote_ip}/24", "dev", "wan")
        self.remote.run("ip", "link", "set", "wan", "up")

    def cellnet(self, req, check=True):
        r = self.host.run(self.helper, check=False, input=json.dumps(req))
        if check:
            assert r.returncode == 0, f"cell-net {req['op']}: {r.stderr}"
            assert json.loads(r.stdout) == {"ok": True}
        return r

    def netns_path(self, cid):
        return os.path.join(self.nsdir, cid)

    def in_netns(self, path, *args, check=True):
        return sh("nsenter", f"--net={path}", *args, check=check)

    def server(self, nspath, proto, ip, port):
        """A server in `nspath` answering each tcp connection / udp datagram
        with the peer's address; returns once it listens."""
        code = SERVER.format(proto=proto, ip=ip, port=port)
        p = subprocess.Popen(["nsenter", f"--net={nspath}", "python3", "-c", code],
                             stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        assert p.stdout.readline().strip() == "ready"
        return p

    def client(self, nspath, proto, ip, port):
        """What a server at ip:port answers from `nspath` (its view of our address)."""
        code = CLIENT.format(proto=proto, ip=ip, port=port)
        r = sh("nsenter", f"--net={nspath}", "python3", "-c", code, check=False)
        assert r.returncode == 0, f"{proto} {ip}:{port} from {nspath}: {r.stderr.strip()}"
        return r.stdout.strip()

    def nft_table(self, family_name):
        r = self.host.run("nft", "list", "table", *family_name.split(), check=False)
        return r.stdout if r.returncode == 0 else ""

    def link_exists(self, ifname):
        return self.host.run("ip", "link", "show", ifname, check=False).returncode == 0

    def links(self):
        return sorted(l["ifname"] for l in json.loads(self.host.run("ip", "-j", "link").stdout))

    def wait_links(self, pred, timeout=20):
        """The host's links once `pred(links)` holds, polled up to `timeout` s.  A detach
        that removes the namespace file leaves the veth pair to the kernel's namespace
        cleanup, which runs asynchronously (a worker, soon after)."""
        deadline = time.monotonic() + timeout
        while True:
            links = self.links()
            if pred(links) or time.monotonic() > deadline:
                return links
            time.sleep(0.05)

    def link_gone(self, ifname, timeout=20):
        return ifname not in self.wait_links(lambda links: ifname not in links, timeout)

    def hold_netns(self, nspath):
        """A process inside `nspath` (keeps the namespace alive without its file)."""
        p = subprocess.Popen(["nsenter", f"--net={nspath}", "sleep", "600"])
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            p.kill()
            p.wait()
        if os.path.isdir(self.nsdir):
            for f in os.listdir(self.nsdir):
                path = os.path.join(self.nsdir, f)
                subprocess.run(["umount", "-l", path], capture_output=True)
                os.unlink(path)
        self.host.close()
        self.remote.close()


SERVER = """
import socket, sys
kind = socket.SOCK_STREAM if "{proto}" == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET6 if ":" in "{ip}" else socket.AF_INET, kind)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("{ip}", {port}))
if kind == socket.SOCK_STREAM:
    s.listen(16)
print("ready", flush=True)
while True:
    if kind == socket.SOCK_STREAM:
        c, a = s.accept()
        c.sendall(a[0].encode())
        c.close()
    else:
        data, a = s.recvfrom(100)
        s.sendto(a[0].encode(), a)
"""

CLIENT = """
import socket
kind = socket.SOCK_STREAM if "{proto}" == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET6 if ":" in "{ip}" else socket.AF_INET, kind)
s.settimeout(5)
s.connect(("{ip}", {port}))
if kind == socket.SOCK_DGRAM:
    s.send(b"x")
print(s.recv(100).decode())
"""


def bridge(name="bridge", device="cell0", subnet="10.88.0.0/16", gateway="10.88.0.1",
           internal=False, **extra):
    return {"name": name, "device": device, "subnet4": subnet, "gateway4": gateway,
            "internal": internal, **extra}


def endpoint(host, cid, addr, ports=(), host_ifname=None, ifname="eth0"):
    return {"id": cid, "netns": host.netns_path(cid), "driver": "bridge",
            "host_ifname": host_ifname or "veth" + cid[:11], "ifname": ifname,
            "addr4": addr, "default_route": True, "ports": list(ports)}


def port(proto, host_port, ctr_port, host_ip=""):
    return {"proto": proto, "host_ip": host_ip, "host_port": host_port, "ctr_port": ctr_port}


def cid(c):
    return c * 64


def wait_gone(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


@pytest.fixture
def nethost(tmp_path):
    require_host()
    h = Host(tmp_path)
    yield h
    h.close()

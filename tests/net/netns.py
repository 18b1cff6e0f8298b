# SPDX-License-Identifier: Apache-2.0
"""The stand-in world of the network tests (issue 14, check 1).

    remote ns  "the internet": 192.0.2.2/24 on `wan`, lo; knows only its own
               link (no default route), so a container's packets come back only
               when the host masqueraded them.
    host ns    where cell runs: 192.0.2.1/24 on `uplink` (the other end of the
               veth), lo, default route via 192.0.2.2.

Both namespaces are made with `ip netns add` under unique names and joined by a
veth created *inside* the host namespace (`ip -n HOST link add ... peer ...
netns REMOTE`), so nothing is ever made in, or sent through, the machine's own
root namespace.  Commands enter a namespace with `nsenter --net=/run/netns/NAME`
only (not `ip netns exec`, which also unshares the mount namespace: cell's
mounts, and the netns files it bind-mounts, must be seen by the next cell
command).

192.0.2.0/24 is TEST-NET-1 (RFC 5737): never routed anywhere.
"""

import json
import os
import subprocess
import time
import uuid

HOST_ADDR = "192.0.2.1"
REMOTE_ADDR = "192.0.2.2"
PREFIX = 24
UPLINK = "uplink"           # the host's interface towards the remote
WAN = "wan"                 # the remote's end


def _run(argv, check=True, timeout=60, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s: exit %d\nstdout: %s\nstderr: %s"
                             % (" ".join(argv), p.returncode, p.stdout, p.stderr))
    return p


class Netns:
    """One namespace made with `ip netns add NAME` (file /run/netns/NAME)."""

    def __init__(self, name):
        self.name = name
        self.path = "/run/netns/" + name

    def prefix(self):
        """The argv prefix that runs a command in this namespace (and nowhere else)."""
        return ["nsenter", "--net=" + self.path, "--"]

    def argv(self, *args):
        return self.prefix() + [str(a) for a in args]

    def run(self, *args, check=True, timeout=60, **kw):
        return _run(self.argv(*args), check=check, timeout=timeout, **kw)

    def out(self, *args, **kw):
        return self.run(*args, **kw).stdout

    def popen(self, *args, **kw):
        return subprocess.Popen(self.argv(*args), **kw)

    def links(self):
        """[(ifname, kind)] of every link; kind '' for a plain one."""
        out = []
        for l in json.loads(self.out("ip", "-d", "-j", "link", "show") or "[]"):
            out.append((l["ifname"], l.get("linkinfo", {}).get("info_kind", "")))
        return out

    def addrs(self, ifname=None):
        args = ["ip", "-j", "addr", "show"] + (["dev", ifname] if ifname else [])
        res = []
        for l in json.loads(self.out(*args) or "[]"):
            for a in l.get("addr_info", []):
                res.append(a["local"])
        return res

    def nft_json(self, *what):
        p = self.run("nft", "-j", "list", *what, check=False)
        if p.returncode != 0:
            return None
        return json.loads(p.stdout)["nftables"]


def unique(prefix):
    """A name of at most 15 characters, unique per test (pid + random)."""
    return (prefix + uuid.uuid4().hex)[:15]


class World:
    """A host and a remote namespace joined by a veth.  close() removes both."""

    def __init__(self):
        self.host = Netns(unique("cellh"))
        self.remote = Netns(unique("cellr"))
        self._made = []
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _build(self):
        for ns in (self.host, self.remote):
            _run(["ip", "netns", "add", ns.name])
            self._made.append(ns)
            ns.run("ip", "link", "set", "lo", "up")
        # Made inside the host ns, the peer straight into the remote one.
        self.host.run("ip", "link", "add", UPLINK, "type", "veth", "peer", "name", WAN,
                      "netns", self.remote.name)
        self.host.run("ip", "addr", "add", "%s/%d" % (HOST_ADDR, PREFIX), "dev", UPLINK)
        self.remote.run("ip", "addr", "add", "%s/%d" % (REMOTE_ADDR, PREFIX), "dev", WAN)
        self.host.run("ip", "link", "set", UPLINK, "up")
        self.remote.run("ip", "link", "set", WAN, "up")
        self.host.run("ip", "route", "add", "default", "via", REMOTE_ADDR)
        # A table of "another tool": must be byte-identical at teardown.
        self.host.run("nft", "-f", "-", input=OTHER_TABLE)
        self.other_table = self.host.out("nft", "list", "table", "inet", "othertool")

    def close(self):
        for ns in reversed(self._made):
            # Processes the test left in the namespace go with it.
            pids = _run(["ip", "netns", "pids", ns.name], check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except (OSError, ValueError):
                    pass
            _run(["ip", "netns", "del", ns.name], check=False)
        self._made = []

    # ---- the remote's servers ------------------------------------------

    def serve(self, proto, port, ns=None, addr="0.0.0.0"):
        """An echo server (tcp: answers each line with 'echo:' + the line and
        closes; udp: answers each datagram likewise) on ADDR:PORT in the remote
        (or NS).  Every peer address it saw is appended to the log file
        (`server.peers()`).  Stopped by the World's close or server.stop()."""
        return EchoServer(ns or self.remote, proto, addr, port)

    def residue(self):
        """What the world shows after a test, apart from what it was made with."""
        problems = []
        if self.host.out("nft", "list", "table", "inet", "othertool", check=False) != self.other_table:
            problems.append("another tool's nft table was changed")
        return problems


OTHER_TABLE = """
table inet othertool {
        set blocked {
                type ipv4_addr
                elements = { 198.51.100.7 }
        }
        chain input {
                type filter hook input priority 10; policy accept;
                ip saddr @blocked drop
        }
        chain forward {
                type filter hook forward priority 10; policy accept;
                ip daddr 198.51.100.9 drop
        }
}
"""


_SERVER = r"""
import socket, sys, threading
proto, addr, port, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
def note(peer):
    with open(log, "a") as f:
        f.write(peer + "\n")
if proto == "tcp":
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(64)
    print("ready", flush=True)
    def one(c, a):
        note(a[0])
        with c:
            c.settimeout(10)
            data = b""
            while not data.endswith(b"\n"):
                d = c.recv(4096)
                if not d: break
                data += d
            c.sendall(b"echo:" + data)
    while True:
        c, a = s.accept()
        threading.Thread(target=one, args=(c, a), daemon=True).start()
else:
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, port))
    print("ready", flush=True)
    while True:
        d, a = s.recvfrom(65535)
        note(a[0])
        s.sendto(b"echo:" + d, a)
"""


class EchoServer:
    def __init__(self, ns, proto, addr, port):
        import tempfile
        self.log = tempfile.mktemp(prefix="cell-echo-", suffix=".log")
        open(self.log, "w").close()
        self.proc = ns.popen("/usr/bin/python3", "-c", _SERVER, proto, addr, str(port), self.log,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise AssertionError("echo server %s %s:%d in %s did not start: %s"
                                 % (proto, addr, port, ns.name, self.proc.stderr.read()))

    def peers(self):
        with open(self.log) as f:
            return [l.strip() for l in f if l.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        try:
            os.unlink(self.log)
        except OSError:
            pass


def client_argv(proto, addr, port, message="ping"):
    """A python3 one-shot client (run it in a namespace with Netns.argv): prints
    the server's answer, exit 1 on timeout."""
    code = r"""
import socket, sys
proto, addr, port, msg = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
try:
    if proto == "tcp":
        s = socket.create_connection((addr, port), timeout=5)
        s.sendall(msg.encode() + b"\n")
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            d = s.recv(4096)
            if not d: break
            data += d
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(2)
        for _ in range(3):
            s.sendto(msg.encode() + b"\n", (addr, port))
            try:
                data, _a = s.recvfrom(65535); break
            except socket.timeout:
                continue
        else:
            raise socket.timeout()
except (OSError, socket.timeout) as e:
    print("client: %s" % e, file=sys.stderr); sys.exit(1)
sys.stdout.write(data.decode())
"""
    return ["/usr/bin/python3", "-c", code, proto, addr, str(port), message]


def wait_for(pred, timeout=15, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.1)

# SPDX-License-Identifier: Apache-2.0
"""bench/net.sh's driver; runs inside the bench's stand-in host namespace.

Latency of one container's network setup and teardown, bridge + NAT + one
published tcp port, each tool the way its engine calls it:
  cell-net   the helper cell spawns (src/net/cell-net.c): one attach, one
             detach request (the network is up beforehand, as cell keeps it)
  cell run   `cell run -d -p 8080:80` minus `cell run -d --network none`
             (and `rm -f` likewise): what the network adds to a whole start
  netavark   /usr/lib/podman/netavark setup / teardown with the JSON podman
             hands it (netavark removes the bridge and its chains with the
             last container, as under podman)
  cni        bridge (ipMasq, host-local) + portmap executed as libcni/cnitool
             does: ADD in order with prevResult, DEL in reverse
Each round makes the container's namespace file beforehand (not timed).
Then iperf3 throughput through cell's bridge (endpoints attached by cell-net)
vs a bare veth pair between the same namespaces.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ARGS = dict(a.split("=", 1) for a in sys.argv[1:])
TMP = ARGS["tmp"]
CELL = ARGS.get("cell", "")
CELL_NET = ARGS.get("cellnet", "")
RUNS = int(ARGS.get("runs", "20"))
REMOTE = ARGS["remote"]
NETAVARK = "/usr/lib/podman/netavark"
CNI = "/usr/lib/cni"
CID = "b" * 64


def sh(*argv, input=None, check=True, env=None):
    p = subprocess.run(argv, input=input, capture_output=True, text=True, env=env)
    if check and p.returncode:
        raise SystemExit("bench/net: %s: exit %d: %s %s" % (" ".join(argv), p.returncode, p.stdout, p.stderr))
    return p


def timed(*argv, input=None, env=None):
    t = time.perf_counter()
    sh(*argv, input=input, env=env)
    return (time.perf_counter() - t) * 1000


def netns_file():
    sh("ip", "netns", "add", "benchctr")
    return "/run/netns/benchctr"


def netns_gone():
    sh("ip", "netns", "del", "benchctr", check=False)


# ---- netavark ---------------------------------------------------------------

def netavark_opts(ns):
    return json.dumps({
        "container_id": CID, "container_name": "bench",
        "port_mappings": [{"container_port": 80, "host_ip": "", "host_port": 8080,
                           "protocol": "tcp", "range": 1}],
        "networks": {"podman": {"interface_name": "eth0", "static_ips": ["10.90.0.2"]}},
        "network_info": {"podman": {
            "dns_enabled": False, "driver": "bridge", "id": "a" * 64, "internal": False,
            "ipv6_enabled": False, "name": "podman", "network_interface": "podman9",
            "subnets": [{"gateway": "10.90.0.1", "subnet": "10.90.0.0/24"}]}},
    })


def netavark_round():
    ns = netns_file()
    cfg = os.path.join(TMP, "netavark")
    os.makedirs(cfg, exist_ok=True)
    opts = netavark_opts(ns)
    s = timed(NETAVARK, "--config", cfg, "setup", ns, input=opts)
    t = timed(NETAVARK, "--config", cfg, "teardown", ns, input=opts)
    netns_gone()
    return s, t


# ---- CNI ----------------------------------------------------------------------

def cni_list():
    return {"cniVersion": "1.0.0", "name": "benchcni", "plugins": [
        {"type": "bridge", "bridge": "cnibench0", "isGateway": True, "ipMasq": True,
         "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.91.0.0/24"}]],
                  "routes": [{"dst": "0.0.0.0/0"}], "dataDir": os.path.join(TMP, "cni-data")}},
        {"type": "portmap", "capabilities": {"portMappings": True}, "snat": True}]}


def cni_exec(cmd, plugin, ns, prev):
    lst = cni_list()
    conf = dict(lst["plugins"][plugin], name=lst["name"], cniVersion=lst["cniVersion"])
    if prev is not None:
        conf["prevResult"] = prev
    if "capabilities" in conf:
        conf["runtimeConfig"] = {"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]}
    env = dict(os.environ, CNI_COMMAND=cmd, CNI_CONTAINERID=CID, CNI_NETNS=ns, CNI_IFNAME="eth0",
               CNI_PATH=CNI, CNI_ARGS="")
    p = sh(os.path.join(CNI, conf["type"]), input=json.dumps(conf), env=env)
    return json.loads(p.stdout) if cmd == "ADD" else prev


def cni_round():
    ns = netns_file()
    t0 = time.perf_counter()
    r = cni_exec("ADD", 0, ns, None)
    r = cni_exec("ADD", 1, ns, r)
    t1 = time.perf_counter()
    cni_exec("DEL", 1, ns, r)
    cni_exec("DEL", 0, ns, r)
    t2 = time.perf_counter()
    netns_gone()
    return (t1 - t0) * 1000, (t2 - t1) * 1000


# ---- cell ---------------------------------------------------------------------

def cell(*args, check=True):
    return sh(CELL, "--storage", os.path.join(TMP, "storage"), "--runroot", os.path.join(TMP, "run"),
              *args, check=check)


def cell_timed(*args):
    return timed(CELL, "--storage", os.path.join(TMP, "storage"), "--runroot", os.path.join(TMP, "run"), *args)


def cell_run_round(i):
    """`cell run -d` with bridge + -p vs --network none; rm -f of each."""
    a = cell_timed("run", "-d", "--name", "bn%d" % i, "-p", "8080:80", "busybox", "sleep", "1000")
    b = cell_timed("run", "-d", "--name", "nn%d" % i, "--network", "none", "busybox", "sleep", "1000")
    c = cell_timed("rm", "-f", "bn%d" % i)
    d = cell_timed("rm", "-f", "nn%d" % i)
    return a - b, c - d, a, c


CELL_NET_REQ = None     # filled by cell_net_requests() when cell-net speaks them


def cell_net_requests(ns):
    """The bridge and endpoint of attach/detach requests as netops.c builds them (DESIGN.md's
    structs): the default network as `cell network inspect bridge` shows it, else DESIGN.md's
    defaults; the network is brought up first (network_up is idempotent)."""
    bridge = {"name": "bridge", "device": "cell0", "subnet4": "10.88.0.0/16",
              "gateway4": "10.88.0.1", "internal": False}
    p = cell("network", "inspect", "bridge", check=False) if CELL else None
    if p is not None and p.returncode == 0:
        net = json.loads(p.stdout)
        net = net[0] if isinstance(net, list) else net
        bridge["device"] = net.get("device", bridge["device"])
        subs = net.get("subnets") or []
        if subs:
            bridge["subnet4"], bridge["gateway4"] = subs[0]["subnet"], subs[0]["gateway"]
    sh(CELL_NET, input=json.dumps({"op": "network_up", "bridge": bridge}))
    ep = {"id": CID, "netns": ns, "driver": "bridge", "host_ifname": "veth" + CID[:11],
          "ifname": "eth0", "addr4": "10.88.200.2/" + bridge["subnet4"].split("/")[1],
          "default_route": True,
          "ports": [{"proto": "tcp", "host_port": 8080, "ctr_port": 80}]}
    return bridge, ep


def cell_net_round(bridge, ep):
    ns = netns_file()
    s = timed(CELL_NET, input=json.dumps({"op": "attach", "bridge": bridge, "endpoint": ep}))
    t = timed(CELL_NET, input=json.dumps({"op": "detach", "bridge": bridge, "endpoint": ep,
                                         "remove_netns": True}))
    netns_gone()
    return s, t


# ---- throughput ---------------------------------------------------------------

def iperf(server_ns, client_ns, addr):
    srv = subprocess.Popen(["nsenter", "--net=" + server_ns, "iperf3", "-s", "-1", "-B", addr],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            p = subprocess.run(["nsenter", "--net=" + client_ns, "iperf3", "-c", addr, "-t",
                                ARGS.get("iperf_secs", "4"), "-J"], capture_output=True, text=True)
            res = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
            if p.returncode == 0 and "sum_received" in res.get("end", {}):
                return res["end"]["sum_received"]["bits_per_second"] / 1e9
            time.sleep(0.1)
        raise SystemExit("bench/net: iperf3 to %s failed: %s" % (addr, res.get("error", p.stdout[-300:])))
    finally:
        srv.kill()
        srv.wait()


def bare_pair(ns_a, ns_b, a, b):
    """A veth pair straight between two namespace files; returns a remover."""
    sh("nsenter", "--net=" + ns_a, "ip", "link", "add", "barea", "type", "veth", "peer", "name", "bareb",
       "netns", ns_b)
    sh("nsenter", "--net=" + ns_a, "ip", "addr", "add", a + "/30", "dev", "barea")
    sh("nsenter", "--net=" + ns_b, "ip", "addr", "add", b + "/30", "dev", "bareb")
    sh("nsenter", "--net=" + ns_a, "ip", "link", "set", "barea", "up")
    sh("nsenter", "--net=" + ns_b, "ip", "link", "set", "bareb", "up")
    return lambda: sh("nsenter", "--net=" + ns_a, "ip", "link", "del", "barea", check=False)


def throughput(bridge):
    """Two endpoints attached by cell-net (the data path a container on the default network
    gets: veth into its namespace, the bridge, cell's nft table and NAT) in namespace files
    of the bench's own, against a bare veth pair between the same namespaces."""
    ns, eps = {}, {}
    prefix = bridge["subnet4"].split("/")[1]
    for i, c in enumerate(("ip1", "ip2")):
        sh("ip", "netns", "add", "bench" + c)
        ns[c] = "/run/netns/bench" + c
        cid = ("%d" % (i + 1)) * 64
        eps[c] = {"id": cid, "netns": ns[c], "driver": "bridge", "host_ifname": "veth" + cid[:11],
                  "ifname": "eth0", "addr4": "10.88.201.%d/%s" % (i + 2, prefix),
                  "default_route": True, "ports": []}
        sh(CELL_NET, input=json.dumps({"op": "attach", "bridge": bridge, "endpoint": eps[c]}))
    addr = {c: eps[c]["addr4"].split("/")[0] for c in eps}
    rows = []
    reps = int(ARGS.get("iperf_reps", "3"))
    remote_ns = ARGS["remote_ns"]
    try:
        # Each comparison alternates cell's path and the bare pair `reps` times (the bare pair
        # made and removed around each of its runs, so that it never shares the namespaces'
        # routing with cell's interfaces during cell's run); medians.
        for label, srv_ns, cli_ns, addr_cell, bare_addrs in (
                ("container <-> container", ns["ip1"], ns["ip2"], addr["ip1"], ("198.18.0.1", "198.18.0.2")),
                ("container -> remote (NAT)", remote_ns, ns["ip1"], REMOTE, ("198.18.0.6", "198.18.0.5"))):
            cell_runs, bare_runs = [], []
            for _ in range(reps):
                cell_runs.append(iperf(srv_ns, cli_ns, addr_cell))
                rm = bare_pair(srv_ns, cli_ns, bare_addrs[0], bare_addrs[1])
                try:
                    bare_runs.append(iperf(srv_ns, cli_ns, bare_addrs[0]))
                finally:
                    rm()
            rows.append((label, statistics.median(cell_runs), statistics.median(bare_runs)))
    finally:
        for c in eps:
            sh(CELL_NET, input=json.dumps({"op": "detach", "bridge": bridge, "endpoint": eps[c],
                                          "remove_netns": False}), check=False)
            sh("ip", "netns", "del", "bench" + c, check=False)
    return rows


def summary(name, xs):
    xs = sorted(xs)
    return name, statistics.median(xs), xs[int(0.9 * (len(xs) - 1))]


def main():
    results = {}
    have_cell = bool(CELL) and os.access(CELL, os.X_OK)
    # Warm-up: the first use makes the bridges, tables, chains.
    netavark_round()
    cni_round()
    bridge = ep = None
    if CELL_NET and os.access(CELL_NET, os.X_OK) and os.environ.get("BENCH_CELL_NET", "1") == "1":
        try:
            bridge, ep = cell_net_requests("/run/netns/benchctr")
            cell_net_round(bridge, ep)
        except SystemExit as e:
            print("bench/net: cell-net driven directly: skipped (%s)" % e, file=sys.stderr)
            netns_gone()
            bridge = None
    if have_cell:
        p = cell("run", "-d", "--name", "warm", "-p", "8080:80", "busybox", "sleep", "1000", check=False)
        cell("rm", "-f", "warm", check=False)
        if p.returncode:
            print("bench/net: cell skipped: `cell run -d -p 8080:80` failed: %s" % p.stderr.strip(),
                  file=sys.stderr)
            have_cell = False
    for i in range(RUNS):          # interleaved: a load change hits every tool alike
        for name, fn in (("netavark", netavark_round), ("cni bridge+portmap", cni_round)):
            s, t = fn()
            results.setdefault(name, ([], []))
            results[name][0].append(s)
            results[name][1].append(t)
        if bridge:
            s, t = cell_net_round(bridge, ep)
            results.setdefault("cell-net attach/detach", ([], []))
            results["cell-net attach/detach"][0].append(s)
            results["cell-net attach/detach"][1].append(t)
        if have_cell:
            s, t, whole_s, whole_t = cell_run_round(i)
            for k, a, b in (("cell run delta vs none", s, t), ("cell run -d / rm -f whole", whole_s, whole_t)):
                results.setdefault(k, ([], []))
                results[k][0].append(a)
                results[k][1].append(b)
    nv = results["netavark"]
    base_s, base_t = statistics.median(nv[0]), statistics.median(nv[1])
    print("setup/teardown of one container, bridge + NAT + 1 published tcp port, %d runs each" % RUNS)
    print("%-28s %10s %8s %9s | %10s %8s %9s" % ("", "setup ms", "p90", "/netavark",
                                                 "teardown", "p90", "/netavark"))
    for name, (s, t) in results.items():
        _, ms, ps = summary(name, s)
        _, mt, pt = summary(name, t)
        print("%-28s %10.1f %8.1f %9.3f | %10.1f %8.1f %9.3f" % (name, ms, ps, ms / base_s, mt, pt, mt / base_t))
    if bridge and os.environ.get("BENCH_IPERF", "1") == "1":
        print()
        print("iperf3 throughput (Gbit/s), median of %s alternating runs of %ss each"
              % (ARGS.get("iperf_reps", "3"), ARGS.get("iperf_secs", "4")))
        print("%-28s %10s %10s %8s" % ("", "cell", "bare veth", "ratio"))
        for name, c, b in throughput(bridge):
            print("%-28s %10.2f %10.2f %8.3f" % (name, c, b, c / b))


if __name__ == "__main__":
    main()

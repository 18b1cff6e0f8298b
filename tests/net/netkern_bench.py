# SPDX-License-Identifier: Apache-2.0
"""Wall and CPU time of one attach and one detach (bridge + veth + one
published port), cell-net spawned fresh each time, against the same work
done with ip/nft commands; median of 20.  Not a test (no timing assertions
anywhere): run it inside a scratch namespace,

    ip netns add nkb && nsenter --net=/run/netns/nkb \\
        python3 tests/net/netkern_bench.py build/src/net/cell-net; ip netns del nkb
"""
import json, os, resource, statistics, subprocess, sys, time
helper = sys.argv[1]
N = 20
B = {"name": "bridge", "device": "cell0", "subnet4": "10.88.0.0/16", "gateway4": "10.88.0.1"}
def cellnet(req):
    r = subprocess.run([helper], input=json.dumps(req).encode(), capture_output=True)
    assert r.returncode == 0, r.stderr
subprocess.run([helper], input=json.dumps({"op": "network_up", "bridge": B}).encode(), check=True, capture_output=True)
os.makedirs("/run/cell-netkern-bench", exist_ok=True)
def ep(i):
    cid = f"{i:064x}"
    return {"id": cid, "netns": f"/run/cell-netkern-bench/{cid}", "driver": "bridge",
            "host_ifname": f"veth{cid[-11:]}", "ifname": "eth0", "addr4": "10.88.0.5/16",
            "default_route": True, "ports": [{"proto": "tcp", "host_ip": "", "host_port": 8080, "ctr_port": 80}]}
def run(*cmds):
    for c, inp in cmds:
        subprocess.run(c, input=inp, check=True, capture_output=True)
res = {"cellnet_attach": [], "cellnet_detach": [], "ip_attach": [], "ip_detach": []}
cpu = {k: [] for k in res}
def ru():
    r = resource.getrusage(resource.RUSAGE_CHILDREN); return r.ru_utime + r.ru_stime

for i in range(N):
    e = ep(i)
    t = time.perf_counter(); c0 = ru(); cellnet({"op": "attach", "bridge": B, "endpoint": e}); res["cellnet_attach"].append(time.perf_counter() - t); cpu["cellnet_attach"].append(ru() - c0)
    t = time.perf_counter(); c0 = ru(); cellnet({"op": "detach", "bridge": B, "endpoint": e, "remove_netns": True}); res["cellnet_detach"].append(time.perf_counter() - t); cpu["cellnet_detach"].append(ru() - c0)
    x = f"nkb{i}"; v = f"vethb{i}"
    t = time.perf_counter(); c0 = ru()
    run((["ip", "netns", "add", x], None),
        (["ip", "-b", "-"], f"link add {v} type veth peer name eth0 netns {x}\nlink set {v} master cell0 up\n".encode()),
        (["ip", "-n", x, "-b", "-"], b"link set lo up\naddr add 10.88.0.5/16 dev eth0\nlink set eth0 up\nroute add default via 10.88.0.1\n"),
        (["nft", "add element inet cell ports_tcp { 8080 : 10.88.0.5 . 80 }"], None))
    res["ip_attach"].append(time.perf_counter() - t); cpu["ip_attach"].append(ru() - c0)
    t = time.perf_counter(); c0 = ru()
    run((["nft", "delete element inet cell ports_tcp { 8080 }"], None),
        (["ip", "link", "del", v], None),
        (["ip", "netns", "del", x], None))
    res["ip_detach"].append(time.perf_counter() - t); cpu["ip_detach"].append(ru() - c0)
for k, v in res.items():
    print(f"{k:16s} wall median {statistics.median(v)*1000:6.2f} ms  min {min(v)*1000:6.2f}  max {max(v)*1000:6.2f}   cpu(user+sys) median {statistics.median(cpu[k])*1000:5.2f} ms")
subprocess.run([helper], input=json.dumps({"op": "network_down", "bridge": B}).encode(), check=True, capture_output=True)
os.rmdir("/run/cell-netkern-bench")

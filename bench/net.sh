#!/usr/bin/env bash
# bench/net.sh: issue 14's check 3 in one run (the driver is bench/net.py):
#   setup and teardown latency of one container's network, bridge + NAT + one published
#   tcp port: cell (cell-net attach/detach as the engine spawns it, and `cell run -d -p`
#   minus `cell run -d --network none`) against netavark (podman's, setup/teardown with
#   podman's JSON) and the CNI bridge+portmap chain (plugins executed as cnitool does);
#   medians, p90 and the ratio to netavark;
#   iperf3 throughput container<->container and container->remote through cell's
#   bridge (and NAT) against a bare veth pair between the same two namespaces.
# Everything happens in two namespaces the script makes (a stand-in host, where the tools
# run, and a remote on 192.0.2.0/24 as in tests/net/netns.py); the machine's root
# namespace is never touched, and nothing is left behind (the namespaces go at exit).
# Runs as root from any directory.
# Environment: BENCH_RUNS (default 20), BENCH_IPERF (default 1; 0: skip throughput),
# BENCH_IPERF_SECS (default 4), BENCH_IPERF_REPS (default 3), CELL_BUILD_DIR.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${CELL_BUILD_DIR:-$repo/build}
cell=$build/cell
cellnet=$build/src/net/cell-net
[[ -x $build/cell-net ]] && cellnet=$build/cell-net
runs=${BENCH_RUNS:-20}

[[ $(id -u) == 0 ]] || { echo "bench/net: run as root" >&2; exit 1; }
for tool in ip nsenter python3 iperf3 /usr/lib/podman/netavark /usr/lib/cni/bridge \
	/usr/lib/cni/portmap /usr/lib/cni/host-local; do
	command -v "$tool" >/dev/null || { echo "bench/net: $tool not installed" >&2; exit 1; }
done
[[ -x $cell ]] || { echo "bench/net: $cell not built" >&2; exit 1; }

tmp=$(mktemp -d /tmp/cell-bench-net-XXXXXX)
chmod 755 "$tmp"
host=cbnh$$
remote=cbnr$$
cleanup() {
	nsenter --net=/run/netns/$host "$cell" --storage "$tmp/storage" --runroot "$tmp/run" \
		rm -f --all >/dev/null 2>&1 || true
	for n in benchctr benchip1 benchip2; do ip netns del $n 2>/dev/null || true; done
	ip netns del "$host" 2>/dev/null || true
	ip netns del "$remote" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$host"
ip netns add "$remote"
ip -n "$host" link set lo up
ip -n "$remote" link set lo up
ip -n "$host" link add uplink type veth peer name wan netns "$remote"
ip -n "$host" addr add 192.0.2.1/24 dev uplink
ip -n "$remote" addr add 192.0.2.2/24 dev wan
ip -n "$host" link set uplink up
ip -n "$remote" link set wan up
ip -n "$host" route add default via 192.0.2.2

echo "host: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "netavark $(/usr/lib/podman/netavark --version | awk '{print $2}'), CNI plugins $(dpkg-query -W -f '${Version}' containernetworking-plugins 2>/dev/null || echo '?'), cell $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
nsenter --net=/run/netns/$host python3 "$repo/bench/net.py" tmp="$tmp" cell="$cell" \
	cellnet="$cellnet" runs="$runs" remote=192.0.2.2 remote_ns=/run/netns/$remote \
	iperf_secs="${BENCH_IPERF_SECS:-4}" iperf_reps="${BENCH_IPERF_REPS:-3}"

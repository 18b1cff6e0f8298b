#!/usr/bin/env bash
# bench/vm.sh: boot-to-exit of a micro-VM (issue 15), in one run:
#   cell vm run     `cell vm run ROOTFS /bin/true`: cell's driver (spawn QEMU, initramfs in a
#                   memfd, protocol over a virtio-console port, exit status, cleanup)
#   plain qemu      the same QEMU command line (`cell vm run --print-qemu`), the same kernel,
#                   init and initramfs (as a file), started by bench/vm_plain.c: a socketpair
#                   with the protocol's input written in advance, then exec QEMU; no relay,
#                   no status, no cleanup: what no driver can go below
#   container       `cell-oci run` of the same rootfs as a container (BENCH_CONTAINER=0: off)
#   cell run --isolation=vm   the engine: `cell run --rm --isolation=vm busybox true` (record,
#                   overlay mount, monitor, the VM process, QEMU on the same kernel and init,
#                   the rootfs over 9p, --rm's removal)
#   cell run --isolation=container   the same image as a container
# and the ratio of each to plain QEMU.  Accelerator: $CELL_VM_ACCEL (default tcg here).
# Runs as root from any directory; leaves nothing behind.
# Environment: BENCH_RUNS (default 20), BENCH_ROUNDS (default 5; the runs are interleaved in
# rounds), BENCH_WARMUP (default 1, per round), CELL_BUILD_DIR.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${CELL_BUILD_DIR:-$repo/build}
cell=$build/cell
init=${CELL_GUEST_INIT:-$build/src/vm/cell-guest-init}
runs=${BENCH_RUNS:-20}
warmup=${BENCH_WARMUP:-1}
export CELL_VM_ACCEL=${CELL_VM_ACCEL:-tcg}
export CELL_GUEST_INIT=$init

for tool in hyperfine qemu-system-x86_64 cpio python3 cc; do
	command -v "$tool" >/dev/null || { echo "bench/vm: $tool not installed" >&2; exit 1; }
done
[[ -x $cell ]] || { echo "bench/vm: $cell not built" >&2; exit 1; }
[[ -f $init ]] || { echo "bench/vm: $init not built" >&2; exit 1; }
kernel=$("$repo/scripts/guest-kernel.sh")
export CELL_GUEST_KERNEL=$kernel

tmp=$(mktemp -d /tmp/cell-bench-vm-XXXXXX)
trap '"$cell" --storage "$tmp/store" --runroot "$tmp/run" rm -f --all >/dev/null 2>&1; rm -rf "$tmp"' EXIT
rootfs=$tmp/rootfs
"$repo/scripts/mkrootfs.sh" "$rootfs"

# The initramfs cell writes into a memfd (src/vm/initramfs.c), as a file.
mkdir -p "$tmp/ir/dev"
mknod "$tmp/ir/dev/console" c 5 1
cp "$init" "$tmp/ir/init"
(cd "$tmp/ir" && printf 'dev\ndev/console\ninit\n' | cpio --quiet -o -H newc) >"$tmp/initrd"

# What cell sends the guest (src/vm/protocol.h): the configuration, stdin's end, and the
# acknowledgement of the exit report up front, so the init powers off at once.
python3 - "$tmp/io.in" <<'PY'
import struct, sys
def frame(t, payload=b""):
    return t.encode() + b"\0" + struct.pack("<I", len(payload)) + payload
recs = [b"arg=/bin/true", b"env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        b"cwd=/", b"uid=0", b"gid=0", b"groups=", b"hostname=cell", b"rootfs=overlay"]
with open(sys.argv[1], "wb") as f:
    f.write(frame("C", b"".join(r + b"\0" for r in recs)) + frame("Z") + frame("A"))
PY

# cell's own QEMU command line, with files in place of the sockets and the memfd.
mapfile -t qemu < <("$cell" vm run --print-qemu "$rootfs" /bin/true)
for i in "${!qemu[@]}"; do
	case ${qemu[$i]} in
	INITRD) qemu[$i]=$tmp/initrd ;;
	socket,id=console,fd=-1) qemu[$i]=file,id=console,path=/dev/null ;;
	socket,id=io,fd=-1) qemu[$i]=socket,id=io,fd=@IO@ ;;
	esac
done
cc -O2 -o "$tmp/vm_plain" "$repo/bench/vm_plain.c"
plain=("$tmp/vm_plain" "$tmp/io.in" "${qemu[@]}")

# A sanity run of each: both must boot, run the command and power off within a minute.
timeout 60 "${plain[@]}" || { echo "bench/vm: the plain QEMU line failed" >&2; exit 1; }
timeout 60 "$cell" vm run "$rootfs" /bin/true

# The engine, in a store of its own: busybox is its built-in image.
engine=("$cell" --storage "$tmp/store" --runroot "$tmp/run")
timeout 60 "${engine[@]}" run --rm --network none --isolation=vm busybox true
cmds=(-n "cell vm run" "$cell vm run $rootfs /bin/true"
      -n "plain qemu" "$(printf '%q ' "${plain[@]}")"
      -n "cell run --isolation=vm" "$(printf '%q ' "${engine[@]}") run --rm --network none --isolation=vm busybox true"
      -n "cell run --isolation=container" "$(printf '%q ' "${engine[@]}") run --rm --network none busybox true")
if [[ ${BENCH_CONTAINER:-1} == 1 && -x $build/cell-oci ]]; then
	bundle=$tmp/bundle
	mkdir -p "$bundle"
	ln -s "$rootfs" "$bundle/rootfs"
	(cd "$bundle" && "$build/cell-oci" spec && python3 - <<'PY'
import json
c = json.load(open("config.json"))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open("config.json", "w"))
PY
	)
	cmds+=(-n "container (cell-oci run)" "$build/cell-oci --root $tmp/state run -b $bundle bench-vm")
fi

echo "bench/vm: accelerator $CELL_VM_ACCEL, kernel $kernel, load: $(cut -d' ' -f1-3 /proc/loadavg)"
# Interleaved rounds, as bench/startup.sh does: a change of load on this shared machine
# then hits every command alike instead of whichever hyperfine happened to run last.
rounds=${BENCH_ROUNDS:-5}
per=$(( (runs + rounds - 1) / rounds ))
for ((r = 0; r < rounds; r++)); do
	hyperfine --shell=none --style none --warmup "$warmup" --runs "$per" \
		--export-json "$tmp/round-$r.json" "${cmds[@]}" >/dev/null
done
python3 - "$tmp"/round-*.json <<'PY'
import json, statistics, sys
times = {}
for path in sys.argv[1:]:
    for x in json.load(open(path))["results"]:
        times.setdefault(x["command"], []).extend(x["times"])
base = statistics.median(times["plain qemu"])
print("%-32s %6s %10s %10s %8s" % ("", "runs", "median ms", "p90 ms", "ratio"))
for name, t in times.items():
    t.sort()
    print("%-32s %6d %10.1f %10.1f %8.3f" % (name, len(t), statistics.median(t) * 1000,
                                             t[int(0.9 * (len(t) - 1))] * 1000, statistics.median(t) / base))
PY
# Host memory of one idle VM: PSS of the VM process (cell-vm), QEMU and the container's
# holder (cell-monitor), once the guest answers an exec.
"${engine[@]}" run -d --name bench-idle --network none --isolation=vm busybox sleep 600 >/dev/null
for _ in $(seq 1 300); do "${engine[@]}" exec bench-idle true 2>/dev/null && break; sleep 0.1; done
vmpid=$("${engine[@]}" inspect bench-idle | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])')
python3 - "$vmpid" <<'PY'
import sys
vm = int(sys.argv[1])
def pss(pid):
    for line in open("/proc/%d/smaps_rollup" % pid):
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0
def comm(pid):
    return open("/proc/%d/comm" % pid).read().strip()
holder = int(open("/proc/%d/stat" % vm).read().rsplit(")", 1)[1].split()[1])
children = [int(c) for c in open("/proc/%d/task/%d/children" % (vm, vm)).read().split()]
total = 0
print("idle VM, host memory (PSS):")
for pid in [holder, vm] + children:
    kb = pss(pid)
    total += kb
    print("  %-20s %8.1f MiB" % (comm(pid), kb / 1024))
print("  %-20s %8.1f MiB" % ("total", total / 1024))
PY
"${engine[@]}" rm -f bench-idle >/dev/null

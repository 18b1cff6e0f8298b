#!/usr/bin/python3
"""Start-up benchmark: sequential `RUNTIME run` of /bin/true (busybox) from one bundle.

Runs cell, crun and runc in one go, with cgroups (each runtime's default) and
without (`--cgroup-manager disabled`, cell and crun only: runc has no such
option).  Timing is hyperfine with --shell=none (no shell in the measured
command); peak RSS is /usr/bin/time's %M (max RSS of the runtime process and
every descendant it waited for) over a smaller number of runs.

crun 1.8.1 refuses this host's hybrid cgroup layout, so crun's whole loop runs
inside one `unshare -m` whose /sys/fs/cgroup/unified is unmounted: the wrapper
is paid once, not per iteration.

The runs are interleaved: BENCH_ROUNDS rounds in each of which every
configuration runs BENCH_RUNS/BENCH_ROUNDS containers (after BENCH_WARMUP
unmeasured ones), so that a change in the machine's load hits all alike.

A fourth row, "floor", is bench/floor.c: a program that makes exactly the
system calls the config asks of any runtime (namespaces, mounts, pivot_root,
masked paths, capabilities, exec) and nothing else: no state, no cgroups, no
config parsing, no checks.  It is the floor under every runtime on this host,
and what is left of cell's time above it is cell's own overhead.

Environment: BENCH_RUNS (200), BENCH_ROUNDS (10), BENCH_WARMUP (3 per round),
BENCH_RSS_RUNS (20), BENCH_FLOOR (1; 0 leaves the floor row out),
CELL_BINARY (build/cell-oci), BENCH_RUNTIMES (e.g. "cell crun runc"),
CELL_BASELINE_BINARY (another cell-oci, measured as "cell-base" in the same
rounds: a change's effect on start-up, e.g. a build of the commit before it).
Must run as root.  Leaves nothing behind: bundle and state roots live in a
temporary directory.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
RSS_RUNS = int(os.environ.get("BENCH_RSS_RUNS", "20"))
# absolute(), not resolve(): cell-oci is a symlink to cell, and the name it is
# run by picks the runtime CLI.
CELL = Path(os.environ.get("CELL_BINARY", REPO / "build" / "cell-oci")).absolute()
CELL_BASE = os.environ.get("CELL_BASELINE_BINARY")
CRUN_WRAPPER = "umount /sys/fs/cgroup/unified 2>/dev/null; exec \"$@\""


def build_floor(top):
    """bench/floor.c, static, with musl when there is musl-gcc (the cheapest
    process start on these VMs; scripts/musl-deps.sh links the kernel headers
    for it), else with the default compiler."""
    out = top / "floor"
    src = str(REPO / "bench" / "floor.c")
    headers = REPO / ".deps" / "musl" / "include"
    if shutil.which("musl-gcc") and headers.is_dir():
        cc = ["musl-gcc", "-isystem", str(headers)]
    else:
        cc = ["cc"]
    subprocess.run(cc + ["-O2", "-static", "-o", str(out), src], check=True)
    return str(out)


def runtime_paths():
    wanted = os.environ.get("BENCH_RUNTIMES", "cell crun runc").split()
    known = {"cell": str(CELL), "crun": shutil.which("crun"), "runc": shutil.which("runc")}
    if CELL_BASE:
        known["cell-base"] = str(Path(CELL_BASE).absolute())
        if "cell-base" not in wanted:
            wanted.insert(wanted.index("cell") + 1 if "cell" in wanted else 0, "cell-base")
    return {name: known[name] for name in wanted if known.get(name)}


def make_bundle(top):
    bundle = top / "bundle"
    bundle.mkdir()
    subprocess.run(["bash", str(REPO / "scripts" / "mkrootfs.sh"), str(bundle / "rootfs")],
                   check=True)
    # runc's default spec is the neutral reference config all three accept.
    subprocess.run(["runc", "spec"], cwd=bundle, check=True)
    config_path = bundle / "config.json"
    config = json.loads(config_path.read_text())
    config["process"]["terminal"] = False
    config["process"]["args"] = ["/bin/true"]
    config_path.write_text(json.dumps(config, indent=2))
    return bundle


def command(name, path, top, bundle, cgroups):
    """argv that runs one container to completion."""
    argv = [path, "--root", str(top / f"state-{name}")]
    if not cgroups:
        argv.append("--cgroup-manager=disabled")
    return argv + ["run", "--bundle", str(bundle), f"bench-{name}-{os.getpid()}"]


def wrap(name, argv):
    """Prefix that makes the runtime work on this host (crun: see module doc)."""
    if name == "crun":
        return ["unshare", "-m", "--propagation", "private", "sh", "-c", CRUN_WRAPPER, "sh"] + argv
    return argv


def time_runs(name, argv, top, runs):
    out = top / f"hyperfine-{name}.json"
    cmd = " ".join(argv)  # --shell=none splits on whitespace; paths have none
    hyperfine = ["hyperfine", "--shell=none", "--style", "none", "--output", "null",
                 "--warmup", str(WARMUP), "--runs", str(runs), "--export-json", str(out), cmd]
    subprocess.run(wrap(name, hyperfine), check=True, stdin=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    result = json.loads(out.read_text())["results"][0]
    if any(code != 0 for code in result.get("exit_codes", [])):
        raise RuntimeError(f"{name}: a run exited non-zero")
    cpu = (result["user"] + result["system"]) * 1000  # mean per run, ms
    return [t * 1000 for t in result["times"]], [cpu] * len(result["times"])


def peak_rss(name, argv, top):
    out = top / f"rss-{name}.txt"
    loop = ('for i in $(seq %d); do /usr/bin/time -f %%M -a -o %s "$@" >/dev/null || exit 1; done'
            % (RSS_RUNS, out))
    subprocess.run(wrap(name, ["sh", "-c", loop, "sh"] + argv), check=True,
                   stdin=subprocess.DEVNULL)
    return max(int(line) for line in out.read_text().split() if line.isdigit())


def baseline(top):
    """The measuring harness itself: exec of /bin/true on the host."""
    return time_runs("baseline", ["/bin/true"], top, RUNS)[0]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def configurations(runtimes, top, bundle, floor):
    for cgroups in (True, False):
        for name, path in runtimes.items():
            if cgroups or name != "runc":
                yield name, "default" if cgroups else "disabled", \
                    command(name, path, top, bundle, cgroups)
    if floor:
        yield "floor", "disabled", [floor, str(bundle / "rootfs")]


def measure(runtimes, top, bundle, floor=None):
    """Round-robin: every configuration runs RUNS/ROUNDS containers per round,
    so a change in the machine's load during the benchmark hits all alike."""
    configs = list(configurations(runtimes, top, bundle, floor))
    times = {(name, label): [] for name, label, _ in configs}
    cpu = {(name, label): [] for name, label, _ in configs}
    failed = set()
    per_round = max(1, RUNS // ROUNDS)
    for _ in range(ROUNDS):
        for name, label, argv in configs:
            if (name, label) in failed:
                continue
            try:
                wall, used = time_runs(name, argv, top, per_round)
                times[name, label] += wall
                cpu[name, label] += used
            except (subprocess.CalledProcessError, RuntimeError) as e:
                print(f"{name} ({label}): failed: {e}", file=sys.stderr)
                failed.add((name, label))
    rows = []
    for name, label, argv in configs:
        if (name, label) in failed:
            continue
        try:
            rss = peak_rss(name, argv, top)
        except subprocess.CalledProcessError as e:
            print(f"{name} ({label}): peak RSS run failed: {e}", file=sys.stderr)
            continue
        t = times[name, label]
        rows.append(dict(runtime=name, cgroups=label, median=statistics.median(t),
                         p90=percentile(t, 0.9), rss=rss, n=len(t),
                         cpu=statistics.mean(cpu[name, label])))
    return rows


def report(rows, base, load):
    print(f"sequential `run` of /bin/true: {ROUNDS} interleaved rounds of "
          f"{max(1, RUNS // ROUNDS)} runs (+{WARMUP} warm-up) per runtime; "
          f"load average {load}")
    print(f"{'runtime':9} {'cgroups':9} {'runs':>5} {'median ms':>10} {'p90 ms':>8} "
          f"{'CPU ms':>7} {'peak RSS KiB':>13}")
    for r in rows:
        print(f"{r['runtime']:9} {r['cgroups']:9} {r['n']:5d} {r['median']:10.2f} "
              f"{r['p90']:8.2f} {r['cpu']:7.2f} {r['rss']:13d}")
    print("CPU ms: user+system time per run of the runtime and everything it waited for")
    print(f"harness baseline (exec /bin/true on the host): median {statistics.median(base):.2f} ms")
    by = {(r["runtime"], r["cgroups"]): r for r in rows}
    for label in ("default", "disabled"):
        for mine, other in (("cell", "crun"), ("cell", "runc"), ("cell-base", "crun"),
                            ("cell-base", "runc"), ("cell", "cell-base")):
            cell = by.get((mine, label))
            ref = by.get((other, label))
            if cell and ref:
                print(f"ratio {mine}/{other} ({label} cgroups): median "
                      f"{cell['median'] / ref['median']:.2f}, CPU {cell['cpu'] / ref['cpu']:.2f}, "
                      f"peak RSS {cell['rss'] / ref['rss']:.2f}")
    floor = by.get(("floor", "disabled"))
    if floor:
        print("floor: bench/floor.c, only the system calls the config demands of any runtime")
        for name in ("cell", "cell-base", "crun"):
            r = by.get((name, "disabled"))
            if r:
                print(f"{name} (disabled cgroups) above the floor: median "
                      f"{r['median'] - floor['median']:+.2f} ms, CPU {r['cpu'] - floor['cpu']:+.2f} ms"
                      f"; floor/{name}: median {floor['median'] / r['median']:.2f}")


def main():
    if os.geteuid() != 0:
        sys.exit("bench/startup.py: run as root")
    runtimes = runtime_paths()
    top = Path(tempfile.mkdtemp(prefix="cell-bench-"))
    try:
        bundle = make_bundle(top)
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        base = baseline(top)
        floor = build_floor(top) if os.environ.get("BENCH_FLOOR", "1") != "0" else None
        rows = measure(runtimes, top, bundle, floor)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    report(rows, base, load)
    want = sum(2 if n != "runc" else 1 for n in runtimes) + (1 if floor else 0)
    return 0 if len(rows) == want else 1


if __name__ == "__main__":
    sys.exit(main())

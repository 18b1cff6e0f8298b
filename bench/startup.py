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

Environment: BENCH_RUNS (200), BENCH_WARMUP (10), BENCH_RSS_RUNS (20),
CELL_BINARY (build/cell), BENCH_RUNTIMES (e.g. "cell crun runc").
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
WARMUP = int(os.environ.get("BENCH_WARMUP", "10"))
RSS_RUNS = int(os.environ.get("BENCH_RSS_RUNS", "20"))
CELL = Path(os.environ.get("CELL_BINARY", REPO / "build" / "cell")).resolve()
CRUN_WRAPPER = "umount /sys/fs/cgroup/unified 2>/dev/null; exec \"$@\""


def runtime_paths():
    wanted = os.environ.get("BENCH_RUNTIMES", "cell crun runc").split()
    known = {"cell": str(CELL), "crun": shutil.which("crun"), "runc": shutil.which("runc")}
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


def time_runs(name, argv, top):
    out = top / f"hyperfine-{name}.json"
    cmd = " ".join(argv)  # --shell=none splits on whitespace; paths have none
    hyperfine = ["hyperfine", "--shell=none", "--style", "none", "--output", "null",
                 "--warmup", str(WARMUP), "--runs", str(RUNS), "--export-json", str(out), cmd]
    subprocess.run(wrap(name, hyperfine), check=True, stdin=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    result = json.loads(out.read_text())["results"][0]
    if any(code != 0 for code in result.get("exit_codes", [])):
        raise RuntimeError(f"{name}: a run exited non-zero")
    return [t * 1000 for t in result["times"]]


def peak_rss(name, argv, top):
    out = top / f"rss-{name}.txt"
    loop = ('for i in $(seq %d); do /usr/bin/time -f %%M -a -o %s "$@" >/dev/null || exit 1; done'
            % (RSS_RUNS, out))
    subprocess.run(wrap(name, ["sh", "-c", loop, "sh"] + argv), check=True,
                   stdin=subprocess.DEVNULL)
    return max(int(line) for line in out.read_text().split() if line.isdigit())


def baseline(top):
    """The measuring harness itself: exec of /bin/true on the host."""
    return time_runs("baseline", ["/bin/true"], top)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure(runtimes, top, bundle):
    rows = []
    for cgroups in (True, False):
        for name, path in runtimes.items():
            if not cgroups and name == "runc":
                continue
            argv = command(name, path, top, bundle, cgroups)
            label = "default" if cgroups else "disabled"
            try:
                times = time_runs(name, argv, top)
                rss = peak_rss(name, argv, top)
            except (subprocess.CalledProcessError, RuntimeError) as e:
                print(f"{name} ({label}): failed: {e}", file=sys.stderr)
                continue
            rows.append(dict(runtime=name, cgroups=label, median=statistics.median(times),
                             p90=percentile(times, 0.9), rss=rss))
    return rows


def report(rows, base):
    print(f"sequential `run` of /bin/true, {RUNS} runs each (+{WARMUP} warm-up)")
    print(f"{'runtime':8} {'cgroups':9} {'median ms':>10} {'p90 ms':>8} {'peak RSS KiB':>13}")
    for r in rows:
        print(f"{r['runtime']:8} {r['cgroups']:9} {r['median']:10.2f} {r['p90']:8.2f} {r['rss']:13d}")
    print(f"harness baseline (exec /bin/true on the host): median {statistics.median(base):.2f} ms")
    by = {(r["runtime"], r["cgroups"]): r for r in rows}
    for label in ("default", "disabled"):
        cell = by.get(("cell", label))
        for other in ("crun", "runc"):
            ref = by.get((other, label))
            if cell and ref:
                print(f"ratio cell/{other} ({label} cgroups): median "
                      f"{cell['median'] / ref['median']:.2f}, peak RSS {cell['rss'] / ref['rss']:.2f}")


def main():
    if os.geteuid() != 0:
        sys.exit("bench/startup.py: run as root")
    runtimes = runtime_paths()
    top = Path(tempfile.mkdtemp(prefix="cell-bench-"))
    try:
        bundle = make_bundle(top)
        base = baseline(top)
        rows = measure(runtimes, top, bundle)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    report(rows, base)
    return 0 if len(rows) == sum(2 if n != "runc" else 1 for n in runtimes) else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Start-up with cgroups: cell vs crun vs runc, sequential and in parallel.

1. Sequential: `RUNTIME run` of /bin/true from one bundle, each runtime with
   its default cgroup manager (cgroupfs), timed by hyperfine in interleaved
   rounds: bench/startup.py's harness (same bundle, same crun wrapper),
   imported, with the cgroups-disabled column left out.
2. Parallel throughput: BENCH_PARALLEL_TOTAL containers (default 200),
   BENCH_PARALLEL_JOBS at a time (default 4), started by `xargs -P`; the
   wall time of the whole batch gives containers per second.  Each runtime
   runs BENCH_PARALLEL_ROUNDS batches (default 5), interleaved; the median
   batch is reported.

On cgroup v1 the first cgroup.procs write of a process waits for an RCU
grace period unless some hierarchy is mounted with favordynmods (a host-wide
setting: the kernel's cgroup_threadgroup_rwsem is global).  By default the
host is measured as it is.  BENCH_FAVORDYNMODS=both measures it without and
with favordynmods, switching between the two inside every round by
remounting one hierarchy, and puts the mount back as it was afterwards (even
on failure or ^C): the host's setting changes only while the benchmark
runs, and only when asked.

Environment: those of bench/startup.py (BENCH_RUNS, BENCH_ROUNDS,
BENCH_WARMUP, CELL_BINARY, BENCH_RUNTIMES) plus BENCH_PARALLEL_TOTAL,
BENCH_PARALLEL_JOBS, BENCH_PARALLEL_ROUNDS, BENCH_FAVORDYNMODS (host|both).
Must run as root.  Leaves nothing behind.
"""

import ctypes
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import startup  # noqa: E402  (bench/startup.py: bundle, hyperfine timing, crun wrapper)

PARALLEL_TOTAL = int(os.environ.get("BENCH_PARALLEL_TOTAL", "200"))
PARALLEL_JOBS = int(os.environ.get("BENCH_PARALLEL_JOBS", "4"))
PARALLEL_ROUNDS = int(os.environ.get("BENCH_PARALLEL_ROUNDS", "5"))
FAVOR = os.environ.get("BENCH_FAVORDYNMODS", "host")
MS_REMOUNT = 32


# ---- favordynmods ----------------------------------------------------------------

def cgroup_mounts():
    """[(mount point, fstype, super options)] of the cgroup hierarchies."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            dash = fields.index("-")
            if fields[dash + 1] in ("cgroup", "cgroup2"):
                out.append((fields[4], fields[dash + 1], fields[dash + 3].split(",")))
    return out


def favordynmods_on():
    return any("favordynmods" in opts for _, _, opts in cgroup_mounts())


def remount(point, data):
    """mount(2) MS_REMOUNT with exactly `data` (mount(8) would re-add the
    current options, so it could not turn favordynmods off again)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(None, point.encode(), None, MS_REMOUNT, data.encode()) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "remount %s with %r: %s" % (point, data, os.strerror(err)))


def favor_target():
    """(mount point, data without favordynmods) of the hierarchy to toggle:
    a cgroup2 mount if there is one, else the first v1 hierarchy (whose
    remount must repeat its controllers)."""
    mounts = cgroup_mounts()
    for point, fstype, opts in mounts:
        if fstype == "cgroup2":
            return point, ",".join(o for o in opts if o not in ("rw", "ro", "favordynmods"))
    point, _, opts = mounts[0]
    keep = [o for o in opts if o not in ("rw", "ro", "favordynmods")]
    return point, ",".join(keep)


def set_favordynmods(point, base, on):
    remount(point, ",".join(x for x in (base, "favordynmods" if on else "") if x))


# ---- measurements -------------------------------------------------------------------

class Modes:
    """The favordynmods settings to measure, switched between inside every
    round so that a change in the machine's load hits both alike."""

    def __init__(self, both):
        self.was_on = favordynmods_on()
        self.point, self.base = favor_target()
        self.both = both
        self.values = [False, True] if both else [self.was_on]

    def enter(self, on):
        if self.both:
            set_favordynmods(self.point, self.base, on)

    def restore(self):
        if self.both:
            set_favordynmods(self.point, self.base, self.was_on)

    def label(self, on):
        how = ("%s remounted between runs" % self.point) if self.both else "as the host is"
        return "favordynmods %s (%s)" % ("on" if on else "off", how)


def interleaved(modes, runtimes, rounds, measure_one):
    """{(mode, runtime): [results]} of `rounds` rounds of every configuration."""
    out = {(m, n): [] for m in modes.values for n in runtimes}
    failed = set()
    for r in range(rounds):
        for m in modes.values:
            modes.enter(m)
            for name, path in runtimes.items():
                if (m, name) in failed:
                    continue
                try:
                    out[m, name] += measure_one(name, path, r)
                except (subprocess.CalledProcessError, RuntimeError) as e:
                    print("%s: failed: %s" % (name, e), file=sys.stderr)
                    failed.add((m, name))
    return {k: v for k, v in out.items() if k not in failed and v}


def sequential(top, bundle):
    """One round of `run`, cgroups as the runtime's default: [(wall ms, CPU ms)]
    per run (hyperfine: CPU is the round's mean user + system time)."""
    per_round = max(1, startup.RUNS // startup.ROUNDS)

    def one(name, path, _round):
        argv = startup.command(name, path, top, bundle, True)
        return list(zip(*startup.time_runs(name, argv, top, per_round)))
    return one


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def parallel(top, bundle):
    """One batch: PARALLEL_TOTAL containers, PARALLEL_JOBS at a time;
    [(wall seconds, CPU seconds of everything the batch ran)]."""
    def one(name, path, batch):
        prefix = "par-%s-%d-%d-" % (name, os.getpid(), batch)
        argv = [path, "--root", str(top / ("state-" + name)), "run", "--bundle", str(bundle)]
        script = "seq %d | xargs -P %d -I@ %s %s@ >/dev/null" % (
            PARALLEL_TOTAL, PARALLEL_JOBS, " ".join(argv), prefix)
        t0, c0 = time.monotonic(), children_cpu()
        subprocess.run(startup.wrap(name, ["sh", "-c", script]), check=True,
                       stdin=subprocess.DEVNULL)
        return [(time.monotonic() - t0, children_cpu() - c0)]
    return one


# ---- report -------------------------------------------------------------------------

def report(label, seq, par):
    """seq: {runtime: [(wall ms, CPU ms)]}, par: {runtime: [(wall s, CPU s)]}."""
    print("\n== %s ==" % label)
    print("sequential `run` of /bin/true with cgroups (%d interleaved rounds)" % startup.ROUNDS)
    print("%-8s %5s %10s %8s %7s" % ("runtime", "runs", "median ms", "p90 ms", "CPU ms"))
    med, cpu = {}, {}
    for name, runs in seq.items():
        wall = [w for w, _ in runs]
        med[name], cpu[name] = statistics.median(wall), statistics.mean(c for _, c in runs)
        print("%-8s %5d %10.2f %8.2f %7.2f" % (name, len(runs), med[name],
                                               startup.percentile(wall, 0.9), cpu[name]))
    print("parallel: %d containers, %d at a time (median of %d batches)" %
          (PARALLEL_TOTAL, PARALLEL_JOBS, PARALLEL_ROUNDS))
    print("%-8s %14s %16s" % ("runtime", "containers/s", "CPU ms/container"))
    rate, pcpu = {}, {}
    for name, batches in par.items():
        rate[name] = PARALLEL_TOTAL / statistics.median(w for w, _ in batches)
        pcpu[name] = statistics.median(c for _, c in batches) * 1000 / PARALLEL_TOTAL
        print("%-8s %14.1f %16.2f" % (name, rate[name], pcpu[name]))
    for other in ("crun", "runc"):
        if "cell" in med and other in med:
            print("ratio cell/%s sequential: median time %.2f, CPU %.2f" %
                  (other, med["cell"] / med[other], cpu["cell"] / cpu[other]))
        if "cell" in rate and other in rate:
            print("ratio cell/%s parallel: containers/s %.2f, CPU per container %.2f" %
                  (other, rate["cell"] / rate[other], pcpu["cell"] / pcpu[other]))


def main():
    if os.geteuid() != 0:
        sys.exit("bench/cgroups.py: run as root")
    if FAVOR not in ("host", "both"):
        sys.exit("BENCH_FAVORDYNMODS must be host or both")
    runtimes = startup.runtime_paths()
    top = Path(tempfile.mkdtemp(prefix="cell-bench-cg-"))
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    kinds = {t for _, t, _ in cgroup_mounts()}
    print("host: %s cgroups, kernel %s, %d CPUs, load average %s" % (
        "hybrid" if kinds == {"cgroup", "cgroup2"} else "/".join(sorted(kinds)),
        os.uname().release, os.cpu_count(), load))
    modes = Modes(FAVOR == "both")
    try:
        bundle = startup.make_bundle(top)
        seq = interleaved(modes, runtimes, startup.ROUNDS, sequential(top, bundle))
        par = interleaved(modes, runtimes, PARALLEL_ROUNDS, parallel(top, bundle))
    finally:
        modes.restore()
        shutil.rmtree(top, ignore_errors=True)
    for m in modes.values:
        report(modes.label(m), {n: seq[m, n] for n in runtimes if (m, n) in seq},
               {n: par[m, n] for n in runtimes if (m, n) in par})
    expected = len(modes.values) * len(runtimes)
    return 0 if len(seq) == expected and len(par) == expected else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Where `cell run --rm --network none busybox true` spends its time, beside
`cell-oci run` of the equivalent bundle (bench/engine.py's), one view each:

1. `strace -f -c` of one run of each: system calls, and the extra ones of the
   engine by name;
2. `perf stat -r N`: task-clock, page faults, context switches, elapsed;
3. off-CPU: `perf record -e sched:sched_switch -g` over N runs, the kernel
   stacks the engine's processes (comm "cell", "true" excluded) and the
   runtime's sleep in, by the first frames below the scheduler, per run;
4. on-CPU: `perf record -g` over N runs, the hottest symbols of the engine's
   processes.

Environment: CELL_BINARY (build/cell), PROFILE_RUNS (40), ENGINE_TMPFS (1:
store, runroot and bundle on a tmpfs).  Run as root; leaves nothing behind.
"""

import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine  # noqa: E402  (bench/engine.py: the bundle and the helpers)

RUNS = int(os.environ.get("PROFILE_RUNS", "40"))
SKIP = ("__schedule", "schedule", "__traceiter", "trace_", "preempt_schedule", "__cond_resched",
        "_cond_resched", "schedule_timeout", "io_schedule")


def strace_counts(argv, out):
    engine.run(["strace", "-f", "-c", "-o", out] + argv, stdout=subprocess.DEVNULL)
    counts = {}
    for line in Path(out).read_text().splitlines():
        f = line.split()
        if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
            counts[f[-1]] = int(f[3])
    return counts


def perf_stat(argv):
    p = engine.run(["perf", "stat", "-r", str(RUNS), "-e",
                    "task-clock,page-faults,context-switches", "--"] + argv,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    keep = ("task-clock", "page-faults", "context-switches", "elapsed")
    return [line.strip() for line in p.stderr.splitlines() if any(k in line for k in keep)]


def loop(argv):
    return ["sh", "-c", f'i=0; while [ $i -lt {RUNS} ]; do "$@" >/dev/null || exit 1; '
            'i=$((i+1)); done', "sh"] + argv


def off_cpu(argv, top, comms):
    data = top / "off.data"
    engine.run(["perf", "record", "-q", "-e", "sched:sched_switch", "-g", "-o", data, "--"]
               + loop(argv), stderr=subprocess.DEVNULL)
    text = engine.run(["perf", "script", "-i", data], capture_output=True, text=True).stdout
    waits = collections.Counter()
    for block in text.split("\n\n"):
        lines = block.strip().splitlines()
        if not lines:
            continue
        head = lines[0]
        m = re.search(r"prev_comm=(\S+).*prev_state=(\S+)", head)
        if not m or m.group(1) not in comms or m.group(2).startswith("R"):
            continue
        frames = [ln.split()[1].split("+")[0] for ln in lines[1:] if len(ln.split()) > 1]
        frames = [f for f in frames if not f.startswith(SKIP)]
        waits[" <- ".join(frames[:4])] += 1
    return waits


def on_cpu(argv, top, comm):
    data = top / "on.data"
    engine.run(["perf", "record", "-q", "-F", "10000", "-g", "-o", data, "--"] + loop(argv),
               stderr=subprocess.DEVNULL)
    text = engine.run(["perf", "report", "-i", data, "--stdio", "--no-children", "-g", "none",
                       "--comm", comm, "--sort", "dso,sym"], capture_output=True,
                      text=True).stdout
    return [line.rstrip() for line in text.splitlines() if re.match(r"^ +[0-9]", line)][:20]


def main():
    if os.geteuid() != 0:
        sys.exit("bench/engine_profile.py: run as root")
    top = Path(tempfile.mkdtemp(prefix="cell-engine-profile-"))
    if os.environ.get("ENGINE_TMPFS") == "1":
        engine.run(["mount", "-t", "tmpfs", "-o", "mode=0700", "cell-profile", top])
    try:
        cell = [str(engine.CELL), "--storage", str(top / "store"), "--runroot",
                str(top / "runroot")]
        engine.run(cell + ["run", "--rm", "--network", "none", "busybox", "true"])
        bundle = engine.equivalent_bundle(cell, top)
        eng = cell + ["run", "--rm", "--network", "none", "busybox", "true"]
        oci = [str(engine.CELL_OCI), "--root", str(top / "state"), "run", "--bundle", str(bundle),
               f"profile-{os.getpid()}"]
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        print(f"cell: {engine.CELL}; {RUNS} runs per view; load average {load}")

        a = strace_counts(eng, str(top / "a.txt"))
        b = strace_counts(oci, str(top / "b.txt"))
        print(f"\n### system calls of one run: cell run {sum(a.values())}, "
              f"cell-oci run {sum(b.values())}")
        extra = sorted(((a.get(k, 0) - b.get(k, 0), k) for k in set(a) | set(b)), reverse=True)
        print("cell run's extra: " + ", ".join(f"{k} {d:+d}" for d, k in extra if d))

        for name, argv in (("cell run", eng), ("cell-oci run", oci)):
            print(f"\n### perf stat -r {RUNS}: {name}")
            print("\n".join(perf_stat(argv)))

        for name, argv in (("cell run", eng), ("cell-oci run", oci)):
            waits = off_cpu(argv, top, {"cell", "cell-oci"})
            print(f"\n### off-CPU, {name}: sleeps per run by kernel stack (top 10)")
            for stack, n in waits.most_common(10):
                print(f"{n / RUNS:6.2f}  {stack[:160]}")

        print(f"\n### on-CPU, cell run: hottest symbols of the engine's processes ({RUNS} runs)")
        print("\n".join(on_cpu(eng, top, "cell")))
    finally:
        with open("/proc/self/mountinfo") as f:
            points = [line.split()[4] for line in f]
        for p in sorted((p for p in points if p == str(top) or p.startswith(str(top) + "/")),
                        key=len, reverse=True):
            engine.run(["umount", "-l", p], check=False)
        shutil.rmtree(top, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

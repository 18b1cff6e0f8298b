#!/usr/bin/python3
"""Exec benchmark: sequential `RUNTIME exec ID /bin/true` into a running container.

One container per runtime (busybox `sleep`, from the same bundle as
bench/startup.py: `runc spec`'s default config) is started with `run -d`;
then cell, crun and runc each exec /bin/true into their own container,
BENCH_RUNS times in total, interleaved in BENCH_ROUNDS rounds so that a
change in the machine's load hits all alike.  Timing is hyperfine with
--shell=none; crun runs inside `unshare -m` with /sys/fs/cgroup/unified
unmounted, as in bench/startup.py (whose helpers this reuses).

Environment: BENCH_RUNS (200), BENCH_ROUNDS (10), BENCH_WARMUP (3 per
round), CELL_BINARY (build/cell-oci), BENCH_RUNTIMES (e.g. "cell crun runc").
Must run as root.  Leaves nothing behind: the containers are deleted and
the bundle and state roots live in a temporary directory.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import startup  # noqa: E402  (bench/startup.py: bundle, crun wrapper, hyperfine, stats)

RUNS, ROUNDS, WARMUP = startup.RUNS, startup.ROUNDS, startup.WARMUP


def make_bundle(top):
    bundle = startup.make_bundle(top)
    config_path = bundle / "config.json"
    config = json.loads(config_path.read_text())
    config["process"]["args"] = ["/bin/sleep", "1000000"]
    config_path.write_text(json.dumps(config, indent=2))
    return bundle


def base_argv(name, path, top):
    return [path, "--root", str(top / f"state-{name}")]


def container_id(name):
    return f"bench-exec-{name}-{os.getpid()}"


def start(name, path, top, bundle):
    """`run --detach`; stderr goes to a file, not a pipe: the container
    inherits it and would hold a pipe open for as long as it runs."""
    argv = base_argv(name, path, top) + ["run", "--detach", "--bundle", str(bundle),
                                        container_id(name)]
    with tempfile.TemporaryFile() as err:
        result = subprocess.run(startup.wrap(name, argv), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err, timeout=60)
        err.seek(0)
        if result.returncode != 0:
            raise RuntimeError(err.read().decode(errors="replace").strip())


def delete(name, path, top):
    argv = base_argv(name, path, top) + ["delete", "--force", container_id(name)]
    subprocess.run(startup.wrap(name, argv), stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)


def exec_argv(name, path, top):
    return base_argv(name, path, top) + ["exec", container_id(name), "/bin/true"]


def measure(runtimes, top):
    times = {name: ([], []) for name in runtimes}  # wall, CPU (ms per run)
    failed = set()
    per_round = max(1, RUNS // ROUNDS)
    for _ in range(ROUNDS):
        for name, path in runtimes.items():
            if name in failed:
                continue
            try:
                wall, cpu = startup.time_runs(name, exec_argv(name, path, top), top, per_round)
            except (subprocess.CalledProcessError, RuntimeError) as e:
                print(f"{name}: failed: {e}", file=sys.stderr)
                failed.add(name)
                continue
            times[name][0].extend(wall)
            times[name][1].extend(cpu)
    return [dict(runtime=name, n=len(wall), median=statistics.median(wall),
                 p90=startup.percentile(wall, 0.9), cpu=statistics.median(cpu))
            for name, (wall, cpu) in times.items() if name not in failed and wall]


def report(rows, base, load):
    print(f"sequential `exec ID /bin/true` into a running container: {ROUNDS} interleaved "
          f"rounds of {max(1, RUNS // ROUNDS)} runs (+{WARMUP} warm-up) per runtime; "
          f"load average {load}")
    print(f"{'runtime':8} {'runs':>5} {'median ms':>10} {'p90 ms':>8} {'CPU ms':>7}")
    for r in rows:
        print(f"{r['runtime']:8} {r['n']:5d} {r['median']:10.2f} {r['p90']:8.2f} "
              f"{r['cpu']:7.2f}")
    print(f"harness baseline (exec /bin/true on the host): median {statistics.median(base):.2f} ms")
    by = {r["runtime"]: r for r in rows}
    cell = by.get("cell")
    for other in ("crun", "runc"):
        if cell and other in by:
            ref = by[other]
            print(f"ratio cell/{other}: median {cell['median'] / ref['median']:.2f}, "
                  f"p90 {cell['p90'] / ref['p90']:.2f}, CPU {cell['cpu'] / ref['cpu']:.2f}")


def main():
    if os.geteuid() != 0:
        sys.exit("bench/exec.py: run as root")
    runtimes = startup.runtime_paths()
    top = Path(tempfile.mkdtemp(prefix="cell-bench-exec-"))
    started = {}
    try:
        bundle = make_bundle(top)
        for name, path in runtimes.items():
            started[name] = path  # deleted in any case below
            try:
                start(name, path, top, bundle)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                print(f"{name}: run --detach failed: {e}", file=sys.stderr)
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        base = startup.baseline(top)
        rows = measure(started, top)  # a runtime whose start failed fails here too
    finally:
        for name, path in started.items():
            delete(name, path, top)
        shutil.rmtree(top, ignore_errors=True)
    report(rows, base, load)
    return 0 if len(rows) == len(runtimes) else 1


if __name__ == "__main__":
    sys.exit(main())

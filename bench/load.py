#!/usr/bin/python3
"""Load: many container lifecycles at once on overlapping ids (issue 5, part 4).

LOAD_LIFECYCLES lifecycles (default 500) run LOAD_PARALLEL at a time (default
8), each on an id drawn from a pool of LOAD_IDS ids (default 2 x parallel), so
that ids are reused while other workers are still creating, starting or
deleting them.  A lifecycle is one of (weights in brackets):

  full    [50]  create, start, exec /bin/true (1-2 times), kill KILL, state
                until stopped, delete
  force   [20]  create, start, delete --force
  created [15]  create, delete (a created container needs no --force)
  detach  [15]  run --detach, exec, kill --all KILL, delete --force

Its steps run whatever happened before (a create that found the id taken goes
on with start/exec/kill/delete on the other worker's container): the point is
the interleaving.  Meanwhile one more thread runs `list --format json` in a
loop.  The run checks, and exits non-zero if any fails:

  * every command exits 0, or 1 with a message on stderr that ends with a
    reason (not with "...: "): never a signal, another exit code, or a hang
    past LOAD_TIMEOUT seconds (default 30);
  * `list` never fails, and every container it reports as created, running or
    paused has a live init (or `state` says stopped by the time we look: the
    list can only be as fresh as the moment it read /proc);
  * afterwards, once every id of the pool is deleted with --force: the state
    root is empty, no cgroup directory is named after a pool id, no process
    carries the run's token in its environment and no mount names the run's
    directory.

It prints the throughput (lifecycles and commands per second) and the p50 /
p99 latency of each verb (successful commands), and how the failed commands
failed (messages with ids and numbers masked).  LOAD_SEED (default 1) makes
the sequence of lifecycle kinds and ids reproducible (not their timing);
LOAD_JSON=FILE also writes the figures as JSON.

Usage:  sudo bench/load.py   (CELL_BINARY=path, default build/cell-oci)
Must run as root.  Leaves nothing behind: bundle and state root live in a
temporary directory that is removed.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import bundles  # noqa: E402  (the integration tests' rootfs and config helpers)

KINDS = (("full", 50), ("force", 20), ("created", 15), ("detach", 15))
CGROUP_ROOT = "/sys/fs/cgroup"


def percentile(values, q):
    """Nearest-rank percentile of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(q / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def mask(message, ids):
    """A failure message with ids, paths and numbers masked, to group them."""
    for i in sorted(ids, key=len, reverse=True):
        message = message.replace(i, "ID")
    message = re.sub(r"/[^\s:\"']+", "PATH", message)
    return re.sub(r"\d+", "N", message).strip()


class Load:
    def __init__(self, binary, lifecycles=500, parallel=8, ids=None, timeout=30, seed=1,
                 workdir=None):
        self.binary = binary
        self.lifecycles = lifecycles
        self.parallel = parallel
        self.timeout = timeout
        self.rng = random.Random(seed)
        self.token = uuid.uuid4().hex
        self.workdir = workdir or tempfile.mkdtemp(prefix="cell-load-")
        self.root = os.path.join(self.workdir, "state")
        prefix = "ld-%s" % self.token[:8]
        self.ids = ["%s-%d" % (prefix, i) for i in range(ids or 2 * parallel)]
        self.lock = threading.Lock()
        self.latency = {}        # verb -> [seconds] of successful commands
        self.failures = {}       # masked message -> count (clean failures)
        self.problems = []       # broken promises: signals, hangs, bad list
        self.commands = 0
        self.completed = 0       # lifecycles whose every step succeeded
        self.lists = 0
        self.stop = threading.Event()

    # ---- set-up ----------------------------------------------------------

    def make_bundle(self):
        probe = bundles.find_probe(self.workdir)
        template = os.path.join(self.workdir, "rootfs-template")
        bundles.build_rootfs_template(template, probe)
        config = bundles.base_config(self.binary, self.workdir)
        path = os.path.join(self.workdir, "bundle")
        os.makedirs(path)
        shutil.copytree(template, os.path.join(path, "rootfs"), symlinks=True)
        config["root"] = {"path": "rootfs", "readonly": True}
        config["process"].update(terminal=False, cwd="/", args=["/probe", "sleep", "100"])
        config["process"]["env"] = ["PATH=/bin", "CELL_TEST_TOKEN=" + self.token]
        with open(os.path.join(path, "config.json"), "w") as f:
            json.dump(config, f)
        self.bundle = path

    # ---- commands ----------------------------------------------------------

    def cmd(self, verb, *args):
        """Run one command; returns its exit code (None after a hang)."""
        argv = [self.binary, "--root", self.root, *verb.split(), *args]
        start = time.monotonic()
        # Files, not pipes: a container started by create or run -d inherits them.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            try:
                rc = proc.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                rc = None
            elapsed = time.monotonic() - start
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode(errors="replace")
            stderr = err.read().decode(errors="replace")
        name = {"create --bundle": "create", "run --detach --bundle": "run --detach",
                "list --format json": "list"}.get(verb, verb)
        # exec's own errors exit 255 (as runc's), so that they differ from
        # its process's exit status; every other verb's exit 1.
        own_error_rc = 255 if name == "exec" else 1
        with self.lock:
            self.commands += 1
            if rc == 0:
                self.latency.setdefault(name, []).append(elapsed)
            elif rc == own_error_rc and stderr.strip() and stderr.strip().endswith(":"):
                self.problems.append("%s: an error without its reason: %r" %
                                     (" ".join(argv), stderr))
            elif rc == own_error_rc and stderr.strip():
                key = "%s: %s" % (name, mask(stderr.strip().splitlines()[-1], self.ids))
                self.failures[key] = self.failures.get(key, 0) + 1
            elif rc == 128 + 9 and name == "exec" and not stderr.strip():
                # exec exits with its process's status: /bin/true SIGKILLed
                # by a concurrent kill or delete of the container.
                key = "exec: process killed (exit 137)"
                self.failures[key] = self.failures.get(key, 0) + 1
            elif rc is None:
                self.problems.append("hang: %s (killed after %ss)" % (" ".join(argv),
                                                                     self.timeout))
            else:
                self.problems.append("%s: exit %s, stderr %r" % (" ".join(argv), rc, stderr))
        return rc, stdout

    def wait_stopped(self, cid):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            rc, out = self.cmd("state", cid)
            if rc != 0 or json.loads(out)["status"] == "stopped":
                return rc == 0
            time.sleep(0.01)
        return False

    # ---- lifecycles ----------------------------------------------------------

    def lifecycle(self, kind, cid, n_exec):
        ok = True

        def step(verb, *args):
            nonlocal ok
            rc, _ = self.cmd(verb, *args)
            ok = ok and rc == 0

        if kind == "detach":
            step("run --detach --bundle", self.bundle, cid)
        else:
            step("create --bundle", self.bundle, cid)
        if kind in ("full", "force"):
            step("start", cid)
        if kind == "full":
            for _ in range(n_exec):
                step("exec", cid, "/bin/true")
            step("kill", cid, "KILL")
            ok = self.wait_stopped(cid) and ok
            step("delete", cid)
        elif kind == "force":
            step("delete --force", cid)
        elif kind == "created":
            step("delete", cid)
        else:
            step("exec", cid, "/bin/true")
            step("kill --all", cid, "KILL")
            step("delete --force", cid)
        if ok:
            with self.lock:
                self.completed += 1

    def check_list(self):
        """`list` answers, and what it calls live is live."""
        while not self.stop.is_set():
            rc, out = self.cmd("list --format json")
            with self.lock:
                self.lists += 1
            if rc != 0:
                with self.lock:
                    self.problems.append("list failed (exit %s)" % rc)
                continue
            for st in json.loads(out) or []:
                if st["status"] not in ("created", "running", "paused") or pid_alive(st["pid"]):
                    continue
                rc, out = self.cmd("state", st["id"])
                now = json.loads(out) if rc == 0 else {"status": "gone", "pid": 0}
                # Stopped since, deleted since, or deleted and created anew.
                if now["status"] not in ("stopped", "gone") and now["pid"] == st["pid"]:
                    with self.lock:
                        self.problems.append("list said %s for %s (pid %d dead), state says %s"
                                             % (st["status"], st["id"], st["pid"],
                                                now["status"]))

    # ---- after -----------------------------------------------------------------

    def leftovers(self):
        out = []
        entries = os.listdir(self.root) if os.path.isdir(self.root) else []
        entries = [e for e in entries if e != ".seccomp-cache"]
        if entries:
            out.append("state entries: %r" % entries)
        for dirpath, dirnames, _ in os.walk(CGROUP_ROOT):
            for d in dirnames:
                if d in self.ids:
                    out.append("cgroup: %s" % os.path.join(dirpath, d))
        key = ("CELL_TEST_TOKEN=" + self.token).encode()
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open("/proc/%s/environ" % p, "rb") as f:
                    if key in f.read().split(b"\0"):
                        out.append("process %s" % p)
            except OSError:
                pass
        with open("/proc/self/mountinfo") as f:
            out.extend("mount: " + line.strip() for line in f if self.workdir in line)
        return out

    def run(self):
        self.make_bundle()
        plan = [(self.rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0],
                 self.rng.choice(self.ids), 1 + self.rng.randrange(2))
                for _ in range(self.lifecycles)]
        lister = threading.Thread(target=self.check_list)
        start = time.monotonic()
        lister.start()
        try:
            with ThreadPoolExecutor(self.parallel) as pool:
                for f in [pool.submit(self.lifecycle, *step) for step in plan]:
                    f.result()
        finally:
            self.stop.set()
            lister.join()
        self.wall = time.monotonic() - start
        for cid in self.ids:
            rc, _ = self.cmd("delete --force", cid)
            if rc != 0:
                self.problems.append("final delete --force %s failed" % cid)
        time.sleep(0.1)
        self.leaks = self.leftovers()
        return not self.problems and not self.leaks

    def cleanup(self):
        subprocess.run(["umount", "-R", "-l", self.workdir], stderr=subprocess.DEVNULL,
                       check=False)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def report(self, out=sys.stdout):
        p = lambda *a: print(*a, file=out)  # noqa: E731
        p("load: %d lifecycles, %d in flight, %d ids, %d cores, load average %.2f at the end"
          % (self.lifecycles, self.parallel, len(self.ids), os.cpu_count(),
             os.getloadavg()[0]))
        p("  wall %.1f s: %.1f lifecycles/s, %.0f commands/s (%d commands, %d lists)"
          % (self.wall, self.lifecycles / self.wall, self.commands / self.wall,
             self.commands, self.lists))
        p("  lifecycles with every step successful: %d of %d" % (self.completed,
                                                                 self.lifecycles))
        p("  %-16s %7s %9s %9s" % ("verb", "ok", "p50 ms", "p99 ms"))
        for verb in sorted(self.latency):
            v = self.latency[verb]
            p("  %-16s %7d %9.1f %9.1f" % (verb, len(v), 1000 * percentile(v, 50),
                                           1000 * percentile(v, 99)))
        total = sum(self.failures.values())
        p("  clean failures (exit 1 with a message; exec: its process killed): %d" % total)
        for msg, n in sorted(self.failures.items(), key=lambda kv: -kv[1]):
            p("    %5d  %s" % (n, msg))
        p("  problems (crash, hang, bad exit, list wrong): %d" % len(self.problems))
        for msg in self.problems[:20]:
            p("    " + msg)
        p("  leftovers after delete --force of every id: %d" % len(self.leaks))
        for msg in self.leaks[:20]:
            p("    " + msg)

    def summary(self):
        return {
            "lifecycles": self.lifecycles, "parallel": self.parallel, "ids": len(self.ids),
            "wall_s": round(self.wall, 2), "completed": self.completed,
            "lifecycles_per_s": round(self.lifecycles / self.wall, 2),
            "commands": self.commands, "lists": self.lists,
            "latency_ms": {v: {"n": len(x), "p50": round(1000 * percentile(x, 50), 2),
                               "p99": round(1000 * percentile(x, 99), 2)}
                           for v, x in self.latency.items()},
            "clean_failures": sum(self.failures.values()),
            "problems": self.problems, "leaks": self.leaks,
        }


def main():
    if os.geteuid() != 0:
        sys.exit("load.py: must run as root")
    # absolute(), not resolve(): the name cell-oci picks the runtime CLI.
    binary = str(Path(os.environ.get("CELL_BINARY", REPO / "build" / "cell-oci")).absolute())
    parallel = int(os.environ.get("LOAD_PARALLEL", "8"))
    load = Load(binary, lifecycles=int(os.environ.get("LOAD_LIFECYCLES", "500")),
                parallel=parallel, ids=int(os.environ.get("LOAD_IDS", 2 * parallel)),
                timeout=float(os.environ.get("LOAD_TIMEOUT", "30")),
                seed=int(os.environ.get("LOAD_SEED", "1")))
    try:
        ok = load.run()
        load.report()
        if os.environ.get("LOAD_JSON"):
            with open(os.environ["LOAD_JSON"], "w") as f:
                json.dump(load.summary(), f, indent=1)
    finally:
        load.cleanup()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

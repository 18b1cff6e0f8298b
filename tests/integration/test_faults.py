# SPDX-License-Identifier: Apache-2.0
"""Fault injection: SIGKILL at every system call of each lifecycle verb, a
full disk, no file descriptors left, a read-only state root.

SIGKILL at step N (issue 5, part 3).  Each verb is run once under strace to
record the sequence of system calls its own process makes (no -f: the
container's init is not traced).  Then, for every index N of that sequence,
a fresh container is brought to the verb's starting point and the verb is
run again under

    strace -e trace=NAME -e inject=NAME:signal=KILL:when=K

where NAME is the N-th call and K its occurrence among the calls of that
name, so cell is killed on entering exactly its N-th system call (strace
counts injections per syscall and per tracee).  Every index is covered, no
stride: create makes ~125 calls, the others fewer.  A run whose sequence
drifts (a retried poll) so that the verb completes without being killed
counts as "not injected"; the test requires at least 90% of the points to
be hit.  After each kill:

  * `state ID` and `list` answer (exit 0 or 1, no signal, no hang), and a
    container reported created/running/paused has a live init;
  * a killed `start` may be retried: it answers within a timeout;
  * `delete --force ID` succeeds, and then the host is as before for what
    this container could have touched: no mountinfo entry naming the test's
    directory or the id, no directory named after the id under any cgroup
    hierarchy, nothing in the state root, no process carrying the test's
    token in its environment, in its cgroup or on its command line.

These tests take a few seconds each (~60 s together); the ASan pass skips
the sweeps (CELL_FAULTS_UNDER_ASAN=1 runs them there too) because they test
cleanup, not memory, and would double CI time.
"""

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from bundles import is_cell

CGROUP_ROOT = "/sys/fs/cgroup"
STRACE = shutil.which("strace")
SYSCALL_RE = re.compile(r"^([a-z_][a-z0-9_]*)\(")

# Figures for the README's reliability section (printed at the end).
STATS = {}


sweep = pytest.mark.normal_pass_only  # deselected in the sanitizer pass (tests/conftest.py)
needs_strace = pytest.mark.skipif(STRACE is None, reason="strace is not installed")
cell_only = pytest.mark.skipif(not is_cell(), reason="checks cell's own error messages")


# ---- host inspection ---------------------------------------------------------

# Mount points the tests make themselves (the small tmpfs state roots).
TEST_MOUNTS = set()


def mounts_naming(keys):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            if any(k in line for k in keys) and line.split()[4] not in TEST_MOUNTS:
                out.append(line.strip())
    return out


def cgroups_named(cid):
    out = []
    for dirpath, dirnames, _ in os.walk(CGROUP_ROOT):
        out.extend(os.path.join(dirpath, d) for d in dirnames if d == cid)
    return out


def processes_of(token, keys):
    env_key = ("CELL_TEST_TOKEN=" + token).encode()
    keys = [k.encode() for k in keys]
    me = os.getpid()
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == me:
            continue
        try:
            with open("/proc/%s/environ" % p, "rb") as f:
                env = f.read()
            with open("/proc/%s/cmdline" % p, "rb") as f:
                cmdline = f.read()
            with open("/proc/%s/cgroup" % p, "rb") as f:
                cgroup = f.read()
        except OSError:
            continue
        if not cmdline:
            continue  # zombie or kernel thread
        if env_key in env.split(b"\0") or any(k in cmdline or k in cgroup for k in keys):
            out.append((int(p), cmdline.replace(b"\0", b" ").decode(errors="replace")))
    return out


def state_entries(root):
    if not os.path.isdir(root):
        return []
    # .seccomp-cache holds compiled filters shared by all containers, not
    # state of one; the configs used here have no seccomp section anyway.
    return sorted(e for e in os.listdir(root) if e != ".seccomp-cache")


def residue(cell, cid, testdir, token, others=()):
    """What container `cid` left on the host; `others` are containers the
    test keeps on purpose (their entries and processes are not counted)."""
    problems = []
    procs = [(pid, cmd) for pid, cmd in processes_of(token, [cell.root, cid])
             if not any(o in cmd for o in others)] if not others else \
        [(pid, cmd) for pid, cmd in processes_of("-", [cid])]
    for what, items in (("mounts", mounts_naming([testdir, cid] if not others else [cid])),
                        ("cgroups", cgroups_named(cid)),
                        ("processes", procs),
                        ("state entries", [e for e in state_entries(cell.root)
                                           if e not in others])):
        if items:
            problems.append("%s left behind: %r" % (what, items))
    return problems


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


# ---- the sweep -----------------------------------------------------------------

def traced_env():
    """LeakSanitizer refuses to run under ptrace: off for traced runs only."""
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    return env


def syscall_sequence(argv):
    """Names of the system calls `argv`'s own process makes, in order."""
    out = "/tmp/cell-faults-%d.trace" % os.getpid()
    try:
        # Files, not pipes: the container's init inherits stdout and stderr.
        with tempfile.TemporaryFile() as err:
            p = subprocess.run([STRACE, "-qq", "-o", out, *argv], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=err, timeout=60,
                               env=traced_env())
            err.seek(0)
            assert p.returncode == 0, "untraced run failed: %s" % err.read().decode()
        with open(out) as f:
            names = [m.group(1) for m in map(SYSCALL_RE.match, f) if m]
    finally:
        if os.path.exists(out):
            os.unlink(out)
    return names


def injection_points(names):
    """(index, name, occurrence) for every call of the sequence."""
    seen = {}
    for i, name in enumerate(names):
        seen[name] = seen.get(name, 0) + 1
        yield i, name, seen[name]


def run_killed(argv, name, k, timeout=30):
    """Run `argv` under strace, SIGKILLed on entering its k-th `name` call.
    True if it was killed there, False if it finished first."""
    inject = "inject=%s:signal=KILL:when=%d" % (name, k)
    p = subprocess.run([STRACE, "-qq", "-o", "/dev/null", "-e", "trace=" + name, "-e", inject,
                        *argv], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=timeout, env=traced_env())
    if p.returncode == -signal.SIGKILL:
        return True
    assert p.returncode >= 0, "cell died of signal %d, not the injected SIGKILL" % -p.returncode
    return False


def live_or_stopped_since(cell, st, what):
    """A container reported created/running/paused has a live init, or the
    init died since (a SIGKILL by PDEATHSIG is still being delivered when
    `state` reads /proc) and `state` now says stopped."""
    if st["status"] not in ("created", "running", "paused") or pid_alive(st["pid"]):
        return
    p = cell.run("state", st["id"], timeout=15)
    now = json.loads(p.stdout)["status"] if p.returncode == 0 else "gone"
    assert now in ("stopped", "gone"), "%s: %s but pid %d is gone, and now %s" % (
        what, st["status"], st["pid"], now)


def check_consistent(cell, cid, what):
    """`state` and `list` answer, and agree with the processes."""
    p = cell.run("state", cid, timeout=15)
    assert p.returncode in (0, 1), "%s: state exited %d: %s" % (what, p.returncode, p.stderr)
    if p.returncode == 1:
        assert p.stderr.strip(), "%s: state failed without a message" % what
    else:
        live_or_stopped_since(cell, json.loads(p.stdout), what)
    p = cell.run("list", "--format", "json", timeout=15)
    assert p.returncode == 0, "%s: list failed: %s" % (what, p.stderr)
    for st in json.loads(p.stdout) or []:
        live_or_stopped_since(cell, st, what)


def clean_up(cell, cid, testdir, token, what):
    p = cell.run("delete", "--force", cid, timeout=30)
    assert p.returncode == 0, "%s: delete --force failed: %s" % (what, p.stderr)
    # SIGKILLed processes are reaped asynchronously; give them a moment.
    deadline = time.monotonic() + 5
    while True:
        problems = residue(cell, cid, testdir, token)
        if not problems or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not problems, "%s:\n  %s" % (what, "\n  ".join(problems))
    cell.ids.remove(cid)


class Scenario:
    """A verb and how to bring a fresh container to where it starts."""

    def __init__(self, name, setup, argv, retry=None):
        self.name = name
        self.setup = setup    # (cell, bundles, cid) -> None
        self.argv = argv      # (cell, bundles, cid) -> argv
        self.retry = retry    # (cell, cid) -> None, after the kill


def _created(cell, b, cid):
    cell.create(b["sleep"], cid)


def _running(cell, b, cid):
    cell.create(b["sleep"], cid)
    cell.start(cid)


def _stopped(cell, b, cid):
    _running(cell, b, cid)
    cell.kill(cid, "KILL")
    cell.wait_status(cid, "stopped")


def _retry_start(cell, cid):
    p = cell.run("start", cid, timeout=15)
    assert p.returncode in (0, 1), "start after a killed start exited %d" % p.returncode


SCENARIOS = [
    Scenario("create", lambda c, b, i: None,
             lambda c, b, i: c.cmd("create", "--bundle", b["sleep"].path, i)),
    Scenario("start", _created, lambda c, b, i: c.cmd("start", i), retry=_retry_start),
    Scenario("exec", _running, lambda c, b, i: c.cmd("exec", i, "/bin/true")),
    Scenario("exec-detach", _running,
             lambda c, b, i: c.cmd("exec", "--detach", i, "/probe", "sleep", "100")),
    Scenario("kill", _running, lambda c, b, i: c.cmd("kill", i, "KILL")),
    Scenario("delete", _stopped, lambda c, b, i: c.cmd("delete", i)),
    Scenario("delete-force", _running, lambda c, b, i: c.cmd("delete", "--force", i)),
    Scenario("run", lambda c, b, i: None,
             lambda c, b, i: c.cmd("run", "--bundle", b["true"].path, i)),
    Scenario("run-detach", lambda c, b, i: None,
             lambda c, b, i: c.cmd("run", "--detach", "--bundle", b["sleep"].path, i)),
]


@pytest.fixture
def fault_bundles(bundle):
    b = {"sleep": bundle("/probe", "sleep", "100", name="sleep"),
         "true": bundle("/bin/true", name="true")}
    for x in b.values():
        x.save()
    return b


@sweep
@needs_strace
@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_sigkill_at_every_syscall(cell, fault_bundles, testdir, token, scenario):
    cid = cell.new_id("f")
    scenario.setup(cell, fault_bundles, cid)
    names = syscall_sequence(scenario.argv(cell, fault_bundles, cid))
    clean_up(cell, cid, testdir, token, "%s untraced" % scenario.name)
    killed = 0
    for i, name, k in injection_points(names):
        what = "%s killed at syscall %d (%s #%d)" % (scenario.name, i, name, k)
        cid = cell.new_id("f")
        scenario.setup(cell, fault_bundles, cid)
        if run_killed(scenario.argv(cell, fault_bundles, cid), name, k):
            killed += 1
        check_consistent(cell, cid, what)
        if scenario.retry:
            scenario.retry(cell, cid)
        clean_up(cell, cid, testdir, token, what)
    STATS[scenario.name] = (len(names), killed)
    print("\nfaults: %s: %d syscalls, SIGKILL injected at %d" % (scenario.name, len(names),
                                                                  killed))
    assert killed >= 0.9 * len(names), "only %d of %d injections hit" % (killed, len(names))


# ---- a full disk, no fds left, a read-only state root ------------------------------

class Tmpfs:
    """A small tmpfs mounted by the test; the runtime's --root is a
    directory in it and filler files go next to that directory."""

    def __init__(self, path, options):
        self.path = path
        os.makedirs(path)
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path], check=True)
        TEST_MOUNTS.add(path)
        self.filler = os.path.join(path, "filler")
        os.makedirs(self.filler)

    def remount(self, mode):
        subprocess.run(["mount", "-o", "remount," + mode, self.path], check=True)

    def fill_blocks(self):
        """Write until the filesystem is full."""
        fd = os.open(os.path.join(self.filler, "blocks"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as e:
            assert e.errno == 28, e  # ENOSPC
        finally:
            os.close(fd)

    def leave_inodes(self, n):
        """Create empty files until exactly `n` inodes are free."""
        i = 0
        while os.statvfs(self.path).f_ffree > n:
            open(os.path.join(self.filler, "f%d" % i), "w").close()
            i += 1
        assert os.statvfs(self.path).f_ffree == n

    def close(self):
        subprocess.run(["umount", self.path], check=False)
        if os.path.ismount(self.path):
            subprocess.run(["umount", "-l", self.path], check=False)
        TEST_MOUNTS.discard(self.path)


@pytest.fixture
def small_fs(testdir, cell):
    """small_fs(options) -> Tmpfs, with cell's --root moved into it."""
    mounted = []

    def make(options):
        fs = Tmpfs(os.path.join(testdir, "small%d" % len(mounted)), options)
        mounted.append(fs)
        cell.root = os.path.join(fs.path, "state")
        os.makedirs(cell.root)
        return fs

    yield make
    for fs in mounted:
        fs.close()


def assert_failed_cleanly(p, cid, cell, testdir, token, errtext, others=()):
    """A command failed with exit 1 and a message naming the errno, and
    left nothing of container `cid` behind (no delete was run)."""
    assert p.returncode == 1, "exit %d\nstderr: %s" % (p.returncode, p.stderr)
    assert errtext in p.stderr, p.stderr
    problems = residue(cell, cid, testdir, token, others)
    assert not problems, "\n".join(problems)


@cell_only
@pytest.mark.parametrize("free_inodes", [0, 1, 2, 3, 4])
def test_disk_full_inodes(cell, bundle, small_fs, testdir, token, free_inodes):
    """create on a state root with 0..4 free inodes: it needs the state
    directory, state.json and exec.fifo, so each count fails at another
    step (before the cgroup, after it, after the state write), and the
    last succeeds.  Failures say so and leave nothing."""
    b = bundle("/probe", "sleep", "100")
    fs = small_fs("size=1m,nr_inodes=64,mode=0755")
    fs.leave_inodes(free_inodes)
    cid = cell.new_id("full")
    p = cell.create(b, cid, check=False)
    if free_inodes < 3:
        assert_failed_cleanly(p, cid, cell, testdir, token, "No space left on device")
        assert not cell.list_json()
    else:
        assert p.returncode == 0, p.stderr
        cell.start(cid)
        assert cell.state(cid)["status"] == "running"
        clean_up(cell, cid, testdir, token, "created on a full disk")


@cell_only
def test_disk_full_blocks(cell, bundle, small_fs, testdir, token):
    """No block left: create fails at state.json, a container made before
    the disk filled up can still be started, listed and deleted."""
    b = bundle("/probe", "sleep", "100")
    fs = small_fs("size=64k,mode=0755")
    before = cell.new_id("full")
    cell.create(b, before)
    fs.fill_blocks()
    cid = cell.new_id("full")
    p = cell.create(b, cid, check=False)
    assert p.returncode == 1
    assert "No space left on device" in p.stderr and "state.json" in p.stderr, p.stderr
    assert cgroups_named(cid) == [] and not os.path.exists(os.path.join(cell.root, cid))
    assert [c["id"] for c in cell.list_json()] == [before]
    cell.start(before)
    assert cell.state(before)["status"] == "running"
    cell.kill(before, "KILL")
    cell.wait_status(before, "stopped")
    clean_up(cell, before, testdir, token, "deleted on a full disk")


def nofile(n):
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    return limit


@cell_only
def test_emfile(cell, bundle, testdir, token):
    """Every verb with RLIMIT_NOFILE from 3 up to the first limit at which
    it succeeds: each failure is exit 1 with "Too many open files" and
    leaves the container as it was (create: leaves nothing)."""
    b = bundle("/probe", "sleep", "100")
    short = bundle("/bin/true")
    for x in (b, short):
        x.process.pop("rlimits", None)  # the init cannot raise a hard limit
        x.save()
    tried = 0

    def sweep(args, setup, check_after, check_ok=None):
        nonlocal tried
        for n in range(3, 64):
            cid = cell.new_id("emfile")
            setup(cid)
            p = cell.run(*[a.replace("ID", cid) for a in args], preexec_fn=nofile(n),
                         timeout=30)
            tried += 1
            if p.returncode == 0:
                if check_ok:
                    check_ok(cid, p, "%s at nofile=%d" % (args[0], n))
                clean_up(cell, cid, testdir, token, "%s at nofile=%d" % (args[0], n))
                return n
            if p.returncode == 127 and "error while loading shared libraries" in p.stderr:
                # A dynamic build (ASan) needs fds before main(): ld.so's exit.
                clean_up(cell, cid, testdir, token, "%s at nofile=%d" % (args[0], n))
                continue
            # exec exits 255 for its own errors, as runc's does; every other verb 1.
            want = 255 if args[0] == "exec" else 1
            assert p.returncode == want, "%s at nofile=%d: exit %d: %s" % (
                args[0], n, p.returncode, p.stderr)
            assert "Too many open files" in p.stderr, "%s at nofile=%d: %s" % (
                args[0], n, p.stderr)
            check_after(cid, "%s at nofile=%d: %s" % (args[0], n, p.stderr.strip()))
            clean_up(cell, cid, testdir, token, "%s at nofile=%d" % (args[0], n))
        raise AssertionError("%s never succeeded" % args[0])

    def nothing(cid):
        pass

    def created(cid):
        cell.create(b, cid)

    def running(cid):
        created(cid)
        cell.start(cid)

    def is_(status):
        def check(cid, what):
            assert cell.state(cid)["status"] == status, what
        return check

    def says_created(cid, p, what):
        assert json.loads(p.stdout)["status"] == "created", "%s: %s" % (what, p.stdout)

    def listed(cid, p, what):
        assert p.stdout.split() == [cid], "%s: %r" % (what, p.stdout)

    def gone(cid, what):
        assert residue(cell, cid, testdir, token) == [], what

    needed = {
        "create": sweep(["create", "--bundle", b.path, "ID"], nothing, gone),
        "start": sweep(["start", "ID"], created, is_("created")),
        "state": sweep(["state", "ID"], created, is_("created"), says_created),
        # A list that succeeds is complete, not missing what it could not read.
        "list": sweep(["list", "-q"], created, is_("created"), listed),
        "exec": sweep(["exec", "ID", "/bin/true"], running, is_("running")),
        "kill": sweep(["kill", "ID", "KILL"], running, is_("running")),
        "delete": sweep(["delete", "--force", "ID"], running, is_("running")),
        "run": sweep(["run", "--bundle", short.path, "ID"], nothing, gone),
    }
    # `delete` without --force must never take a running container for a
    # stopped one because /proc could not be read.
    for n in range(3, needed["delete"] + 2):
        cid = cell.new_id("emfile")
        running(cid)
        p = cell.run("delete", cid, preexec_fn=nofile(n), timeout=30)
        tried += 1
        if p.returncode == 127 and "error while loading shared libraries" in p.stderr:
            clean_up(cell, cid, testdir, token, "delete at nofile=%d" % n)
            continue
        assert p.returncode == 1, "delete at nofile=%d: %s" % (n, p.stderr)
        assert "Too many open files" in p.stderr or "not stopped" in p.stderr, p.stderr
        is_("running")(cid, "delete at nofile=%d: %s" % (n, p.stderr))
        clean_up(cell, cid, testdir, token, "delete at nofile=%d" % n)
    STATS["emfile"] = (tried, needed)
    print("\nfaults: EMFILE: %d runs; fds needed: %s" % (tried, needed))


@cell_only
def test_read_only_root(cell, bundle, small_fs, testdir, token):
    """A state root that is (or becomes) read-only: create fails with
    EROFS and leaves nothing; state, list, start and kill keep working;
    delete fails with EROFS after stopping the container, which then reads
    as stopped, and succeeds once the root is writable again."""
    b = bundle("/probe", "sleep", "100")
    fs = small_fs("size=1m,mode=0755")
    made = cell.new_id("ro")
    cell.create(b, made)
    fs.remount("ro")
    try:
        cid = cell.new_id("ro")
        p = cell.create(b, cid, check=False)
        assert_failed_cleanly(p, cid, cell, testdir, token, "Read-only file system", [made])
        assert [c["id"] for c in cell.list_json()] == [made]
        assert cell.state(made)["status"] == "created"
        cell.start(made)
        st = cell.state(made)
        assert st["status"] == "running" and pid_alive(st["pid"])
        p = cell.delete(made, force=True, check=False)
        assert p.returncode == 1 and "Read-only file system" in p.stderr, p.stderr
        assert cell.state(made)["status"] == "stopped"
        assert cgroups_named(made) == []
    finally:
        fs.remount("rw")
    cell.delete(made)
    assert residue(cell, made, testdir, token) == []
    cell.ids.remove(made)


@cell_only
def test_read_only_missing_root(cell, bundle, small_fs, testdir, token):
    """--root names a directory to be made on a read-only filesystem."""
    b = bundle("/probe", "sleep", "100")
    fs = small_fs("size=1m,mode=0755")
    fs.remount("ro")
    try:
        cell.root = os.path.join(fs.path, "missing", "state")
        cid = cell.new_id("ro")
        p = cell.create(b, cid, check=False)
        assert_failed_cleanly(p, cid, cell, testdir, token, "Read-only file system")
        assert "state root" in p.stderr, p.stderr
    finally:
        fs.remount("rw")


@sweep
@needs_strace
@cell_only
def test_create_delete_create_race(cell, bundle, testdir, token):
    """A create (A) stalled between mkdir of its state directory and its
    flock (strace delays that flock by a second); meanwhile a delete (B)
    finds the directory without state.json and removes it as a create
    killed half-way, and a create (C) of the same id succeeds.  A must then
    fail with "exists" and leave C's container alone (it once removed C's
    state and destroyed C's cgroup, killing it)."""
    b = bundle("/probe", "sleep", "100")
    b.save()
    cid = cell.new_id("race")
    a = subprocess.Popen([STRACE, "-qq", "-o", "/dev/null", "-e", "trace=flock",
                          "-e", "inject=flock:delay_enter=1s:when=1",
                          *cell.cmd("create", "--bundle", b.path, cid)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 5
        while not os.path.isdir(os.path.join(cell.root, cid)):
            assert time.monotonic() < deadline, "create A did not make its directory"
            time.sleep(0.01)
        assert cell.delete(cid, check=False).returncode == 0
        cell.create(b, cid)
        pid = cell.state(cid)["pid"]
    finally:
        _, err = a.communicate(timeout=30)
    assert a.returncode == 1 and "exists" in err.decode(), err
    st = cell.state(cid)
    assert st["status"] == "created" and st["pid"] == pid and pid_alive(pid)
    cell.start(cid)
    assert cell.state(cid)["status"] == "running"
    clean_up(cell, cid, testdir, token, "race")

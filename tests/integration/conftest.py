# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the integration tests.

  cell       a bundles.Cell driving $CELL_BINARY (default <repo>/build/cell-oci)
             with a --root private to the test
  bundle     factory: bundle(*args) -> bundles.Bundle made from busybox-static
             plus the probe, config.json from `<runtime> spec`
  no_residue (autouse) fails a passing test that leaves a mount, cgroup,
             process or state directory behind, and cleans up after any test

Run as root with Debian's python3-pytest:  /usr/bin/python3 -m pytest tests/
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

import bundles


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a second or two")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(scope="session")
def workdir():
    """Session scratch space; removed at the end (CELL_TEST_KEEP=1 keeps it)."""
    if os.geteuid() != 0:
        pytest.skip("the integration tests must run as root")
    d = tempfile.mkdtemp(prefix="cell-it-")
    os.chmod(d, 0o755)
    yield d
    if not os.environ.get("CELL_TEST_KEEP"):
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def binary():
    b = bundles.cell_binary()
    if not (os.path.isfile(b) and os.access(b, os.X_OK)):
        pytest.skip("runtime binary %s not built (set CELL_BINARY)" % b)
    return b


@pytest.fixture(scope="session")
def probe_path(workdir):
    return bundles.find_probe(workdir)


@pytest.fixture(scope="session")
def rootfs_template(workdir, probe_path):
    d = os.path.join(workdir, "rootfs-template")
    bundles.build_rootfs_template(d, probe_path)
    return d


@pytest.fixture(scope="session")
def spec_config(binary, workdir):
    return bundles.base_config(binary, workdir)


@pytest.fixture
def testdir(workdir, request):
    """A directory private to this test (the bundles and the state root)."""
    name = request.node.name[:60].replace("/", "_").replace("[", "-").replace("]", "")
    d = tempfile.mkdtemp(prefix=name + "-", dir=workdir)
    os.chmod(d, 0o755)
    yield d
    if not os.environ.get("CELL_TEST_KEEP"):
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def token():
    """Put into every container's environment so stray processes can be
    attributed to the test that started them."""
    return uuid.uuid4().hex


@pytest.fixture
def cell(binary, testdir, token):
    return bundles.Cell(binary, os.path.join(testdir, "state"), token)


@pytest.fixture
def bundle(testdir, rootfs_template, spec_config, token):
    """bundle(*args, name=None) -> Bundle whose process runs `args` (default:
    the probe with no arguments), terminal false, CELL_TEST_TOKEN in env."""
    counter = [0]

    def make(*args, name=None):
        counter[0] += 1
        path = os.path.join(testdir, name or "bundle%d" % counter[0])
        os.makedirs(path)
        shutil.copytree(rootfs_template, os.path.join(path, "rootfs"), symlinks=True)
        cfg = bundles.deep_copy(spec_config)
        cfg["root"] = {"path": "rootfs", "readonly": False}
        proc = cfg["process"]
        proc["terminal"] = False
        proc["args"] = list(args) if args else ["/probe"]
        proc["env"] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                       "CELL_TEST_TOKEN=" + token]
        proc["cwd"] = "/"
        b = bundles.Bundle(path, cfg)
        b.save()
        return b

    return make


# ---- residue ---------------------------------------------------------------

CGROUP_ROOT = "/sys/fs/cgroup"


def _mounts():
    out = set()
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            dash = fields.index("-")
            # mountpoint, root, fstype, source: ids are reused, these are not
            out.add((fields[4], fields[3], fields[dash + 1], fields[dash + 2]))
    return out


def _cgroup_mounts():
    """Mount points of every cgroup hierarchy (v1 and cgroup2), wherever
    mounted; /sys/fs/cgroup itself when there are none."""
    points = set()
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[fields.index("-") + 1] in ("cgroup", "cgroup2"):
                points.add(fields[4])
    return sorted(points) or [CGROUP_ROOT]


def _cgroup_dirs():
    """Every cgroup directory on every hierarchy."""
    out = set()
    for top in _cgroup_mounts():
        for dirpath, dirnames, _ in os.walk(top):
            for d in dirnames:
                out.add(os.path.join(dirpath, d))
    return out


def _read(path, mode="rb"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return b"" if "b" in mode else ""


def _processes():
    out = {}
    me = os.getpid()
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == me:
            continue
        cmdline = _read("/proc/%s/cmdline" % p)
        if not cmdline:
            continue  # kernel thread or zombie
        out[int(p)] = (cmdline, _read("/proc/%s/environ" % p), _read("/proc/%s/cgroup" % p))
    return out


def _attributable(text, keys):
    # Keys are only ever long random strings (a uuid token, a mkdtemp path,
    # ids from Cell.new_id()): a short key such as a test's container id "a"
    # would match unrelated host processes.
    return any(k in text for k in keys if len(k) >= 16)


class Residue:
    def __init__(self, cell, testdir, token):
        self.cell = cell
        self.testdir = testdir
        self.token = token
        self.mounts = _mounts()
        self.cgroups = _cgroup_dirs()

    def leftover_mounts(self):
        """New mounts that name this test's directory or containers (other
        people's mounts may come and go on a shared host meanwhile)."""
        keys = [self.testdir] + self.cell.unique_ids
        return sorted(m for m in _mounts() - self.mounts
                      if any(_attributable(field, keys) for field in m))

    def leftover_cgroups(self):
        return sorted(d for d in _cgroup_dirs() - self.cgroups
                      if _attributable(d, self.cell.unique_ids))

    def leftover_processes(self):
        """Processes started for this test: the container processes carry
        CELL_TEST_TOKEN in their environment, runtime processes name the
        test's private --root (under testdir) on their command line, and a
        container init that has not exec'd yet sits in the container's
        cgroup, named after its id."""
        env_key = ("CELL_TEST_TOKEN=" + self.token).encode()
        dir_key = self.testdir.encode()
        ids = [i.encode() for i in self.cell.unique_ids]
        mine = {os.getpid(), os.getppid()}
        out = []
        for pid, (cmdline, environ, cgroup) in _processes().items():
            if pid in mine:
                continue
            if env_key in environ.split(b"\0") or dir_key in cmdline or \
                    _attributable(cgroup, ids):
                out.append((pid, cmdline.replace(b"\0", b" ").decode(errors="replace")))
        return out

    def leftover_state(self):
        root = self.cell.root
        # .seccomp-cache holds compiled filters shared by every container of
        # the root (keyed by profile hash), not the state of one.
        return sorted(e for e in os.listdir(root) if e != ".seccomp-cache") \
            if os.path.isdir(root) else []

    def report(self):
        problems = []
        for what, items in (("mounts", self.leftover_mounts()),
                            ("cgroups", self.leftover_cgroups()),
                            ("processes", self.leftover_processes()),
                            ("state entries", self.leftover_state())):
            if items:
                problems.append("%s left behind: %r" % (what, items))
        return problems

    def cleanup(self):
        self.cell.force_cleanup()
        for pid, _ in self.leftover_processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
        for m in reversed(self.leftover_mounts()):
            subprocess.run(["umount", "-l", m[0]], stderr=subprocess.DEVNULL)
        for d in sorted(self.leftover_cgroups(), key=len, reverse=True):
            try:
                os.rmdir(d)
            except OSError:
                pass


@pytest.fixture(autouse=True)
def no_residue(request):
    if "cell" not in request.fixturenames:
        yield
        return
    cell = request.getfixturevalue("cell")
    testdir = request.getfixturevalue("testdir")
    token = request.getfixturevalue("token")
    residue = Residue(cell, testdir, token)
    yield residue
    rep = getattr(request.node, "rep_call", None)
    problems = residue.report() if rep is not None and rep.passed else []
    residue.cleanup()
    if problems:
        pytest.fail("test left residue:\n  " + "\n  ".join(problems), pytrace=False)


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def repo_untouched(request):
    """No test writes into the repository's top directory (conmon, for one,
    drops an "oom" file into its working directory)."""
    before = set(os.listdir(REPO_ROOT))
    yield
    new = sorted(set(os.listdir(REPO_ROOT)) - before)
    if new:
        for name in new:
            path = os.path.join(REPO_ROOT, name)
            if os.path.isfile(path) and os.path.getsize(path) == 0:
                os.unlink(path)
        pytest.fail("test wrote into the repository: %s" % ", ".join(new), pytrace=False)


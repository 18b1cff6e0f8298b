# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the network tests (issue 14).

  world    a netns.World: a stand-in "host" namespace and a "remote" one joined
           by a veth on 192.0.2.0/24 (see netns.py).  Never the machine's own
           root namespace.  Removed after the test; the test fails if another
           tool's nft table in the host namespace changed.
  net      an NetEngine: `cell` run inside world.host (nsenter --net only)
           with a private --storage/--runroot, $CELL_CNI_CONF_DIR and
           $CELL_CNI_PATH set to dirs of the test; after the test every
           container and user network is removed and the test fails if cell
           left residue: the engine fixture's (mounts, processes, tmp/
           entries) plus veth/macvlan links, nft elements of cell's tables
           other than network-level prefixes, netns files, leases, claimed
           ports, CNI cache entries, host-local lease files and the CNI
           plugins' per-container iptables chains.

Run as root:  /usr/bin/python3 -m pytest tests/net
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "engine"))

import enginelib  # noqa: E402
import netns  # noqa: E402
from netresidue import net_residue  # noqa: E402,F401

# The engine tests' residue helpers, loaded under another name (not as a
# conftest: its fixtures are not wanted here).
_spec = importlib.util.spec_from_file_location(
    "_engine_conftest", os.path.join(os.path.dirname(HERE), "engine", "conftest.py"))
_engine_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_engine_conftest)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a second or two")


def _need_root_and_tools():
    if os.geteuid() != 0:
        pytest.skip("the network tests must run as root")
    for tool in ("ip", "nsenter", "nft"):
        if not shutil.which(tool):
            pytest.skip("%s is not installed" % tool)


@pytest.fixture
def world():
    _need_root_and_tools()
    w = netns.World()
    yield w
    problems = w.residue()
    w.close()
    if problems:
        pytest.fail("world residue: " + "; ".join(problems))


class NetEngine(enginelib.Engine):
    """enginelib.Engine whose every command runs in the world's host namespace."""

    def __init__(self, binary, root, world):
        super().__init__(binary, root)
        self.world = world
        self.ns = world.host
        self.cni_conf_dir = os.path.join(root, "cni-conf")
        self.cni_data_dir = os.path.join(root, "cni-data")    # host-local's dataDir
        os.makedirs(self.cni_conf_dir)
        os.makedirs(self.cni_data_dir)
        self.cni_path = os.environ.get("CELL_CNI_PATH", "/usr/lib/cni")

    def argv(self, *args):
        return self.ns.prefix() + super().argv(*args)

    def env(self, extra=None):
        env = super().env(extra)
        env.setdefault("CELL_CNI_CONF_DIR", self.cni_conf_dir)
        env.setdefault("CELL_CNI_PATH", self.cni_path)
        return env

    def in_container(self, name, *args, check=True, timeout=60):
        return self.run("exec", name, *args, check=check, timeout=timeout)

    def ip_of(self, name, network=None):
        nets = self.json("inspect", name)[0]["NetworkSettings"]["Networks"]
        if network is None:
            network = next(iter(nets))
        return nets[network]["IPAddress"]


@pytest.fixture
def net(world, request):
    b = enginelib.engine_binary()
    if not (os.path.isfile(b) and os.access(b, os.X_OK)):
        pytest.skip("engine binary %s not built (set CELL_ENGINE)" % b)
    workdir = os.environ.get("CELL_NET_TEST_DIR") or tempfile.gettempdir()
    name = request.node.name[:40].replace("/", "_").replace("[", "-").replace("]", "")
    root = tempfile.mkdtemp(prefix="cellnet-" + name + "-", dir=workdir)
    os.chmod(root, 0o755)
    e = NetEngine(b, root, world)
    yield e
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    subprocess.run(e.argv("rm", "-f", "--all"), capture_output=True, timeout=300, env=e.env())
    # User networks go too (the default one may stay: docker keeps it).
    p = subprocess.run(e.argv("network", "ls", "--format", "{{.Name}}"), capture_output=True,
                       text=True, timeout=60, env=e.env())
    for n in p.stdout.split() if p.returncode == 0 else []:
        if n not in ("bridge", "none", "host"):
            subprocess.run(e.argv("network", "rm", n), capture_output=True, timeout=60, env=e.env())
    problems = []
    deadline = time.monotonic() + 10
    while True:
        mounts = _engine_conftest._mounts_under(root)
        procs = _engine_conftest._processes_mentioning(root)
        if not mounts and not procs or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if mounts:
        problems.append("mounts left: %s" % mounts)
    if procs:
        problems.append("processes left: %s" % procs)
    tmp = os.path.join(e.storage, "tmp")
    if os.path.isdir(tmp):
        left = [n for n in os.listdir(tmp) if not n.endswith(".partial")]
        if left:
            problems.append("store tmp/ entries left: %s" % left)
    deadline = time.monotonic() + 10    # veths go with their namespaces, asynchronously
    while True:
        residue = net_residue(e)
        if not residue or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    problems += residue
    for mp in reversed(mounts):
        subprocess.run(["umount", "-l", mp], capture_output=True)
    for pid, _ in procs:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    if not os.environ.get("CELL_TEST_KEEP"):
        shutil.rmtree(root, ignore_errors=True)
    if problems and not failed:
        pytest.fail("test left residue: " + "; ".join(problems))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)

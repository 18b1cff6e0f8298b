# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the engine tests.

  engine   an enginelib.Engine: `cell` with a store and runtime root private
           to the test; after the test every container is removed and the
           test fails if it left a mount, a process or a tmp/ entry behind
           in its store.

Run as root with Debian's python3-pytest:  /usr/bin/python3 -m pytest tests/engine
"""

import os
import shutil
import subprocess
import tempfile
import time

import pytest

import enginelib


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a second or two")


@pytest.fixture(scope="session")
def engine_binary():
    if os.geteuid() != 0:
        pytest.skip("the engine tests must run as root")
    b = enginelib.engine_binary()
    if not (os.path.isfile(b) and os.access(b, os.X_OK)):
        pytest.skip("engine binary %s not built (set CELL_ENGINE)" % b)
    return b


@pytest.fixture(scope="session")
def engine_workdir():
    d = tempfile.mkdtemp(prefix="cell-engine-")
    os.chmod(d, 0o755)
    yield d
    if not os.environ.get("CELL_TEST_KEEP"):
        shutil.rmtree(d, ignore_errors=True)


def _mounts_under(path):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4]
            if mp == path or mp.startswith(path + "/"):
                out.append(mp)
    return out


def _processes_mentioning(path):
    found = []
    me = os.getpid()
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == me:
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if path.encode() in cmd:
            found.append((int(p), cmd.replace(b"\0", b" ").decode(errors="replace")))
    return found


@pytest.fixture
def engine(engine_binary, engine_workdir, request):
    name = request.node.name[:50].replace("/", "_").replace("[", "-").replace("]", "")
    root = tempfile.mkdtemp(prefix=name + "-", dir=engine_workdir)
    os.chmod(root, 0o755)
    e = enginelib.Engine(engine_binary, root)
    yield e
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    # Remove what the test left: every container, then look for residue.
    subprocess.run(e.argv("rm", "-f", "--all"), capture_output=True, timeout=120, env=e.env())
    problems = []
    deadline = time.monotonic() + 10
    while True:
        mounts = _mounts_under(root)
        procs = _processes_mentioning(root)
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

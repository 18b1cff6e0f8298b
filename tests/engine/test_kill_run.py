# SPDX-License-Identifier: Apache-2.0
"""`cell run` killed with SIGKILL at any point of its work.

The delay before the kill goes from 0 to a little past the time the command
takes, in twenty steps, so that some kill lands in each phase (the store's
lock, the record, the overlay mount, the runtime's create and start, the
relay, the exit, --rm's removal).  After each: `cell ps -a` works, `cell rm
-f --all` leaves no mount, process, cgroup, runtime state or record of the
container, the store's images, blobs and layers are as before, and the next
`cell run busybox echo ok` works (and repairs what the kill left half-made)."""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

import enginelib
from journeylib import (assert_nothing_left, container_dirs, ids_in_sight, processes_of, residue,
                        store_snapshot)

STEPS = 20

# What is killed, by mode: the command line after `cell`.
COMMANDS = {
    "foreground-rm": ("run", "--rm", "busybox", "true"),
    "foreground": ("run", "busybox", "sh", "-c", "echo hi; exit 3"),
    "detached": ("run", "-d", "busybox", "sleep", "600"),
    "detached-rm": ("run", "-d", "--rm", "busybox", "sleep", "600"),
}


@pytest.fixture(scope="module")
def run_seconds(engine_binary, engine_workdir):
    """How long each mode's command takes on this machine, now (the median
    of five, the image already made)."""
    root = tempfile.mkdtemp(prefix="kill-timing-", dir=engine_workdir)
    e = enginelib.Engine(engine_binary, root)
    e.run("image", "inspect", "busybox")
    took = {}
    try:
        for mode, argv in COMMANDS.items():
            runs = []
            for _ in range(5):
                t0 = time.monotonic()
                e.run(*argv, check=False)
                runs.append(time.monotonic() - t0)
                e.run("rm", "-f", "--all")
            took[mode] = sorted(runs)[2]
    finally:
        e.run("rm", "-f", "--all", check=False)
        shutil.rmtree(root, ignore_errors=True)
    return took


def kill_at(engine, argv, delay):
    """Start `cell ARGV`, SIGKILL it after `delay` seconds (if still running);
    whether it had finished."""
    p = engine.popen(*argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    if delay > 0:
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            pass
    finished = p.poll() is not None
    if not finished:
        p.send_signal(signal.SIGKILL)
    p.wait()
    return finished


def check_mended(engine, before):
    """After the kill: listings work, rm -f --all removes everything, the
    store is whole, and a new run works."""
    ids = ids_in_sight(engine)
    p = engine.run("ps", "-a", check=False)
    assert p.returncode == 0, p.stderr
    assert engine.run("ps", "-a", "--format", "json", check=False).returncode == 0
    # what survived the kill is a whole container (or nothing): inspect works on it
    for cid in engine.out("ps", "-a", "-q", "--no-trunc").split():
        assert engine.run("inspect", cid, check=False).returncode == 0
    p = engine.run("rm", "-f", "--all", check=False)
    assert p.returncode == 0, p.stderr
    # rm -f --all may leave only what nobody sees: a hidden, half-made or
    # half-removed container directory (".new-<id>") that holds no mount, no
    # process, no runtime state, and that the next create clears
    half = [n for n in container_dirs(engine) if n.startswith(".")]
    assert_nothing_left_but(engine, ids, half)
    tmp = [n for n in os.listdir(os.path.join(engine.storage, "tmp")) if not n.endswith(".partial")]
    assert tmp == [], "store tmp/ after the kill and rm -f --all: %s" % tmp
    assert store_snapshot(engine) == before
    # the store and the engine work, and the next command repairs the rest
    p = engine.run("run", "busybox", "echo", "ok", check=False)
    assert (p.returncode, p.stdout) == (0, "ok\n"), p.stderr
    engine.run("rm", "-f", "--all")
    assert container_dirs(engine) == [], "a new run did not repair %s" % half
    assert_nothing_left(engine, ids)
    assert store_snapshot(engine) == before


def assert_nothing_left_but(engine, ids, half):
    if not half:
        return assert_nothing_left(engine, ids)
    # the same checks, with the half-made directories allowed in containers/
    deadline = time.monotonic() + 10
    while True:
        problems = [pr for pr in residue(engine, ids) if not pr.startswith("store containers/")]
        extra = [n for n in container_dirs(engine) if n not in half]
        if extra:
            problems.append("store containers/ holds %s" % extra)
        if not problems or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert problems == [], "left behind: " + "; ".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("step", range(STEPS))
@pytest.mark.parametrize("mode", list(COMMANDS))
def test_sigkill_of_run(engine, run_seconds, mode, step):
    engine.run("image", "inspect", "busybox")
    before = store_snapshot(engine)
    # from 0 to 1.1 times what the command takes: the last steps land after it finished
    delay = run_seconds[mode] * 1.1 * step / (STEPS - 1)
    kill_at(engine, COMMANDS[mode], delay)
    check_mended(engine, before)


@pytest.mark.slow
@pytest.mark.parametrize("step", range(0, STEPS, 4))
def test_sigkill_of_run_on_an_empty_store(engine, run_seconds, step):
    # the first run also makes the built-in image: a kill during that leaves
    # a store that the next run completes
    delay = (run_seconds["foreground-rm"] * 3) * step / (STEPS - 1)
    kill_at(engine, COMMANDS["foreground-rm"], delay)
    p = engine.run("ps", "-a", check=False)
    assert p.returncode == 0, p.stderr
    ids = ids_in_sight(engine)
    engine.run("rm", "-f", "--all")
    p = engine.run("run", "busybox", "echo", "ok", check=False)
    assert (p.returncode, p.stdout) == (0, "ok\n"), p.stderr
    engine.run("rm", "-f", "--all")
    assert_nothing_left(engine, ids)
    images = engine.json("images", "--format", "json")
    assert len(images) == 1
    snap = store_snapshot(engine)
    assert [i[1] for i in snap["images"]] == [["localhost/busybox:latest"]]
    # every layer the image names is there, and nothing else
    assert snap["layers"] == sorted(d[7:] for d in snap["images"][0][2])
    tmp = [n for n in os.listdir(os.path.join(engine.storage, "tmp")) if not n.endswith(".partial")]
    assert tmp == []


@pytest.mark.slow
def test_sigkill_of_a_foreground_run_leaves_the_container_to_rm(engine):
    # as docker's client: the container outlives a killed `cell run`; it is
    # listed, and rm -f ends it
    p = engine.popen("run", "--name", "orphan", "busybox", "sleep", "600",
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while engine.run("inspect", "--format", "{{.State.Status}}", "orphan",
                     check=False).stdout.strip() != "running":
        assert time.monotonic() < deadline, "orphan did not start"
        time.sleep(0.05)
    cid = engine.json("inspect", "orphan")[0]["Id"]
    p.send_signal(signal.SIGKILL)
    p.wait()
    rows = engine.json("ps", "-a", "--format", "json")
    assert [r["Names"] for r in rows] == ["orphan"]
    assert processes_of(engine, [cid]), "the container's process died with cell run"
    engine.run("rm", "-f", "orphan")
    assert_nothing_left(engine, [cid])


@pytest.mark.slow
def test_rm_f_races_a_detached_start_that_outlived_run(engine):
    # `run -d` killed at fine steps while its monitor starts the container,
    # and `rm -f --all` at once: the starter must not build the runtime
    # container on a rootfs rm unmounted, nor the monitor add files to a
    # directory rm is removing ("Directory not empty" in CI before)
    engine.run("image", "inspect", "busybox")
    before = store_snapshot(engine)
    failures = []
    for i in range(80):
        p = engine.popen("run", "-d", "busybox", "sleep", "600", stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.004 + (i % 40) * 0.0005)
        p.send_signal(signal.SIGKILL)
        p.wait()
        time.sleep(((i * 7) % 30) * 0.001)
        r = engine.run("rm", "-f", "--all", check=False)
        if r.returncode != 0:
            failures.append(r.stderr.strip())
            engine.run("rm", "-f", "--all", check=False)
    assert failures == []
    ids = ids_in_sight(engine)
    engine.run("rm", "-f", "--all")
    assert_nothing_left(engine, ids)
    assert store_snapshot(engine) == before

# SPDX-License-Identifier: Apache-2.0
"""`--rm` leaves nothing: not in ps -a, the store, the mount table, the
process table, the cgroup hierarchies or the runroot; in the foreground and
detached."""

import os
import subprocess

import pytest

from journeylib import (Terminal, assert_nothing_left, container_dirs, mounts_mentioning,
                        store_snapshot, wait_for)


def go(engine, name):
    """Create /go in the container from the host (cp through its rootfs):
    `exec touch /go` would race the container's init, which exits as soon as
    the file appears and takes the exec'd process with it (137)."""
    src = os.path.join(engine.root, "go-file")
    open(src, "w").close()
    engine.run("cp", src, name + ":/go")

def warm(engine):
    """Make the built-in image, and say what the store holds with it."""
    engine.run("image", "inspect", "busybox")
    return store_snapshot(engine)


def id_of(engine, name):
    """The id of container `name` once it runs."""
    def running():
        p = engine.run("inspect", "--format", "{{.State.Status}} {{.Id}}", name, check=False)
        words = p.stdout.split()
        return words[1] if p.returncode == 0 and words[0] == "running" else None
    return wait_for(running, what="container %s to run" % name)


def test_foreground_rm_leaves_nothing(engine):
    before = warm(engine)
    # a container that writes to its layer, so its upper dir holds something
    p = engine.popen("run", "--rm", "--name", "fg", "busybox", "sh", "-c",
                     "echo data > /tmp/f; echo ran; while [ ! -e /go ]; do sleep 0.05; done",
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        cid = id_of(engine, "fg")
        # while it runs: a record, a mount
        assert container_dirs(engine) == [cid]
        assert mounts_mentioning(cid)
        go(engine, "fg")
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err
    assert out == "ran\n"
    assert_nothing_left(engine, [cid])
    assert store_snapshot(engine) == before


def test_foreground_rm_of_a_failing_command_leaves_nothing(engine):
    before = warm(engine)
    p = engine.run("run", "--rm", "busybox", "no-such-command", check=False)
    assert p.returncode == 127
    p = engine.run("run", "--rm", "busybox", "sh", "-c", "exit 42", check=False)
    assert p.returncode == 42
    p = engine.run("run", "--rm", "busybox", "/etc", check=False)
    assert p.returncode == 126
    assert_nothing_left(engine, [])
    assert store_snapshot(engine) == before


def test_detached_rm_leaves_nothing_once_it_exits(engine):
    before = warm(engine)
    cid = engine.out("run", "-d", "--rm", "--name", "bg", "busybox", "sh", "-c",
                     "echo data > /tmp/f; while [ ! -e /go ]; do sleep 0.05; done").strip()
    assert len(cid) == 64
    assert [r["Names"] for r in engine.json("ps", "--format", "json")] == ["bg"]
    assert container_dirs(engine) == [cid]
    assert mounts_mentioning(cid)
    go(engine, "bg")
    # the monitor removes it when it exits, with no command of ours
    wait_for(lambda: container_dirs(engine) == [], what="the --rm container to be removed")
    assert_nothing_left(engine, [cid])
    assert store_snapshot(engine) == before


def test_detached_rm_stopped_leaves_nothing(engine):
    before = warm(engine)
    cid = engine.out("run", "-d", "--rm", "--name", "bg", "busybox", "sleep", "100").strip()
    engine.run("stop", "-t", "1", "bg")
    assert_nothing_left(engine, [cid])
    assert store_snapshot(engine) == before


def test_detached_rm_with_a_terminal_leaves_nothing(engine):
    before = warm(engine)
    cid = engine.out("run", "-d", "-t", "--rm", "busybox", "sh", "-c", "sleep 0.5; echo bye").strip()
    wait_for(lambda: container_dirs(engine) == [], what="the --rm container to be removed")
    assert_nothing_left(engine, [cid])
    assert store_snapshot(engine) == before


def test_it_rm_leaves_nothing(engine):
    before = warm(engine)
    t = Terminal(engine, "run", "-it", "--rm", "--name", "tty", "busybox", "sh")
    try:
        assert t.read_until(b"/ # "), t.text()
        cid = id_of(engine, "tty")
        t.type(b"echo x > /root-file; exit 0\r")
        assert t.wait(timeout=60) == 0, t.text()
    finally:
        t.close()
    assert_nothing_left(engine, [cid])
    assert store_snapshot(engine) == before


@pytest.mark.parametrize("how", ["foreground", "detached"])
def test_rm_with_a_volume_and_tmpfs_leaves_nothing(engine, how, tmp_path):
    before = warm(engine)
    host = tmp_path / "shared"
    host.mkdir()
    args = ["run", "--rm", "-v", "%s:/data" % host, "--tmpfs", "/scratch", "busybox", "sh", "-c",
            "echo kept > /data/out; echo gone > /scratch/x"]
    if how == "detached":
        args.insert(1, "-d")
    engine.run(*args)
    wait_for(lambda: container_dirs(engine) == [], what="the --rm container to be removed")
    assert_nothing_left(engine, [])
    assert store_snapshot(engine) == before
    # a bind mount's content is the user's: it stays
    assert (host / "out").read_text() == "kept\n"


def test_detached_rm_killed_leaves_nothing(engine):
    before = warm(engine)
    cid = engine.out("run", "-d", "--rm", "--name", "bg", "busybox", "sleep", "100").strip()
    engine.run("kill", "bg")
    wait_for(lambda: container_dirs(engine) == [], what="the --rm container to be removed")
    assert_nothing_left(engine, [cid])
    assert store_snapshot(engine) == before


def test_foreground_rm_of_a_container_killed_by_cell_kill_leaves_nothing(engine):
    before = warm(engine)
    p = engine.popen("run", "--rm", "--name", "fg", "busybox", "sleep", "100",
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        cid = id_of(engine, "fg")
        engine.run("kill", "fg")
        p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 137
    assert_nothing_left(engine, [cid])
    assert store_snapshot(engine) == before

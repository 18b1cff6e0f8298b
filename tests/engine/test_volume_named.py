# SPDX-License-Identifier: Apache-2.0
"""Named and anonymous volumes: create, ls, inspect, rm, prune; data kept across containers."""

import os


def test_named_volume_persists_across_containers(engine):
    engine.run("run", "--rm", "-v", "keep:/data", "busybox", "sh", "-c", "echo kept > /data/f")
    assert engine.out("run", "--rm", "-v", "keep:/data", "busybox", "cat", "/data/f") == "kept\n"
    vols = engine.json("volume", "ls", "--format", "json")
    assert [v["Name"] for v in vols] == ["keep"]
    mp = engine.json("volume", "inspect", "keep")[0]["Mountpoint"]
    assert mp.startswith(engine.storage) and open(os.path.join(mp, "f")).read() == "kept\n"


def test_new_volume_is_filled_from_the_image(engine):
    out = engine.out("run", "--rm", "-v", "etcvol:/etc", "busybox", "cat", "/etc/passwd")
    assert "root:" in out
    mp = engine.json("volume", "inspect", "etcvol")[0]["Mountpoint"]
    assert os.path.exists(os.path.join(mp, "passwd"))
    # a volume that exists already is not filled again
    os.unlink(os.path.join(mp, "passwd"))
    p = engine.run("run", "--rm", "-v", "etcvol:/etc", "busybox", "ls", "/etc/passwd", check=False)
    assert p.returncode != 0


def test_volume_read_only(engine):
    engine.run("volume", "create", "rov")
    p = engine.run("run", "--rm", "-v", "rov:/data:ro", "busybox", "touch", "/data/x", check=False)
    assert p.returncode != 0 and "Read-only" in p.stderr


def test_volume_in_use_is_not_removed(engine):
    engine.run("create", "--name", "user", "-v", "used:/data", "busybox", "true")
    p = engine.run("volume", "rm", "used", check=False)
    assert p.returncode != 0 and "in use" in p.stderr
    engine.run("rm", "user")
    engine.run("volume", "rm", "used")
    assert engine.out("volume", "ls", "-q") == ""


def test_volume_create_inspect_rm_and_unknown(engine):
    assert engine.out("volume", "create", "v1") == "v1\n"
    assert engine.out("volume", "create", "v1") == "v1\n"
    info = engine.json("volume", "inspect", "v1")[0]
    assert info["Driver"] == "local" and info["Name"] == "v1"
    engine.run("volume", "rm", "v1")
    p = engine.run("volume", "inspect", "v1", check=False)
    assert p.returncode != 0 and "no such volume: v1" in p.stderr
    p = engine.run("volume", "create", "bad/name", check=False)
    assert p.returncode != 0 and "bad/name" in p.stderr


def test_anonymous_volume_removed_with_rm_v(engine):
    engine.run("create", "--name", "anon", "-v", "/data", "busybox", "true")
    vols = engine.out("volume", "ls", "-q").split()
    assert len(vols) == 1 and len(vols[0]) == 64
    engine.run("rm", "-v", "anon")
    assert engine.out("volume", "ls", "-q") == ""


def test_volume_prune_removes_unused_anonymous_volumes(engine):
    engine.run("run", "--name", "a", "-v", "/data", "busybox", "true")
    engine.run("volume", "create", "named")
    engine.run("rm", "a")
    out = engine.out("volume", "prune", "-f")
    assert engine.out("volume", "ls", "-q").split() == ["named"]
    assert "Deleted Volumes" in out

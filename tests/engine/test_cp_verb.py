# SPDX-License-Identifier: Apache-2.0
"""`cell cp`: both ways, files and directories, symlinks resolved inside the container."""

import os

from monitorlib import run_d


def _box(engine):
    return run_d(engine, "--name", "box", "busybox", "sh", "-c",
                 "mkdir -p /data/sub && echo inside > /data/sub/f && ln -s f /data/sub/l && "
                 "echo top > /top && exec sleep 300")


def _wait_ready(engine):
    from monitorlib import wait_for
    wait_for(lambda: engine.run("exec", "box", "test", "-e", "/top", check=False).returncode == 0,
             what="the container's files")


def test_cp_file_both_ways(engine, tmp_path):
    _box(engine)
    _wait_ready(engine)
    engine.run("cp", "box:/top", str(tmp_path / "got"))
    assert (tmp_path / "got").read_text() == "top\n"
    src = tmp_path / "up"
    src.write_text("from host\n")
    os.chmod(src, 0o750)
    engine.run("cp", str(src), "box:/tmp")   # into an existing directory
    engine.run("cp", str(src), "box:/renamed")  # to a new name
    assert engine.out("exec", "box", "cat", "/tmp/up", "/renamed") == "from host\nfrom host\n"
    assert engine.out("exec", "box", "stat", "-c", "%a", "/tmp/up") == "750\n"


def test_cp_directories(engine, tmp_path):
    _box(engine)
    _wait_ready(engine)
    engine.run("cp", "box:/data", str(tmp_path))
    assert (tmp_path / "data/sub/f").read_text() == "inside\n"
    assert os.readlink(tmp_path / "data/sub/l") == "f"
    engine.run("cp", "box:/data/.", str(tmp_path / "content"))
    assert (tmp_path / "content/sub/f").read_text() == "inside\n"
    (tmp_path / "tree/a").mkdir(parents=True)
    (tmp_path / "tree/a/b").write_text("b\n")
    engine.run("cp", str(tmp_path / "tree"), "box:/")
    assert engine.out("exec", "box", "cat", "/tree/a/b") == "b\n"


def test_cp_symlink_escape_stays_inside(engine, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("host secret\n")
    (tmp_path / "hostdir").mkdir()
    _box(engine)
    _wait_ready(engine)
    # links that would lead out of the container's root on the host
    engine.run("exec", "box", "sh", "-c",
               "ln -s %s /evil && ln -s /../../../../../%s /evildir && ln -s ../../../../../.. /up"
               % (secret, tmp_path / "hostdir"))
    # reading: the link itself is copied, its target never read
    engine.run("cp", "box:/evil", str(tmp_path / "copy"))
    assert os.path.islink(tmp_path / "copy")
    p = engine.run("cp", "box:/up%s" % secret, str(tmp_path / "copy2"), check=False)
    assert p.returncode == 125 and not (tmp_path / "copy2").exists()
    # writing through links: the file lands inside the container, the host is untouched
    src = tmp_path / "payload"
    src.write_text("payload\n")
    engine.run("cp", str(src), "box:/evil")
    assert secret.read_text() == "host secret\n"
    p = engine.run("cp", str(src), "box:/evildir/x", check=False)
    assert not (tmp_path / "hostdir/x").exists()
    engine.run("exec", "box", "mkdir", "-p", str(tmp_path / "hostdir"))
    engine.run("cp", str(src), "box:/evildir/x")
    assert not (tmp_path / "hostdir/x").exists()
    assert engine.out("exec", "box", "cat", str(tmp_path / "hostdir/x")) == "payload\n"
    engine.run("cp", str(src), "box:/up/y")
    assert engine.out("exec", "box", "cat", "/y") == "payload\n"
    assert not os.path.exists("/y")


def test_cp_stopped_container_and_errors(engine, tmp_path):
    engine.run("create", "--name", "idle", "busybox", "true")
    engine.run("cp", "idle:/bin/busybox", str(tmp_path / "bb"))
    assert os.path.getsize(tmp_path / "bb") > 100000
    p = engine.run("cp", "idle:/nope", str(tmp_path / "x"), check=False)
    assert p.returncode == 125 and "/nope" in p.stderr
    p = engine.run("cp", str(tmp_path / "bb"), str(tmp_path / "bb2"), check=False)
    assert p.returncode == 125 and "CONTAINER:PATH" in p.stderr

# SPDX-License-Identifier: Apache-2.0
"""`cell import`, `cell commit` and `cell export`: a rootfs tar becomes an
image; a container's changes (new, changed, deleted files, a directory
replaced: overlayfs's whiteout and opaque directory) become a layer; a
container's whole rootfs becomes a tar."""

import io
import json
import os
import subprocess
import tarfile

import pytest

import imagefactory as f
from test_archive_load import inspect, names

RUN = ("run", "--network", "none")


@pytest.fixture
def base(engine, tmp_path):
    """An image with busybox, a file to delete, a file to change and a directory to replace."""
    layer = f.Layer(f.busybox() + [f.Dir("etc"), f.File("etc/motd", b"base\n"),
                                   f.File("etc/gone", b"gone\n"), f.Dir("dir"),
                                   f.File("dir/old1", b"1"), f.File("dir/old2", b"2")])
    img = f.Image([layer], cmd=["sh"])
    engine.run("load", "-i", f.oci_archive(str(tmp_path / "base.tar"), [(img, "localhost/base:1")]))
    return img


CHANGES = ("echo changed > /etc/motd; rm /etc/gone; rm -rf /dir; mkdir /dir; "
           "echo fresh > /dir/new; echo added > /added; /bin/busybox ln /added /added2")


def layer_entries(engine, diff_id):
    """The names in the store's copy of the layer blob `diff_id` (an uncompressed tar)."""
    blob = os.path.join(engine.storage, "blobs", "sha256", diff_id[7:])
    with tarfile.open(blob) as tf:
        return sorted(tf.getnames())


def test_import_file_and_stdin(engine, tmp_path):
    layer = f.Layer(f.busybox() + [f.File("hello", b"imported\n")], None)
    tgz = str(tmp_path / "root.tgz")
    with open(tgz, "wb") as fh:
        fh.write(f._compress(layer.tar(), "gzip"))
    out = engine.out("import", "-c", "CMD [\"cat\", \"/hello\"]", "-m", "from a tgz", tgz,
                     "localhost/imported:1").strip()
    info = inspect(engine, "localhost/imported:1")
    assert out == info["Id"]
    # stored uncompressed: the layer blob is the tar itself, its digest the diff id
    assert info["RootFS"]["Layers"] == [layer.diff_id]
    assert info["Config"]["Cmd"] == ["cat", "/hello"]
    assert info["Architecture"] == f.host_arch() and info["Os"] == "linux"
    assert engine.out(*RUN, "--rm", "localhost/imported:1") == "imported\n"
    hist = engine.out("history", "--no-trunc", "localhost/imported:1")
    assert "from a tgz" in hist

    zst = f._compress(layer.tar(), "zstd")
    p = subprocess.run(engine.argv("import", "-", "localhost/imported:2"), input=zst,
                       capture_output=True, env=engine.env(), timeout=120)
    assert p.returncode == 0, p.stderr
    assert inspect(engine, "localhost/imported:2")["RootFS"]["Layers"] == [layer.diff_id]


def test_import_bad_input(engine, tmp_path):
    before = names(engine)
    junk = str(tmp_path / "junk")
    with open(junk, "wb") as fh:
        fh.write(b"no tar here\n" * 100)
    p = engine.run("import", junk, "localhost/junk:1", check=False)
    assert p.returncode == 125 and junk in p.stderr
    bad = f.Layer(f.busybox() + [f.CharDevice("dev/evil")], None)
    path = str(tmp_path / "dev.tar")
    with open(path, "wb") as fh:
        fh.write(bad.tar())
    p = engine.run("import", path, "localhost/junk:1", check=False)
    assert p.returncode == 125 and "dev/evil" in p.stderr
    p = engine.run("import", str(tmp_path / "nosuch.tar"), check=False)
    assert p.returncode == 125 and "nosuch.tar" in p.stderr
    assert names(engine) == before


def test_commit_whiteouts_and_opaque_directory(engine, tmp_path, base):
    engine.run(*RUN, "--name", "changer", "localhost/base:1", "sh", "-c", CHANGES)
    out = engine.out("commit", "-m", "my change", "--author", "Ann <ann@example.com>",
                     "-c", "CMD [\"cat\", \"/added\"]", "-c", "ENV FOO=bar", "-c", "WORKDIR /dir",
                     "changer", "localhost/committed:1").strip()
    info = inspect(engine, "localhost/committed:1")
    assert out == info["Id"]
    layers = info["RootFS"]["Layers"]
    assert layers[:1] == [base.layers[0].diff_id] and len(layers) == 2
    assert info["Config"]["Cmd"] == ["cat", "/added"]
    assert "FOO=bar" in info["Config"]["Env"] and "PATH=/bin" in info["Config"]["Env"]
    assert info["Config"]["WorkingDir"] == "/dir"
    assert info["Author"] == "Ann <ann@example.com>"

    # the new layer in OCI form: whiteout and opaque marker files, no 0/0 devices
    entries = layer_entries(engine, layers[1])
    assert "etc/.wh.gone" in entries
    assert "dir/.wh..wh..opq" in entries
    assert {"added", "etc/motd", "dir/new"} <= set(entries)
    assert "dir/old1" not in entries
    blob = os.path.join(engine.storage, "blobs", "sha256", layers[1][7:])
    with tarfile.open(blob) as tf:
        link = tf.getmember("added2")
        assert link.islnk() and link.linkname == "added"

    # what a container of the new image sees, and what the store unpacked
    assert engine.out(*RUN, "--rm", "localhost/committed:1") == "added\n"
    listing = engine.out(*RUN, "--rm", "localhost/committed:1", "find", "/dir", "/etc")
    assert sorted(listing.split()) == ["/dir", "/dir/new", "/etc", "/etc/hostname", "/etc/hosts",
                                       "/etc/motd", "/etc/resolv.conf"]
    tree = f.merged_tree(engine.storage, layers, str(tmp_path))
    assert tree["etc/motd"] == b"changed\n" and "etc/gone" not in tree
    assert tree["added2"] == b"added\n"
    assert sorted(k for k in tree if k.startswith("dir/")) == ["dir/new"]

    hist = engine.out("history", "--no-trunc", "localhost/committed:1")
    assert "my change" in hist


def test_commit_running_container(engine, base):
    cid = engine.out(*RUN, "-d", "--name", "live", "localhost/base:1", "sh", "-c",
                     "echo up > /up; sleep 60").strip()
    try:
        engine.out("commit", "live", "localhost/live:1")
        # paused for the commit and running again afterwards
        state = engine.json("inspect", "live")[0]["State"]
        assert state["Running"] and not state["Paused"]
        assert engine.out(*RUN, "--rm", "localhost/live:1", "cat", "/up") == "up\n"
    finally:
        engine.run("rm", "-f", cid, check=False)


def test_commit_without_name_and_unknown_container(engine, base):
    engine.run(*RUN, "--name", "c", "localhost/base:1", "sh", "-c", "echo x > /x")
    before = names(engine)
    image_id = engine.out("commit", "c").strip()
    after = names(engine)
    assert after.pop("<none>:<none>") == image_id  # dangling: no name added
    assert after == before
    assert inspect(engine, image_id)["Id"] == image_id
    p = engine.run("commit", "nosuch", "localhost/x:1", check=False)
    assert p.returncode == 125 and "nosuch" in p.stderr
    p = engine.run("commit", "-c", "FROB x", "c", "localhost/x:1", check=False)
    assert p.returncode == 125 and "FROB" in p.stderr
    assert "localhost/x:1" not in names(engine)
    assert len(names(engine)) == len(before) + 1


def export_names(data):
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        return {m.name: m for m in tf.getmembers()}, tf


def test_export_and_import_again(engine, tmp_path, base):
    engine.run(*RUN, "--name", "exp", "localhost/base:1", "sh", "-c", CHANGES)
    out = str(tmp_path / "rootfs.tar")
    engine.run("export", "-o", out, "exp")
    with tarfile.open(out) as tf:
        members = {m.name.rstrip("/"): m for m in tf.getmembers()}
        assert tf.extractfile(members["etc/motd"]).read() == b"changed\n"
        assert tf.extractfile(members["added"]).read() == b"added\n"
    assert "etc/gone" not in members and "dir/old1" not in members
    assert members["bin/sh"].issym() and members["bin/sh"].linkname == "busybox"
    assert not any(".wh." in n for n in members)
    assert not any(m.ischr() for m in members.values())

    # to standard output: the same bytes
    p = subprocess.run(engine.argv("export", "exp"), capture_output=True, env=engine.env(),
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout == open(out, "rb").read()

    engine.out("import", out, "localhost/reimported:1")
    listing = engine.out(*RUN, "--rm", "localhost/reimported:1", "find", "/dir")
    assert sorted(listing.split()) == ["/dir", "/dir/new"]

    p = engine.run("export", "-o", str(tmp_path / "none.tar"), "nosuch", check=False)
    assert p.returncode == 125 and "nosuch" in p.stderr
    assert not os.path.exists(str(tmp_path / "none.tar"))
    assert [n for n in os.listdir(str(tmp_path)) if "cell-tmp" in n] == []


def test_export_running_container(engine, base):
    cid = engine.out(*RUN, "-d", "localhost/base:1", "sh", "-c", "echo up > /up; sleep 60").strip()
    try:
        for _ in range(100):
            p = subprocess.run(engine.argv("export", cid), capture_output=True, env=engine.env(),
                               timeout=120)
            assert p.returncode == 0, p.stderr
            with tarfile.open(fileobj=io.BytesIO(p.stdout)) as tf:
                got = tf.getnames()
            if "up" in got:
                break
        assert "up" in got and "etc/gone" in got
    finally:
        engine.run("rm", "-f", cid, check=False)

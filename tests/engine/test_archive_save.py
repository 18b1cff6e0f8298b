# SPDX-License-Identifier: Apache-2.0
"""`cell save`: docker-archive (default), oci-archive and oci-dir; what it
writes must load back into cell, podman and skopeo as the same image."""

import json
import os
import shutil
import subprocess
import tarfile

import pytest

import enginelib
import imagefactory as f
from test_archive_load import Podman, check_two_layer_rootfs, inspect, names, rootfs, two_layer_image


@pytest.fixture
def loaded(engine, tmp_path):
    """An image in the engine's store (two layers, gzip), loaded from an OCI archive."""
    img = two_layer_image()
    src = f.oci_archive(str(tmp_path / "src.tar"), [(img, "localhost/saved:1")])
    engine.run("load", "-i", src)
    return img


@pytest.fixture
def other_engine(engine_binary, tmp_path):
    root = str(tmp_path / "other")
    os.makedirs(root)
    e = enginelib.Engine(engine_binary, root)
    yield e
    subprocess.run(e.argv("rm", "-f", "--all"), capture_output=True, env=e.env())


@pytest.fixture
def podman(tmp_path):
    if not shutil.which("podman"):
        pytest.skip("podman is not installed")
    p = Podman(tmp_path)
    yield p
    p.reset()


def skopeo_inspect(transport_ref):
    if not shutil.which("skopeo"):
        pytest.skip("skopeo is not installed")
    p = subprocess.run(["skopeo", "inspect", transport_ref], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_save_docker_archive(engine, other_engine, loaded, tmp_path, podman):
    out = str(tmp_path / "saved.tar")
    engine.run("save", "-o", out, "localhost/saved:1")
    with tarfile.open(out) as tf:
        members = tf.getnames()
        manifest = json.load(tf.extractfile("manifest.json"))
    assert manifest == [{"Config": loaded.id[7:] + ".json", "RepoTags": ["localhost/saved:1"],
                         "Layers": [l.diff_id[7:] + "/layer.tar" for l in loaded.layers]}]
    for l in loaded.layers:
        with tarfile.open(out) as tf:
            # docker archives hold layers uncompressed: the diff id is the file's digest.
            assert f.sha256(tf.extractfile(l.diff_id[7:] + "/layer.tar").read()) == l.diff_id
    assert "manifest.json" in members

    info = skopeo_inspect("docker-archive:" + out)
    assert info["Layers"] == [l.diff_id for l in loaded.layers]
    podman("load", "-i", out)
    assert podman.image_id("localhost/saved:1") == loaded.id

    assert other_engine.out("load", "-i", out) == "Loaded image: localhost/saved:1\n"
    assert names(other_engine) == {"localhost/saved:1": loaded.id}
    check_two_layer_rootfs(rootfs(other_engine, "localhost/saved:1", tmp_path))


def test_save_oci_archive(engine, other_engine, loaded, tmp_path, podman):
    out = str(tmp_path / "saved-oci.tar")
    engine.run("save", "--format", "oci-archive", "-o", out, "localhost/saved:1")
    info = skopeo_inspect("oci-archive:" + out)
    assert info["Layers"] == [l.digest for l in loaded.layers]  # the store's blobs, as they were
    podman("load", "-i", out)
    assert podman.image_id("localhost/saved:1") == loaded.id
    assert other_engine.out("load", "-i", out) == "Loaded image: localhost/saved:1\n"
    assert names(other_engine) == {"localhost/saved:1": loaded.id}
    check_two_layer_rootfs(rootfs(other_engine, "localhost/saved:1", tmp_path))


def test_save_oci_dir(engine, other_engine, loaded, tmp_path):
    out = str(tmp_path / "layout")
    engine.run("save", "--format", "oci-dir", "-o", out, "localhost/saved:1")
    info = skopeo_inspect("oci:" + out + ":localhost/saved:1")
    assert info["Layers"] == [l.digest for l in loaded.layers]
    other_engine.run("load", "-i", out)
    assert names(other_engine) == {"localhost/saved:1": loaded.id}
    # a second save may not merge into, nor replace, a layout that exists
    p = engine.run("save", "--format", "oci-dir", "-o", out, "localhost/saved:1", check=False)
    assert p.returncode == 125 and "exists" in p.stderr


def test_save_to_stdout_and_deterministic(engine, other_engine, loaded, tmp_path):
    out = str(tmp_path / "stdout.tar")
    with open(out, "wb") as fh:
        p = subprocess.run(engine.argv("save", "localhost/saved:1"), stdout=fh,
                           stderr=subprocess.PIPE, env=engine.env(), timeout=120)
    assert p.returncode == 0, p.stderr
    again = str(tmp_path / "again.tar")
    engine.run("save", "-o", again, "localhost/saved:1")
    with open(out, "rb") as a, open(again, "rb") as b:
        assert a.read() == b.read()
    other_engine.run("load", "-i", out)
    assert names(other_engine) == {"localhost/saved:1": loaded.id}


def test_save_by_id_keeps_every_name(engine, other_engine, loaded, tmp_path):
    engine.run("tag", "localhost/saved:1", "localhost/other:2")
    out = str(tmp_path / "byid.tar")
    engine.run("save", "-o", out, loaded.id[7:19])
    other_engine.run("load", "-i", out)
    assert names(other_engine) == {"localhost/saved:1": loaded.id, "localhost/other:2": loaded.id}


def test_save_several_images(engine, other_engine, loaded, tmp_path):
    b = f.Image([f.Layer(f.busybox() + [f.File("b", b"b")], "zstd")])
    engine.run("load", "-i", f.oci_archive(str(tmp_path / "b.tar"), [(b, "localhost/b:1")]))
    for fmt in ("docker-archive", "oci-archive"):
        out = str(tmp_path / (fmt + ".tar"))
        engine.run("save", "--format", fmt, "-o", out, "localhost/saved:1", "localhost/b:1")
        other_engine.run("load", "-i", out)
        assert names(other_engine) == {"localhost/saved:1": loaded.id, "localhost/b:1": b.id}
        for ref in ("localhost/saved:1", "localhost/b:1"):
            other_engine.run("rmi", ref)


def test_save_failure_leaves_no_file(engine, loaded, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = str(out_dir / "x.tar")
    p = engine.run("save", "-o", out, "localhost/saved:1", "localhost/nosuch:1", check=False)
    assert p.returncode == 125
    assert "nosuch" in p.stderr
    assert os.listdir(str(out_dir)) == []
    # a layer blob gone from the store: the save fails half-way, and still leaves nothing
    blob = os.path.join(engine.storage, "blobs", "sha256", loaded.layers[1].digest[7:])
    os.unlink(blob)
    p = engine.run("save", "-o", out, "localhost/saved:1", check=False)
    assert p.returncode == 125
    assert loaded.layers[1].digest in p.stderr
    assert os.listdir(str(out_dir)) == []
    p = engine.run("save", "--format", "bogus", "-o", out, "localhost/saved:1", check=False)
    assert p.returncode == 125 and "bogus" in p.stderr


def test_killed_save_residue_removed(engine, loaded, tmp_path):
    """A save killed half-way leaves its temporary sibling; the next output to
    that name removes it (its pid is gone), and leaves a live one alone."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    stale = out_dir / (".x.tar.cell-tmp-%d-abcdef" % dead.pid)
    stale.write_bytes(b"half an archive")
    live = out_dir / (".x.tar.cell-tmp-%d-ghijkl" % os.getpid())
    live.write_bytes(b"someone else's")
    engine.run("save", "-o", str(out_dir / "x.tar"), "localhost/saved:1")
    assert sorted(os.listdir(str(out_dir))) == sorted(["x.tar", live.name])

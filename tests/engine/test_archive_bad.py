# SPDX-License-Identifier: Apache-2.0
"""Bad archives: each gets exit 125, a message naming the archive, the file
or blob and the reason; the image list stays as it was, and nothing is left
in the store's tmp/ (the engine fixture checks) nor outside the store."""

import gzip
import json
import os
import shutil

import pytest

import imagefactory as f
from test_archive_load import names, two_layer_image

HERE_BEFORE = "localhost/before:1"


@pytest.fixture
def before(engine, tmp_path):
    """A good image loaded first, so that "unchanged" means something."""
    img = f.Image([f.Layer(f.busybox())])
    engine.run("load", "-i", f.oci_archive(str(tmp_path / "before.tar"), [(img, HERE_BEFORE)]))
    return names(engine)


def load_fails(engine, path, before, *words):
    p = engine.run("load", "-i", path, check=False)
    assert p.returncode == 125, p.stdout + p.stderr
    msg = p.stderr
    assert msg.startswith("cell: load %s: " % path), msg
    for w in words:
        assert w in msg, "%r not in %r" % (w, msg)
    assert p.stdout == ""
    assert names(engine) == before
    return msg


def layout_and_tar(tmp_path, images, spoil=None):
    """A good layout, spoiled by spoil(layout), and the same as a tar."""
    layout = f.oci_layout(str(tmp_path / "bad"), images)
    if spoil:
        spoil(layout)
    return [layout, f.tar_dir(layout, str(tmp_path / "bad.tar"))]


def test_blob_digest_mismatch(engine, tmp_path, before):
    img = two_layer_image()
    digest = img.layers[1].digest

    def spoil(layout):
        path = f.blob_path(layout, digest)
        data = bytearray(open(path, "rb").read())
        data[len(data) // 2] ^= 0xFF
        open(path, "wb").write(bytes(data))
    for src in layout_and_tar(tmp_path, [(img, "localhost/bad:1")], spoil):
        load_fails(engine, src, before, digest[7:], "digest mismatch")


def test_truncated_tar(engine, tmp_path, before):
    img = two_layer_image()
    src = f.oci_archive(str(tmp_path / "good.tar"), [(img, "localhost/bad:1")])
    data = open(src, "rb").read()
    cut = str(tmp_path / "cut.tar")
    open(cut, "wb").write(data[: len(data) * 2 // 3])
    msg = load_fails(engine, cut, before)
    assert "runcat" in msg or "premature" in msg.lower() or "truncated" in msg.lower(), msg


def test_not_an_archive(engine, tmp_path, before):
    junk = str(tmp_path / "junk")
    open(junk, "wb").write(b"\x01\x02 this is no tar " * 100)
    load_fails(engine, junk, before, "tar")
    empty = tmp_path / "emptydir"
    empty.mkdir()
    load_fails(engine, str(empty), before, "not an image archive")


def test_layer_not_gzip(engine, tmp_path, before):
    """A layer said to be gzip that is neither gzip nor a tar, and a gzip layer cut short."""
    junk = f.RawLayer(b"this is not gzip, nor zstd, nor a tar\n" * 50)
    img = f.Image([f.Layer(f.busybox()), junk])
    for src in layout_and_tar(tmp_path, [(img, "localhost/bad:1")]):
        load_fails(engine, src, before, junk.digest[7:])
    shutil.rmtree(str(tmp_path / "bad"))
    good = f.Layer(f.busybox() + [f.File("x", os.urandom(100000))])
    short = f.RawLayer(good.blob()[: len(good.blob()) // 2], diff_id=good.diff_id)
    img = f.Image([short])
    for src in layout_and_tar(tmp_path, [(img, "localhost/bad:2")]):
        load_fails(engine, src, before, short.digest[7:])


def test_manifest_not_json(engine, tmp_path, before):
    img = two_layer_image()
    for src in layout_and_tar(tmp_path, [(img, "localhost/bad:1")],
                              lambda l: f.edit_manifest(l, lambda m: b"{not json")):
        load_fails(engine, src, before, "manifest sha256:", "not JSON")
    shutil.rmtree(str(tmp_path / "bad"))
    for src in layout_and_tar(tmp_path, [(img, "localhost/bad:1")],
                              lambda l: f.edit_config(l, lambda c: b"[1, 2")):
        load_fails(engine, src, before, "config sha256:", "not JSON")


def test_wrong_media_types(engine, tmp_path, before):
    img = two_layer_image()

    def config_type(m):
        m["config"]["mediaType"] = "application/vnd.oci.image.layer.v1.tar"
        return m

    def layer_type(m):
        m["layers"][1]["mediaType"] = "application/vnd.example.not-a-layer"
        return m

    def manifest_says_index(m):
        m["mediaType"] = f.OCI_INDEX
        return m
    cases = [(config_type, "not an image config"), (layer_type, "application/vnd.example.not-a-layer"),
             (manifest_says_index, f.OCI_INDEX)]
    for edit, word in cases:
        shutil.rmtree(str(tmp_path / "bad"), ignore_errors=True)
        for src in layout_and_tar(tmp_path, [(img, "localhost/bad:1")],
                                  lambda l: f.edit_manifest(l, edit)):
            load_fails(engine, src, before, "manifest sha256:", word)


def test_other_platform_only(engine, tmp_path, before):
    other = f.Image([f.Layer([f.File("which", b"other")])], arch=f.other_arch())
    layout = f.multi_platform_layout(str(tmp_path / "layout"), [(other, "linux/" + f.other_arch())],
                                     "localhost/multi:1")
    load_fails(engine, layout, before, "no manifest for linux/" + f.host_arch(),
               "linux/" + f.other_arch())
    # the same at the top level of index.json
    flat = str(tmp_path / "flat")
    f.oci_layout(flat, [(other, "localhost/flat:1")])
    index = json.load(open(os.path.join(flat, "index.json")))
    index["manifests"][0]["platform"] = {"os": "linux", "architecture": f.other_arch()}
    json.dump(index, open(os.path.join(flat, "index.json"), "w"))
    load_fails(engine, flat, before, "linux/" + f.other_arch())


@pytest.mark.parametrize("entry,words", [
    (f.File("../escape", b"x"), ["..", "escape"]),
    (f.CharDevice("dev/evil"), ["dev/evil", "device"]),
], ids=["dotdot", "device"])
def test_hostile_layer_entries(engine, tmp_path, before, entry, words):
    layer = f.Layer(f.busybox() + [f.Dir("dev"), entry])
    img = f.Image([layer])
    for src in layout_and_tar(tmp_path, [(img, "localhost/bad:1")]):
        load_fails(engine, src, before, layer.digest[7:], *words)
        assert not os.path.exists(os.path.join(os.path.dirname(engine.storage), "escape"))
        assert not os.path.exists(os.path.join(engine.storage, "layers", "escape"))


def test_write_through_symlink(engine, tmp_path, before):
    target = tmp_path / "outside"
    target.mkdir()
    layer = f.Layer([f.Symlink("evil", str(target)), f.File("evil/pwned", b"x")])
    img = f.Image([layer])
    for src in layout_and_tar(tmp_path, [(img, "localhost/bad:1")]):
        load_fails(engine, src, before, layer.digest[7:], "evil/pwned")
        assert os.listdir(str(target)) == []


def test_absolute_entry_stays_in_the_layer(engine, tmp_path, before):
    """docker's rule, which the store follows: a leading "/" is dropped, the
    entry lands inside the layer, never at the host path."""
    victim = str(tmp_path / "victim")
    layer = f.Layer(f.busybox() + [f.File(victim, b"inside")])
    img = f.Image([layer])
    src = f.oci_archive(str(tmp_path / "abs.tar"), [(img, "localhost/abs:1")])
    engine.run("load", "-i", src)
    assert not os.path.exists(victim)
    diff = f.layer_dirs(engine.storage, [layer.diff_id])[0]
    with open(diff + victim, "rb") as fh:
        assert fh.read() == b"inside"


def test_docker_archive_escapes(engine, tmp_path, before):
    img = two_layer_image()
    path = str(tmp_path / "d.tar")
    f.docker_archive(path, [(img, ["localhost/d:1"])])
    # manifest.json naming a file outside the archive
    bad = str(tmp_path / "escape.tar")
    manifest = [{"Config": img.id[7:] + ".json", "RepoTags": ["localhost/d:1"],
                 "Layers": ["../../../../etc/passwd", img.layers[1].diff_id[7:] + "/layer.tar"]}]
    files = {img.id[7:] + ".json": img.config_bytes(), "manifest.json": json.dumps(manifest).encode()}
    f._tar_files(bad, files)
    load_fails(engine, bad, before, "manifest.json", "../../../../etc/passwd", "out of the archive")
    # manifest.json that is not JSON, and a config whose diff ids do not match the layers
    f._tar_files(bad, {"manifest.json": b"[{"})
    load_fails(engine, bad, before, "manifest.json", "not JSON")
    wrong = dict(img.config)
    wrong["rootfs"] = {"type": "layers", "diff_ids": [img.layers[1].diff_id, img.layers[0].diff_id]}
    cfg = json.dumps(wrong).encode()
    manifest = [{"Config": "c.json", "RepoTags": ["localhost/d:1"],
                 "Layers": [l.diff_id[7:] + "/layer.tar" for l in img.layers]}]
    files = {"c.json": cfg, "manifest.json": json.dumps(manifest).encode()}
    files.update({l.diff_id[7:] + "/layer.tar": l.tar() for l in img.layers})
    f._tar_files(bad, files)
    load_fails(engine, bad, before, "diff id")


def test_compressed_archive_cut_short(engine, tmp_path, before):
    img = two_layer_image(None)
    layout = f.oci_layout(str(tmp_path / "layout"), [(img, "localhost/gz:1")])
    tgz = f.tar_dir(layout, str(tmp_path / "a.tar.gz"), compression="gzip")
    data = open(tgz, "rb").read()
    open(tgz, "wb").write(data[: len(data) // 2])
    load_fails(engine, tgz, before)
    # and a stream that is gzip from the start but garbage after the header
    open(tgz, "wb").write(gzip.compress(b"x")[:10] + b"garbage" * 100)
    load_fails(engine, tgz, before)

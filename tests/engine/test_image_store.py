# SPDX-License-Identifier: Apache-2.0
"""The image store through the command line: the built-in busybox image,
images / tag / rmi / image prune / inspect / history."""

import json
import os
import shutil
import uuid

import pytest


def image_ids(engine):
    """Each image once (-q prints one id per name, as docker does)."""
    ids = []
    for l in engine.out("images", "-q", "--no-trunc").split():
        if l not in ids:
            ids.append(l)
    return ids


def images_json(engine):
    return engine.json("images", "--format", "json", "--no-trunc")


def blobs(engine):
    return sorted(os.listdir(os.path.join(engine.storage, "blobs", "sha256")))


def layers(engine):
    return sorted(os.listdir(os.path.join(engine.storage, "layers", "sha256")))


def other_busybox(tmp_path):
    """A busybox binary with other bytes: the built-in image made from it has another id."""
    b = tmp_path / "busybox"
    shutil.copy("/bin/busybox", b)
    with open(b, "ab") as f:
        f.write(uuid.uuid4().bytes)
    os.chmod(b, 0o755)
    return {"CELL_BUSYBOX": str(b)}


def add_container_record(engine, image_id, name="user1"):
    """A container record as DESIGN.md describes containers/<id>/container.json."""
    cid = uuid.uuid4().hex + uuid.uuid4().hex
    d = os.path.join(engine.storage, "containers", cid)
    os.makedirs(d)
    with open(os.path.join(d, "container.json"), "w") as f:
        json.dump({"id": cid, "name": name, "image": "busybox", "image_id": image_id,
                   "created": "2026-01-01T00:00:00Z", "state": {"status": "created"}}, f)
    return cid


@pytest.fixture
def bb(engine):
    """The built-in image, made by the first lookup of "busybox"."""
    return engine.json("image", "inspect", "busybox")[0]


def test_builtin_busybox_appears_and_is_stable(engine, engine_workdir):
    if not os.path.exists("/bin/busybox"):
        pytest.skip("/bin/busybox missing (Debian busybox-static)")
    assert image_ids(engine) == []
    info = engine.json("image", "inspect", "busybox")[0]
    assert info["RepoTags"] == ["localhost/busybox:latest"]
    assert info["Config"]["Cmd"] == ["sh"]
    assert any(e.startswith("PATH=") for e in info["Config"]["Env"])
    assert info["Os"] == "linux" and info["Architecture"]
    assert len(info["RootFS"]["Layers"]) == 1
    assert image_ids(engine) == [info["Id"]]
    # A second lookup finds it; another store makes the very same image.
    assert engine.json("image", "inspect", "localhost/busybox:latest")[0]["Id"] == info["Id"]
    other = engine.__class__(engine.binary, os.path.join(engine.root, "second"))
    assert other.json("image", "inspect", "busybox")[0]["Id"] == info["Id"]
    rows = images_json(engine)
    assert [(r["Repository"], r["Tag"]) for r in rows] == [("localhost/busybox", "latest")]
    diff = os.path.join(engine.storage, "layers", "sha256", info["RootFS"]["Layers"][0][7:], "diff")
    assert os.path.isfile(os.path.join(diff, "bin", "busybox"))
    assert os.readlink(os.path.join(diff, "bin", "sh")) == "/bin/busybox"
    assert open(os.path.join(diff, "etc", "passwd")).read().startswith("root:x:0:0:")
    for d in ("tmp", "root", "home", "proc", "sys", "dev"):
        assert os.path.isdir(os.path.join(diff, d)), d
    assert os.stat(os.path.join(diff, "tmp")).st_mode & 0o7777 == 0o1777
    assert os.stat(os.path.join(diff, "bin", "busybox")).st_mtime == 1704067200


def test_unknown_image(engine):
    p = engine.run("image", "inspect", "nosuchimage", check=False)
    assert p.returncode == 125
    assert "image not known: nosuchimage" in p.stderr
    p = engine.run("rmi", "docker.io/library/busybox", check=False)
    assert p.returncode == 125 and "image not known: docker.io/library/busybox" in p.stderr
    assert image_ids(engine) == []  # rmi never makes the built-in image


def test_tag_lookup_and_names_moving(engine, bb, tmp_path):
    engine.run("tag", "busybox", "foo:1")
    engine.run("image", "tag", bb["Id"][7:14], "localhost:5000/x/y:v2")
    names = {(r["Repository"], r["Tag"]) for r in images_json(engine)}
    assert names == {("localhost/busybox", "latest"), ("docker.io/library/foo", "1"),
                     ("localhost:5000/x/y", "v2")}
    for q in ("foo:1", "docker.io/library/foo:1", "docker.io/foo:1", bb["Id"], bb["Id"][7:],
              bb["Id"][7:10], "localhost:5000/x/y:v2"):
        assert engine.json("image", "inspect", q)[0]["Id"] == bb["Id"], q
    p = engine.run("tag", "busybox", "Bad/Name", check=False)
    assert p.returncode == 125 and 'invalid reference "Bad/Name": repository name must be lowercase' in p.stderr
    # Another busybox: the built-in name moves to the new image, the old one keeps its other names.
    engine.run("rmi", "localhost/busybox:latest")
    new = engine.json("image", "inspect", "busybox", env=other_busybox(tmp_path))[0]
    assert new["Id"] != bb["Id"]
    engine.run("tag", "busybox", "foo:1")
    assert engine.json("image", "inspect", "foo:1")[0]["Id"] == new["Id"]
    assert engine.json("image", "inspect", bb["Id"])[0]["RepoTags"] == ["localhost:5000/x/y:v2"]


def test_rmi_untags_then_removes_and_collects(engine, bb):
    engine.run("tag", "busybox", "foo:1")
    assert engine.out("rmi", "foo:1").splitlines() == ["Untagged: docker.io/library/foo:1"]
    assert image_ids(engine) == [bb["Id"]]
    out = engine.out("rmi", "busybox").splitlines()
    assert out == ["Untagged: localhost/busybox:latest", "Deleted: " + bb["Id"]]
    assert image_ids(engine) == []
    assert blobs(engine) == [] and layers(engine) == []


def test_rmi_several_names_needs_force(engine, bb):
    engine.run("tag", "busybox", "foo:1")
    p = engine.run("rmi", bb["Id"][7:19], check=False)
    assert p.returncode == 125 and "referenced in multiple repositories" in p.stderr
    engine.run("rmi", "-f", bb["Id"][7:19])
    assert image_ids(engine) == []


def test_rmi_refuses_an_image_a_container_uses(engine, bb):
    add_container_record(engine, bb["Id"], "user1")
    p = engine.run("rmi", "busybox", check=False)
    assert p.returncode == 125
    assert "unable to remove image busybox: it is in use by container user1" in p.stderr
    assert image_ids(engine) == [bb["Id"]]
    # -f takes the names; the image and its layer stay for the container.
    assert engine.out("rmi", "-f", "busybox").splitlines() == ["Untagged: localhost/busybox:latest"]
    rows = images_json(engine)
    assert [(r["Repository"], r["Tag"], r["ID"]) for r in rows] == [("<none>", "<none>", bb["Id"])]
    assert layers(engine) == [bb["RootFS"]["Layers"][0][7:]]
    # prune -a keeps what a container uses.
    engine.run("image", "prune", "-a", "-f")
    assert image_ids(engine) == [bb["Id"]]


def test_image_prune(engine, bb, tmp_path):
    engine.run("tag", "busybox", "old:1")
    engine.run("rmi", "localhost/busybox:latest")
    new = engine.json("image", "inspect", "busybox", env=other_busybox(tmp_path))[0]
    engine.run("tag", "busybox", "old:1")  # the old image is now nameless
    rows = {(r["Repository"], r["ID"]) for r in images_json(engine)}
    assert ("<none>", bb["Id"]) in rows
    out = engine.out("image", "prune", "-f")
    assert "Deleted: " + bb["Id"] in out
    assert image_ids(engine) == [new["Id"]]
    assert bb["RootFS"]["Layers"][0][7:] not in layers(engine)
    assert new["RootFS"]["Layers"][0][7:] in layers(engine)
    out = engine.out("image", "prune", "-a", "-f")
    assert "Deleted: " + new["Id"] in out and "Total reclaimed space" in out
    assert image_ids(engine) == [] and blobs(engine) == [] and layers(engine) == []


def test_history_and_inspect(engine, bb):
    rows = engine.json("history", "--format", "json", "busybox")
    assert len(rows) == 1
    assert rows[0]["ID"] == bb["Id"][7:19]
    assert "built-in image from /bin/busybox" in rows[0]["CreatedBy"]
    assert engine.out("image", "history", "-q", "busybox").split() == [bb["Id"][7:19]]
    assert bb["RepoDigests"][0].startswith("localhost/busybox@sha256:")
    assert bb["Created"] == "2024-01-01T00:00:00Z"
    assert bb["Size"] > 1000000


def test_corrupt_images_json_is_named(engine, bb):
    with open(os.path.join(engine.storage, "images.json"), "w") as f:
        f.write("{not json")
    p = engine.run("images", check=False)
    assert p.returncode == 125
    assert "images.json" in p.stderr

# SPDX-License-Identifier: Apache-2.0
"""`cell load`: OCI layouts (directory and tar), docker archives (current and
old layouts, from podman and skopeo too); the loaded images' layers must hold
exactly the files the archive describes."""

import json
import os
import shutil
import subprocess
import tempfile

import pytest

import imagefactory as f


def names(engine):
    """{"repo:tag": full id} of every image in the store."""
    out = {}
    for row in engine.json("images", "--format", "json"):
        full = inspect(engine, row["ID"])["Id"]
        out["%s:%s" % (row["Repository"], row["Tag"])] = full
    return out


def inspect(engine, ref):
    return engine.json("image", "inspect", ref)[0]


def rootfs(engine, ref, tmp_path):
    diff_ids = inspect(engine, ref)["RootFS"]["Layers"]
    return f.merged_tree(engine.storage, diff_ids, str(tmp_path))


def two_layer_image(compression="gzip"):
    base = f.Layer(f.busybox() + [f.Dir("etc"), f.File("etc/motd", b"base\n"),
                                  f.File("etc/gone", b"x")], compression)
    top = f.Layer([f.Dir("etc"), f.File("etc/motd", b"top\n"), f.Whiteout("etc/gone"),
                   f.Dir("data"), f.File("data/a", b"A" * 5000, 0o600)], compression)
    return f.Image([base, top], cmd=["sh", "-c", "echo hi"])


def check_two_layer_rootfs(tree):
    assert tree["etc/motd"] == b"top\n"
    assert "etc/gone" not in tree
    assert tree["data/a"] == b"A" * 5000
    assert tree["bin/sh"] == "link:busybox"


@pytest.mark.parametrize("as_tar", [False, True], ids=["dir", "tar"])
def test_load_oci_layout(engine, tmp_path, as_tar):
    img = two_layer_image()
    layout = f.oci_layout(str(tmp_path / "layout"), [(img, "localhost/twolayer:1")])
    src = f.tar_dir(layout, str(tmp_path / "oci.tar")) if as_tar else layout
    out = engine.out("load", "-i", src)
    assert out == "Loaded image: localhost/twolayer:1\n"
    assert names(engine) == {"localhost/twolayer:1": img.id}
    info = inspect(engine, "localhost/twolayer:1")
    assert info["RootFS"]["Layers"] == [l.diff_id for l in img.layers]
    assert info["Config"]["Cmd"] == ["sh", "-c", "echo hi"]
    check_two_layer_rootfs(rootfs(engine, "localhost/twolayer:1", tmp_path))


def test_load_from_stdin_and_compressed_tar(engine, tmp_path):
    img = two_layer_image()
    layout = f.oci_layout(str(tmp_path / "layout"), [(img, "localhost/stdin:1")])
    tgz = f.tar_dir(layout, str(tmp_path / "oci.tar.gz"), compression="gzip")
    with open(tgz, "rb") as fh:
        p = subprocess.run(engine.argv("load"), stdin=fh, capture_output=True, text=True,
                           env=engine.env(), timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "Loaded image: localhost/stdin:1\n"
    assert names(engine) == {"localhost/stdin:1": img.id}


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
def test_layer_compressions(engine, tmp_path, compression):
    img = two_layer_image(compression)
    src = f.oci_archive(str(tmp_path / "oci.tar"), [(img, "localhost/comp:1")])
    engine.run("load", "-i", src)
    layers = inspect(engine, "localhost/comp:1")["RootFS"]["Layers"]
    assert layers == [l.diff_id for l in img.layers]
    check_two_layer_rootfs(rootfs(engine, "localhost/comp:1", tmp_path))


def test_several_images_and_names(engine, tmp_path):
    a = two_layer_image()
    b = f.Image([f.Layer(f.busybox() + [f.File("b", b"b")])])
    layout = f.oci_layout(str(tmp_path / "layout"),
                          [(a, "localhost/a:1"), (a, "localhost/a:latest"), (b, "localhost/b:2"),
                           (b, None)])
    out = engine.out("load", "-i", layout)
    assert sorted(out.splitlines()) == ["Loaded image: localhost/a:1", "Loaded image: localhost/a:latest",
                                        "Loaded image: localhost/b:2"]
    assert names(engine) == {"localhost/a:1": a.id, "localhost/a:latest": a.id, "localhost/b:2": b.id}


def test_nested_index_picks_this_platform(engine, tmp_path):
    mine = f.Image([f.Layer(f.busybox() + [f.File("which", b"mine")])])
    other = f.Image([f.Layer([f.File("which", b"other")])], arch=f.other_arch())
    layout = f.multi_platform_layout(str(tmp_path / "layout"),
                                     [(other, "linux/" + f.other_arch()),
                                      (mine, "linux/" + f.host_arch())], "localhost/multi:1")
    engine.run("load", "-i", layout)
    assert names(engine) == {"localhost/multi:1": mine.id}
    assert rootfs(engine, "localhost/multi:1", tmp_path)["which"] == b"mine"


def test_docker_archive_current_layout(engine, tmp_path):
    img = two_layer_image()
    path = f.docker_archive(str(tmp_path / "d.tar"), [(img, ["busybox-like:1", "localhost/x:2"])])
    out = engine.out("load", "-i", path)
    assert out.splitlines() == ["Loaded image: docker.io/library/busybox-like:1",
                                "Loaded image: localhost/x:2"]
    assert names(engine) == {"docker.io/library/busybox-like:1": img.id, "localhost/x:2": img.id}
    check_two_layer_rootfs(rootfs(engine, "localhost/x:2", tmp_path))


def test_docker_archive_old_layout(engine, tmp_path):
    img = two_layer_image()
    path = str(tmp_path / "old.tar")
    f.docker_legacy_archive(path, img, "localhost/old:1")
    assert engine.out("load", "-i", path) == "Loaded image: localhost/old:1\n"
    info = inspect(engine, "localhost/old:1")
    assert info["RootFS"]["Layers"] == [l.diff_id for l in img.layers]
    assert info["Config"]["Cmd"] == ["sh", "-c", "echo hi"]
    check_two_layer_rootfs(rootfs(engine, "localhost/old:1", tmp_path))


def test_load_twice_is_idempotent(engine, tmp_path):
    img = two_layer_image()
    src = f.oci_archive(str(tmp_path / "oci.tar"), [(img, "localhost/again:1")])
    engine.run("load", "-i", src)
    engine.run("load", "-i", src)
    assert names(engine) == {"localhost/again:1": img.id}


# ---- made by other tools -----------------------------------------------------------------

def umoci(*args, cwd=None):
    p = subprocess.run(["umoci"] + list(args), capture_output=True, text=True, cwd=cwd)
    assert p.returncode == 0, "umoci %s: %s" % (" ".join(args), p.stderr)


def test_umoci_deleted_file_and_opaque_directory(engine, tmp_path):
    """Three layers: umoci's base, umoci's repack that deletes a file (its
    whiteout), and a layer that makes a directory opaque (umoci raw add-layer
    of a tar with .wh..wh..opq)."""
    layout = str(tmp_path / "umoci")
    umoci("init", "--layout", layout)
    umoci("new", "--image", layout + ":t")
    bundle = str(tmp_path / "bundle")
    umoci("unpack", "--image", layout + ":t", bundle)
    root = os.path.join(bundle, "rootfs")
    os.makedirs(os.path.join(root, "bin"))
    shutil.copy("/bin/busybox", os.path.join(root, "bin", "busybox"))
    os.symlink("busybox", os.path.join(root, "bin", "sh"))
    for d in ("keep", "opq"):
        os.makedirs(os.path.join(root, d))
        for n in ("one", "two"):
            with open(os.path.join(root, d, n), "w") as fh:
                fh.write(d + n)
    umoci("repack", "--image", layout + ":t", bundle)
    # repack diffs against what was unpacked: unpack the new image again first.
    bundle2 = str(tmp_path / "bundle2")
    umoci("unpack", "--image", layout + ":t", bundle2)
    os.unlink(os.path.join(bundle2, "rootfs", "keep", "one"))
    umoci("repack", "--image", layout + ":t", bundle2)
    opq = f.Layer([f.Dir("opq"), f.Opaque("opq"), f.File("opq/three", b"opqthree")], None)
    with open(str(tmp_path / "opq.tar"), "wb") as fh:
        fh.write(opq.tar())
    umoci("raw", "add-layer", "--image", layout + ":t", str(tmp_path / "opq.tar"))

    # umoci's ref name is the bare "t", a name as a reference: docker.io/library/t:latest.
    assert engine.out("load", "-i", layout) == "Loaded image: docker.io/library/t:latest\n"
    name = "docker.io/library/t:latest"
    info = inspect(engine, name)
    assert len(info["RootFS"]["Layers"]) == 3
    tree = rootfs(engine, name, tmp_path)
    assert tree["keep/two"] == b"keeptwo"
    assert "keep/one" not in tree
    assert sorted(k for k in tree if k.startswith("opq/")) == ["opq/three"]
    assert tree["opq/three"] == b"opqthree"
    assert tree["bin/sh"] == "link:busybox"
    # and what a container of it sees
    out = engine.out("run", "--rm", "--network", "none", name, "/bin/busybox", "find", "/keep", "/opq")
    assert sorted(out.split()) == ["/keep", "/keep/two", "/opq", "/opq/three"]


class Podman:
    """podman with a storage of the test's own (vfs), never the host's."""

    def __init__(self, tmp_path):
        # podman wants a runroot path of at most 50 characters.
        self.dir = tempfile.mkdtemp(prefix="cellpm-", dir="/tmp")
        self.base = ["podman", "--root", str(tmp_path / "podman-root"), "--runroot", self.dir,
                     "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
                     "--events-backend", "none"]

    def __call__(self, *args):
        p = subprocess.run(self.base + list(args), capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, "podman %s: %s" % (" ".join(args), p.stderr)
        return p.stdout

    def image_id(self, ref):
        return "sha256:" + self("image", "inspect", "--format", "{{.Id}}", ref).strip()

    def reset(self):
        subprocess.run(self.base + ["system", "reset", "-f"], capture_output=True, timeout=300)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def podman(tmp_path):
    if not shutil.which("podman"):
        pytest.skip("podman is not installed")
    p = Podman(tmp_path)
    yield p
    p.reset()


def test_podman_save_docker_archive(engine, tmp_path, podman):
    img = two_layer_image()
    src = f.oci_archive(str(tmp_path / "oci.tar"), [(img, "localhost/frompodman:1")])
    podman("load", "-i", src)
    assert podman.image_id("localhost/frompodman:1") == img.id
    out = str(tmp_path / "podman-docker.tar")
    podman("save", "--format", "docker-archive", "-o", out, "localhost/frompodman:1")
    assert engine.out("load", "-i", out) == "Loaded image: localhost/frompodman:1\n"
    assert names(engine) == {"localhost/frompodman:1": img.id}
    check_two_layer_rootfs(rootfs(engine, "localhost/frompodman:1", tmp_path))


def test_skopeo_copy_to_docker_archive(engine, tmp_path):
    if not shutil.which("skopeo"):
        pytest.skip("skopeo is not installed")
    img = two_layer_image()
    layout = f.oci_layout(str(tmp_path / "layout"), [(img, "latest")])
    out = str(tmp_path / "skopeo.tar")
    p = subprocess.run(["skopeo", "copy", "oci:" + layout + ":latest",
                        "docker-archive:" + out + ":localhost/fromskopeo:3"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert engine.out("load", "-i", out) == "Loaded image: localhost/fromskopeo:3\n"
    assert names(engine) == {"localhost/fromskopeo:3": img.id}
    check_two_layer_rootfs(rootfs(engine, "localhost/fromskopeo:3", tmp_path))


def test_docker_archive_with_symlinked_layer(engine, tmp_path):
    """docker save stores a layer two images share once and links the other name to it."""
    img = two_layer_image()
    top_name = img.layers[1].diff_id[7:] + "/layer.tar"
    files = {
        img.id[7:] + ".json": img.config_bytes(),
        "base/layer.tar": img.layers[0].tar(),
        top_name: img.layers[1].tar(),
        "linked/layer.tar": ("symlink", "../base/layer.tar"),
        "manifest.json": json.dumps([{"Config": img.id[7:] + ".json", "RepoTags": ["localhost/ln:1"],
                                      "Layers": ["linked/layer.tar", top_name]}]).encode(),
    }
    path = f._tar_files(str(tmp_path / "linked.tar"), files)
    assert engine.out("load", "-i", path) == "Loaded image: localhost/ln:1\n"
    check_two_layer_rootfs(rootfs(engine, "localhost/ln:1", tmp_path))
    # a link that leads out of the archive is refused
    files["linked/layer.tar"] = ("symlink", "../../../etc/passwd")
    path = f._tar_files(str(tmp_path / "escape.tar"), files)
    engine.run("rmi", "localhost/ln:1")
    p = engine.run("load", "-i", path, check=False)
    assert p.returncode == 125 and "linked/layer.tar" in p.stderr and "out of the archive" in p.stderr


def test_concurrent_loads_of_one_archive(engine, tmp_path):
    img = two_layer_image()
    src = f.oci_archive(str(tmp_path / "oci.tar"), [(img, "localhost/together:1")])
    procs = [engine.popen("load", "-i", src, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert out == b"Loaded image: localhost/together:1\n"
    assert names(engine) == {"localhost/together:1": img.id}
    check_two_layer_rootfs(rootfs(engine, "localhost/together:1", tmp_path))

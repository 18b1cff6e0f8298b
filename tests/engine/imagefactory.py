# SPDX-License-Identifier: Apache-2.0
"""Images made in Python for the engine tests: OCI image layouts (directory
or tar) and docker archives (current and old layouts), with no network and
no other tool.

    layer = Layer([busybox(), File("etc/motd", b"hi\\n"), Whiteout("old")])
    img = Image([layer], cmd=["sh"])
    oci_layout(dir, [(img, "localhost/test:1")])      # directory
    oci_archive(path, [(img, "localhost/test:1")])     # the same, as a tar
    docker_archive(path, [(img, ["localhost/test:1"])])
    docker_legacy_archive(path, img, "localhost/test:1")

Everything is deterministic: the same input gives the same bytes, so the
same image id (Image.id) as cell computes it.  A test that needs a broken
archive makes a good layout directory, spoils one file, then tars it with
tar_dir().
"""

import gzip
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import tarfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_TYPES = {
    None: "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}
MTIME = 1700000000


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def host_arch():
    """This machine's architecture as OCI names it (GOARCH)."""
    m = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm"}.get(m, m)


def other_arch():
    """An architecture this machine is not."""
    return "s390x" if host_arch() != "s390x" else "amd64"


# ---- layer entries: each adds itself to a tarfile -----------------------------------------

class Entry:
    def add_to(self, tf):
        raise NotImplementedError

    @staticmethod
    def _info(name, type_, mode):
        ti = tarfile.TarInfo(name)
        ti.type = type_
        ti.mode = mode
        ti.mtime = MTIME
        ti.uid = ti.gid = 0
        return ti


class File(Entry):
    def __init__(self, path, data=b"", mode=0o644):
        self.path, self.data, self.mode = path, data, mode

    def add_to(self, tf):
        ti = self._info(self.path, tarfile.REGTYPE, self.mode)
        ti.size = len(self.data)
        tf.addfile(ti, io.BytesIO(self.data))


class Dir(Entry):
    def __init__(self, path, mode=0o755):
        self.path, self.mode = path, mode

    def add_to(self, tf):
        tf.addfile(self._info(self.path, tarfile.DIRTYPE, self.mode))


class Symlink(Entry):
    def __init__(self, path, target):
        self.path, self.target = path, target

    def add_to(self, tf):
        ti = self._info(self.path, tarfile.SYMTYPE, 0o777)
        ti.linkname = self.target
        tf.addfile(ti)


class Hardlink(Entry):
    def __init__(self, path, target):
        self.path, self.target = path, target

    def add_to(self, tf):
        ti = self._info(self.path, tarfile.LNKTYPE, 0o644)
        ti.linkname = self.target
        tf.addfile(ti)


class Whiteout(File):
    """Deletes `path` of the layers below (".wh.NAME")."""

    def __init__(self, path):
        d, base = os.path.split(path)
        super().__init__(os.path.join(d, ".wh." + base))


class Opaque(File):
    """Hides everything the layers below have in directory `path`."""

    def __init__(self, path):
        super().__init__(os.path.join(path, ".wh..wh..opq"))


class CharDevice(Entry):
    def __init__(self, path, major=1, minor=3):
        self.path, self.major, self.minor = path, major, minor

    def add_to(self, tf):
        ti = self._info(self.path, tarfile.CHRTYPE, 0o666)
        ti.devmajor, ti.devminor = self.major, self.minor
        tf.addfile(ti)


def busybox(applets=("sh", "ls", "cat", "find", "echo", "true")):
    """Entries for bin/busybox (Debian's busybox-static) and links for `applets`."""
    with open("/bin/busybox", "rb") as f:
        data = f.read()
    out = [Dir("bin"), File("bin/busybox", data, 0o755)]
    out += [Symlink("bin/" + a, "busybox") for a in applets]
    return out


def _compress(data, compression):
    if compression is None:
        return data
    if compression == "gzip":
        return gzip.compress(data, mtime=0)
    if compression == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True,
                              check=True).stdout
    raise ValueError("unknown compression %r" % compression)


class Layer:
    """A layer: its entries in order, compressed with gzip (default), zstd or None."""

    def __init__(self, entries, compression="gzip"):
        self.entries = list(entries)
        self.compression = compression
        self._tar = None
        self._blob = None

    def tar(self):
        """The uncompressed tar (its sha256 is the diff id)."""
        if self._tar is None:
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
                for e in self.entries:
                    e.add_to(tf)
            self._tar = buf.getvalue()
        return self._tar

    def blob(self):
        if self._blob is None:
            self._blob = _compress(self.tar(), self.compression)
        return self._blob

    @property
    def diff_id(self):
        return sha256(self.tar())

    @property
    def digest(self):
        return sha256(self.blob())

    @property
    def media_type(self):
        return LAYER_TYPES[self.compression]


class Image:
    """An image config plus layers (bottom first)."""

    def __init__(self, layers, cmd=("sh",), env=("PATH=/bin",), arch=None, os_="linux",
                 created="2026-01-01T00:00:00Z"):
        self.layers = list(layers)
        self.arch = arch or host_arch()
        self.config = {
            "created": created,
            "architecture": self.arch,
            "os": os_,
            "config": {"Cmd": list(cmd), "Env": list(env)},
            "rootfs": {"type": "layers", "diff_ids": [l.diff_id for l in self.layers]},
            "history": [{"created": created, "created_by": "imagefactory"} for _ in self.layers],
        }

    def config_bytes(self):
        return json.dumps(self.config, sort_keys=True).encode()

    @property
    def id(self):
        """What cell reports as the image id: the config's digest."""
        return sha256(self.config_bytes())

    def manifest(self):
        return {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptor(OCI_CONFIG, self.config_bytes()),
            "layers": [descriptor(l.media_type, l.blob()) for l in self.layers],
        }

    def manifest_bytes(self):
        return json.dumps(self.manifest(), sort_keys=True).encode()


def descriptor(media_type, data, **extra):
    d = {"mediaType": media_type, "digest": sha256(data), "size": len(data)}
    d.update(extra)
    return d


# ---- OCI image layouts -----------------------------------------------------------------

def write_blob(layout, data):
    """Put `data` in layout's blobs/sha256/ and return its digest."""
    digest = sha256(data)
    d = os.path.join(layout, "blobs", "sha256")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, digest[7:]), "wb") as f:
        f.write(data)
    return digest


def blob_path(layout, digest):
    return os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])


def write_image_blobs(layout, img):
    """The image's layers, config and manifest; returns the manifest's descriptor."""
    for l in img.layers:
        write_blob(layout, l.blob())
    write_blob(layout, img.config_bytes())
    m = img.manifest_bytes()
    write_blob(layout, m)
    return descriptor(OCI_MANIFEST, m)


def write_index(layout, manifests):
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}, f)


def oci_layout(layout, images):
    """An OCI layout directory holding `images`: a list of (Image, name or None)."""
    os.makedirs(layout, exist_ok=True)
    manifests = []
    for img, name in images:
        d = write_image_blobs(layout, img)
        if name:
            d["annotations"] = {"org.opencontainers.image.ref.name": name}
        manifests.append(d)
    write_index(layout, manifests)
    return layout


def multi_platform_layout(layout, per_platform, name):
    """One name for a nested index of several images ([(Image, "os/arch")])."""
    os.makedirs(layout, exist_ok=True)
    entries = []
    for img, plat in per_platform:
        d = write_image_blobs(layout, img)
        os_, arch = plat.split("/")[:2]
        d["platform"] = {"os": os_, "architecture": arch}
        entries.append(d)
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode()
    write_blob(layout, index)
    top = descriptor(OCI_INDEX, index, annotations={"org.opencontainers.image.ref.name": name})
    write_index(layout, [top])
    return layout


def _read_json(path):
    with open(path, "rb") as fh:
        return json.loads(fh.read())


def edit_manifest(layout, edit, index_entry=0):
    """Replace the manifest of index.json's entry `index_entry` with
    edit(manifest dict) -> bytes or dict, re-pointing index.json at the new
    blob (so the layout stays consistent except for what `edit` did)."""
    index_path = os.path.join(layout, "index.json")
    index = _read_json(index_path)
    entry = index["manifests"][index_entry]
    new = edit(_read_json(blob_path(layout, entry["digest"])))
    data = new if isinstance(new, bytes) else json.dumps(new, sort_keys=True).encode()
    entry["digest"], entry["size"] = write_blob(layout, data), len(data)
    with open(index_path, "w") as fh:
        json.dump(index, fh)


def edit_config(layout, edit, index_entry=0):
    """Replace the image config with edit(config dict) -> bytes or dict (and the manifest to match)."""
    def in_manifest(m):
        new = edit(_read_json(blob_path(layout, m["config"]["digest"])))
        data = new if isinstance(new, bytes) else json.dumps(new, sort_keys=True).encode()
        m["config"]["digest"], m["config"]["size"] = write_blob(layout, data), len(data)
        return m
    edit_manifest(layout, in_manifest, index_entry)


class RawLayer(Layer):
    """A layer whose blob is `blob` as given (not necessarily a tar), said to be `media_type`."""

    def __init__(self, blob, media_type=LAYER_TYPES["gzip"], diff_id=None):
        super().__init__([], None)
        self._blob = blob
        self._raw_type = media_type
        self._diff_id = diff_id or sha256(blob)

    @property
    def diff_id(self):
        return self._diff_id

    @property
    def media_type(self):
        return self._raw_type


def tar_dir(src, path, compression=None):
    """A tar of directory `src`'s contents (names relative, sorted), optionally compressed."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for root, dirs, files in os.walk(src):
            dirs.sort()
            for name in sorted(dirs + files):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, src)
                ti = tf.gettarinfo(full, rel)
                ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = MTIME, 0, 0, "", ""
                if ti.isreg():
                    with open(full, "rb") as f:
                        tf.addfile(ti, f)
                else:
                    tf.addfile(ti)
    with open(path, "wb") as f:
        f.write(_compress(buf.getvalue(), compression))
    return path


def oci_archive(path, images, workdir=None):
    """An OCI layout as a tar."""
    tmp = (workdir or path) + ".layout"
    oci_layout(tmp, images)
    tar_dir(tmp, path)
    shutil.rmtree(tmp)
    return path


# ---- docker archives -----------------------------------------------------------------

def _tar_files(path, files):
    """A tar of {name: bytes or ("symlink", target)} in name order."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
        for name in sorted(files):
            v = files[name]
            if isinstance(v, tuple):
                ti = Entry._info(name, tarfile.SYMTYPE, 0o777)
                ti.linkname = v[1]
                tf.addfile(ti)
            else:
                ti = Entry._info(name, tarfile.REGTYPE, 0o644)
                ti.size = len(v)
                tf.addfile(ti, io.BytesIO(v))
    return path


def docker_archive(path, images):
    """`docker save`'s layout: [(Image, [names])]; layers as <diff id hex>/layer.tar."""
    files, manifest = {}, []
    for img, names in images:
        config = img.id[7:] + ".json"
        files[config] = img.config_bytes()
        layers = []
        for l in img.layers:
            name = l.diff_id[7:] + "/layer.tar"
            files[name] = l.tar()
            layers.append(name)
        manifest.append({"Config": config, "RepoTags": list(names) or None, "Layers": layers})
    files["manifest.json"] = json.dumps(manifest).encode()
    return _tar_files(path, files)


def docker_legacy_archive(path, img, name):
    """The old layout: repositories + <id>/json + <id>/layer.tar, chained by "parent".
    Returns the v1 ids, bottom first."""
    files, parent, ids = {}, None, []
    for i, l in enumerate(img.layers):
        v1id = hashlib.sha256(("%s %s" % (parent, l.diff_id)).encode()).hexdigest()
        v1 = {"id": v1id, "created": img.config["created"],
              "container_config": {"Cmd": ["/bin/sh", "-c", "#(nop) layer %d" % i]}}
        if parent:
            v1["parent"] = parent
        if i == len(img.layers) - 1:
            v1.update({"config": img.config["config"], "architecture": img.arch, "os": "linux"})
        files[v1id + "/json"] = json.dumps(v1).encode()
        files[v1id + "/layer.tar"] = l.tar()
        files[v1id + "/VERSION"] = b"1.0"
        parent = v1id
        ids.append(v1id)
    repo, tag = name.rsplit(":", 1)
    files["repositories"] = json.dumps({repo: {tag: parent}}).encode()
    _tar_files(path, files)
    return ids


# ---- what the store made of an image --------------------------------------------------

def layer_dirs(storage, diff_ids):
    """The store's unpacked layer directories for `diff_ids` (bottom first)."""
    return [os.path.join(storage, "layers", "sha256", d.split(":", 1)[1], "diff") for d in diff_ids]


def _walk(top):
    out = {}
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, top)
            if os.path.islink(full):
                out[rel] = "link:" + os.readlink(full)
            elif os.path.isdir(full):
                out[rel] = "dir"
            else:
                with open(full, "rb") as f:
                    out[rel] = f.read()
    return out


def merged_tree(storage, diff_ids, scratch):
    """The image's root filesystem as overlayfs shows it (every layer of
    `diff_ids` read-only, mounted under `scratch`, unmounted before return):
    {relative path: "dir" | "link:TARGET" | file content bytes}."""
    dirs = layer_dirs(storage, diff_ids)
    if len(dirs) == 1:
        return _walk(dirs[0])
    mnt = os.path.join(scratch, "merged")
    os.makedirs(mnt, exist_ok=True)
    lower = ":".join(reversed(dirs))
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", "ro,lowerdir=" + lower, mnt],
                   check=True)
    try:
        return _walk(mnt)
    finally:
        subprocess.run(["umount", mnt], check=True)

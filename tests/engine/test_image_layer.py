# SPDX-License-Identifier: Apache-2.0
"""Layers of the image store: hand-made tars unpacked through the store's C
API (tests/unit/image_driver.c), each bad input refused with a message
naming the layer and the reason and nothing left behind; whiteouts checked
through a real overlay mount; SIGKILL mid-unpack; two unpacks at once."""

import gzip
import hashlib
import io
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time

import pytest

import enginelib


def driver():
    d = os.path.join(enginelib.build_dir(), "tests", "unit", "image_driver")
    if not os.access(d, os.X_OK):
        pytest.skip("%s not built" % d)
    return d


def drive(store, *args, check=True):
    p = subprocess.run([driver(), store] + list(args), capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError("driver %s: %s" % (" ".join(args), p.stderr))
    return p


def make_tar(entries, fmt=tarfile.PAX_FORMAT):
    """entries: (name, kind, arg, extra) tuples; kind file|dir|sym|hard|chr|blk|fifo."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for e in entries:
            name, kind = e[0], e[1]
            arg = e[2] if len(e) > 2 else None
            extra = e[3] if len(e) > 3 else {}
            ti = tarfile.TarInfo(name)
            ti.mtime = extra.get("mtime", 1000000000)
            ti.uid = extra.get("uid", 0)
            ti.gid = extra.get("gid", 0)
            if "pax" in extra:
                ti.pax_headers = extra["pax"]
            if kind == "file":
                ti.mode = extra.get("mode", 0o644)
                ti.size = len(arg)
                t.addfile(ti, io.BytesIO(arg))
                continue
            ti.mode = extra.get("mode", 0o755)
            ti.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE,
                       "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}[kind]
            if kind in ("sym", "hard"):
                ti.linkname = arg
            if kind in ("chr", "blk"):
                ti.devmajor, ti.devminor = 1, 3
            t.addfile(ti)
    return buf.getvalue()


def put(store, data, tmpdir, expect=None):
    f = os.path.join(tmpdir, "blob-%d" % time.monotonic_ns())
    with open(f, "wb") as out:
        out.write(data)
    args = ["put", f] + ([expect] if expect else [])
    return drive(store, *args).stdout.strip()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layers_in(store):
    d = os.path.join(store, "layers", "sha256")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def tmp_entries(store):
    d = os.path.join(store, "tmp")
    return [n for n in os.listdir(d) if not n.endswith(".partial")] if os.path.isdir(d) else []


@pytest.fixture
def store(engine, tmp_path):
    return engine.storage


def unpack_fails(store, tmp_path, data, *words):
    blob = put(store, data, str(tmp_path))
    p = drive(store, "unpack", blob, check=False)
    assert p.returncode != 0, "unpack of a bad layer succeeded"
    msg = p.stderr
    assert "layer " + blob in msg, msg
    for w in words:
        assert w in msg, msg
    assert layers_in(store) == [], "a refused layer is visible"
    assert tmp_entries(store) == [], "tmp/ keeps %s" % tmp_entries(store)
    return msg


def test_unpack_good_layer_gzip_zstd_plain(store, tmp_path):
    tar = make_tar([("a", "dir"), ("a/f", "file", b"hello", {"mode": 0o4755, "uid": 1000, "gid": 1001}),
                    ("a/h", "hard", "a/f"), ("./s", "sym", "/etc/passwd"), ("/abs", "file", b"x"),
                    ("p", "fifo"),
                    ("cap", "file", b"c", {"pax": {"SCHILY.xattr.security.capability":
                                                   "\x01\x00\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                                                   "SCHILY.xattr.trusted.overlay.opaque": "y"}})])
    want = sha(tar)
    forms = [tar, gzip.compress(tar)]
    if shutil.which("zstd"):
        forms.append(subprocess.run(["zstd", "-q", "-c"], input=tar, capture_output=True, check=True).stdout)
    for data in forms:
        blob = put(store, data, str(tmp_path))
        assert drive(store, "unpack", blob).stdout.strip() == want
        # Idempotent, and verified against a given diff id.
        assert drive(store, "unpack", blob, want).stdout.strip() == want
    assert layers_in(store) == [want[7:]]
    diff = os.path.join(store, "layers", "sha256", want[7:], "diff")
    st = os.lstat(os.path.join(diff, "a", "f"))
    assert (st.st_mode & 0o7777, st.st_uid, st.st_gid, int(st.st_mtime)) == (0o4755, 1000, 1001, 1000000000)
    assert os.lstat(os.path.join(diff, "a", "h")).st_ino == st.st_ino
    assert os.readlink(os.path.join(diff, "s")) == "/etc/passwd"
    assert open(os.path.join(diff, "abs"), "rb").read() == b"x"  # a leading "/" is stripped
    assert os.path.exists(os.path.join(diff, "p"))
    cap = os.path.join(diff, "cap")
    assert os.getxattr(cap, "security.capability")[:4] == b"\x01\x00\x00\x02"
    with pytest.raises(OSError):
        os.getxattr(cap, "trusted.overlay.opaque")  # never taken from the tar
    assert tmp_entries(store) == []


def test_diff_id_mismatch(store, tmp_path):
    tar = make_tar([("f", "file", b"1")])
    blob = put(store, gzip.compress(tar), str(tmp_path))
    wrong = sha(b"something else")
    p = drive(store, "unpack", blob, wrong, check=False)
    assert p.returncode != 0
    assert "diff id mismatch: got %s, want %s" % (sha(tar), wrong) in p.stderr
    assert layers_in(store) == [] and tmp_entries(store) == []


def test_blob_digest_mismatch(store, tmp_path):
    wrong = sha(b"other")
    f = tmp_path / "data"
    f.write_bytes(b"data")
    p = drive(store, "put", str(f), wrong, check=False)
    assert p.returncode != 0
    assert "blob %s: digest mismatch: got %s" % (wrong, sha(b"data")) in p.stderr
    assert os.listdir(os.path.join(store, "blobs", "sha256")) == []
    assert os.listdir(os.path.join(store, "tmp")) == []


def test_dotdot_refused(store, tmp_path):
    unpack_fails(store, tmp_path, make_tar([("a", "dir"), ("a/../../escape", "file", b"x")]),
                 'entry "a/../../escape"', '".." component')


def test_hardlink_out_of_layer_refused(store, tmp_path):
    unpack_fails(store, tmp_path, make_tar([("h", "hard", "/etc/passwd")]),
                 'entry "h"', "not an earlier entry of the layer")
    unpack_fails(store, tmp_path, make_tar([("h", "hard", "../../../etc/passwd")]),
                 'entry "h"', '".." component')


def test_hardlink_through_symlink_refused(store, tmp_path):
    unpack_fails(store, tmp_path, make_tar([("l", "sym", "/etc"), ("h", "hard", "l/passwd")]),
                 'entry "h"', "not an earlier entry")


def test_write_through_symlink_refused(store, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    unpack_fails(store, tmp_path, make_tar([("evil", "sym", str(outside)), ("evil/file", "file", b"x")]),
                 'entry "evil/file"', "symlink")
    assert os.listdir(outside) == []


def test_device_nodes_refused(store, tmp_path):
    unpack_fails(store, tmp_path, make_tar([("dev", "dir"), ("dev/null", "chr")]),
                 'entry "dev/null"', "device nodes are not allowed")
    unpack_fails(store, tmp_path, make_tar([("sda", "blk")]), 'entry "sda"', "device nodes")


def test_truncated_gzip_refused(store, tmp_path):
    tar = make_tar([("f%d" % i, "file", os.urandom(20000)) for i in range(20)])
    gz = gzip.compress(tar)
    unpack_fails(store, tmp_path, gz[:len(gz) // 2], "truncated gzip stream")
    unpack_fails(store, tmp_path, gz[:-4], "truncated gzip stream")


def test_truncated_zstd_and_tar_refused(store, tmp_path):
    tar = make_tar([("f%d" % i, "file", os.urandom(20000)) for i in range(20)])
    unpack_fails(store, tmp_path, tar[:len(tar) // 2], "Truncated tar archive")
    if not shutil.which("zstd"):
        pytest.skip("zstd command not installed (Debian package zstd)")
    z = subprocess.run(["zstd", "-q", "-c"], input=tar, capture_output=True, check=True).stdout
    unpack_fails(store, tmp_path, z[:len(z) // 2], "truncated zstd stream")


def test_garbage_refused(store, tmp_path):
    unpack_fails(store, tmp_path, os.urandom(4096), "not a tar archive, nor gzip or zstd compressed")
    unpack_fails(store, tmp_path, b"\x1f\x8b" + os.urandom(4096), "corrupt gzip stream")


def mount_overlay(lowers, target):
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + ":".join(lowers), target],
                   check=True, capture_output=True)


def tree(root):
    out = set()
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


def test_whiteouts_and_opaque_dirs_through_overlay(store, tmp_path):
    l1 = make_tar([("a", "dir"), ("a/f1", "file", b"1"), ("a/f2", "file", b"2"), ("b", "dir"),
                   ("b/x", "file", b"x"), ("b/sub", "dir"), ("b/sub/y", "file", b"y"), ("c", "dir"),
                   ("c/z", "file", b"z"), ("d", "file", b"d")])
    l2 = make_tar([("a", "dir"), ("a/.wh.f1", "file", b""), ("b", "dir"), ("b/.wh..wh..opq", "file", b""),
                   ("b/new", "file", b"n"), (".wh.c", "file", b""), ("./.wh.d", "file", b""),
                   ("e", "dir"), ("e/.wh..wh..opq", "file", b"")])
    diffs = []
    for t in (l1, gzip.compress(l2)):
        blob = put(store, t, str(tmp_path))
        diffs.append(drive(store, "unpack", blob).stdout.strip())
    d2 = os.path.join(store, "layers", "sha256", diffs[1][7:], "diff")
    wh = os.lstat(os.path.join(d2, "a", "f1"))
    assert (wh.st_mode & 0o170000, wh.st_rdev) == (0o020000, 0), "whiteout is a 0/0 char device"
    assert os.getxattr(os.path.join(d2, "b"), "trusted.overlay.opaque") == b"y"
    assert not os.path.exists(os.path.join(d2, "a", ".wh.f1"))
    mnt = tempfile.mkdtemp(dir=str(tmp_path))
    lowers = [os.path.join(store, "layers", "sha256", d[7:], "diff") for d in reversed(diffs)]
    mount_overlay(lowers, mnt)
    try:
        got = tree(mnt)
    finally:
        subprocess.run(["umount", mnt], check=True)
    assert got == {"a", "a/f2", "b", "b/new", "e"}


def test_sigkill_during_unpack_then_repair(store, tmp_path):
    """A big layer; the unpacking process is killed at several points.  After
    each kill no layer is visible; the next open removes the staging dir; a
    final unpack gives the complete layer."""
    entries = []
    for i in range(3000):
        if i % 100 == 0:
            entries.append(("d%d" % (i // 100), "dir"))
        entries.append(("d%d/f%d" % (i // 100, i), "file", os.urandom(8192)))
    tar = make_tar(entries)
    want = sha(tar)
    blob = put(store, gzip.compress(tar, compresslevel=1), str(tmp_path))
    saw_staging = False
    for delay in (0.02, 0.1, 0.2, 0.4, 0.8):
        p = subprocess.Popen([driver(), store, "unpack", blob], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        layers = layers_in(store)
        if layers:
            # Finished before the kill: then it is whole.
            assert layers == [want[7:]]
            assert len(tree(os.path.join(store, "layers", "sha256", layers[0], "diff"))) == 3030
            shutil.rmtree(os.path.join(store, "layers", "sha256", layers[0]))
            continue
        left = tmp_entries(store)
        saw_staging |= any(n.startswith("%d-layer-" % p.pid) for n in left)
        drive(store, "open")
        assert tmp_entries(store) == [], "open did not repair tmp/"
    assert saw_staging, "no kill landed during the unpack (machine too fast?)"
    assert drive(store, "unpack", blob).stdout.strip() == want
    assert len(tree(os.path.join(store, "layers", "sha256", want[7:], "diff"))) == 3030
    assert tmp_entries(store) == []


def test_two_concurrent_unpacks_of_one_layer(store, tmp_path):
    entries = [("f%d" % i, "file", os.urandom(4096)) for i in range(2000)]
    tar = make_tar(entries)
    blob = put(store, gzip.compress(tar, compresslevel=1), str(tmp_path))
    procs = [subprocess.Popen([driver(), store, "unpack", blob], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, errout) in zip(procs, outs):
        assert p.returncode == 0, errout
        assert out.strip() == sha(tar)
    assert layers_in(store) == [sha(tar)[7:]]
    assert len(os.listdir(os.path.join(store, "layers", "sha256", sha(tar)[7:], "diff"))) == 2000
    assert tmp_entries(store) == []

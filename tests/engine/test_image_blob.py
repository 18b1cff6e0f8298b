# SPDX-License-Identifier: Apache-2.0
"""Blobs and the store's repair: resumable partial ingests, tmp/ entries of
dead processes, many writers of images.json at once."""

import hashlib
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_image_layer import drive  # noqa: E402


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_partial_ingest_resumes(engine, tmp_path):
    data = os.urandom(300000)
    digest = sha(data)
    f = tmp_path / "blob"
    f.write_bytes(data)
    tmp = os.path.join(engine.storage, "tmp")
    drive(engine.storage, "open")
    partial = os.path.join(tmp, "ingest-%s.partial" % digest[7:])
    with open(partial, "wb") as p:
        p.write(data[:123457])  # what a killed pull left
    # The driver seeks the source to the resume point it is given: only the rest is sent.
    assert drive(engine.storage, "put", str(f), digest).stdout.strip() == digest
    with open(os.path.join(engine.storage, "blobs", "sha256", digest[7:]), "rb") as b:
        assert b.read() == data
    assert not os.path.exists(partial)


def test_corrupt_partial_is_dropped(engine, tmp_path):
    data = os.urandom(100000)
    digest = sha(data)
    f = tmp_path / "blob"
    f.write_bytes(data)
    drive(engine.storage, "open")
    partial = os.path.join(engine.storage, "tmp", "ingest-%s.partial" % digest[7:])
    with open(partial, "wb") as p:
        p.write(b"\0" * 5000)  # not a prefix of the blob (a power cut, say)
    r = drive(engine.storage, "put", str(f), digest, check=False)
    assert r.returncode != 0 and "blob %s: digest mismatch: got sha256:" % digest in r.stderr
    assert not os.path.exists(partial)
    assert not os.path.exists(os.path.join(engine.storage, "blobs", "sha256", digest[7:]))
    assert drive(engine.storage, "put", str(f), digest).stdout.strip() == digest


def test_open_removes_tmp_entries_of_dead_processes(engine):
    drive(engine.storage, "open")
    tmp = os.path.join(engine.storage, "tmp")
    dead = subprocess.Popen(["true"])
    dead.wait()
    os.makedirs(os.path.join(tmp, "%d-layer-abc" % dead.pid, "diff", "x"))
    open(os.path.join(tmp, "%d-ingest-abc" % dead.pid), "w").close()
    live = os.path.join(tmp, "%d-ingest-live" % os.getpid())
    open(live, "w").close()
    partial = os.path.join(tmp, "ingest-%s.partial" % ("ab" * 32))
    open(partial, "w").close()
    drive(engine.storage, "open")
    assert sorted(os.listdir(tmp)) == sorted([os.path.basename(live), os.path.basename(partial)])
    os.unlink(live)


def test_open_removes_tmp_entries_of_killed_unreaped_processes(engine):
    # A process SIGKILLed mid-unpack whose parent has not reaped it yet (or an
    # init that never reaps orphans) is a zombie: its tmp entry is garbage.
    drive(engine.storage, "open")
    tmp = os.path.join(engine.storage, "tmp")
    zombie = subprocess.Popen(["sleep", "100"])
    try:
        zombie.kill()
        while True:  # until the kernel has made it a zombie (not reaped: no wait)
            with open("/proc/%d/stat" % zombie.pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        os.makedirs(os.path.join(tmp, "%d-layer-abc" % zombie.pid, "diff"))
        drive(engine.storage, "open")
        assert os.listdir(tmp) == []
    finally:
        zombie.wait()


def test_concurrent_tags_all_land(engine):
    engine.run("image", "inspect", "busybox")
    procs = [engine.popen("tag", "busybox", "t%d:x" % i, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i in range(16)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    tags = {r["Repository"] + ":" + r["Tag"] for r in engine.json("images", "--format", "json")}
    assert tags == {"localhost/busybox:latest"} | {"docker.io/library/t%d:x" % i for i in range(16)}


def test_lookup_by_digest_reference(engine):
    info = engine.json("image", "inspect", "busybox")[0]
    manifest = info["RepoDigests"][0].split("@")[1]
    assert engine.json("image", "inspect", "localhost/busybox@" + manifest)[0]["Id"] == info["Id"]
    p = engine.run("image", "inspect", "docker.io/library/busybox@" + manifest, check=False)
    assert p.returncode == 125 and "image not known" in p.stderr


def test_concurrent_first_lookups_make_one_builtin_image(engine):
    procs = [engine.popen("image", "inspect", "busybox", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(8)]
    ids = set()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        ids.add(json.loads(out)[0]["Id"])
    assert len(ids) == 1
    rows = engine.json("images", "--format", "json", "--no-trunc")
    assert [(r["Repository"], r["ID"]) for r in rows] == [("localhost/busybox", ids.pop())]
    assert len(os.listdir(os.path.join(engine.storage, "layers", "sha256"))) == 1

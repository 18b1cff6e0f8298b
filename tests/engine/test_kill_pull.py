# SPDX-License-Identifier: Apache-2.0
"""`cell pull` killed with SIGKILL at any point, from a local registry
(Debian's docker-registry on 127.0.0.1, through registry_helpers).

The delay goes from 0 to a little past the time a whole pull takes, in
twenty steps: the manifest, the blobs streaming (in parallel), the layers
unpacking, images.json.  After each kill the store is consistent: every
blob under blobs/ is complete (its sha256 is its name), every layer under
layers/ is whole, the image is either listed with all its content or not at
all, `cell images` works; the next pull completes it, and a container runs
from it with the right files."""

import ctypes
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

import enginelib
import registry_helpers as rh
from journeylib import assert_nothing_left, pid_alive, wait_for

STEPS = 20
MB = 1 << 20


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("kill-pull"))


@pytest.fixture(scope="module")
def registry(workdir):
    r = rh.Registry(os.path.join(workdir, "registry"))
    yield r
    r.stop()


@pytest.fixture(scope="module")
def image(workdir, registry):
    """busybox and four more layers, two of them big and incompressible, one
    that deletes a file of a lower layer."""
    layers = [rh.busybox_files(),
              {"data/a.bin": os.urandom(2 * MB), "data/gone.txt": b"deleted above\n"},
              {"data/b.bin": os.urandom(3 * MB)},
              {"etc/motd": b"pulled\n", "data/.wh.gone.txt": b""},
              {"data/c.txt": b"c\n" * 50000}]
    img = rh.OciImage(os.path.join(workdir, "img"), layers, cmd=["/bin/sh"])
    registry.push(img, "killme:latest")
    img.contents = {"/data/a.bin": layers[1]["data/a.bin"], "/data/b.bin": layers[2]["data/b.bin"],
                    "/etc/motd": b"pulled\n", "/data/c.txt": b"c\n" * 50000}
    return img


@pytest.fixture
def orphans_stay_zombies():
    """This process as the reaper of orphans (PR_SET_CHILD_SUBREAPER) that
    reaps none until the test ends: the unpacking children of a killed pull
    stay zombies, as under an init that does not reap, on any host."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    assert libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    yield
    libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break


def ref(registry):
    return "%s/killme:latest" % registry.host


@pytest.fixture(scope="module")
def pull_seconds(engine_binary, engine_workdir, registry, image):
    """How long a whole pull into an empty store takes here, now (median of three)."""
    runs = []
    for _ in range(3):
        root = tempfile.mkdtemp(prefix="pull-timing-", dir=engine_workdir)
        try:
            e = enginelib.Engine(engine_binary, root)
            t0 = time.monotonic()
            e.run("pull", "-q", ref(registry), timeout=300)
            runs.append(time.monotonic() - t0)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return sorted(runs)[1]


def wait_for_the_killed(engine):
    """Until every process that owns a tmp/ entry ("<pid>-...") has ended: the
    children a killed pull forked die with it (PDEATHSIG), but not in the
    same instant."""
    def ended():
        pids = [int(n.split("-")[0]) for n in rh.tmp_entries(engine) if n.split("-")[0].isdigit()]
        return not any(pid_alive(p) for p in pids)
    wait_for(ended, what="the killed pull's processes to end")


def assert_store_consistent(engine, image):
    """Whatever a kill left is either whole or out of sight."""
    wait_for_the_killed(engine)
    blobs = os.path.join(engine.storage, "blobs", "sha256")
    for name in os.listdir(blobs) if os.path.isdir(blobs) else []:
        h = hashlib.sha256()
        with open(os.path.join(blobs, name), "rb") as f:
            for chunk in iter(lambda: f.read(MB), b""):
                h.update(chunk)
        assert h.hexdigest() == name, "blobs/sha256/%s holds other content" % name
    layers = os.path.join(engine.storage, "layers", "sha256")
    for name in os.listdir(layers) if os.path.isdir(layers) else []:
        assert os.path.isdir(os.path.join(layers, name, "diff")), "layers/sha256/%s has no diff/" % name
    listed = rh.stored_images(engine)
    if listed:
        # listed means complete: every blob and every layer it names is there
        assert [i["id"] for i in listed] == ["sha256:" + image.id]
        img = listed[0]
        for l in img["layers"]:
            assert os.path.exists(os.path.join(blobs, l["digest"][7:])), l
            assert os.path.isdir(os.path.join(layers, l["diff_id"][7:], "diff")), l
        assert os.path.exists(os.path.join(blobs, image.config_digest[7:]))
    p = engine.run("images", "--format", "json", check=False)
    assert p.returncode == 0, p.stderr
    assert len(engine.json("images", "--format", "json")) == len(listed)
    # only a resumable partial download may stay in tmp/
    left = [n for n in rh.tmp_entries(engine) if not n.endswith(".partial")]
    assert left == [], "tmp/ after the kill: %s" % left


def assert_runs_with_its_files(engine, registry, image):
    script = "; ".join("busybox md5sum %s" % p for p in sorted(image.contents)) + \
        "; test ! -e /data/gone.txt && echo whiteout-ok"
    out = engine.out("run", "--rm", ref(registry), "sh", "-c", script)
    want = "".join("%s  %s\n" % (hashlib.md5(image.contents[p]).hexdigest(), p)
                   for p in sorted(image.contents)) + "whiteout-ok\n"
    assert out == want


@pytest.mark.slow
@pytest.mark.parametrize("step", range(STEPS))
def test_sigkill_of_pull(engine, registry, image, pull_seconds, orphans_stay_zombies, step):
    delay = pull_seconds * 1.1 * step / (STEPS - 1)
    p = engine.popen("pull", ref(registry), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if delay > 0:
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            pass
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
    p.wait()
    assert_store_consistent(engine, image)

    # the next pull completes the image (resuming what it can), and it runs
    p = engine.run("pull", "-q", ref(registry), timeout=300)
    assert p.stdout.strip().splitlines()[-1].replace("sha256:", "") == image.id
    assert_store_consistent(engine, image)
    assert rh.tmp_entries(engine) == []
    assert [i["id"] for i in rh.stored_images(engine)] == ["sha256:" + image.id]
    # every layer in the store is one the image uses (no stray half of one)
    diff_ids = sorted(l["diff_id"][7:] for l in rh.stored_images(engine)[0]["layers"])
    assert sorted(os.listdir(os.path.join(engine.storage, "layers", "sha256"))) == diff_ids
    assert_runs_with_its_files(engine, registry, image)
    assert_nothing_left(engine, [])


@pytest.mark.slow
@pytest.mark.parametrize("step", range(0, STEPS, 5))
def test_sigkill_of_run_that_pulls(engine, registry, image, pull_seconds, step):
    # `cell run` of an image not in the store pulls it first
    delay = (pull_seconds + 0.3) * 1.1 * step / (STEPS - 1)
    p = engine.popen("run", "--rm", ref(registry), "true",
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if delay > 0:
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            pass
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
    p.wait()
    assert engine.run("ps", "-a", check=False).returncode == 0
    engine.run("rm", "-f", "--all")
    assert_store_consistent(engine, image)
    assert_runs_with_its_files(engine, registry, image)
    assert_nothing_left(engine, [])

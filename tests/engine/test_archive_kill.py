# SPDX-License-Identifier: Apache-2.0
"""SIGKILL of `cell load` at several points: the store keeps working (the
image list as before, no half image), and the same load then succeeds."""

import os
import signal
import subprocess
import time

import pytest

import imagefactory as f
from test_archive_load import names

LAYER_MB = 3


@pytest.fixture(scope="module")
def big_image():
    """Four layers of incompressible data, so every phase of a load takes a while."""
    layers = [f.Layer(f.busybox())]
    layers += [f.Layer([f.File("data%d" % i, os.urandom(LAYER_MB << 20))], None) for i in range(3)]
    return f.Image(layers)


def kill_midstream(engine, archive, fraction):
    """Feed `cell load` the first `fraction` of the archive through a pipe,
    wait until it has taken what the pipe holds, then SIGKILL it."""
    data = open(archive, "rb").read()
    p = engine.popen("load", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
    try:
        p.stdin.write(data[: int(len(data) * fraction)])
        p.stdin.flush()
        # The write returned: all but what the pipe buffers (64 KiB) is read.
        # Give it a moment to act on it (no assertion depends on how long).
        time.sleep(0.2)
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdin.close()
        p.stdout.close()
        p.stderr.close()
    assert p.returncode == -signal.SIGKILL


def kill_after(engine, source, delay):
    p = engine.popen("load", "-i", source, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.communicate()


@pytest.mark.slow
def test_sigkill_midstream_then_load(engine, tmp_path, big_image):
    archive = f.oci_archive(str(tmp_path / "big.tar"), [(big_image, "localhost/big:1")])
    for fraction in (0.01, 0.3, 0.55, 0.8, 0.999):
        kill_midstream(engine, archive, fraction)
        assert names(engine) == {}, "after a kill at %.0f%%" % (fraction * 100)
    assert engine.out("load", "-i", archive) == "Loaded image: localhost/big:1\n"
    assert names(engine) == {"localhost/big:1": big_image.id}
    tree = f.merged_tree(engine.storage, [l.diff_id for l in big_image.layers], str(tmp_path))
    assert len(tree["data2"]) == LAYER_MB << 20


@pytest.mark.slow
def test_sigkill_while_unpacking_then_load(engine, tmp_path, big_image):
    """From a directory, blobs are copied and layers unpacked one by one: kill
    at growing delays, so some kills land in the copy, some in the unpack,
    some (maybe) after the image is added; each time the store must read
    as either no image or the whole image."""
    layout = f.oci_layout(str(tmp_path / "layout"), [(big_image, "localhost/big:1")])
    for delay in (0.0, 0.02, 0.05, 0.1, 0.2, 0.4):
        kill_after(engine, layout, delay)
        listed = names(engine)
        assert listed in ({}, {"localhost/big:1": big_image.id}), listed
    engine.run("load", "-i", layout)
    assert names(engine) == {"localhost/big:1": big_image.id}
    tree = f.merged_tree(engine.storage, [l.diff_id for l in big_image.layers], str(tmp_path))
    assert len(tree["data0"]) == LAYER_MB << 20
    # the store repaired what the kills left in tmp/ (the fixture checks tmp/ is empty
    # after this command; partial downloads, *.partial, may stay for a resume)
    engine.run("images")

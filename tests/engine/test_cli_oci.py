# SPDX-License-Identifier: Apache-2.0
"""The runtime's command line still works under both of its names, `cell-oci`
(a link to cell) and `cell oci`: a busybox bundle created, started, run and
deleted.  The runtime's own suite (tests/integration) covers the rest."""

import json
import os
import shutil
import subprocess
import uuid

import pytest

import enginelib

BUSYBOX = "/bin/busybox"


def oci_argvs():
    cell = enginelib.engine_binary()
    return {"cell-oci": [os.path.join(os.path.dirname(cell), "cell-oci")], "cell oci": [cell, "oci"]}


@pytest.fixture
def bundle(engine_binary, tmp_path):
    if not os.path.exists(BUSYBOX):
        pytest.skip("needs busybox-static at %s" % BUSYBOX)
    b = tmp_path / "bundle"
    (b / "rootfs" / "bin").mkdir(parents=True)
    shutil.copy2(BUSYBOX, b / "rootfs" / "bin" / "busybox")
    p = subprocess.run([engine_binary, "oci", "spec", "-b", str(b)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    with open(b / "config.json") as f:
        cfg = json.load(f)
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["/bin/busybox", "sh", "-c", "echo hello from $0; exit 7", "bundle"]
    cfg["root"] = {"path": "rootfs", "readonly": True}
    with open(b / "config.json", "w") as f:
        json.dump(cfg, f)
    root = tmp_path / "state"
    root.mkdir()
    yield str(b), str(root)


@pytest.mark.parametrize("name", ["cell-oci", "cell oci"])
def test_run_and_create_start_delete(bundle, name):
    b, root = bundle
    argv = oci_argvs()[name] + ["--root", root]
    cid = "cli-" + uuid.uuid4().hex[:8]
    p = subprocess.run(argv + ["run", "-b", b, cid], capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 7, p.stderr  # run exits with the container's status
    assert p.stdout == "hello from bundle\n"

    # the created init keeps the stdio it was given: a pipe would never see EOF
    with open(os.path.join(os.path.dirname(b), "create.err"), "w+") as err:
        p = subprocess.run(argv + ["create", "-b", b, cid], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=err, timeout=60)
        err.seek(0)
        assert p.returncode == 0, err.read()
    try:
        state = json.loads(subprocess.run(argv + ["state", cid], capture_output=True, text=True,
                                          timeout=30).stdout)
        assert state["id"] == cid and state["status"] == "created"
        ids = subprocess.run(argv + ["list", "-q"], capture_output=True, text=True, timeout=30).stdout.split()
        assert ids == [cid]
        p = subprocess.run(argv + ["start", cid], capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
    finally:
        subprocess.run(argv + ["delete", "-f", cid], capture_output=True, timeout=60)
    assert subprocess.run(argv + ["list", "-q"], capture_output=True, text=True, timeout=30).stdout == ""

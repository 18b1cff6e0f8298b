# SPDX-License-Identifier: Apache-2.0
"""A micro-VM on the container's network (issue 15): a bundle annotated
cell.isolation=vm whose linux.namespaces names a network namespace gets that
namespace's interface in the guest: its address, prefix and default route, the
traffic bridged through a tap device.  The namespaces are the test's own (two,
joined by a veth pair: the "container's" and a peer); nothing touches the
machine's root namespace.  Under TCG; skipped, saying which, without QEMU, the
guest kernel or iproute2.
"""

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("CELL_BUILD_DIR", REPO / "build"))

pytestmark = pytest.mark.slow


def cell_oci():
    return str(Path(os.environ.get("CELL_BINARY", BUILD / "cell-oci")).absolute())


@pytest.fixture
def vm_env():
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    for tool in ("qemu-system-x86_64", "ip"):
        if not shutil.which(tool):
            pytest.skip("%s not installed" % tool)
    kernel = os.environ.get("CELL_GUEST_KERNEL") or str(
        REPO / ".deps" / "guest-kernel" / "current" / "vmlinux")
    if not Path(kernel).is_file():
        pytest.skip("guest kernel not built: run scripts/guest-kernel.sh (or set CELL_GUEST_KERNEL)")
    env = dict(os.environ, CELL_GUEST_KERNEL=kernel, CELL_VM_ACCEL="tcg")
    env.setdefault("CELL_GUEST_INIT", str(BUILD / "src" / "vm" / "cell-guest-init"))
    return env


@pytest.fixture
def two_namespaces():
    """The container's namespace (eth0 10.231.7.2/24, default via .1) and a peer (.1)."""
    tag = uuid.uuid4().hex[:8]
    ctr, peer = "cvm-ctr-" + tag, "cvm-peer-" + tag
    cmds = [["ip", "netns", "add", ctr], ["ip", "netns", "add", peer],
            ["ip", "-n", ctr, "link", "add", "eth0", "type", "veth", "peer", "name", "p0",
             "netns", peer],
            ["ip", "-n", ctr, "addr", "add", "10.231.7.2/24", "dev", "eth0"],
            ["ip", "-n", ctr, "link", "set", "eth0", "up"],
            ["ip", "-n", ctr, "link", "set", "lo", "up"],
            ["ip", "-n", ctr, "route", "add", "default", "via", "10.231.7.1"],
            ["ip", "-n", peer, "addr", "add", "10.231.7.1/24", "dev", "p0"],
            ["ip", "-n", peer, "link", "set", "p0", "up"]]
    try:
        for c in cmds:
            subprocess.run(c, check=True, capture_output=True)
        yield ctr, peer
    finally:
        for ns in (ctr, peer):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_vm_gets_the_containers_address_and_route(vm_env, two_namespaces, tmp_path):
    ctr, peer = two_namespaces
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    subprocess.run(["bash", str(REPO / "scripts" / "mkrootfs.sh"), str(bundle / "rootfs")],
                   check=True, capture_output=True)
    subprocess.run([cell_oci(), "spec"], cwd=bundle, check=True)
    config = json.loads((bundle / "config.json").read_text())
    config["process"]["terminal"] = False
    config["process"]["args"] = [
        "sh", "-c", "ip -4 addr show eth0 | grep inet; ip route | grep default; "
        "ping -c 1 -W 10 10.231.7.1 >/dev/null && echo reached the peer"]
    config["annotations"] = {"cell.isolation": "vm"}
    for ns in config["linux"]["namespaces"]:
        if ns["type"] == "network":
            ns["path"] = "/run/netns/" + ctr
    (bundle / "config.json").write_text(json.dumps(config))

    root = tmp_path / "state"
    oci = [cell_oci(), "--root", str(root)]
    name = "vmnet-" + uuid.uuid4().hex[:8]
    with open(tmp_path / "out", "w") as out:
        subprocess.run(oci + ["create", "-b", str(bundle), name], stdin=subprocess.DEVNULL,
                       stdout=out, stderr=subprocess.STDOUT, env=vm_env, check=True, timeout=60)
    try:
        subprocess.run(oci + ["start", name], env=vm_env, check=True, timeout=60)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = json.loads(subprocess.run(oci + ["state", name], capture_output=True,
                                              text=True, check=True).stdout)
            if state["status"] == "stopped":
                break
            time.sleep(0.2)
        output = (tmp_path / "out").read_text()
        assert state["status"] == "stopped", output
        assert "inet 10.231.7.2/24" in output
        assert "default via 10.231.7.1 dev eth0" in output
        assert "reached the peer" in output
    finally:
        subprocess.run(oci + ["delete", "-f", name], env=vm_env, capture_output=True)
    assert not (root / name).exists()

# SPDX-License-Identifier: Apache-2.0
"""`cell bench isolation` with its VM column (`cell run --isolation=vm`, under
TCG here): every workload measured in a guest that is measured to be one
(another kernel, no host pids, its own network), and an interrupted run
leaves no QEMU behind.  Needs qemu-system-x86_64 and the guest kernel
(scripts/guest-kernel.sh): skipped, saying which, without them."""

import ipaddress
import json
import os
import shutil
import signal
import subprocess

import pytest

import benchlib
import enginelib

pytestmark = pytest.mark.slow


@pytest.fixture
def vm_env(engine):
    if "--isolation" not in engine.out("run", "--help"):
        pytest.fail("this build has no `cell run --isolation`")
    if not shutil.which("qemu-system-x86_64"):
        pytest.skip("qemu-system-x86_64 not installed (Debian's qemu-system-x86)")
    k = os.environ.get("CELL_GUEST_KERNEL") or os.path.join(enginelib.REPO, ".deps", "guest-kernel", "current",
                                                            "vmlinux")
    if not os.path.isfile(k):
        pytest.skip("guest kernel not built: run scripts/guest-kernel.sh (or set CELL_GUEST_KERNEL)")
    return {"CELL_GUEST_KERNEL": k, "CELL_VM_ACCEL": "tcg"}


def test_vm_column_measured(engine, vm_env):
    p = benchlib.run_bench(engine, "--runs", "2", "--density", "1", "--format", "json", env=vm_env)
    res = json.loads(p.stdout)
    vm = res["modes"][2]
    assert vm["available"] and vm["reason"] is None, vm
    values = {w["id"]: w["values"] for w in res["workloads"]}
    for wid in benchlib.WORKLOADS:
        if wid == "kernel_1":
            continue  # a VM's processes may sit in cell's cgroup: then it is null with the note
        assert isinstance(values[wid]["vm"], (int, float)) and values[wid]["vm"] > 0, (wid, values[wid])
    # A guest costs more than a container to start and to keep.
    assert values["startup_median"]["vm"] > values["startup_median"]["container"]
    assert values["memory_1"]["vm"] > values["memory_1"]["container"]
    # The guest's network figures came from the host over the tap, to its address on cell0's subnet.
    rows = {w["id"]: w for w in res["workloads"]}
    for wid in benchlib.NET_PATH_ROWS:
        assert rows[wid]["paths"]["vm"] == "tap", rows[wid]
        addr = ipaddress.ip_address(rows[wid]["addresses"]["vm"])
        assert addr in ipaddress.ip_network(benchlib.DEFAULT_SUBNET), rows[wid]
    iso = {r["id"]: r["values"]["vm"] for r in res["isolation"]}
    assert iso["kernel"].startswith("another kernel"), iso["kernel"]
    assert iso["host_pids"].startswith("hidden")
    assert iso["host_network"].startswith("hidden")
    benchlib.assert_nothing_left(engine, p.stderr)


def test_vm_interrupted_leaves_no_qemu(engine, vm_env):
    p = subprocess.Popen(benchlib.bench_argv(engine, "--runs", "1", "--density", "3"),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=engine.env(vm_env))
    err = []
    try:
        for line in p.stderr:
            err.append(line)
            if line.startswith("bench: started vm"):
                break
        else:
            pytest.fail("never started an idle VM:\n%s" % "".join(err))
        p.send_signal(signal.SIGINT)
        err.append(p.stderr.read())
        assert p.wait(timeout=180) == 128 + signal.SIGINT
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = "".join(err)
    assert "interrupted" in text, text
    benchlib.assert_nothing_left(engine, text)
    qemu = subprocess.run(["pgrep", "-af", "qemu-system"], capture_output=True, text=True).stdout
    assert engine.root not in qemu, qemu

# SPDX-License-Identifier: Apache-2.0
"""`cell bench isolation`: end to end with small settings, every output format,
and figures cross-checked against the test's own measurements.

The VM column is off here (benchlib.NO_VM points the guest kernel at
nothing, or the build lacks `cell run --isolation=vm`): every VM figure is null
with the reason, which the tests check is said.  test_bench_isolation_vm.py
runs the VM column.
"""

import csv
import io
import ipaddress
import json
import os
import statistics
import subprocess
import time

import pytest

import benchlib

pytestmark = pytest.mark.slow


def vm_expected(engine):
    return "--isolation" in engine.out("run", "--help")


def check_net_paths(res):
    """process over the host's loopback; the container from the host over its bridge address."""
    rows = {w["id"]: w for w in res["workloads"]}
    for wid in benchlib.NET_PATH_ROWS:
        w = rows[wid]
        assert w["paths"]["process"] == "loopback" and w["addresses"]["process"] == "127.0.0.1", w
        assert w["paths"]["container"] == "bridge", w
        addr = ipaddress.ip_address(w["addresses"]["container"])
        assert addr in ipaddress.ip_network(benchlib.DEFAULT_SUBNET), w
    # The process mode shares the host's stack: its path figure is its loopback figure.
    for path, lo in (("net_rtt", "net_lo_rtt"), ("net_throughput", "net_lo_throughput")):
        assert rows[path]["values"]["process"] == rows[lo]["values"]["process"]
    assert "bridge" in res["network_path"] and "tap" in res["network_path"]


def check_result(res, engine):
    ids = [w["id"] for w in res["workloads"]]
    assert ids == benchlib.WORKLOADS
    assert [r["id"] for r in res["isolation"]] == benchlib.ISOLATION
    assert [m["name"] for m in res["modes"]] == benchlib.MODES
    for key in ("kernel", "cpu", "accelerator", "cgroup"):
        assert res["host"][key], key
    for w in res["workloads"]:
        for mode in ("process", "container"):
            if mode == "process" and w["id"] in benchlib.NO_PROCESS_VALUE:
                assert w["values"]["process"] is None and w["notes"]["process"]
                continue
            v = w["values"][mode]
            assert isinstance(v, (int, float)) and v > 0, (w["id"], mode, w)
    vm = res["modes"][2]
    if not vm["available"]:
        assert vm["reason"], vm
        if not vm_expected(engine):
            assert "cell run --isolation=vm is not available in this build" in vm["reason"]
        else:  # benchlib.NO_VM: the guest kernel pointed at nothing
            assert "cell-bench-test/vmlinux" in vm["reason"], vm["reason"]
        for w in res["workloads"]:
            assert w["values"]["vm"] is None and w["notes"]["vm"], w
    check_net_paths(res)
    iso = {r["id"]: r["values"] for r in res["isolation"]}
    # Measured, not asserted: the process shares everything with the host, the container not.
    assert iso["kernel"]["process"].startswith("same kernel")
    assert iso["kernel"]["container"].startswith("same kernel")
    assert iso["host_pids"]["process"].startswith("visible")
    assert iso["host_pids"]["container"].startswith("hidden")
    assert iso["host_network"]["container"].startswith("hidden")
    assert iso["seccomp"]["process"] == "off"
    assert iso["seccomp"]["container"] == "on (filter)"
    assert "refused" in iso["module_load"]["container"] or "ENOSYS" in iso["module_load"]["container"]


def test_json_and_html_end_to_end(engine, tmp_path):
    html = tmp_path / "report.html"
    p = benchlib.run_bench(engine, "--runs", "3", "--density", "2", "--format", "json", "--html", str(html))
    res = json.loads(p.stdout)
    check_result(res, engine)
    # Progress went to stderr, step by step.
    assert "bench: start-up: container" in p.stderr and "bench: cleaning up" in p.stderr
    assert res["workloads"][benchlib.WORKLOADS.index("density")]["values"]["container"] == 2
    benchlib.assert_nothing_left(engine, p.stderr)
    text = html.read_text()
    assert text.count("<svg") == len(benchlib.WORKLOADS)
    assert text.count('<rect class="bar"') >= 2 * len(benchlib.WORKLOADS) - 1
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in text and "<link" not in text
    assert 'path from the host: process: loopback 127.0.0.1; container: bridge 10.88.' in text


def test_csv_holds_every_workload(engine):
    p = benchlib.run_bench(engine, "--runs", "2", "--density", "1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    work = {(r["id"], r["mode"]): r for r in rows if r["section"] == "workload"}
    for wid in benchlib.WORKLOADS:
        for mode in benchlib.MODES:
            assert (wid, mode) in work, (wid, mode)
        if wid not in benchlib.NO_PROCESS_VALUE:
            assert float(work[(wid, "process")]["value"]) > 0
        assert float(work[(wid, "container")]["value"]) > 0
    for wid in benchlib.NET_PATH_ROWS:
        assert work[(wid, "process")]["path"] == "loopback 127.0.0.1"
        kind, addr = work[(wid, "container")]["path"].split()
        assert kind == "bridge" and ipaddress.ip_address(addr) in ipaddress.ip_network(benchlib.DEFAULT_SUBNET)
    iso = {(r["id"], r["mode"]) for r in rows if r["section"] == "isolation"}
    assert iso == {(i, m) for i in benchlib.ISOLATION for m in benchlib.MODES}
    benchlib.assert_nothing_left(engine, p.stderr)


def test_table_has_ratios(engine):
    p = benchlib.run_bench(engine, "--runs", "2", "--density", "1")
    lines = p.stdout.splitlines()
    header = [l for l in lines if l.startswith("WORKLOAD")]
    assert header and header[0].split()[2:] == benchlib.MODES
    start = [l for l in lines if l.startswith("startup_median")][0]
    assert "(x" in start  # the container's ratio to process
    assert "host:" in lines[0] and "accelerator" in lines[0]
    path = [l for l in lines if l.startswith("network path of net_rtt")]
    assert path and "process loopback 127.0.0.1;" in path[0] and "container bridge 10.88." in path[0], lines
    benchlib.assert_nothing_left(engine, p.stderr)


def test_startup_within_spread_of_own_timing(engine):
    engine.run("run", "--rm", "busybox", "true")  # the built-in image made
    own = []
    for _ in range(7):
        t0 = time.monotonic()
        engine.run("run", "--rm", "busybox", "true")
        own.append((time.monotonic() - t0) * 1e3)
    p = benchlib.run_bench(engine, "--runs", "7", "--density", "1", "--format", "json")
    res = json.loads(p.stdout)
    bench = {w["id"]: w["values"] for w in res["workloads"]}["startup_median"]["container"]
    # Generous spread: the test's subprocess module adds its own overhead.
    assert min(own) / 3 <= bench <= max(own) * 2, (bench, own)
    proc = {w["id"]: w["values"] for w in res["workloads"]}["startup_median"]["process"]
    assert proc < bench


def held_container_pss(engine):
    """PSS (KiB) of an idle container the test holds: its cgroup's processes and its monitor."""
    engine.run("run", "-d", "--name", "held", "busybox", "sleep", "1000")
    try:
        pid = int(engine.out("inspect", "--format", "{{.State.Pid}}", "held").strip())
        for _ in range(100):
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() == "sleep":
                    break
            time.sleep(0.02)
        time.sleep(0.2)
        pids = set(benchlib.memory_cgroup_procs(pid)) | {benchlib.ppid(pid)}
        with open("/proc/%d/comm" % benchlib.ppid(pid)) as f:
            assert f.read().strip() == "cell-monitor"
        return sum(benchlib.pss_kib(p) for p in pids)
    finally:
        engine.run("rm", "-f", "held")


def test_memory_within_ten_percent_of_own_smaps(engine):
    own = held_container_pss(engine)
    p = benchlib.run_bench(engine, "--runs", "1", "--density", "1", "--format", "json")
    res = json.loads(p.stdout)
    mem = {w["id"]: w["values"] for w in res["workloads"]}
    bench = mem["memory_1"]["container"]
    assert abs(bench - own) <= 0.10 * own, (bench, own)
    assert mem["kernel_1"]["container"] > 0
    # process mode: one static busybox `sleep`, less than a container with its monitor
    assert 0 < mem["memory_1"]["process"] < bench


def test_bad_image_fails_and_leaves_nothing(engine):
    p = subprocess.run(benchlib.bench_argv(engine, "no-such-image"), capture_output=True, text=True,
                       timeout=120, env=engine.env(benchlib.NO_VM))
    assert p.returncode == 125
    assert "no-such-image" in p.stderr
    benchlib.assert_nothing_left(engine, p.stderr)


def test_bad_options(engine):
    for args in (["--format", "xml"], ["--runs", "0"], ["--density-memory", "lots"]):
        p = subprocess.run(benchlib.bench_argv(engine, *args), capture_output=True, text=True,
                           timeout=60, env=engine.env())
        assert p.returncode == 125, args
        assert p.stderr.startswith("cell: "), p.stderr

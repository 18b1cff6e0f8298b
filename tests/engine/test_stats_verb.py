# SPDX-License-Identifier: Apache-2.0
"""`cell stats`: memory usage/limit, pids and CPU from the container's cgroup."""

from monitorlib import run_d


def test_stats_no_stream_json(engine):
    run_d(engine, "--name", "lim", "--memory", "64m", "--pids-limit", "50", "busybox", "sh", "-c",
          "sleep 300 & sleep 300 & while :; do :; done")
    run_d(engine, "--name", "idle", "busybox", "sleep", "300")
    rows = {r["Name"]: r for r in engine.json("stats", "--no-stream", "--format", "json")}
    assert set(rows) == {"lim", "idle"}
    lim = rows["lim"]
    assert lim["MemLimitBytes"] == 64 * 1024 * 1024
    assert lim["MemUsage"].endswith(" / 64MiB")
    assert 0 < lim["MemUsageBytes"] < 64 * 1024 * 1024
    assert lim["PIDsCurrent"] == 3 and lim["PIDs"] == "3"
    assert lim["PIDsLimit"] == 50
    # a busy loop keeps about one CPU busy: more than a few percent, whatever the host's load
    assert lim["CPUPercent"] > 5
    idle = rows["idle"]
    assert idle["PIDsCurrent"] == 1
    assert idle["CPUPercent"] < 5
    assert idle["MemLimitBytes"] > 64 * 1024 * 1024  # the host's memory: no limit set


def test_stats_table_and_names(engine):
    cid = run_d(engine, "--name", "one", "busybox", "sleep", "300")
    out = engine.out("stats", "--no-stream", "one")
    header, line = out.splitlines()
    assert header.split()[:3] == ["CONTAINER", "ID", "NAME"] and "MEM USAGE / LIMIT" in header
    assert line.startswith(cid[:12]) and " one " in line


def test_stats_of_a_stopped_container(engine):
    engine.run("create", "--name", "idle", "busybox", "true")
    rows = engine.json("stats", "--no-stream", "--format", "json", "idle")
    assert rows[0]["PIDsCurrent"] == 0 and rows[0]["MemUsageBytes"] == 0
    assert engine.run("stats", "--no-stream", "nope", check=False).returncode == 125

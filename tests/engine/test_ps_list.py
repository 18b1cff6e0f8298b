# SPDX-License-Identifier: Apache-2.0
"""`cell ps`: docker's columns, -a, -q, --no-trunc, -l, -n, --filter, --format json."""


def make_some(engine):
    engine.run("run", "--name", "done0", "busybox", "true")
    engine.run("run", "--name", "done3", "busybox", "sh", "-c", "exit 3", check=False)
    engine.run("create", "--name", "fresh", "busybox", "true")
    cid = engine.out("run", "-d", "--name", "live", "busybox", "sleep", "60").strip()
    return cid


def test_ps_shows_running_only_and_docker_columns(engine):
    cid = make_some(engine)
    lines = engine.out("ps").splitlines()
    assert lines[0].split() == ["CONTAINER", "ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]
    assert len(lines) == 2
    assert lines[1].startswith(cid[:12]) and lines[1].rstrip().endswith("live")
    assert "Up " in lines[1] and '"sleep 60"' in lines[1]


def test_ps_all_statuses(engine):
    make_some(engine)
    out = engine.out("ps", "-a")
    assert len(out.splitlines()) == 5
    line = {l.split()[-1]: l for l in out.splitlines()[1:]}
    assert "Exited (0)" in line["done0"]
    assert "Exited (3)" in line["done3"]
    assert "Created" in line["fresh"]
    assert "Up " in line["live"]


def test_ps_quiet_and_no_trunc(engine):
    cid = make_some(engine)
    assert engine.out("ps", "-q") == cid[:12] + "\n"
    assert engine.out("ps", "-q", "--no-trunc") == cid + "\n"
    assert len(engine.out("ps", "-a", "-q").split()) == 4


def test_ps_latest_and_last(engine):
    make_some(engine)
    assert engine.out("ps", "-l", "--format", "{{.Names}}") == "live\n"
    assert engine.out("ps", "-n", "2", "--format", "{{.Names}}").split() == ["live", "fresh"]


def test_ps_filter_status(engine):
    make_some(engine)
    assert sorted(engine.out("ps", "--filter", "status=exited", "--format", "{{.Names}}").split()) == ["done0", "done3"]
    assert engine.out("ps", "--filter", "status=created", "--format", "{{.Names}}").split() == ["fresh"]
    p = engine.run("ps", "--filter", "status=sleepy", check=False)
    assert p.returncode != 0 and "sleepy" in p.stderr


def test_ps_format_json(engine):
    cid = make_some(engine)
    rows = engine.json("ps", "-a", "--format", "json")
    assert isinstance(rows, list) and len(rows) == 4
    live = [r for r in rows if r["Names"] == "live"][0]
    assert live["ID"] == cid[:12] and live["State"] == "running" and live["Image"] == "busybox"
    assert {r["Names"] for r in rows} == {"done0", "done3", "fresh", "live"}


def test_ps_sees_a_process_that_died_without_its_monitor(engine):
    import os
    import signal
    engine.run("run", "-d", "--name", "orphan", "busybox", "sleep", "60")
    pid = engine.json("inspect", "orphan")[0]["State"]["Pid"]
    os.kill(pid, signal.SIGKILL)
    import time
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "orphan" in engine.out("ps", "--format", "{{.Names}}"):
        time.sleep(0.1)
    assert engine.out("ps", "-q") == ""
    assert engine.json("inspect", "orphan")[0]["State"]["Status"] == "exited"


def test_ps_filter_name_and_id(engine):
    cid = make_some(engine)
    assert engine.out("ps", "--filter", "name=liv", "--format", "{{.Names}}").split() == ["live"]
    # without -a a name filter sees running containers only, as docker's
    assert engine.out("ps", "--filter", "name=done", "-q") == ""
    assert sorted(engine.out("ps", "-a", "--filter", "name=done", "--format", "{{.Names}}").split()) == ["done0", "done3"]
    assert engine.out("ps", "--filter", "id=%s" % cid[:6], "-q") == cid[:12] + "\n"

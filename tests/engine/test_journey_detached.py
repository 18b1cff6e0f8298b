# SPDX-License-Identifier: Apache-2.0
"""A newcomer's background container: run -d, logs -f, stop, rm, with ps at each step."""

import os
import subprocess
import time

from journeylib import assert_nothing_left, pid_alive, store_snapshot, wait_for


def ps_rows(engine, *flags):
    """`cell ps [flags] --format json`: {name: row}."""
    return {r["Names"]: r for r in engine.json("ps", *flags, "--format", "json")}


def test_run_d_logs_f_stop_rm(engine):
    engine.run("image", "inspect", "busybox")
    before = store_snapshot(engine)
    assert ps_rows(engine) == {} and ps_rows(engine, "-a") == {}

    # a counter that prints one line at a time, then waits to be stopped
    script = ("trap 'echo stopping; exit 0' TERM; i=0; "
              "while [ $i -lt 3 ]; do i=$((i+1)); echo tick $i; "
              "while [ ! -e /tmp/next ]; do sleep 0.05; done; rm /tmp/next; done; "
              "echo done counting; while true; do sleep 0.05; done")
    p = engine.run("run", "-d", "--name", "web", "busybox", "sh", "-c", script)
    cid = p.stdout.strip()
    assert len(cid) == 64 and all(c in "0123456789abcdef" for c in cid), p.stdout
    assert p.stderr == ""

    # running: in ps and in ps -a, with its short id
    rows = ps_rows(engine)
    assert list(rows) == ["web"]
    assert rows["web"]["State"] == "running" and rows["web"]["Status"].startswith("Up")
    assert cid.startswith(rows["web"]["ID"])
    assert ps_rows(engine, "-a")["web"]["State"] == "running"
    assert engine.out("ps", "-q").split() == [cid[:12]]
    pid = engine.json("inspect", "web")[0]["State"]["Pid"]
    assert pid_alive(pid)

    # logs -f shows each line as the container prints it, not at the end
    f = engine.popen("logs", "-f", "web", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert f.stdout.readline() == "tick 1\n"
        for n in (2, 3):
            assert f.poll() is None, "logs -f ended while the container runs"
            engine.run("exec", "web", "touch", "/tmp/next")
            assert f.stdout.readline() == "tick %d\n" % n
        engine.run("exec", "web", "touch", "/tmp/next")
        assert f.stdout.readline() == "done counting\n"
        time.sleep(0.3)
        assert f.poll() is None, "logs -f ended while the container runs"

        # stop: the container's TERM handler runs, and logs -f ends with the container
        engine.run("stop", "web")
        out, err = f.communicate(timeout=30)
    finally:
        if f.poll() is None:
            f.kill()
            f.wait()
    assert f.returncode == 0, err
    assert out == "stopping\n"
    assert not pid_alive(pid)

    # stopped: gone from ps, in ps -a as exited with its status
    assert ps_rows(engine) == {}
    row = ps_rows(engine, "-a")["web"]
    assert row["State"] == "exited" and row["Status"].startswith("Exited (0)"), row
    state = engine.json("inspect", "web")[0]["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 0
    # its logs stay until rm
    assert engine.out("logs", "web") == "tick 1\ntick 2\ntick 3\ndone counting\nstopping\n"

    # rm: gone everywhere, the image untouched
    assert engine.out("rm", "web").strip() == "web"
    assert ps_rows(engine, "-a") == {}
    p = engine.run("logs", "web", check=False)
    assert p.returncode == 125 and "web" in p.stderr
    assert_nothing_left(engine, [cid])
    assert store_snapshot(engine) == before


def test_logs_f_of_a_finished_container_prints_all_and_ends(engine):
    engine.run("run", "-d", "--name", "quick", "busybox", "sh", "-c", "echo a; echo b >&2; echo c")
    assert engine.out("wait", "quick") == "0\n"
    p = engine.run("logs", "-f", "quick", timeout=30)
    assert p.stdout == "a\nc\n" and p.stderr == "b\n"


def test_stop_of_a_process_that_ignores_sigterm_kills_it_after_the_timeout(engine):
    # a shell that ignores TERM (pid 1 would ignore an unhandled TERM anyway;
    # trap '' makes it explicit in every case)
    engine.run("run", "-d", "--name", "stubborn", "busybox", "sh", "-c",
               "trap '' TERM; echo ready; while true; do sleep 0.05; done")
    wait_for(lambda: engine.out("logs", "stubborn") == "ready\n", what="the trap to be set")
    pid = engine.json("inspect", "stubborn")[0]["State"]["Pid"]
    t0 = time.monotonic()
    p = engine.run("stop", "-t", "2", "stubborn")
    took = time.monotonic() - t0
    assert p.stdout.strip() == "stubborn"
    # the timeout is a floor, not a measure of speed: stop waited for it
    assert took >= 2.0, "stop returned after %.2f s, before its 2 s timeout" % took
    state = engine.json("inspect", "stubborn")[0]["State"]
    assert state["Status"] == "exited"
    assert state["ExitCode"] == 137  # SIGKILL
    assert not pid_alive(pid)
    row = {r["Names"]: r for r in engine.json("ps", "-a", "--format", "json")}["stubborn"]
    assert row["Status"].startswith("Exited (137)"), row
    engine.run("rm", "stubborn")
    assert_nothing_left(engine, [])


def test_stop_with_the_default_timeout_of_a_process_that_ignores_sigterm(engine):
    engine.run("run", "-d", "--name", "stubborn", "busybox", "sh", "-c",
               "trap '' TERM; echo ready; while true; do sleep 0.05; done")
    wait_for(lambda: engine.out("logs", "stubborn") == "ready\n", what="the trap to be set")
    t0 = time.monotonic()
    engine.run("stop", "stubborn")
    # docker's default: 10 s of grace before SIGKILL
    assert time.monotonic() - t0 >= 10.0
    assert engine.json("inspect", "stubborn")[0]["State"]["ExitCode"] == 137


def test_stop_of_a_process_that_exits_on_sigterm_does_not_wait(engine):
    engine.run("run", "-d", "--name", "polite", "busybox", "sh", "-c",
               "trap 'exit 0' TERM; echo ready; while true; do sleep 0.05; done")
    wait_for(lambda: engine.out("logs", "polite") == "ready\n", what="the trap to be set")
    engine.run("stop", "-t", "600", "polite", timeout=60)
    assert engine.json("inspect", "polite")[0]["State"]["ExitCode"] == 0


def test_rm_of_a_stopped_container_frees_its_name(engine):
    engine.run("run", "-d", "--name", "again", "busybox", "sleep", "60")
    engine.run("stop", "-t", "0", "again")
    engine.run("rm", "again")
    assert engine.out("run", "--rm", "--name", "again", "busybox", "echo", "second") == "second\n"
    assert os.listdir(os.path.join(engine.storage, "containers")) == [".lock"]

# SPDX-License-Identifier: Apache-2.0
"""`cell logs`: streams apart, -t, --tail, --since/--until, -f until the container exits."""

import datetime
import os
import subprocess
import time

from monitorlib import exited, log_entries, run_d, wait_for


def go(engine, name):
    """Create /go in the container from the host (cp through its rootfs):
    `exec touch /go` would race the container's init, which exits as soon as
    the file appears and takes the exec'd process with it (137)."""
    src = os.path.join(engine.root, "go-file")
    open(src, "w").close()
    engine.run("cp", src, name + ":/go")

def _three_lines(engine):
    # apart in time: the order of the log between stdout and stderr is the
    # order the monitor read them in
    cid = run_d(engine, "--name", "talk", "busybox", "sh", "-c",
                "echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three")
    exited(engine, cid)
    assert [e["log"] for e in log_entries(engine, cid)] == ["one\n", "two\n", "three\n"]
    return cid


def test_logs_streams_apart(engine):
    _three_lines(engine)
    p = engine.run("logs", "talk")
    assert p.stdout == "one\nthree\n"
    assert p.stderr == "two\n"


def test_logs_timestamps_and_tail(engine):
    cid = _three_lines(engine)
    times = [e["time"] for e in log_entries(engine, cid)]
    p = engine.run("logs", "-t", "--tail", "2", "talk")
    # the last two entries: "two" (stderr) and "three" (stdout), each after its time
    assert p.stderr == "%s two\n" % times[1]
    assert p.stdout == "%s three\n" % times[2]
    assert engine.run("logs", "--tail", "0", "talk").stdout == ""
    assert engine.run("logs", "--tail", "all", "talk").stdout == "one\nthree\n"
    assert engine.run("logs", "--tail", "x", "talk", check=False).returncode == 125


def test_logs_since_until(engine):
    cid = _three_lines(engine)
    t = [e["time"] for e in log_entries(engine, cid)]
    # RFC 3339: entries at or after `since`, before `until`
    assert engine.run("logs", "--since", t[2], "talk").stdout == "three\n"
    assert engine.run("logs", "--until", t[2], "talk").stdout == "one\n"
    # a duration before now
    assert engine.run("logs", "--since", "10m", "talk").stdout == "one\nthree\n"
    future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    assert engine.run("logs", "--since", future.strftime("%Y-%m-%dT%H:%M:%SZ"), "talk").stdout == ""
    assert engine.run("logs", "--until", "1h", "talk").stdout == ""
    p = engine.run("logs", "--since", "yesterday", "talk", check=False)
    assert p.returncode == 125 and 'invalid time "yesterday"' in p.stderr


def test_logs_follow_ends_when_container_exits(engine):
    run_d(engine, "--name", "slow", "busybox", "sh", "-c",
          "echo first; while [ ! -e /go ]; do sleep 0.05; done; echo second; echo third >&2")
    f = engine.popen("logs", "-f", "slow", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert f.stdout.readline() == "first\n"
    time.sleep(0.2)
    assert f.poll() is None, "logs -f waits for more"
    go(engine, "slow")
    out, err = f.communicate(timeout=30)
    assert f.returncode == 0
    assert out == "second\n" and err == "third\n"


def test_logs_unknown_container(engine):
    p = engine.run("logs", "nope", check=False)
    assert p.returncode == 125 and "nope" in p.stderr


def test_logs_of_a_created_container_are_empty(engine):
    engine.run("create", "--name", "new", "busybox", "true")
    assert engine.run("logs", "-f", "new").stdout == ""

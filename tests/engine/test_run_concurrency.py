# SPDX-License-Identifier: Apache-2.0
"""Many commands at once, a terminal, and a `cell run` killed halfway."""

import os
import pty
import select
import signal
import subprocess
import time

import pytest


def test_concurrent_creates_with_one_name_make_one_container(engine):
    procs = [engine.popen("create", "--name", "same", "busybox", "true",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(8)]
    codes = [p.wait(timeout=120) for p in procs]
    assert codes.count(0) == 1
    assert all(c == 125 for c in codes if c != 0)
    assert len(engine.out("ps", "-a", "-q").split()) == 1


@pytest.mark.slow
def test_concurrent_run_rm_leave_a_consistent_store(engine):
    procs = [engine.popen("run", "--rm", "busybox", "sh", "-c", "echo $HOSTNAME",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(12)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    assert len({o[0] for o in outs}) == 12
    assert engine.out("ps", "-a", "-q") == ""
    assert engine.run("run", "--rm", "busybox", "true").returncode == 0


def test_run_tty_gives_a_terminal(engine):
    master, slave = pty.openpty()
    p = subprocess.Popen(engine.argv("run", "-t", "--rm", "busybox", "sh", "-c", "tty; echo TERM=$TERM"),
                         stdin=slave, stdout=slave, stderr=slave, env=engine.env(), start_new_session=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 1)
        if not r:
            if p.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    assert p.wait(timeout=30) == 0
    os.close(master)
    text = out.decode(errors="replace")
    assert "/dev/pts/" in text and "TERM=xterm" in text


def test_sigkilled_run_is_cleaned_by_rm_f(engine):
    p = engine.popen("run", "--name", "cut", "busybox", "sleep", "60",
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = engine.run("inspect", "--format", "{{.State.Status}}", "cut", check=False)
        if r.stdout.strip() == "running":
            break
        time.sleep(0.05)
    pid = engine.json("inspect", "cut")[0]["State"]["Pid"]
    p.send_signal(signal.SIGKILL)
    p.wait()
    # as with docker, the container outlives its client; rm -f finds and removes all of it
    engine.run("rm", "-f", "cut")
    assert engine.out("ps", "-a", "-q") == ""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists("/proc/%d" % pid):
        time.sleep(0.05)
    assert not os.path.exists("/proc/%d" % pid)
    with open("/proc/self/mountinfo") as f:
        assert engine.root not in f.read()

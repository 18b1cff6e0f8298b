# SPDX-License-Identifier: Apache-2.0
"""Container verbs: create, start, stop, kill, restart, rm, rename, wait, pause, update, top, port."""

import re
import time


def status(engine, name):
    return engine.json("inspect", name)[0]["State"]["Status"]


def wait_for(pred, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


def test_create_then_start_then_stop(engine):
    cid = engine.out("create", "--name", "c1", "busybox", "sleep", "60").strip()
    assert len(cid) == 64
    assert status(engine, "c1") == "created"
    engine.run("start", "c1")
    assert status(engine, "c1") == "running"
    pid = engine.json("inspect", "c1")[0]["State"]["Pid"]
    assert pid > 0
    # sleep as pid 1 ignores SIGTERM: stop falls back to SIGKILL after -t
    engine.run("stop", "-t", "1", "c1")
    state = engine.json("inspect", "c1")[0]["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 137
    assert state["FinishedAt"] != "0001-01-01T00:00:00Z"


def test_stop_uses_the_stop_signal(engine):
    engine.run("run", "-d", "--name", "trap", "--stop-signal", "USR1", "busybox", "sh", "-c",
               "trap 'exit 7' USR1; while true; do sleep 0.1; done")
    engine.run("stop", "-t", "20", "trap")
    assert engine.json("inspect", "trap")[0]["State"]["ExitCode"] == 7


def test_start_attached_returns_the_exit_status(engine):
    engine.run("create", "--name", "att", "busybox", "sh", "-c", "echo out; exit 5")
    p = engine.run("start", "-a", "att", check=False)
    assert p.returncode == 5
    assert p.stdout == "out\n"


def test_restart(engine):
    engine.run("run", "-d", "--name", "rs", "busybox", "sleep", "60")
    first = engine.json("inspect", "rs")[0]["State"]["Pid"]
    engine.run("restart", "-t", "1", "rs")
    state = engine.json("inspect", "rs")[0]["State"]
    assert state["Status"] == "running" and state["Pid"] != first


def test_kill_with_a_signal(engine):
    engine.run("run", "-d", "--name", "k", "busybox", "sh", "-c",
               "trap 'exit 3' TERM; while true; do sleep 0.1; done")
    engine.run("kill", "-s", "TERM", "k")
    assert engine.out("wait", "k") == "3\n"


def test_kill_of_a_stopped_container_is_an_error(engine):
    engine.run("create", "--name", "idle", "busybox", "true")
    p = engine.run("kill", "idle", check=False)
    assert p.returncode != 0 and "not running" in p.stderr


def test_wait_prints_the_exit_code(engine):
    engine.run("run", "-d", "--name", "w", "busybox", "sh", "-c", "sleep 0.5; exit 9")
    assert engine.out("wait", "w") == "9\n"


def test_rm_of_a_running_container_needs_force(engine):
    engine.run("run", "-d", "--name", "busy", "busybox", "sleep", "60")
    p = engine.run("rm", "busy", check=False)
    assert p.returncode == 125
    assert "cannot remove container" in p.stderr and "container is running" in p.stderr
    assert status(engine, "busy") == "running"
    engine.run("rm", "-f", "busy")
    assert engine.out("ps", "-a", "-q") == ""


def test_unknown_container(engine):
    for verb in ("start", "stop", "kill", "rm", "inspect", "wait", "pause"):
        p = engine.run(verb, "nosuch", check=False)
        assert p.returncode != 0
        assert "nosuch" in p.stderr, verb


def test_names_are_unique(engine):
    first = engine.out("create", "--name", "dup", "busybox", "true").strip()
    p = engine.run("create", "--name", "dup", "busybox", "true", check=False)
    assert p.returncode == 125
    assert 'the container name "/dup" is already in use by container "%s"' % first in p.stderr
    assert len(engine.out("ps", "-a", "-q").split()) == 1


def test_random_names_are_readable_and_distinct(engine):
    for _ in range(3):
        engine.run("create", "busybox", "true")
    names = engine.out("ps", "-a", "--format", "{{.Names}}").split()
    assert len(set(names)) == 3
    for n in names:
        assert re.fullmatch(r"[a-z]+_[a-z]+\d*", n), n


def test_lookup_by_id_prefix(engine):
    cid = engine.out("create", "--name", "pref", "busybox", "true").strip()
    assert engine.json("inspect", cid[:8])[0]["Name"] == "/pref"
    assert engine.json("inspect", cid)[0]["Name"] == "/pref"


def test_rename(engine):
    engine.run("create", "--name", "old", "busybox", "true")
    engine.run("create", "--name", "taken", "busybox", "true")
    p = engine.run("rename", "old", "taken", check=False)
    assert p.returncode == 125 and "already in use" in p.stderr
    engine.run("rename", "old", "new")
    assert engine.json("inspect", "new")[0]["Name"] == "/new"
    assert engine.run("inspect", "old", check=False).returncode != 0


def test_pause_and_unpause(engine):
    engine.run("run", "-d", "--name", "p", "busybox", "sleep", "60")
    engine.run("pause", "p")
    assert status(engine, "p") == "paused"
    assert "(Paused)" in engine.out("ps")
    engine.run("unpause", "p")
    assert status(engine, "p") == "running"


def test_update_limits(engine):
    engine.run("run", "-d", "--name", "u", "--memory", "64m", "busybox", "sleep", "60")
    engine.run("update", "--memory", "128m", "--pids-limit", "77", "u")
    script = ("cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; "
              "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max")
    pid = engine.json("inspect", "u")[0]["State"]["Pid"]
    # read the container's cgroup files through its own mount namespace
    import subprocess
    out = subprocess.run(["nsenter", "-t", str(pid), "-m", "-C", "sh", "-c", script],
                         capture_output=True, text=True).stdout.split()
    assert out == [str(128 << 20), "77"]
    assert engine.json("inspect", "u")[0]["HostConfig"]["Memory"] == 128 << 20


def test_top_lists_the_containers_processes(engine):
    engine.run("run", "-d", "--name", "t", "busybox", "sleep", "60")
    out = engine.out("top", "t")
    assert "PID" in out.splitlines()[0]
    assert "sleep 60" in out


def test_port_prints_nothing_for_none_and_host(engine):
    engine.run("create", "--name", "np", "--network", "none", "busybox", "true")
    assert engine.out("port", "np") == ""


def test_restart_policy_is_stored_and_rm_f_ends_it(engine):
    import os
    engine.run("run", "-d", "--name", "always", "--restart", "always", "busybox", "sleep", "60")
    hc = engine.json("inspect", "always")[0]["HostConfig"]
    assert hc["RestartPolicy"] == {"Name": "always", "MaximumRetryCount": 0}
    engine.run("rm", "-f", "always")
    time.sleep(1)
    assert engine.out("ps", "-a", "-q") == ""
    assert [n for n in os.listdir(os.path.join(engine.storage, "containers")) if not n.startswith(".")] == []


def test_restart_policy_on_failure_with_count(engine):
    engine.run("create", "--name", "of", "--restart", "on-failure:3", "busybox", "true")
    rp = engine.json("inspect", "of")[0]["HostConfig"]["RestartPolicy"]
    assert rp == {"Name": "on-failure", "MaximumRetryCount": 3}

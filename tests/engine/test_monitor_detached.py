# SPDX-License-Identifier: Apache-2.0
"""The monitor of detached containers (`cell run -d`): src/engine/monitor*.c, cell-monitor."""

import os
import signal
import subprocess
import time

from monitorlib import exited, log_entries, pid_alive, run_d, state, vm_rss_kb, wait_for


def runroot_left(engine):
    """What the runtime root holds apart from the shared seccomp cache and the
    shared directory of network namespace files when it is empty."""
    nsdir = os.path.join(engine.runroot, "netns")
    return [n for n in os.listdir(engine.runroot)
            if n != ".seccomp-cache" and not (n == "netns" and os.listdir(nsdir) == [])]


def test_run_d_prints_id_once_running_and_records_exit(engine):
    cid = run_d(engine, "busybox", "sh", "-c", "echo started; exec sleep 60")
    s = state(engine, cid)
    # the id is printed only once the process runs
    assert s["status"] == "running" and s["pid"] > 0 and pid_alive(s["pid"])
    assert s["monitor_pid"] > 0 and s["monitor_pid"] != s["pid"]
    with open("/proc/%d/cmdline" % s["monitor_pid"], "rb") as f:
        assert os.path.basename(f.read().split(b"\0")[0]) == b"cell-monitor"
    pid = s["pid"]
    os.kill(pid, signal.SIGKILL)
    s = exited(engine, cid)
    assert s["exit_code"] == 137
    assert s["finished_at"] and s["pid"] == 0
    assert not pid_alive(pid)
    assert [e["log"] for e in log_entries(engine, cid)] == ["started\n"]
    # nothing of the runtime container is left
    assert runroot_left(engine) == []


def test_monitor_rss_under_1mb(engine):
    cid = run_d(engine, "busybox", "sh", "-c", "while :; do echo tick; sleep 0.05; done")
    mon = state(engine, cid)["monitor_pid"]
    wait_for(lambda: len(log_entries(engine, cid)) >= 5, what="log lines")
    rss = vm_rss_kb(mon)
    assert rss <= 1024, "monitor RSS %d kB" % rss


def test_monitor_survives_session_leader(engine):
    # run -d from a shell in a session of its own that exits right away: the
    # terminal's session goes, the monitor stays
    script = "%s run -d busybox sleep 60 > %s/id" % (" ".join(engine.argv()), engine.root)
    subprocess.run(["setsid", "-w", "sh", "-c", script], check=True, timeout=60, env=engine.env())
    with open(os.path.join(engine.root, "id")) as f:
        cid = f.read().strip()
    s = state(engine, cid)
    mon = s["monitor_pid"]
    assert pid_alive(mon)
    with open("/proc/%d/stat" % mon) as f:
        fields = f.read().split(")")[-1].split()
    ppid, sid, tty = int(fields[1]), int(fields[3]), int(fields[4])
    # a session of its own, no controlling terminal, not our child
    assert sid != os.getsid(0)
    assert tty == 0
    assert ppid != os.getpid()
    # a hangup of the old session does not reach it
    time.sleep(0.2)
    assert pid_alive(mon) and pid_alive(s["pid"])


def test_restart_on_failure_2(engine):
    cid = run_d(engine, "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 4")
    s = exited(engine, cid)
    assert s["exit_code"] == 4
    assert s["restart_count"] == 2
    # three runs: the first and two restarts
    assert [e["log"] for e in log_entries(engine, cid)] == ["run\n"] * 3


def test_restart_stops_after_success(engine):
    cid = run_d(engine, "--restart", "on-failure:5", "busybox", "sh", "-c", "echo once")
    s = exited(engine, cid)
    assert s["exit_code"] == 0 and s["restart_count"] == 0
    assert len(log_entries(engine, cid)) == 1


def test_stop_by_user_does_not_restart(engine):
    cid = run_d(engine, "--restart", "always", "busybox", "sleep", "60")
    engine.run("stop", "-t", "1", cid)
    s = exited(engine, cid)
    assert s["restart_count"] == 0
    assert s["exit_code"] in (137, 143)
    time.sleep(0.3)
    assert state(engine, cid)["status"] == "exited"


def test_rm_detached_removes_itself(engine):
    cid = run_d(engine, "--rm", "busybox", "sh", "-c", "echo bye")
    wait_for(lambda: not os.path.exists(os.path.join(engine.storage, "containers", cid)),
             what="--rm container to go")
    assert engine.out("ps", "-a", "-q").strip() == ""


def test_failing_start_reported_by_run_d(engine):
    p = engine.run("run", "-d", "--name", "bad", "busybox", "/nonexistent", check=False)
    assert p.returncode == 127, p
    assert "/nonexistent" in p.stderr
    assert p.stdout.strip() == ""
    # no process or runtime state left
    assert runroot_left(engine) == []
    p = engine.run("run", "-d", "--rm", "busybox", "/nonexistent", check=False)
    assert p.returncode == 127
    assert "bad" in engine.out("ps", "-a")
    ids = engine.out("ps", "-a", "-q").split()
    assert len(ids) == 1, "the --rm container is gone, the other one stays"


def test_sigkill_of_monitor_then_rm_f_cleans(engine):
    cid = run_d(engine, "busybox", "sleep", "60")
    s = state(engine, cid)
    os.kill(s["monitor_pid"], signal.SIGKILL)
    wait_for(lambda: not pid_alive(s["monitor_pid"]), what="monitor to die")
    assert pid_alive(s["pid"]), "the container outlives its monitor"
    engine.run("rm", "-f", cid)
    wait_for(lambda: not pid_alive(s["pid"]), what="container process to go")
    assert not os.path.exists(os.path.join(engine.storage, "containers", cid))
    assert runroot_left(engine) == []


def test_detached_with_a_terminal(engine):
    cid = run_d(engine, "-t", "busybox", "sh", "-c", "tty; echo x")
    exited(engine, cid)
    entries = log_entries(engine, cid)
    assert "".join(e["log"] for e in entries) == "/dev/pts/0\r\nx\r\n"
    assert all(e["stream"] == "stdout" for e in entries)
    # the console socket the monitor received the pty on is gone
    assert not [n for n in os.listdir(os.path.join(engine.storage, "containers", cid))
                if n.endswith(".sock")]


def test_rm_f_of_a_running_container_ends_its_monitor(engine):
    for i in range(5):
        cid = run_d(engine, "busybox", "sleep", "60")
        s = state(engine, cid)
        engine.run("rm", "-f", cid)
        wait_for(lambda: not pid_alive(s["monitor_pid"]), what="the monitor to end")
        assert not pid_alive(s["pid"])
        assert not os.path.exists(os.path.join(engine.storage, "containers", cid))

# SPDX-License-Identifier: Apache-2.0
"""`cell run` with the built-in busybox image: output, exit codes, the rootfs."""

import os
import signal
import subprocess
import time

import pytest


def test_run_echo_prints_to_stdout(engine):
    p = engine.run("run", "busybox", "echo", "hi")
    assert p.stdout == "hi\n"


@pytest.mark.parametrize("code", [0, 1, 42])
def test_run_exit_status_is_the_containers(engine, code):
    p = engine.run("run", "busybox", "sh", "-c", "exit %d" % code, check=False)
    assert p.returncode == code


def test_run_command_not_found_is_127(engine):
    p = engine.run("run", "busybox", "no-such-command", check=False)
    assert p.returncode == 127
    assert "no-such-command" in p.stderr


def test_run_command_not_executable_is_126(engine):
    p = engine.run("run", "busybox", "/etc/passwd", check=False)
    assert p.returncode == 126
    assert "/etc/passwd" in p.stderr


def test_run_unknown_image_is_125(engine):
    p = engine.run("run", "--pull", "never", "no-such-image", "true", check=False)
    assert p.returncode == 125
    assert "no-such-image" in p.stderr


def test_run_killed_container_exits_137(engine):
    proc = engine.popen("run", "--name", "victim", "busybox", "sleep", "60",
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "running" in engine.out("inspect", "--format", "{{.State.Status}}", "victim", check=False):
                break
            time.sleep(0.1)
        engine.run("kill", "victim")
        assert proc.wait(timeout=30) == 137
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    state = engine.json("inspect", "victim")[0]["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 137


def test_run_rootfs_is_the_image_on_overlay(engine):
    out = engine.out("run", "busybox", "sh", "-c", "grep ' / ' /proc/mounts; ls /bin/busybox")
    assert " / overlay " in out
    assert "/bin/busybox" in out


def test_run_writes_go_to_the_containers_upper_not_the_layer(engine):
    engine.run("run", "--name", "writer", "busybox", "sh", "-c", "echo mine > /bin/newfile; rm /bin/ls")
    info = engine.json("inspect", "writer")[0]
    upper = info["GraphDriver"]["Data"]["UpperDir"]
    lowers = info["GraphDriver"]["Data"]["LowerDir"].split(":")
    assert open(os.path.join(upper, "bin/newfile")).read() == "mine\n"
    # the deletion is a whiteout in the upper; the shared layer keeps its file
    assert os.path.exists(os.path.join(upper, "bin/ls"))
    assert any(os.path.lexists(os.path.join(l, "bin/ls")) for l in lowers)
    assert not any(os.path.exists(os.path.join(l, "bin/newfile")) for l in lowers)
    # a second container of the same image sees the image, not the first one's writes
    out = engine.out("run", "busybox", "sh", "-c", "ls /bin/newfile 2>&1; ls /bin/ls")
    assert "No such file" in out and "/bin/ls" in out


def test_run_rm_leaves_nothing(engine):
    engine.run("run", "--rm", "--name", "gone", "busybox", "true")
    assert engine.out("ps", "-a", "-q") == ""
    containers = os.path.join(engine.storage, "containers")
    assert [n for n in os.listdir(containers) if not n.startswith(".")] == []
    with open("/proc/self/mountinfo") as f:
        assert engine.root not in f.read()


def test_run_rm_after_failure_leaves_nothing(engine):
    p = engine.run("run", "--rm", "busybox", "no-such-command", check=False)
    assert p.returncode == 127
    assert engine.out("ps", "-a", "-q") == ""


def test_run_detached_prints_id_and_runs(engine):
    cid = engine.out("run", "-d", "busybox", "sleep", "60").strip()
    assert len(cid) == 64 and all(c in "0123456789abcdef" for c in cid)
    assert engine.json("inspect", cid)[0]["State"]["Running"] is True
    engine.run("rm", "-f", cid)

# SPDX-License-Identifier: Apache-2.0
"""--init: cell-init as pid 1 reaps zombies, forwards signals, exits with the command's status."""

import subprocess

from monitorlib import run_d, wait_for


# The command forks a child that forks a grandchild and exits at once: the
# grandchild, orphaned, goes to pid 1; it writes its pid, then exits.
ORPHAN = 'sh -c \'sh -c "echo \\$\\$ > /gc.tmp; mv /gc.tmp /gc; sleep 0.2" & exit 0\'; exec sleep 300'


def _orphan_state(engine, name):
    """The grandchild's state: None before it ran, "gone" once reaped, else its /proc state."""
    p = engine.run("exec", name, "sh", "-c", "cat /gc && cat /proc/$(cat /gc)/stat", check=False)
    lines = p.stdout.splitlines()
    if not lines:
        return None
    if len(lines) == 1:
        return "gone"
    return lines[1].split(")")[-1].split()[0]


def test_init_is_pid_1_and_reaps_zombies(engine):
    run_d(engine, "--init", "--name", "z", "busybox", "sh", "-c", ORPHAN)
    cmdline = engine.out("exec", "z", "cat", "/proc/1/cmdline").split("\0")
    assert cmdline[0].endswith("cell-init")
    assert engine.out("exec", "z", "cat", "/proc/2/comm") == "sleep\n"
    # reaped: not even a zombie
    wait_for(lambda: _orphan_state(engine, "z") == "gone", what="the orphan to be reaped")


def test_without_init_the_orphan_stays_a_zombie(engine):
    # the same without --init: pid 1 is sleep, which never waits
    run_d(engine, "--name", "noinit", "busybox", "sh", "-c", ORPHAN)
    wait_for(lambda: _orphan_state(engine, "noinit") == "Z", what="a zombie without an init")


def test_init_exit_status_and_signals(engine):
    p = engine.run("run", "--rm", "--init", "busybox", "sh", "-c", "exit 6", check=False)
    assert p.returncode == 6
    proc = engine.popen("run", "--rm", "--init", "busybox", "sh", "-c",
                        "trap 'exit 33' TERM; echo ready; while :; do sleep 0.1; done",
                        stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    proc.terminate()
    proc.communicate(timeout=30)
    assert proc.returncode == 33
    # a command killed by a signal: 128 + N (sleep has no handler; cell-init passes TERM on)
    proc = engine.popen("run", "--rm", "--init", "busybox", "sh", "-c", "echo ready; exec sleep 60",
                        stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    proc.terminate()
    proc.communicate(timeout=30)
    assert proc.returncode == 143
    p = engine.run("run", "--rm", "--init", "busybox", "/nonexistent", check=False)
    assert p.returncode == 127

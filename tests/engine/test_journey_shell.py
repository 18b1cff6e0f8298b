# SPDX-License-Identifier: Apache-2.0
"""A newcomer at a terminal: a shell with -it, a pipe with -i, Ctrl-C."""

import time

from journeylib import Terminal, assert_nothing_left, store_snapshot, wait_for


def test_run_it_gives_a_working_shell(engine):
    engine.run("image", "inspect", "busybox")  # the built-in image, made on first use
    before = store_snapshot(engine)
    t = Terminal(engine, "run", "-it", "--rm", "--name", "sh1", "busybox", "sh")
    try:
        assert t.read_until(b"/ # "), "no shell prompt; the terminal showed %r" % t.output
        # what a person types, with the Enter key's carriage return
        t.type(b"echo $((6*7)); exit 3\r")
        assert t.wait(timeout=60) == 3, t.text()
    finally:
        t.close()
    lines = t.text().replace("\r\n", "\n").split("\n")
    # the terminal echoes the command line after the prompt; the shell's
    # answer is a line of its own
    assert any(l.endswith("echo $((6*7)); exit 3") for l in lines), lines
    assert "42" in lines, t.text()
    assert_nothing_left(engine, [])
    assert store_snapshot(engine) == before


def test_run_it_shell_has_the_terminal_as_its_own(engine):
    t = Terminal(engine, "run", "-it", "--rm", "busybox", "sh")
    try:
        assert t.read_until(b"/ # "), t.text()
        t.type(b"tty; stty size; echo pid=$$\r")
        assert t.read_until(b"pid=1"), t.text()
        t.type(b"exit\r")
        assert t.wait(timeout=60) == 0, t.text()
    finally:
        t.close()
    out = t.text()
    assert "/dev/pts/0" in out or "/dev/console" in out, out


def test_run_i_reads_piped_stdin(engine):
    data = "".join("line %d\n" % i for i in range(2000))
    p = engine.run("run", "-i", "--rm", "busybox", "cat", input=data)
    assert p.returncode == 0
    assert p.stdout == data
    p = engine.run("run", "-i", "--rm", "busybox", "sh", "-c", "wc -l; exit 4", input=data, check=False)
    assert p.returncode == 4, p.stderr
    assert p.stdout.strip() == "2000"


def test_run_without_i_does_not_read_stdin(engine):
    # docker's behaviour: without -i the container's stdin is empty
    p = engine.run("run", "--rm", "busybox", "cat", input="not for the container\n")
    assert p.returncode == 0
    assert p.stdout == ""


# As with docker and podman, a container's init that leaves SIGINT at its
# default action never sees Ctrl-C (the kernel drops such signals to a pid
# namespace's init); --init puts cell-init there, which passes the signal on
# to the command, for which the default action applies.

def test_ctrl_c_stops_a_foreground_run(engine):
    t = Terminal(engine, "run", "--init", "--name", "nap", "busybox", "sleep", "100")
    try:
        wait_for(lambda: engine.run("inspect", "--format", "{{.State.Status}}", "nap",
                                    check=False).stdout.strip() == "running",
                 what="container nap to run")
        time.sleep(0.2)  # a person's reaction time; and cell is in its relay loop
        # Ctrl-C on the terminal: the kernel sends SIGINT to cell's process group
        t.type(b"\x03")
        status = t.wait(timeout=15)
        assert status is not None, "cell run still runs 15 s after Ctrl-C"
    finally:
        t.close()
    # the shell's convention for a command stopped by SIGINT: 128 + 2
    assert status == 130, t.text()
    state = engine.json("inspect", "nap")[0]["State"]
    assert state["Status"] == "exited"
    assert engine.out("ps", "-q") == ""
    engine.run("rm", "nap")
    assert_nothing_left(engine, [])


def test_ctrl_c_stops_a_foreground_run_rm(engine):
    t = Terminal(engine, "run", "--rm", "--init", "--name", "nap", "busybox", "sleep", "100")
    try:
        wait_for(lambda: engine.run("inspect", "--format", "{{.State.Status}}", "nap",
                                    check=False).stdout.strip() == "running",
                 what="container nap to run")
        cid = engine.json("inspect", "nap")[0]["Id"]
        time.sleep(0.2)
        t.type(b"\x03")
        status = t.wait(timeout=15)
        assert status is not None, "cell run --rm still runs 15 s after Ctrl-C"
    finally:
        t.close()
    assert status == 130, t.text()
    assert_nothing_left(engine, [cid])

# SPDX-License-Identifier: Apache-2.0
"""The foreground monitor (`cell run` without -d): relay, log, signals, pty."""

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time

from monitorlib import log_entries


def test_foreground_streams_status_and_log(engine):
    p = engine.run("run", "--name", "fg", "busybox", "sh", "-c",
                   "echo out1; echo err1 >&2; echo out2; exit 7", check=False)
    assert p.returncode == 7
    assert p.stdout == "out1\nout2\n"
    assert p.stderr == "err1\n"
    cid = engine.out("ps", "-a", "-q", "--no-trunc").strip()
    entries = log_entries(engine, cid)
    assert [(e["stream"], e["log"]) for e in entries] == [
        ("stdout", "out1\n"), ("stderr", "err1\n"), ("stdout", "out2\n")] or \
        sorted((e["stream"], e["log"]) for e in entries) == [
            ("stderr", "err1\n"), ("stdout", "out1\n"), ("stdout", "out2\n")]
    assert all(e["time"].endswith("Z") for e in entries)


def test_foreground_stdin_with_i(engine):
    p = engine.run("run", "--rm", "-i", "busybox", "tr", "a-z", "A-Z", input="hello\n")
    assert p.stdout == "HELLO\n"
    # without -i the container reads /dev/null
    p = engine.run("run", "--rm", "busybox", "cat", input="ignored\n")
    assert p.stdout == ""


def test_foreground_exit_by_signal(engine):
    proc = engine.popen("run", "--name", "sig", "busybox", "sh", "-c", "echo ready; exec sleep 60",
                        stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    engine.run("kill", "-s", "KILL", "sig")
    proc.communicate(timeout=30)
    assert proc.returncode == 137
    assert engine.json("inspect", "sig")[0]["State"]["ExitCode"] == 137


def test_signals_forwarded(engine):
    proc = engine.popen("run", "--rm", "busybox", "sh", "-c",
                        "trap 'echo got TERM; exit 42' TERM; echo ready; while :; do sleep 0.1; done",
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 42
    assert out == "got TERM\n"


def _set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _pty_session(engine, args, steps, timeout=30, size=None):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(engine.env())
        os.execv(engine.binary, engine.argv(*args))
    if size:
        _set_size(fd, *size)
    out = b""

    def read_until(needle):
        nonlocal out
        deadline = time.monotonic() + timeout
        while needle not in out:
            if time.monotonic() > deadline:
                raise AssertionError("no %r in %r" % (needle, out))
            r, _, _ = select.select([fd], [], [], 0.5)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
    for send, expect in steps:
        if callable(send):
            send(fd)
        elif send is not None:
            os.write(fd, send)
        read_until(expect)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return out, os.waitstatus_to_exitcode(status)


def test_run_it_through_a_pty(engine):
    out, code = _pty_session(engine, ["run", "-it", "--rm", "busybox", "sh"], [
        (None, b"# "),
        (b"stty size; tty; echo $((6*7))\n", b"42"),
        (b"exit 5\n", b"exit 5"),
    ])
    assert code == 5
    assert b"/dev/pts/0" in out


def test_run_it_window_size(engine):
    # our terminal's size reaches the container, and so does a change of it (SIGWINCH)
    out, code = _pty_session(engine, ["run", "-it", "--rm", "busybox", "sh"], [
        (None, b"# "),
        (b"stty size\n", b"33 111"),
        (lambda fd: _set_size(fd, 44, 122), b""),
        (b"stty size\n", b"44 122"),
        (b"exit\n", b"exit"),
    ], size=(33, 111))
    assert code == 0

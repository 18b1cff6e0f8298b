# SPDX-License-Identifier: Apache-2.0
"""`cell attach` through the monitor's attach socket."""

import os
import pty
import select
import subprocess
import time

from monitorlib import exited, pid_alive, run_d, state


def test_attach_stdio_and_exit_status(engine):
    run_d(engine, "-i", "--name", "a", "busybox", "sh", "-c",
          'while read l; do echo "out $l"; echo "err $l" >&2; [ "$l" = quit ] && exit 9; done')
    p = engine.popen("attach", "a", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
    # attach reads our input only once connected: the answer comes through it
    p.stdin.write("one\n")
    p.stdin.flush()
    assert p.stdout.readline() == "out one\n"
    assert p.stderr.readline() == "err one\n"
    p.stdin.write("quit\n")
    p.stdin.flush()
    out, err = p.communicate(timeout=30)
    assert p.returncode == 9, (out, err, engine.json("inspect", "a")[0]["State"],
                               engine.run("logs", "a", check=False))
    assert out == "out quit\n" and err == "err quit\n"


def test_attach_tty_and_detach_keys(engine):
    cid = run_d(engine, "-it", "--name", "t", "busybox", "sh")
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(engine.env())
        os.execv(engine.binary, engine.argv("attach", "t"))
    out = b""

    def until(needle):
        nonlocal out
        deadline = time.monotonic() + 30
        while needle not in out:
            assert time.monotonic() < deadline, out
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return
    os.write(fd, b"echo $((6*7))\n")
    until(b"42")
    os.write(fd, b"\x10\x11")  # ctrl-p ctrl-q
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    s = state(engine, cid)
    assert s["status"] == "running" and pid_alive(s["pid"]), "detaching leaves it running"


def test_attach_to_stopped_container(engine):
    cid = run_d(engine, "--name", "done", "busybox", "true")
    exited(engine, cid)
    p = engine.run("attach", "done", check=False)
    assert p.returncode == 125 and "not running" in p.stderr

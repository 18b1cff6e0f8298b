# SPDX-License-Identifier: Apache-2.0
"""`cell exec`: exit codes as docker's, -u/-w/-e, -i, -d, -it through a pty."""

import os
import pty
import select
import time

from monitorlib import run_d, wait_for


def _sleeper(engine):
    return run_d(engine, "--name", "box", "busybox", "sleep", "300")


def test_exec_status_and_output(engine):
    _sleeper(engine)
    p = engine.run("exec", "box", "sh", "-c", "echo out; echo err >&2; exit 9", check=False)
    assert (p.returncode, p.stdout, p.stderr) == (9, "out\n", "err\n")
    assert engine.run("exec", "box", "true").returncode == 0


def test_exec_not_found_and_cannot_execute(engine):
    _sleeper(engine)
    p = engine.run("exec", "box", "/nonexistent", check=False)
    assert p.returncode == 127 and "/nonexistent" in p.stderr
    p = engine.run("exec", "box", "nosuchcommand", check=False)
    assert p.returncode == 127
    p = engine.run("exec", "box", "/etc", check=False)
    assert p.returncode == 126
    engine.run("exec", "box", "sh", "-c", "echo 'echo hi' > /noexec; chmod 644 /noexec")
    assert engine.run("exec", "box", "/noexec", check=False).returncode == 126


def test_exec_user_workdir_env(engine):
    _sleeper(engine)
    out = engine.out("exec", "-u", "nobody", "-w", "/tmp", "-e", "FOO=bar", "-e", "HOST_VAR",
                     "box", "sh", "-c", "id -u; id -g; pwd; echo $FOO; echo $HOST_VAR",
                     env={"HOST_VAR": "from-host"})
    assert out == "65534\n65534\n/tmp\nbar\nfrom-host\n"
    assert engine.out("exec", "-u", "1234:5678", "box", "sh", "-c", "id -u; id -g") == "1234\n5678\n"
    p = engine.run("exec", "-u", "nosuchuser", "box", "true", check=False)
    assert p.returncode == 125 and "nosuchuser" in p.stderr


def test_exec_stdin_only_with_i(engine):
    _sleeper(engine)
    assert engine.out("exec", "-i", "box", "cat", input="piped\n") == "piped\n"
    assert engine.out("exec", "box", "cat", input="piped\n") == ""


def test_exec_detached(engine):
    _sleeper(engine)
    p = engine.run("exec", "-d", "box", "sh", "-c", "sleep 0.2; echo done > /marker")
    assert p.stdout == ""
    wait_for(lambda: engine.run("exec", "box", "cat", "/marker", check=False).stdout == "done\n",
             what="the detached exec")


def test_exec_in_a_stopped_container(engine):
    engine.run("create", "--name", "idle", "busybox", "true")
    p = engine.run("exec", "idle", "true", check=False)
    assert p.returncode == 125 and "is not running" in p.stderr


def test_exec_it_through_a_pty(engine):
    _sleeper(engine)
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(engine.env())
        os.execv(engine.binary, engine.argv("exec", "-it", "box", "sh"))
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
    until(b"# ")
    os.write(fd, b"tty; echo $((7*6))\n")
    until(b"42")
    os.write(fd, b"exit 3\n")
    until(b"exit 3")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 3
    assert b"/dev/pts/" in out

# SPDX-License-Identifier: Apache-2.0
"""process.terminal: the pty master over --console-socket (runc's
docs/terminals.md), and the foreground relay of `run`."""

import json
import os
import pty
import select
import socket
import subprocess
import time

import pytest

from bundles import is_cell


def read_until(fd, needle, timeout=10):
    """Read from a pty master until `needle` shows up, EOF/EIO, or timeout."""
    buf = b""
    deadline = time.monotonic() + timeout
    while needle.encode() not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the slave side is gone
            break
        if not chunk:
            break
        buf += chunk
    return buf.decode(errors="replace")


def read_all(fd, timeout=10):
    return read_until(fd, "\0never\0", timeout)


class ConsoleSocket:
    """Listens on a unix socket and receives one fd over SCM_RIGHTS."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)

    def receive(self, timeout=10):
        self.sock.settimeout(timeout)
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(timeout)
            msg, fds, _, _ = socket.recv_fds(conn, 4096, 1)
        assert len(fds) == 1, "no fd received over the console socket"
        return fds[0]

    def close(self):
        self.sock.close()
        os.unlink(self.path)


@pytest.fixture
def console(testdir):
    c = ConsoleSocket(os.path.join(testdir, "console.sock"))
    yield c
    c.close()


def create_with_console(cell, b, console, cid):
    b.process["terminal"] = True
    b.save()
    proc = cell.popen("create", "--bundle", b.path, "--console-socket", console.path, cid,
                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        master = console.receive()
    except Exception:
        proc.kill()
        raise
    finally:
        rc = proc.wait(timeout=20)
        err = proc.stderr.read()
        proc.stderr.close()
    assert rc == 0, err
    return master


def test_console_socket_shell(cell, bundle, console):
    b = bundle("/bin/sh")
    cid = cell.new_id()
    master = create_with_console(cell, b, console, cid)
    try:
        cell.start(cid)
        os.write(master, b"echo h''i; exit 4\n")
        out = read_all(master)
        assert "\nhi\r\n" in out or out.startswith("hi\r\n") or "\r\nhi\r\n" in out, out
        cell.wait_status(cid, "stopped")
    finally:
        os.close(master)
        cell.delete(cid, force=True)


def test_console_socket_probe_sees_tty(cell, bundle, console):
    b = bundle("/probe", "tty", "sleep", "0.5")
    b.process["consoleSize"] = {"height": 33, "width": 111}
    cid = cell.new_id()
    master = create_with_console(cell, b, console, cid)
    try:
        cell.start(cid)
        out = read_until(master, "}\r\n")
        info = json.loads(out[out.index("{"):out.rindex("}") + 1])
        tty = info["tty"]
        assert tty["isatty0"] and tty["isatty1"] and tty["isatty2"]
        assert tty["ttyname"].startswith("/dev/pts/")
        assert tty["ctty"] is True
        assert tty["winsize"] == [33, 111]
    finally:
        os.close(master)
        cell.delete(cid, force=True)


def test_console_pty_given_to_the_user(cell, bundle, console):
    """With terminal: true the pty is the process uid's, its group kept (the
    devpts gid), so the process can reopen it (runc's fixStdioPermissions)."""
    b = bundle("/bin/sh", "-c", "echo reopened >/proc/self/fd/1; "
               "stat -L -c 'owner=%u:%g' /proc/self/fd/0; sleep 0.5")
    b.process["user"] = {"uid": 1000, "gid": 1000}
    cid = cell.new_id()
    master = create_with_console(cell, b, console, cid)
    try:
        cell.start(cid)
        out = read_until(master, "owner=")
        out += read_until(master, "\n")
        assert "reopened" in out, out
        assert "owner=1000:5" in out, out
    finally:
        os.close(master)
        cell.delete(cid, force=True)


def test_console_master_is_a_pty(cell, bundle, console):
    b = bundle("/probe", "sleep", "100")
    cid = cell.new_id()
    master = create_with_console(cell, b, console, cid)
    try:
        assert os.isatty(master)
        target = os.readlink("/proc/self/fd/%d" % master)
        assert target in ("/dev/ptmx", "/dev/pts/ptmx") or target.endswith("ptmx"), target
    finally:
        os.close(master)
        cell.delete(cid, force=True)


def test_terminal_without_console_socket_fails(cell, bundle):
    b = bundle("/bin/sh")
    b.process["terminal"] = True
    p = cell.create(b, None, check=False)
    assert p.returncode == 1
    if is_cell():
        assert "console" in p.stderr
    assert cell.run("list", "-q").stdout == ""


def test_console_socket_without_terminal_is_ignored_or_refused(cell, bundle, testdir):
    """runc refuses --console-socket without process.terminal."""
    b = bundle("/probe", "exit", "0")
    p = cell.create(b, None, "--console-socket", os.path.join(testdir, "nosock"), check=False)
    if p.returncode == 0:
        cell.force_cleanup()
    assert cell.run("list", "-q").stdout == "" or p.returncode == 0


def test_console_socket_missing_path(cell, bundle, testdir):
    b = bundle("/bin/sh")
    b.process["terminal"] = True
    sock = os.path.join(testdir, "does-not-exist.sock")
    p = cell.create(b, None, "--console-socket", sock, check=False)
    assert p.returncode == 1
    if is_cell():
        assert sock in p.stderr
    assert cell.run("list", "-q").stdout == ""


def test_run_foreground_terminal(cell, bundle):
    """`run` with terminal=true and no console socket relays its own tty."""
    b = bundle("/bin/sh")
    b.process["terminal"] = True
    b.save()
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(cell.cmd("run", "--bundle", b.path, cell.new_id()),
                                stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        slave = None
        os.write(master, b"echo h''i; exit 4\n")
        out = read_all(master, timeout=10)
        rc = proc.wait(timeout=10)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert "hi" in out, out
    assert rc == 4


def test_run_foreground_terminal_probe(cell, bundle):
    b = bundle("/probe", "tty")
    b.process["terminal"] = True
    b.save()
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(cell.cmd("run", "--bundle", b.path, cell.new_id()),
                                stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        slave = None
        out = read_all(master, timeout=10)
        rc = proc.wait(timeout=10)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert rc == 0, out
    info = json.loads(out[out.index("{"):out.rindex("}") + 1])
    assert info["tty"]["isatty0"] and info["tty"]["isatty1"]
    assert info["tty"]["ttyname"].startswith("/dev/pts/")

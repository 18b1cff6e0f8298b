# SPDX-License-Identifier: Apache-2.0
"""linux.seccomp around the runtime's own last steps: the filter is loaded
last, so profiles that leave out calls only the runtime makes (openat2,
clone3) still work, and a listenerPath agent gets the SCMP_ACT_NOTIFY fd
(with the container-process state) before anything waits on it: for the
container's process and for every `exec`."""

import array
import importlib.util
import json
import os
import select
import socket
import struct
import subprocess
import threading

import pytest

from bundles import REPO, Sleeper, is_cell

# struct seccomp_notif is 80 bytes, struct seccomp_notif_resp 24 (linux/seccomp.h).
NOTIF_RECV = 0xC0502100  # SECCOMP_IOWR(0, struct seccomp_notif)
NOTIF_SEND = 0xC0182101  # SECCOMP_IOWR(1, struct seccomp_notif_resp)
USER_NOTIF_FLAG_CONTINUE = 1


class Agent:
    """A listenerPath agent: accepts connections, keeps each message (the
    seccomp state JSON) and its fd, and answers every notification on those
    fds with "continue" (the call runs as if not filtered)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(16)
        self.states = []
        self.notifications = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        while not self.stop.is_set():
            r, _, _ = select.select([self.sock], [], [], 0.1)
            if not r:
                continue
            conn, _ = self.sock.accept()
            fds = array.array("i")
            msg, anc, _, _ = conn.recvmsg(1 << 16, socket.CMSG_SPACE(fds.itemsize))
            conn.close()
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
            with self.lock:
                self.states.append((json.loads(msg.decode()), len(fds)))
            for fd in fds:
                t = threading.Thread(target=self._serve, args=(fd,), daemon=True)
                self.threads.append(t)
                t.start()

    def _serve(self, fd):
        import fcntl
        try:
            while not self.stop.is_set():
                r, _, _ = select.select([fd], [], [], 0.1)
                if not r:
                    continue
                buf = bytearray(80)
                try:
                    fcntl.ioctl(fd, NOTIF_RECV, buf, True)
                except OSError:
                    return  # the filtered processes are gone
                notif_id = struct.unpack_from("=Q", buf)[0]
                resp = bytearray(struct.pack("=QqiI", notif_id, 0, 0, USER_NOTIF_FLAG_CONTINUE))
                try:
                    fcntl.ioctl(fd, NOTIF_SEND, resp, True)
                except OSError:
                    pass  # the caller died meanwhile
                with self.lock:
                    self.notifications += 1
        finally:
            os.close(fd)

    def received(self):
        with self.lock:
            return list(self.states)

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(5)
        self.sock.close()


@pytest.fixture
def agent(testdir):
    a = Agent(os.path.join(testdir, "agent.sock"))
    yield a
    a.close()


def notify_profile(listener):
    return {
        "defaultAction": "SCMP_ACT_ALLOW",
        "listenerPath": listener,
        "listenerMetadata": "cell-test",
        "syscalls": [{"names": ["openat", "read", "close"], "action": "SCMP_ACT_NOTIFY"}],
    }


def allow_list_without(*missing):
    """podman's default profile (an allow-list, native architecture) with an
    EPERM default and without the syscalls `missing`."""
    spec = importlib.util.spec_from_file_location(
        "seccomp_profile", os.path.join(REPO, "bench", "seccomp_profile.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with open("/usr/share/containers/seccomp.json") as f:
        seccomp = mod.convert(json.load(f), native_only=True)["linux"]["seccomp"]
    rules = []
    for rule in seccomp["syscalls"]:
        rule = dict(rule, names=[n for n in rule["names"] if n not in missing])
        if rule["names"]:
            rules.append(rule)
    seccomp["syscalls"] = rules
    seccomp["defaultErrnoRet"] = 1
    return seccomp


# ---- SCMP_ACT_NOTIFY and the listener --------------------------------------------------

@pytest.mark.parametrize("nnp", [False, True])
def test_notify_run_completes_and_agent_gets_fd(cell, bundle, agent, nnp):
    """NOTIFY on openat/read/close: the runtime's own calls of those after
    the filter is loaded would wait for an agent that has no fd yet.  `run`
    returns (a hang fails by timeout), the agent got one fd with the state,
    and the process saw its calls answered by it."""
    b = bundle("/bin/sh", "-c", "cat /etc/group >/dev/null && echo done")
    b.process["noNewPrivileges"] = nnp
    b.linux["seccomp"] = notify_profile(agent.path)
    p = cell.run_bundle(b, timeout=20)
    assert p.returncode == 0, p.stderr
    assert "done" in p.stdout
    got = agent.received()
    assert len(got) == 1 and got[0][1] == 1, got
    state, _ = got[0]
    assert state["fds"] == ["seccompFd"]
    assert state["metadata"] == "cell-test"
    assert agent.notifications > 0


@pytest.mark.parametrize("nnp", [False, True])
def test_notify_state_is_creating(cell, bundle, agent, nnp):
    """The container-process state sent with the listener fd is the one of
    a container being created, as runc sends it (status "creating")."""
    b = bundle("/bin/true")
    b.process["noNewPrivileges"] = nnp
    b.linux["seccomp"] = notify_profile(agent.path)
    p = cell.run_bundle(b, timeout=20)
    assert p.returncode == 0, p.stderr
    got = agent.received()
    assert got, "the agent got no listener fd"
    state = got[0][0]
    assert state["state"]["status"] == "creating"
    assert state["pid"] == state["state"]["pid"] > 0


@pytest.mark.parametrize("nnp", [False, True])
def test_notify_every_exec_sends_a_listener(cell, bundle, agent, nnp):
    """Each exec'd process has a filter of its own: its listener fd goes to
    the agent too, or its notified calls fail with ENOSYS."""
    b = bundle("/probe", "sleep", "1000")
    b.process["noNewPrivileges"] = nnp
    b.linux["seccomp"] = notify_profile(agent.path)
    b.save()
    cid = cell.new_id()
    p = cell.run("run", "-d", "--bundle", b.path, cid, timeout=20)
    assert p.returncode == 0, p.stderr
    try:
        init_pid = cell.state(cid)["pid"]
        p = cell.run("exec", cid, "/bin/sh", "-c", "cat /etc/group >/dev/null && echo done",
                     timeout=20)
        assert p.returncode == 0, p.stderr
        assert "done" in p.stdout
        got = agent.received()
        assert len(got) == 2, got
        state, nfds = got[1]
        assert nfds == 1
        assert state["fds"] == ["seccompFd"]
        assert state["state"]["id"] == cid
        assert state["state"]["pid"] == init_pid
        assert state["state"]["status"] == "running"
        assert state["pid"] != init_pid
    finally:
        cell.delete(cid, force=True, check=False)


# ---- profiles without the runtime's own calls --------------------------------------------

@pytest.mark.parametrize("nnp", [False, True])
@pytest.mark.parametrize("missing", ["openat2", "clone3"])
def test_allow_list_with_joined_pid_namespace(cell, bundle, nnp, missing):
    """Joining a pid namespace by path makes the runtime hop into it
    (clone3); neither that nor its other calls may meet the filter."""
    helper = Sleeper(["unshare", "--pid", "--fork", "--kill-child", "sleep", "100"])
    try:
        b = bundle("/bin/sh", "-c", "echo done")
        b.set_namespace("pid", "/proc/%d/ns/pid" % helper.child_pid())
        b.process["noNewPrivileges"] = nnp
        b.linux["seccomp"] = allow_list_without(missing)
        p = cell.run_bundle(b, timeout=20)
        assert p.returncode == 0, p.stderr
        assert "done" in p.stdout
    finally:
        helper.close()


@pytest.mark.parametrize("nnp", [False, True])
@pytest.mark.parametrize("missing", ["openat2", "clone3"])
def test_allow_list_with_exec(cell, bundle, nnp, missing):
    """`exec` enters process.cwd with openat2 and hops into the pid
    namespace: a profile without either still runs the process."""
    b = bundle("/probe", "sleep", "1000")
    b.process["noNewPrivileges"] = nnp
    b.linux["seccomp"] = allow_list_without(missing)
    b.save()
    cid = cell.new_id()
    p = cell.run("run", "-d", "--bundle", b.path, cid, timeout=20)
    assert p.returncode == 0, p.stderr
    try:
        p = cell.run("exec", cid, "/bin/sh", "-c", "echo done", timeout=20)
        assert p.returncode == 0, p.stderr
        assert "done" in p.stdout
    finally:
        cell.delete(cid, force=True, check=False)


# ---- errors talking to the agent, in runc's words -----------------------------------------

@pytest.mark.parametrize("nnp", [False, True])
def test_missing_listener_socket(cell, bundle, testdir, nnp):
    """No agent at listenerPath: run fails with runc's "failed to connect
    with seccomp agent specified in the seccomp profile", naming the path,
    and leaves nothing behind."""
    listener = os.path.join(testdir, "no-agent.sock")
    b = bundle("/bin/sh", "-c", "echo ran")
    b.process["noNewPrivileges"] = nnp
    # NOTIFY on a call no runtime makes: with no agent to answer, runc
    # 1.1.5 would otherwise hang on its own openat/read/close.
    b.linux["seccomp"] = dict(notify_profile(listener),
                              syscalls=[{"names": ["getppid"], "action": "SCMP_ACT_NOTIFY"}])
    p = cell.run_bundle(b, timeout=20)
    assert p.returncode != 0
    assert "ran" not in p.stdout
    assert "failed to connect with seccomp agent specified in the seccomp profile" in p.stderr
    assert listener in p.stderr


def test_notify_on_write_refused(cell, bundle, agent):
    """SCMP_ACT_NOTIFY on write would block the runtime's own writes before
    the agent has the fd: refused, in runc's words, before anything runs."""
    b = bundle("/bin/sh", "-c", "echo ran")
    b.linux["seccomp"] = dict(notify_profile(agent.path),
                              syscalls=[{"names": ["getpid", "write"],
                                         "action": "SCMP_ACT_NOTIFY"}])
    p = cell.run_bundle(b, timeout=20)
    assert p.returncode != 0
    assert "ran" not in p.stdout
    assert "SCMP_ACT_NOTIFY cannot be used for the write syscall" in p.stderr
    assert agent.received() == []


# ---- numbers above the profile's highest: ENOSYS (runc's -ENOSYS stub) --------------------

GETPGRP_X86_64 = 111
NOT_YET_A_SYSCALL = 1000  # above every x86_64 syscall, so above every one a profile names


def syscall_errnos(cell, bundle, seccomp, *numbers, nnp=False):
    words = []
    for nr in numbers:
        words += ["syscall", str(nr)]
    b = bundle("/probe")
    b.process["noNewPrivileges"] = nnp
    b.linux["seccomp"] = seccomp
    info = cell.probe(b, *words)
    return {int(o["path"]): o["errno"] for o in info["ops"] if o["op"] == "syscall"}


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86_64 syscall numbers")
@pytest.mark.parametrize("nnp", [False, True])
def test_number_above_profile_is_enosys(cell, bundle, nnp):
    """An EPERM-default allow-list: a number above the highest one it names
    fails with ENOSYS (libc then falls back, as from clone3 or faccessat2
    on an older kernel); an unlisted number below stays EPERM."""
    seccomp = allow_list_without("getpgrp")
    assert seccomp["defaultAction"] == "SCMP_ACT_ERRNO"
    errnos = syscall_errnos(cell, bundle, seccomp, NOT_YET_A_SYSCALL, GETPGRP_X86_64, nnp=nnp)
    assert errnos == {NOT_YET_A_SYSCALL: "ENOSYS", GETPGRP_X86_64: "EPERM"}


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86_64 syscall numbers")
def test_allow_default_has_no_enosys_stub(cell, bundle):
    """With an ALLOW default nothing changes: an unknown number reaches the
    kernel, which answers ENOSYS itself, and a listed ERRNO rule still wins."""
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
               "syscalls": [{"names": ["getpgrp"], "action": "SCMP_ACT_ERRNO"}]}
    b = bundle("/probe")
    b.linux["seccomp"] = seccomp
    info = cell.probe(b, "syscall", str(NOT_YET_A_SYSCALL), "syscall", str(GETPGRP_X86_64))
    assert [o["errno"] for o in info["ops"]] == ["ENOSYS", "EPERM"]

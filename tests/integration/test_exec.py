# SPDX-License-Identifier: Apache-2.0
"""exec: a new process in a running container, as runc does it (issue 4,
check 1).  Every option, the namespaces, cgroup, seccomp profile and rlimits
the process inherits from the container, terminals (console socket and a
pty given to the runtime), signal forwarding, exit codes and the errors for
containers that cannot take a process."""

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest

from bundles import LineReader, is_cell
from test_terminal import ConsoleSocket

SHELL_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NS_NAMES = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"]
MAPPING = [{"containerID": 0, "hostID": 100000, "size": 65536}]
# The capabilities of `runc spec` (and `cell spec`): AUDIT_WRITE, KILL,
# NET_BIND_SERVICE.
SPEC_CAPS = (1 << 29) | (1 << 5) | (1 << 10)
CAP_NET_RAW = 1 << 13
CAP_SYS_TIME = 1 << 25


@pytest.fixture
def container(cell, bundle):
    """container(b=None) -> (id, init pid): `run -d` of bundle `b` (default:
    the probe sleeping); every container is deleted at teardown."""
    started = []

    def start(b=None):
        b = b or bundle("/probe", "sleep", "1000")
        b.save()
        cid = cell.new_id()
        p = cell.run("run", "-d", "--bundle", b.path, cid, timeout=20)
        assert p.returncode == 0, p.stderr
        started.append(cid)
        return cid, cell.state(cid)["pid"]

    yield start
    for cid in started:
        cell.delete(cid, force=True, check=False)


def exec_probe(cell, cid, *words, opts=(), expect_rc=0, **kw):
    """`exec` the probe with `words` in the foreground; return its JSON."""
    p = cell.run("exec", *opts, cid, "/probe", *words, **kw)
    assert p.returncode == expect_rc, "exec exited %d (expected %d)\nstdout: %s\nstderr: %s" % (
        p.returncode, expect_rc, p.stdout, p.stderr)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    assert lines, "probe printed nothing; stdout=%r stderr=%r" % (p.stdout, p.stderr)
    return json.loads(lines[-1])


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(ln.split(":", 1) for ln in f.read().splitlines() if ":" in ln)


def assert_nofile(info, soft, hard):
    got = info["rlimits"]["RLIMIT_NOFILE"]
    if not is_cell() and got == [hard, hard]:
        # runc 1.1 built with Go >= 1.19 races its own runtime, which raises
        # the soft limit to the hard one at start (opencontainers/runc#4195).
        return
    assert got == [soft, hard]


def caps(info):
    return {k: int(info["status"][k], 16) for k in ("CapPrm", "CapEff", "CapBnd", "CapAmb")}


def wait_gone(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return
        except FileNotFoundError:
            return
        time.sleep(0.02)
    raise AssertionError("pid %d still alive" % pid)


def exec_detached(cell, cid, testdir, *argv, opts=()):
    """`exec -d --pid-file` of argv; returns the pid of the process."""
    pidfile = os.path.join(testdir, "exec-%s.pid" % time.monotonic_ns())
    p = cell.run("exec", "--detach", "--pid-file", pidfile, *opts, cid, *argv, timeout=20)
    assert p.returncode == 0, p.stderr
    with open(pidfile) as f:
        text = f.read()
    assert text.strip().isdigit(), text
    return int(text)


# ---- the command, its exit code and its stdio ----------------------------------

def test_plain_command(cell, container):
    cid, _ = container()
    info = exec_probe(cell, cid, "argv", "pid", "--", "with space", "")
    assert info["argv"] == ["/probe", "argv", "pid", "--", "with space", ""]
    # A new process of the container's pid namespace, not its init.
    assert info["pid"] > 1


@pytest.mark.parametrize("code", [0, 1, 3, 42, 255])
def test_exit_code_passthrough(cell, container, code):
    cid, _ = container()
    p = cell.run("exec", cid, "/probe", "exit", str(code))
    assert p.returncode == code, p.stderr


@pytest.mark.parametrize("sig,code", [("SIGKILL", 137), ("SIGTERM", 143), ("SIGSEGV", 139)])
def test_killed_by_signal(cell, container, sig, code):
    cid, _ = container()
    p = cell.run("exec", cid, "/probe", "kill-self", sig)
    assert p.returncode == code, p.stderr


def test_stdout_stderr_stdin(cell, container):
    cid, _ = container()
    p = cell.run("exec", cid, "/bin/sh", "-c", "echo out; echo err >&2; cat; exit 5",
                 input="from stdin\n")
    assert p.returncode == 5, p.stderr
    assert p.stdout == "out\nfrom stdin\n"
    assert p.stderr.endswith("err\n")


def test_path_lookup(cell, container):
    cid, _ = container()
    p = cell.run("exec", cid, "echo", "found", "in", "PATH")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "found in PATH\n"


def test_does_not_touch_the_init(cell, container):
    cid, init = container()
    cell.run("exec", cid, "/probe", "exit", "7")
    st = cell.state(cid)
    assert st["status"] == "running" and st["pid"] == init


def test_parallel_execs(cell, container):
    cid, _ = container()
    procs = [cell.popen("exec", cid, "/probe", "pid") for _ in range(8)]
    pids = []
    for proc in procs:
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        pids.append(json.loads(out)["pid"])
    assert len(set(pids)) == 8


# ---- environment ----------------------------------------------------------------

def test_env_from_config(cell, container, bundle):
    b = bundle("/probe", "sleep", "1000")
    b.add_env("FROM_CONFIG=yes", "HOME=/home/config")
    cid, _ = container(b)
    info = exec_probe(cell, cid, "env")
    assert "FROM_CONFIG=yes" in info["env"]
    assert "HOME=/home/config" in info["env"]
    assert "CELL_TEST_TOKEN=" + cell.token in info["env"]


def test_env_add_and_override(cell, container, bundle):
    b = bundle("/probe", "sleep", "1000")
    b.add_env("FROM_CONFIG=yes", "HOME=/home/config")
    cid, _ = container(b)
    # One spelling per command: runc's flag parser refuses -e mixed with --env.
    info = exec_probe(cell, cid, "env",
                      opts=("-e", "NEW=1", "-e", "HOME=/override", "-e", "EQ=a=b", "-e", "EMPTY="))
    env = info["env"]
    assert "NEW=1" in env and "EQ=a=b" in env and "EMPTY=" in env
    assert "FROM_CONFIG=yes" in env
    homes = [e for e in env if e.startswith("HOME=")]
    assert homes == ["HOME=/override"]
    assert len([e for e in env if e.startswith("PATH=")]) == 1


@pytest.mark.parametrize("opts,home", [
    ((), "/root"),
    (("-u", "1000"), "/home/test"),
    (("-u", "4242:4242"), "/"),
    (("-u", "1000", "--env", "HOME=/x"), "/x"),
])
def test_env_home_from_passwd(cell, container, opts, home):
    """Without HOME in the container's env, the exec'd process gets the one
    of its uid in the container's /etc/passwd ("/" when unlisted); --env
    HOME wins (runc)."""
    cid, _ = container()
    env = exec_probe(cell, cid, "env", opts=opts)["env"]
    assert [e for e in env if e.startswith("HOME=")] == ["HOME=" + home]


def test_stdio_given_to_the_user(cell, container):
    """exec -u UID: the stdout and stderr pipes are the process uid's, so it
    can reopen them through /proc/self/fd (runc's fixStdioPermissions)."""
    cid, _ = container()
    p = cell.popen("exec", "-u", "1000", cid, "/bin/sh", "-c",
                   "echo out >/proc/self/fd/1 && echo err >/proc/self/fd/2 && "
                   "stat -L -c %u /proc/self/fd/1 /proc/self/fd/2")
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert out.decode().split() == ["out", "1000", "1000"] and err.decode().strip() == "err"


def test_env_long_option(cell, container):
    cid, _ = container()
    info = exec_probe(cell, cid, "env", opts=("--env", "A=1", "--env", "A=2"))
    assert [e for e in info["env"] if e.startswith("A=")] == ["A=2"]


def test_env_no_host_leak(cell, container):
    cid, _ = container()
    info = exec_probe(cell, cid, "env", env=dict(os.environ, HOST_SECRET="leak"))
    assert not any(e.startswith("HOST_SECRET") for e in info["env"])


# ---- user, groups -----------------------------------------------------------------

def test_user_uid(cell, container):
    cid, _ = container()
    info = exec_probe(cell, cid, "ids", opts=("--user", "1000"))
    assert info["uid"] == [1000, 1000, 1000]
    assert info["gid"] == [0, 0, 0]


def test_user_uid_gid(cell, container):
    cid, _ = container()
    info = exec_probe(cell, cid, "ids", opts=("-u", "1000:2000"))
    assert info["uid"] == [1000, 1000, 1000]
    assert info["gid"] == [2000, 2000, 2000]


def test_user_unknown_to_passwd(cell, container):
    cid, _ = container()
    info = exec_probe(cell, cid, "ids", opts=("-u", "4321:8765"))
    assert info["uid"] == [4321, 4321, 4321]
    assert info["gid"] == [8765, 8765, 8765]


def test_additional_gids(cell, container):
    cid, _ = container()
    info = exec_probe(cell, cid, "ids",
                      opts=("-u", "1000:1000", "-g", "3000", "-g", "4000"))
    assert info["uid"] == [1000, 1000, 1000]
    assert sorted(info["groups"]) == [3000, 4000]


def test_additional_gids_long_option(cell, container):
    cid, _ = container()
    info = exec_probe(cell, cid, "ids", opts=("--additional-gids", "3000"))
    assert info["groups"] == [3000]


def test_user_nonroot_loses_caps(cell, container):
    """A non-root exec has no permitted or effective capabilities (no ambient
    set in the config), only the bounding set."""
    cid, _ = container()
    info = exec_probe(cell, cid, "status", opts=("-u", "1000"))
    c = caps(info)
    assert c["CapPrm"] == 0 and c["CapEff"] == 0
    assert c["CapBnd"] == SPEC_CAPS


def test_user_invalid(cell, container):
    cid, _ = container()
    p = cell.run("exec", "-u", "notanumber", cid, "/probe")
    assert p.returncode != 0
    assert p.stderr.strip()


# ---- capabilities, no_new_privs --------------------------------------------------------

def test_caps_of_the_container(cell, container):
    cid, _ = container()
    c = caps(exec_probe(cell, cid, "status"))
    assert c == {"CapPrm": SPEC_CAPS, "CapEff": SPEC_CAPS, "CapBnd": SPEC_CAPS, "CapAmb": 0}


@pytest.mark.parametrize("flag", ["--cap", "-c"])
def test_cap_added(cell, container, flag):
    cid, _ = container()
    c = caps(exec_probe(cell, cid, "status", opts=(flag, "CAP_NET_RAW")))
    want = SPEC_CAPS | CAP_NET_RAW
    assert c["CapEff"] == want
    assert c["CapPrm"] == want
    assert c["CapBnd"] == want


def test_caps_added_twice(cell, container):
    cid, _ = container()
    c = caps(exec_probe(cell, cid, "status",
                        opts=("--cap", "CAP_NET_RAW", "--cap", "CAP_SYS_TIME")))
    assert c["CapEff"] == SPEC_CAPS | CAP_NET_RAW | CAP_SYS_TIME
    assert c["CapBnd"] == SPEC_CAPS | CAP_NET_RAW | CAP_SYS_TIME


def test_cap_not_added_to_the_container(cell, container, testdir):
    """--cap changes the exec'd process only: the next exec is back to the
    container's own sets."""
    cid, _ = container()
    exec_probe(cell, cid, "status", opts=("--cap", "CAP_NET_RAW"))
    assert caps(exec_probe(cell, cid, "status"))["CapEff"] == SPEC_CAPS


@pytest.mark.parametrize("flag", [False, True])
def test_no_new_privs(cell, container, bundle, flag):
    b = bundle("/probe", "sleep", "1000")
    b.process["noNewPrivileges"] = False
    cid, _ = container(b)
    info = exec_probe(cell, cid, "status", opts=("--no-new-privs",) if flag else ())
    assert info["status"]["NoNewPrivs"] == ("1" if flag else "0")


def test_no_new_privs_from_config(cell, container, bundle):
    b = bundle("/probe", "sleep", "1000")
    b.process["noNewPrivileges"] = True
    cid, _ = container(b)
    assert exec_probe(cell, cid, "status")["status"]["NoNewPrivs"] == "1"


# ---- cwd -----------------------------------------------------------------------------

def test_cwd_default_from_config(cell, container, bundle):
    b = bundle("/probe", "sleep", "1000")
    b.process["cwd"] = "/home/test"
    cid, _ = container(b)
    assert exec_probe(cell, cid, "cwd")["cwd"] == "/home/test"


@pytest.mark.parametrize("cwd", ["/tmp", "/home/test", "/"])
def test_cwd(cell, container, cwd):
    cid, _ = container()
    assert exec_probe(cell, cid, "cwd", opts=("--cwd", cwd))["cwd"] == cwd


def test_cwd_relative_refused(cell, container):
    cid, _ = container()
    p = cell.run("exec", "--cwd", "tmp", cid, "/probe", "cwd")
    assert p.returncode == 255  # exec's own failure, as runc: not the process' 1
    assert "absolute" in p.stderr
    assert "{" not in p.stdout


def test_cwd_missing(cell, container):
    cid, _ = container()
    p = cell.run("exec", "--cwd", "/no/such/dir", cid, "/probe", "cwd")
    assert p.returncode != 0
    assert "no such file or directory" in p.stderr.lower()
    assert "{" not in p.stdout


def test_user_0_cwd_only_cap_dac_override_enters(cell, container, bundle):
    """A cwd of mode 0700 owned by another user: root without
    CAP_DAC_OVERRIDE (the default capabilities) could not enter it, so it is
    entered before the capabilities are dropped, as runc does."""
    b = bundle("/probe", "sleep", "1000")
    private = os.path.join(b.rootfs, "private")
    os.mkdir(private, 0o700)
    os.chown(private, 1000, 1000)
    b.process["cwd"] = "/private"
    cid, _ = container(b)
    for opts in (("--user", "0"), ("--user", "0:0", "--cwd", "/private")):
        info = exec_probe(cell, cid, "cwd", "status", opts=opts)
        assert info["cwd"] == "/private"
        assert int(info["status"]["CapEff"], 16) & (1 << 1) == 0  # no CAP_DAC_OVERRIDE
    info = exec_probe(cell, cid, "cwd", opts=("--user", "1000"))
    assert info["cwd"] == "/private"


def test_cwd_only_the_user_enters(cell, container, bundle):
    """In a user namespace, a cwd whose owner it does not map is closed to
    its root, but open to the process through its group: entered again
    after the switch to the user, as runc does (init and exec)."""
    b = bundle("/probe", "cwd", "sleep", "1000")
    b.set_namespace("user")
    b.linux["uidMappings"] = MAPPING
    b.linux["gidMappings"] = MAPPING
    group_only = os.path.join(b.rootfs, "group-only")
    os.mkdir(group_only)
    os.chown(group_only, 0, MAPPING[0]["hostID"] + 2000)  # owner: host root, unmapped
    os.chmod(group_only, 0o070)
    b.process["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [2000]}
    b.process["cwd"] = "/group-only"
    cid, _ = container(b)
    info = exec_probe(cell, cid, "cwd", "ids")
    assert info["cwd"] == "/group-only" and info["uid"][0] == 1000
    b.set_args("/probe", "cwd")
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    assert '"cwd":"/group-only"' in p.stdout


# ---- --process -----------------------------------------------------------------------

def process_json(cell, args):
    return {
        "terminal": False,
        "user": {"uid": 1000, "gid": 1000, "additionalGids": [2000, 3000]},
        "args": args,
        "env": ["PATH=/bin", "FROM_PROCESS_JSON=1", "CELL_TEST_TOKEN=" + cell.token],
        "cwd": "/tmp",
        "capabilities": {"bounding": ["CAP_KILL", "CAP_NET_RAW"],
                         "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"],
                         "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]},
        "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 256, "hard": 512}],
        "noNewPrivileges": True,
    }


def check_process_json(info, proc):
    assert info["argv"] == proc["args"]
    # runc adds HOME (from /etc/passwd) when the process has none.
    assert [e for e in info["env"] if not e.startswith("HOME=")] == proc["env"]
    assert info["cwd"] == "/tmp"
    assert info["uid"] == [1000, 1000, 1000]
    assert info["gid"] == [1000, 1000, 1000]
    assert sorted(info["groups"]) == [2000, 3000]
    c = caps(info)
    assert c == {"CapPrm": 1 << 5, "CapEff": 1 << 5, "CapBnd": (1 << 5) | CAP_NET_RAW,
                 "CapAmb": 1 << 5}
    assert info["status"]["NoNewPrivs"] == "1"
    assert_nofile(info, 256, 512)


def test_process_file(cell, container, testdir):
    cid, _ = container()
    proc = process_json(cell, ["/probe", "argv", "env", "cwd", "ids", "status", "rlimits"])
    path = os.path.join(testdir, "process.json")
    with open(path, "w") as f:
        json.dump(proc, f)
    p = cell.run("exec", "--process", path, cid)
    assert p.returncode == 0, p.stderr
    check_process_json(json.loads(p.stdout.splitlines()[-1]), proc)


def test_process_stdin(cell, container):
    if not is_cell():
        pytest.skip("runc reads --process from a file only")
    cid, _ = container()
    proc = process_json(cell, ["/probe", "argv", "env", "cwd", "ids", "status", "rlimits"])
    p = cell.run("exec", "-p", "-", cid, input=json.dumps(proc))
    assert p.returncode == 0, p.stderr
    check_process_json(json.loads(p.stdout.splitlines()[-1]), proc)


def test_process_file_exit_code(cell, container, testdir):
    cid, _ = container()
    proc = process_json(cell, ["/probe", "exit", "9"])
    path = os.path.join(testdir, "process.json")
    with open(path, "w") as f:
        json.dump(proc, f)
    assert cell.run("exec", "--process", path, cid).returncode == 9


def test_process_file_missing(cell, container, testdir):
    cid, _ = container()
    p = cell.run("exec", "--process", os.path.join(testdir, "nope.json"), cid)
    assert p.returncode != 0
    assert "no such file or directory" in p.stderr.lower()


def test_process_file_invalid(cell, container, testdir):
    cid, _ = container()
    path = os.path.join(testdir, "process.json")
    with open(path, "w") as f:
        f.write("{not json")
    p = cell.run("exec", "--process", path, cid)
    assert p.returncode != 0
    assert p.stderr.strip()


# ---- --detach, --pid-file ------------------------------------------------------------------

def test_detach_pid_file(cell, container, testdir):
    cid, init = container()
    pid = exec_detached(cell, cid, testdir, "/probe", "sleep", "100")
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        assert f.read().split(b"\0")[:3] == [b"/probe", b"sleep", b"100"]
    # In the container's pid namespace, not the host's.
    assert os.readlink("/proc/%d/ns/pid" % pid) == os.readlink("/proc/%d/ns/pid" % init)
    assert os.readlink("/proc/%d/ns/pid" % pid) != os.readlink("/proc/self/ns/pid")
    # NSpid: host pid, then its pid inside the container.
    nspid = proc_status(pid)["NSpid"].split()
    assert nspid[0] == str(pid) and len(nspid) == 2 and int(nspid[1]) > 1
    # The container outlives the detached process and vice versa.
    assert cell.state(cid)["status"] == "running"
    os.kill(pid, signal.SIGKILL)
    wait_gone(pid)
    assert cell.state(cid)["status"] == "running"


def test_detach_returns_at_once(cell, container, testdir):
    cid, _ = container()
    start = time.monotonic()
    pid = exec_detached(cell, cid, testdir, "/probe", "sleep", "100")
    assert time.monotonic() - start < 5
    assert os.path.exists("/proc/%d" % pid)


def test_detach_process_killed_with_container(cell, container, testdir):
    cid, _ = container()
    pid = exec_detached(cell, cid, testdir, "/probe", "sleep", "100")
    cell.delete(cid, force=True)
    wait_gone(pid)


def test_detach_short_option(cell, container, testdir):
    cid, _ = container()
    p = cell.run("exec", "-d", cid, "/bin/sh", "-c", "echo detached > /tmp/out")
    assert p.returncode == 0, p.stderr
    deadline = time.monotonic() + 10
    text = None
    while time.monotonic() < deadline:
        q = cell.run("exec", cid, "/bin/cat", "/tmp/out")
        if q.returncode == 0 and q.stdout:
            text = q.stdout
            break
        time.sleep(0.05)
    assert text == "detached\n"


# ---- file descriptors ------------------------------------------------------------------------

def test_no_fd_leaks(cell, container, testdir):
    """No fd of the runtime or of its caller reaches the process."""
    cid, _ = container()
    extra = os.open(os.path.join(testdir, "leak"), os.O_CREAT | os.O_RDWR)
    try:
        info = exec_probe(cell, cid, "fds", pass_fds=(extra,))
    finally:
        os.close(extra)
    assert sorted(info["fds"], key=int) == ["0", "1", "2"], info["fds"]


@pytest.mark.parametrize("n", [1, 2])
def test_preserve_fds(cell, container, testdir, n):
    cid, _ = container()
    files = [os.path.join(testdir, "preserved%d" % i) for i in range(n)]
    fds = [os.open(path, os.O_CREAT | os.O_RDWR) for path in files]
    leak = os.open(os.path.join(testdir, "not-preserved"), os.O_CREAT | os.O_RDWR)

    def place():
        # fds 3..3+n-1 are the preserved files, 3+n is one that must not pass.
        for i, fd in enumerate(fds + [leak]):
            os.dup2(fd, 100 + i)
        for i in range(n + 1):
            os.dup2(100 + i, 3 + i)
            os.close(100 + i)

    try:
        p = cell.run("exec", "--preserve-fds", str(n), cid, "/probe", "fds",
                     preexec_fn=place, close_fds=False)
    finally:
        for fd in fds + [leak]:
            os.close(fd)
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout.splitlines()[-1])
    assert set(info["fds"]) == {"0", "1", "2"} | {str(3 + i) for i in range(n)}, info["fds"]
    for i in range(n):
        assert info["fds"][str(3 + i)] == files[i]


def test_preserve_fds_hole_gets_no_runtime_fd(cell, container):
    """--preserve-fds 3 from a caller with none of fds 3..5 open: whatever
    the runtime itself opened there must not reach the process."""
    if not is_cell():
        pytest.skip("runc 1.1 passes its own fds in the holes (/sys/fs/cgroup, its epoll fd)")
    cid, _ = container()
    info = exec_probe(cell, cid, "fds", opts=("--preserve-fds", "3"))
    assert sorted(info["fds"], key=int) == ["0", "1", "2"], info["fds"]


def test_preserved_fd_usable(cell, container, testdir):
    """A preserved fd is the caller's open file: the process writes through it."""
    cid, _ = container()
    path = os.path.join(testdir, "through-fd")
    fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_TRUNC)
    try:
        p = cell.run("exec", "--preserve-fds", "1", cid, "/bin/sh", "-c", "echo via-fd >&3",
                     preexec_fn=lambda: os.dup2(fd, 3), close_fds=False)
    finally:
        os.close(fd)
    assert p.returncode == 0, p.stderr
    with open(path) as f:
        assert f.read() == "via-fd\n"


# ---- namespaces, cgroup ----------------------------------------------------------------

def assert_same_namespaces(info, init):
    for name in NS_NAMES:
        want = os.readlink("/proc/%d/ns/%s" % (init, name))
        assert info["ns"][name] == want, "%s: exec %s, init %s" % (name, info["ns"][name], want)


def test_joins_every_namespace(cell, container, bundle):
    b = bundle("/probe", "sleep", "1000")
    b.set_namespace("cgroup")
    cid, init = container(b)
    assert set(b.namespaces()) >= {"pid", "network", "ipc", "uts", "mount", "cgroup"}
    info = exec_probe(cell, cid, "ns")
    assert_same_namespaces(info, init)
    for name in ("cgroup", "ipc", "mnt", "net", "pid", "uts"):
        assert info["ns"][name] != os.readlink("/proc/self/ns/" + name), name


def test_joins_user_namespace(cell, container, bundle, testdir):
    b = bundle("/probe", "sleep", "1000")
    b.set_namespace("cgroup")
    b.set_namespace("user")
    b.linux["uidMappings"] = MAPPING
    b.linux["gidMappings"] = MAPPING
    cid, init = container(b)
    info = exec_probe(cell, cid, "ns", "ids")
    assert_same_namespaces(info, init)
    assert info["ns"]["user"] != os.readlink("/proc/self/ns/user")
    assert info["uid"] == [0, 0, 0]
    assert info["gid"] == [0, 0, 0]
    assert info["uid_map"].split() == ["0", "100000", "65536"]
    # Seen from the host: the mapped ids.
    pid = exec_detached(cell, cid, testdir, "/probe", "sleep", "100")
    st = proc_status(pid)
    assert st["Uid"].split() == ["100000"] * 4
    assert st["Gid"].split() == ["100000"] * 4
    pid = exec_detached(cell, cid, testdir, "/probe", "sleep", "100", opts=("-u", "1000:1000"))
    assert proc_status(pid)["Uid"].split() == ["101000"] * 4
    assert proc_status(pid)["Gid"].split() == ["101000"] * 4


def test_user_namespace_caps(cell, container, bundle):
    """Root of the container's user namespace keeps the configured sets."""
    b = bundle("/probe", "sleep", "1000")
    b.set_namespace("user")
    b.linux["uidMappings"] = MAPPING
    b.linux["gidMappings"] = MAPPING
    cid, _ = container(b)
    c = caps(exec_probe(cell, cid, "status", opts=("--cap", "CAP_NET_RAW")))
    assert c["CapEff"] == SPEC_CAPS | CAP_NET_RAW
    assert c["CapBnd"] == SPEC_CAPS | CAP_NET_RAW


def test_without_pid_namespace(cell, container, bundle):
    b = bundle("/probe", "sleep", "1000")
    b.remove_namespace("pid")
    cid, init = container(b)
    info = exec_probe(cell, cid, "ns", "pid")
    assert info["ns"]["pid"] == os.readlink("/proc/self/ns/pid")
    assert_same_namespaces(info, init)


def test_sees_the_container(cell, container, bundle):
    """Hostname, mounts and the init of the container, seen from the exec."""
    b = bundle("/probe", "sleep", "1000")
    b.config["hostname"] = "exec-box"
    cid, _ = container(b)
    info = exec_probe(cell, cid, "uname", "read", "/proc/1/cmdline", "stat", "/probe")
    assert info["hostname"] == "exec-box"
    assert info["ops"][0]["data"].split("\0")[:3] == ["/probe", "sleep", "1000"]
    assert info["ops"][1]["ok"]


def test_joins_cgroup(cell, container, testdir):
    cid, init = container()
    pid = exec_detached(cell, cid, testdir, "/probe", "sleep", "100")
    with open("/proc/%d/cgroup" % init) as f:
        want = f.read()
    with open("/proc/%d/cgroup" % pid) as f:
        got = f.read()
    assert got == want
    with open("/proc/self/cgroup") as f:
        assert got != f.read()


def test_cgroup_seen_inside(cell, container):
    """A foreground exec is in the init's cgroup on every hierarchy, as seen
    from inside the container."""
    cid, _ = container()
    info = exec_probe(cell, cid, "cgroup", "read", "/proc/1/cgroup")
    assert info["ops"][0]["ok"]
    assert info["cgroup"] == info["ops"][0]["data"]


# ---- --apparmor, --process-label ------------------------------------------------------

@pytest.mark.parametrize("flag,field,lsm", [("--apparmor", "apparmorProfile", "AppArmor"),
                                            ("--process-label", "selinuxLabel", "SELinux")])
@pytest.mark.parametrize("with_process_file", [False, True])
def test_confinement_flags_refused_without_their_lsm(cell, container, testdir, flag, field, lsm,
                                                    with_process_file):
    """exec --apparmor / --process-label on a host without the module: the
    process does not run (unconfined), the error names the flag, and the
    container is untouched."""
    from test_process import LSM_FIELDS
    value, host_has, _ = LSM_FIELDS[field]
    if host_has():
        pytest.skip("this host has %s" % lsm)
    if with_process_file and not is_cell():
        pytest.skip("runc 1.1 ignores %s with --process: the confinement is dropped" % flag)
    cid, _ = container()
    args = [flag, value]
    if with_process_file:
        path = os.path.join(testdir, "process.json")
        with open(path, "w") as f:
            json.dump({"args": ["/bin/touch", "/tmp/ran"], "cwd": "/",
                       "user": {"uid": 0, "gid": 0}}, f)
        args += ["--process", path, cid]
    else:
        args += [cid, "/bin/touch", "/tmp/ran"]
    p = cell.run("exec", *args, timeout=20)
    assert p.returncode != 0, "exec %s %r ran on a host without %s" % (flag, value, lsm)
    if is_cell():
        assert '%s "%s": %s is not enabled on this host' % (flag, value, lsm) in p.stderr, \
            p.stderr
    check = cell.run("exec", cid, "/bin/sh", "-c", "test ! -e /tmp/ran", timeout=20)
    assert check.returncode == 0, "the refused process ran"
    assert cell.state(cid)["status"] == "running"


@pytest.mark.parametrize("field,lsm", [("apparmorProfile", "AppArmor"),
                                       ("selinuxLabel", "SELinux")])
def test_confinement_in_process_file_refused(cell, container, testdir, field, lsm):
    from test_process import LSM_FIELDS
    value, host_has, _ = LSM_FIELDS[field]
    if host_has():
        pytest.skip("this host has %s" % lsm)
    cid, _ = container()
    path = os.path.join(testdir, "process.json")
    with open(path, "w") as f:
        json.dump({"args": ["/bin/touch", "/tmp/ran"], "cwd": "/", field: value,
                   "user": {"uid": 0, "gid": 0}}, f)
    p = cell.run("exec", "--process", path, cid, timeout=20)
    assert p.returncode != 0
    if is_cell():
        assert 'process.%s "%s": %s is not enabled' % (field, value, lsm) in p.stderr, p.stderr
    check = cell.run("exec", cid, "/bin/sh", "-c", "test ! -e /tmp/ran", timeout=20)
    assert check.returncode == 0, "the refused process ran"


# ---- seccomp, rlimits --------------------------------------------------------------------

def test_seccomp_profile(cell, container, bundle):
    b = bundle("/probe", "sleep", "1000")
    b.linux["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["mkdir", "mkdirat", "unshare"], "action": "SCMP_ACT_ERRNO"}],
    }
    cid, _ = container(b)
    p = cell.run("exec", cid, "/bin/mkdir", "/tmp/blocked")
    assert p.returncode == 1
    assert "Operation not permitted" in p.stderr
    p = cell.run("exec", cid, "/bin/unshare", "-u", "true")
    assert p.returncode != 0
    assert "Operation not permitted" in p.stderr
    info = exec_probe(cell, cid, "status", "stat", "/tmp/blocked")
    assert info["status"]["Seccomp"] == "2"
    assert info["ops"][0]["errno"] == "ENOENT"


def test_no_seccomp_without_profile(cell, container):
    cid, _ = container()
    assert exec_probe(cell, cid, "status")["status"]["Seccomp"] == "0"
    p = cell.run("exec", cid, "/bin/mkdir", "/tmp/allowed")
    assert p.returncode == 0, p.stderr


def test_rlimits_from_config(cell, container, bundle):
    b = bundle("/probe", "sleep", "1000")
    b.process["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 300, "hard": 600},
        {"type": "RLIMIT_NPROC", "soft": 1000, "hard": 2000},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
    ]
    cid, _ = container(b)

    def caller_limits():
        import resource
        resource.setrlimit(resource.RLIMIT_NOFILE, (700, 800))

    info = exec_probe(cell, cid, "rlimits", preexec_fn=caller_limits)
    r = info["rlimits"]
    assert_nofile(info, 300, 600)
    assert r["RLIMIT_NPROC"] == [1000, 2000]
    assert r["RLIMIT_CORE"] == [0, 0]


# ---- terminals --------------------------------------------------------------------------

# Runs `argv` (an `exec --detach`) as a child subreaper, so the detached
# process is reparented to it when the runtime exits and its exit status can
# be read; prints the runtime's status, then the process' exit code.
REAPER = r"""
import ctypes, json, os, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
argv, pidfile = json.loads(sys.argv[1]), sys.argv[2]
rc = subprocess.call(argv, stdin=subprocess.DEVNULL)
pid = int(open(pidfile).read()) if rc == 0 else 0
print("exec", rc, pid, flush=True)
if pid:
    while True:
        p, st = os.wait()
        if p == pid:
            print("exit", os.waitstatus_to_exitcode(st), flush=True)
            break
"""


def read_until(fd, needle, timeout=10):
    out = b""
    deadline = time.monotonic() + timeout
    while needle not in out:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("%r not seen; got %r" % (needle, out))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the slave side is gone
                break
            if not chunk:
                break
            out += chunk
    assert needle in out, out
    return out


@pytest.fixture
def console(testdir):
    c = ConsoleSocket(os.path.join(testdir, "console.sock"))
    yield c
    c.close()


def test_console_socket(cell, container, testdir, console):
    """exec -t -d --console-socket, as containerd and conmon run it: the pty
    master arrives over the socket, typing into it reaches the shell."""
    cid, _ = container()
    pidfile = os.path.join(testdir, "tty.pid")
    argv = cell.cmd("exec", "--tty", "--detach", "--console-socket", console.path,
                    "--pid-file", pidfile, cid, "/bin/sh")
    reaper = subprocess.Popen([sys.executable, "-c", REAPER, json.dumps(argv), pidfile],
                              stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    out = LineReader(reaper.stdout)
    master = None
    try:
        words = out.readline(timeout=20).split()
        assert words[:2] == ["exec", "0"], words
        master = console.receive(timeout=10)
        assert os.isatty(master)
        os.write(master, b"/probe tty fds; echo hi $((6*7)); exit 4\n")
        seen = read_until(master, b"hi 42")
        info = json.loads(seen[seen.index(b'{"tty"'):].split(b"\r\n")[0])
        assert info["tty"]["isatty0"] and info["tty"]["isatty1"] and info["tty"]["ctty"]
        assert info["tty"]["ttyname"].startswith("/dev/pts/")
        assert sorted(info["fds"], key=int) == ["0", "1", "2"], info["fds"]
        assert out.readline(timeout=10).split() == ["exit", "4"]
        assert reaper.wait(timeout=10) == 0
    finally:
        if reaper.poll() is None:
            reaper.kill()
            reaper.wait()
        reaper.stdout.close()
        if master is not None:
            os.close(master)


def test_console_socket_needs_tty(cell, container, console):
    cid, _ = container()
    p = cell.run("exec", "-d", "--console-socket", console.path, cid, "/probe", "sleep", "100")
    assert p.returncode != 0
    assert "console" in p.stderr


def test_detached_tty_needs_console_socket(cell, container):
    cid, _ = container()
    p = cell.run("exec", "-t", "-d", cid, "/probe", "sleep", "100")
    assert p.returncode != 0
    assert "console" in p.stderr


def spawn_in_pty(argv, rows=30, cols=100):
    """argv with a fresh pty as its controlling terminal and stdio."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def ctty():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True, preexec_fn=ctty)
    os.close(slave)
    return proc, master


def drain(proc, master, timeout=20):
    """Everything the pty shows until the process has exited and the output
    is read to its end."""
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    return out


def test_tty_foreground(cell, container):
    cid, _ = container()
    proc, master = spawn_in_pty(cell.cmd("exec", "-t", cid, "/bin/sh"))
    try:
        read_until(master, b"# ", timeout=20)
        os.write(master, b"/probe tty fds; echo hi $((6*7)); exit 4\n")
        out = read_until(master, b"hi 42") + drain(proc, master)
        assert proc.wait(timeout=10) == 4, out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    info = json.loads(out[out.index(b'{"tty"'):].split(b"\r\n")[0])
    t = info["tty"]
    assert t["isatty0"] and t["isatty1"] and t["isatty2"] and t["ctty"]
    assert t["winsize"] == [30, 100]
    assert sorted(info["fds"], key=int) == ["0", "1", "2"], info["fds"]


def test_tty_output_complete(cell, container):
    """Everything the process writes before it exits reaches the terminal."""
    cid, _ = container()
    proc, master = spawn_in_pty(cell.cmd("exec", "-t", cid, "/bin/sh", "-c",
                                         "seq 1 20000; exit 3"))
    try:
        out = drain(proc, master, timeout=30)
        assert proc.wait(timeout=10) == 3
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    lines = out.replace(b"\r\n", b"\n").split()
    assert lines[-1] == b"20000" and len(lines) == 20000, out[-200:]


def test_tty_resize(cell, container):
    cid, _ = container()
    proc, master = spawn_in_pty(cell.cmd("exec", "-t", cid, "/bin/sh"), rows=30, cols=100)
    try:
        read_until(master, b"# ", timeout=20)
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 132, 0, 0))
        time.sleep(0.2)
        os.write(master, b"/probe tty; exit 0\n")
        out = read_until(master, b'"winsize"') + drain(proc, master)
        assert proc.wait(timeout=10) == 0, out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert b'"winsize":[50,132]' in out, out


def test_no_tty_by_default(cell, container):
    cid, _ = container()
    info = exec_probe(cell, cid, "tty")
    assert not info["tty"]["isatty0"] and not info["tty"]["isatty1"]
    assert not info["tty"]["ctty"]


def test_own_session(cell, container):
    """The process leads its own session (as runc's is): it is not in its
    caller's session or process group, so it cannot signal them with
    kill(0, ...) nor use their terminal."""
    cid, _ = container()
    info = exec_probe(cell, cid, "pid")
    assert info["sid"] == info["pid"]
    assert info["pgid"] == info["pid"]


# ---- signals --------------------------------------------------------------------------

@pytest.mark.parametrize("signame", ["SIGUSR1", "SIGHUP", "SIGINT"])
def test_forwards_signals(cell, container, signame):
    cid, _ = container()
    proc = cell.popen("exec", cid, "/probe", "signals")
    out = LineReader(proc.stdout)

    def next_signal():
        # runc (Go) forwards the SIGURG its own runtime uses for preemption.
        while True:
            line = out.readline()
            if line != "SIGURG\n" or is_cell():
                return line

    try:
        assert out.readline() == "ready\n"
        proc.send_signal(getattr(signal, signame))
        assert next_signal() == signame + "\n"
        proc.send_signal(signal.SIGTERM)
        assert next_signal() == "SIGTERM\n"
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_sigkill_of_caller_kills_process(cell, container):
    """A foreground exec does not outlive a runtime killed with SIGKILL
    (cell: parent-death signal; runc: the process is in the caller's
    process group until it exits, so we check both)."""
    cid, _ = container()
    proc = cell.popen("exec", cid, "/probe", "signals")
    out = LineReader(proc.stdout)
    try:
        assert out.readline() == "ready\n"
        pids = [int(p) for p in open("/proc/%d/task/%d/children" % (proc.pid, proc.pid))
                .read().split()]
        proc.kill()
        proc.wait()
        if is_cell():
            for pid in pids:
                wait_gone(pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


# ---- containers that cannot take a process --------------------------------------------------

def test_unknown_container(cell):
    p = cell.run("exec", "no-such-container", "/probe")
    assert p.returncode == 255  # exec's own failure, as runc: not the process' 1
    assert "does not exist" in p.stderr


def test_stopped_container(cell, container, bundle):
    cid, _ = container(bundle("/probe", "exit", "0"))
    cell.wait_status(cid, "stopped")
    p = cell.run("exec", cid, "/probe")
    assert p.returncode == 255  # exec's own failure, as runc: not the process' 1
    assert "stopped" in p.stderr
    assert "{" not in p.stdout


def test_created_container(cell, bundle):
    """runc and cell both allow exec before start; the init is unaffected."""
    b = bundle("/probe", "sleep", "1000")
    cid = cell.create(b)
    try:
        info = exec_probe(cell, cid, "ns", "pid")
        init = cell.state(cid)["pid"]
        assert info["ns"]["pid"] == os.readlink("/proc/%d/ns/pid" % init)
        assert cell.state(cid)["status"] == "created"
    finally:
        cell.delete(cid, force=True)


def test_paused_container(cell, container):
    cid, _ = container()
    cell.run("pause", cid, check=True)
    try:
        assert cell.state(cid)["status"] == "paused"
        p = cell.run("exec", cid, "/probe", timeout=10)
        assert p.returncode == 255  # exec's own failure, as runc: not the process' 1
        assert "paused" in p.stderr
        assert "{" not in p.stdout
    finally:
        cell.run("resume", cid, check=True)
    assert exec_probe(cell, cid, "pid")["pid"] > 1


@pytest.mark.parametrize("cmd,message", [
    ("/no/such/binary", "no such file or directory"),
    ("no-such-command", "executable file not found in $path"),
    ("/etc/passwd", "permission denied"),
])
def test_missing_command(cell, container, cmd, message):
    cid, _ = container()
    p = cell.run("exec", cid, cmd)
    assert p.returncode == 255  # exec's own failure, as runc: not the process' 1
    assert message in p.stderr.lower()
    # The container is unaffected.
    assert cell.state(cid)["status"] == "running"


def test_missing_command_detached(cell, container, testdir):
    cid, _ = container()
    pidfile = os.path.join(testdir, "pid")
    p = cell.run("exec", "-d", "--pid-file", pidfile, cid, "/no/such/binary")
    assert p.returncode != 0
    assert "no such file or directory" in p.stderr.lower()
    assert not os.path.exists(pidfile)


def test_pid_file_in_missing_directory(cell, container, testdir):
    """exec's own failure exits 255 (runc), the process' own 1 stays 1: a
    caller tells "could not run" from "ran and failed" by it."""
    cid, _ = container()
    pidfile = os.path.join(testdir, "no-such-dir", "pid")
    p = cell.run("exec", "-d", "--pid-file", pidfile, cid, "/probe", "sleep", "100")
    assert p.returncode == 255, p.stderr
    assert "no-such-dir" in p.stderr
    assert not os.path.exists(pidfile)
    p = cell.run("exec", cid, "/bin/sh", "-c", "exit 1")
    assert p.returncode == 1, p.stderr


def test_no_command(cell, container):
    cid, _ = container()
    p = cell.run("exec", cid)
    assert p.returncode != 0
    assert p.stderr.strip()


def test_user_unmapped_in_user_namespace(cell, container, bundle):
    b = bundle("/probe", "sleep", "1000")
    b.set_namespace("user")
    b.linux["uidMappings"] = MAPPING
    b.linux["gidMappings"] = MAPPING
    cid, _ = container(b)
    p = cell.run("exec", "-u", "70000", cid, "/probe", "ids")
    assert p.returncode != 0
    assert "{" not in p.stdout
    assert p.stderr.strip()


def test_oom_score_adj_from_config(cell, container, bundle):
    b = bundle("/probe", "sleep", "1000")
    b.process["oomScoreAdj"] = 123
    cid, _ = container(b)
    assert exec_probe(cell, cid, "oom")["oom_score_adj"] == 123


def test_pid_file_relative(cell, container, testdir):
    cid, _ = container()
    p = cell.run("exec", "-d", "--pid-file", "rel.pid", cid, "/probe", "sleep", "100",
                 cwd=testdir)
    assert p.returncode == 0, p.stderr
    with open(os.path.join(testdir, "rel.pid")) as f:
        pid = int(f.read())
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        assert f.read().startswith(b"/probe\0sleep")


def _cgroup_of(pid, controller):
    """The cgroup of `pid` on the v1 hierarchy holding `controller`."""
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if controller in ctrls.split(","):
                return path
    return None


@pytest.fixture
def sub_cgroup():
    """sub_cgroup(init_pid, controller, name) -> host directory made below
    the container's cgroup on that v1 hierarchy; removed at teardown."""
    made = []

    def make(pid, controller, name):
        path = _cgroup_of(pid, controller)
        if path is None or not os.path.isdir("/sys/fs/cgroup/" + controller):
            pytest.skip("no v1 %s hierarchy" % controller)
        d = "/sys/fs/cgroup/%s%s/%s" % (controller, path, name)
        os.mkdir(d)
        made.append(d)
        return path

    yield make
    for d in reversed(made):
        for _ in range(100):
            try:
                os.rmdir(d)
                break
            except OSError:
                time.sleep(0.05)


def test_exec_cgroup_sub_path(cell, container, sub_cgroup):
    """runc's `exec --cgroup CONTROLLER:PATH`: the process runs in the
    existing sub-cgroup of the container's, on that hierarchy only."""
    cid, pid = container()
    base = sub_cgroup(pid, "pids", "sub")
    p = cell.run("exec", "--cgroup", "pids:sub", cid, "/bin/cat", "/proc/self/cgroup")
    assert p.returncode == 0, p.stderr
    seen = dict((ln.split(":", 2)[1], ln.split(":", 2)[2]) for ln in p.stdout.splitlines())
    pids = [v for k, v in seen.items() if "pids" in k.split(",")]
    # Inside a cgroup namespace the path is relative to the container's.
    assert pids and (pids[0] == base + "/sub" or pids[0] == "/sub"), p.stdout
    memory = [v for k, v in seen.items() if "memory" in k.split(",")]
    assert memory and not memory[0].endswith("/sub"), p.stdout
    # Without --cgroup the process stays in the container's own.
    p = cell.run("exec", cid, "/bin/cat", "/proc/self/cgroup")
    assert p.returncode == 0, p.stderr
    assert "/sub" not in p.stdout


@pytest.mark.parametrize("arg,message", [
    ("pids:../escape", "is not a sub cgroup path"),
    ("pids:sub/../../escape", "is not a sub cgroup path"),
    ("pids:no-such-sub", "no-such-sub"),
    ("no-such-controller:sub", "unknown controller no-such-controller"),
    ("pids:a:b", "invalid --cgroup argument"),
])
def test_exec_cgroup_refused(cell, container, sub_cgroup, arg, message):
    """A path leaving the container's cgroup, a missing sub-cgroup, an
    unknown controller: exec fails as runc's does, runs nothing and leaves
    nothing behind."""
    cid, pid = container()
    sub_cgroup(pid, "pids", "sub")
    p = cell.run("exec", "--cgroup", arg, cid, "/bin/sh", "-c", "echo ran")
    assert p.returncode == 255, p.stderr
    assert message in p.stderr
    assert "ran" not in p.stdout
    assert not os.path.exists("/sys/fs/cgroup/pids/escape")


def test_exec_cgroup_without_controller_needs_one_argument(cell, container):
    cid, _ = container()
    p = cell.run("exec", "--cgroup", "a", "--cgroup", "b", cid, "/bin/true")
    assert p.returncode != 0
    assert "missing <controller>: prefix" in p.stderr


def test_exec_ignore_paused(cell, container, testdir):
    """runc's --ignore-paused: exec in a paused container is allowed; the
    process starts frozen and runs once the container is resumed.  Without
    the flag exec refuses, in runc's words."""
    cid, _ = container()
    cell.run("pause", cid, check=True)
    try:
        p = cell.run("exec", "-d", cid, "/bin/true", timeout=10)
        assert p.returncode == 255
        assert "cannot exec in a paused container (use --ignore-paused to override)" in p.stderr
        proc = cell.popen("exec", "-d", "--ignore-paused", cid, "/bin/sh", "-c",
                          "echo ran > /tmp/ignore-paused", stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        # Still starting (frozen), or done: never refused.
        rc = proc.poll()
        assert rc in (None, 0), proc.stderr.read()
    finally:
        cell.run("resume", cid, check=True)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    for _ in range(100):
        p = cell.run("exec", cid, "/bin/cat", "/tmp/ignore-paused")
        if p.returncode == 0:
            break
        time.sleep(0.1)
    assert p.stdout.strip() == "ran", p.stderr

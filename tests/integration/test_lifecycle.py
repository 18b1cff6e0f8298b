# SPDX-License-Identifier: Apache-2.0
"""create / start / state / kill / delete / run / list, as runc does them."""

import json
import os
import signal
import time

import pytest

from bundles import LineReader, is_cell


def assert_does_not_exist(p, cid):
    """runc 1.1 says "container does not exist"; cell uses the wording of
    newer runc that podman and containerd match: container "ID" does not exist."""
    assert p.returncode == 1
    if is_cell():
        assert 'container "%s" does not exist' % cid in p.stderr
    else:
        assert "does not exist" in p.stderr


def assert_no_container(cell, cid):
    assert_does_not_exist(cell.run("state", cid), cid)
    assert not os.path.exists(os.path.join(cell.root, cid))


def test_create_start_kill_delete(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)

    st = cell.state(cid)
    assert st["status"] == "created"
    assert st["id"] == cid
    assert st["pid"] > 0
    assert os.path.realpath(st["bundle"]) == os.path.realpath(b.path)
    assert st["ociVersion"].startswith("1.")
    # The init waits for `start` and already lives in its own namespaces.
    assert os.path.exists("/proc/%d" % st["pid"])
    assert os.readlink("/proc/%d/ns/pid" % st["pid"]) != os.readlink("/proc/self/ns/pid") or \
        os.readlink("/proc/%d/ns/pid_for_children" % st["pid"]) != \
        os.readlink("/proc/self/ns/pid")

    cell.start(cid)
    st = cell.wait_status(cid, "running")
    assert st["pid"] > 0
    with open("/proc/%d/cmdline" % st["pid"], "rb") as f:
        assert f.read().split(b"\0")[:3] == [b"/probe", b"sleep", b"100"]

    cell.kill(cid, "KILL")
    st = cell.wait_status(cid, "stopped")

    cell.delete(cid)
    assert_no_container(cell, cid)


def test_state_unknown(cell):
    assert_no_container(cell, "nonexistent-container")


def test_start_twice_fails(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    try:
        cell.start(cid)
        p = cell.start(cid, check=False)
        assert p.returncode == 1
        assert p.stderr.strip()
    finally:
        cell.delete(cid, force=True)


def test_delete_running_needs_force(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    try:
        cell.start(cid)
        p = cell.delete(cid, check=False)
        assert p.returncode == 1
        assert "running" in p.stderr
        assert cell.state(cid)["status"] == "running"
    finally:
        cell.delete(cid, force=True)
    assert_no_container(cell, cid)


def test_delete_created(cell, bundle):
    """Deleting a created (never started) container kills its init."""
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    pid = cell.state(cid)["pid"]
    cell.delete(cid)
    assert_no_container(cell, cid)
    deadline = time.monotonic() + 5
    while os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
        time.sleep(0.02)


def test_delete_force_running(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    cell.start(cid)
    pid = cell.state(cid)["pid"]
    cell.delete(cid, force=True)
    assert_no_container(cell, cid)
    assert not os.path.exists("/proc/%d/cmdline" % pid) or \
        open("/proc/%d/cmdline" % pid, "rb").read() == b""


def test_delete_force_unknown_succeeds(cell):
    p = cell.run("delete", "--force", "never-existed")
    assert p.returncode == 0, p.stderr


def test_delete_unknown_fails(cell):
    assert_does_not_exist(cell.run("delete", "never-existed"), "never-existed")


def test_stopped_after_exit(cell, bundle):
    b = bundle("/probe", "exit", "0")
    cid = cell.create(b)
    cell.start(cid)
    st = cell.wait_status(cid, "stopped")
    assert st["id"] == cid
    cell.delete(cid)
    assert_no_container(cell, cid)


def test_duplicate_id(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    try:
        p = cell.create(b, cid, check=False)
        assert p.returncode == 1
        assert "exists" in p.stderr
        if is_cell():
            assert "container with id exists: %s" % cid in p.stderr
        assert cell.state(cid)["status"] == "created"
    finally:
        cell.delete(cid, force=True)


def test_pid_file(cell, bundle, testdir):
    b = bundle("/probe", "sleep", "100")
    pidfile = os.path.join(testdir, "pidfile")
    cid = cell.create(b, None, "--pid-file", pidfile)
    try:
        with open(pidfile) as f:
            content = f.read()
        assert content.strip().isdigit()
        assert int(content) == cell.state(cid)["pid"]
    finally:
        cell.delete(cid, force=True)


def test_pid_file_relative(cell, bundle, testdir):
    b = bundle("/probe", "sleep", "100")
    cid = cell.new_id()
    b.save()
    p = cell.run("create", "--bundle", b.path, "--pid-file", "rel.pid", cid, cwd=testdir)
    assert p.returncode == 0, p.stderr
    try:
        with open(os.path.join(testdir, "rel.pid")) as f:
            assert int(f.read()) == cell.state(cid)["pid"]
    finally:
        cell.delete(cid, force=True)


def test_bundle_defaults_to_cwd(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    cid = cell.new_id()
    p = cell.run("create", cid, cwd=b.path)
    assert p.returncode == 0, p.stderr
    try:
        assert os.path.realpath(cell.state(cid)["bundle"]) == os.path.realpath(b.path)
    finally:
        cell.delete(cid, force=True)


def test_option_equals_form(cell, bundle):
    b = bundle("/probe", "exit", "0")
    cid = cell.new_id()
    p = cell.run("--root=" + cell.root, "run", "--bundle=" + b.path, cid)
    assert p.returncode == 0, p.stderr


def test_state_annotations(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    b.config["annotations"] = {"org.example.key": "value", "other": "x y"}
    cid = cell.create(b)
    try:
        st = cell.state(cid)
        assert st.get("annotations") == {"org.example.key": "value", "other": "x y"}
    finally:
        cell.delete(cid, force=True)


def test_pid_reuse_not_mistaken(cell, bundle):
    """A stopped container stays stopped even though its pid number may be
    reused: status is derived from pid + start time."""
    b = bundle("/probe", "exit", "0")
    cid = cell.create(b)
    cell.start(cid)
    cell.wait_status(cid, "stopped")
    time.sleep(0.1)
    assert cell.state(cid)["status"] == "stopped"
    cell.delete(cid)


# ---- run --------------------------------------------------------------------

@pytest.mark.parametrize("code", [0, 3, 255])
def test_run_exit_code(cell, bundle, code):
    b = bundle()
    b.set_args("/probe", "exit", str(code))
    p = cell.run_bundle(b)
    assert p.returncode == code, p.stderr
    assert cell.run("list", "-q").stdout.strip() == ""


@pytest.mark.parametrize("sig,code", [("KILL", 137), ("TERM", 143), ("SEGV", 139)])
def test_run_killed_by_signal(cell, bundle, sig, code):
    # PID 1 of a pid namespace cannot kill itself with a signal: run this
    # one without a pid namespace.
    b = bundle("/probe", "kill-self", sig)
    b.remove_namespace("pid")
    p = cell.run_bundle(b)
    assert p.returncode == code, (p.stdout, p.stderr)


def test_run_killed_from_outside(cell, bundle):
    b = bundle("/probe", "signals")
    b.save()
    cid = cell.new_id()
    proc = cell.popen("run", "--bundle", b.path, cid)
    try:
        assert LineReader(proc.stdout).readline() == "ready\n"
        cell.kill(cid, "KILL")
        assert proc.wait(timeout=10) == 137
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert_no_container(cell, cid)


def test_run_stops_on_sigterm_while_creating(cell, bundle, testdir):
    """A foreground run blocks its signals from the start (none meant for
    the container may be lost), yet while the container is still being
    created (here: a slow createContainer hook) SIGTERM must end the run
    rather than wait until the container runs, and leave nothing behind."""
    if not is_cell():
        pytest.skip("runc 1.1 holds the signal until the container has started")
    started = os.path.join(testdir, "hook-started")
    b = bundle("/probe", "exit", "0")
    b.add_hook("createContainer", "/bin/sh", ["sh", "-c", "touch %s; exec sleep 20" % started])
    b.save()
    cid = cell.new_id()
    proc = cell.popen("run", "--bundle", b.path, cid)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(started) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert os.path.exists(started), "the createContainer hook did not run"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
        assert time.monotonic() - t0 < 5
        assert rc != 0
        assert "interrupted by signal 15" in proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert_no_container(cell, cid)


def test_run_output_passthrough(cell, bundle):
    b = bundle("/bin/sh", "-c", "echo out; echo err >&2; read x; echo got $x")
    p = cell.run_bundle(b, input="line\n")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "out\ngot line\n"
    assert "err\n" in p.stderr


def test_run_deletes_container(cell, bundle):
    b = bundle("/probe", "exit", "0")
    cid = cell.new_id()
    p = cell.run_bundle(b, cid=cid)
    assert p.returncode == 0
    assert_no_container(cell, cid)


@pytest.mark.parametrize("signame", ["SIGUSR1", "SIGUSR2", "SIGHUP", "SIGINT", "SIGQUIT"])
def test_run_forwards_signals(cell, bundle, signame):
    b = bundle("/probe", "signals")
    b.save()
    cid = cell.new_id()
    proc = cell.popen("run", "--bundle", b.path, cid)
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


def test_run_detach(cell, bundle, testdir):
    b = bundle("/probe", "sleep", "100")
    b.save()
    cid = cell.new_id()
    pidfile = os.path.join(testdir, "pid")
    p = cell.run("run", "--detach", "--pid-file", pidfile, "--bundle", b.path, cid, timeout=10)
    assert p.returncode == 0, p.stderr
    try:
        st = cell.state(cid)
        assert st["status"] == "running"
        assert int(open(pidfile).read()) == st["pid"]
    finally:
        cell.delete(cid, force=True)
    assert_no_container(cell, cid)


def test_run_detach_short_option(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    b.save()
    cid = cell.new_id()
    p = cell.run("run", "-d", "-b", b.path, cid, timeout=10)
    assert p.returncode == 0, p.stderr
    try:
        assert cell.state(cid)["status"] == "running"
    finally:
        cell.delete(cid, force=True)


# ---- list -------------------------------------------------------------------

def test_list(cell, bundle):
    b1 = bundle("/probe", "sleep", "100")
    b2 = bundle("/probe", "sleep", "100")
    id1 = cell.create(b1)
    id2 = cell.create(b2)
    try:
        cell.start(id2)
        entries = {e["id"]: e for e in cell.list_json()}
        assert set(entries) == {id1, id2}
        assert entries[id1]["status"] == "created"
        assert entries[id2]["status"] == "running"
        assert entries[id2]["pid"] == cell.state(id2)["pid"]
        assert os.path.realpath(entries[id1]["bundle"]) == os.path.realpath(b1.path)

        q = cell.run("list", "--quiet", check=True).stdout.split()
        assert sorted(q) == sorted([id1, id2])
        q = cell.run("list", "-q", check=True).stdout.split()
        assert sorted(q) == sorted([id1, id2])

        table = cell.run("list", check=True).stdout.splitlines()
        assert table[0].split()[:4] == ["ID", "PID", "STATUS", "BUNDLE"]
        rows = {ln.split()[0]: ln.split() for ln in table[1:]}
        assert rows[id1][2] == "created"
        assert rows[id2][2] == "running"
        assert rows[id2][1] == str(entries[id2]["pid"])

        table = cell.run("list", "--format", "table", check=True).stdout.splitlines()
        assert len(table) == 3
    finally:
        cell.delete(id1, force=True)
        cell.delete(id2, force=True)


def test_list_empty(cell):
    p = cell.run("list", "--format", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) in ([], None)
    p = cell.run("list", "-q")
    assert p.returncode == 0 and p.stdout == ""


# ---- kill ---------------------------------------------------------------------

@pytest.mark.parametrize("sig,expect", [
    ("USR1", "SIGUSR1"), ("SIGUSR2", "SIGUSR2"), ("10", "SIGUSR1"), ("HUP", "SIGHUP"),
    (None, "SIGTERM"), ("TERM", "SIGTERM"),
])
def test_kill_signal_forms(cell, bundle, testdir, sig, expect):
    b = bundle("/bin/sh", "-c", "exec /probe signals > /out.txt")
    cid = cell.create(b)
    try:
        cell.start(cid)
        out = os.path.join(b.rootfs, "out.txt")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not open_or_empty(out).startswith("ready"):
            time.sleep(0.01)
        cell.kill(cid, sig)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and expect not in open_or_empty(out):
            time.sleep(0.01)
        assert open_or_empty(out).splitlines()[1] == expect
    finally:
        cell.delete(cid, force=True)


def open_or_empty(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


@pytest.mark.parametrize("sig", ["SIGFOO", "BOGUS", "999", "-1", "SIG", "12x"])
def test_kill_bad_signal(cell, bundle, sig):
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    try:
        cell.start(cid)
        p = cell.run("kill", "--", cid, sig)
        assert p.returncode == 1
        assert p.stderr.strip()
        if is_cell():
            assert "signal" in p.stderr.lower()
        assert cell.state(cid)["status"] == "running"
    finally:
        cell.delete(cid, force=True)


def test_kill_stopped_fails(cell, bundle):
    b = bundle("/probe", "exit", "0")
    cid = cell.create(b)
    cell.start(cid)
    cell.wait_status(cid, "stopped")
    p = cell.run("kill", cid, "KILL")
    assert p.returncode == 1
    assert "container not running" in p.stderr
    cell.delete(cid)


def test_kill_unknown(cell):
    assert_does_not_exist(cell.run("kill", "nope", "KILL"), "nope")


def test_kill_created_container(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    cell.kill(cid, "KILL")
    cell.wait_status(cid, "stopped")
    cell.delete(cid)
    assert_no_container(cell, cid)


def test_kill_all(cell, bundle):
    b = bundle("/bin/sh", "-c", "/probe sleep 100 & /probe sleep 100 & wait")
    cid = cell.create(b)
    try:
        cell.start(cid)
        time.sleep(0.2)
        cell.kill(cid, "KILL", all=True)
        cell.wait_status(cid, "stopped")
    finally:
        cell.delete(cid, force=True)


# ---- ids ----------------------------------------------------------------------

INVALID_IDS = ["has/slash", "..", "has space", "a:b", "ü", "x" * 1100, "a\nb", "*"]
# runc also accepts these; the grammar [A-Za-z0-9][A-Za-z0-9_.+-]* does not.
INVALID_IDS_CELL = ["-leading-dash", "_underscore-first", ".dot", "+plus"]


@pytest.mark.parametrize("cid", INVALID_IDS + INVALID_IDS_CELL)
def test_invalid_id(cell, bundle, cid):
    if cid in INVALID_IDS_CELL and not is_cell():
        pytest.skip("id grammar stricter than runc's")
    cell.ids.append(cid)  # delete --force it should it be created after all
    b = bundle("/probe", "exit", "0")
    b.save()
    p = cell.run("create", "--bundle", b.path, "--", cid)
    assert p.returncode == 1, p.stdout
    assert p.stderr.strip()
    if is_cell():
        assert "id" in p.stderr
    assert cell.run("list", "-q").stdout == ""
    assert not os.path.isdir(cell.root) or os.listdir(cell.root) == []


@pytest.mark.parametrize("prefix", ["a", "A9", "web.1", "x+y", "a_b-c", "0"])
def test_valid_id(cell, bundle, prefix):
    b = bundle("/probe", "exit", "0")
    cid = cell.new_id(prefix)
    p = cell.run_bundle(b, cid=cid)
    assert p.returncode == 0, p.stderr


def not_a_program(b):
    """An executable file the kernel will not run (execve: ENOEXEC)."""
    path = os.path.join(b.rootfs, "not-a-program")
    with open(path, "w") as f:
        f.write("no magic, no #!\n")
    os.chmod(path, 0o755)


def test_run_entrypoint_the_kernel_refuses(cell, bundle):
    """The last execve is cell-dmz's: its error reaches the user whole (the
    file and the kernel's reason), and nothing of the container is left."""
    b = bundle("/not-a-program")
    not_a_program(b)
    b.save()
    cid = cell.new_id()
    p = cell.run("run", "--bundle", b.path, cid)
    assert p.returncode != 0
    assert "/not-a-program" in p.stderr and "exec format error" in p.stderr.lower(), p.stderr
    assert_no_container(cell, cid)


def test_exec_of_a_file_the_kernel_refuses(cell, bundle):
    """The same for `exec`, whose cell-dmz forks into the pid namespace first."""
    b = bundle("/probe", "sleep", "100")
    not_a_program(b)
    cid = cell.create(b)
    cell.start(cid)
    cell.wait_status(cid, "running")
    p = cell.run("exec", cid, "/not-a-program")
    assert p.returncode != 0
    assert "/not-a-program" in p.stderr and "exec format error" in p.stderr.lower(), p.stderr
    assert cell.state(cid)["status"] == "running"
    cell.delete(cid, force=True)
    assert_no_container(cell, cid)


def test_state_directory_without_state_json(cell):
    """A container another command has half made or half removed (its
    directory, no state.json yet or any more) reads as one that does not
    exist: the answer podman and containerd take for "not found"."""
    cid = cell.new_id()
    os.makedirs(os.path.join(cell.root, cid))
    try:
        for args in (("state", cid), ("kill", cid, "KILL"), ("exec", cid, "/bin/true"),
                     ("pause", cid)):
            p = cell.run(*args)
            assert p.returncode != 0, (args, p.stderr)
            assert "does not exist" in p.stderr, (args, p.stderr)
            if args[0] == "exec":  # exec's own failure: 255, as runc's
                assert p.returncode == 255, (args, p.stderr)
            if is_cell():
                assert p.returncode == (255 if args[0] == "exec" else 1), (args, p.stderr)
                assert 'container "%s" does not exist' % cid in p.stderr, (args, p.stderr)
    finally:
        cell.run("delete", "--force", cid)
    assert_no_container(cell, cid)

# SPDX-License-Identifier: Apache-2.0
"""OCI hooks: all six kinds, the state on stdin, order, env/args, failures
and timeouts as the runtime-spec says."""

import json
import os
import time

import pytest

from bundles import is_cell

KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart",
         "poststop"]
STATUS = {"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
          "startContainer": "created", "poststart": "running", "poststop": "stopped"}

RECORDER = r'''#!/usr/bin/python3
import json, os, sys
kind, out = sys.argv[1], sys.argv[2]
raw = sys.stdin.read()
rec = {"kind": kind, "raw": raw, "argv": sys.argv, "env": dict(os.environ), "cwd": os.getcwd(),
       "ns": {n: os.readlink("/proc/self/ns/" + n) for n in ("mnt", "net", "pid", "uts")}}
try:
    pid = json.loads(raw).get("pid")
    if pid:
        rec["target_ns"] = {n: os.readlink("/proc/%d/ns/%s" % (pid, n)) for n in ("mnt", "net")}
except Exception as e:
    rec["error"] = repr(e)
with open(os.path.join(out, "records.jsonl"), "a") as f:
    f.write(json.dumps(rec) + "\n")
with open(os.path.join(out, "order"), "a") as f:
    f.write(kind + "\n")
'''


class Hooks:
    def __init__(self, testdir):
        self.dir = os.path.join(testdir, "hooks")
        os.makedirs(self.dir)
        self.recorder = os.path.join(self.dir, "recorder.py")
        with open(self.recorder, "w") as f:
            f.write(RECORDER)
        os.chmod(self.recorder, 0o755)

    def install(self, b, kinds=KINDS):
        """A recording hook for each kind; startContainer runs inside the
        container (its path resolves there), so it uses busybox and writes
        through a bind mount of the hook directory at /hooklog."""
        b.add_mount("/hooklog", "bind", self.dir, ["rbind", "rw"])
        for kind in kinds:
            if kind == "startContainer":
                b.add_hook(kind, "/bin/busybox",
                           ["sh", "-c", "cat > /hooklog/startContainer.json && "
                            "echo startContainer >> /hooklog/order"])
            else:
                b.add_hook(kind, "/usr/bin/python3", ["python3", self.recorder, kind, self.dir])

    def order(self):
        try:
            with open(os.path.join(self.dir, "order")) as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    def records(self):
        out = {}
        try:
            with open(os.path.join(self.dir, "records.jsonl")) as f:
                for line in f:
                    rec = json.loads(line)
                    rec["state"] = json.loads(rec["raw"])
                    out[rec["kind"]] = rec
        except FileNotFoundError:
            pass
        path = os.path.join(self.dir, "startContainer.json")
        if os.path.exists(path):
            with open(path) as f:
                out["startContainer"] = {"kind": "startContainer", "state": json.load(f)}
        return out


@pytest.fixture
def hooks(testdir):
    return Hooks(testdir)


def test_all_hooks_order_and_state(cell, bundle, hooks):
    b = bundle("/probe", "sleep", "100")
    hooks.install(b)
    cid = cell.create(b)
    assert hooks.order() == ["prestart", "createRuntime", "createContainer"]
    pid = cell.state(cid)["pid"]
    cell.start(cid)
    assert hooks.order() == ["prestart", "createRuntime", "createContainer", "startContainer",
                             "poststart"]
    cell.kill(cid, "KILL")
    cell.wait_status(cid, "stopped")
    cell.delete(cid)
    assert hooks.order() == KINDS

    recs = hooks.records()
    for kind in KINDS:
        st = recs[kind]["state"]
        assert st["id"] == cid, kind
        assert st["ociVersion"].startswith("1."), kind
        assert os.path.realpath(st["bundle"]) == os.path.realpath(b.path), kind
        assert st["status"] == STATUS[kind], (kind, st["status"])
        if kind != "poststop":
            assert st["pid"] == pid, kind


def test_hook_namespaces(cell, bundle, hooks):
    """prestart/createRuntime run in the runtime's namespaces while the
    container's already exist; createContainer runs in the container's mount
    namespace."""
    b = bundle()
    hooks.install(b, ["prestart", "createRuntime", "createContainer"])
    info = cell.probe(b, "ns")
    recs = hooks.records()
    host_mnt = os.readlink("/proc/self/ns/mnt")
    host_net = os.readlink("/proc/self/ns/net")
    for kind in ("prestart", "createRuntime"):
        assert recs[kind]["ns"]["mnt"] == host_mnt, kind
        assert recs[kind]["ns"]["net"] == host_net, kind
        assert recs[kind]["target_ns"]["net"] == info["ns"]["net"], kind
    assert recs["createContainer"]["ns"]["mnt"] == info["ns"]["mnt"]
    assert recs["createContainer"]["ns"]["mnt"] != host_mnt


def test_hook_env_and_args(cell, bundle, hooks):
    b = bundle("/probe", "exit", "0")
    b.add_hook("prestart", "/usr/bin/python3",
               ["custom-argv0", hooks.recorder, "prestart", hooks.dir],
               env=["FOO=bar", "PATH=/usr/bin:/bin"])
    p = cell.run_bundle(b, env=dict(os.environ, HOST_ONLY="leak"))
    assert p.returncode == 0, p.stderr
    rec = hooks.records()["prestart"]
    assert rec["env"].get("FOO") == "bar"
    assert "HOST_ONLY" not in rec["env"]
    assert rec["argv"] == [hooks.recorder, "prestart", hooks.dir]


def test_hook_without_env_inherits_like_runc(cell, bundle, hooks):
    """A hook without `env` gets the environment its runner has, as with runc
    (and crun): the runtime's own for prestart, createRuntime, poststart and
    poststop; process.env for createContainer and startContainer, which the
    container's init runs.  (A near-empty environment breaks hooks that need
    PATH or the caller's settings, nvidia's and podman's among them.)"""
    b = bundle("/probe", "sleep", "100")
    b.add_env("HOOK_PROCESS_MARK=from-process-env")
    hooks.install(b, ["prestart", "createRuntime", "createContainer", "poststart", "poststop"])
    b.add_hook("startContainer", "/bin/busybox",
               ["sh", "-c", "env > /hooklog/startContainer.env"])
    env = dict(os.environ, HOOK_RUNTIME_MARK="from-the-runtime")
    cid = cell.new_id()
    b.save()
    for args in (("create", "--bundle", b.path, cid), ("start", cid)):
        p = cell.run(*args, env=env)
        assert p.returncode == 0, p.stderr
    cell.kill(cid, "KILL")
    cell.wait_status(cid, "stopped")
    assert cell.run("delete", cid, env=env).returncode == 0
    recs = hooks.records()
    for kind in ("prestart", "createRuntime", "poststart", "poststop"):
        assert recs[kind]["env"].get("HOOK_RUNTIME_MARK") == "from-the-runtime", kind
        assert recs[kind]["env"].get("PATH") == os.environ["PATH"], kind
    cc_env = recs["createContainer"]["env"]
    assert cc_env.get("HOOK_PROCESS_MARK") == "from-process-env"
    assert "HOOK_RUNTIME_MARK" not in cc_env
    with open(os.path.join(hooks.dir, "startContainer.env")) as f:
        sc_env = f.read().splitlines()
    assert "HOOK_PROCESS_MARK=from-process-env" in sc_env
    assert not [e for e in sc_env if e.startswith("HOOK_RUNTIME_MARK=")]


def test_hook_working_directory(cell, bundle, hooks, tmp_path):
    """As runc: prestart, createRuntime and poststart run in the bundle,
    createContainer in the root filesystem, startContainer in the
    container's "/", poststop in the caller's directory."""
    b = bundle("/probe", "sleep", "100")
    hooks.install(b, ["prestart", "createRuntime", "createContainer", "poststart", "poststop"])
    b.add_hook("startContainer", "/bin/busybox", ["sh", "-c", "pwd > /hooklog/startContainer.cwd"])
    caller = str(tmp_path)
    cid = cell.new_id()
    b.save()
    for args in (("create", "--bundle", b.path, cid), ("start", cid)):
        p = cell.run(*args, cwd=caller)
        assert p.returncode == 0, p.stderr
    cell.kill(cid, "KILL")
    cell.wait_status(cid, "stopped")
    assert cell.run("delete", cid, cwd=caller).returncode == 0
    recs = hooks.records()
    real = os.path.realpath
    for kind in ("prestart", "createRuntime", "poststart"):
        assert real(recs[kind]["cwd"]) == real(b.path), kind
    assert real(recs["createContainer"]["cwd"]) == real(b.file("rootfs"))
    assert real(recs["poststop"]["cwd"]) == real(caller)
    with open(os.path.join(hooks.dir, "startContainer.cwd")) as f:
        assert f.read() == "/\n"


def test_hook_argv0(cell, bundle, hooks):
    """args[0] is the hook's argv[0], distinct from its path."""
    b = bundle("/probe", "exit", "0")
    b.add_hook("createRuntime", "/bin/busybox",
               ["sh", "-c", 'echo "$0 $1" > %s/argv' % hooks.dir, "zero", "one"])
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    with open(os.path.join(hooks.dir, "argv")) as f:
        assert f.read() == "zero one\n"


def test_multiple_hooks_in_order(cell, bundle, hooks):
    b = bundle("/probe", "exit", "0")
    for i in range(3):
        b.add_hook("createRuntime", "/bin/sh",
                   ["sh", "-c", "echo cr%d >> %s/order" % (i, hooks.dir)])
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    assert hooks.order() == ["cr0", "cr1", "cr2"]


@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer"])
def test_failing_create_hook_fails_create(cell, bundle, hooks, kind):
    b = bundle("/probe", "sleep", "100")
    b.add_hook(kind, "/bin/sh", ["sh", "-c", "cat >/dev/null; exit 3"])
    b.add_hook(kind, "/bin/sh", ["sh", "-c", "echo never >> %s/order" % hooks.dir])
    cid = cell.new_id()
    p = cell.create(b, cid, check=False)
    assert p.returncode == 1
    if is_cell():
        assert kind in p.stderr
        assert "3" in p.stderr
    assert hooks.order() == []  # later hooks of the kind did not run
    assert cell.run("list", "-q").stdout == ""
    assert not os.path.exists(os.path.join(cell.root, cid))


def test_failing_prestart_runs_poststop(cell, bundle, hooks):
    """Spec: a failing prestart/createRuntime hook stops the container and
    continues the lifecycle at delete, which runs the poststop hooks."""
    b = bundle("/probe", "sleep", "100")
    b.add_hook("prestart", "/bin/false", ["false"])
    hooks.install(b, ["poststop"])
    p = cell.create(b, None, check=False)
    assert p.returncode == 1
    assert cell.run("list", "-q").stdout == ""
    assert hooks.order() == ["poststop"]


def test_failing_start_container_hook(cell, bundle, hooks):
    """Spec: a failing startContainer hook is an error; the container is
    stopped and the user process never runs."""
    b = bundle("/probe", "sleep", "100")
    b.add_hook("startContainer", "/bin/busybox", ["sh", "-c", "exit 5"])
    cid = cell.create(b)
    try:
        p = cell.start(cid, check=False)
        assert p.returncode == 1
        if is_cell():
            assert "startContainer" in p.stderr
        st = cell.wait_status(cid, "stopped")
        assert st["status"] == "stopped"
    finally:
        cell.delete(cid, force=True)


def test_failing_poststart_only_warns(cell, bundle, hooks):
    b = bundle("/probe", "sleep", "100")
    b.add_hook("poststart", "/bin/sh", ["sh", "-c", "exit 4"])
    b.add_hook("poststart", "/bin/sh", ["sh", "-c", "echo second >> %s/order" % hooks.dir])
    cid = cell.create(b)
    try:
        p = cell.start(cid, check=False)
        assert p.returncode == 0, p.stderr
        assert cell.state(cid)["status"] == "running"
        assert hooks.order() == ["second"]
        if is_cell():
            assert "poststart" in p.stderr
    finally:
        cell.delete(cid, force=True)


def test_failing_poststop_only_warns(cell, bundle, hooks):
    b = bundle("/probe", "exit", "0")
    b.add_hook("poststop", "/bin/sh", ["sh", "-c", "exit 4"])
    b.add_hook("poststop", "/bin/sh", ["sh", "-c", "echo second >> %s/order" % hooks.dir])
    cid = cell.create(b)
    cell.start(cid)
    cell.wait_status(cid, "stopped")
    p = cell.delete(cid, check=False)
    assert p.returncode == 0, p.stderr
    assert hooks.order() == ["second"]
    assert cell.run("list", "-q").stdout == ""


def test_hook_timeout(cell, bundle, hooks):
    b = bundle("/probe", "sleep", "100")
    b.add_hook("createRuntime", "/bin/sleep", ["sleep", "30"], timeout=1)
    t0 = time.monotonic()
    p = cell.create(b, None, check=False)
    elapsed = time.monotonic() - t0
    assert p.returncode == 1
    assert elapsed < 10
    if is_cell():
        assert "createRuntime" in p.stderr and "timed out" in p.stderr
    assert cell.run("list", "-q").stdout == ""


def test_hook_nonexistent_path(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    b.add_hook("prestart", "/nonexistent/hook", ["hook"])
    p = cell.create(b, None, check=False)
    assert p.returncode == 1
    if is_cell():
        assert "/nonexistent/hook" in p.stderr
    assert cell.run("list", "-q").stdout == ""


def test_run_runs_all_hooks(cell, bundle, hooks):
    b = bundle("/probe", "exit", "0")
    hooks.install(b)
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    assert hooks.order() == KINDS

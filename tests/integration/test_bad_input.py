# SPDX-License-Identifier: Apache-2.0
"""Malformed bundles and bad arguments.

Each case must make `create` (and `run`) exit 1 with a message that names
the field or object at fault, and leave nothing behind: no state directory,
no container listed, and (checked by the no_residue fixture) no mount,
cgroup or process.
"""

import json
import os
import resource

import pytest

from bundles import is_cell, runtime_name


def drop(d, *path):
    for k in path[:-1]:
        d = d[k]
    d.pop(path[-1], None)


def put(d, value, *path):
    for k in path[:-1]:
        d = d.setdefault(k, {})
    d[path[-1]] = value


def ns_add(b, entry):
    b.linux.setdefault("namespaces", []).append(entry)


def caps(b, kind, names):
    b.process.setdefault("capabilities", {})[kind] = names


def hook(b, kind, **h):
    b.config.setdefault("hooks", {}).setdefault(kind, []).append(h)


def make_file(path, content="x", mode=0o644):
    with open(path, "w") as f:
        f.write(content)
    os.chmod(path, mode)


# Raw config.json contents; None deletes the file.
RAW = object()


def raw(text):
    def mutate(b, ctx):
        return (RAW, text)
    return mutate


# (case id, mutator(bundle, ctx) -> None | (RAW, text), substring naming the field/object,
#  runc_also: True when runc 1.1 rejects it too -- used only to decide whether to run the case
#  against runc)
CASES = [
    ("no-config", raw(None), "config.json", True),
    ("invalid-json", raw("{not json"), "config.json", True),
    ("empty-config", raw(""), "config.json", True),
    ("config-array", raw("[1, 2]"), "config.json", True),
    ("truncated-json", raw('{"ociVersion": "1.0.2", "process": {'), "config.json", True),
    ("no-ociVersion", lambda b, c: drop(b.config, "ociVersion"), "ociVersion", False),
    ("ociVersion-2", lambda b, c: put(b.config, "2.0.0", "ociVersion"), "ociVersion", False),
    ("ociVersion-number", lambda b, c: put(b.config, 1, "ociVersion"), "ociVersion", True),
    ("ociVersion-garbage", lambda b, c: put(b.config, "banana", "ociVersion"), "ociVersion",
     False),
    ("no-process", lambda b, c: drop(b.config, "process"), "process", True),
    ("process-string", lambda b, c: put(b.config, "sh", "process"), "process", True),
    ("no-args", lambda b, c: drop(b.config, "process", "args"), "process.args", True),
    ("empty-args", lambda b, c: put(b.config, [], "process", "args"), "process.args", True),
    ("args-number", lambda b, c: put(b.config, ["/probe", 3], "process", "args"),
     "process.args", True),
    ("args-string", lambda b, c: put(b.config, "/probe", "process", "args"), "process.args",
     True),
    ("cwd-relative", lambda b, c: put(b.config, "tmp", "process", "cwd"), "process.cwd", True),
    ("cwd-missing", lambda b, c: drop(b.config, "process", "cwd"), "process.cwd", False),
    ("cwd-number", lambda b, c: put(b.config, 7, "process", "cwd"), "process.cwd", True),
    ("env-string", lambda b, c: put(b.config, "A=1", "process", "env"), "process.env", True),
    ("env-number", lambda b, c: put(b.config, ["A=1", 2], "process", "env"), "process.env",
     True),
    ("uid-string", lambda b, c: put(b.config, "root", "process", "user", "uid"),
     "process.user.uid", True),
    ("uid-negative", lambda b, c: put(b.config, -1, "process", "user", "uid"),
     "process.user.uid", True),
    ("gid-huge", lambda b, c: put(b.config, 2 ** 40, "process", "user", "gid"),
     "process.user.gid", True),
    ("terminal-string", lambda b, c: put(b.config, "yes", "process", "terminal"),
     "process.terminal", True),
    ("no-root", lambda b, c: drop(b.config, "root"), "root", True),
    ("root-no-path", lambda b, c: drop(b.config, "root", "path"), "root.path", True),
    ("rootfs-missing", lambda b, c: put(b.config, "no-such-rootfs", "root", "path"),
     "no-such-rootfs", True),
    ("rootfs-is-file", lambda b, c: (make_file(b.file("afile")),
                                     put(b.config, "afile", "root", "path"))[1],
     "afile", True),
    ("ns-unknown", lambda b, c: ns_add(b, {"type": "foo"}), "foo", True),
    ("ns-duplicate", lambda b, c: ns_add(b, {"type": "network"}), "network", True),
    ("ns-path-missing", lambda b, c: b.set_namespace("network", "/proc/999999999/ns/net"),
     "/proc/999999999/ns/net", True),
    ("ns-path-not-ns", lambda b, c: b.set_namespace("network", b.file("config.json")),
     "config.json", True),
    ("ns-path-relative", lambda b, c: b.set_namespace("network", "proc/1/ns/net"),
     "proc/1/ns/net", False),
    ("ns-type-number", lambda b, c: ns_add(b, {"type": 5}), "linux.namespaces", True),
    # runc 1.1 only warns about unknown capabilities; the issue makes them an error.
    ("cap-unknown", lambda b, c: caps(b, "bounding", ["CAP_KILL", "CAP_FOO"]), "CAP_FOO", False),
    ("cap-unknown-ambient", lambda b, c: caps(b, "ambient", ["CAP_BAR"]), "CAP_BAR", False),
    ("cap-not-array", lambda b, c: caps(b, "effective", "CAP_KILL"),
     "process.capabilities.effective", True),
    ("rlimit-unknown", lambda b, c: put(b.config, [{"type": "RLIMIT_FOO", "soft": 1,
                                                    "hard": 1}], "process", "rlimits"),
     "RLIMIT_FOO", True),
    ("rlimit-soft-above-hard", lambda b, c: put(b.config, [{"type": "RLIMIT_NOFILE",
                                                            "soft": 2048, "hard": 1024}],
                                                "process", "rlimits"), "process.rlimits[0]", True),
    ("rlimit-duplicate", lambda b, c: put(b.config, [
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 512},
        {"type": "RLIMIT_NOFILE", "soft": 256, "hard": 256}], "process", "rlimits"),
     "RLIMIT_NOFILE", False),
    ("rlimit-above-host-hard", lambda b, c: put(b.config, [{"type": "RLIMIT_NOFILE",
                                                            "soft": 1 << 30, "hard": 1 << 30}],
                                                "process", "rlimits"), "RLIMIT_NOFILE", True),
    ("mount-relative-dest", lambda b, c: b.add_mount("relative/dest", "tmpfs", "tmpfs"),
     "relative/dest", False),
    ("mount-no-dest", lambda b, c: b.config["mounts"].append({"type": "tmpfs",
                                                              "source": "tmpfs"}),
     "mounts", True),
    ("mount-missing-source", lambda b, c: b.add_mount("/data", "bind", "/nonexistent/src",
                                                      ["bind"]),
     "/nonexistent/src", True),
    ("mount-bad-type", lambda b, c: b.add_mount("/weird", "nosuchfs", "none"), "/weird", True),
    ("mount-bad-option", lambda b, c: b.add_mount("/badopt", "tmpfs", "tmpfs",
                                                  ["mode=notanumber"]),
     "/badopt", True),
    ("mount-options-string", lambda b, c: b.config["mounts"].append(
        {"destination": "/x", "type": "tmpfs", "source": "tmpfs", "options": "ro"}),
     "mounts", True),
    ("device-bad-type", lambda b, c: put(b.config, [{"path": "/dev/bad", "type": "x",
                                                     "major": 1, "minor": 3}],
                                         "linux", "devices"), "linux.devices[0].type", True),
    ("device-relative-path", lambda b, c: put(b.config, [{"path": "dev/rel", "type": "c",
                                                          "major": 1, "minor": 3}],
                                              "linux", "devices"), "dev/rel", False),
    ("uidmap-without-userns", lambda b, c: put(b.config, [{"containerID": 0,
                                                           "hostID": 1000, "size": 1}],
                                               "linux", "uidMappings"), "uidMappings", False),
    ("userns-without-maps", lambda b, c: b.set_namespace("user"), "uidMappings", False),
    ("sysctl-unknown", lambda b, c: put(b.config, {"kernel.no_such_knob": "1"}, "linux",
                                        "sysctl"), "kernel.no_such_knob", True),
    ("sysctl-not-namespaced", lambda b, c: put(b.config, {"vm.swappiness": "10"}, "linux",
                                               "sysctl"), "vm.swappiness", True),
    ("oom-out-of-range", lambda b, c: put(b.config, 1001, "process", "oomScoreAdj"),
     "oomScoreAdj", True),
    ("hostname-without-uts", lambda b, c: (b.remove_namespace("uts"),
                                           put(b.config, "h", "hostname"))[1],
     "hostname", True),
    ("propagation-bad", lambda b, c: put(b.config, "weird", "linux", "rootfsPropagation"),
     "rootfsPropagation", True),
    ("masked-relative", lambda b, c: put(b.config, ["proc/kcore"], "linux", "maskedPaths"),
     "maskedPaths", False),
    ("hook-relative-path", lambda b, c: hook(b, "prestart", path="relative/hook"),
     "relative/hook", False),
    ("hook-missing-path", lambda b, c: hook(b, "createRuntime", path="/nonexistent/hook"),
     "/nonexistent/hook", True),
    ("hook-no-path", lambda b, c: hook(b, "prestart", args=["x"]), "hooks.prestart", False),
    ("hook-fails", lambda b, c: hook(b, "prestart", path="/bin/sh", args=["sh", "-c", "exit 1"]),
     "prestart", True),
    ("hook-times-out", lambda b, c: hook(b, "createRuntime", path="/bin/sleep",
                                         args=["sleep", "30"], timeout=1), "createRuntime", True),
    ("hook-timeout-zero", lambda b, c: hook(b, "prestart", path="/bin/true", timeout=0),
     "timeout", False),
    ("exec-missing", lambda b, c: put(b.config, ["/nonexistent-binary"], "process", "args"),
     "no such file or directory", True),
    ("exec-not-in-path", lambda b, c: put(b.config, ["nosuchcommand"], "process", "args"),
     "nosuchcommand", True),
    ("exec-is-directory", lambda b, c: put(b.config, ["/etc"], "process", "args"), "/etc", True),
    ("exec-not-executable", lambda b, c: (make_file(os.path.join(b.rootfs, "notexec")),
                                          put(b.config, ["/notexec"], "process", "args"))[1],
     "/notexec", True),
    ("scheduler-unknown", lambda b, c: put(b.config, {"policy": "SCHED_FOO"}, "process",
                                           "scheduler"), "process.scheduler", False),
    ("ioprio-unknown", lambda b, c: put(b.config, {"class": "IOPRIO_CLASS_FOO", "priority": 1},
                                        "process", "ioPriority"), "process.ioPriority", False),
    ("personality-unknown", lambda b, c: put(b.config, {"domain": "LINUX64"}, "linux",
                                             "personality"), "linux.personality", False),
    ("time-offsets-without-timens", lambda b, c: put(b.config, {"monotonic": {"secs": 1}},
                                                     "linux", "timeOffsets"),
     "timeOffsets", False),
    # (uid_t)-1 is "unchanged" to setresuid(2): the process would stay root.
    # runc refuses ids above 2^31-1.
    ("uid-4294967295", lambda b, c: put(b.config, 4294967295, "process", "user", "uid"),
     "process.user.uid", True),
    ("gid-4294967295", lambda b, c: put(b.config, 4294967295, "process", "user", "gid"),
     "process.user.gid", True),
    ("additional-gid-4294967295", lambda b, c: put(b.config, [4294967295], "process", "user",
                                                   "additionalGids"),
     "process.user.additionalGids[0]", True),
    # A NUL inside a JSON string: C would cut the string there.
    ("env-nul", lambda b, c: b.add_env("TERM=x\0LD_PRELOAD=/x"), "process.env[2]", True),
    ("args-nul", lambda b, c: put(b.config, ["/probe", "exit\0x", "0"], "process", "args"),
     "process.args[1]", False),
    ("cwd-nul", lambda b, c: put(b.config, "/tmp\0/x", "process", "cwd"), "process.cwd", False),
    ("root-nul", lambda b, c: put(b.config, "rootfs\0x", "root", "path"), "root.path", False),
    ("mount-dest-nul", lambda b, c: b.add_mount("/dev/mqueue\0/../../x", "tmpfs", "tmpfs"),
     "destination", True),
    ("masked-nul", lambda b, c: put(b.config, ["/proc/kcore\0x"], "linux", "maskedPaths"),
     "linux.maskedPaths[0]", False),
    ("hostname-nul", lambda b, c: put(b.config, "h\0x", "hostname"), "hostname", False),
    ("hook-env-nul", lambda b, c: hook(b, "prestart", path="/bin/true", env=["A=1\0B=2"]),
     "hooks.prestart[0].env[0]", False),
    ("annotation-nul", lambda b, c: put(b.config, {"a": "b\0c"}, "annotations"),
     "annotations.a", False),
    ("annotation-key-nul", lambda b, c: put(b.config, {"a\0b": "c"}, "annotations"),
     "NUL byte", False),
    # Environment entries runc refuses when the process starts.
    ("env-no-equals", lambda b, c: b.add_env("NOEQUALS"), "process.env[2]", True),
    ("env-empty-name", lambda b, c: b.add_env("=x"), "process.env[2]", True),
    # json-c saturates integers beyond 64 bits: 2^64 would be "unlimited".
    ("rlimit-2-64", lambda b, c: put(b.config, [{"type": "RLIMIT_CORE", "soft": 0,
                                                 "hard": 2 ** 64}], "process", "rlimits"),
     "18446744073709551616", True),
    ("rlimit-huge", lambda b, c: put(b.config, [{"type": "RLIMIT_CORE", "soft": 10 ** 30,
                                                 "hard": 10 ** 30}], "process", "rlimits"),
     "1000000000000000000000000000000", True),
    ("device-setuid", lambda b, c: put(b.config, [{"path": "/dev/xx", "type": "c", "major": 1,
                                                   "minor": 3, "fileMode": 0o4666}],
                                       "linux", "devices"), "linux.devices[0].fileMode", False),
    ("device-null-replaced", lambda b, c: put(b.config, [{"path": "/dev//null", "type": "c",
                                                          "major": 1, "minor": 5}],
                                              "linux", "devices"), "/dev/null", False),
]

IDS = [c[0] for c in CASES]
assert len(CASES) >= 40


def prepare(bundle, testdir, mutate):
    b = bundle("/probe", "exit", "0")
    b.save()
    result = mutate(b, {"testdir": testdir})
    cfg = os.path.join(b.path, "config.json")
    if isinstance(result, tuple) and result[0] is RAW:
        if result[1] is None:
            os.unlink(cfg)
        else:
            with open(cfg, "w") as f:
                f.write(result[1])
    else:
        b.save()
    return b


def assert_nothing_left(cell, cid):
    p = cell.run("list", "-q")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "", "containers left: %r" % p.stdout
    assert not os.path.exists(os.path.join(cell.root, cid))


@pytest.mark.parametrize("verb", ["create", "run"])
@pytest.mark.parametrize("name,mutate,needle,runc_also", CASES, ids=IDS)
def test_bad_bundle(cell, bundle, testdir, verb, name, mutate, needle, runc_also):
    if not is_cell() and not runc_also:
        pytest.skip("%s accepts this (stricter than runc 1.1)" % runtime_name())
    b = prepare(bundle, testdir, mutate)
    cid = cell.new_id()
    p = cell.run(verb, "--bundle", b.path, cid, timeout=20)
    assert p.returncode == 1, "exit %d\nstdout: %s\nstderr: %s" % (p.returncode, p.stdout,
                                                                   p.stderr)
    if is_cell():
        assert needle.lower() in p.stderr.lower(), "message does not name %r: %s" % (
            needle, p.stderr)
        assert p.stderr.count("\n") <= 3, "expected a short message, got:\n" + p.stderr
    assert_nothing_left(cell, cid)


# ---- bad arguments ---------------------------------------------------------------------

@pytest.mark.parametrize("cid", ["a/b", "..", "with space", "semi;colon", "x" * 1100])
def test_bad_id(cell, bundle, cid):
    cell.ids.append(cid)
    b = bundle("/probe", "exit", "0")
    b.save()
    p = cell.run("create", "--bundle", b.path, cid)
    assert p.returncode == 1
    if is_cell():
        assert "id" in p.stderr.lower()
    assert cell.run("list", "-q").stdout.strip() == ""


def test_duplicate_id_leaves_first(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    try:
        b2 = bundle("/probe", "sleep", "100")
        p = cell.create(b2, cid, check=False)
        assert p.returncode == 1
        assert "exists" in p.stderr
        if is_cell():
            assert cid in p.stderr
        st = cell.state(cid)
        assert st["status"] == "created"
        assert os.path.realpath(st["bundle"]) == os.path.realpath(b.path)
    finally:
        cell.delete(cid, force=True)


@pytest.mark.parametrize("sig", ["SIGNOPE", "NOPE", "65", "0x9", "SIG"])
def test_bad_signal(cell, bundle, sig):
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    try:
        p = cell.run("kill", cid, sig)
        assert p.returncode == 1
        if is_cell():
            assert sig in p.stderr
        assert cell.state(cid)["status"] == "created"
    finally:
        cell.delete(cid, force=True)


def test_bundle_dir_missing(cell, testdir):
    cid = cell.new_id()
    missing = os.path.join(testdir, "no-such-bundle")
    p = cell.run("create", "--bundle", missing, cid)
    assert p.returncode == 1
    if is_cell():
        assert missing in p.stderr
    assert_nothing_left(cell, cid)


def test_config_unreadable_is_directory(cell, bundle):
    b = bundle()
    os.unlink(b.file("config.json"))
    os.makedirs(b.file("config.json"))
    cid = cell.new_id()
    p = cell.run("create", "--bundle", b.path, cid)
    assert p.returncode == 1
    if is_cell():
        assert "config.json" in p.stderr
    assert_nothing_left(cell, cid)


def test_pid_file_in_missing_dir(cell, bundle, testdir):
    b = bundle("/probe", "sleep", "100")
    b.save()
    cid = cell.new_id()
    pidfile = os.path.join(testdir, "no", "such", "dir", "pid")
    p = cell.run("create", "--bundle", b.path, "--pid-file", pidfile, cid)
    assert p.returncode == 1
    if is_cell():
        assert pidfile in p.stderr
    assert_nothing_left(cell, cid)


@pytest.mark.parametrize("verb", ["create", "run"])
def test_failed_create_leaves_no_pid_file(cell, bundle, testdir, verb):
    """The init fails during its set-up (a missing executable): no pid file
    is written for a container that never existed."""
    b = bundle("/no/such/program")
    b.save()
    cid = cell.new_id()
    pidfile = os.path.join(testdir, "pid")
    args = [verb, "--bundle", b.path, "--pid-file", pidfile, cid]
    if verb == "run":
        args.insert(1, "--detach")
    p = cell.run(*args)
    assert p.returncode != 0
    assert "no such file or directory" in p.stderr.lower()
    assert not os.path.exists(pidfile)
    assert_nothing_left(cell, cid)


@pytest.mark.parametrize("n", ["-1", "abc"])
def test_bad_preserve_fds(cell, bundle, n):
    if n == "-1" and not is_cell():
        pytest.skip("runc accepts --preserve-fds -1")
    b = bundle("/probe", "exit", "0")
    b.save()
    cid = cell.new_id()
    p = cell.run("run", "--preserve-fds", n, "--bundle", b.path, cid)
    assert p.returncode == 1
    if is_cell():
        assert "preserve-fds" in p.stderr
    assert_nothing_left(cell, cid)


def test_root_not_writable(cell, bundle, testdir):
    """--root on a file: clear error, nothing created."""
    bad_root = os.path.join(testdir, "rootfile")
    make_file(bad_root)
    b = bundle("/probe", "exit", "0")
    b.save()
    cid = cell.new_id()
    p = cell.run("--root", bad_root, "create", "--bundle", b.path, cid)
    assert p.returncode == 1
    if is_cell():
        assert bad_root in p.stderr


def test_start_unknown(cell):
    p = cell.run("start", "never-created")
    assert p.returncode == 1
    assert "does not exist" in p.stderr


def test_start_running(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    try:
        cell.start(cid)
        p = cell.start(cid, check=False)
        assert p.returncode == 1
        if is_cell():
            assert "running" in p.stderr
    finally:
        cell.delete(cid, force=True)


def test_exec_missing_message_for_podman(cell, bundle):
    """podman maps "no such file or directory" to exit 127 and "permission
    denied" to 126: keep runc's wording."""
    b = bundle("/nonexistent-binary")
    p = cell.run_bundle(b)
    assert p.returncode == 1
    assert "no such file or directory" in p.stderr.lower()
    b = bundle("/notexec")
    make_file(os.path.join(b.rootfs, "notexec"))
    p = cell.run_bundle(b)
    assert p.returncode == 1
    assert "permission denied" in p.stderr.lower()


# ---- hostile input: ids, endless files, NUL bytes, devices -----------------------------

def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def bounded_memory():
    """A cell that reads an endless file must not take the machine with it:
    RLIMIT_AS, or for an ASan build (which maps terabytes of shadow) ASan's
    own cap on one allocation."""
    if "ASAN_OPTIONS" not in os.environ:
        return {"preexec_fn": limit_memory}
    env = dict(os.environ)
    env["ASAN_OPTIONS"] += ":max_allocation_size_mb=512"
    return {"env": env}


def assert_refused(p, *needles):
    """Exit 1 with a message (not a signal, not a hang) naming `needles`;
    exec exits 255 for its own errors, as runc's does (runc exits 255 from
    some other verbs too)."""
    want = 255 if "exec" in p.args[1:5] else 1
    assert p.returncode == want or (not is_cell() and p.returncode > 0), \
        "exit %d\nstderr: %s" % (p.returncode, p.stderr)
    if is_cell():
        for n in needles:
            assert n in p.stderr, "message does not name %r: %s" % (n, p.stderr)


@pytest.mark.parametrize("how", ["config", "exec-process"])
def test_uid_minus_one_never_root(cell, bundle, testdir, how):
    """uid/gid 4294967295 is (uid_t)-1, which setresuid(2) reads as
    "unchanged": the process must be refused, never run as root."""
    user = {"uid": 4294967295, "gid": 4294967295}
    if how == "config":
        b = bundle("/probe", "ids")
        b.process["user"] = user
        cid = cell.new_id()
        p = cell.run_bundle(b, cid=cid)
        if p.returncode == 0:
            assert json.loads(p.stdout.splitlines()[-1])["uid"] != [0, 0, 0]
        assert_refused(p, "process.user.uid", "4294967295")
        assert_nothing_left(cell, cid)
        return
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    try:
        proc = dict(b.process, args=["/probe", "ids"], user=user)
        path = os.path.join(testdir, "process.json")
        with open(path, "w") as f:
            json.dump(proc, f)
        p = cell.run("exec", "--process", path, cid)
        if p.returncode == 0:
            assert json.loads(p.stdout.splitlines()[-1])["uid"] != [0, 0, 0]
        assert_refused(p, "user.uid", "4294967295")
        p = cell.run("exec", "--user", "4294967295:4294967295", cid, "/probe", "ids")
        assert_refused(p, "--user", "4294967295")
    finally:
        cell.delete(cid, force=True)


def endless(testdir, kind):
    """A path that never ends when read, or is too big to read."""
    path = os.path.join(testdir, "endless-" + kind)
    if kind in ("zero", "urandom"):
        os.symlink("/dev/" + kind, path)
    elif kind == "sparse":
        with open(path, "w") as f:
            f.truncate(64 << 30)
    elif kind == "fifo":
        os.mkfifo(path)
    return path


KINDS = ["zero", "urandom", "sparse", "fifo"]
WHY = {"zero": "not a regular file", "urandom": "not a regular file",
       "sparse": "larger than", "fifo": "not a regular file"}


def skip_runc_differences(kind, verb=""):
    if is_cell():
        return
    if kind == "fifo":
        pytest.skip("%s waits for a writer on a FIFO" % runtime_name())
    if kind == "stdin" and verb.startswith("exec"):
        pytest.skip("%s has no exec --process -" % runtime_name())


@pytest.mark.parametrize("kind", KINDS)
def test_config_endless(cell, bundle, testdir, kind):
    skip_runc_differences(kind)
    b = bundle()
    os.unlink(b.file("config.json"))
    os.rename(endless(testdir, kind), b.file("config.json"))
    cid = cell.new_id()
    p = cell.run("create", "--bundle", b.path, cid, timeout=20, **bounded_memory())
    assert_refused(p, "config.json", WHY[kind])
    assert_nothing_left(cell, cid)


@pytest.mark.parametrize("verb", ["exec --process", "update --resources"])
@pytest.mark.parametrize("kind", KINDS + ["stdin"])
def test_documents_endless(cell, bundle, testdir, verb, kind):
    """exec --process FILE and update --resources FILE: refused with the
    file named; "-" (standard input) is read up to the same cap."""
    skip_runc_differences(kind, verb)
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    try:
        path = "-" if kind == "stdin" else endless(testdir, kind)
        args = verb.split() + [path, cid]
        with open("/dev/zero", "rb") as zero:
            p = cell.run(*args, timeout=20, **bounded_memory(), stdin=zero)
        assert_refused(p, verb.split()[1] + " " + path,
                       "larger than" if kind == "stdin" else WHY[kind])
        assert cell.state(cid)["status"] == "created"
    finally:
        cell.delete(cid, force=True)


def test_exec_hostile_process(cell, bundle, testdir):
    """exec --process and --env go through the same checks as config.json."""
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    try:
        path = os.path.join(testdir, "process.json")
        for env, needle in ((["PATH=/bin", "TERM=x\0LD_PRELOAD=/x"], "env[1]"),
                            (["PATH=/bin", "NOEQUALS"], "env[1]")):
            with open(path, "w") as f:
                json.dump(dict(b.process, args=["/probe", "env"], env=env), f)
            assert_refused(cell.run("exec", "--process", path, cid), needle)
        p = cell.run("exec", "--env", "NOEQUALS", cid, "/probe", "env")
        assert_refused(p, "--env", "NOEQUALS")
    finally:
        cell.delete(cid, force=True)


@pytest.mark.parametrize("mode", [0o4666, 0o2666, 0o1666])
def test_no_setuid_device_node(cell, bundle, mode):
    """A linux.devices fileMode with setuid/setgid/sticky bits: no such
    node ever appears in the container."""
    if not is_cell():
        pytest.skip("%s passes the setgid and sticky bits to mknod" % runtime_name())
    b = bundle()
    put(b.config, [{"path": "/dev/xx", "type": "c", "major": 1, "minor": 3,
                    "fileMode": mode}], "linux", "devices")
    b.set_args("/probe", "dev")
    p = cell.run_bundle(b)
    if p.returncode == 0:
        node = json.loads(p.stdout.splitlines()[-1])["dev"]["/dev/xx"]
        assert node["mode"] & 0o7000 == 0, "device node with mode %o" % node["mode"]
    assert_refused(p, "linux.devices[0].fileMode")


@pytest.mark.parametrize("path", ["/dev/null", "/dev/./null", "/dev/zero", "/dev/tty"])
def test_default_device_not_replaced(cell, bundle, path):
    """/dev/null (and the other default devices) listed in linux.devices with
    other numbers: the container never sees a /dev/null that is not 1:3."""
    defaults = {"/dev/null": (1, 3), "/dev/zero": (1, 5), "/dev/tty": (5, 0)}
    name = os.path.normpath(path)
    if not is_cell():
        pytest.skip("%s lets linux.devices replace a default device" % runtime_name())
    b = bundle()
    put(b.config, [{"path": path, "type": "c", "major": 1, "minor": 7}], "linux", "devices")
    b.set_args("/probe", "dev")
    p = cell.run_bundle(b)
    if p.returncode == 0:
        node = json.loads(p.stdout.splitlines()[-1])["dev"][name]
        assert (node["major"], node["minor"]) == defaults[name]
    assert_refused(p, "linux.devices[0]", name)


@pytest.mark.parametrize("major,minor", [(4097, 3), (1, 0x100003)])
def test_device_numbers_not_aliased(cell, bundle, major, minor):
    """mknod(2) takes a 32-bit dev_t: major 4097 would be made as 1 (and
    major 4104 as 8, a disk).  The node is the one the config names, or
    the config is refused."""
    if not is_cell():
        pytest.skip("%s makes the truncated (aliased) device" % runtime_name())
    b = bundle()
    put(b.config, [{"path": "/dev/alias", "type": "c", "major": major, "minor": minor}],
        "linux", "devices")
    b.set_args("/probe", "dev")
    p = cell.run_bundle(b)
    if p.returncode == 0:
        node = json.loads(p.stdout.splitlines()[-1])["dev"]["/dev/alias"]
        assert (node["major"], node["minor"]) == (major, minor)
    assert_refused(p, "linux.devices[0].m")


VERBS_WITH_ID = [("create", "--bundle", "{bundle}"), ("run", "--bundle", "{bundle}"),
                 ("start",), ("state",), ("kill",), ("delete",), ("delete", "--force"),
                 ("pause",), ("resume",), ("ps",), ("events", "--stats"),
                 ("update", "--pids-limit", "10"), ("exec",)]


@pytest.mark.parametrize("length", [256, 300, 1024])
def test_long_id_every_verb(cell, bundle, length):
    """An id too long to name a directory: every verb says so up front."""
    if not is_cell():
        pytest.skip("%s checks no length; verbs fail with ENAMETOOLONG" % runtime_name())
    b = bundle("/probe", "exit", "0")
    cid = "x" * length
    cell.ids.append(cid)
    for verb in VERBS_WITH_ID:
        args = [a.format(bundle=b.path) for a in verb] + [cid]
        if verb[0] == "exec":
            args.append("/probe")
        p = cell.run(*args, timeout=20)
        want = 255 if verb[0] == "exec" else 1  # exec's own errors: 255, as runc's
        assert p.returncode == want, "%s: exit %d: %s" % (verb, p.returncode, p.stderr)
        if is_cell():
            assert "invalid container id" in p.stderr, "%s: %s" % (verb, p.stderr)
            assert cid not in p.stderr, "the whole id echoed back"
    assert_nothing_left(cell, cid)


def test_longest_id_works(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    cid = "y" * 255
    cell.create(b, cid)
    try:
        assert cell.state(cid)["status"] == "created"
    finally:
        cell.delete(cid, force=True)
    assert_nothing_left(cell, cid)

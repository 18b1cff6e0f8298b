# SPDX-License-Identifier: Apache-2.0
"""Malformed bundles and bad arguments.

Each case must make `create` (and `run`) exit 1 with a message that names
the field or object at fault, and leave nothing behind: no state directory,
no container listed, and (checked by the no_residue fixture) no mount,
cgroup or process.
"""

import os

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

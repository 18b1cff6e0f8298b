# SPDX-License-Identifier: Apache-2.0
"""Global options and the verbs that do not run a container: --version,
--help, spec, --log/--log-format, --systemd-cgroup, --cgroup-manager, and
where the container's cgroups are."""

import json
import os
import subprocess
import uuid

import pytest

from bundles import is_cell, runtime_name

VERBS = ["create", "start", "run", "state", "list", "kill", "delete", "spec"]


def test_version(cell):
    p = cell.run("--version")
    assert p.returncode == 0, p.stderr
    assert "version" in p.stdout
    assert "spec: 1." in p.stdout
    if is_cell():
        assert p.stdout.startswith("cell version ")


def test_help(cell):
    p = cell.run("--help")
    assert p.returncode == 0, p.stderr
    for verb in VERBS:
        assert verb in p.stdout, verb
    assert "--root" in p.stdout


@pytest.mark.parametrize("verb", VERBS)
def test_verb_help(cell, verb):
    p = cell.run(verb, "--help")
    assert p.returncode == 0, p.stderr
    assert verb in (p.stdout + p.stderr).lower()


def test_unknown_command(cell):
    p = cell.run("frobnicate")
    assert p.returncode != 0
    if is_cell():
        assert p.returncode == 1
        assert "frobnicate" in p.stderr


def test_unknown_option(cell):
    p = cell.run("--no-such-option", "list")
    assert p.returncode != 0
    if is_cell():
        assert p.returncode == 1


def test_missing_id(cell, bundle):
    b = bundle()
    for verb in (["create", "--bundle", b.path], ["start"], ["state"], ["kill"], ["delete"]):
        p = cell.run(*verb)
        assert p.returncode != 0, verb
        if is_cell():
            assert p.returncode == 1, verb
            assert p.stderr.strip(), verb


# ---- spec -------------------------------------------------------------------------

def test_spec(cell, testdir):
    d = os.path.join(testdir, "specdir")
    os.makedirs(d)
    p = cell.run("spec", "--bundle", d)
    assert p.returncode == 0, p.stderr
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    assert cfg["ociVersion"].startswith("1.")
    assert cfg["root"]["path"] == "rootfs"
    assert cfg["process"]["args"]
    assert cfg["process"]["cwd"] == "/"
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert {"pid", "mount", "ipc", "uts", "network"} <= types
    assert "user" not in types
    dests = {m["destination"] for m in cfg["mounts"]}
    assert {"/proc", "/dev", "/dev/pts", "/sys"} <= dests
    assert cfg["linux"]["maskedPaths"] and cfg["linux"]["readonlyPaths"]


def test_spec_in_cwd(cell, testdir):
    d = os.path.join(testdir, "cwdspec")
    os.makedirs(d)
    p = cell.run("spec", cwd=d)
    assert p.returncode == 0, p.stderr
    assert os.path.exists(os.path.join(d, "config.json"))


def test_spec_refuses_to_overwrite(cell, testdir):
    d = os.path.join(testdir, "specdir")
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write("{}")
    p = cell.run("spec", "--bundle", d)
    assert p.returncode == 1
    assert "config.json" in p.stderr
    with open(os.path.join(d, "config.json")) as f:
        assert f.read() == "{}"


def test_spec_rootless(cell, testdir):
    d = os.path.join(testdir, "specdir")
    os.makedirs(d)
    p = cell.run("spec", "--rootless", "--bundle", d)
    assert p.returncode == 0, p.stderr
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert "user" in types
    assert "network" not in types
    uid = cfg["linux"]["uidMappings"]
    gid = cfg["linux"]["gidMappings"]
    assert uid[0]["containerID"] == 0 and uid[0]["hostID"] == os.geteuid()
    assert gid[0]["containerID"] == 0 and gid[0]["hostID"] == os.getegid()
    assert "resources" not in cfg["linux"] or "devices" not in cfg["linux"]["resources"]


def test_spec_cgroup_namespace_as_runc(cell, bundle, testdir):
    """runc's spec has a cgroup namespace only on a pure cgroup v2 host; a
    client that adds its own (as it does to runc's spec) must not get
    "duplicate namespace"."""
    d = os.path.join(testdir, "specdir")
    os.makedirs(d)
    cell.run("spec", "--bundle", d, check=True)
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    fstype = subprocess.run(["stat", "-f", "-c", "%T", "/sys/fs/cgroup"], check=True,
                            capture_output=True, text=True).stdout.strip()
    types = [n["type"] for n in cfg["linux"]["namespaces"]]
    assert ("cgroup" in types) == (fstype == "cgroup2fs"), (fstype, types)
    if "cgroup" not in types:
        cfg["linux"]["namespaces"].append({"type": "cgroup"})
    b = bundle()
    b.config = cfg
    b.config["root"]["path"] = b.rootfs
    b.process["terminal"] = False
    info = cell.probe(b, "ns")
    assert info["ns"]["cgroup"] != os.readlink("/proc/self/ns/cgroup")


def test_spec_output_runs(cell, bundle, testdir):
    """The default spec, with only args and terminal changed, runs."""
    b = bundle()
    d = os.path.join(testdir, "fresh")
    os.makedirs(d)
    cell.run("spec", "--bundle", d, check=True)
    with open(os.path.join(d, "config.json")) as f:
        b.config = json.load(f)
    b.config["root"]["path"] = b.rootfs
    b.process["terminal"] = False
    info = cell.probe(b, "uname", "ids")
    assert info["uid"] == [0, 0, 0]
    assert info["hostname"] == b.config.get("hostname", info["hostname"])


# ---- --log / --log-format ------------------------------------------------------------

def failing_create(cell, bundle, *global_args):
    b = bundle()
    b.config["root"]["path"] = "/nonexistent-rootfs-" + uuid.uuid4().hex[:8]
    b.save()
    p = cell.run("create", "--bundle", b.path, cell.new_id(), global_args=global_args)
    assert p.returncode == 1
    return p, b.config["root"]["path"]


def test_log_json(cell, bundle, testdir):
    log = os.path.join(testdir, "log.json")
    p, rootfs = failing_create(cell, bundle, "--log", log, "--log-format", "json")
    with open(log) as f:
        lines = [json.loads(ln) for ln in f.read().splitlines() if ln.strip()]
    assert lines, "empty log"
    for rec in lines:
        assert {"level", "msg", "time"} <= set(rec), rec
    errors = [r for r in lines if r["level"] == "error"]
    assert errors, lines
    assert rootfs in errors[-1]["msg"]


def test_log_json_equals_form(cell, bundle, testdir):
    log = os.path.join(testdir, "log.json")
    failing_create(cell, bundle, "--log=" + log, "--log-format=json")
    with open(log) as f:
        rec = json.loads(f.read().splitlines()[-1])
    assert rec["level"] == "error"


def test_log_text(cell, bundle, testdir):
    log = os.path.join(testdir, "log.txt")
    p, rootfs = failing_create(cell, bundle, "--log", log)
    with open(log) as f:
        text = f.read()
    assert rootfs in text
    assert "error" in text


def test_log_appends(cell, bundle, testdir):
    log = os.path.join(testdir, "log.json")
    failing_create(cell, bundle, "--log", log, "--log-format", "json")
    failing_create(cell, bundle, "--log", log, "--log-format", "json")
    with open(log) as f:
        errors = [ln for ln in f.read().splitlines() if '"error"' in ln]
    assert len(errors) >= 2


def test_bad_log_format(cell):
    p = cell.run("--log-format", "xml", "list")
    assert p.returncode != 0
    if is_cell():
        assert p.returncode == 1
        assert "xml" in p.stderr


def test_debug_accepted(cell):
    p = cell.run("--debug", "list")
    assert p.returncode == 0, p.stderr


# ---- cgroups ---------------------------------------------------------------------------

def no_cgroupns(b):
    """Without a cgroup namespace /proc/self/cgroup shows host paths."""
    b.remove_namespace("cgroup")
    return b


def cgroup_lines(text):
    out = {}
    for line in text.strip().splitlines():
        _, controllers, path = line.split(":", 2)
        out[controllers] = path
    return out


def own_cgroups():
    with open("/proc/self/cgroup") as f:
        return cgroup_lines(f.read())


def test_systemd_cgroup_is_a_clear_error(cell, bundle):
    if os.path.exists("/run/systemd/system"):
        pytest.skip("host runs systemd")
    b = bundle("/probe", "exit", "0")
    b.save()
    p = cell.run("create", "--bundle", b.path, cell.new_id(), global_args=["--systemd-cgroup"])
    assert p.returncode == 1
    assert "systemd" in p.stderr.lower()
    assert cell.run("list", "-q").stdout == ""


def test_cgroup_manager_systemd_is_a_clear_error(cell, bundle):
    if runtime_name() == "runc":
        pytest.skip("runc has no --cgroup-manager")
    if os.path.exists("/run/systemd/system"):
        pytest.skip("host runs systemd")
    b = bundle("/probe", "exit", "0")
    p = cell.run_bundle(b, global_args=["--cgroup-manager", "systemd"])
    assert p.returncode == 1
    assert "systemd" in p.stderr.lower()


def test_cgroup_manager_bogus(cell, bundle):
    if runtime_name() == "runc":
        pytest.skip("runc has no --cgroup-manager")
    b = bundle("/probe", "exit", "0")
    p = cell.run_bundle(b, global_args=["--cgroup-manager", "bogus"])
    assert p.returncode == 1
    assert "bogus" in p.stderr


def test_default_cgroup_placement(cell, bundle):
    """Without cgroupsPath the container gets a cgroup named after its id on
    every hierarchy (under the runtime's own cgroup, as runc does)."""
    b = no_cgroupns(bundle())
    b.linux.pop("cgroupsPath", None)
    cid = cell.new_id()
    info = cell.probe(b, "cgroup", cid=cid)
    mine = own_cgroups()
    theirs = cgroup_lines(info["cgroup"])
    assert set(theirs) == set(mine)
    for controllers, path in theirs.items():
        if controllers == "":
            continue  # the v2 tree of a hybrid host may be left out
        assert path.endswith("/" + cid), (controllers, path)


def test_absolute_cgroups_path(cell, bundle):
    b = no_cgroupns(bundle())
    path = "/cell-test-" + uuid.uuid4().hex[:16]
    cell.unique_ids.append(path.lstrip("/"))  # attribute residue
    b.linux["cgroupsPath"] = path
    info = cell.probe(b, "cgroup")
    for controllers, got in cgroup_lines(info["cgroup"]).items():
        if controllers == "":
            continue
        assert got == path, (controllers, got)


def test_cgroup_manager_disabled(cell, bundle):
    if runtime_name() == "runc":
        pytest.skip("runc has no --cgroup-manager")
    b = no_cgroupns(bundle())
    cid = cell.new_id()
    before = set()
    for dirpath, dirnames, _ in os.walk("/sys/fs/cgroup"):
        before.update(os.path.join(dirpath, d) for d in dirnames)
    info = cell.probe(b, "cgroup", cid=cid, global_args=["--cgroup-manager", "disabled"])
    assert cgroup_lines(info["cgroup"]) == own_cgroups()
    for dirpath, dirnames, _ in os.walk("/sys/fs/cgroup"):
        for d in dirnames:
            assert cid not in os.path.join(dirpath, d)


def test_cgroup_manager_cgroupfs(cell, bundle):
    if runtime_name() == "runc":
        pytest.skip("runc has no --cgroup-manager")
    b = no_cgroupns(bundle())
    cid = cell.new_id()
    info = cell.probe(b, "cgroup", cid=cid, global_args=["--cgroup-manager=cgroupfs"])
    assert any(p.endswith("/" + cid) for p in cgroup_lines(info["cgroup"]).values())


def test_cgroup_removed_on_delete(cell, bundle):
    b = bundle("/probe", "sleep", "100")
    cid = cell.create(b)
    pid = cell.state(cid)["pid"]
    with open("/proc/%d/cgroup" % pid) as f:
        paths = cgroup_lines(f.read())
    dirs = []
    for controllers, path in paths.items():
        if not path.endswith("/" + cid):
            continue
        ctrl = controllers.split(",")[0].replace("name=", "") if controllers else "unified"
        base = "/sys/fs/cgroup/" + ctrl
        if os.path.isdir(base):
            dirs.append(base + path)
    assert dirs and all(os.path.isdir(d) for d in dirs)
    cell.delete(cid, force=True)
    assert not [d for d in dirs if os.path.isdir(d)]

# SPDX-License-Identifier: Apache-2.0
"""Bad flag values: an error naming the flag and the value, exit 125, nothing left behind."""

import os

import pytest


def assert_nothing_made(engine):
    assert engine.out("ps", "-a", "-q") == ""
    containers = os.path.join(engine.storage, "containers")
    assert [n for n in os.listdir(containers) if not n.startswith(".")] == []


@pytest.mark.parametrize("flags,words", [
    (["-v", "bad::x"], ["--volume", "bad::x"]),
    (["-v", "relative/path:/x"], ["--volume", "relative/path"]),
    (["-v", "/tmp:relative"], ["--volume", "relative"]),
    (["-v", "/tmp:/x:rx"], ["--volume", "rx"]),
    (["-v", "/no/such/host/dir:/x"], ["--volume", "/no/such/host/dir"]),
    (["-e", "=value"], ["--env", "=value"]),
    (["--memory", "abc"], ["--memory", "abc"]),
    (["--memory", "12q"], ["--memory", "12q"]),
    (["--cpus", "lots"], ["--cpus", "lots"]),
    (["--pids-limit", "x1"], ["--pids-limit", "x1"]),
    (["--restart", "sometimes"], ["restart", "sometimes"]),
    (["--network", "nosuch"], ["network nosuch not found"]),
    (["--network", "weird:mode"], ["network weird:mode", "not supported"]),
    (["--security-opt", "seccomp=/no/such/profile.json"], ["/no/such/profile.json"]),
    (["--tmpfs", "relative"], ["--tmpfs", "relative"]),
    (["--stop-signal", "SIGNOPE"], ["--stop-signal", "SIGNOPE"]),
    (["-w", "relative"], ["working directory", "relative"]),
])
def test_bad_value_is_an_error_naming_flag_and_value(engine, flags, words):
    p = engine.run("run", *flags, "busybox", "true", check=False)
    assert p.returncode == 125, p.stderr
    for w in words:
        assert w in p.stderr
    assert_nothing_made(engine)


def test_env_file_missing_is_an_error(engine, tmp_path):
    p = engine.run("run", "--env-file", tmp_path / "none", "busybox", "true", check=False)
    assert p.returncode == 125
    assert "--env-file" in p.stderr and "none" in p.stderr
    assert_nothing_made(engine)


def test_env_file_with_empty_name_is_an_error(engine, tmp_path):
    f = tmp_path / "env"
    f.write_text("GOOD=1\n=bad\n")
    p = engine.run("run", "--env-file", f, "busybox", "true", check=False)
    assert p.returncode == 125
    assert "=bad" in p.stderr
    assert_nothing_made(engine)


def test_rm_and_restart_conflict(engine):
    p = engine.run("run", "--rm", "--restart", "always", "busybox", "true", check=False)
    assert p.returncode == 125
    assert "--restart" in p.stderr and "--rm" in p.stderr


def test_bad_container_name(engine):
    p = engine.run("run", "--name", "no/slashes", "busybox", "true", check=False)
    assert p.returncode == 125
    assert "no/slashes" in p.stderr
    assert_nothing_made(engine)

# SPDX-License-Identifier: Apache-2.0
"""docker's defaults and their flags: capabilities, seccomp, no-new-privileges, limits, masked paths."""

import json
import os

import pytest

CAP_NET_RAW = 13
CAP_SYS_ADMIN = 21
CAP_CHOWN = 0
DOCKER_DEFAULT_CAPS = 0x00000000a80425fb


def status_field(engine, field, *flags):
    out = engine.out("run", *flags, "busybox", "grep", "^%s:" % field, "/proc/self/status")
    return out.split(":", 1)[1].strip()


def test_default_capabilities_are_dockers(engine):
    assert int(status_field(engine, "CapEff"), 16) == DOCKER_DEFAULT_CAPS
    assert int(status_field(engine, "CapBnd"), 16) == DOCKER_DEFAULT_CAPS


def test_cap_add_and_cap_drop(engine):
    eff = int(status_field(engine, "CapEff", "--cap-add", "SYS_ADMIN", "--cap-drop", "NET_RAW"), 16)
    assert eff & (1 << CAP_SYS_ADMIN)
    assert not eff & (1 << CAP_NET_RAW)
    assert eff & (1 << CAP_CHOWN)


def test_cap_drop_all_then_add_one(engine):
    eff = int(status_field(engine, "CapEff", "--cap-drop", "ALL", "--cap-add", "CAP_CHOWN"), 16)
    assert eff == 1 << CAP_CHOWN


def test_unknown_capability_is_an_error(engine):
    p = engine.run("run", "--cap-add", "NOT_A_CAP", "busybox", "true", check=False)
    assert p.returncode == 125
    assert "--cap-add" in p.stderr and "NOT_A_CAP" in p.stderr


def test_seccomp_on_by_default_refuses_unshare(engine):
    assert status_field(engine, "Seccomp") == "2"
    p = engine.run("run", "busybox", "unshare", "-U", "true", check=False)
    assert p.returncode != 0
    assert "Operation not permitted" in p.stderr


def test_seccomp_unconfined(engine):
    assert status_field(engine, "Seccomp", "--security-opt", "seccomp=unconfined") == "0"
    engine.run("run", "--security-opt", "seccomp=unconfined", "busybox", "unshare", "-U", "true")


def test_seccomp_profile_from_a_file(engine, tmp_path):
    prof = tmp_path / "profile.json"
    prof.write_text(json.dumps({
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }))
    p = engine.run("run", "--security-opt", "seccomp=%s" % prof, "busybox", "mkdir", "/x", check=False)
    assert p.returncode != 0 and "Operation not permitted" in p.stderr
    engine.run("run", "--security-opt", "seccomp=%s" % prof, "busybox", "touch", "/x")


def test_no_new_privileges(engine):
    assert status_field(engine, "NoNewPrivs") == "0"
    assert status_field(engine, "NoNewPrivs", "--security-opt", "no-new-privileges") == "1"


def cgroup_value(engine, v2, v1, *flags):
    script = "cat /sys/fs/cgroup/%s 2>/dev/null || cat /sys/fs/cgroup/%s" % (v2, v1)
    return engine.out("run", *flags, "busybox", "sh", "-c", script).strip()


def test_memory_limit_in_the_containers_cgroup(engine):
    assert cgroup_value(engine, "memory.max", "memory/memory.limit_in_bytes", "--memory", "64m") == str(64 << 20)


def test_pids_limit_in_the_containers_cgroup(engine):
    assert cgroup_value(engine, "pids.max", "pids/pids.max", "--pids-limit", "42") == "42"


def test_cpus_in_the_containers_cgroup(engine):
    v = cgroup_value(engine, "cpu.max", "cpu/cpu.cfs_quota_us", "--cpus", "0.5")
    assert v.split()[0] == "50000"


def test_masked_and_readonly_paths(engine):
    masked = [p for p in ("/proc/timer_list", "/proc/keys", "/proc/sched_debug", "/proc/kcore")
              if os.path.exists(p)]
    if not masked:
        pytest.skip("this kernel has none of docker's masked /proc files")
    out = engine.out("run", "busybox", "sh", "-c",
                     "wc -c < %s; echo 1 > /proc/sys/kernel/domainname 2>&1 || echo ro" % masked[0])
    lines = out.split()
    assert lines[0] == "0"
    assert "ro" in lines


def test_default_devices_and_shm(engine):
    out = engine.out("run", "busybox", "sh", "-c",
                     "ls /dev; grep -E ' /dev/(shm|mqueue) ' /proc/mounts")
    for dev in ("null", "zero", "full", "random", "urandom", "tty"):
        assert dev in out.split()
    assert " /dev/shm tmpfs" in out and " /dev/mqueue mqueue" in out


def test_privileged(engine):
    host_bnd = [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapBnd:")][0]
    out = engine.out("run", "--privileged", "busybox", "sh", "-c",
                     "grep -E '^(CapEff|Seccomp):' /proc/self/status; ls /dev")
    assert "CapEff:\t%s" % host_bnd in out
    assert "Seccomp:\t0" in out
    host_blocks = [n for n in os.listdir("/dev") if os.path.exists("/dev/" + n) and
                   __import__("stat").S_ISBLK(os.stat("/dev/" + n).st_mode)]
    if host_blocks:
        assert host_blocks[0] in out.split()

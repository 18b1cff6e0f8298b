# SPDX-License-Identifier: Apache-2.0
"""process.*: args, env, cwd, user, rlimits, capabilities, noNewPrivileges,
oomScoreAdj, ioPriority, scheduler, personality, and the file descriptors
the container process gets."""

import os
import stat
import subprocess

import pytest

from bundles import is_cell, runtime_name

CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]


def capmask(names):
    m = 0
    for n in names:
        m |= 1 << CAPS.index(n)
    return m


def caps_of(info):
    return {k: int(info["status"][k], 16) for k in
            ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}


def host_bounding():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapBnd:"):
                return int(line.split()[1], 16)
    return 0


def requires_newer_runc(feature):
    """runc 1.1 (Debian 12) predates these runtime-spec 1.2 fields."""
    if runtime_name() == "runc":
        pytest.skip("runc 1.1 does not implement %s" % feature)


# ---- args, env, cwd ----------------------------------------------------------

def test_args_exact(cell, bundle):
    b = bundle()
    args = ["argv", "with space", "", "quote\"d", "ünïcode", "$HOME", "--flag=1"]
    info = cell.probe(b, "argv", "--", *args)
    assert info["argv"] == ["/probe", "argv", "--"] + args


def test_args_path_lookup(cell, bundle):
    """A bare args[0] is looked up in the container's PATH."""
    b = bundle()
    os.makedirs(os.path.join(b.rootfs, "opt", "tools"))
    os.rename(os.path.join(b.rootfs, "probe"), os.path.join(b.rootfs, "opt", "tools", "probe"))
    b.process["env"] = ["PATH=/opt/tools:/bin", "CELL_TEST_TOKEN=" + cell.token]
    b.set_args("probe", "argv")
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    assert '"argv":["probe","argv"]' in p.stdout


def test_env_exact(cell, bundle):
    b = bundle()
    b.process["env"] = ["PATH=/bin", "A=1", "B=with space", "EMPTY=", "CELL_TEST_TOKEN=" +
                        cell.token, "HOME=/home/x"]
    info = cell.probe(b, "env")
    assert info["env"] == b.process["env"]


def test_env_no_host_leak(cell, bundle):
    """The host runtime's environment does not reach the container."""
    b = bundle()
    b.process["env"] = ["PATH=/bin", "CELL_TEST_TOKEN=" + cell.token]
    env = dict(os.environ, HOST_SECRET="leak")
    info = cell.probe(b, "env", env=env)
    assert not any(e.startswith("HOST_SECRET") for e in info["env"])
    extra = set(info["env"]) - set(b.process["env"])
    # runc adds HOME when the config has none (from /etc/passwd): allow only that.
    assert extra <= {"HOME=/root"}


@pytest.mark.parametrize("cwd", ["/", "/tmp", "/home/test", "/etc/"])
def test_cwd(cell, bundle, cwd):
    b = bundle()
    b.process["cwd"] = cwd
    info = cell.probe(b, "cwd")
    assert info["cwd"] == cwd.rstrip("/") or (cwd == "/" and info["cwd"] == "/")


def test_cwd_through_symlink_stays_in_rootfs(cell, bundle, testdir):
    """process.cwd through an absolute symlink in the image is resolved
    inside the rootfs."""
    b = bundle()
    host_dir = os.path.join(testdir, "host-only")
    os.makedirs(host_dir)
    os.makedirs(os.path.join(b.rootfs, host_dir.lstrip("/")))
    os.symlink(host_dir, os.path.join(b.rootfs, "link"))
    b.process["cwd"] = "/link"
    info = cell.probe(b, "cwd", "write", "marker")
    assert info["cwd"] == host_dir
    assert not os.path.exists(os.path.join(host_dir, "marker"))
    assert os.path.exists(os.path.join(b.rootfs, host_dir.lstrip("/"), "marker"))


@pytest.mark.parametrize("fd", range(3, 10))
def test_cwd_cannot_escape_via_proc_fd(cell, bundle, fd):
    """CVE-2024-21626: a cwd of /proc/self/fd/N must never give the process a
    working directory outside its rootfs (through a leaked host fd)."""
    b = bundle()
    b.process["cwd"] = "/proc/self/fd/%d" % fd
    b.set_args("/probe", "cwd", "ls", ".")
    p = cell.run_bundle(b)
    if p.returncode != 0:
        return
    import json
    info = json.loads(p.stdout.splitlines()[-1])
    assert info["cwd"].startswith("/") and "unreachable" not in info["cwd"], info["cwd"]
    assert info["cwd"] != "ENOENT"


def home_of(env):
    homes = [e for e in env if e.startswith("HOME=")]
    assert len(homes) <= 1, env
    return homes[0][5:] if homes else None


@pytest.mark.parametrize("uid,home", [(0, "/root"), (1000, "/home/test"), (4242, "/")])
def test_home_from_passwd(cell, bundle, uid, home):
    """Without HOME in process.env, the process gets the one of its uid in
    the container's /etc/passwd, "/" for a uid it does not list (runc)."""
    b = bundle()
    b.process["user"] = {"uid": uid, "gid": uid}
    info = cell.probe(b, "env")
    assert home_of(info["env"]) == home
    assert set(info["env"]) - set(b.process["env"]) == {"HOME=" + home}


def test_home_without_passwd(cell, bundle):
    b = bundle()
    os.unlink(os.path.join(b.rootfs, "etc", "passwd"))
    b.process["user"] = {"uid": 1000, "gid": 1000}
    assert home_of(cell.probe(b, "env")["env"]) == "/"


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "proc-magic-link", "garbage"])
def test_home_from_hostile_passwd(cell, bundle, testdir, kind):
    """/etc/passwd is image content: a FIFO, a link to /dev/zero or to a
    host file through /proc, long lines and lines with missing fields
    neither hang nor fail the start, nor lead outside the rootfs.  (runc
    blocks on the FIFO and refuses a line over 64 KiB: cell only.)"""
    if not is_cell():
        pytest.skip("runc reads /etc/passwd with no such bounds")
    b = bundle()
    passwd = os.path.join(b.rootfs, "etc", "passwd")
    os.unlink(passwd)
    host = os.path.join(testdir, "host-passwd")
    with open(host, "w") as f:
        f.write("host:x:1000:1000::/host-only:/bin/sh\n")
    want = "/"
    if kind == "fifo":
        os.mkfifo(passwd)
    elif kind == "dev-zero":
        os.symlink("/dev/zero", passwd)
    elif kind == "proc-magic-link":
        os.symlink("/proc/1/root" + host, passwd)
        b.remove_namespace("pid")
    else:
        with open(passwd, "w") as f:
            f.write("a" * 200000 + "\n\n:::\nshort:x:1000\nbad:x: 1000:1:x:/spaced:\nsign:x:+1000:1:x:/signed:\n"
                    "nul:x:1000\0:1::/nul:\nok:x:1000:1000:\u00e9:/home/ok:/bin/sh\n"
                    "dup:x:1000:1000::/second:/bin/sh")
        want = "/home/ok"
    b.process["user"] = {"uid": 1000, "gid": 1000}
    assert home_of(cell.probe(b, "env", timeout=20)["env"]) == want


@pytest.mark.parametrize("value", ["/home/x", ""])
def test_home_from_env_wins(cell, bundle, value):
    """HOME in process.env is kept; an empty one is replaced, as runc."""
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.add_env("HOME=" + value)
    assert home_of(cell.probe(b, "env")["env"]) == (value or "/home/test")


@pytest.mark.parametrize("readonly", [False, True])
def test_cwd_created_when_missing(cell, bundle, readonly):
    """A process.cwd that does not exist is made (with its parents), also
    under a read-only root, as runc: root's, not group or world writable."""
    b = bundle()
    b.config["root"]["readonly"] = readonly
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["cwd"] = "/new/sub"
    assert cell.probe(b, "cwd")["cwd"] == "/new/sub"
    for d in ("new", "new/sub"):
        st = os.stat(os.path.join(b.rootfs, d))
        assert stat.S_ISDIR(st.st_mode) and st.st_uid == 0, d
        assert stat.S_IMODE(st.st_mode) & 0o022 == 0, oct(st.st_mode)


def test_cwd_created_inside_rootfs(cell, bundle, testdir):
    """A missing cwd below a dangling image symlink to a host path is never
    made on the host: cell makes it inside the rootfs, runc refuses it."""
    b = bundle("/probe", "cwd")
    host_dir = os.path.join(testdir, "host-side")
    os.symlink(host_dir, os.path.join(b.rootfs, "link"))
    b.process["cwd"] = "/link/sub"
    p = cell.run_bundle(b)
    assert not os.path.exists(host_dir)
    if is_cell():
        assert p.returncode == 0, p.stderr
        assert '"cwd":"%s/sub"' % host_dir in p.stdout
        assert os.path.isdir(os.path.join(b.rootfs, host_dir.lstrip("/"), "sub"))


def test_stdio_given_to_the_process_uid(cell, bundle):
    """The pipes the process gets as stdout and stderr become its uid's (the
    group stays), so it can reopen them through /proc/self/fd; a /dev/null
    stdin is never chowned (runc's fixStdioPermissions)."""
    b = bundle("/bin/sh", "-c", "echo reopened >/proc/self/fd/1 && echo err >/proc/self/fd/2 && "
               "stat -L -c '%u:%g' /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2")
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.save()
    null_before = os.stat("/dev/null")
    p = cell.popen("run", "--bundle", b.path, cell.new_id())
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    lines = out.decode().split()
    assert lines[0] == "reopened" and err.decode().strip() == "err", (out, err)
    assert lines[2].startswith("1000:") and lines[3].startswith("1000:"), lines
    null_after = os.stat("/dev/null")
    assert (null_after.st_uid, null_after.st_gid) == (null_before.st_uid, null_before.st_gid)


def test_stdio_of_the_caller_kept(cell, bundle, testdir):
    """The caller's own terminal (stdin of a foreground run) and a file it
    passes as stdout stay the caller's: neither becomes a container user's
    on the host (runc relays a foreground run through pipes; it does chown
    a detached run's file, so that case is cell's only)."""
    b = bundle("/bin/sh", "-c", "echo done")
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.save()
    master, slave = os.openpty()
    out_path = os.path.join(testdir, "out")
    try:
        with open(out_path, "w") as out:
            p = cell.popen("run", "--bundle", b.path, cell.new_id(), stdin=slave,
                           stdout=out if is_cell() else subprocess.PIPE)
            p.communicate(timeout=30)
        assert p.returncode == 0
        assert os.fstat(slave).st_uid == 0
        assert os.stat(out_path).st_uid == 0
    finally:
        os.close(master)
        os.close(slave)


# ---- user ----------------------------------------------------------------------

def test_user_root_defaults(cell, bundle):
    b = bundle()
    info = cell.probe(b, "ids")
    assert info["uid"] == [0, 0, 0]
    assert info["gid"] == [0, 0, 0]
    assert info["umask"] == 0o022
    assert info["groups"] == []


def test_user_uid_gid_groups_umask(cell, bundle):
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [2000, 3000],
                         "umask": 0o027}
    info = cell.probe(b, "ids")
    assert info["uid"] == [1000, 1000, 1000]
    assert info["gid"] == [1001, 1001, 1001]
    assert sorted(info["groups"]) == [2000, 3000]
    assert info["umask"] == 0o027


def test_user_no_additional_gids_clears_groups(cell, bundle):
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1000}
    info = cell.probe(b, "ids")
    assert info["uid"] == [1000, 1000, 1000]
    assert info["groups"] in ([], [1000])


def test_user_nonroot_cannot_write_root_owned(cell, bundle):
    b = bundle()
    os.chmod(os.path.join(b.rootfs, "etc"), 0o755)
    b.process["user"] = {"uid": 1000, "gid": 1000}
    info = cell.probe(b, "write", "/etc/newfile", "write", "/tmp/ok")
    ops = {o["path"]: o for o in info["ops"]}
    assert ops["/etc/newfile"]["errno"] == "EACCES"
    assert ops["/tmp/ok"]["ok"]


# ---- rlimits -----------------------------------------------------------------

def test_rlimits(cell, bundle):
    b = bundle()
    b.process["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
        {"type": "RLIMIT_NPROC", "soft": 1000, "hard": 2000},
        {"type": "RLIMIT_STACK", "soft": 4 << 20, "hard": 16 << 20},
        {"type": "RLIMIT_MSGQUEUE", "soft": 4096, "hard": 8192},
    ]
    info = cell.probe(b, "rlimits")
    r = info["rlimits"]
    assert r["RLIMIT_NOFILE"] == [512, 1024]
    assert r["RLIMIT_CORE"] == [0, 0]
    assert r["RLIMIT_NPROC"] == [1000, 2000]
    assert r["RLIMIT_STACK"] == [4 << 20, 16 << 20]
    assert r["RLIMIT_MSGQUEUE"] == [4096, 8192]


def test_rlimit_nofile_above_hard_limit(cell, bundle):
    """The host lacks CAP_SYS_RESOURCE and its nofile hard limit is 20000:
    raising it fails with EPERM, and the error says which rlimit."""
    with open("/proc/self/limits") as f:
        hard = [ln.split()[4] for ln in f if ln.startswith("Max open files")][0]
    if hard == "unlimited" or host_bounding() & (1 << 24):
        pytest.skip("host can raise RLIMIT_NOFILE (has CAP_SYS_RESOURCE)")
    b = bundle()
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": int(hard) + 10000,
                             "hard": int(hard) + 10000}]
    p = cell.run_bundle(b)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert p.stdout == ""
    if is_cell():
        assert "RLIMIT_NOFILE" in p.stderr
        assert "Operation not permitted" in p.stderr or "EPERM" in p.stderr
    assert cell.run("list", "-q").stdout == ""


def test_rlimit_default_nofile_hard_kept(cell, bundle):
    """Without rlimits the process inherits the runtime's limits."""
    b = bundle()
    b.process.pop("rlimits", None)
    info = cell.probe(b, "rlimits")
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert info["rlimits"]["RLIMIT_NOFILE"][1] == hard


# ---- capabilities -----------------------------------------------------------

def test_caps_root_exact(cell, bundle):
    b = bundle()
    sets = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID", "CAP_SETGID"]
    b.process["capabilities"] = {"bounding": sets, "permitted": sets, "effective": sets,
                                 "inheritable": [], "ambient": []}
    info = cell.probe(b, "status")
    m = capmask(sets)
    assert caps_of(info) == {"CapInh": 0, "CapPrm": m, "CapEff": m, "CapBnd": m, "CapAmb": 0}


def test_caps_nonroot_ambient(cell, bundle):
    """For a non-root process exec'ing a file without file capabilities, the
    kernel keeps exactly the ambient set in permitted and effective."""
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["capabilities"] = {
        "bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_NET_RAW", "CAP_NET_BIND_SERVICE"],
        "permitted": ["CAP_KILL", "CAP_CHOWN"],
        "effective": ["CAP_KILL", "CAP_CHOWN"],
        "inheritable": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
        "ambient": ["CAP_KILL"],
    }
    info = cell.probe(b, "status")
    assert caps_of(info) == {
        "CapInh": capmask(["CAP_KILL", "CAP_NET_BIND_SERVICE"]),
        "CapPrm": capmask(["CAP_KILL"]),
        "CapEff": capmask(["CAP_KILL"]),
        "CapBnd": capmask(["CAP_KILL", "CAP_CHOWN", "CAP_NET_RAW", "CAP_NET_BIND_SERVICE"]),
        "CapAmb": capmask(["CAP_KILL"]),
    }


def test_caps_nonroot_no_ambient(cell, bundle):
    b = bundle()
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["capabilities"] = {"bounding": ["CAP_KILL"], "permitted": ["CAP_KILL"],
                                 "effective": ["CAP_KILL"]}
    info = cell.probe(b, "status")
    c = caps_of(info)
    assert c["CapPrm"] == 0 and c["CapEff"] == 0 and c["CapAmb"] == 0
    assert c["CapBnd"] == capmask(["CAP_KILL"])


def test_caps_empty(cell, bundle):
    b = bundle()
    b.process["capabilities"] = {}
    info = cell.probe(b, "status")
    assert caps_of(info) == {"CapInh": 0, "CapPrm": 0, "CapEff": 0, "CapBnd": 0, "CapAmb": 0}


def test_caps_effect(cell, bundle):
    """Without CAP_DAC_OVERRIDE root cannot write a file it does not own and
    that is read-only."""
    b = bundle()
    path = os.path.join(b.rootfs, "ro-file")
    with open(path, "w") as f:
        f.write("x")
    os.chown(path, 1000, 1000)
    os.chmod(path, 0o400)
    sets = ["CAP_KILL"]
    b.process["capabilities"] = {"bounding": sets, "permitted": sets, "effective": sets}
    info = cell.probe(b, "write", "/ro-file")
    assert info["ops"][0]["errno"] == "EACCES"


def test_caps_all_the_host_has(cell, bundle):
    """Every capability of the host's bounding set can be granted."""
    bnd = host_bounding()
    names = [n for i, n in enumerate(CAPS) if bnd & (1 << i)]
    b = bundle()
    b.process["capabilities"] = {"bounding": names, "permitted": names, "effective": names}
    info = cell.probe(b, "status")
    c = caps_of(info)
    assert c["CapBnd"] == bnd and c["CapEff"] == bnd and c["CapPrm"] == bnd


# ---- noNewPrivileges, oomScoreAdj ------------------------------------------------

@pytest.mark.parametrize("nnp", [True, False])
def test_no_new_privileges(cell, bundle, nnp):
    b = bundle()
    b.process["noNewPrivileges"] = nnp
    info = cell.probe(b, "status")
    assert info["status"]["NoNewPrivs"] == ("1" if nnp else "0")


def own_oom_score_adj():
    with open("/proc/self/oom_score_adj") as f:
        return int(f.read())


@pytest.mark.parametrize("adj", [0, 123, 1000])
def test_oom_score_adj(cell, bundle, adj):
    if adj < own_oom_score_adj():
        pytest.skip("lowering oom_score_adj needs CAP_SYS_RESOURCE")
    b = bundle()
    b.process["oomScoreAdj"] = adj
    info = cell.probe(b, "oom")
    assert info["oom_score_adj"] == adj


def test_oom_score_adj_negative(cell, bundle):
    """Lowering oom_score_adj below the runtime's own needs CAP_SYS_RESOURCE:
    with it the value is applied, without it create fails and says so."""
    b = bundle()
    b.process["oomScoreAdj"] = own_oom_score_adj() - 100
    b.set_args("/probe", "oom")
    p = cell.run_bundle(b)
    if host_bounding() & (1 << 24):
        assert p.returncode == 0, p.stderr
        assert '"oom_score_adj":%d' % b.process["oomScoreAdj"] in p.stdout
    else:
        assert p.returncode == 1
        if is_cell():
            assert "oomScoreAdj" in p.stderr
        assert cell.run("list", "-q").stdout == ""


# ---- apparmorProfile, selinuxLabel -------------------------------------------------

def host_has_apparmor():
    try:
        with open("/sys/module/apparmor/parameters/enabled") as f:
            return os.path.isdir("/sys/kernel/security/apparmor") and f.read().startswith("Y")
    except OSError:
        return False


def host_has_selinux():
    with open("/proc/self/mountinfo") as f:
        return any(" - selinuxfs " in line for line in f)


LSM_FIELDS = {
    "apparmorProfile": ("cell-test-profile", host_has_apparmor, "AppArmor"),
    "selinuxLabel": ("system_u:system_r:container_t:s0:c1,c2", host_has_selinux, "SELinux"),
}


@pytest.mark.parametrize("field", sorted(LSM_FIELDS))
@pytest.mark.parametrize("verb", ["run", "create"])
def test_confinement_refused_without_its_lsm(cell, bundle, testdir, field, verb):
    """A process confined by a module the host does not have must not run
    unconfined: run and create fail, naming the field, before the process
    runs or anything of the container is left (no_residue)."""
    value, host_has, lsm = LSM_FIELDS[field]
    if host_has():
        pytest.skip("this host has %s" % lsm)
    marker = os.path.join(testdir, "ran")
    b = bundle("/bin/sh", "-c", "touch /ran-dir/ran")
    b.process[field] = value
    b.add_mount("/ran-dir", type="bind", source=testdir, options=["rbind"])
    if verb == "run":
        p = cell.run_bundle(b, timeout=20)
    else:
        p = cell.create(b, check=False, timeout=20)
    assert p.returncode != 0, "%s ran with %s %r on a host without %s" % (verb, field, value, lsm)
    assert not os.path.exists(marker)
    if is_cell():
        assert 'process.%s "%s": %s is not enabled on this host' % (field, value, lsm) \
            in p.stderr, p.stderr


# ---- ioPriority, scheduler, personality -------------------------------------------

@pytest.mark.parametrize("klass,num,prio", [("IOPRIO_CLASS_BE", 2, 3), ("IOPRIO_CLASS_RT", 1, 0),
                                            ("IOPRIO_CLASS_IDLE", 3, 0)])
def test_io_priority(cell, bundle, klass, num, prio):
    requires_newer_runc("process.ioPriority")
    b = bundle()
    b.process["ioPriority"] = {"class": klass, "priority": prio}
    info = cell.probe(b, "sched")
    assert info["ioprio"]["class"] == num
    if num != 3:
        assert info["ioprio"]["level"] == prio


def test_scheduler_batch_nice(cell, bundle):
    requires_newer_runc("process.scheduler")
    b = bundle()
    b.process["scheduler"] = {"policy": "SCHED_BATCH", "nice": 7}
    info = cell.probe(b, "sched")
    assert info["sched"]["policy"] == 3  # SCHED_BATCH
    assert info["sched"]["nice"] == 7


def test_scheduler_fifo_priority(cell, bundle):
    requires_newer_runc("process.scheduler")
    b = bundle()
    b.process["scheduler"] = {"policy": "SCHED_FIFO", "priority": 10, "flags":
                              ["SCHED_FLAG_RESET_ON_FORK"]}
    # With CONFIG_RT_GROUP_SCHED (cgroup v1 cpu controller) a new cgroup has
    # no realtime budget: give it one, or run without a cgroup.
    if os.path.exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us"):
        b.linux.setdefault("resources", {})["cpu"] = {"realtimeRuntime": 10000,
                                                      "realtimePeriod": 1000000}
    info = cell.probe(b, "sched")
    assert info["sched"]["policy"] == 1  # SCHED_FIFO
    assert info["sched"]["priority"] == 10
    assert info["sched"]["reset_on_fork"] is True


def test_personality_linux32(cell, bundle):
    requires_newer_runc("linux.personality")
    b = bundle()
    b.linux["personality"] = {"domain": "LINUX32"}
    info = cell.probe(b, "personality")
    assert info["personality"] & 0xff == 0x0008  # PER_LINUX32


def test_personality_default(cell, bundle):
    b = bundle()
    info = cell.probe(b, "personality")
    assert info["personality"] & 0xff == 0


# ---- file descriptors ---------------------------------------------------------------

def test_fds_only_stdio(cell, bundle, testdir):
    """No fd of the runtime or of its caller reaches the container."""
    b = bundle()
    extra = os.open(os.path.join(testdir, "leak"), os.O_CREAT | os.O_RDWR)
    try:
        info = cell.probe(b, "fds", pass_fds=(extra,))
    finally:
        os.close(extra)
    assert sorted(info["fds"], key=int) == ["0", "1", "2"], info["fds"]


def test_stdio_targets(cell, bundle, testdir):
    b = bundle()
    b.set_args("/probe", "fds")
    b.save()
    out_path = os.path.join(testdir, "out")
    with open(out_path, "w") as out:
        p = cell.run("run", "--bundle", b.path, cell.new_id(), stdout=out)
    assert p.returncode == 0, p.stderr
    import json
    info = json.loads(open(out_path).read())
    assert info["fds"]["1"].startswith(("pipe:", out_path))
    if is_cell():
        # cell hands its own stdio to the container (as crun does); runc
        # relays through pipes.
        assert info["fds"]["0"] == "/dev/null"
        assert info["fds"]["1"] == out_path


@pytest.mark.parametrize("n", [1, 2])
def test_preserve_fds(cell, bundle, testdir, n):
    b = bundle()
    fds = []
    files = []
    # Make sure fds 3 and 4 are the ones passed: dup the files there.
    for i in range(n):
        path = os.path.join(testdir, "preserved%d" % i)
        files.append(path)
        fds.append(os.open(path, os.O_CREAT | os.O_RDWR))

    def place():
        for i, fd in enumerate(fds):
            os.dup2(fd, 100 + i)
        for i in range(len(fds)):
            os.dup2(100 + i, 3 + i)
            os.close(100 + i)

    try:
        b.set_args("/probe", "fds", "env")
        b.save()
        p = cell.run("run", "--preserve-fds", str(n), "--bundle", b.path, cell.new_id(),
                     preexec_fn=place, close_fds=False)
    finally:
        for fd in fds:
            os.close(fd)
    assert p.returncode == 0, p.stderr
    import json
    info = json.loads(p.stdout.splitlines()[-1])
    expected = {"0", "1", "2"} | {str(3 + i) for i in range(n)}
    assert set(info["fds"]) == expected, info["fds"]
    for i in range(n):
        assert info["fds"][str(3 + i)] == files[i]


def test_listen_fds(cell, bundle, testdir):
    """Socket activation: with LISTEN_FDS=N and LISTEN_PID=<runtime pid> in the
    runtime's environment, fds 3..3+N-1 are passed on and the container gets
    LISTEN_FDS=N (LISTEN_PID=1), as runc and crun do."""
    b = bundle()
    b.set_args("/probe", "fds", "env")
    b.save()
    path = os.path.join(testdir, "activation")
    fd = os.open(path, os.O_CREAT | os.O_RDWR)
    cid = cell.new_id()
    argv = " ".join("'%s'" % a for a in cell.cmd("run", "--bundle", b.path, cid))

    def place():
        os.dup2(fd, 3)

    try:
        p = subprocess.run(["/bin/sh", "-c", "LISTEN_PID=$$ LISTEN_FDS=1 exec %s" % argv],
                           preexec_fn=place, close_fds=False, capture_output=True, text=True,
                           timeout=30, stdin=subprocess.DEVNULL)
    finally:
        os.close(fd)
    assert p.returncode == 0, p.stderr
    import json
    info = json.loads(p.stdout.splitlines()[-1])
    assert info["fds"].get("3") == path, info["fds"]
    assert "LISTEN_FDS=1" in info["env"]
    assert "LISTEN_PID=1" in info["env"]

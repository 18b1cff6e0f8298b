# SPDX-License-Identifier: Apache-2.0
"""CVE-2024-21626 and its kin: a host directory reached through a file
descriptor or a /proc magic link.

runc leaked a directory fd of the host (/sys/fs/cgroup) into the container's
init, so process.cwd = /proc/self/fd/7 (or `exec --cwd`) started the
process in a host directory, and ../../.. from there is the host's root.
The outcome checked: a file that exists only on the host (`host_marker`,
outside every rootfs) stays unreachable — by absolute path, and by
climbing ../ from the working directory and from every directory that a
/proc/self/{cwd,root,fd/N} link leads to (the probe's `reach`).  A
runtime may also refuse such a cwd: the container then does not start.
"""

import json

import pytest

from bundles import op


def reach(info, marker):
    r = op(info, "reach", marker)
    assert r["direct"] == "ENOENT", r
    assert not r["escapes"], "reached the host file from inside: %r" % r["escapes"]
    return r


def last_json(stdout):
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else None


@pytest.mark.parametrize("fd", range(3, 11))
def test_cwd_proc_self_fd(cell, bundle, host_marker, fd):
    b = bundle()
    b.process["cwd"] = "/proc/self/fd/%d" % fd
    b.set_args("/probe", "cwd", "fds", "reach", host_marker, "ls", "..")
    p = cell.run_bundle(b)
    info = last_json(p.stdout)
    if p.returncode != 0 and info is None:
        return  # refused: the process never ran with that cwd
    assert p.returncode == 0, p.stderr
    reach(info, host_marker)
    assert sorted(info["fds"], key=int) == ["0", "1", "2"], info["fds"]
    # Whatever the cwd became, it is a directory of the container.
    assert info["cwd"].startswith("/") and "(unreachable)" not in info["cwd"], info["cwd"]


def test_exec_cwd_proc_self_fd(cell, bundle, host_marker):
    b = bundle("/probe", "sleep", "30")
    cid = cell.create(b)
    cell.start(cid)
    try:
        for fd in range(3, 11):
            p = cell.run("exec", "--cwd", "/proc/self/fd/%d" % fd, cid,
                         "/probe", "cwd", "fds", "reach", host_marker)
            info = last_json(p.stdout)
            if p.returncode != 0 and info is None:
                continue  # refused
            assert p.returncode == 0, p.stderr
            reach(info, host_marker)
            assert sorted(info["fds"], key=int) == ["0", "1", "2"], (fd, info["fds"])
            assert "(unreachable)" not in info["cwd"], (fd, info["cwd"])
    finally:
        cell.delete(cid, force=True)


def test_no_runtime_fd_in_container_process(cell, bundle, host_marker):
    """run, and exec: the process gets stdio and nothing else."""
    b = bundle("/probe", "fds", "reach", host_marker, "sleep", "30")
    with open(b.file("out"), "w") as out:
        cid = cell.create(b, stdout=out)
    cell.start(cid)
    try:
        p = cell.run("exec", cid, "/probe", "fds", "reach", host_marker)
        assert p.returncode == 0, p.stderr
        info = last_json(p.stdout)
        assert sorted(info["fds"], key=int) == ["0", "1", "2"], info["fds"]
        reach(info, host_marker)
        with open(b.file("out")) as f:
            init = last_json(f.read())
        assert sorted(init["fds"], key=int) == ["0", "1", "2"], init["fds"]
        reach(init, host_marker)
    finally:
        cell.delete(cid, force=True)


@pytest.mark.parametrize("kind", ["created", "exec"])
def test_runtime_process_links_default_caps(scenario, kind):
    """The cwd, root and fd links of the runtime's processes seen from
    inside (the watcher tries ../../.. to the host file from each)."""
    a = scenario(kind)
    assert not a.escapes(), "reached the host through %r\n%s" % (a.escapes(), a.summary())


def test_exec_process_links_with_sys_ptrace(scenario):
    """CAP_SYS_PTRACE opens any /proc/<pid>/{cwd,root,fd} link of a process
    the container can see, non-dumpable or not: a process that `exec` puts
    into the container must not be visible there while its root, cwd or an
    fd is still the host's."""
    a = scenario("exec", attacker="sys_ptrace")
    assert not a.escapes(), "reached the host through %r\n%s" % (a.escapes()[:4], a.summary())


def test_created_init_links_with_sys_ptrace(scenario):
    """The same for the init of a container that joins another's pid
    namespace by path (a pod): it must not be visible there before it has
    its container root and cwd."""
    a = scenario("created", attacker="sys_ptrace")
    assert not a.escapes(), "reached the host through %r\n%s" % (a.escapes()[:4], a.summary())

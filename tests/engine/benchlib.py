# SPDX-License-Identifier: Apache-2.0
"""Helpers for the tests of `cell bench isolation` (test_bench_isolation*.py)."""

import glob
import os
import re
import subprocess

WORKLOADS = [
    "startup_median", "startup_p90", "first_output_median",
    "memory_1", "kernel_1", "memory_n", "density", "density_start",
    "syscall_ns", "rootfs_write", "rootfs_read", "volume_write", "volume_read",
    "net_rtt", "net_throughput", "net_lo_rtt", "net_lo_throughput",
]
# The rows measured from the host over each mode's own path, and that path.
NET_PATH_ROWS = ["net_rtt", "net_throughput"]
NET_PATHS = {"process": "loopback", "container": "bridge", "vm": "tap"}
# cell's default network (src/engine/network.c): the bridge cell0 and its subnet.
DEFAULT_SUBNET = "10.88.0.0/16"
ISOLATION = ["kernel", "host_pids", "host_network", "capabilities", "seccomp", "sysrq", "module_load"]
MODES = ["process", "container", "vm"]
# Figures process mode has no cgroup of its own for.
NO_PROCESS_VALUE = {"kernel_1"}


# Where no test asks for the VM column, it is off: the guest kernel is pointed at
# nothing, so `cell run --isolation=vm` fails and the column says why (TCG boots
# are CPU-heavy; test_bench_isolation_vm.py runs the VM column).
NO_VM = {"CELL_GUEST_KERNEL": "/nonexistent/cell-bench-test/vmlinux"}


def bench_argv(engine, *args):
    return engine.argv("bench", "isolation", *args)


def run_bench(engine, *args, timeout=600, env=None):
    p = subprocess.run(bench_argv(engine, *args), capture_output=True, text=True, timeout=timeout,
                       env=engine.env(env if env is not None else NO_VM))
    assert p.returncode == 0, "cell bench isolation %s: exit %d\n%s" % (args, p.returncode, p.stderr)
    return p


def started_ids(stderr):
    """The container ids of the idle instances, from the progress lines."""
    return re.findall(r"started \w+ \S+ \(id ([0-9a-f]{64})\)", stderr)


def cgroup_dirs_named(ids):
    """Every cgroup directory (any hierarchy) named after one of ids."""
    found = []
    mounts = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            fstype = parts[parts.index("-") + 1]
            if fstype in ("cgroup", "cgroup2"):
                mounts.append(parts[4])
    for m in mounts:
        for root, dirs, _ in os.walk(m):
            for d in dirs:
                if d in ids:
                    found.append(os.path.join(root, d))
    return found


def assert_nothing_left(engine, stderr):
    """No container record, no cgroup of an instance, no scratch directory, no mount."""
    ps = engine.out("ps", "-a", "-q")
    assert ps.strip() == "", "containers left: %s" % ps
    ids = set(started_ids(stderr))
    assert not cgroup_dirs_named(ids), "cgroups left: %s" % cgroup_dirs_named(ids)
    left = glob.glob(os.path.join(engine.runroot, "bench-*"))
    assert not left, "scratch left: %s" % left
    with open("/proc/self/mountinfo") as f:
        mounts = [l.split()[4] for l in f if engine.root in l.split()[4]]
    assert not mounts, "mounts left: %s" % mounts
    for pid in re.findall(r"started process \(pid (\d+)\)", stderr):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        assert cmd != b"sleep\x001000000\x00", "process mode's idle pid %s left" % pid
    mine = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if engine.root.encode() in cmd:
            mine.append((pid, cmd.replace(b"\0", b" ")))
    assert not mine, "processes left: %s" % mine


def pss_kib(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    return int(s[s.rindex(")") + 2:].split()[1])


def memory_cgroup_procs(pid):
    """The pids in pid's memory cgroup (v1 memory hierarchy, else cgroup2)."""
    path = None
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            num, ctrl, p = line.rstrip("\n").split(":", 2)
            if ctrl == "memory":
                path = "/sys/fs/cgroup/memory" + p
            elif ctrl == "" and path is None:
                path = "/sys/fs/cgroup" + p
    with open(os.path.join(path, "cgroup.procs")) as f:
        return [int(x) for x in f.read().split()]

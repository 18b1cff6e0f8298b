# SPDX-License-Identifier: Apache-2.0
"""Micro-VM isolation (issue 15): `cell vm run ROOTFS_DIR CMD...` boots cell's
guest kernel in a QEMU microvm with cell-guest-init and runs CMD from a busybox
rootfs directory.  Under TCG on these machines ($CELL_VM_ACCEL=tcg, see
test_vm_check.py for the probe).

Needs qemu-system-x86_64 and the guest kernel (scripts/guest-kernel.sh); the
tests skip, saying which, when either is missing.  The rootfs lives under the
test's private root, so the `engine` fixture's residue check fails a test that
leaves a QEMU process behind (its command line names the rootfs).
"""

import os
import platform
import re
import shutil
import subprocess
import time

import pytest

import enginelib

pytestmark = pytest.mark.slow


def guest_kernel():
    """$CELL_GUEST_KERNEL, else the build tree's cached kernel, else None."""
    k = os.environ.get("CELL_GUEST_KERNEL")
    if k:
        return k if os.path.isfile(k) else None
    k = os.path.join(enginelib.REPO, ".deps", "guest-kernel", "current", "vmlinux")
    return k if os.path.isfile(k) else None


def guest_init():
    i = os.environ.get("CELL_GUEST_INIT") or os.path.join(enginelib.build_dir(), "src", "vm", "cell-guest-init")
    return i if os.path.isfile(i) else None


@pytest.fixture(scope="session")
def vm_parts():
    if not shutil.which("qemu-system-x86_64"):
        pytest.skip("qemu-system-x86_64 not installed (Debian's qemu-system-x86)")
    kernel = guest_kernel()
    if not kernel:
        pytest.skip("guest kernel not built: run scripts/guest-kernel.sh (or set CELL_GUEST_KERNEL)")
    init = guest_init()
    if not init:
        pytest.skip("cell-guest-init not built in %s" % enginelib.build_dir())
    return {"CELL_GUEST_KERNEL": kernel, "CELL_GUEST_INIT": init, "CELL_VM_ACCEL": "tcg"}


class VM:
    def __init__(self, engine, parts):
        self.engine = engine
        self.parts = parts
        self.rootfs = os.path.join(engine.root, "rootfs")
        subprocess.run([os.path.join(enginelib.REPO, "scripts", "mkrootfs.sh"), self.rootfs], check=True)

    def run(self, *args, input=None, env=None, timeout=180):
        e = dict(self.parts)
        if env:
            e.update(env)
        return self.engine.run("vm", "run", *args, check=False, input=input, env=e, timeout=timeout)

    def sh(self, script, *opts, **kw):
        return self.run(*opts, self.rootfs, "/bin/sh", "-c", script, **kw)


@pytest.fixture
def vm(engine, vm_parts):
    return VM(engine, vm_parts)


def test_vm_exit_zero_and_stdout(vm):
    p = vm.run(vm.rootfs, "/bin/echo", "hello from the guest")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "hello from the guest\n"


def test_vm_exit_status_nonzero(vm):
    p = vm.sh("exit 1")
    assert p.returncode == 1, p.stderr
    p = vm.sh("exit 42")
    assert p.returncode == 42, p.stderr


def test_vm_killed_by_signal_is_128_plus_n(vm):
    p = vm.sh("kill -9 $$")
    assert p.returncode == 137, p.stderr


def test_vm_missing_command_is_127(vm):
    p = vm.run(vm.rootfs, "/no/such/command")
    assert p.returncode == 127
    assert "/no/such/command" in p.stderr and "No such file" in p.stderr
    p = vm.run(vm.rootfs, "nosuchcommand")
    assert p.returncode == 127
    assert "nosuchcommand" in p.stderr


def test_vm_not_executable_is_126(vm):
    with open(os.path.join(vm.rootfs, "notexec"), "w") as f:
        f.write("#!/bin/sh\necho no\n")
    os.chmod(os.path.join(vm.rootfs, "notexec"), 0o644)
    p = vm.run(vm.rootfs, "/notexec")
    assert p.returncode == 126, p.stderr
    assert "Permission denied" in p.stderr


def test_vm_stdout_and_stderr_apart(vm):
    p = vm.sh("echo to-out; echo to-err >&2; echo more-out")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "to-out\nmore-out\n"
    assert p.stderr == "to-err\n"


def test_vm_stdin(vm):
    data = "line one\nline two\n" + "x" * 200000 + "\n"
    p = vm.run(vm.rootfs, "/bin/sh", "-c", "wc -c; echo done", input=data)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [str(len(data)), "done"]
    p = vm.run(vm.rootfs, "/bin/cat", input="hello\n")
    assert p.stdout == "hello\n"


def test_vm_large_output_arrives_whole(vm):
    p = vm.sh("i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines == ["line-%d" % i for i in range(3000)]


def test_vm_env_user_workdir_hostname(vm):
    p = vm.sh('echo "$FOO|$(id -u):$(id -g)|$(pwd)|$(hostname)"',
              "-e", "FOO=bar baz", "-u", "1000:1001", "-w", "/tmp", "--hostname", "guest1")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "bar baz|1000:1001|/tmp|guest1\n"


def test_vm_missing_workdir_fails_clearly(vm):
    p = vm.run("-w", "/does/not/exist", vm.rootfs, "/bin/true")
    assert p.returncode == 125
    assert "/does/not/exist" in p.stderr


def test_vm_own_kernel(vm):
    p = vm.run(vm.rootfs, "/bin/uname", "-r")
    assert p.returncode == 0, p.stderr
    guest = p.stdout.strip()
    assert guest and guest != platform.release()
    assert guest.startswith("6.1.")


def test_vm_memory_and_cpus(vm):
    p = vm.run("--memory", "200m", "--cpus", "2", vm.rootfs, "/bin/sh", "-c",
               "grep MemTotal /proc/meminfo; grep -c ^processor /proc/cpuinfo")
    assert p.returncode == 0, p.stderr
    m = re.search(r"MemTotal:\s+(\d+) kB", p.stdout)
    assert m, p.stdout
    total_mib = int(m.group(1)) / 1024
    assert 150 < total_mib <= 200, p.stdout
    assert p.stdout.splitlines()[-1] == "2"


def test_vm_memory_too_small_is_refused(vm):
    p = vm.run("--memory", "16m", vm.rootfs, "/bin/true")
    assert p.returncode == 125
    assert "memory 16 MiB is below" in p.stderr


def test_vm_rootfs_is_not_written_unless_writable(vm):
    p = vm.sh("echo guest > /written; cat /written")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "guest\n"
    assert not os.path.exists(os.path.join(vm.rootfs, "written"))
    # a directory of the image removed and made again is empty (overlayfs' opaque
    # directories: xattrs on the guest's tmpfs)
    p = vm.sh("rm -rf /etc && mkdir /etc && ls -A /etc | wc -l")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "0"
    assert os.path.isfile(os.path.join(vm.rootfs, "etc", "passwd"))
    p = vm.sh("echo guest > /written", "--writable")
    assert p.returncode == 0, p.stderr
    with open(os.path.join(vm.rootfs, "written")) as f:
        assert f.read() == "guest\n"


def test_vm_bad_rootfs(vm):
    p = vm.run(os.path.join(vm.engine.root, "nope"), "/bin/true")
    assert p.returncode == 125
    assert "nope" in p.stderr and "No such file" in p.stderr


def test_vm_kernel_that_does_not_load(vm):
    bogus = os.path.join(vm.engine.root, "not-a-kernel")
    with open(bogus, "w") as f:
        f.write("this is not a kernel\n")
    p = vm.run(vm.rootfs, "/bin/true", env={"CELL_GUEST_KERNEL": bogus})
    assert p.returncode == 125
    assert "QEMU exited" in p.stderr and "QEMU said" in p.stderr, p.stderr


def test_vm_guest_panic_quotes_the_console(vm):
    # An init that is not an executable: the kernel finds no init and panics.
    bad_init = os.path.join(vm.engine.root, "bad-init")
    with open(bad_init, "wb") as f:
        f.write(b"\x7fELF garbage")
    p = vm.run(vm.rootfs, "/bin/true", env={"CELL_GUEST_INIT": bad_init})
    assert p.returncode == 125
    assert "before the guest reported an exit status" in p.stderr, p.stderr
    assert "last lines of the guest's console" in p.stderr
    assert "Kernel panic" in p.stderr, p.stderr


def qemus_of(rootfs):
    """Pids of processes whose command line names rootfs (QEMU's -fsdev does)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if ("path=%s," % rootfs).encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def test_vm_boot_timeout_quotes_the_console_and_kills_qemu(vm):
    p = vm.run("--boot-timeout", "300", vm.rootfs, "/bin/true")
    assert p.returncode == 125
    assert "did not start the process within 300 ms" in p.stderr, p.stderr
    assert "console" in p.stderr
    assert qemus_of(vm.rootfs) == []


def test_vm_sigkill_of_cell_takes_qemu_with_it(vm):
    proc = subprocess.Popen(vm.engine.argv("vm", "run", vm.rootfs, "/bin/sh", "-c", "echo ready; sleep 600"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=vm.engine.env(vm.parts))
    try:
        assert proc.stdout.readline() == b"ready\n"
        assert len(qemus_of(vm.rootfs)) == 1
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 10
    while qemus_of(vm.rootfs) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert qemus_of(vm.rootfs) == []


def test_vm_signal_is_forwarded(vm):
    proc = subprocess.Popen(vm.engine.argv("vm", "run", vm.rootfs, "/bin/sh", "-c",
                                           "trap 'echo got-term; exit 7' TERM; echo ready; "
                                           "while :; do sleep 1; done"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=vm.engine.env(vm.parts))
    try:
        assert proc.stdout.readline() == "ready\n"
        proc.terminate()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 7, err
    assert out == "got-term\n"

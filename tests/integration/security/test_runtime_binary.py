# SPDX-License-Identifier: Apache-2.0
"""CVE-2019-5736: overwriting the runtime's binary from inside a container.

The exploit: a process in the container gets hold of the runtime's binary
through /proc/<pid>/exe of a runtime process that has entered the
container (the init of a container that is still `created`, a process of
`exec` during its start, or the container's own entrypoint when that is
/proc/self/exe or a script with #!/proc/self/exe, which makes the runtime
execute itself), keeps it open O_PATH, and reopens it for writing through
/proc/self/fd/N once the runtime has exited.  The next `create` on the
host then runs the attacker's code as root.

Whatever the runtime's defence (a sealed copy of itself, a read-only
mount, non-dumpable processes), the outcome checked is the same: no write
into the runtime's binary succeeds and its sha256 is unchanged.  With
CAP_SYS_PTRACE the container may open /proc/<pid>/exe of any process it
can see, non-dumpable or not, so that is the configuration that tests the
binary itself rather than the ptrace rules (test_ptrace.py).
"""

import pytest


def assert_binary_intact(a):
    assert not a.host_writes(), \
        "the container wrote the runtime binary:\n%r\n%s" % (a.host_writes(), a.summary())
    assert a.intact, "runtime binary changed (sha256):\n" + a.summary()


@pytest.mark.parametrize("entry", ["probe", "proc_self_exe", "script"])
def test_created_init_and_entrypoint(scenario, entry):
    """A container's init, seen from a neighbour sharing its pid namespace
    while it is created and while it execs `entry`."""
    a = scenario("created", entry, attacker="sys_ptrace")
    assert a.procs, "the watcher saw no process:\n" + a.summary()
    assert_binary_intact(a)


def test_exec(scenario):
    """Processes of `exec` (of /probe, /proc/self/exe and a #!/proc/self/exe
    script) caught during their start."""
    a = scenario("exec", attacker="sys_ptrace")
    assert a.procs, "the watcher saw no process:\n" + a.summary()
    assert_binary_intact(a)


@pytest.mark.parametrize("kind", ["created", "exec"])
def test_attacker_exec_with_cap_sys_ptrace(scenario, kind):
    """The container's config grants no CAP_SYS_PTRACE, but an earlier
    `exec --cap CAP_SYS_PTRACE` put a process with it into the container:
    it attacks the later runtime processes (a neighbour's init, execs
    without the capability)."""
    a = scenario(kind, attacker="exec_cap")
    assert a.procs, "the watcher saw no process:\n" + a.summary()
    assert_binary_intact(a)


def test_attacker_without_capabilities_object(scenario):
    """A config with no process.capabilities at all: whatever set the
    runtime then gives the process, the binary stays intact."""
    a = scenario("exec", attacker="no_caps_object")
    assert_binary_intact(a)


@pytest.mark.parametrize("kind", ["created", "exec"])
def test_default_capabilities(scenario, kind):
    """Without CAP_SYS_PTRACE the container cannot even open the runtime
    processes' /proc/<pid>/exe."""
    a = scenario(kind)
    assert not a.host_handles(), "got an fd of the runtime binary:\n" + a.summary()
    assert_binary_intact(a)

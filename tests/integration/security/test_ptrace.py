# SPDX-License-Identifier: Apache-2.0
"""ptrace and /proc/<pid> of the runtime's own processes, from inside.

A runtime process that enters the container (the init until `start`, an
`exec`'d process during its start) still has the runtime's privileges, its
environment and memory.  Were a container process able to PTRACE_ATTACH
to it (CVE-2016-9962) or read its /proc/<pid>/environ or mem, it would
get those.  With the default capabilities (no CAP_SYS_PTRACE) the kernel
lets it only if the runtime process is dumpable and holds no capability the
attacker lacks: runtimes make their processes non-dumpable until they exec.

The runtime runs with CELL_ESCAPE_SECRET in its environment (attacks.py);
the container's processes do not have it, so a read of it from inside is
a read of the runtime's memory.
"""

import pytest


@pytest.mark.parametrize("kind", ["created", "exec"])
def test_runtime_process_cannot_be_attached(scenario, kind):
    """PTRACE_SEIZE (the permission check of PTRACE_ATTACH, without the
    SIGSTOP) of every process as it appears: whatever it stopped (checked
    while stopped: a runtime process may have exec'd the user's program
    between the watcher's first look and the attach) neither holds a
    capability the attacker lacks nor still runs the runtime's binary."""
    a = scenario(kind)
    assert a.refused(), "the watcher saw no runtime process:\n" + a.summary()
    assert not a.escalations(), \
        "ptrace-attached a process with more capabilities: %r\n%s" % (a.escalations(),
                                                                       a.summary())
    assert not a.attached_runtime(), \
        "ptrace-attached the runtime: %r\n%s" % (a.attached_runtime(), a.summary())


@pytest.mark.parametrize("kind", ["created", "exec"])
def test_runtime_environ_and_mem_unreadable(scenario, kind):
    a = scenario(kind)
    assert a.refused(), "the watcher saw no runtime process:\n" + a.summary()
    assert not a.leaks(), "read the runtime's environment: %r\n%s" % (a.leaks(), a.summary())


@pytest.mark.parametrize("kind", ["created", "exec"])
def test_cap_sys_ptrace_gains_no_capability(scenario, kind):
    """With CAP_SYS_PTRACE (no user namespace) the container may attach to
    any process it can see, dumpable or not: a runtime process that is in
    the container's pid namespace while it still holds the runtime's
    capabilities hands them over (inject code, then CAP_SYS_MODULE, ...).
    It must have dropped to the container's set before it is visible."""
    a = scenario(kind, attacker="sys_ptrace")
    assert not a.escalations(), \
        "ptrace-attached a process with more capabilities: %r\n%s" % (a.escalations()[:4],
                                                                       a.summary())

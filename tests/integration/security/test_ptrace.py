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
    SIGSTOP) of every process as it appears: never one that holds a
    capability the attacker lacks, and never a runtime process."""
    a = scenario(kind)
    assert a.refused(), "the watcher saw no runtime process:\n" + a.summary()
    assert not a.escalations(), \
        "ptrace-attached a process with more capabilities: %r\n%s" % (a.escalations(),
                                                                       a.summary())
    for p in a.refused():
        assert p["ptrace"] != "ok", p


@pytest.mark.parametrize("kind", ["created", "exec"])
def test_runtime_environ_and_mem_unreadable(scenario, kind):
    a = scenario(kind)
    assert a.refused(), "the watcher saw no runtime process:\n" + a.summary()
    assert not a.leaks(), "read the runtime's environment: %r\n%s" % (a.leaks(), a.summary())

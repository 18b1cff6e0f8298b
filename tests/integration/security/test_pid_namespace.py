# SPDX-License-Identifier: Apache-2.0
"""A container that joins another's pid namespace by path (a pod: podman
--pid container:X, Kubernetes shareProcessNamespace, ctr --with-ns pid:)
sees that namespace's processes in its /proc, and nothing of the host.

A runtime that mounts the container's procfs before it enters the joined
pid namespace gives it the host's process list: with default capabilities,
a process of the same uid as a host process can then read that process'
/proc/<pid>/environ and climb into the host's / through /proc/<pid>/root.
The outcome checked: the host process is not listed, its environment and
a file that exists only on the host stay unreachable.
"""

import os
import subprocess
import time
import uuid

from bundles import op


class HostProcess:
    """A dumpable host process of uid 1000 with a secret in its environment."""

    def __init__(self):
        self.secret = "host-secret-" + uuid.uuid4().hex
        env = dict(os.environ, CELL_HOST_SECRET=self.secret)
        self.proc = subprocess.Popen(["setpriv", "--reuid=1000", "--regid=1000",
                                      "--clear-groups", "sleep", "100"], env=env,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with open("/proc/%d/cmdline" % self.pid, "rb") as f:
                if f.read().startswith(b"sleep"):
                    break
            time.sleep(0.01)

    def close(self):
        self.proc.kill()
        self.proc.wait()


def test_joined_pid_namespace_hides_the_host(cell, bundle, host_marker):
    os.chmod(os.path.dirname(host_marker), 0o755)
    os.chmod(host_marker, 0o644)
    w = bundle("/probe", "sleep", "60")
    cid = cell.create(w)
    host = HostProcess()
    try:
        cell.start(cid)
        t = bundle()
        t.set_namespace("pid", "/proc/%d/ns/pid" % cell.state(cid)["pid"])
        t.process["user"] = {"uid": 1000, "gid": 1000}
        environ = "/proc/%d/environ" % host.pid
        via_root = "/proc/%d/root%s" % (host.pid, host_marker)
        info = cell.probe(t, "ls", "/proc", "read", environ, "read", via_root)
    finally:
        host.close()
        cell.delete(cid, force=True)
    entries = op(info, "ls", "/proc")["entries"]
    assert str(host.pid) not in entries or not op(info, "read", environ)["ok"]
    assert host.secret not in (op(info, "read", environ)["data"] or "")
    assert not op(info, "read", via_root)["ok"], op(info, "read", via_root)
    # the namespace holds W's probe and T's own: a handful, not the host's
    assert len([e for e in entries if e.isdigit()]) < 10, entries

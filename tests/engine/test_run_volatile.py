# SPDX-License-Identifier: Apache-2.0
"""--rm containers mount their overlay `volatile` (no sync of the store's
filesystem at unmount, as podman does); one whose volatile mount did not end
cleanly (a host crash: here the mount is dropped behind the engine's back)
refuses to start with an error that says why, and `rm -f` still removes it."""

import os
import subprocess


def _is_volatile(engine, *flags):
    out = engine.out("run", *flags, "--network", "none", "busybox", "cat", "/proc/self/mountinfo")
    root = next(line for line in out.splitlines() if line.split()[4] == "/")
    options = root.split(" - ", 1)[1].split()[-1].split(",")
    # "volatile" before Linux 6.6, "fsync=volatile" since
    return "volatile" in options or "fsync=volatile" in options


def test_run_rm_overlay_is_volatile(engine):
    assert _is_volatile(engine, "--rm")


def test_run_without_rm_overlay_is_not_volatile(engine):
    assert not _is_volatile(engine)


def test_run_rm_volatile_leftover_after_crash_is_refused_and_removable(engine):
    cid = engine.out("create", "--rm", "--network", "none", "busybox", "true").strip()
    cdir = os.path.join(engine.storage, "containers", cid)
    assert os.path.isdir(os.path.join(cdir, "work", "work", "incompat", "volatile"))
    # what a reboot leaves: the record and its directories, no mount
    subprocess.run(["umount", os.path.join(cdir, "bundle", "rootfs")], check=True)
    p = engine.run("start", "-a", cid, check=False)
    assert p.returncode == 125
    assert "volatile" in p.stderr and "remove the container" in p.stderr
    assert not os.path.ismount(os.path.join(cdir, "bundle", "rootfs"))
    engine.run("rm", "-f", cid)
    assert not os.path.exists(cdir)
    assert engine.out("ps", "-a", "-q") == ""

# SPDX-License-Identifier: Apache-2.0
"""valgrind memcheck over the lifecycle commands (issue 5, part 5).

A dynamically linked, unsanitized build of cell (valgrind cannot replace
malloc in a static binary) is made for the session in its scratch space and
bind-mounted read-only, so that `create` and `exec` do not re-execute
themselves from a protected copy of the binary (runtime/dmz.h), which would
leave valgrind behind.  Each command runs under

    valgrind --leak-check=full --errors-for-leak-kinds=definite
             --error-exitcode=99 --trace-children=no --child-silent-after-fork=no

with one log file per process: valgrind follows fork and clone, so the
container's init is checked too, from its clone to its end.  Every log must
say "ERROR SUMMARY: 0 errors" (a definite leak counts as an error).

What valgrind 3.19 (Debian 12's) can run: it has no wrapper for pidfd_open,
pidfd_send_signal, clone3, openat2 or seccomp and fails them with ENOSYS.
So `spec`, `features`, `state`, `list` and `delete` of a stopped container
run to their end; `create` and `run` run in the runtime through the clone
(clone3 falls back to clone) and in the init up to its first openat2 (the
first mount), then through the error path and the abort; `start`, `kill`,
`exec` and `delete` of a live container stop at pidfd_open and take their
error paths.  Each of those is asserted to fail exactly so (the message
names "Function not implemented") and to leave the container as it was.
Their success paths are covered by the ASan+UBSan pass (LeakSanitizer
on, every integration test).

The normal pass only (~30 s); the ASan pass skips it.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from bundles import REPO, is_cell

VALGRIND = shutil.which("valgrind")
SUPP = os.path.join(REPO, "tests", "valgrind.supp")
ENOSYS = "Function not implemented"

pytestmark = [
    pytest.mark.skipif(VALGRIND is None, reason="valgrind is not installed"),
    pytest.mark.skipif(not is_cell(), reason="builds and checks cell itself"),
    pytest.mark.normal_pass_only,  # builds its own binary: once per CI run
]


@pytest.fixture(scope="session")
def valgrind_cell(workdir):
    """cell built with -Dstatic=false, on a read-only bind mount, run as cell-oci."""
    build = os.path.join(workdir, "build-valgrind")
    subprocess.run(["meson", "setup", build, REPO, "-Dstatic=false"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", build, "cell", "cell-oci"], check=True,
                   stdout=subprocess.DEVNULL)
    ro = os.path.join(workdir, "valgrind-bin")
    os.makedirs(ro)
    subprocess.run(["mount", "--bind", build, ro], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", ro], check=True)
        yield os.path.join(ro, "cell-oci")
    finally:
        subprocess.run(["umount", ro], check=False)


class Memcheck:
    def __init__(self, binary, cell, logs):
        self.binary = binary
        self.cell = cell
        self.logs = logs
        self.runs = 0
        self.processes = 0

    def run(self, *args, expect_rc=0, expect_err=None, min_processes=1):
        self.runs += 1
        logdir = os.path.join(self.logs, "%02d-%s" % (self.runs, args[0]))
        os.makedirs(logdir)
        argv = [VALGRIND, "--leak-check=full", "--errors-for-leak-kinds=definite",
                "--error-exitcode=99", "--trace-children=no", "--child-silent-after-fork=no",
                "--suppressions=" + SUPP, "--log-file=%s/%%p.log" % logdir,
                self.binary, "--root", self.cell.root, *args]
        # Files, not pipes: a container's init would inherit them.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            rc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                timeout=120).returncode
            out.seek(0)
            err.seek(0)
            p = subprocess.CompletedProcess(argv, rc, out.read().decode(), err.read().decode())
        logs = sorted(glob.glob(os.path.join(logdir, "*.log")))
        self.processes += len(logs)
        what = "cell %s" % " ".join(args)
        problems, summaries = [], 0
        for log in logs:
            with open(log) as f:
                text = f.read()
            m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
            summaries += m is not None
            # A container init the runtime SIGKILLs after its error report
            # (abort) ends without a summary; it must then show no error
            # either (each error is reported with its stack: "at 0x...").
            if (m and m.group(1) != "0") or re.search(r"==\d+==\s+at 0x", text):
                problems.append("%s:\n%s" % (log, text))
        assert not problems, "%s: valgrind found errors\n%s" % (what, "\n".join(problems))
        assert summaries >= 1, "%s: no process ran to its end under valgrind" % what
        assert p.returncode != 99, "%s: valgrind exit code" % what
        assert p.returncode == expect_rc, "%s: exit %d\nstderr: %s" % (what, p.returncode,
                                                                      p.stderr)
        if expect_err:
            assert expect_err in p.stderr, "%s: %s" % (what, p.stderr)
        assert len(logs) >= min_processes, "%s: %d processes checked, expected %d" % (
            what, len(logs), min_processes)
        return p


@pytest.mark.slow
def test_memcheck_lifecycle(cell, bundle, valgrind_cell, testdir):
    vg = Memcheck(valgrind_cell, cell, os.path.join(testdir, "valgrind"))
    b = bundle("/probe", "sleep", "100")
    b.save()

    spec_dir = os.path.join(testdir, "spec")
    os.makedirs(spec_dir)
    vg.run("spec", "--bundle", spec_dir)
    with open(os.path.join(spec_dir, "config.json")) as f:
        assert json.load(f)["process"]["args"]
    vg.run("features")

    created, running, stopped = cell.create(b), cell.create(b), cell.create(b)
    cell.start(running)
    cell.start(stopped)
    cell.kill(stopped, "KILL")
    cell.wait_status(stopped, "stopped")
    for cid, status in ((created, "created"), (running, "running"), (stopped, "stopped")):
        assert json.loads(vg.run("state", cid).stdout)["status"] == status
    vg.run("list")
    listed = json.loads(vg.run("list", "--format", "json").stdout)
    assert sorted(c["id"] for c in listed) == sorted([created, running, stopped])
    vg.run("delete", stopped)
    assert not os.path.exists(os.path.join(cell.root, stopped))

    # The init is checked from its clone to its first openat2.
    for verb in ("create", "run"):
        cid = cell.new_id()
        vg.run(verb, "--bundle", b.path, cid, expect_rc=1, expect_err=ENOSYS,
               min_processes=2)
        assert not os.path.exists(os.path.join(cell.root, cid))

    vg.run("start", created, expect_rc=1, expect_err=ENOSYS)
    vg.run("kill", running, "KILL", expect_rc=1, expect_err=ENOSYS)
    vg.run("exec", running, "/bin/true", expect_rc=255, expect_err=ENOSYS)
    vg.run("delete", "--force", running, expect_rc=1, expect_err=ENOSYS)
    vg.run("delete", created, expect_rc=1, expect_err=ENOSYS)
    vg.run("state", "no-such-container", expect_rc=1, expect_err="does not exist")
    assert cell.state(created)["status"] == "created"
    assert cell.state(running)["status"] == "running"
    print("\nvalgrind: %d commands, %d processes checked, 0 errors" % (vg.runs, vg.processes))
    for cid in (created, running):
        cell.delete(cid, force=True)

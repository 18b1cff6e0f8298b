# SPDX-License-Identifier: Apache-2.0
"""The CVE-2019-5736 defence of `cell run`: the starter re-executes cell from a
read-only view of its binary (an execveat of a memfd or O_PATH fd) when the
container could reach its init (cell_dmz_needed: CAP_SYS_PTRACE in the
bounding set, or no pid namespace of its own), as the runtime's own `run`
does, and not otherwise."""

import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")


def _reexecs(engine, tmp_path, *flags):
    """execveat calls of cell's own binary (not the init's cell-dmz exec) in one run."""
    out = tmp_path / "strace.txt"
    env = engine.env()
    if "ASAN_OPTIONS" in env:
        # LeakSanitizer refuses to run under ptrace: off for this traced run only.
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=execveat", "-o", str(out)]
                       + engine.argv("run", "--rm", "--network", "none", *flags, "busybox", "true"),
                       capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    return [line for line in out.read_text().splitlines()
            if "execveat(" in line and "__monitor" in line]


def test_run_without_ptrace_does_not_reexecute(engine, tmp_path):
    assert _reexecs(engine, tmp_path) == []


@pytest.mark.parametrize("flags", [("--cap-add", "SYS_PTRACE"), ("--privileged",)])
def test_run_with_ptrace_reexecutes(engine, tmp_path, flags):
    assert len(_reexecs(engine, tmp_path, *flags)) == 1

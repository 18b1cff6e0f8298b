# SPDX-License-Identifier: Apache-2.0
"""Load, bounded for CI (issue 5, part 4): bench/load.py with 100 container
lifecycles, 8 in flight, on 16 overlapping ids, with `list` checked in a
loop all along (see bench/load.py for what is mixed and what is checked).
About 2 s with the normal build, 7 s with ASan (run in both passes: the
sanitizers see the concurrent paths).  The full run: `sudo bench/load.py`."""

import os
import sys

import pytest

from bundles import REPO, is_cell

sys.path.insert(0, os.path.join(REPO, "bench"))

import load  # noqa: E402


@pytest.mark.slow
@pytest.mark.skipif(not is_cell(), reason="masks cell's messages; the checks hold for any "
                    "runtime but the figures are cell's")
def test_load(binary, workdir):
    run = load.Load(binary, lifecycles=100, parallel=8, ids=16, timeout=60, seed=1,
                    workdir=os.path.join(workdir, "load"))
    os.makedirs(run.workdir)
    try:
        ok = run.run()
        run.report()
    finally:
        run.cleanup()
    assert not run.problems, "\n".join(run.problems)
    assert not run.leaks, "\n".join(run.leaks)
    assert ok
    # The interleaving made some lifecycles fail cleanly, but not all.
    assert run.completed >= 30, "only %d lifecycles went through" % run.completed
    for verb in ("create", "start", "exec", "kill", "kill --all", "delete", "delete --force",
                 "run --detach", "list", "state"):
        assert run.latency.get(verb), "no successful %s" % verb

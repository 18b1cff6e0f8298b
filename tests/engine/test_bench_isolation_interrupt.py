# SPDX-License-Identifier: Apache-2.0
"""`cell bench isolation` stopped by SIGINT or SIGTERM mid-run removes every
container, cgroup, mount, process and scratch file it started."""

import os
import signal
import subprocess
import time

import pytest

import benchlib

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("sig,at", [
    (signal.SIGINT, "bench: start-up: container"),
    (signal.SIGINT, "bench: started container"),
    (signal.SIGTERM, "bench: density: process, 2 instance"),
    (signal.SIGINT, "bench: file I/O on the rootfs: process"),
], ids=["int-startup", "int-idle-container", "term-idle-process", "int-fileio"])
def test_interrupted_leaves_nothing(engine, sig, at):
    engine.run("run", "--rm", "busybox", "true")  # the built-in image made beforehand
    p = subprocess.Popen(benchlib.bench_argv(engine, "--runs", "20", "--density", "6"),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         env=engine.env(benchlib.NO_VM))
    err = []
    deadline = time.monotonic() + 300
    try:
        for line in p.stderr:
            err.append(line)
            if line.startswith(at):
                break
            assert time.monotonic() < deadline
        else:
            pytest.fail("never reached %r:\n%s" % (at, "".join(err)))
        # Something it started is there now (a mount of its scratch directory at least).
        with open("/proc/self/mountinfo") as f:
            assert any(engine.runroot in l for l in f)
        p.send_signal(sig)
        rest = p.stderr.read()
        err.append(rest)
        assert p.wait(timeout=120) == 128 + sig
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = "".join(err)
    assert "interrupted" in text and "bench: cleaning up" in text, text
    benchlib.assert_nothing_left(engine, text)

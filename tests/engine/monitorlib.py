# SPDX-License-Identifier: Apache-2.0
"""Helpers for the monitor's tests (test_monitor_*, test_logs_*, test_exec_*, ...)."""

import json
import os
import time


def wait_for(pred, timeout=20, what="condition"):
    """Poll `pred` (a state change made by another process) until true."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def record(engine, cid):
    """The container's record (container.json) as the engine keeps it."""
    with open(os.path.join(engine.storage, "containers", cid, "container.json")) as f:
        return json.load(f)


def state(engine, cid):
    return record(engine, cid)["state"]


def log_entries(engine, cid):
    path = os.path.join(engine.storage, "containers", cid, "ctr.log")
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def monitors_of(cid):
    """Pids of the cell-monitor processes holding container `cid` (zombies aside)."""
    found = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b"cell-monitor" and cid.encode() in argv:
            found.append(int(p))
    return found


def exited(engine, cid):
    """Wait until the container exited for good (its monitor gone: no restart
    to come) and the record says so; the state."""
    def done():
        if monitors_of(cid):
            return None
        try:
            s = state(engine, cid)
        except FileNotFoundError:
            return {"removed": True}
        return s if s["status"] == "exited" and s["monitor_pid"] == 0 else None
    return wait_for(done, what="container %s to exit" % cid[:12])


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def vm_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def run_d(engine, *args):
    """`cell run -d ARGS`: the container's id."""
    cid = engine.out("run", "-d", *args).strip()
    assert len(cid) == 64, cid
    return cid

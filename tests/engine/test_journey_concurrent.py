# SPDX-License-Identifier: Apache-2.0
"""Many `cell run` at once: all succeed, names unique, and the store is
consistent afterwards (images, ps -a, system df, another run), with no mount
or process left."""

import subprocess

import pytest

from journeylib import assert_nothing_left, container_dirs, store_snapshot


def consistent_after(engine, before):
    """The store as `before`, every listing working, and a further run."""
    assert engine.out("ps", "-a", "-q") == ""
    images = engine.json("images", "--format", "json")
    assert len(images) == 1, images
    df = engine.run("system", "df")
    assert "Images" in df.stdout and "Containers" in df.stdout, df.stdout
    assert store_snapshot(engine) == before
    assert engine.out("run", "--rm", "busybox", "echo", "ok") == "ok\n"
    assert container_dirs(engine) == []


@pytest.mark.slow
def test_fifty_concurrent_run_rm(engine):
    # the first run of all makes the built-in image: fifty at once on an
    # empty store must agree on one
    procs = [engine.popen("run", "--rm", "busybox", "true",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(50)]
    outs = [p.communicate(timeout=600) for p in procs]
    failed = [(p.returncode, o[1].decode(errors="replace")) for p, o in zip(procs, outs) if p.returncode]
    assert failed == [], failed
    before = store_snapshot(engine)
    assert len(before["images"]) == 1 and before["images"][0][1] == ["localhost/busybox:latest"]
    assert_nothing_left(engine, [])
    consistent_after(engine, before)


@pytest.mark.slow
def test_fifty_concurrent_run_rm_have_unique_names(engine):
    engine.run("image", "inspect", "busybox")
    before = store_snapshot(engine)
    # fifty at once, all running together: each given a name of its own
    procs = [engine.popen("run", "--rm", "-d", "busybox", "sh", "-c",
                          "while [ ! -e /go ]; do sleep 0.05; done",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(50)]
    outs = [p.communicate(timeout=600) for p in procs]
    failed = [(p.returncode, o[1]) for p, o in zip(procs, outs) if p.returncode]
    try:
        assert failed == [], failed
        ids = [o[0].strip() for o in outs]
        assert len(set(ids)) == 50 and all(len(i) == 64 for i in ids)
        rows = engine.json("ps", "--format", "json")
        assert len(rows) == 50
        names = [r["Names"] for r in rows]
        assert len(set(names)) == 50, sorted(names)
        assert sorted(r["ID"] for r in rows) == sorted(i[:12] for i in ids)
    finally:
        # let them all finish at once: fifty monitors removing fifty containers.
        # (Not `exec touch /go`: a process exec'd into a container is killed
        # with the container's init when that init exits first, a race.)
        live = [o[0].strip() for o in outs if o[0].strip()]
        killed = engine.run("kill", *live, check=False) if live else None
    assert killed is not None and killed.returncode == 0, killed
    assert_nothing_left(engine, ids, timeout=120)
    consistent_after(engine, before)


@pytest.mark.slow
def test_fifty_concurrent_foreground_runs_print_their_own_output(engine):
    engine.run("image", "inspect", "busybox")
    before = store_snapshot(engine)
    procs = [engine.popen("run", "--rm", "busybox", "sh", "-c", "echo run-%d; cat /etc/hostname" % i,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(50)]
    outs = [p.communicate(timeout=600) for p in procs]
    failed = [(p.returncode, o[1]) for p, o in zip(procs, outs) if p.returncode]
    assert failed == [], failed
    hostnames = set()
    for i, (out, _) in enumerate(outs):
        lines = out.split("\n")
        assert lines[0] == "run-%d" % i, out
        hostnames.add(lines[1])
    # each container had an id (and so a hostname) of its own
    assert len(hostnames) == 50
    assert_nothing_left(engine, [])
    consistent_after(engine, before)


@pytest.mark.slow
def test_twenty_concurrent_run_d_then_rm_f(engine):
    engine.run("image", "inspect", "busybox")
    before = store_snapshot(engine)
    procs = [engine.popen("run", "-d", "busybox", "sleep", "600",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(20)]
    outs = [p.communicate(timeout=600) for p in procs]
    failed = [(p.returncode, o[1]) for p, o in zip(procs, outs) if p.returncode]
    ids = [o[0].strip() for o in outs if o[0].strip()]
    assert failed == [], failed
    assert len(set(ids)) == 20
    rows = engine.json("ps", "--format", "json")
    assert len({r["Names"] for r in rows}) == 20
    assert all(r["State"] == "running" for r in rows)
    pids = [engine.json("inspect", i)[0]["State"]["Pid"] for i in ids]
    assert len(set(pids)) == 20

    rms = [engine.popen("rm", "-f", i, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
           for i in ids]
    routs = [p.communicate(timeout=600) for p in rms]
    failed = [(p.returncode, o[1]) for p, o in zip(rms, routs) if p.returncode]
    assert failed == [], failed
    assert sorted(o[0].strip() for o in routs) == sorted(ids)
    assert_nothing_left(engine, ids, timeout=60)
    consistent_after(engine, before)


@pytest.mark.slow
def test_concurrent_run_and_rm_f_all(engine):
    # rm -f --all while runs are still starting: every container ends up
    # either removed or listed, never half there
    engine.run("image", "inspect", "busybox")
    before = store_snapshot(engine)
    procs = [engine.popen("run", "-d", "busybox", "sleep", "600",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(20)]
    rm = engine.popen("rm", "-f", "--all", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outs = [p.communicate(timeout=600) for p in procs]
    rm_out = rm.communicate(timeout=600)
    assert rm.returncode == 0, rm_out
    listed = engine.out("ps", "-a", "-q", "--no-trunc").split()
    # what rm --all did not see is whole: it runs, and rm removes it
    for cid in listed:
        state = engine.json("inspect", cid)[0]["State"]
        assert state["Status"] == "running", (cid, state, outs, rm_out)
    engine.run("rm", "-f", "--all")
    assert_nothing_left(engine, listed, timeout=60)
    consistent_after(engine, before)

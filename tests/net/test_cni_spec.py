# SPDX-License-Identifier: Apache-2.0
"""`--network cni:NAME` against the CNI specification, with recording fake
plugins (python scripts in a plugin directory of the test): ADD in order with
each plugin's result as the next one's prevResult, DEL in reverse order with
the cached result, the CNI_* environment, a plugin's error object shown with
the plugin's name, a failed ADD undone, and DEL after cell was SIGKILLed in the
middle of an ADD."""

import json
import os
import signal
import subprocess
import time

import pytest

FAKE = r'''#!/usr/bin/python3
import json, os, sys, time
conf = json.load(sys.stdin)
cmd = os.environ["CNI_COMMAND"]
me = os.path.basename(sys.argv[0])
entry = {"plugin": me, "cmd": cmd, "id": os.environ.get("CNI_CONTAINERID"),
         "ifname": os.environ.get("CNI_IFNAME"), "netns": os.environ.get("CNI_NETNS"),
         "netns_exists": os.path.exists(os.environ.get("CNI_NETNS", "")),
         "path": os.environ.get("CNI_PATH"), "conf": conf}
with open(conf["log"], "a") as f:
    f.write(json.dumps(entry) + "\n")
if conf.get("hang") == cmd:
    open(conf["log"] + ".hanging", "w").close()
    time.sleep(600)
if conf.get("fail") == cmd:
    print(json.dumps({"cniVersion": conf["cniVersion"], "code": 11,
                      "msg": conf.get("msg", "failed"), "details": "asked to"}))
    sys.exit(1)
if cmd == "ADD":
    res = conf.get("prevResult") or {"cniVersion": conf["cniVersion"], "interfaces": [],
                                      "ips": [{"address": "10.99.0.7/24"}]}
    res.setdefault("seen", []).append(me)
    print(json.dumps(res))
'''


@pytest.fixture
def fake(net, tmp_path):
    """A plugin dir with fakea and fakeb, and a log; returns (write_conflist, read_log)."""
    pdir = tmp_path / "plugins"
    pdir.mkdir()
    for n in ("fakea", "fakeb"):
        p = pdir / n
        p.write_text(FAKE)
        p.chmod(0o755)
    log = str(tmp_path / "log")
    net.cni_path = str(pdir)

    def conflist(name="fk", a=None, b=None, version="1.0.0"):
        plugins = [dict({"type": "fakea", "log": log}, **(a or {})),
                   dict({"type": "fakeb", "log": log, "capabilities": {"portMappings": True}}, **(b or {}))]
        with open(os.path.join(net.cni_conf_dir, "10-%s.conflist" % name), "w") as f:
            json.dump({"cniVersion": version, "name": name, "plugins": plugins}, f)

    def entries():
        if not os.path.exists(log):
            return []
        with open(log) as f:
            return [json.loads(l) for l in f if l.strip()]
    return conflist, entries, log


def _cache_files(net):
    d = os.path.join(net.storage, "cni", "results")
    return os.listdir(d) if os.path.isdir(d) else []


def test_cni_add_in_order_del_in_reverse_with_prev_result(net, fake):
    conflist, entries, _ = fake
    conflist()
    net.run("run", "-d", "--name", "c", "--network", "cni:fk", "busybox", "sleep", "100")
    cid = net.json("inspect", "c")[0]["Id"]
    adds = entries()
    assert [(e["plugin"], e["cmd"]) for e in adds] == [("fakea", "ADD"), ("fakeb", "ADD")]
    for e in adds:
        assert e["id"] == cid and e["ifname"] == "eth0" and e["netns_exists"]
        assert e["netns"] == os.path.join(net.runroot, "netns", cid)
        assert e["path"] == net.cni_path
        assert e["conf"]["name"] == "fk" and e["conf"]["cniVersion"] == "1.0.0"
    assert "prevResult" not in adds[0]["conf"]
    assert adds[1]["conf"]["prevResult"]["seen"] == ["fakea"]
    # The container runs in that namespace: only lo (the fakes made nothing).
    out = net.out("exec", "c", "ip", "-o", "link")
    assert [l.split(":")[1].strip() for l in out.splitlines()] == ["lo"]
    assert len(_cache_files(net)) == 1
    net.run("rm", "-f", "c")
    dels = entries()[2:]
    assert [(e["plugin"], e["cmd"]) for e in dels] == [("fakeb", "DEL"), ("fakea", "DEL")]
    for e in dels:
        assert e["conf"]["prevResult"]["seen"] == ["fakea", "fakeb"]
        assert e["id"] == cid
    assert _cache_files(net) == []
    # DEL again (rm of a gone container does nothing more).
    net.run("rm", "-f", "c", check=False)
    assert len(entries()) == 4


def test_cni_del_uses_the_cache_after_the_conflist_changed(net, fake):
    conflist, entries, _ = fake
    conflist()
    net.run("run", "-d", "--name", "c", "--network", "cni:fk", "busybox", "sleep", "100")
    for f in os.listdir(net.cni_conf_dir):
        os.unlink(os.path.join(net.cni_conf_dir, f))
    net.run("rm", "-f", "c")
    assert [(e["plugin"], e["cmd"]) for e in entries()[2:]] == [("fakeb", "DEL"), ("fakea", "DEL")]
    assert _cache_files(net) == []


def test_cni_plugin_error_names_the_plugin_and_undoes_the_add(net, fake):
    conflist, entries, _ = fake
    conflist(b={"fail": "ADD", "msg": "no addresses left in 10.99.0.0/24"})
    p = net.run("run", "--name", "c", "--network", "cni:fk", "busybox", "true", check=False)
    assert p.returncode != 0
    assert "cni network fk: plugin fakeb: ADD: no addresses left in 10.99.0.0/24" in p.stderr
    assert [(e["plugin"], e["cmd"]) for e in entries()] == [
        ("fakea", "ADD"), ("fakeb", "ADD"), ("fakeb", "DEL"), ("fakea", "DEL")]
    assert _cache_files(net) == []
    nsdir = os.path.join(net.runroot, "netns")
    assert not os.path.isdir(nsdir) or os.listdir(nsdir) == []


def test_cni_unknown_network_is_an_error_naming_it(net, fake):
    p = net.run("run", "--network", "cni:nosuch", "busybox", "true", check=False)
    assert p.returncode != 0
    assert "cni network nosuch" in p.stderr and net.cni_conf_dir in p.stderr


def test_cni_missing_plugin_is_an_error_naming_it(net, fake):
    with open(os.path.join(net.cni_conf_dir, "x.conflist"), "w") as f:
        json.dump({"cniVersion": "1.0.0", "name": "nop",
                   "plugins": [{"type": "no-such-plugin"}]}, f)
    p = net.run("run", "--network", "cni:nop", "busybox", "true", check=False)
    assert p.returncode != 0
    assert "plugin no-such-plugin: not found in " + net.cni_path in p.stderr


def test_cni_del_after_sigkill_in_the_middle_of_add(net, fake):
    conflist, entries, log = fake
    conflist(b={"hang": "ADD"})
    proc = subprocess.Popen(net.argv("run", "--name", "v", "--network", "cni:fk", "busybox", "true"),
                            env=net.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(log + ".hanging"):
        assert proc.poll() is None and time.monotonic() < deadline, "fakeb's ADD never started"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(_cache_files(net)) == 1
    conflist(b={})                      # the cache, not the list, drives DEL
    net.run("rm", "-f", "v")
    dels = [(e["plugin"], e["cmd"]) for e in entries()[2:]]
    assert dels == [("fakeb", "DEL"), ("fakea", "DEL")]
    assert entries()[2]["conf"]["hang"] == "ADD"     # fakeb's cached configuration
    assert _cache_files(net) == []


def test_cni_del_finds_the_plugins_of_the_add(net, fake, tmp_path):
    conflist, entries, _ = fake
    conflist()
    net.run("run", "-d", "--name", "c", "--network", "cni:fk", "busybox", "sleep", "100")
    # rm from an environment whose plugin path lacks them: the cached one is searched first.
    net.run("rm", "-f", "c", env={"CELL_CNI_PATH": str(tmp_path / "elsewhere")})
    assert [(e["plugin"], e["cmd"]) for e in entries()[2:]] == [("fakeb", "DEL"), ("fakea", "DEL")]
    assert _cache_files(net) == []


def test_cni_plugin_that_never_answers_is_killed(net, fake):
    conflist, entries, _ = fake
    conflist(b={"hang": "ADD"})
    p = net.run("run", "--name", "c", "--network", "cni:fk", "busybox", "true", check=False,
                env={"CELL_CNI_TIMEOUT": "2"})
    assert p.returncode != 0
    assert "cni network fk: plugin fakeb: ADD: no answer within 2 s, killed" in p.stderr
    # The ADD was undone as any failed one.
    assert [(e["plugin"], e["cmd"]) for e in entries()] == [
        ("fakea", "ADD"), ("fakeb", "ADD"), ("fakeb", "DEL"), ("fakea", "DEL")]
    assert _cache_files(net) == []

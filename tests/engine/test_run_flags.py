# SPDX-License-Identifier: Apache-2.0
"""`cell run` flags that shape the process: env, workdir, user, entrypoint, hostname, mounts."""

import json
import os
import socket


def test_run_env_and_env_file(engine, tmp_path):
    f = tmp_path / "env"
    f.write_text("# a comment\nFROM_FILE=yes\n\nBOTH=file\n")
    out = engine.out("run", "--env-file", f, "-e", "A=1", "-e", "BOTH=flag", "busybox",
                     "sh", "-c", "echo $A $FROM_FILE $BOTH; echo $PATH; echo $HOSTNAME")
    lines = out.splitlines()
    assert lines[0] == "1 yes flag"
    assert "/bin" in lines[1]
    assert len(lines[2]) == 12


def test_run_env_name_only_takes_our_value(engine):
    out = engine.out("run", "-e", "FROM_HOST", "busybox", "sh", "-c", "echo $FROM_HOST",
                     env={"FROM_HOST": "hostvalue"})
    assert out == "hostvalue\n"


def test_run_workdir_is_made_and_used(engine):
    assert engine.out("run", "-w", "/made/here", "busybox", "pwd") == "/made/here\n"


def test_run_user_by_name_and_by_ids(engine):
    assert engine.out("run", "-u", "nobody", "busybox", "id", "-u") == "65534\n"
    assert engine.out("run", "-u", "1234:5678", "busybox", "sh", "-c", "id -u; id -g") == "1234\n5678\n"
    assert engine.out("run", "busybox", "id", "-u") == "0\n"


def test_run_unknown_user_is_an_error(engine):
    p = engine.run("run", "-u", "nosuchuser", "busybox", "true", check=False)
    assert p.returncode == 125
    assert "nosuchuser" in p.stderr
    assert engine.out("ps", "-a", "-q") == ""


def test_run_entrypoint_replaces_the_command(engine):
    assert engine.out("run", "--entrypoint", "echo", "busybox", "from", "entrypoint") == "from entrypoint\n"


def test_run_hostname_and_etc_files(engine):
    out = engine.out("run", "--hostname", "box1", "busybox", "sh", "-c",
                     "hostname; cat /etc/hostname; grep box1 /etc/hosts; grep localhost /etc/hosts")
    lines = out.splitlines()
    assert lines[0] == "box1" and lines[1] == "box1"
    assert any("box1" in l for l in lines[2:])
    assert any("127.0.0.1" in l for l in lines)


def test_run_read_only_rootfs(engine):
    p = engine.run("run", "--read-only", "busybox", "touch", "/newfile", check=False)
    assert p.returncode != 0
    assert "Read-only" in p.stderr
    assert engine.run("run", "busybox", "touch", "/newfile").returncode == 0


def test_run_tmpfs(engine):
    out = engine.out("run", "--read-only", "--tmpfs", "/scratch", "busybox", "sh", "-c",
                     "echo x > /scratch/f && cat /scratch/f; grep ' /scratch ' /proc/mounts")
    assert out.startswith("x\n")
    assert "tmpfs /scratch tmpfs" in out and "noexec" in out


def test_run_bind_mount_rw_and_ro(engine, tmp_path):
    d = tmp_path / "shared"
    d.mkdir()
    (d / "in").write_text("from host\n")
    assert engine.out("run", "-v", "%s:/data" % d, "busybox", "sh", "-c",
                      "cat /data/in; echo back > /data/out") == "from host\n"
    assert (d / "out").read_text() == "back\n"
    p = engine.run("run", "-v", "%s:/data:ro" % d, "busybox", "sh", "-c", "echo no > /data/ro", check=False)
    assert p.returncode != 0 and "Read-only" in p.stderr
    assert not (d / "ro").exists()


def test_run_init_is_pid_1(engine):
    out = engine.out("run", "--init", "busybox", "ps", "-o", "pid,args")
    first = out.splitlines()[1].split()
    assert first[0] == "1" and first[1].endswith("cell-init")


def test_run_network_none_has_only_lo_up(engine):
    out = engine.out("run", "--network", "none", "busybox", "ip", "-o", "link")
    names = [l.split(":")[1].strip() for l in out.splitlines()]
    assert names == ["lo"]
    assert "UP" in out


def test_run_network_host_shares_the_hosts(engine):
    # the links of this process' namespace (/sys may show another's when the suite runs
    # in a namespace of its own, as scripts/test.sh does)
    host = sorted(name for _, name in socket.if_nameindex())
    out = engine.out("run", "--network", "host", "busybox", "ls", "/sys/class/net")
    assert sorted(out.split()) == host


def test_run_inspect_shows_config_and_oci_spec(engine):
    engine.run("create", "--name", "shown", "-e", "K=V", "-w", "/w", "--memory", "64m",
               "busybox", "echo", "x")
    info = engine.json("inspect", "shown")[0]
    assert info["Name"] == "/shown"
    assert info["State"]["Status"] == "created"
    assert "K=V" in info["Config"]["Env"]
    assert info["Config"]["Cmd"] == ["echo", "x"]
    assert info["HostConfig"]["Memory"] == 64 << 20
    spec = info["CellOCISpec"]
    assert spec["process"]["args"] == ["echo", "x"]
    assert spec["process"]["cwd"] == "/w"
    assert spec["linux"]["resources"]["memory"]["limit"] == 64 << 20
    # Templates reach into the object; inspect has no columns, so "table" is its JSON.
    assert engine.out("inspect", "--format", "{{.Name}} {{.State.Status}}", "shown") == "/shown created\n"
    assert json.loads(engine.out("inspect", "--format", "table", "shown"))[0]["Name"] == "/shown"


def test_run_interactive_reads_stdin_and_without_i_does_not(engine):
    assert engine.out("run", "-i", "busybox", "cat", input="piped\n") == "piped\n"
    assert engine.out("run", "busybox", "cat", input="not read\n") == ""

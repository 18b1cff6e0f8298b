#!/usr/bin/python3
"""Write the seed corpora of tests/fuzz/ (run from anywhere; idempotent).

Captured inputs are committed as they are and only read here:
  corpus/spec/cell-spec*.json    `cell spec` [--rootless]
  corpus/spec/runc-spec*.json    `runc spec` [--rootless] (runc 1.1)
  corpus/spec/crun-spec.json     `crun spec`
  corpus/spec/podman-run*.json   what podman 4.3 hands its runtime for
      podman run --rootfs DIR /bin/sh -c true              (podman-run)
      ... --memory 64m --pids-limit 100 --cpus 0.5 --cap-add SYS_ADMIN
          --cap-drop CHOWN -e FOO=bar -w /tmp --user 1000:1000 --read-only
          --tmpfs /run:size=1m -v /etc/hostname:/etc/hn:ro --hostname cap
          --ulimit nofile=1024:2048 --security-opt seccomp=unconfined
                                                           (podman-run-limits)
      ... --privileged                                     (podman-run-privileged)
    captured with a --runtime script that copies <bundle>/config.json and
    fails; storage paths rewritten to podman's defaults.

Everything else is generated below: variants of those (truncated, broken),
hand-written documents that reach the less common fields, and the inputs of
the process, seccomp, cli, signal and cgroup_state targets.  Regression
inputs for crashes found by fuzzing go into corpus/<target>/regress-*; this
script leaves them alone.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, (dict, list)):
        data = json.dumps(data, indent=1)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def load(name):
    with open(os.path.join(CORPUS, "spec", name)) as f:
        return json.load(f)


MINIMAL = {"ociVersion": "1.2.0", "root": {"path": "rootfs"},
           "process": {"args": ["/bin/true"], "cwd": "/"}}

FULL_PROCESS = {
    "terminal": True, "consoleSize": {"height": 24, "width": 80},
    "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [5, 100, 4294967294]},
    "args": ["/bin/sh", "-c", "exec \"$@\"", "--", "a b"],
    "env": ["PATH=/bin", "EMPTY=", "UNICODE=\u00e9\u4e2d"],
    "cwd": "/home/user",
    "capabilities": {"bounding": ["CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE"],
                     "effective": ["CAP_NET_RAW"], "inheritable": [],
                     "permitted": ["CAP_NET_RAW"], "ambient": ["CAP_NET_RAW"]},
    "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096},
                {"type": "RLIMIT_CORE", "soft": 0, "hard": 18446744073709551615}],
    "noNewPrivileges": True, "apparmorProfile": "container-default",
    "selinuxLabel": "system_u:system_r:container_t:s0:c1,c2",
    "oomScoreAdj": -999,
    "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
    "scheduler": {"policy": "SCHED_DEADLINE", "nice": -5, "priority": 0,
                  "flags": ["SCHED_FLAG_RESET_ON_FORK"], "runtime": 10000000,
                  "deadline": 30000000, "period": 30000000},
}

FULL_RESOURCES = {
    "devices": [{"allow": False, "access": "rwm"},
                {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rw"},
                {"allow": True, "type": "b", "major": 8, "access": "m"}],
    "memory": {"limit": 536870912, "reservation": 268435456, "swap": 1073741824,
               "kernel": -1, "kernelTCP": -1, "swappiness": 60,
               "disableOOMKiller": False, "useHierarchy": True, "checkBeforeUpdate": True},
    "cpu": {"shares": 1024, "quota": 100000, "burst": 1000, "period": 100000,
            "realtimeRuntime": 950000, "realtimePeriod": 1000000, "cpus": "0-1,3",
            "mems": "0", "idle": 0},
    "pids": {"limit": -1},
    "blockIO": {"weight": 500, "leafWeight": 300,
                "weightDevice": [{"major": 8, "minor": 0, "weight": 200, "leafWeight": 100}],
                "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
                "throttleWriteBpsDevice": [{"major": 8, "minor": 0, "rate": 2097152}],
                "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 100}],
                "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 200}]},
    "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200},
                       {"pageSize": "1GB", "limit": 0}],
    "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
    "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
    "unified": {"memory.high": "max", "io.weight": "default 100"},
}

SMALL_SECCOMP = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    "syscalls": [
        {"names": ["getppid", "no_such_syscall"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
        {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_NE"},
                  {"index": 0, "value": 4294967295, "op": "SCMP_CMP_NE"}]},
        {"names": ["clone"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS",
         "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]},
        {"names": ["ptrace"], "action": "SCMP_ACT_TRACE", "errnoRet": 7},
        {"names": ["uname"], "action": "SCMP_ACT_LOG"},
        {"names": ["reboot"], "action": "SCMP_ACT_TRAP"},
        {"names": ["mount"], "action": "SCMP_ACT_KILL"},
        {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["socket"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_GE"},
                  {"index": 2, "value": 9, "op": "SCMP_CMP_LT"},
                  {"index": 1, "value": 3, "op": "SCMP_CMP_LE"},
                  {"index": 5, "value": 1, "op": "SCMP_CMP_GT"}]},
    ],
}


def spec_seeds():
    default = load("cell-spec.json")
    podman = load("podman-run.json")
    with open(os.path.join(CORPUS, "spec", "cell-spec.json"), "rb") as f:
        text = f.read()
    write("spec", "minimal.json", MINIMAL)
    write("spec", "no-process.json", {"ociVersion": "1.0.2", "root": {"path": "/rootfs",
                                                                       "readonly": True}})
    write("spec", "truncated-cell-spec.json", text[: len(text) // 2])
    with open(os.path.join(CORPUS, "spec", "podman-run.json"), "rb") as f:
        write("spec", "truncated-podman-run.json", f.read()[:2000])
    full = dict(default)
    full["process"] = FULL_PROCESS
    full["hostname"], full["domainname"] = "full", "example.org"
    full["mounts"] = default["mounts"] + [
        {"destination": "/data", "type": "bind", "source": "/srv/data",
         "options": ["rbind", "rro", "nosuid", "rprivate", "idmap"],
         "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
         "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "nodev", "mode=1777", "size=65536k", "tmpcopyup", "strictatime"]},
        {"destination": "/mnt/x", "source": "/x", "options": ["bind", "shared", "nosymfollow"]},
    ]
    full["hooks"] = {
        "prestart": [{"path": "/usr/bin/fix-mounts", "args": ["fix-mounts", "a"],
                      "env": ["K=V"], "timeout": 5}],
        "createRuntime": [{"path": "/bin/true"}],
        "createContainer": [{"path": "/bin/true"}],
        "startContainer": [{"path": "/bin/true"}],
        "poststart": [{"path": "/bin/true"}],
        "poststop": [{"path": "/bin/true", "timeout": 1}],
    }
    full["annotations"] = {"org.example.key": "value", "org.example.empty": ""}
    linux = full["linux"] = dict(default["linux"])
    linux["namespaces"] = [{"type": t} for t in
                           ("pid", "network", "ipc", "uts", "mount", "cgroup", "time", "user")]
    linux["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    linux["gidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    linux["timeOffsets"] = {"monotonic": {"secs": 86400, "nanosecs": 1},
                            "boottime": {"secs": -1, "nanosecs": 0}}
    linux["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                         "fileMode": 438, "uid": 0, "gid": 0},
                        {"path": "/dev/loop-ctl", "type": "b", "major": 10, "minor": 237}]
    linux["cgroupsPath"] = "system.slice:cell:full"
    linux["resources"] = FULL_RESOURCES
    linux["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "65536"}
    linux["rootfsPropagation"] = "rslave"
    linux["mountLabel"] = "system_u:object_r:container_file_t:s0"
    linux["personality"] = {"domain": "LINUX32", "flags": []}
    linux["seccomp"] = SMALL_SECCOMP
    linux["intelRdt"] = {"closID": "x", "l3CacheSchema": "L3:0=f"}
    write("spec", "full.json", full)
    join = dict(MINIMAL, linux={"namespaces": [
        {"type": "network", "path": "/proc/1/ns/net"}, {"type": "user", "path": "/proc/1/ns/user"},
        {"type": "mount"}, {"type": "pid"}]})
    write("spec", "join-namespaces.json", join)
    broken = {
        "empty.json": "",
        "object.json": "{}",
        "array.json": "[]",
        "null.json": "null",
        "nul-byte.json": b'{"ociVersion":"1.2.0\x00","root":{"path":"r"}}',
        "bad-utf8.json": b'{"ociVersion":"1.2.0","root":{"path":"r"},"hostname":"\xff\xfe"}',
        "lone-surrogate.json": '{"ociVersion":"1.2.0","root":{"path":"r"},"hostname":"\\ud800"}',
        "empty-annotation.json": dict(MINIMAL, annotations={"": ""}),
        "deep.json": "[" * 5000 + "]" * 5000,
        "huge-number.json": '{"ociVersion":"1.2.0","root":{"path":"r"},"process":{"args":["a"],'
                            '"cwd":"/","user":{"uid":1e400,"gid":-1}}}',
        "uid-too-big.json": '{"ociVersion":"1.2.0","root":{"path":"r"},"process":{"args":["a"],'
                            '"cwd":"/","user":{"uid":4294967296,"gid":0}}}',
        "duplicate-keys.json": '{"ociVersion":"1.2.0","ociVersion":"1.0.0","root":{"path":"a"}}',
        "trailing-garbage.json": json.dumps(MINIMAL) + "}x",
        "wrong-types.json": {"ociVersion": 1, "root": "rootfs", "process": [], "mounts": {}},
        "empty-args.json": dict(MINIMAL, process={"args": [], "cwd": "/"}),
        "relative-cwd.json": dict(MINIMAL, process={"args": ["a"], "cwd": "tmp"}),
        "relative-mount.json": dict(MINIMAL, mounts=[{"destination": "proc", "type": "proc"}]),
        "bad-mount-option.json": dict(MINIMAL, mounts=[{"destination": "/x", "type": "tmpfs",
                                                        "options": ["rbind", "bogus=1,2", ""]}]),
        "user-ns-no-mappings.json": dict(MINIMAL, linux={"namespaces": [{"type": "user"}]}),
        "unknown-namespace.json": dict(MINIMAL, linux={"namespaces": [{"type": "bogus"}]}),
        "duplicate-namespace.json": dict(MINIMAL, linux={"namespaces": [{"type": "pid"},
                                                                         {"type": "pid"}]}),
        "bad-cap.json": dict(MINIMAL, process={"args": ["a"], "cwd": "/", "capabilities": {
            "bounding": ["CAP_NOPE", 5]}}),
        "bad-rlimit.json": dict(MINIMAL, process={"args": ["a"], "cwd": "/", "rlimits": [
            {"type": "RLIMIT_NOPE", "soft": 1, "hard": 0}]}),
        "relative-hook.json": dict(MINIMAL, hooks={"prestart": [{"path": "true",
                                                                 "timeout": -1}]}),
        "bad-device.json": dict(MINIMAL, linux={"devices": [{"path": "/dev/x", "type": "z"}]}),
        "bad-resources.json": dict(MINIMAL, linux={"resources": {
            "memory": {"limit": "1G", "swappiness": 1000}, "cpu": {"shares": -1},
            "devices": [{"allow": True, "access": "rwxm"}]}}),
        "old-version.json": dict(MINIMAL, ociVersion="0.5.0"),
        "podman-no-root.json": {k: v for k, v in podman.items() if k != "root"},
    }
    for name, data in broken.items():
        write("spec", name, data)


def process_seeds():
    podman = load("podman-run.json")
    default = load("cell-spec.json")
    limits = load("podman-run-limits.json")
    write("process", "podman-run.json", podman["process"])
    write("process", "podman-run-limits.json", limits["process"])
    write("process", "cell-spec.json", default["process"])
    write("process", "full.json", FULL_PROCESS)
    write("process", "minimal.json", {"args": ["sh"], "cwd": "/"})
    # podman exec -it -e X=1 -w /tmp ... hands the runtime a file like this
    write("process", "podman-exec.json", {
        "terminal": True, "consoleSize": {"height": 50, "width": 200},
        "user": {"uid": 0, "gid": 0}, "args": ["/bin/sh"], "env": ["X=1", "TERM=xterm"],
        "cwd": "/tmp", "capabilities": podman["process"]["capabilities"],
        "noNewPrivileges": False})
    text = json.dumps(FULL_PROCESS).encode()
    broken = {
        "truncated.json": text[: len(text) // 3],
        "no-args.json": {"cwd": "/"},
        "args-not-strings.json": {"args": ["a", 1, None], "cwd": "/"},
        "bad-console.json": {"args": ["a"], "cwd": "/", "consoleSize": {"height": -1}},
        "bad-ioprio.json": {"args": ["a"], "cwd": "/", "ioPriority": {"class": "NOPE"}},
        "bad-scheduler.json": {"args": ["a"], "cwd": "/",
                               "scheduler": {"policy": "SCHED_NOPE", "flags": ["X"]}},
        "bad-oom.json": {"args": ["a"], "cwd": "/", "oomScoreAdj": 5000},
        "bad-user.json": {"args": ["a"], "cwd": "/", "user": {"uid": -1, "additionalGids": [-1]}},
        "umask-big.json": {"args": ["a"], "cwd": "/", "user": {"uid": 0, "gid": 0,
                                                               "umask": 4294967295}},
        "array.json": "[]",
        "string.json": '"process"',
    }
    for name, data in broken.items():
        write("process", name, data)


def seccomp_seeds():
    write("seccomp", "podman-default.json", load("podman-run.json")["linux"]["seccomp"])
    write("seccomp", "podman-privileged-none.json", {"defaultAction": "SCMP_ACT_ALLOW"})
    write("seccomp", "small.json", SMALL_SECCOMP)
    write("seccomp", "allowlist.json", {
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["read", "write", "exit", "exit_group", "execve", "brk",
                                "mmap", "munmap", "rt_sigreturn"], "action": "SCMP_ACT_ALLOW"}]})
    write("seccomp", "notify.json", {
        "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock",
        "listenerMetadata": "meta=1",
        "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC"],
        "syscalls": [{"names": ["mkdir", "mknod"], "action": "SCMP_ACT_NOTIFY"}]})
    write("seccomp", "other-arches.json", {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_S390X",
                          "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64", "SCMP_ARCH_MIPSEL64N32"],
        "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]})
    broken = {
        "notify-write.json": {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/x",
                              "syscalls": [{"names": ["write"], "action": "SCMP_ACT_NOTIFY"}]},
        "notify-default.json": {"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x"},
        "notify-no-listener.json": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]},
        "bad-action.json": {"defaultAction": "SCMP_ACT_NOPE"},
        "bad-op.json": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["read"], "action": "SCMP_ACT_ERRNO",
             "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_NOPE"}]}]},
        "bad-index.json": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["read"], "action": "SCMP_ACT_ERRNO",
             "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]},
        "bad-arch.json": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z"]},
        "bad-flag.json": {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_X"]},
        "errno-range.json": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 70000},
        "no-names.json": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"action": "SCMP_ACT_ERRNO"}, {"names": [], "action": "SCMP_ACT_ERRNO"}]},
        "same-as-default.json": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["read"], "action": "SCMP_ACT_ERRNO"}]},
        "not-object.json": "[]",
        "truncated.json": json.dumps(SMALL_SECCOMP)[:300],
    }
    for name, data in broken.items():
        write("seccomp", name, data)


ID = "ee7bc054e4c37cea2799aeb70c4b64c3ee766a3cb48d784fa13364fd12b5e669"
USERDATA = "/var/lib/containers/storage/overlay-containers/" + ID + "/userdata"
RUNDATA = "/run/containers/storage/overlay-containers/" + ID + "/userdata"

CLI = {
    # what podman 4.3 (through conmon) ran
    "podman-create": ["--log-format=json", "--log", RUNDATA + "/oci-log", "create",
                      "--bundle", USERDATA, "--pid-file", RUNDATA + "/pidfile", ID],
    "podman-delete": ["delete", "--force", ID],
    "podman-start": ["start", ID],
    "podman-state": ["state", ID],
    "podman-kill": ["kill", ID, "15"],
    # containerd's go-runc
    "containerd-create": ["--root", "/run/containerd/runc/k8s.io", "--log",
                          "/run/containerd/log.json", "--log-format", "json",
                          "--systemd-cgroup", "create", "--bundle", "/b", "--pid-file",
                          "/b/init.pid", "--console-socket", "/tmp/pty.sock", "--no-pivot",
                          "--no-new-keyring", "--preserve-fds", "2", "--detach", "c1"],
    "containerd-kill-all": ["--root", "/run/r", "kill", "--all", "c1", "SIGKILL"],
    # runc's README and man pages
    "run": ["run", "-b", "/b", "-d", "--keep", "--no-subreaper", "c2"],
    "run-equals": ["--root=/r", "run", "--bundle=/b", "--pid-file=/p", "--preserve-fds=0", "c"],
    "list-json": ["list", "--format", "json", "-q"],
    "list-short": ["list", "-qf", "table"],
    "spec": ["spec", "--rootless", "--bundle", "/b"],
    "features": ["features"],
    "debug": ["--debug", "--cgroup-manager", "disabled", "--rootless", "auto", "--criu",
              "/usr/sbin/criu", "state", "x"],
    "kill-rt": ["kill", "c", "RTMIN+3"],
    "delete-short": ["delete", "-f", "c"],
    "options-after-id": ["create", "c", "--bundle", "/b"],
    "double-dash": ["create", "--", "-c"],
    "help": ["-h"],
    "verb-help": ["kill", "--help"],
    "version": ["--version"],
    "no-verb": ["--root", "/r"],
    # errors
    "unknown-option": ["--nope", "list"],
    "unknown-short-cluster": ["delete", "-fx", "c"],
    "missing-argument": ["create", "--bundle"],
    "flag-with-value": ["delete", "--force=yes", "c"],
    "abbreviated": ["create", "--bund", "/b", "--pid", "/p", "c"],
    "bad-log-format": ["--log-format", "xml", "list"],
    "bad-cgroup-manager": ["--cgroup-manager", "nope", "list"],
    "bad-preserve-fds": ["create", "--preserve-fds", "-1", "c"],
    "huge-preserve-fds": ["run", "--preserve-fds", "99999999999999999999", "c"],
    "too-many": ["start", "a", "b"],
    "too-few": ["kill"],
    "bad-signal": ["kill", "c", "SIGNOPE"],
    "extra-args": ["list", "x"],
    "unknown-verb": ["checkpoint", "c"],
    # the later verbs
    "podman-exec": ["--log-format=json", "--log", RUNDATA + "/exec.log", "exec", "--process",
                    "/tmp/exec-process.json", "--detach", "--pid-file", RUNDATA + "/exec.pid",
                    "--console-socket", "/tmp/conmon.sock", ID],
    "exec-args": ["exec", "-t", "-e", "A=1", "-e", "B=2", "-u", "1000:1000", "-g", "10",
                  "--cap", "CAP_NET_RAW", "--cwd", "/tmp", "--no-new-privs", "--preserve-fds=1",
                  "c", "sh", "-c", "echo $A"],
    "exec-no-command": ["exec", "-e", "X=1", "c"],
    "pause": ["pause", "c"],
    "resume": ["resume", "c"],
    "update": ["update", "--memory", "1.5G", "--memory-swap", "-1", "--cpu-quota", "50000",
               "--cpu-period", "100000", "--cpuset-cpus", "0-1", "--pids-limit", "100",
               "--blkio-weight", "500", "c"],
    "update-resources": ["update", "-r", "-", "c"],
    "update-bad-size": ["update", "--memory", "12x", "c"],
    "ps": ["ps", "--format", "json", "c", "-ef", "--forest"],
    "events": ["events", "--stats", "--interval", "1m30s", "c"],
    "events-bad-interval": ["events", "--interval", "0", "c"],
    "check": ["check"],
    "empty-strings": ["", "create", "", ""],
}

SIGNALS = ["TERM", "SIGTERM", "sigkill", "Kill", "9", "0", "64", "65", "-9", "+9", "09",
           "RTMIN", "SIGRTMIN+3", "rtmax-2", "RTMIN+30", "RTMIN+31", "RTMAX+1", "RTMIN+",
           "SIGIOT", "CLD", "POLL", "SIG", "SIGSIGTERM", " 9", "9 ", "", "99999999999999999999",
           "SIGRTMIN+00000000000000000001", "STKFLT", "pwr"]

CGROUP_DIRS = [("blkio", False), ("cpu,cpuacct", False), ("cpuset", False),
               ("devices", False), ("freezer", False), ("memory", False), ("pids", False),
               ("", True)]


def cgroup_state_seeds():
    def handle(mode, dirs, path="/cell/c1", made=None):
        out = []
        for key, v2 in dirs:
            mount = "/sys/fs/cgroup/" + (("unified" if mode == "hybrid" else "") if v2
                                         else key)
            d = {"key": key, "mount": mount.rstrip("/"), "path": mount.rstrip("/") + path}
            if v2:
                d["v2"] = True
            if made is not None:  # levels of path cell made (absent: unknown)
                d["made"] = made
            out.append(d)
        return json.dumps({"mode": mode, "dirs": out}, separators=(",", ":"))

    def made_entry(value):
        return '{"mode":"v1","dirs":[{"key":"pids","mount":"/m","path":"/m/a/b","made":%s}]}' \
            % value

    seeds = {
        "hybrid": handle("hybrid", CGROUP_DIRS),
        "v1": handle("v1", CGROUP_DIRS[:-1]),
        "v2": handle("v2", CGROUP_DIRS[-1:], "/system.slice/cell-c1.scope"),
        "none": '{"mode":"none","dirs":[]}',
        "unknown-mode": '{"mode":"v3","dirs":[]}',
        "relative-path": '{"mode":"v1","dirs":[{"key":"pids","mount":"/m","path":"x"}]}',
        "missing-key": '{"mode":"v1","dirs":[{"mount":"/m","path":"/x"}]}',
        "v2-not-bool": '{"mode":"v2","dirs":[{"key":"","mount":"/m","path":"/x","v2":"yes"}]}',
        "dirs-object": '{"mode":"v1","dirs":{}}',
        "escaped": '{"mode":"v1","dirs":[{"key":"pi\\u0000ds","mount":"/\\"m","path":"/x\\n"}]}',
        "truncated": handle("hybrid", CGROUP_DIRS)[:150],
        "empty": "",
        # what a realized handle saves: the levels cell made, per hierarchy
        "made-hybrid": handle("hybrid", CGROUP_DIRS, made=2),
        "made-joined": handle("v1", CGROUP_DIRS[:-1], path="/kubepods", made=0),
        "made-mixed": '{"mode":"hybrid","dirs":[{"key":"pids","mount":"/m","path":"/m/a/b",'
                      '"made":1},{"key":"","mount":"/u","path":"/u/a/b","v2":true}]}',
        "made-negative": made_entry("-1"),
        "made-huge": made_entry("99999999999999999999"),
        "made-string": made_entry('"2"'),
        "made-float": made_entry("1.5"),
        "made-null": made_entry("null"),
    }
    for name, data in seeds.items():
        write("cgroup_state", name, data)


def state_seeds():
    hybrid = json.dumps({"mode": "hybrid", "dirs": [
        {"key": "memory", "mount": "/sys/fs/cgroup/memory", "path": "/sys/fs/cgroup/memory/cell/c1"},
        {"key": "", "mount": "/sys/fs/cgroup/unified", "path": "/sys/fs/cgroup/unified/cell/c1",
         "v2": True}]}, separators=(",", ":"))
    # what cell_state_write() writes
    good = {"ociVersion": "1.2.0", "id": "c1", "pid": 4242, "pidStart": 987654,
            "bundle": "/srv/bundles/c1", "rootfs": "/srv/bundles/c1/rootfs",
            "created": "2026-11-22T01:02:03.123456789Z", "cgroup": hybrid,
            "annotations": {"io.podman.annotations.autoremove": "TRUE", "k": ""}}
    text = json.dumps(good, separators=(",", ":"))
    seeds = {
        "created": text,
        # rewritten in place with a shorter text: padded with spaces
        "padded": json.dumps(dict(good, pid=0, annotations={}), separators=(",", ":")) + " " * 80,
        "creating": json.dumps(dict(good, pid=0, pidStart=0), separators=(",", ":")),
        "no-cgroup": json.dumps({k: v for k, v in good.items() if k != "cgroup"}),
        "minimal": '{"ociVersion":"1.2.0","id":"x","bundle":"/b"}',
        "truncated": text[:100],
        "missing-id": json.dumps({k: v for k, v in good.items() if k != "id"}),
        "negative-pid": json.dumps(dict(good, pid=-1, pidStart=-5)),
        "huge-pid": json.dumps(dict(good, pid=1 << 40, pidStart=1e30)),
        "wrong-types": json.dumps(dict(good, pid="1", id=5, cgroup={"mode": "v1"},
                                       annotations=["a"])),
        "annotation-types": json.dumps(dict(good, annotations={"n": 5, "b": True,
                                                               "o": {"x": 1}})),
        "bad-cgroup": json.dumps(dict(good, cgroup='{"mode":"v1","dirs":[{"key":"x"}]}')),
        # the namespace that tells the container's processes from others in its cgroup
        "own-pidns": json.dumps(dict(good, ownNs={"type": "pid"})),
        "own-mntns": json.dumps(dict(good, ownNs={"type": "mnt", "id": 21578,
                                                  "ino": 4026532247})),
        "own-ns-unknown": json.dumps(dict(good, ownNs={"type": "user", "id": -1, "ino": "x"})),
        "own-ns-types": json.dumps(dict(good, ownNs={"type": 5, "id": 1e30,
                                                     "ino": 18446744073709551616})),
        "own-ns-not-object": json.dumps(dict(good, ownNs="mnt")),
        "array": "[]",
        "empty": "",
        "zeros": b"\0" * 64,
    }
    for name, data in seeds.items():
        write("state", name, data)


UNITS = ["0", "-1", "1", "64m", "1.5G", "512KiB", "10 mb", "1p", "8P", "9.2e18", "1e3",
         "0x10", ".5", "5.", "1..2", "18446744073709551616", "1s", "250ms", "1h2m3.5s",
         "100us", "100\u00b5s", "3600000h", "1000h", "999999999ns", "1m30", "", " ", "-5s",
         "nan", "inf", "1e400s"]


def resources_seeds():
    write("resources", "full.json", FULL_RESOURCES)
    for name in ("podman-run-limits.json", "podman-run.json"):
        write("resources", name, load(name)["linux"]["resources"])
    # what `podman update` / containerd hand to `update --resources`
    write("resources", "podman-update.json", {
        "memory": {"limit": 268435456, "swap": 536870912}, "cpu": {"shares": 512,
        "quota": 20000, "period": 100000, "cpus": "0", "mems": "0"}, "pids": {"limit": 50},
        "blockIO": {"weight": 300}})
    write("resources", "unlimited.json", {"memory": {"limit": -1, "swap": -1},
                                          "cpu": {"quota": -1}, "pids": {"limit": -1}})
    write("resources", "empty.json", {})
    broken = {
        "swap-below-memory.json": {"memory": {"limit": 1048576, "swap": 4096}},
        "unified-traversal.json": {"unified": {"../../etc/passwd": "x", "memory.max": "1"}},
        "unified-dotfile.json": {"unified": {".memory.max": "1"}},
        "shares-huge.json": {"cpu": {"shares": 18446744073709551615}},
        "weight-zero.json": {"blockIO": {"weight": 0, "weightDevice": [
            {"major": -1, "minor": 0, "weight": 1001}]}},
        "negative-period.json": {"cpu": {"period": -1, "quota": -2}},
        "hugepage-bad.json": {"hugepageLimits": [{"pageSize": "3KB", "limit": 1}]},
        "devices-bad.json": {"devices": [{"allow": True, "type": "x", "access": "rwmx"}]},
        "not-object.json": "[1]",
        "truncated.json": json.dumps(FULL_RESOURCES)[:400],
    }
    for name, data in broken.items():
        write("resources", name, data)


def raw_spec(process_extra="", top_extra=""):
    """A spec as text, for what json.dumps cannot write (huge numbers, duplicate keys)."""
    return ('{"ociVersion":"1.2.0","root":{"path":"r"},"process":{"args":["a"],"cwd":"/"%s}%s}'
            % (process_extra, top_extra))


def hostile_seeds():
    """The shapes of the security issue: NUL bytes inside strings and keys,
    integers json-c would saturate, (uid_t)-1, env without '=', device modes
    and default devices, deep nesting, duplicate keys, long arrays."""
    proc = dict(MINIMAL["process"])
    spec = {
        "nul-env": dict(proc, env=["PATH=/bin", "TERM=x\u0000LD_PRELOAD=/x"]),
        "nul-arg": dict(proc, args=["/bin/sh\u0000", "-c"]),
        "nul-cwd": dict(proc, cwd="/tmp\u0000/../etc"),
        "uid-minus-one": dict(proc, user={"uid": 4294967295, "gid": 4294967295,
                                           "additionalGids": [4294967295]}),
        "uid-negative": dict(proc, user={"uid": -1, "gid": -4294967297}),
        "uid-string": dict(proc, user={"uid": "0", "gid": "4294967295"}),
        "uid-largest": dict(proc, user={"uid": 4294967294, "gid": 4294967294}),
        "env-no-equals": dict(proc, env=["NOEQUALS", "=empty", "A="]),
        "env-long": dict(proc, env=["V%d=%s" % (i, "x" * (i % 7)) for i in range(600)]),
    }
    for name, process in spec.items():
        write("spec", "hostile-" + name + ".json", dict(MINIMAL, process=process))
        write("process", "hostile-" + name + ".json", process)
    write("spec", "hostile-nul-mount.json", dict(MINIMAL, mounts=[
        {"destination": "/dev/mqueue\u0000/../../x", "type": "mqueue", "source": "mqueue"}]))
    write("spec", "hostile-nul-keys.json", dict(MINIMAL, annotations={
        "a\u0000b": "c", "ok": "escaped \\u0000 is not a NUL"}, hostname="h\u0000x"))
    write("spec", "hostile-nul-linux.json", dict(MINIMAL, linux={
        "maskedPaths": ["/proc/kcore\u0000x"], "sysctl": {"kernel.domainname": "x\u0000"},
        "namespaces": [{"type": "uts\u0000x"}]}))
    write("spec", "hostile-devices.json", dict(MINIMAL, linux={"devices": [
        {"path": "/dev/null", "type": "b", "major": 8, "minor": 0},
        {"path": "/dev//zero", "type": "c", "major": 1, "minor": 5, "fileMode": 0o4666},
        {"path": "/dev/../dev/tty", "type": "c", "major": 5, "minor": 0, "fileMode": 0o20666},
        {"path": "/dev/x", "type": "c", "major": 1, "minor": 3, "fileMode": 0o7777,
         "uid": 4294967295, "gid": -1},
        {"path": "/dev/alias", "type": "b", "major": 4104, "minor": 1048576}]}))
    write("spec", "hostile-mappings.json", dict(MINIMAL, linux={
        "namespaces": [{"type": "user"}],
        "uidMappings": [{"containerID": 4294967295, "hostID": 0, "size": 1}],
        "gidMappings": [{"containerID": 1, "hostID": 0, "size": 4294967295},
                        {"containerID": 0, "hostID": 0, "size": 0}]}))
    rlimit = '"rlimits":[{"type":"RLIMIT_CORE","soft":%s,"hard":%s}]'
    raw = {
        "rlimit-2-64": raw_spec("," + rlimit % ("0", "18446744073709551616")),
        "rlimit-max": raw_spec("," + rlimit % ("18446744073709551615", "18446744073709551615")),
        "rlimit-1e400": raw_spec("," + rlimit % ("1e400", "1E400")),
        "rlimit-minus-2-63": raw_spec("," + rlimit % ("-9223372036854775809", "1")),
        "rlimit-long-digits": raw_spec("," + rlimit % ("0", "9" * 400)),
        "duplicate-process-keys": raw_spec(',"cwd":"/x","user":{"uid":0,"uid":4294967295}'),
        "deep-annotations": raw_spec("", ',"annotations":' + '{"a":' * 70 + '""' + "}" * 70),
        "deep-array": raw_spec(',"env":' + "[" * 70 + "]" * 70),
    }
    for name, text in raw.items():
        write("spec", "hostile-" + name + ".json", text)
    resources = {
        "nul-unified": '{"unified":{"pids.max":"1\\u0000","memory.high\\u0000x":"1"}}',
        "limit-2-64": '{"memory":{"limit":18446744073709551616},"pids":{"limit":-1}}',
        "limit-1e400": '{"memory":{"limit":1e400,"swap":-1e400},"cpu":{"shares":"1024"}}',
        "negative-unsigned": '{"cpu":{"shares":-1,"quota":-9223372036854775809,"period":-1}}',
        "duplicate-keys": '{"pids":{"limit":1},"pids":{"limit":-1,"limit":10}}',
        "nul-cpus": '{"cpu":{"cpus":"0-1\\u0000,2","mems":"0"}}',
    }
    for name, text in resources.items():
        write("resources", "hostile-" + name + ".json", text)
    cli = {
        "exec-user-minus-one": ["exec", "--user", "4294967295:4294967295", "c1", "id"],
        "exec-gids-minus-one": ["exec", "--additional-gids", "4294967295", "c1", "id"],
        "exec-env-no-equals": ["exec", "--env", "NOEQUALS", "--env", "=x", "c1", "env"],
        "exec-process-stdin": ["exec", "--process", "-", "c1"],
        "exec-process-zero": ["exec", "--process", "/dev/zero", "c1"],
        "update-resources-stdin": ["update", "--resources", "-", "c1"],
        "state-long-id": ["state", "x" * 1024],
        "create-long-id": ["create", "--bundle", "/b", "y" * 256],
    }
    for name, argv in cli.items():
        write("cli", "hostile-" + name, b"\0".join(a.encode() for a in argv))


def arena_seeds():
    """Programs of 4-byte operations (fuzz_arena.c): op, slot, two size bytes."""
    import random
    rnd = random.Random(7)
    mixed = bytearray()
    for _ in range(200):
        mixed += bytes([rnd.randrange(8), rnd.randrange(64), rnd.randrange(256), rnd.randrange(256)])
    write("arena", "seed-mixed", bytes(mixed))
    # one block grown by realloc through the classes and past the largest
    write("arena", "seed-grow", bytes([0, 1, 10, 0, 4, 1, 100, 0, 4, 1, 200, 1, 4, 1, 0, 0x30,
                                       4, 1, 0, 0xfc, 3, 1, 0, 0]))


def reference_seeds():
    for i, r in enumerate(["busybox", "library/busybox:1.36", "foo/bar",
                           "localhost:5000/a/b_c__d-e.f:v1.2-rc",
                           "127.0.0.1:5000/x@sha256:" + "ab" * 32,
                           "docker.io/library/alpine:3@sha256:" + "0" * 64,
                           "Index.docker.io/x", "UPPER", "a:", "a/../b"]):
        write("reference", "%02d" % i, r)


def netparse_seeds():
    # first byte: 0 a -p value, 1 a --subnet, 2 an address
    seeds = [(0, "8080:80"), (0, "127.0.0.1:8080:80/udp"), (0, "80"), (0, "[::1]:53:53/udp"),
             (0, "8000-8010:80-90"), (0, "0.0.0.0::80"), (0, "70000:80"), (0, "80/sctp"),
             (1, "10.88.0.0/16"), (1, "fd00:1::/64"), (1, "10.1.2.3/24"), (1, "0.0.0.0/1"),
             (1, "::/128"), (1, "10.0.0.0/31"), (2, "10.88.0.1"), (2, "fe80::1%eth0"),
             (2, "::ffff:1.2.3.4"), (2, "1.2.3")]
    for i, (kind, text) in enumerate(seeds):
        write("netparse", "%02d" % i, bytes([kind]) + text.encode())


DA = "sha256:" + "a" * 64
DB = "sha256:" + "b" * 64
DC = "sha256:" + "c" * 64
# content-type selector bytes of fuzz_manifest.c
CT_NONE, CT_OCI_MANIFEST, CT_OCI_INDEX, CT_DOCKER_MANIFEST, CT_DOCKER_LIST = range(5)


def manifest_seeds():
    def put(name, ct, doc):
        write("manifest", name, bytes([ct]) + json.dumps(doc).encode())
    put("oci-manifest", CT_OCI_MANIFEST, {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": DA, "size": 100},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": DB, "size": 200},
                   {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
                    "digest": DC, "size": 300}]})
    put("docker-manifest", CT_DOCKER_MANIFEST, {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "digest": DA, "size": 10},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "digest": DB, "size": 20}]})
    put("oci-index", CT_OCI_INDEX, {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": DA,
             "size": 1, "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": DB,
             "size": 2, "platform": {"os": "linux", "architecture": "arm64",
                                     "variant": "v8"}}]})
    put("docker-list", CT_DOCKER_LIST, {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
        "manifests": [
            {"mediaType": "application/vnd.docker.distribution.manifest.v2+json",
             "digest": DA, "size": 1, "platform": {"os": "linux", "architecture": "arm",
                                                   "variant": "v7"}},
            {"mediaType": "application/vnd.docker.distribution.manifest.v2+json",
             "digest": DC, "size": 3, "platform": {"os": "windows", "architecture": "amd64"}}]})
    put("schema1", CT_NONE, {"schemaVersion": 1, "name": "x", "tag": "y", "fsLayers": []})
    write("manifest", "truncated", bytes([CT_OCI_INDEX]) + b'{"schemaVersion":2,"manif')


def challenge_seeds():
    for i, h in enumerate([
            'Bearer realm="https://auth.example/token",service="registry.example",'
            'scope="repository:a/b:pull"',
            'Bearer realm="https://auth.example/token?x=1,y",service="reg\\"istry"',
            'Basic realm="registry"', "basic realm=x", "Bearer service=x",
            "Negotiate abc", 'Bearer realm="unterminated']):
        write("challenge", "%02d" % i, h)


def authfile_seeds():
    write("authfile", "podman", {"auths": {"h:5000": {"auth": "YWxpY2U6cGFzcw=="},
                                           "docker.io": {"auth": "Ym9iOng="}}})
    write("authfile", "docker-hub", {"auths": {"https://index.docker.io/v1/":
                                               {"auth": "Ym9iOng="}}})
    write("authfile", "bad-base64", {"auths": {"h:5000": {"auth": "!!!"}}})
    write("authfile", "no-colon", {"auths": {"h:5000": {"auth": "YWxpY2U="}}})
    write("authfile", "auths-not-object", {"auths": [1, 2]})
    write("authfile", "empty-object", {})


def layer_seeds():
    import gzip
    import io
    import tarfile

    def tar(entries, compress=None):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
            for e in entries:
                ti = tarfile.TarInfo(e["name"])
                ti.mtime = 0
                ti.type = e.get("type", tarfile.REGTYPE)
                ti.mode = e.get("mode", 0o644)
                ti.linkname = e.get("link", "")
                data = e.get("data", b"")
                ti.size = len(data) if ti.type == tarfile.REGTYPE else 0
                if "pax" in e:
                    ti.pax_headers = e["pax"]
                t.addfile(ti, io.BytesIO(data) if ti.size else None)
        raw = buf.getvalue().rstrip(b"\0")
        raw += b"\0" * (-len(raw) % 512) + b"\0" * 1024
        return gzip.compress(raw, mtime=0) if compress == "gzip" else raw

    D, F, L, H = tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
    write("layer", "whiteout-symlink", tar([
        {"name": "etc/", "type": D, "mode": 0o755},
        {"name": "etc/hostname", "data": b"cell\n"},
        {"name": "etc/.wh.passwd"},
        {"name": "usr/", "type": D, "mode": 0o755},
        {"name": "usr/.wh..wh..opq"},
        {"name": "bin", "type": L, "link": "usr/bin"},
        {"name": "abs", "type": L, "link": "/etc/hostname"},
        {"name": "etc/hard", "type": H, "link": "etc/hostname"},
        {"name": "etc/suid", "data": b"x", "mode": 0o4755},
        {"name": "etc/xattr", "data": b"y",
         "pax": {"SCHILY.xattr.user.k": "v", "SCHILY.xattr.trusted.overlay.opaque": "y"}}]))
    write("layer", "gzip", tar([{"name": "./a/", "type": D, "mode": 0o755},
                                {"name": "/a/b", "data": b"b"}], "gzip"))
    # refused: an escape by "..", and a write through a symlink to the store's sibling
    write("layer", "dotdot", tar([{"name": "../canary/x", "data": b"x"}]))
    write("layer", "through-symlink", tar([{"name": "up", "type": L, "link": "../../../canary"},
                                          {"name": "up/x", "data": b"x"}]))
    write("layer", "hardlink-outside", tar([{"name": "h", "type": H, "link": "../../x"}]))


def archive_seeds():
    import hashlib
    import io
    import tarfile

    def tar(files):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
            for name, data in files:
                ti = tarfile.TarInfo(name)
                ti.mtime = 0
                ti.mode = 0o644
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
        raw = buf.getvalue().rstrip(b"\0")
        return raw + b"\0" * (-len(raw) % 512) + b"\0" * 1024

    def sha(b):
        return hashlib.sha256(b).hexdigest()

    layer = tar([("hello", b"hi\n")])
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/hello"]},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(layer)]}},
                        separators=(",", ":")).encode()
    write("archive", "docker-archive", tar([
        (sha(config) + ".json", config),
        (sha(layer) + "/layer.tar", layer),
        ("manifest.json", json.dumps([{"Config": sha(config) + ".json",
                                       "RepoTags": ["localhost/fuzz:1"],
                                       "Layers": [sha(layer) + "/layer.tar"]}]).encode())]))
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:" + sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": "sha256:" + sha(layer), "size": len(layer)}]}).encode()
    write("archive", "oci-archive", tar([
        ("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
        ("index.json", json.dumps({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:" + sha(manifest), "size": len(manifest),
            "annotations": {"org.opencontainers.image.ref.name": "localhost/fuzz:oci"}}]}).encode()),
        ("blobs/sha256/" + sha(manifest), manifest),
        ("blobs/sha256/" + sha(config), config),
        ("blobs/sha256/" + sha(layer), layer)]))


def main():
    arena_seeds()
    resources_seeds()
    state_seeds()
    spec_seeds()
    process_seeds()
    seccomp_seeds()
    for name, argv in CLI.items():
        write("cli", name, b"\0".join(a.encode() for a in argv))
    for s in SIGNALS:
        name = "".join(c if c.isalnum() or c in "+-" else "_" for c in s) or "empty"
        write("signal", name, s)
    cgroup_state_seeds()
    hostile_seeds()
    for i, u in enumerate(UNITS):
        write("units", "%02d" % i, u)
    reference_seeds()
    netparse_seeds()
    manifest_seeds()
    challenge_seeds()
    authfile_seeds()
    layer_seeds()
    archive_seeds()


if __name__ == "__main__":
    main()

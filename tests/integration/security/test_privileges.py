# SPDX-License-Identifier: Apache-2.0
"""Privileges inside: setuid binaries under noNewPrivileges, the exact
capability sets a process ends up with, and a docker-like seccomp profile.
"""

import importlib.util
import os

import pytest

from bundles import REPO, op

CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]


def mask(names):
    m = 0
    for n in names:
        m |= 1 << CAPS.index(n)
    return m


# ---- setuid under noNewPrivileges ---------------------------------------------

@pytest.mark.parametrize("nnp", [True, False])
def test_setuid_root_binary(cell, bundle, nnp):
    """A setuid-root copy of the probe, run as uid 1000: with
    noNewPrivileges it must not gain euid 0 (nor any capability); without,
    it does (the control: the bit works in this rootfs)."""
    b = bundle()
    suid = os.path.join(b.rootfs, "suid-probe")
    with open(os.path.join(b.rootfs, "probe"), "rb") as src, open(suid, "wb") as dst:
        dst.write(src.read())
    os.chown(suid, 0, 0)
    os.chmod(suid, 0o4755)
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["noNewPrivileges"] = nnp
    b.set_args("/suid-probe", "ids", "status")
    p = cell.run_bundle(b)
    assert p.returncode == 0, p.stderr
    import json
    info = json.loads([ln for ln in p.stdout.splitlines() if ln.startswith("{")][-1])
    if nnp:
        assert info["uid"] == [1000, 1000, 1000], info["uid"]
        assert int(info["status"]["CapEff"], 16) == 0
        assert info["status"]["NoNewPrivs"] == "1"
    else:
        assert info["uid"][1] == 0, info["uid"]


# ---- capabilities exactly as configured -----------------------------------------

def host_bounding():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapBnd:"):
                return int(line.split()[1], 16)
    return 0


SOME = ["CAP_CHOWN", "CAP_NET_RAW", "CAP_KILL"]
CONFIGS = {
    # name: (user, capabilities object)
    "none": (0, {"bounding": [], "effective": [], "permitted": [], "inheritable": [],
                 "ambient": []}),
    "three": (0, {"bounding": SOME, "effective": SOME, "permitted": SOME}),
    "all-host": (0, None),  # every capability the host's bounding set has
    "ambient-user": (1000, {"bounding": SOME, "effective": SOME, "permitted": SOME,
                            "inheritable": SOME, "ambient": ["CAP_NET_RAW"]}),
    "plain-user": (1000, {"bounding": SOME, "effective": SOME, "permitted": SOME}),
}


def expected(user, caps):
    """/proc/self/status after execve(2) of a file without file capabilities:
    root gets permitted = effective = inheritable | bounding (its file sets
    count as full); another uid gets only the ambient set."""
    bnd, inh = mask(caps.get("bounding", [])), mask(caps.get("inheritable", []))
    amb = mask(caps.get("ambient", []))
    prm = (inh | bnd | amb) if user == 0 else amb
    return {"CapBnd": bnd, "CapInh": inh, "CapAmb": amb, "CapPrm": prm, "CapEff": prm}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_capabilities_exact(cell, bundle, name):
    user, caps = CONFIGS[name]
    if caps is None:
        names = [n for i, n in enumerate(CAPS) if host_bounding() & (1 << i)]
        caps = {"bounding": names, "effective": names, "permitted": names}
    b = bundle()
    b.process["capabilities"] = caps
    b.process["user"] = {"uid": user, "gid": user}
    info = cell.probe(b, "status")
    got = {k: int(info["status"][k], 16) for k in ("CapBnd", "CapInh", "CapAmb", "CapPrm",
                                                    "CapEff")}
    assert got == expected(user, caps), {k: hex(v) for k, v in got.items()}


# ---- a docker-like seccomp profile -----------------------------------------------

def docker_like_profile():
    """podman's /usr/share/containers/seccomp.json turned into a config
    (bench/seccomp_profile.py), then made docker-like where podman is more
    permissive: docker answers every syscall it does not allow with EPERM
    (defaultErrnoRet 1; podman's is ENOSYS), allows unshare, mount, umount2,
    setns and pivot_root only to CAP_SYS_ADMIN, and never keyctl, add_key or
    request_key."""
    path = "/usr/share/containers/seccomp.json"
    if not os.path.exists(path):
        pytest.fail("%s not installed (package golang-github-containers-common)" % path)
    spec = importlib.util.spec_from_file_location(
        "seccomp_profile", os.path.join(REPO, "bench", "seccomp_profile.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import json
    with open(path) as f:
        seccomp = mod.convert(json.load(f), native_only=False)["linux"]["seccomp"]
    denied = {"unshare", "mount", "umount", "umount2", "setns", "pivot_root", "keyctl",
              "add_key", "request_key"}
    rules = []
    for rule in seccomp["syscalls"]:
        if rule["action"] == "SCMP_ACT_ALLOW":
            rule = dict(rule, names=[n for n in rule["names"] if n not in denied])
        if rule["names"]:
            rules.append(rule)
    seccomp["syscalls"] = rules
    seccomp["defaultErrnoRet"] = 1
    return seccomp


SYSCALLS = ["unshare-user", "unshare-mount", "mount", "keyctl"]


def try_all(cell, b):
    words = []
    for s in SYSCALLS:
        words += ["try", s]
    return cell.probe(b, "status", *words)


def test_seccomp_profile_blocks_with_eperm(cell, bundle):
    b = bundle()
    b.linux["seccomp"] = docker_like_profile()
    info = try_all(cell, b)
    assert info["status"]["Seccomp"] == "2"
    for s in SYSCALLS:
        r = op(info, "try", s)
        assert not r["ok"] and r["errno"] == "EPERM", r


def test_without_seccomp_the_same_calls_work(cell, bundle):
    """The control: with no profile, keyctl and unshare(CLONE_NEWUSER)
    succeed with the default capabilities; only the profile stops them."""
    b = bundle()
    b.linux.pop("seccomp", None)
    info = try_all(cell, b)
    assert op(info, "try", "keyctl")["ok"], info["ops"]
    assert op(info, "try", "unshare-user")["ok"], info["ops"]

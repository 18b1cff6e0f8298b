#!/usr/bin/python3
"""Turn a containers/common seccomp profile into an OCI config.json.

Usage: seccomp_profile.py [PROFILE] [--native-only] > config.json

PROFILE defaults to /usr/share/containers/seccomp.json (podman's default).
The result is what podman hands a runtime for an x86_64 container with
podman's default capabilities: rules filtered by includes/excludes (arches,
caps), architectures from archMap (x86_64 + x86 + x32), or only the native
one with --native-only.  Used by bench/seccomp_compile.sh.
"""
import json
import sys

DEFAULT_CAPS = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
    "CAP_SETUID", "CAP_SYS_CHROOT",
}
ARCH = "amd64"
NATIVE = "SCMP_ARCH_X86_64"


def applies(rule):
    inc, exc = rule.get("includes") or {}, rule.get("excludes") or {}
    if inc.get("arches") and ARCH not in inc["arches"]:
        return False
    if inc.get("caps") and not all(c in DEFAULT_CAPS for c in inc["caps"]):
        return False
    if ARCH in (exc.get("arches") or []):
        return False
    return not any(c in DEFAULT_CAPS for c in exc.get("caps") or [])


def convert(profile, native_only):
    archs = [NATIVE]
    for entry in profile.get("archMap") or []:
        if entry["architecture"] == NATIVE and not native_only:
            archs += entry.get("subArchitectures") or []
    seccomp = {"defaultAction": profile["defaultAction"], "architectures": archs,
               "syscalls": []}
    if profile.get("defaultErrnoRet") is not None:
        seccomp["defaultErrnoRet"] = profile["defaultErrnoRet"]
    for rule in profile["syscalls"]:
        if not applies(rule):
            continue
        out = {"names": rule["names"], "action": rule["action"]}
        if rule.get("errnoRet") is not None:
            out["errnoRet"] = rule["errnoRet"]
        if rule.get("args"):
            out["args"] = [{k: a[k] for k in ("index", "value", "valueTwo", "op")}
                           for a in rule["args"]]
        seccomp["syscalls"].append(out)
    return {"ociVersion": "1.2.0", "root": {"path": "rootfs"},
            "process": {"args": ["/bin/true"], "cwd": "/"},
            "linux": {"seccomp": seccomp}}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = args[0] if args else "/usr/share/containers/seccomp.json"
    with open(path) as f:
        profile = json.load(f)
    json.dump(convert(profile, "--native-only" in sys.argv), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

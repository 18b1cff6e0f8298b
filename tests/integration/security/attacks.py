# SPDX-License-Identifier: Apache-2.0
"""Attack scenarios shared by the escape tests.

An attacker is the probe's `watch` word (tests/probe/probe.c) running as
the init of a container W: for as long as it runs it attacks every other
process of its pid namespace the moment it appears (its executable through
/proc/<pid>/exe, its environ and mem, the directories its cwd/root/fd magic
links lead to, PTRACE_SEIZE) and keeps trying to reopen for writing every
executable it got hold of.  Its JSON report is checked by the tests; what
the runtime processes look like from inside is the point, so W is given
the default capabilities or, in several ways, CAP_SYS_PTRACE.

The watcher's capabilities are one of Attack.ATTACKERS.  Two ways to bring
runtime processes into W's pid namespace:

  neighbour  container T joins W's pid namespace by path: T's init is a
             runtime process for as long as T is `created`, then `start`
             makes it exec T's entrypoint (/probe, /proc/self/exe, or a
             script whose interpreter is #!/proc/self/exe).
  exec       a burst of `exec` into W (the same entrypoints as commands):
             each joining process is a runtime process during its start.

Every runtime command runs detached (create/start, exec --detach) so that,
as in the real CVE-2019-5736 exploit, nothing runs the runtime binary any
more once the attack is over and writing it would no longer be ETXTBSY.
The runtime binary attacked is a copy in the test's directory (the tests
must not be able to damage a real installation), and the runtime runs with
CELL_ESCAPE_SECRET=<random> in its environment, which the container's
processes do not have: a read of it from inside is a leak of the runtime's
memory.
"""

import hashlib
import json
import os
import shutil
import time
import uuid

CAP_SYS_PTRACE = "CAP_SYS_PTRACE"
STOP = "tmp/watch-stop"  # WATCH_STOP in probe.c, relative to the rootfs


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class RuntimeCopy:
    """The runtime binary the attack is aimed at: a private copy."""

    def __init__(self, binary, directory):
        os.makedirs(directory, exist_ok=True)
        self.path = os.path.join(directory, os.path.basename(binary))
        shutil.copy2(binary, self.path)
        self.sha = sha256(self.path)
        st = os.stat(self.path)
        self.dev = [os.major(st.st_dev), os.minor(st.st_dev)]
        self.ino = st.st_ino

    def unchanged(self):
        return sha256(self.path) == self.sha

    def writers(self):
        """(pid, fd, cmdline) of every process holding the copy open for
        writing: what makes executing it fail with ETXTBSY."""
        out = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                for fd in os.listdir("/proc/%s/fd" % pid):
                    if os.path.realpath("/proc/%s/fd/%s" % (pid, fd)) != self.path:
                        continue
                    with open("/proc/%s/fdinfo/%s" % (pid, fd)) as f:
                        flags = int(f.read().split("flags:")[1].split()[0], 8)
                    if flags & 3:
                        with open("/proc/%s/cmdline" % pid, "rb") as f:
                            out.append((pid, fd, f.read().replace(b"\0", b" ").decode()))
            except (OSError, IndexError):
                continue
        return out

    def same(self, dev, ino):
        return list(dev or []) == self.dev and int(ino or 0) == self.ino


def add_caps(bundle, *caps):
    c = bundle.process.setdefault("capabilities", {})
    for kind in ("bounding", "effective", "permitted"):
        c[kind] = sorted(set(c.get(kind, [])) | set(caps))


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("timed out waiting for %s" % what)


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


class Attack:
    """Runs one scenario; afterwards `report` is the watcher's JSON."""

    ENTRIES = {
        "probe": ["/probe", "sleep", "0.2"],
        "proc_self_exe": ["/proc/self/exe"],
        "script": ["/escape.sh"],
    }

    # How the watcher gets its capabilities.
    ATTACKERS = {
        "default": "the container's default capabilities",
        "sys_ptrace": "the defaults plus CAP_SYS_PTRACE, in the container's config",
        "exec_cap": "exec'd with --cap CAP_SYS_PTRACE into a container without it",
        "no_caps_object": "a config without a process.capabilities object",
    }

    def __init__(self, cell, bundle, testdir, attacker="default"):
        self.cell = cell
        self.bundle = bundle
        self.testdir = testdir
        self.target = RuntimeCopy(cell.binary, os.path.join(testdir, "runtime"))
        cell.binary = self.target.path
        self.secret = uuid.uuid4().hex
        self.env = dict(os.environ, CELL_ESCAPE_SECRET=self.secret)
        self.marker = os.path.join(testdir, "host-marker")
        with open(self.marker, "w") as f:
            f.write("host-only " + self.secret + "\n")
        self.out = os.path.join(testdir, "watch.out")
        self.attacker = attacker
        self.watch_args = ["/probe", "status", "watch", "30", self.marker, self.secret]
        if attacker == "exec_cap":
            self.watcher = bundle("/probe", "sleep", "60", name="watcher")
        else:
            self.watcher = bundle(*self.watch_args, name="watcher")
        if attacker == "sys_ptrace":
            add_caps(self.watcher, CAP_SYS_PTRACE)
        elif attacker == "no_caps_object":
            self.watcher.process.pop("capabilities", None)
        self.report = None
        self.runtime_errors = []

    # ---- helpers -----------------------------------------------------------

    def _run(self, *args, **kw):
        kw.setdefault("env", self.env)
        try:
            p = self.cell.run(*args, **kw)
        except OSError as e:
            raise AssertionError("%s %s: %s; open for writing by %r" %
                                 (self.target.path, args[0], e, self.target.writers()))
        if p.returncode != 0:
            self.runtime_errors.append((args, p.returncode, p.stderr.strip()[-300:]))
        return p

    def _target_bundle(self, name, entry):
        t = self.bundle(*self.ENTRIES[entry], name=name)
        with open(os.path.join(t.rootfs, "escape.sh"), "w") as f:
            f.write("#!/proc/self/exe\n")
        os.chmod(os.path.join(t.rootfs, "escape.sh"), 0o755)
        return t

    def start_watcher(self):
        self.wid = self.cell.new_id()
        self.watcher.save()
        with open(self.out, "wb") as out:
            self._run("create", "--bundle", self.watcher.path, self.wid, stdout=out, stderr=out,
                      check=True)
            self._run("start", self.wid, check=True)
            if self.attacker == "exec_cap":
                self._run("exec", "--detach", "--cap", CAP_SYS_PTRACE, self.wid,
                          *self.watch_args, stdout=out, stderr=out, check=True)
        wait_for(lambda: "watching" in read_text(self.out), 10, "the watcher to start")
        self.wpid = self.cell.state(self.wid)["pid"]

    def finish(self, *others):
        """Let the watcher make its last pass, take its report, check the
        binary and delete the containers (W and `others`)."""
        open(os.path.join(self.watcher.rootfs, STOP), "w").close()
        line = wait_for(lambda: [ln for ln in read_text(self.out).splitlines(keepends=True)
                                 if ln.startswith("{") and ln.endswith("\n")], 15,
                        "the watcher's report")
        self.report = json.loads(line[-1])
        self.intact = self.target.unchanged()
        for cid in (self.wid,) + others:
            self._run("delete", "--force", cid)
        return self

    # ---- scenarios ---------------------------------------------------------

    def neighbour(self, entry):
        """A container T that joins W's pid namespace: its init is seen while
        T is created, then while it execs `entry`."""
        self.start_watcher()
        t = self._target_bundle("target", entry)
        t.set_namespace("pid", "/proc/%d/ns/pid" % self.wpid)
        tid = self.cell.new_id()
        t.save()
        self._run("create", "--bundle", t.path, tid)
        time.sleep(0.3)  # T's init sits in `created`: the watcher has it
        self._run("start", tid)
        wait_for(lambda: self.cell.state(tid)["status"] == "stopped", 10, "T to stop")
        time.sleep(0.1)
        return self.finish(tid)

    def exec_burst(self, rounds=8):
        """`exec --detach` into W, over and over, with each entry point."""
        self.start_watcher()
        script = os.path.join(self.watcher.rootfs, "escape.sh")
        with open(script, "w") as f:
            f.write("#!/proc/self/exe\n")
        os.chmod(script, 0o755)
        for _ in range(rounds):
            for entry in ("probe", "proc_self_exe", "script"):
                args = self.ENTRIES[entry]
                if entry == "probe":
                    args = ["/probe", "exit", "0"]
                self._run("exec", "--detach", self.wid, *args)
        time.sleep(0.3)  # the last exec'd processes exit
        return self.finish()

    # ---- what the watcher got ------------------------------------------------

    @property
    def procs(self):
        return self.report["watch"]["procs"]

    def attacker_caps(self):
        return int(self.report["status"]["CapEff"], 16)

    def refused(self):
        """Entries for live processes whose exe, environ and mem the kernel
        refused to the watcher (EACCES: ptrace access denied): the
        runtime's own, with the default capabilities."""
        return [p for p in self.procs
                if p.get("exe_open") == "EACCES" and p.get("environ") == "EACCES" and
                p.get("mem") == "EACCES"]

    def host_writes(self):
        """Every successful write to the runtime binary (by dev/ino)."""
        hits = []
        for p in self.procs:
            if p.get("exe_write") == "WROTE" and self.target.same(p.get("exe_dev"),
                                                                   p.get("exe_ino")):
                hits.append(("direct", p))
        for h in self.report["watch"]["held"]:
            if h["rewrite"] == "WROTE" and self.target.same(h["dev"], h["ino"]):
                hits.append(("reopened", h))
        return hits

    def host_handles(self):
        """Entries where the container got an fd of the runtime binary."""
        return [p for p in self.procs if p.get("exe_open") == "ok" and
                self.target.same(p.get("exe_dev"), p.get("exe_ino"))]

    def escapes(self):
        return [(p["pid"], p["comm"], e) for p in self.procs for e in p.get("escapes", [])]

    def escalations(self):
        """Processes the attacker stopped under ptrace that held capabilities
        it does not have: attaching to them is a way out of the container's
        capability set."""
        mine = self.attacker_caps()
        out = []
        for p in self.procs:
            st = p.get("stopped")
            if p.get("ptrace") == "ok" and st and st.get("CapEff"):
                extra = int(st["CapEff"], 16) & ~mine
                if extra:
                    out.append((p["pid"], p["comm"], st["comm"], hex(extra)))
        return out

    def attached_runtime(self):
        """Processes the attacker stopped under ptrace while they still ran
        the runtime's binary."""
        return [(p["pid"], p["comm"], p["stopped"]) for p in self.procs
                if p.get("ptrace") == "ok" and p.get("stopped") and
                self.target.same(p["stopped"].get("exe_dev"), p["stopped"].get("exe_ino"))]

    def leaks(self):
        """Processes whose environ or memory gave away the runtime's secret."""
        return [(p["pid"], p["comm"], p["environ"], p["mem"]) for p in self.procs
                if "leak" in (p.get("environ"), p.get("mem"))]

    def summary(self):
        return json.dumps({"procs": self.procs, "held": self.report["watch"]["held"],
                           "scans": self.report["watch"]["scans"],
                           "runtime_errors": self.runtime_errors}, indent=1)[:6000]

"""podman drives cell (issue 2, check 3).

Every test runs a real `podman run` with `--runtime <cell>`, on an image
imported from Debian's busybox-static.  podman is fully sandboxed: its own
containers.conf (CONTAINERS_CONF), storage.conf (CONTAINERS_STORAGE_CONF),
graph root, run root, tmp dir, network config dir and cell state root, all
under one temporary directory that is unmounted and removed at the end.
Networking is always `--network none`.

CELL_BINARY selects the runtime (default: build/cell-oci).  Pointing it at
/usr/sbin/runc validates this harness against a reference runtime.
"""

import fcntl
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import tempfile
import termios
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGE = "localhost/busybox-cell"
TIMEOUT = 60

# podman's default capability set (set explicitly in our containers.conf so the
# expectation does not depend on the host's configuration).
DEFAULT_CAPS = [
    "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]
CAP_BITS = {
    "CHOWN": 0, "DAC_OVERRIDE": 1, "FOWNER": 3, "FSETID": 4, "KILL": 5,
    "SETGID": 6, "SETUID": 7, "SETPCAP": 8, "NET_BIND_SERVICE": 10,
    "NET_RAW": 13, "SYS_CHROOT": 18, "SETFCAP": 31,
}

# Host paths podman creates whatever its configuration says (the image blob
# info cache); removed afterwards if this module created them.
HOST_SIDE_EFFECTS = [Path("/var/lib/containers/cache"), Path("/var/lib/containers")]


def cell_binary():
    # absolute(), not resolve(): cell-oci is a symlink to cell, and the name it
    # is run by picks the runtime CLI.
    return Path(os.environ.get("CELL_BINARY", REPO / "build" / "cell-oci")).absolute()


def cap_mask(names):
    mask = 0
    for name in names:
        mask |= 1 << CAP_BITS[name]
    return mask


def processes_mentioning(text):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if text.encode() in f.read():
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def mounts_under(path):
    prefix = str(path)
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    return [p for p in points if p == prefix or p.startswith(prefix + "/")]


def _take_controlling_tty():
    """In the child, after setsid(): make stdin (the pty slave) its terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Podman:
    """A podman whose every piece of state lives under `self.top`."""

    def __init__(self, top, runtime):
        self.top = top
        self.runtime = runtime
        # The runtime's default state root: podman 4.3 does not pass
        # --runtime-flag options on to `delete`, so a private --root would leak.
        self.state_root = Path("/run") / runtime.name
        self.env = dict(os.environ)
        self.env.update(
            CONTAINERS_CONF=str(top / "containers.conf"),
            CONTAINERS_STORAGE_CONF=str(top / "storage.conf"),
            CONTAINERS_REGISTRIES_CONF=str(top / "registries.conf"),
            TMPDIR=str(top / "vartmp"),
        )
        for d in ("graph", "run", "tmp", "vartmp", "networks", "volumes", "static"):
            (top / d).mkdir()
        self._write_config()

    def _write_config(self):
        top, name = self.top, self.runtime.name
        caps = ", ".join(f'"{c}"' for c in DEFAULT_CAPS)
        (top / "containers.conf").write_text(f"""\
[containers]
default_capabilities = [{caps}]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
log_driver = "k8s-file"

[engine]
runtime = "{name}"
runtime_supports_json = ["cell", "crun", "runc"]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{top}/events.log"
tmp_dir = "{top}/tmp"
volume_path = "{top}/volumes"
static_dir = "{top}/static"

[engine.runtimes]
{name} = ["{self.runtime}"]

[network]
# The CNI backend keeps its state in network_config_dir; netavark would create
# /run/containers/networks on the host whatever the configuration says.
network_backend = "cni"
network_config_dir = "{top}/networks"
""")
        (top / "storage.conf").write_text(f"""\
[storage]
driver = "overlay"
graphroot = "{top}/graph"
runroot = "{top}/run"
""")
        (top / "registries.conf").write_text("unqualified-search-registries = []\n")

    def argv(self, *args):
        return ["podman", "--root", str(self.top / "graph"), "--runroot",
                str(self.top / "run"), "--tmpdir", str(self.top / "tmp"),
                "--storage-driver", "overlay", "--runtime", str(self.runtime), *args]

    def __call__(self, *args, input=None, check=False):
        # conmon writes a file named "oom" into its working directory when it
        # sees a v1 memory.oom_control event (a memory update makes one, with
        # runc too): podman, and so conmon, run in the test's own directory.
        result = subprocess.run(self.argv(*args), env=self.env, input=input, cwd=self.top,
                                capture_output=True, text=True, timeout=TIMEOUT)
        if check and result.returncode != 0:
            pytest.fail(f"podman {' '.join(args)} exited {result.returncode}:\n"
                        f"{result.stdout}{result.stderr}")
        return result

    def run(self, *args, **kw):
        return self("run", "--rm", "--network", "none", *args, **kw)

    def run_tty(self, *args, send=b""):
        """podman run -it under a fresh pty; returns (exit status, output)."""
        return self.tty("run", "--rm", "-it", "--network", "none", *args, send=send)

    def tty(self, *args, send=b""):
        """podman `args` under a fresh pty; returns (exit status, output)."""
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            self.argv(*args), cwd=self.top,
            env=self.env, stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True, preexec_fn=_take_controlling_tty)
        os.close(slave)
        output, deadline, sent = b"", time.monotonic() + TIMEOUT, False
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.2)
                if ready:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:  # EIO: every slave fd closed
                        break
                    if not chunk:
                        break
                    output += chunk
                # Type only once the shell is up, as a user would.
                if send and not sent and output:
                    os.write(master, send)
                    sent = True
                if proc.poll() is not None and not ready:
                    break
            status = proc.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master)
        return status, output.decode(errors="replace")

    def destroy(self):
        for args in (("rm", "--all", "--force", "--time", "0"), ("rmi", "--all", "--force")):
            try:
                self(*args)
            except subprocess.TimeoutExpired:
                pass
        # Whatever a hung runtime left: conmon and container processes name
        # this directory on their command line.
        for pid in processes_mentioning(str(self.top)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        # podman leaves the storage driver's own bind mount behind.
        for point in sorted(mounts_under(self.top), key=len, reverse=True):
            subprocess.run(["umount", "-l", point], check=False)
        shutil.rmtree(self.top, ignore_errors=True)


def our_containers(podman):
    """Ids of every container this module's podman ever created (its events
    log), so that the residue checks ignore other users of the shared runtime
    state root and cgroup parent."""
    ids = set()
    log = podman.top / "events.log"
    if log.exists():
        for line in log.read_text().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("Type") == "container" and event.get("ID"):
                ids.add(event["ID"])
    return ids


def runtime_containers(podman):
    """Container state directories under the runtime's state root."""
    root = podman.state_root
    if not root.exists():
        return []
    # Dot entries are the runtime's own (cell keeps a seccomp program cache).
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def podman_cgroups():
    """podman's cgroupfs parent in every hierarchy and the cgroups below it."""
    parents = sorted(Path("/sys/fs/cgroup").glob("*/libpod_parent"))
    return parents, sorted(str(d) for p in parents for d in p.glob("libpod-*"))


def our_cgroups(podman):
    ids = our_containers(podman)
    return sorted(d for d in podman_cgroups()[1] if d.rsplit("/libpod-", 1)[-1] in ids)


def remove_cgroup_tree(path):
    """rmdir a cgroup and its children, deepest first (only empty ones go)."""
    for d in sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: len(p.parts),
                    reverse=True) + [path]:
        try:
            d.rmdir()
        except OSError:
            pass


def make_image(podman, top):
    rootfs = top / "image-rootfs"
    subprocess.run(["bash", str(REPO / "scripts" / "mkrootfs.sh"), str(rootfs)], check=True)
    tarball = top / "image.tar"
    subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tarball), "."], check=True)
    podman("import", "--change", "CMD=/bin/sh", str(tarball), IMAGE, check=True)
    shutil.rmtree(rootfs)
    tarball.unlink()


@pytest.fixture(scope="module")
def podman():
    if os.geteuid() != 0:
        pytest.fail("the podman tests must run as root")
    runtime = cell_binary()
    if not os.access(runtime, os.X_OK):
        pytest.fail(f"{runtime}: runtime binary missing (build it: ninja -C build)")
    top = Path(tempfile.mkdtemp(prefix="cell-podman-"))
    pm = Podman(top, runtime)
    existed = {p: p.exists() for p in HOST_SIDE_EFFECTS + [pm.state_root]}
    cgroup_parents_before = podman_cgroups()[0]
    try:
        make_image(pm, top)
        yield pm
    finally:
        ours = our_containers(pm)
        pm.destroy()
        for path in HOST_SIDE_EFFECTS:
            if not existed[path]:
                shutil.rmtree(path, ignore_errors=True)
        if not existed[pm.state_root] and not runtime_containers(pm):
            shutil.rmtree(pm.state_root, ignore_errors=True)
        for parent in podman_cgroups()[0]:
            if parent not in cgroup_parents_before:
                remove_cgroup_tree(parent)
    assert not set(runtime_containers(pm)) & ours, "runtime state left behind"
    assert not mounts_under(top), f"mounts left behind under {top}"
    assert not top.exists()


@pytest.fixture
def clean(podman):
    """Asserts a test leaves no container, runtime state or container mount behind."""
    yield podman
    left = podman("ps", "--all", "--quiet", check=True).stdout.split()
    assert left == [], f"containers left behind: {left}"
    ours = our_containers(podman)
    left = sorted(set(runtime_containers(podman)) & ours)
    assert left == [], f"runtime state left behind: {left}"
    left = our_cgroups(podman)
    assert left == [], f"container cgroups left behind: {left}"
    overlays = [p for p in mounts_under(podman.top / "graph") if p.endswith("/merged")]
    assert overlays == [], f"container rootfs still mounted: {overlays}"


def test_run_true(clean):
    result = clean.run(IMAGE, "true")
    assert result.returncode == 0, result.stderr


def test_exit_code(clean):
    result = clean.run(IMAGE, "sh", "-c", "exit 3")
    assert result.returncode == 3, result.stderr


def test_stdout_and_stdin(clean):
    result = clean.run("-i", IMAGE, "sh", "-c", "echo out; cat; echo err >&2", input="piped\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "out\npiped\n"
    assert "err" in result.stderr


def test_config_from_podman(clean):
    """Options podman turns into config.json reach the container process."""
    result = clean.run("--hostname", "podhost", "--env", "GREETING=hi", "--user", "65534:65534",
                       "--workdir", "/tmp", IMAGE, "sh", "-c",
                       'echo "$(hostname) $GREETING $(id -u):$(id -g) $(pwd)"')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "podhost hi 65534:65534 /tmp"


def test_detached_stop_rm(clean):
    result = clean("run", "-d", "--network", "none", IMAGE, "sleep", "100", check=True)
    cid = result.stdout.strip()
    state = clean("inspect", "--format", "{{.State.Status}} {{.State.Pid}}", cid, check=True)
    status, pid = state.stdout.split()
    assert status == "running"
    assert Path(f"/proc/{pid}").exists()
    # sleep as pid 1 ignores SIGTERM: stop must fall back to SIGKILL.
    clean("stop", "--time", "2", cid, check=True)
    state = clean("inspect", "--format", "{{.State.Status}}", cid, check=True)
    assert state.stdout.strip() == "exited"
    assert not Path(f"/proc/{pid}").exists()
    clean("rm", cid, check=True)
    assert clean("container", "exists", cid).returncode == 1


def test_stop_delivers_sigterm(clean):
    script = "trap 'exit 7' TERM; while :; do sleep 0.1; done"
    cid = clean("run", "-d", "--network", "none", IMAGE, "sh", "-c", script,
                check=True).stdout.strip()
    clean("stop", "--time", "20", cid, check=True)
    code = clean("inspect", "--format", "{{.State.ExitCode}}", cid, check=True).stdout.strip()
    assert code == "7"
    clean("rm", cid, check=True)


def test_kill_exit_status(clean):
    cid = clean("run", "-d", "--network", "none", IMAGE, "sleep", "100",
                check=True).stdout.strip()
    clean("kill", "--signal", "KILL", cid, check=True)
    result = clean("wait", cid, check=True)
    assert result.stdout.strip() == "137"
    clean("rm", cid, check=True)


def test_tty_exit_code(clean):
    status, output = clean.run_tty(IMAGE, "sh", "-c", "exit 3")
    assert status == 3, output


def test_tty_interactive(clean):
    status, output = clean.run_tty(IMAGE, "sh", send=b"tty -s && echo tty-ok $((6*7)); exit 4\n")
    assert "tty-ok 42" in output
    assert status == 4, output


def status_caps(output):
    fields = dict(line.split(":\t") for line in output.splitlines() if line.startswith("Cap"))
    return {k: int(v, 16) for k, v in fields.items()}


def test_default_capabilities(clean):
    result = clean.run(IMAGE, "cat", "/proc/self/status")
    assert result.returncode == 0, result.stderr
    caps = status_caps(result.stdout)
    want = cap_mask(DEFAULT_CAPS)
    assert caps["CapEff"] == want
    assert caps["CapPrm"] == want
    assert caps["CapBnd"] == want
    assert caps["CapInh"] == 0
    assert caps["CapAmb"] == 0


def test_cap_drop_add(clean):
    result = clean.run("--cap-drop", "all", "--cap-add", "NET_RAW", IMAGE, "cat",
                       "/proc/self/status")
    assert result.returncode == 0, result.stderr
    caps = status_caps(result.stdout)
    assert caps["CapEff"] == cap_mask(["NET_RAW"])
    assert caps["CapBnd"] == cap_mask(["NET_RAW"])


def test_missing_executable(clean):
    result = clean.run(IMAGE, "/nonexistent")
    assert result.returncode == 127, result.stderr
    assert "no such file or directory" in result.stderr.lower()


def test_not_executable(clean):
    result = clean.run(IMAGE, "/etc/passwd")
    assert result.returncode == 126, result.stderr
    assert "permission denied" in result.stderr.lower()


# ---- cgroups through podman (issue 3, check 4) ------------------------------------

def container_cgroup_dir(pid, controller):
    """Host directory of `pid`'s cgroup on the v1 hierarchy of `controller`."""
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(","):
                return Path("/sys/fs/cgroup") / controller / path.lstrip("/")
    raise AssertionError(f"pid {pid} has no {controller} cgroup")


def podman_pid(podman, cid):
    return int(podman("inspect", "--format", "{{.State.Pid}}", cid, check=True).stdout)


def podman_status(podman, cid):
    return podman("inspect", "--format", "{{.State.Status}}", cid, check=True).stdout.strip()


def counter_value(podman, cid):
    return int(podman("exec", cid, "cat", "/tmp/n", check=True).stdout.strip() or 0)


def test_pause_unpause(clean):
    # The counter is renamed into place: a read from the host never sees the
    # file truncated and not yet written, as `echo $i > /tmp/n` would show it.
    script = ("i=0; while :; do i=$((i+1)); echo $i > /tmp/n.new; mv /tmp/n.new /tmp/n; "
              "sleep 0.05; done")
    cid = clean("run", "-d", "--network", "none", IMAGE, "sh", "-c", script,
                check=True).stdout.strip()
    try:
        freezer = container_cgroup_dir(podman_pid(clean, cid), "freezer")
        upper = clean("inspect", "--format", "{{.GraphDriver.Data.MergedDir}}", cid,
                      check=True).stdout.strip()
        counter = Path(upper) / "tmp" / "n"
        deadline = time.monotonic() + TIMEOUT
        while not counter.exists():
            assert time.monotonic() < deadline, "the counter was never written"
            time.sleep(0.02)
        clean("pause", cid, check=True)
        assert podman_status(clean, cid) == "paused"
        assert (freezer / "freezer.state").read_text().strip() == "FROZEN"
        # podman cannot exec into a paused container: read the counter's file from the host
        frozen_at = int(counter.read_text())
        time.sleep(0.5)
        assert int(counter.read_text()) == frozen_at
        clean("unpause", cid, check=True)
        assert podman_status(clean, cid) == "running"
        assert (freezer / "freezer.state").read_text().strip() == "THAWED"
        time.sleep(0.3)
        assert int(counter.read_text()) > frozen_at
    finally:
        # a failure above must not leave the container to fail the next tests' checks
        clean("rm", "--force", "--time", "0", cid, check=True)


def test_update_memory_and_cpus(clean):
    cid = clean("run", "-d", "--network", "none", IMAGE, "sleep", "100",
                check=True).stdout.strip()
    pid = podman_pid(clean, cid)
    clean("update", "--memory", "64m", "--cpus", "0.5", cid, check=True)
    memory = container_cgroup_dir(pid, "memory")
    cpu = container_cgroup_dir(pid, "cpu")
    assert (memory / "memory.limit_in_bytes").read_text().strip() == str(64 << 20)
    quota = int((cpu / "cpu.cfs_quota_us").read_text())
    period = int((cpu / "cpu.cfs_period_us").read_text())
    assert quota / period == 0.5, (quota, period)
    # the new limit holds: 100 MiB of memory gets the process OOM-killed
    result = clean("exec", cid, "sh", "-c", "head -c 100000000 /dev/zero | tail > /dev/null")
    assert result.returncode == 137, (result.returncode, result.stderr)
    clean("rm", "--force", "--time", "0", cid, check=True)


def test_stop_kills_every_process(clean):
    """stop of a container whose shell ignores SIGTERM and has children:
    after the timeout everything in its cgroup is killed and removed."""
    script = "trap '' TERM; sleep 1000 & sleep 1000 & wait"
    cid = clean("run", "-d", "--network", "none", IMAGE, "sh", "-c", script,
                check=True).stdout.strip()
    pid = podman_pid(clean, cid)
    procs = container_cgroup_dir(pid, "pids") / "cgroup.procs"
    deadline = time.monotonic() + 10
    while len(procs.read_text().split()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = [int(p) for p in procs.read_text().split()]
    assert len(pids) == 3
    clean("stop", "--time", "1", cid, check=True)
    assert podman_status(clean, cid) == "exited"
    assert not [p for p in pids if Path(f"/proc/{p}").exists()]
    assert not procs.parent.exists()
    clean("rm", cid, check=True)


# ---- exec through podman (issue 4, check 3) ------------------------------------------

def start_sleeper(podman):
    return podman("run", "-d", "--network", "none", IMAGE, "sleep", "1000",
                  check=True).stdout.strip()


def test_exec(clean):
    cid = start_sleeper(clean)
    result = clean("exec", "--user", "65534:65534", "--env", "GREETING=hi", "--workdir", "/tmp",
                   cid, "sh", "-c", 'echo "$GREETING $(id -u):$(id -g) $(pwd)"; exit 3')
    assert result.returncode == 3, result.stderr
    assert result.stdout == "hi 65534:65534 /tmp\n"
    # in the container's pid namespace: its pid 1 is the sleep
    result = clean("exec", cid, "cat", "/proc/1/cmdline")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\0")[:2] == ["sleep", "1000"]
    clean("rm", "--force", "--time", "0", cid, check=True)


def test_exec_stdin_and_missing_command(clean):
    cid = start_sleeper(clean)
    result = clean("exec", "-i", cid, "sh", "-c", "cat; echo err >&2", input="piped\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "piped\n"
    assert "err" in result.stderr
    result = clean("exec", cid, "/nonexistent")
    assert result.returncode == 127, result.stderr
    assert "no such file or directory" in result.stderr.lower()
    clean("rm", "--force", "--time", "0", cid, check=True)


def test_exec_detached(clean):
    cid = start_sleeper(clean)
    result = clean("exec", "-d", cid, "sh", "-c", "echo detached > /tmp/marker; sleep 1000")
    assert result.returncode == 0, result.stderr
    deadline, text = time.monotonic() + 10, ""
    while time.monotonic() < deadline and not text:
        text = clean("exec", cid, "sh", "-c", "cat /tmp/marker 2>/dev/null").stdout
        time.sleep(0.05)
    assert text == "detached\n"
    # the detached process (sh exec'd its last command) lives in the
    # container's cgroup next to the init
    procs = container_cgroup_dir(podman_pid(clean, cid), "pids") / "cgroup.procs"

    def cmdlines():
        return sorted(Path(f"/proc/{p}/cmdline").read_bytes() for p in procs.read_text().split())

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and cmdlines() != [b"sleep\x001000\x00"] * 2:
        time.sleep(0.05)
    assert cmdlines() == [b"sleep\x001000\x00"] * 2, cmdlines()
    clean("rm", "--force", "--time", "0", cid, check=True)


def test_exec_tty(clean):
    cid = start_sleeper(clean)
    status, output = clean.tty("exec", "-it", cid, "sh",
                               send=b"tty -s && echo tty-ok $((6*7)); exit 4\n")
    assert "tty-ok 42" in output, output
    assert status == 4, output
    clean("rm", "--force", "--time", "0", cid, check=True)


def test_pid_container_proc_lists_only_its_processes(clean):
    """`run --pid container:X` joins X's pid namespace by path: the second
    container's /proc is that namespace's (X's sleep and its own ps), not
    the host's, and pid 1 there is X's process."""
    cid = start_sleeper(clean)
    result = clean.run("--pid", f"container:{cid}", IMAGE, "sh", "-c",
                       "ls /proc | grep '^[0-9]*$' | wc -l; cat /proc/1/cmdline; echo")
    clean("rm", "--force", "--time", "0", cid, check=True)
    assert result.returncode == 0, result.stderr
    count, init = result.stdout.split("\n")[:2]
    # X's sleep, the sh, and ls/grep/wc of the pipeline: a handful; the host
    # has hundreds, this test's own process among them
    assert int(count) < 10, result.stdout
    assert init.replace("\0", " ").strip() == "sleep 1000", result.stdout

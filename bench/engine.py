#!/usr/bin/python3
"""Engine benchmark (issue 13, check 4): `cell run`, `cell pull` and the monitor
against podman, skopeo + umoci, and the runtimes, all in one run.

1. start-up: sequential `cell run --rm --network none busybox true` against
   `podman run --rm --network none` of the same image (saved by `cell save`,
   `podman load`ed into a podman whose every piece of state is ours), podman
   with crun (its default runtime), runc and cell-oci; and against `cell-oci
   run` of an equivalent bundle (the config.json `cell create` generates, its
   resolv.conf/hostname/hosts, the image's layer copied as rootfs): what the
   engine adds above its runtime.  crun and runc of that bundle for reference.
   Timing: hyperfine --shell=none, interleaved rounds, medians.
2. pull: a >= 200 MB image in 6 gzip layers (random bytes and text files,
   made here with a fixed seed), pushed with skopeo to Debian's docker-registry
   started on 127.0.0.1: `cell pull` into an empty store against `skopeo copy
   docker://... oci:DIR` + `umoci unpack` into an empty directory, interleaved
   rounds, wall clock and CPU (user+system of the command and its children).
3. monitor: VmRSS and Pss (/proc/PID/smaps_rollup) of the monitor of a
   detached `cell run -d busybox sleep 1000`, against conmon's of a detached
   `podman run -d`.
4. ENGINE_PLOT=FILE.png: a plot of 1 and 2 (python3-matplotlib).

crun 1.8.1 refuses this host's hybrid cgroup layout (v1 plus a cgroup2 mount
at /sys/fs/cgroup/unified): everything that runs crun (crun itself, podman
with crun) runs inside one `unshare -m` with that mount unmounted, paid once
per batch of runs, not per run (as bench/startup.py does).

Environment: CELL_BINARY (build/cell; cell-oci is the link beside it),
ENGINE_RUNS (100: runs of each fast command), ENGINE_PODMAN_RUNS (30),
ENGINE_ROUNDS (5), ENGINE_WARMUP (2 per round), ENGINE_PULL_ROUNDS (3),
ENGINE_PULL_MB (216: the image's uncompressed size), ENGINE_PARTS
("start pull monitor"), ENGINE_PLOT (a PNG file to write), ENGINE_TMPFS
(1: everything, the stores of all the tools included, on a tmpfs mounted
for the run, which takes the host's filesystem out of the figures).
Run as root.  Leaves nothing behind: stores, podman's state, the registry and
its data live in one temporary directory, removed at the end.
"""

import gzip
import hashlib
import io
import json
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CELL = Path(os.environ.get("CELL_BINARY", REPO / "build" / "cell")).absolute()
CELL_OCI = CELL.parent / "cell-oci"
RUNS = int(os.environ.get("ENGINE_RUNS", "100"))
PODMAN_RUNS = int(os.environ.get("ENGINE_PODMAN_RUNS", "30"))
ROUNDS = int(os.environ.get("ENGINE_ROUNDS", "5"))
WARMUP = int(os.environ.get("ENGINE_WARMUP", "2"))
PULL_ROUNDS = int(os.environ.get("ENGINE_PULL_ROUNDS", "3"))
PULL_MB = int(os.environ.get("ENGINE_PULL_MB", "216"))
PARTS = os.environ.get("ENGINE_PARTS", "start pull monitor").split()
CRUN_WRAPPER = "umount /sys/fs/cgroup/unified 2>/dev/null; exec \"$@\""
IMAGE = "localhost/busybox:latest"


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def crun_wrap(argv):
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", CRUN_WRAPPER, "sh"] + argv


def run(argv, **kw):
    kw.setdefault("check", True)
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run([str(a) for a in argv], **kw)


# ---------------------------------------------------------------- start-up

class Podman:
    """podman with its own containers.conf, storage, run root and tmp dirs
    (as tests/integration/test_podman.py sets it up on this host)."""

    def __init__(self, top):
        self.top = top
        for d in ("graph", "run", "tmp", "vartmp", "networks", "volumes", "static"):
            (top / d).mkdir(parents=True)
        # podman asks for nofile and nproc at its defaults otherwise, which the
        # runtimes cannot raise past this session's hard limits.
        def hard(which, default):
            limit = resource.getrlimit(which)[1]
            return default if limit == resource.RLIM_INFINITY else min(limit, default)
        nofile = hard(resource.RLIMIT_NOFILE, 20000)
        nproc = hard(resource.RLIMIT_NPROC, 32768)  # as tests/integration/test_podman.py
        (top / "containers.conf").write_text(f"""\
[containers]
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]

[engine]
runtime = "crun"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{top}/events.log"
tmp_dir = "{top}/tmp"
volume_path = "{top}/volumes"
static_dir = "{top}/static"

[network]
network_backend = "cni"
network_config_dir = "{top}/networks"
""")
        (top / "storage.conf").write_text(
            f'[storage]\ndriver = "overlay"\ngraphroot = "{top}/graph"\nrunroot = "{top}/run"\n')
        (top / "registries.conf").write_text("unqualified-search-registries = []\n")
        self.env = dict(os.environ, CONTAINERS_CONF=str(top / "containers.conf"),
                        CONTAINERS_STORAGE_CONF=str(top / "storage.conf"),
                        CONTAINERS_REGISTRIES_CONF=str(top / "registries.conf"),
                        TMPDIR=str(top / "vartmp"))

    def argv(self, *args, runtime=None):
        base = ["podman", "--root", str(self.top / "graph"), "--runroot", str(self.top / "run"),
                "--tmpdir", str(self.top / "tmp"), "--storage-driver", "overlay"]
        if runtime:
            base += ["--runtime", str(runtime)]
        return base + [str(a) for a in args]

    def __call__(self, *args, runtime=None, **kw):
        argv = self.argv(*args, runtime=runtime)
        if runtime == "crun":
            argv = crun_wrap(argv)
        return run(argv, env=self.env, cwd=self.top, **kw)

    def destroy(self):
        for args in (("rm", "--all", "--force", "--time", "0"), ("rmi", "--all", "--force")):
            run(self.argv(*args), env=self.env, cwd=self.top, check=False,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open("/proc/self/mountinfo") as f:
            points = [line.split()[4] for line in f]
        for p in sorted((p for p in points if p.startswith(str(self.top) + "/")), key=len,
                        reverse=True):
            run(["umount", "-l", p], check=False)


def equivalent_bundle(cell, top):
    """The bundle `cell run` would hand its runtime: the config.json `cell
    create` generates, with its resolv.conf, hostname and hosts beside it,
    and the image's layer copied as a plain rootfs directory."""
    out = run(cell + ["create", "--network", "none", IMAGE, "true"], capture_output=True,
              text=True)
    cid = out.stdout.split()[-1]
    store = Path(cell[cell.index("--storage") + 1])
    cdir = store / "containers" / cid
    bundle = top / "bundle"
    bundle.mkdir()
    config = json.loads((cdir / "bundle" / "config.json").read_text())
    for m in config.get("mounts", []):
        src = m.get("source", "")
        if src.startswith(str(cdir) + "/"):
            name = Path(src).name
            shutil.copy2(src, bundle / name)
            m["source"] = str(bundle / name)
    # crun 1.8.1 knows no 1.3 configs; nothing in this one is newer than 1.0.
    config["ociVersion"] = "1.0.2"
    config["root"] = {"path": "rootfs", "readonly": config.get("root", {}).get("readonly", False)}
    config["linux"].pop("cgroupsPath", None)
    (bundle / "config.json").write_text(json.dumps(config, indent=1))
    images = json.loads((store / "images.json").read_text())["images"]
    image = next(i for i in images if IMAGE in i["names"])
    layers = [store / "layers" / "sha256" / l["diff_id"].split(":", 1)[1] / "diff"
              for l in image["layers"]]
    run(["cp", "-a", layers[0], bundle / "rootfs"])
    for layer in layers[1:]:
        run(["cp", "-a", f"{layer}/.", bundle / "rootfs"])
    run(cell + ["rm", cid], stdout=subprocess.DEVNULL)
    return bundle


def time_runs(argv, top, runs, env=None, cwd=None, crun=False):
    out = top / "hyperfine.json"
    cmd = " ".join(str(a) for a in argv)  # --shell=none splits on whitespace; paths have none
    hf = ["hyperfine", "--shell=none", "--style", "none", "--output", "null",
          "--warmup", str(WARMUP), "--runs", str(runs), "--export-json", str(out), cmd]
    run(crun_wrap(hf) if crun else hf, env=env, cwd=cwd, stderr=subprocess.DEVNULL)
    result = json.loads(out.read_text())["results"][0]
    if any(code != 0 for code in result.get("exit_codes", [])):
        raise RuntimeError("a run exited non-zero")
    cpu = (result["user"] + result["system"]) * 1000
    return [t * 1000 for t in result["times"]], cpu


def startup(top, cell):
    podman = Podman(top / "podman")
    try:
        run(cell + ["save", "--format", "oci-archive", "-o", top / "busybox.tar", IMAGE])
        podman("load", "-i", top / "busybox.tar", stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
        bundle = equivalent_bundle(cell, top)
        pid = os.getpid()
        prun = ("run", "--rm", "--network", "none", IMAGE, "true")
        configs = [
            # name, argv, runs, env/cwd, crun wrapper
            ("cell run", cell + ["run", "--rm", "--network", "none", "busybox", "true"],
             RUNS, None, False),
            ("cell-oci run", [CELL_OCI, "--root", top / "state-cell", "run", "--bundle", bundle,
                              f"bench-{pid}"], RUNS, None, False),
            ("crun run", ["crun", "--root", top / "state-crun", "run", "--bundle", bundle,
                          f"bench-{pid}"], RUNS, None, True),
            ("runc run", ["runc", "--root", top / "state-runc", "run", "--bundle", bundle,
                          f"bench-{pid}"], RUNS, None, False),
            ("podman run (crun)", podman.argv(*prun, runtime="crun"), PODMAN_RUNS, podman, True),
            ("podman run (runc)", podman.argv(*prun, runtime="runc"), PODMAN_RUNS, podman, False),
            ("podman run (cell-oci)", podman.argv(*prun, runtime=CELL_OCI), PODMAN_RUNS, podman,
             False),
        ]
        times = {c[0]: [] for c in configs}
        cpu = {c[0]: [] for c in configs}
        failed = {}
        for _ in range(ROUNDS):
            for name, argv, runs, pm, crun in configs:
                if name in failed:
                    continue
                try:
                    wall, used = time_runs(argv, top, max(1, runs // ROUNDS),
                                           env=pm.env if pm else None,
                                           cwd=pm.top if pm else None, crun=crun)
                    times[name] += wall
                    cpu[name].append(used)
                except (subprocess.CalledProcessError, RuntimeError) as e:
                    failed[name] = str(e)
        rows = [dict(name=n, n=len(times[n]), median=statistics.median(times[n]),
                     p90=percentile(times[n], 0.9), cpu=statistics.mean(cpu[n]))
                for n, *_ in configs if n not in failed]
        return rows, failed
    finally:
        podman.destroy()


def report_startup(rows, failed):
    print("\n## start-up: run --rm --network none of busybox `true`, sequential")
    print(f"{ROUNDS} interleaved rounds, +{WARMUP} warm-up per round; "
          "CPU = user+system of the command and all it waited for")
    print(f"{'command':24} {'runs':>5} {'median ms':>10} {'p90 ms':>8} {'CPU ms':>8}")
    for r in rows:
        print(f"{r['name']:24} {r['n']:5d} {r['median']:10.2f} {r['p90']:8.2f} {r['cpu']:8.2f}")
    for name, why in failed.items():
        print(f"{name:24} failed: {why}")
    by = {r["name"]: r for r in rows}
    cell = by.get("cell run")
    if not cell:
        return
    for other in ("podman run (crun)", "podman run (runc)", "podman run (cell-oci)"):
        if other in by:
            print(f"ratio cell run / {other}: median {cell['median'] / by[other]['median']:.3f}, "
                  f"CPU {cell['cpu'] / by[other]['cpu']:.3f}")
    if "cell-oci run" in by:
        oci = by["cell-oci run"]
        print(f"engine above its runtime (cell run - cell-oci run of the equivalent bundle): "
              f"median {cell['median'] - oci['median']:+.2f} ms, CPU {cell['cpu'] - oci['cpu']:+.2f} ms")


# ---------------------------------------------------------------- pull

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at "
         "which but have an they you were her she there been one all we their has would when if "
         "so no what up out more about into them can only other new some could time these two "
         "may then do first any my now such like our over man me even most made after also did "
         "container image layer registry manifest digest kernel namespace overlay mount cgroup "
         "process signal socket config runtime engine blob store pull push tag archive").split()


def text_blob(rng, size):
    words = rng.choices(WORDS, k=size // 5 + 16)
    lines = [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)]
    return ("\n".join(lines) + "\n").encode()[:size]


def layer_specs(total_mb):
    """(name, [(path, kind, size)]) per layer: 4 layers of random files, one
    of many small text files, one mixed.  kind: 'r' random, 't' text."""
    mb = 1 << 20
    rand_layer = total_mb * 19 // 100  # 4 x 19% random
    layers = []
    text = [(f"usr/share/doc/pkg{i // 100}/file{i}.txt", "t", 2048 + (i * 7919) % 14336)
            for i in range(3000)]
    layers.append(("text", text))
    for n in range(4):
        files, left, i = [], rand_layer * mb, 0
        while left > 0:
            size = min(left, (1 + (i * 5 + n) % 8) * mb)
            files.append((f"opt/data{n}/blob{i}.bin", "r", size))
            left -= size
            i += 1
        layers.append((f"random{n}", files))
    mixed = [(f"srv/mixed/part{i}.bin", "r", 2 * mb) for i in range(max(1, total_mb * 8 // 200))]
    mixed += [(f"etc/conf.d/c{i}.conf", "t", 512 + i % 4096) for i in range(2000)]
    layers.append(("mixed", mixed))
    return layers


def make_image(top, total_mb):
    """An OCI layout with one image of gzip layers; returns (layout, bytes uncompressed, compressed)."""
    rng = random.Random(13)
    layout = top / "image-layout"
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def put(data):
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return f"sha256:{digest}", len(data)

    layers, diff_ids, raw_total = [], [], 0
    for _, files in layer_specs(total_mb):
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            dirs = set()
            for path, kind, size in files:
                parts = path.split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    d = "/".join(parts[:i])
                    if d not in dirs:
                        dirs.add(d)
                        info = tarfile.TarInfo(d)
                        info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1700000000
                        tar.addfile(info)
                data = rng.randbytes(size) if kind == "r" else text_blob(rng, size)
                info = tarfile.TarInfo(path)
                info.size, info.mode, info.mtime = len(data), 0o644, 1700000000
                tar.addfile(info, io.BytesIO(data))
        raw_bytes = raw.getvalue()
        raw_total += len(raw_bytes)
        diff_ids.append("sha256:" + hashlib.sha256(raw_bytes).hexdigest())
        digest, size = put(gzip.compress(raw_bytes, compresslevel=6, mtime=0))
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": digest, "size": size})
    config = {"architecture": "amd64", "os": "linux", "created": "2026-12-07T00:00:00Z",
              "config": {"Cmd": ["/bin/sh"]},
              "rootfs": {"type": "layers", "diff_ids": diff_ids},
              "history": [{"created": "2026-12-07T00:00:00Z", "created_by": "bench/engine.py"}
                          for _ in layers]}
    cdigest, csize = put(json.dumps(config).encode())
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "digest": cdigest, "size": csize}, "layers": layers}
    mdigest, msize = put(json.dumps(manifest).encode())
    (layout / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (layout / "index.json").write_text(json.dumps({
        "schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest,
            "size": msize, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}))
    return layout, raw_total, sum(l["size"] for l in layers), len(layers)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_registry(top):
    port = free_port()
    conf = top / "registry.yml"
    conf.write_text(f"""\
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {top}/registry-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
""")
    log = open(top / "registry.log", "w")
    proc = subprocess.Popen(["docker-registry", "serve", str(conf)], stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1).read()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"docker-registry did not start: {(top / 'registry.log').read_text()}")


def timed(argv, **kw):
    """Wall clock and CPU (user+system of the command and its children) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    run(argv, stdout=subprocess.DEVNULL, **kw)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def tree_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def pull(top):
    layout, raw, packed, nlayers = make_image(top, PULL_MB)
    proc, port = start_registry(top)
    try:
        ref = f"127.0.0.1:{port}/bench/big:latest"
        run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", f"oci:{layout}:latest",
             f"docker://{ref}"])
        shutil.rmtree(layout)
        results = {"cell pull": [], "skopeo copy + umoci unpack": []}
        detail = {"skopeo copy": [], "umoci unpack": []}
        sizes = {}
        for rnd in range(PULL_ROUNDS):
            order = list(results) if rnd % 2 == 0 else list(reversed(results))
            for name in order:
                work = top / f"pull-{rnd}-{name.split()[0]}"
                work.mkdir()
                if name == "cell pull":
                    store = work / "store"
                    w, c = timed([CELL, "--storage", store, "--runroot", work / "run", "pull",
                                  "-q", "--tls-verify=false", ref])
                    results[name].append((w, c))
                    sizes[name] = tree_bytes(store / "layers")
                else:
                    w1, c1 = timed(["skopeo", "copy", "--quiet", "--src-tls-verify=false",
                                    f"docker://{ref}", f"oci:{work}/oci:latest"])
                    w2, c2 = timed(["umoci", "unpack", "--image", f"{work}/oci:latest",
                                    work / "bundle"], stderr=subprocess.DEVNULL)
                    detail["skopeo copy"].append((w1, c1))
                    detail["umoci unpack"].append((w2, c2))
                    results[name].append((w1 + w2, c1 + c2))
                    sizes[name] = tree_bytes(work / "bundle" / "rootfs")
                shutil.rmtree(work)
        return dict(raw=raw, packed=packed, layers=nlayers, results=results, detail=detail,
                    sizes=sizes)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def report_pull(p):
    mb = 1 << 20
    print(f"\n## pull + unpack, cold: {p['layers']} gzip layers, {p['raw'] / mb:.0f} MB of tar, "
          f"{p['packed'] / mb:.0f} MB compressed, from docker-registry on 127.0.0.1")
    print(f"{PULL_ROUNDS} interleaved rounds, each into an empty store / directory")
    print(f"{'command':28} {'median s':>9} {'min s':>7} {'CPU s':>7} {'MB/s':>7}")
    rows = list(p["results"].items()) + list(p["detail"].items())
    for name, rs in rows:
        walls = [w for w, _ in rs]
        med = statistics.median(walls)
        print(f"{name:28} {med:9.2f} {min(walls):7.2f} {statistics.median(c for _, c in rs):7.2f} "
              f"{p['packed'] / mb / med:7.1f}")
    for name, size in p["sizes"].items():
        print(f"unpacked by {name}: {size / mb:.1f} MB of file data")
    cell = statistics.median(w for w, _ in p["results"]["cell pull"])
    other = statistics.median(w for w, _ in p["results"]["skopeo copy + umoci unpack"])
    print(f"ratio (skopeo copy + umoci unpack) / cell pull: {other / cell:.2f}x "
          f"(cell is {other / cell:.2f} times as fast)")


# ---------------------------------------------------------------- monitor

def smaps_rollup(pid):
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] == "kB":
            out[parts[0].rstrip(":")] = int(parts[1])
    status = Path(f"/proc/{pid}/status").read_text()
    out["VmRSS"] = int(next(l.split()[1] for l in status.splitlines() if l.startswith("VmRSS:")))
    out["comm"] = Path(f"/proc/{pid}/comm").read_text().strip()
    return out


def monitor(top, cell):
    rows = {}
    cid = run(cell + ["run", "-d", "--network", "none", "busybox", "sleep", "1000"],
              capture_output=True, text=True).stdout.split()[-1]
    try:
        info = json.loads(run(cell + ["inspect", cid], capture_output=True, text=True).stdout)
        state = info[0]["State"] if isinstance(info, list) else info["State"]
        pid = state.get("MonitorPid") or state.get("monitor_pid")
        if not pid:
            record = json.loads((Path(cell[cell.index("--storage") + 1]) / "containers" / cid
                                 / "container.json").read_text())
            pid = record["state"]["monitor_pid"]
        time.sleep(0.5)
        rows["cell monitor"] = smaps_rollup(pid)
    finally:
        run(cell + ["rm", "-f", cid], stdout=subprocess.DEVNULL, check=False)
    podman = Podman(top / "podman-mon")
    try:
        run(cell + ["save", "--format", "oci-archive", "-o", top / "busybox-mon.tar", IMAGE])
        podman("load", "-i", top / "busybox-mon.tar", stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
        for runtime in ("crun", "runc"):
            try:
                pcid = podman("run", "-d", "--network", "none", IMAGE, "sleep", "1000",
                              runtime=runtime, capture_output=True, text=True).stdout.split()[-1]
                pid = int(podman("inspect", "--format", "{{.State.ConmonPid}}", pcid,
                                 capture_output=True, text=True).stdout.strip())
                time.sleep(0.5)
                rows[f"conmon (podman, {runtime})"] = smaps_rollup(pid)
                podman("rm", "-f", "-t", "0", pcid, runtime=runtime, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
            except (subprocess.CalledProcessError, ValueError, OSError) as e:
                rows[f"conmon (podman, {runtime})"] = {"error": str(e)}
    finally:
        podman.destroy()
    return rows


def report_monitor(rows):
    print("\n## monitor of a detached busybox `sleep 1000` (/proc/PID/status, smaps_rollup)")
    print(f"{'process':26} {'VmRSS KiB':>10} {'Pss KiB':>8} {'Private KiB':>12}")
    for name, r in rows.items():
        if "error" in r:
            print(f"{name:26} failed: {r['error']}")
            continue
        private = r.get("Private_Clean", 0) + r.get("Private_Dirty", 0)
        print(f"{name:26} {r['VmRSS']:10d} {r['Pss']:8d} {private:12d}   ({r['comm']})")


# ---------------------------------------------------------------- plot

def plot(path, start_rows, pull_result):
    try:
        import matplotlib
    except ImportError:
        print(f"\nno plot: matplotlib is missing for {sys.executable} "
              "(Debian's python3-matplotlib, scripts/install-deps.sh)", file=sys.stderr)
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = (1 if start_rows else 0) + (1 if pull_result else 0)
    if not panels:
        return True
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4), squeeze=False)
    ax_i = 0
    if start_rows:
        ax = axes[0][ax_i]
        ax_i += 1
        names = [r["name"] for r in start_rows]
        ax.barh(names, [r["median"] for r in start_rows],
                color=["tab:green" if n.startswith("cell") else "tab:gray" for n in names])
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel("median ms (log scale)")
        ax.set_title("run --rm --network none busybox true")
        for i, r in enumerate(start_rows):
            ax.text(r["median"], i, f" {r['median']:.1f}", va="center", fontsize=8)
    if pull_result:
        ax = axes[0][ax_i]
        rs = pull_result["results"]
        d = pull_result["detail"]
        cell = statistics.median(w for w, _ in rs["cell pull"])
        sk = statistics.median(w for w, _ in d["skopeo copy"])
        um = statistics.median(w for w, _ in d["umoci unpack"])
        ax.barh(["cell pull"], [cell], color="tab:green")
        ax.barh(["skopeo copy\n+ umoci unpack"], [sk], color="tab:gray", label="skopeo copy")
        ax.barh(["skopeo copy\n+ umoci unpack"], [um], left=[sk], color="silver",
                label="umoci unpack")
        ax.invert_yaxis()
        ax.legend(fontsize=8)
        ax.set_xlabel("median s, cold")
        ax.set_title(f"pull + unpack, {pull_result['raw'] / (1 << 20):.0f} MB in "
                     f"{pull_result['layers']} layers")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"\nplot: {path}")
    return True


# Host paths podman or a runtime creates whatever its configuration says: the
# image blob info cache, cell-oci's default state root (podman 4.3 passes no
# --root to the runtime's delete).  Removed at the end if this run made them.
HOST_SIDE_EFFECTS = [Path("/var/lib/containers/cache"), Path("/var/lib/containers"),
                     Path("/run/cell-oci")]


def podman_cgroup_parents():
    """podman's cgroupfs parent in every hierarchy (made at its first container)."""
    return set(Path("/sys/fs/cgroup").glob("*/libpod_parent"))


def remove_cgroup_tree(path):
    """rmdir a cgroup and its children, deepest first (only empty ones go)."""
    dirs = sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: len(p.parts),
                  reverse=True)
    for d in dirs + [path]:
        try:
            d.rmdir()
        except OSError:
            pass


def main():
    if os.geteuid() != 0:
        sys.exit("bench/engine.py: run as root")
    if not CELL.exists():
        sys.exit(f"{CELL}: no such binary (build it, or set CELL_BINARY)")
    top = Path(tempfile.mkdtemp(prefix="cell-bench-engine-"))
    if os.environ.get("ENGINE_TMPFS") == "1":
        run(["mount", "-t", "tmpfs", "-o", "mode=0700", "cell-bench", top])
    cell = [str(CELL), "--storage", str(top / "store"), "--runroot", str(top / "runroot")]
    start_rows = pull_result = None
    ok = True
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    where = "a tmpfs" if os.environ.get("ENGINE_TMPFS") == "1" else "the host's filesystem"
    print(f"cell: {CELL}; everything under {top}, on {where}; load average at start {load}")
    existed = {p: p.exists() for p in HOST_SIDE_EFFECTS}
    cgroup_parents = podman_cgroup_parents()
    try:
        # The built-in busybox image, made by the first lookup.
        run(cell + ["run", "--rm", "--network", "none", "busybox", "true"])
        if "start" in PARTS:
            start_rows, failed = startup(top, cell)
            report_startup(start_rows, failed)
            ok = ok and not failed
        if "pull" in PARTS:
            pull_result = pull(top)
            report_pull(pull_result)
        if "monitor" in PARTS:
            report_monitor(monitor(top, cell))
        if os.environ.get("ENGINE_PLOT"):
            ok = plot(os.environ["ENGINE_PLOT"], start_rows, pull_result) and ok
    finally:
        with open("/proc/self/mountinfo") as f:
            points = [line.split()[4] for line in f]
        for p in sorted((p for p in points if p == str(top) or p.startswith(str(top) + "/")),
                        key=len, reverse=True):
            run(["umount", "-l", p], check=False)
        shutil.rmtree(top, ignore_errors=True)
        for p in HOST_SIDE_EFFECTS:
            if not existed[p]:
                shutil.rmtree(p, ignore_errors=True)
        for parent in podman_cgroup_parents() - cgroup_parents:
            remove_cgroup_tree(parent)
    print(f"load average at end {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    return 0 if ok else 1


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())

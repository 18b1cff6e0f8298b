#!/usr/bin/python3
"""Page faults of `cell-oci run` of /bin/true, by section of cell's binary.

What linking the engine's libraries into cell may cost the runtime path is
pages: a static non-PIE binary has no relocations to apply, and no library
constructor runs (README.md, "How the engine's libraries are linked"), so
what remains is how many pages of text, read-only data, data and bss the
runtime's processes touch, ~1.8 us each here (bench/hostcost.sh).  Far less
noisy than timing on a loaded machine.

For each binary given (default build/cell-oci): BENCH_RUNS runs (default 20)
under `perf record -e page-faults -d`, then the faults of cell's own
processes (comm cell-oci, up to the container's exec) are attributed to the
ELF section holding the address; the mean per run, per section.

    bench/pagefaults.py [CELL_OCI...]
    bench/pagefaults.py /other/build/cell-oci build/cell-oci   # before, after

Each path is run as given, never with its symlink resolved (the name
cell-oci selects the runtime's command line).  Run as root.
"""

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "20"))


def sections(binary):
    """(name, start, size) of every allocated section of the ELF file."""
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True,
                         check=True).stdout
    found = []
    for line in out.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if m and int(m.group(2), 16):
            found.append((m.group(1), int(m.group(2), 16), int(m.group(3), 16)))
    return found


def make_bundle(top):
    bundle = top / "bundle"
    bundle.mkdir()
    subprocess.run(["bash", str(REPO / "scripts" / "mkrootfs.sh"), str(bundle / "rootfs")],
                   check=True)
    subprocess.run(["runc", "spec"], cwd=bundle, check=True)
    config = json.loads((bundle / "config.json").read_text())
    config["process"]["terminal"] = False
    config["process"]["args"] = ["/bin/true"]
    (bundle / "config.json").write_text(json.dumps(config))
    return bundle


def faults(path, top, bundle):
    name = os.path.basename(path)[:15]  # comm
    secs = sections(os.path.realpath(path))
    counts = collections.Counter()
    data = top / "perf.data"
    for i in range(RUNS):
        subprocess.run(["perf", "record", "-q", "-e", "page-faults", "-c", "1", "-d",
                        "-o", str(data), path, "--root", str(top / "state"),
                        "--cgroup-manager=disabled", "run", "--bundle", str(bundle),
                        f"pf-{os.getpid()}-{i}"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        out = subprocess.run(["perf", "script", "-i", str(data), "-F", "comm,addr"],
                             capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            fields = line.split()
            if len(fields) != 2 or fields[0] != name:
                continue
            addr = int(fields[1], 16)
            where = "stack, heap, mappings"
            for sec, start, size in secs:
                if start <= addr < start + max(size, 1):
                    where = sec
            counts[where] += 1
    return counts


def main():
    if os.geteuid() != 0:
        sys.exit("bench/pagefaults.py: run as root")
    for tool in ("perf", "runc", "readelf"):
        if not shutil.which(tool):
            sys.exit(f"bench/pagefaults.py: {tool} is missing (scripts/install-deps.sh)")
    binaries = [os.path.abspath(p) for p in sys.argv[1:]] or \
        [str(REPO / "build" / "cell-oci")]
    top = Path(tempfile.mkdtemp(prefix="cell-pagefaults-"))
    try:
        bundle = make_bundle(top)
        for path in binaries:
            counts = faults(path, top, bundle)
            total = sum(counts.values()) / RUNS
            parts = ", ".join(f"{sec} {n / RUNS:.1f}" for sec, n in sorted(counts.items()))
            print(f"{path}: {total:.1f} page faults per run ({parts})")
    finally:
        shutil.rmtree(top, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

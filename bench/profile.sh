#!/usr/bin/env bash
# Where does the time of one `cell-oci run` of /bin/true go?
#   1. strace -c -f: syscall counts and time, all processes of one run
#   2. strace -f -T: the slowest individual syscalls of one run (blocking included)
#   3. perf stat -r N: wall clock vs CPU time (the gap is waiting: clone, exec, wait)
#   4. perf record -g over N runs: hottest user and kernel functions (on-CPU)
# Env: CELL_BINARY (default build/cell-oci), PROFILE_RUNS (default 100),
# CELL_FLAGS (global flags, e.g. "--cgroup-manager=disabled"). Run as root.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cell=${CELL_BINARY:-$repo/build/cell-oci}
runs=${PROFILE_RUNS:-100}
read -r -a flags <<<"${CELL_FLAGS:-}"

top=$(mktemp -d /tmp/cell-profile-XXXXXX)
trap 'rm -rf "$top"' EXIT
bash "$repo/scripts/mkrootfs.sh" "$top/bundle/rootfs"
(cd "$top/bundle" && runc spec)
/usr/bin/python3 - "$top/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(sys.argv[1], "w"), indent=2)
PY
run=("$cell" --root "$top/state" "${flags[@]}" run --bundle "$top/bundle" "profile-$$")

echo "### strace -c -f (one run)"
strace -c -f -S time -o "$top/strace-c.txt" "${run[@]}"
head -n 30 "$top/strace-c.txt"

echo
echo "### slowest syscalls of one run (strace -f -T)"
strace -f -T -o "$top/strace-T.txt" "${run[@]}"
/usr/bin/python3 - "$top/strace-T.txt" <<'PY'
import re, sys
rows = []
for line in open(sys.argv[1]):
    m = re.search(r"<(\d+\.\d+)>\s*$", line)
    if m:
        rows.append((float(m.group(1)), line.strip()))
total = sum(t for t, _ in rows)
print(f"{len(rows)} syscalls, {total * 1000:.2f} ms inside syscalls (all processes)")
for t, line in sorted(rows, reverse=True)[:15]:
    print(f"{t * 1000:8.3f} ms  {line[:150]}")
PY

echo
echo "### perf stat -r $runs"
perf stat -r "$runs" -e task-clock,context-switches,cpu-migrations,page-faults \
	-- "${run[@]}" 2>&1 | sed -n '/Performance counter/,$p'

echo
echo "### perf record -g, $runs runs: top symbols (on-CPU samples, all processes)"
perf record -q -F 20000 -g -o "$top/perf.data" -- \
	sh -c 'i=0; while [ $i -lt '"$runs"' ]; do "$@" || exit 1; i=$((i+1)); done' sh "${run[@]}" \
	2>/dev/null
perf report -i "$top/perf.data" --stdio --no-children -g none --sort comm,dso,sym \
	>"$top/perf.txt" 2>/dev/null
grep -E '^ +[0-9]' "$top/perf.txt" | head -n 30 || true
echo
echo "### on-CPU samples by process and object"
perf report -i "$top/perf.data" --stdio --no-children -g none --sort comm,dso \
	>"$top/perf-dso.txt" 2>/dev/null
grep -E '^ +[0-9]' "$top/perf-dso.txt" | head -n 12 || true

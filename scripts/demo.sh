#!/usr/bin/env bash
# demo.sh: install dependencies, build cell, install it, and run a container
# from the built-in busybox image (made from Debian's busybox-static by cell
# itself: no download).  Run as root from anywhere in the repo.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

bash scripts/install-deps.sh
# Static against musl: scripts/musl-deps.sh builds json-c, libseccomp, libcap
# and the engine's libraries for it from Debian's source packages (once).
bash scripts/musl-deps.sh
bash scripts/setup-build.sh build --native-file "$repo/.deps/musl/native.ini"
out=$(ninja -C build 2>&1) || { echo "$out" >&2; echo "demo: build failed" >&2; exit 1; }
echo "demo: built $repo/build/cell ($(build/cell --version | head -n1))"
# /usr/local/bin/cell, cell-oci (the runtime, for podman/containerd), cell-monitor,
# cell-init, the man pages and the bash completion.
out=$(meson install -C build --no-rebuild 2>&1) || { echo "$out" >&2; echo "demo: install failed" >&2; exit 1; }
echo "demo: installed $(command -v cell)"

# The first use of `busybox` makes the built-in image localhost/busybox:latest
# in the store (/var/lib/cell).
echo "demo: build/cell run --rm busybox sh -c 'echo hello from cell; uname -a; id'"
status=0
build/cell run --rm --hostname cell-demo busybox sh -c 'echo hello from cell; uname -a; id' </dev/null || status=$?
echo "demo: container exited with status $status"
exit "$status"

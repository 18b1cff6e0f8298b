#!/usr/bin/env bash
# Start-up benchmark of cell against crun and runc (see bench/README.md).
# Builds build/cell if needed, then runs bench/startup.py. Run as root.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
if [[ -z ${CELL_BINARY:-} ]]; then
	[[ -f build/build.ninja ]] || meson setup build >/dev/null
	out=$(ninja -C build cell 2>&1) || { echo "$out" >&2; exit 1; }
fi
exec /usr/bin/python3 bench/startup.py "$@"

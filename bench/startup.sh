#!/usr/bin/env bash
# Start-up benchmark of cell against crun and runc (see bench/README.md).
# Builds build/cell and build/cell-oci as scripts/demo.sh does if needed, then
# runs bench/startup.py against build/cell-oci.
# Run as root.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
if [[ -z ${CELL_BINARY:-} ]]; then
	# The build scripts/demo.sh and the tests use: static against musl.
	bash scripts/musl-deps.sh >/dev/null
	bash scripts/setup-build.sh build --native-file "$repo/.deps/musl/native.ini"
	out=$(ninja -C build cell cell-oci 2>&1) || { echo "$out" >&2; exit 1; }
fi
exec /usr/bin/python3 bench/startup.py "$@"

#!/usr/bin/env bash
# Engine benchmark (see bench/README.md, "Engine"): `cell run` against podman and
# cell-oci, `cell pull` against skopeo + umoci, the monitor's RSS against conmon's,
# all in one run, as ratios.  Builds build/cell as scripts/demo.sh does (static,
# musl) unless CELL_BINARY is set; when that build fails it says why and measures
# a glibc build in build-glibc/ instead.  Run as root.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
if [[ -z ${CELL_BINARY:-} ]]; then
	export CELL_BINARY=$repo/build/cell
	bash scripts/musl-deps.sh >/dev/null
	bash scripts/setup-build.sh build --native-file "$repo/.deps/musl/native.ini"
	if ! out=$(ninja -C build cell 2>&1); then
		echo "engine.sh: the static musl build fails; measuring a glibc build instead:" >&2
		grep -E 'error:' <<<"$out" | sort -u | head -n 5 >&2 || true
		bash scripts/setup-build.sh build-glibc -Dstatic=false
		out=$(ninja -C build-glibc cell 2>&1) || { echo "$out" >&2; exit 1; }
		export CELL_BINARY=$repo/build-glibc/cell
	fi
fi
echo "== bench/hostcost.sh"
bash bench/hostcost.sh
echo
exec /usr/bin/python3 bench/engine.py "$@"

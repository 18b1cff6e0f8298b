#!/usr/bin/env bash
# demo.sh: install dependencies, build cell, and run one container from a bundle
# made out of Debian's busybox-static. Run as root from anywhere in the repo.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

bash scripts/install-deps.sh
# Static against musl: scripts/musl-deps.sh builds json-c, libseccomp and libcap
# for it from Debian's source packages (once; ~15 s).
bash scripts/musl-deps.sh
bash scripts/setup-build.sh build --native-file "$repo/.deps/musl/native.ini"
out=$(ninja -C build cell 2>&1) || { echo "$out" >&2; echo "demo: build failed" >&2; exit 1; }
echo "demo: built $repo/build/cell ($(build/cell --version | head -n1))"

bundle=$repo/build/demo-bundle
rm -rf "$bundle"
mkdir -p "$bundle"
bash scripts/mkrootfs.sh "$bundle/rootfs"
(cd "$bundle" && "$repo/build/cell" spec)
/usr/bin/python3 - "$bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
with open(path) as f:
    config = json.load(f)
config["process"]["terminal"] = False
config["process"]["args"] = ["sh", "-c", "echo hello from cell; uname -a; id"]
config["hostname"] = "cell-demo"
with open(path, "w") as f:
    json.dump(config, f, indent=2)
PY

id=demo-$$
# If anything goes wrong, leave no container state behind (delete --force of an
# unknown id succeeds).
trap 'build/cell delete --force "$id" >/dev/null 2>&1 || true' EXIT
echo "demo: cell run --bundle $bundle $id"
status=0
build/cell run --bundle "$bundle" "$id" </dev/null || status=$?
echo "demo: container exited with status $status"
exit "$status"

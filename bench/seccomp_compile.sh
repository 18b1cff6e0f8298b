#!/usr/bin/env bash
# Cost of linux.seccomp on the create path (see bench/seccomp_compile.c):
# podman's default profile, with x86_64+x86+x32 (what podman passes) and
# native-only.  Builds bench/seccomp_compile against the build tree's
# libcell.a.  Run as root; leaves nothing behind.
#   sudo bench/seccomp_compile.sh            # 200 runs per figure
#   sudo BENCH_RUNS=1000 bench/seccomp_compile.sh
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# A glibc build of its own: the program is linked with the host's cc and
# json-c, which the static musl build/ cannot be mixed with.
build=${CELL_BUILD_DIR:-$repo/build-bench}
bash "$repo/scripts/setup-build.sh" "$build" -Dstatic=false
if ! out=$(ninja -C "$build" libcell.a 2>&1); then
	echo "$out" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
cc -std=gnu11 -O2 -D_GNU_SOURCE -I"$repo/src" $(pkg-config --cflags json-c) \
	"$repo/bench/seccomp_compile.c" "$build/libcell.a" \
	$(pkg-config --libs --static json-c libseccomp libcap) -o "$tmp/seccomp_compile"
profile=${SECCOMP_PROFILE:-/usr/share/containers/seccomp.json}
/usr/bin/python3 "$repo/bench/seccomp_profile.py" "$profile" >"$tmp/all.json"
/usr/bin/python3 "$repo/bench/seccomp_profile.py" "$profile" --native-only >"$tmp/native.json"
echo "== $profile, x86_64 + x86 + x32"
"$tmp/seccomp_compile" "$tmp/all.json" "${BENCH_RUNS:-200}"
echo "== $profile, x86_64 only"
"$tmp/seccomp_compile" "$tmp/native.json" "${BENCH_RUNS:-200}"

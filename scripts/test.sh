#!/usr/bin/env bash
# test.sh: the whole test suite, from a fresh Debian 12 machine (run as root).
#   1. install dependencies (scripts/install-deps.sh)
#   2. build into build/ and run every pytest test (unit, integration, podman)
#   3. build into build-asan/ with ASan+UBSan and run the suite again against it
#      (skip with CELL_SKIP_ASAN=1)
#   4. static analysis, tests/static/check.sh (skip with CELL_SKIP_STATIC=1)
#   5. every fuzz target for CELL_FUZZ_SECONDS (default 30) each, after replaying
#      its corpus, tests/fuzz/run.sh (skip with CELL_SKIP_FUZZ=1)
# Passes 4 and 5 count as one test each.
# Ends with one line "N passed, M failed, K skipped" summed over both passes and
# exits non-zero if any test failed, any pass errored or a pass ran no test.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 1
PYTHON=/usr/bin/python3
PASS_TIMEOUT=${CELL_PASS_TIMEOUT:-2400}

if [[ $(id -u) -ne 0 ]]; then
	echo "test.sh: must run as root" >&2
	exit 1
fi

bash scripts/install-deps.sh || { echo "test.sh: installing dependencies failed" >&2; exit 1; }

total_passed=0 total_failed=0 total_skipped=0 broken=0

# The micro-VM tests boot cell's own guest kernel: build it (cached in
# .deps/guest-kernel; a few minutes the first time on two cores).
echo "=== guest kernel (scripts/guest-kernel.sh)"
bash scripts/guest-kernel.sh >/dev/null || { echo "test.sh: guest kernel build failed" >&2; broken=1; }

# build DIR [meson options...]: configure once (scripts/setup-build.sh), then
# build every target.
build() {
	local dir=$1
	shift
	bash scripts/setup-build.sh "$dir" "$@" || return 1
	ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { cat "$dir.ninja.log" >&2; return 1; }
}

# count WORD LINE: the number before WORD in pytest's closing line, or 0.
count() {
	local n
	n=$(grep -oE "[0-9]+ $1" <<<"$2" | head -n1 | cut -d' ' -f1)
	echo "${n:-0}"
}

# run_pass NAME BUILD_DIR [VAR=VALUE...]: run pytest against BUILD_DIR's
# cell-oci (the runtime CLI: tests/integration) and cell (the engine: tests/engine).
run_pass() {
	local name=$1 dir=$2
	shift 2
	local log
	log=$(mktemp /tmp/cell-test-XXXXXX.log)
	local start=$SECONDS
	echo "=== pass '$name': $dir/cell-oci, $dir/cell"
	# In a network namespace of its own, lo up (127.0.0.1 registries still work): the
	# suite's containers get bridge networks by default and must never touch the
	# machine's own links, addresses or nft tables.
	env CELL_BINARY="$repo/$dir/cell-oci" CELL_ENGINE="$repo/$dir/cell" CELL_BUILD_DIR="$repo/$dir" "$@" \
		unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh \
		timeout -k 30 "$PASS_TIMEOUT" "$PYTHON" -m pytest -q -rfEs -p no:cacheprovider tests/ \
		</dev/null 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	echo "pass '$name': $((SECONDS - start)) s"
	local last
	last=$(grep -E '(passed|failed|skipped|error|errors|no tests ran).* in [0-9.]+s' "$log" | tail -n1)
	rm -f "$log"
	local passed failed skipped errors
	passed=$(count passed "$last")
	failed=$(count failed "$last")
	skipped=$(count skipped "$last")
	errors=$(count error "$last")
	((total_passed += passed, total_failed += failed + errors, total_skipped += skipped))
	case $rc in
	0) ;;
	1) echo "pass '$name': tests failed" ;;
	5) echo "pass '$name': pytest collected no tests"; broken=1 ;;
	124 | 137) echo "pass '$name': timed out after ${PASS_TIMEOUT}s"; broken=1 ;;
	*) echo "pass '$name': pytest exited with status $rc"; broken=1 ;;
	esac
	if ((rc == 0 && passed == 0)); then
		echo "pass '$name': no test passed"
		broken=1
	fi
}

# run_script NAME SCRIPT [ARGS...]: a pass that is one script, counted as one test.
run_script() {
	local name=$1 script=$2
	shift 2
	[[ -f $script ]] || return 0
	echo "=== pass '$name': $script $*"
	local start=$SECONDS
	if timeout -k 30 "$PASS_TIMEOUT" bash "$script" "$@" </dev/null; then
		((total_passed += 1))
	else
		echo "pass '$name': failed"
		((total_failed += 1))
	fi
	echo "pass '$name': $((SECONDS - start)) s"
}

# The normal build is static against musl (scripts/musl-deps.sh says why); the
# sanitizer, fuzz and clang builds use the system's glibc and libraries.
if bash scripts/musl-deps.sh && build build --native-file "$repo/.deps/musl/native.ini"; then
	run_pass normal build
else
	echo "test.sh: build failed"
	broken=1
fi

if [[ ${CELL_SKIP_ASAN:-0} != 1 ]]; then
	if build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dstatic=false; then
		# The sanitizer build has no static probe: use the normal build's.
		run_pass asan+ubsan build-asan CELL_PROBE="$repo/build/cell-probe" \
			ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	else
		echo "test.sh: ASan+UBSan build failed"
		broken=1
	fi
fi

[[ ${CELL_SKIP_STATIC:-0} == 1 ]] || run_script static tests/static/check.sh
[[ ${CELL_SKIP_FUZZ:-0} == 1 ]] || run_script fuzz tests/fuzz/run.sh "${CELL_FUZZ_SECONDS:-30}"

echo "test.sh: $SECONDS s in all"
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
((total_failed == 0 && broken == 0))

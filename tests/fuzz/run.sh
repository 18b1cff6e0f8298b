#!/usr/bin/env bash
# run.sh: build the libFuzzer targets of tests/fuzz/ and fuzz each for a
# bounded time.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60; 0 only replays the committed corpus
# (a regression run).  TARGET is e.g. "spec" for fuzz_spec.c; default: all.
# Builds with clang into $FUZZ_BUILD_DIR (default <repo>/build-fuzz,
# configured with -Dfuzz=true on first use).  Each target runs on a scratch
# copy of corpus/<target>/, so the committed corpus is never modified; up to
# $FUZZ_JOBS targets (default: the number of CPUs) run at once, each on one
# core, with TMPDIR in the scratch directory.  Prints per target: executions, inputs that added coverage, edges
# covered, crashes.  A crash (or leak, timeout, OOM) leaves its input in
# $FUZZ_BUILD_DIR/fuzz-artifacts/ and makes the script exit 1; reproduce with
#   $FUZZ_BUILD_DIR/tests/fuzz/fuzz_<target> <artifact>
# and, once fixed, commit the input as corpus/<target>/regress-<what>.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-60}
shift $(($# > 0 ? 1 : 0))
build=${FUZZ_BUILD_DIR:-$repo/build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}

if ! [[ $seconds =~ ^[0-9]+$ ]]; then
	echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2
	exit 2
fi

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
	for f in "$repo"/tests/fuzz/fuzz_*.c; do
		f=${f##*/fuzz_}
		targets+=("${f%.c}")
	done
fi

if [[ ! -f $build/build.ninja ]]; then
	if ! out=$(CC=clang meson setup -Dfuzz=true -Dstatic=false "$build" "$repo" 2>&1); then
		echo "$out" >&2
		exit 1
	fi
fi
if ! out=$(ninja -C "$build" "${targets[@]/#/tests/fuzz/fuzz_}" 2>&1); then
	echo "$out" >&2
	echo "run.sh: build failed (is $build configured with CC=clang -Dfuzz=true?)" >&2
	exit 1
fi

scratch=$(mktemp -d /tmp/cell-fuzz-XXXXXX)
# On any exit, stop the fuzzers still running before removing their files:
# with job control (set -m) each target runs in a process group of its own.
set -m
cleanup() {
	local pid
	for pid in $(jobs -p); do
		kill -- -"$pid" 2>/dev/null
	done
	wait
	rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"

# fuzz TARGET: run one target; its output goes to $scratch/TARGET.log.
fuzz() {
	local t=$1 corpus=$scratch/$1
	mkdir -p "$corpus"
	cp -r "$repo/tests/fuzz/corpus/$t/." "$corpus/"
	local mode=(-runs=0)
	[[ $seconds -gt 0 ]] && mode=(-max_total_time="$seconds")
	# -timeout: one input taking 10 s is a bug (a hang), reported like a crash
	TMPDIR=$scratch "$build/tests/fuzz/fuzz_$t" "${mode[@]}" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$t-" "$corpus" >"$scratch/$t.log" 2>&1
	echo $? >"$scratch/$t.rc"
}

# field LOG REGEX: the number captured by the last match of REGEX in LOG.
field() {
	sed -nE "s/$2/\1/p" "$1" | tail -n1
}

running=0
for t in "${targets[@]}"; do
	if [[ $running -ge $jobs ]]; then
		wait -n
		running=$((running - 1))
	fi
	fuzz "$t" &
	running=$((running + 1))
done
wait

failed=0
total_execs=0
for t in "${targets[@]}"; do
	log=$scratch/$t.log rc=$(cat "$scratch/$t.rc" 2>/dev/null || echo 1)
	execs=$(field "$log" '^stat::number_of_executed_units:[[:space:]]+([0-9]+)')
	added=$(field "$log" '^stat::new_units_added:[[:space:]]+([0-9]+)')
	cov0=$(field "$log" '^#[0-9]+.*INITED cov: ([0-9]+).*')
	cov1=$(field "$log" '^#[0-9]+.* cov: ([0-9]+) .*')
	crashes=$(grep -cE '^artifact_prefix=.*Test unit written to' "$log")
	printf '%-13s %9s execs in %ss, %4s new inputs, coverage %s -> %s edges, crashes %s\n' \
		"$t" "${execs:-?}" "$seconds" "${added:-?}" "${cov0:-?}" "${cov1:-?}" "$crashes"
	total_execs=$((total_execs + ${execs:-0}))
	if [[ $rc -ne 0 || $crashes -ne 0 ]]; then
		failed=1
		echo "--- $t exited $rc; last lines of its log:"
		grep -E 'ERROR|FUZZ_ASSERT|SUMMARY|Test unit written|runtime error' "$log" | head -n 20
		tail -n 5 "$log"
	fi
done
echo "fuzz: ${#targets[@]} targets, $total_execs inputs tried, $([[ $failed -eq 0 ]] && echo 0 || echo '>0') crashes"
exit "$failed"

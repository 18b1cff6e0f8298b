#!/usr/bin/env bash
# check.sh: static analysis of src/ (issue 5).
#   1. cppcheck (Debian's 2.10) over src/, against the committed baseline
#      tests/static/cppcheck-suppressions.xml: any finding fails.
#   2. a -Werror build of everything with clang (the project's default
#      werror=true), runtime and engine, into $CLANG_BUILD_DIR (default
#      <repo>/build-clang), dynamic against glibc and Debian's libraries (a
#      static build is a musl one); the gcc -Werror build is the normal build
#      of scripts/test.sh.
# Prints the findings and exits 1 when either step finds anything.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${CLANG_BUILD_DIR:-$repo/build-clang}
cd "$repo" || exit 1
failed=0

# __CPPCHECK__: cppcheck 2.10 does not define it; src/util/cleanup.h uses it
# to show cppcheck what the cleanup attribute hides.  The -D set is the one
# configuration cell is built for.
echo "== cppcheck $(cppcheck --version | cut -d' ' -f2) over src/"
start=$SECONDS
# Any output is a finding: cppcheck 2.10 prints some findings without
# setting --error-exitcode.  No -j: with it, 2.10 ignores <symbolName> in
# suppressions without a file (and src/ takes seconds anyway).
out=$(cppcheck --enable=warning,style,performance,portability --std=c11 \
	-D__CPPCHECK__ -D__linux__ -D__x86_64__ -D_GNU_SOURCE -Isrc \
	--inline-suppr --suppress-xml=tests/static/cppcheck-suppressions.xml \
	--error-exitcode=1 --quiet \
	--template='{file}:{line}: {severity} ({id}): {message}' src/ 2>&1)
rc=$?
if [[ $rc -ne 0 || -n $out ]]; then
	echo "$out"
	echo "cppcheck: findings above (fix them; only false positives go into" \
		"tests/static/cppcheck-suppressions.xml)"
	failed=1
else
	echo "cppcheck: 0 findings ($((SECONDS - start)) s)"
fi

echo "== clang -Werror build in $build"
start=$SECONDS
# setup-build.sh configures afresh a directory set up with other options.
if ! CC=clang bash scripts/setup-build.sh "$build" -Dwerror=true -Dstatic=false; then
	echo "clang build: meson setup failed"
	exit 1
fi
if ! out=$(ninja -C "$build" 2>&1) || grep -q 'warning:' <<<"$out"; then
	grep -E 'error:|warning:|FAILED' <<<"$out" | sort -u
	echo "clang build: failed"
	failed=1
else
	echo "clang build: 0 warnings ($((SECONDS - start)) s)"
fi
exit "$failed"

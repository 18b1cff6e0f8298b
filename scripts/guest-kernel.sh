#!/usr/bin/env bash
# Build cell's guest kernel for micro-VM isolation (issue 15) and print its path.
#
# Source: Debian's linux-source-6.1 package (/usr/src/linux-source-6.1.tar.xz).
# Configuration: `make tinyconfig` plus the project's fragment src/vm/guest-kernel.config.
# Output: an uncompressed PVH-bootable vmlinux, cached in
#   .deps/guest-kernel/<hash of package version + fragment + this script>/vmlinux
# with .deps/guest-kernel/current -> that directory, so a second run is instant and the
# VM driver finds the kernel of the build tree (src/vm/paths.c).
#
# Usage: scripts/guest-kernel.sh [--print-hash]
# Environment: JOBS (default 2), CELL_DEPS_DIR (default <repo>/.deps), NICE (default 10).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
deps=${CELL_DEPS_DIR:-$repo/.deps}
fragment=$repo/src/vm/guest-kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${JOBS:-2}
nice_level=${NICE:-10}

die() { echo "guest-kernel: $*" >&2; exit 1; }

[[ -r $tarball ]] || die "$tarball not found: install Debian's linux-source-6.1 (scripts/install-deps.sh)"
version=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
	die "linux-source-6.1 is not installed (scripts/install-deps.sh)"
# What the kernel depends on: the source, the fragment and the recipe (bump recipe when the
# build steps below change what comes out; editing this script otherwise keeps the cache).
recipe=1
hash=$( { echo "linux-source-6.1 $version recipe $recipe"; cat "$fragment"; } | sha256sum | cut -c1-16)
if [[ ${1:-} == --print-hash ]]; then echo "$hash"; exit 0; fi

top=$deps/guest-kernel
out=$top/$hash
mkdir -p "$top"
if [[ -s $out/vmlinux ]]; then
	ln -sfn "$hash" "$top/current"
	echo "$out/vmlinux"
	exit 0
fi

# One build at a time: a second caller waits, then finds the kernel cached.
exec 9>"$top/lock"
flock 9
if [[ -s $out/vmlinux ]]; then
	ln -sfn "$hash" "$top/current"
	echo "$out/vmlinux"
	exit 0
fi

for tool in make gcc flex bison bc perl; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh)"
done

start=$(date +%s)
src=$top/src-$version
if [[ ! -f $src/.unpacked ]]; then
	echo "guest-kernel: unpacking $tarball" >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xJf "$tarball"
	touch "$src.tmp/.unpacked"
	mv "$src.tmp" "$src"
fi

# One object tree for every configuration: kbuild tracks which objects each CONFIG_
# symbol touches, so a changed fragment rebuilds only what it changes.
build=$top/build
rm -rf "$out.tmp"
mkdir -p "$build"
trap 'rm -rf "$out.tmp"' EXIT
mk() { nice -n "$nice_level" make -s -C "$src" O="$build" ARCH=x86_64 "$@"; }

echo "guest-kernel: configuring (tinyconfig + ${fragment#"$repo"/})" >&2
mk tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "$fragment" >/dev/null
mk olddefconfig >/dev/null

# Every symbol of the fragment must have survived Kconfig's dependency resolution.
bad=0
while IFS= read -r line; do
	[[ $line =~ ^(CONFIG_[A-Z0-9_]+)=(.*)$ ]] || continue
	sym=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
	if [[ $want == n ]]; then
		grep -q "^$sym=" "$build/.config" && { echo "guest-kernel: $sym should be off" >&2; bad=1; }
	else
		grep -qx "$sym=$want" "$build/.config" ||
			{ echo "guest-kernel: $sym=$want requested, .config has: $(grep "^$sym=\|# $sym is" "$build/.config" || echo nothing)" >&2; bad=1; }
	fi
done <"$fragment"
((bad == 0)) || die "the fragment does not apply to linux-source $version (see above)"

echo "guest-kernel: building vmlinux with -j$jobs (nice $nice_level)" >&2
mk -j"$jobs" vmlinux

mkdir -p "$out.tmp"
cp "$build/vmlinux" "$out.tmp/vmlinux"
cp "$build/.config" "$out.tmp/config"
echo "linux-source-6.1 $version" >"$out.tmp/source"
rm -rf "$out"
mv "$out.tmp" "$out"
ln -sfn "$hash" "$top/current"
# Kernels of older fragments go: only the current one is ever looked up.
for old in "$top"/????????????????; do
	if [[ -d $old && ${old##*/} != "$hash" ]]; then rm -rf "$old"; fi
done
echo "guest-kernel: built in $(($(date +%s) - start)) s" >&2
echo "$out/vmlinux"

#!/usr/bin/env bash
# musl-deps.sh: build json-c, libseccomp and libcap as static musl libraries, from
# Debian 12's own source packages (with Debian's patches), into .deps/musl, and
# write .deps/musl/native.ini, a Meson native file that builds cell with musl-gcc
# against them.
#
# Why: every glibc process start on these VMs costs ~0.6 ms more than a musl one
# (glibc's start-up runs cpuid in loops to size the caches, and each cpuid traps
# to the hypervisor). `cell run` starts cell once per container, so a static musl
# cell starts containers ~0.6 ms sooner. See bench/README.md.
#
# The sources come from Debian's archive through apt (its signed indices check
# every file), with a private source list and cache under .deps: the host's apt
# configuration is not touched. Idempotent: does nothing when the stamp matches.
# Needs musl-tools, dpkg-dev, cmake, make and the kernel headers
# (scripts/install-deps.sh installs them).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps=$repo/.deps/musl
prefix=$deps/prefix
# Source packages, at whatever version Debian 12 (with its updates and security
# fixes) carries when they are fetched: the archive keeps only the current
# one, so a pinned version would stop building at the next point release.
# The versions used are recorded in .deps/musl/versions. Changing this list or
# the version tag below rebuilds everything.
sources=(json-c libseccomp libcap2)
stamp="${sources[*]} v3"

if [[ -f $deps/stamp && $(cat "$deps/stamp") == "$stamp" && -f $deps/native.ini ]]; then
	exit 0
fi
for tool in musl-gcc dpkg-source cmake make; do
	command -v "$tool" >/dev/null || { echo "musl-deps: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

rm -rf "$deps"
mkdir -p "$deps/apt/lists/partial" "$deps/apt/cache/archives/partial" "$deps/apt/sources.list.d" \
	"$deps/src" "$prefix/include" "$prefix/lib/pkgconfig"
log=$deps/build.log
: >"$log"
trap 'echo "musl-deps: failed; the last lines of $log:" >&2; tail -n 30 "$log" >&2' ERR

# 1. Sources, through apt with a private list (deb-src of bookworm and its updates).
cat >"$deps/apt/sources.list.d/debian-src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$deps/apt/sources.list.d"
	-o "Dir::State::Lists=$deps/apt/lists" -o "Dir::Cache=$deps/apt/cache"
	-o APT::Sandbox::User=root -o Debug::NoLocking=1)
echo "musl-deps: fetching ${sources[*]} (Debian source packages)"
apt-get "${apt_opts[@]}" -qq update >>"$log" 2>&1
(cd "$deps/src" && apt-get "${apt_opts[@]}" -qq source --download-only "${sources[@]}") >>"$log" 2>&1
for dsc in "$deps"/src/*.dsc; do
	(cd "$deps/src" && dpkg-source --no-check -x "$dsc") >>"$log" 2>&1
	basename "$dsc" .dsc >>"$deps/versions"
done

# 2. Kernel uapi headers for musl-gcc, which searches only musl's own include dir.
mkdir -p "$deps/include"
for dir in linux asm-generic mtd; do
	ln -sfn "/usr/include/$dir" "$deps/include/$dir"
done
ln -sfn /usr/include/x86_64-linux-gnu/asm "$deps/include/asm"

export CC=musl-gcc
cflags="-O2 -fPIE -isystem $deps/include -D_GNU_SOURCE"

# 3. json-c (CMake).  Without uselocale/setlocale: json-c would switch to the
# "C" locale around every parse (duplocale + newlocale, which set up musl's
# internal allocator for one allocation), and musl's strtod and printf never
# depend on the locale; cell never calls setlocale.
echo "musl-deps: building json-c"
src=$(echo "$deps"/src/json-c-*/)
cmake -S "$src" -B "$deps/build-json-c" -DCMAKE_BUILD_TYPE=Release \
	-DCMAKE_C_FLAGS="$cflags" -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
	-DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF -DBUILD_APPS=OFF \
	-DDISABLE_WERROR=ON -DHAVE_USELOCALE=OFF -DHAVE_SETLOCALE=OFF >>"$log" 2>&1
make -C "$deps/build-json-c" -j"$(nproc)" install >>"$log" 2>&1

# 4. libseccomp (autotools; the release tarball carries configure and the gperf output).
echo "musl-deps: building libseccomp"
src=$(echo "$deps"/src/libseccomp-*/)
mkdir -p "$deps/build-seccomp"
(cd "$deps/build-seccomp" && CFLAGS="$cflags" "$src/configure" --prefix="$prefix" --libdir="$prefix/lib" \
	--enable-static --disable-shared --disable-python) >>"$log" 2>&1
make -C "$deps/build-seccomp/src" -j"$(nproc)" install >>"$log" 2>&1
make -C "$deps/build-seccomp/include" install >>"$log" 2>&1
make -C "$deps/build-seccomp" install-pkgconfDATA >>"$log" 2>&1

# 5. libcap (plain make; its cap_names.h generator runs on the build host with gcc).
echo "musl-deps: building libcap"
src=$(echo "$deps"/src/libcap2-*/)
make -C "$src/libcap" CC=musl-gcc BUILD_CC=gcc CFLAGS="$cflags" SHARED=no PTHREADS=no GOLANG=no \
	PAM_CAP=no USE_GPERF=no prefix="$prefix" lib=lib DESTDIR= -j"$(nproc)" install-static-cap >>"$log" 2>&1
for pc in json-c libseccomp libcap; do
	[[ -f $prefix/lib/pkgconfig/$pc.pc ]] || { echo "musl-deps: $pc.pc was not installed" >&2; exit 1; }
done

# 6. The Meson native file.
cat >"$deps/native.ini" <<EOF
# Written by scripts/musl-deps.sh: build cell statically against musl.
[binaries]
c = 'musl-gcc'

[built-in options]
c_args = ['-isystem', '$deps/include']
pkg_config_path = '$prefix/lib/pkgconfig'
EOF
rm -rf "$deps/apt" "$deps"/build-*
echo "$stamp" >"$deps/stamp"
trap - ERR
echo "musl-deps: done ($prefix)"

#!/usr/bin/env bash
# musl-deps.sh: build json-c, libseccomp and libcap (the runtime's libraries) and
# zlib, libzstd, mbedtls, OpenSSL's libcrypto, libcurl and libarchive (the
# engine's) as static musl libraries, from Debian 12's own source packages (with
# Debian's patches), into .deps/musl, and write .deps/musl/native.ini, a Meson
# native file that builds cell with musl-gcc against them.
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
# Source packages, at the newest version Debian 12 (with its updates and security
# fixes) carries that the mirror serves: the archive keeps only the current ones,
# so a pinned version would stop building at the next point release, and a
# mirror may lag behind its own index (a 404 on the newest), so older versions
# the index lists are tried in turn.  The versions used are recorded in
# .deps/musl/versions. Changing this list or the version tag below rebuilds
# everything.
sources=(json-c libseccomp libcap2 zlib libzstd mbedtls openssl curl libarchive)
stamp="${sources[*]} v5"

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

# fetch PKG: download the newest version of source package PKG that the mirror
# serves, trying every version its index lists, newest first.
fetch() {
	local pkg=$1 v versions=() sorted=() i
	while read -r v; do
		versions+=("$v")
	done < <(apt-cache "${apt_opts[@]}" showsrc "$pkg" 2>>"$log" |
		awk -v p="$pkg" '/^Package:/ { ok = ($2 == p) } ok && /^Version:/ { print $2 }' | sort -u)
	# Insertion sort, newest first, in dpkg's version order.
	for v in "${versions[@]}"; do
		for ((i = ${#sorted[@]}; i > 0; i--)); do
			dpkg --compare-versions "$v" gt "${sorted[i - 1]}" || break
			sorted[i]=${sorted[i - 1]}
		done
		sorted[i]=$v
	done
	for v in "${sorted[@]}"; do
		if (cd "$deps/src" && apt-get "${apt_opts[@]}" -qq source --download-only "$pkg=$v") >>"$log" 2>&1; then
			echo "$pkg $v" >>"$deps/versions"
			return 0
		fi
		echo "musl-deps: $pkg $v is not served; trying an older one" >>"$log"
	done
	echo "musl-deps: no version of source package $pkg could be downloaded (${sorted[*]:-none listed})" >&2
	return 1
}
for pkg in "${sources[@]}"; do
	fetch "$pkg"
done
for dsc in "$deps"/src/*.dsc; do
	(cd "$deps/src" && dpkg-source --no-check -x "$dsc") >>"$log" 2>&1
done

# 2. Kernel uapi headers for musl-gcc, which searches only musl's own include dir.
mkdir -p "$deps/include"
for dir in linux asm-generic mtd; do
	ln -sfn "/usr/include/$dir" "$deps/include/$dir"
done
ln -sfn /usr/include/x86_64-linux-gnu/asm "$deps/include/asm"

export CC=musl-gcc
# Every function and object in a section of its own, so that the link's
# --gc-sections drops what cell never calls (README.md, "How the engine's
# libraries are linked").  Two jobs: the machines building this have two cores.
jobs=2
libcflags="-O2 -fPIE -ffunction-sections -fdata-sections -isystem $deps/include"
cflags="$libcflags -D_GNU_SOURCE"

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
make -C "$deps/build-json-c" -j"$jobs" install >>"$log" 2>&1

# 4. libseccomp (autotools; the release tarball carries configure and the gperf output).
echo "musl-deps: building libseccomp"
src=$(echo "$deps"/src/libseccomp-*/)
mkdir -p "$deps/build-seccomp"
(cd "$deps/build-seccomp" && CFLAGS="$cflags" "$src/configure" --prefix="$prefix" --libdir="$prefix/lib" \
	--enable-static --disable-shared --disable-python) >>"$log" 2>&1
make -C "$deps/build-seccomp/src" -j"$jobs" install >>"$log" 2>&1
make -C "$deps/build-seccomp/include" install >>"$log" 2>&1
make -C "$deps/build-seccomp" install-pkgconfDATA >>"$log" 2>&1

# 5. libcap (plain make; its cap_names.h generator runs on the build host with gcc).
echo "musl-deps: building libcap"
src=$(echo "$deps"/src/libcap2-*/)
make -C "$src/libcap" CC=musl-gcc BUILD_CC=gcc CFLAGS="$cflags" SHARED=no PTHREADS=no GOLANG=no \
	PAM_CAP=no USE_GPERF=no prefix="$prefix" lib=lib DESTDIR= -j"$jobs" install-static-cap >>"$log" 2>&1

# The engine's libraries.  Each configure finds the ones built before it
# through this prefix's pkg-config files only, never the host's glibc ones.
# curl and libarchive build without -D_GNU_SOURCE (their configure sets what
# they need): under it musl's <sched.h> declares calloc and free, which
# curl's curl_memory.h has already made macros.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig PKG_CONFIG_LIBDIR=$prefix/lib/pkgconfig
autoconf_env=(CFLAGS="$libcflags" CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib")

# 6. zlib (its own configure script).
echo "musl-deps: building zlib"
src=$(echo "$deps"/src/zlib-*/)
mkdir -p "$deps/build-zlib"
(cd "$deps/build-zlib" && CFLAGS="$libcflags" "$src/configure" --static --prefix="$prefix" \
	--libdir="$prefix/lib") >>"$log" 2>&1
make -C "$deps/build-zlib" -j"$jobs" install >>"$log" 2>&1

# 7. libzstd, the library only (plain make), without the legacy (< 0.8) formats.
echo "musl-deps: building libzstd"
src=$(echo "$deps"/src/libzstd-*/)
zstd_make=(CC=musl-gcc CFLAGS="$libcflags" ZSTD_LEGACY_SUPPORT=0 PREFIX="$prefix" LIBDIR="$prefix/lib")
make -C "$src/lib" -j"$jobs" "${zstd_make[@]}" libzstd.a >>"$log" 2>&1
make -C "$src/lib" "${zstd_make[@]}" install-static install-includes install-pc >>"$log" 2>&1

# 8. mbedtls (CMake): curl's TLS.  Debian's configuration is upstream's default.
echo "musl-deps: building mbedtls"
src=$(echo "$deps"/src/mbedtls-*/)
cmake -S "$src" -B "$deps/build-mbedtls" -DCMAKE_BUILD_TYPE=Release \
	-DCMAKE_C_FLAGS="$libcflags" -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
	-DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF -DMBEDTLS_FATAL_WARNINGS=OFF \
	-DUSE_STATIC_MBEDTLS_LIBRARY=ON -DUSE_SHARED_MBEDTLS_LIBRARY=OFF >>"$log" 2>&1
make -C "$deps/build-mbedtls" -j"$jobs" install >>"$log" 2>&1

# 8b. OpenSSL's libcrypto, the library only: the image store's sha256
# (src/image/digest.c), whose x86_64 assembly uses the SHA extensions.  Only
# what a digest needs (no-bulk drops most algorithms, no TLS, no sockets, no
# engines, no loadable modules, no config file, no async: musl has no
# makecontext); about two minutes with two jobs.  The assembly's .init
# section calls OPENSSL_cpuid_setup (cpuid, which traps to the hypervisor) at
# every start of the program, the runtime path's too: dropped, as libcrypto
# calls it itself when it initialises (crypto/init.c, ossl_init_base) before
# its first digest.
echo "musl-deps: building libcrypto (OpenSSL)"
src=$(echo "$deps"/src/openssl-*/)
sed -i '/^\.section\t\.init$/{N;/\tcall\tOPENSSL_cpuid_setup$/d}' "$src/crypto/x86_64cpuid.pl"
! grep -q 'call.*OPENSSL_cpuid_setup' "$src/crypto/x86_64cpuid.pl" ||
	{ echo "musl-deps: OpenSSL's x86_64cpuid.pl still calls OPENSSL_cpuid_setup from .init" >&2; exit 1; }
mkdir -p "$deps/build-openssl"
(cd "$deps/build-openssl" && "$src/Configure" linux-x86_64 --prefix="$prefix" --libdir=lib \
	--openssldir=/nonexistent no-shared no-tests no-module no-engine no-async no-dso no-bulk \
	no-deprecated no-legacy no-autoload-config no-atexit no-ssl no-tls no-dtls no-sock \
	no-ui-console no-stdio CC=musl-gcc CFLAGS="$libcflags") >>"$log" 2>&1
make -C "$deps/build-openssl" -j"$jobs" build_generated libcrypto.a libcrypto.pc >>"$log" 2>&1
mkdir -p "$prefix/include/openssl"
cp "$src"/include/openssl/*.h "$deps"/build-openssl/include/openssl/*.h "$prefix/include/openssl/"
cp "$deps/build-openssl/libcrypto.a" "$prefix/lib/"
cp "$deps/build-openssl/libcrypto.pc" "$prefix/lib/pkgconfig/"

# 9. libcurl (autotools, the release's configure): HTTP and HTTPS only, TLS by
# mbedtls with Debian's CA bundle, gzip/deflate content encoding by zlib, the
# threaded resolver (a name lookup that can time out).  Debian's last two
# patches rename the library for its GnuTLS and NSS builds: undone.
echo "musl-deps: building libcurl"
src=$(echo "$deps"/src/curl-*/)
(cd "$src" && for p in 99_nss 90_gnutls; do
	if grep -qx "$p.patch" debian/patches/series; then patch -R -p1 -s <"debian/patches/$p.patch"; fi
done) >>"$log" 2>&1
mkdir -p "$deps/build-curl"
(cd "$deps/build-curl" && env "${autoconf_env[@]}" "$src/configure" --prefix="$prefix" --libdir="$prefix/lib" \
	--disable-shared --enable-static --disable-dependency-tracking \
	--with-mbedtls="$prefix" --with-zlib="$prefix" --enable-threaded-resolver \
	--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --without-ca-path --without-ca-fallback \
	--without-zstd --without-brotli --without-nghttp2 --without-libidn2 --without-libpsl \
	--without-libssh2 --without-librtmp --without-libgsasl --without-hyper --without-gssapi \
	--disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
	--disable-pop3 --disable-imap --disable-smtp --disable-gopher --disable-mqtt --disable-ftp \
	--disable-file --disable-smb --disable-manual --disable-ntlm --disable-ntlm-wb \
	--disable-kerberos-auth --disable-negotiate-auth --disable-alt-svc --disable-hsts \
	--disable-netrc) >>"$log" 2>&1
make -C "$deps/build-curl/lib" -j"$jobs" install >>"$log" 2>&1
make -C "$deps/build-curl/include" install >>"$log" 2>&1
make -C "$deps/build-curl" install-pkgconfigDATA >>"$log" 2>&1

# 10. libarchive (autotools, the release's configure; maintainer mode off, as
# no autotools are installed): tar and its compressions by zlib and libzstd,
# Linux xattrs (security.capability, trusted.overlay.*); no ACLs, no crypto,
# no XML, no other compressors, no command-line tools.
echo "musl-deps: building libarchive"
src=$(echo "$deps"/src/libarchive-*/)
mkdir -p "$deps/build-libarchive"
(cd "$deps/build-libarchive" && env "${autoconf_env[@]}" "$src/configure" --prefix="$prefix" \
	--libdir="$prefix/lib" --disable-shared --enable-static --disable-dependency-tracking \
	--disable-maintainer-mode --disable-bsdtar --disable-bsdcat --disable-bsdcpio --disable-bsdunzip \
	--disable-acl --enable-xattr --with-zlib --with-zstd --without-bz2lib --without-libb2 \
	--without-iconv --without-lz4 --without-lzma --without-lzo2 --without-cng --without-mbedtls \
	--without-nettle --without-openssl --without-xml2 --without-expat) >>"$log" 2>&1
make -C "$deps/build-libarchive" -j"$jobs" libarchive.la >>"$log" 2>&1
make -C "$deps/build-libarchive" install-libLTLIBRARIES install-includeHEADERS install-pkgconfigDATA >>"$log" 2>&1
grep -q '^#define ARCHIVE_XATTR_LINUX 1' "$deps/build-libarchive/config.h" ||
	{ echo "musl-deps: libarchive was configured without Linux xattr support" >&2; exit 1; }

for pc in json-c libseccomp libcap zlib libzstd libcrypto libcurl libarchive; do
	[[ -f $prefix/lib/pkgconfig/$pc.pc ]] || { echo "musl-deps: $pc.pc was not installed" >&2; exit 1; }
done
rm -f "$prefix"/lib/*.la

# 11. The Meson native file.
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

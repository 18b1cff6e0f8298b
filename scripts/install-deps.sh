#!/usr/bin/env bash
# Install every Debian 12 package that building cell, its tests (unit, integration,
# ASan/UBSan pass, podman), the demo and the benchmarks need.
# Idempotent and quiet: when everything is installed already it only runs dpkg-query.
set -euo pipefail

PACKAGES=(
	# build
	meson ninja-build pkg-config gcc clang clang-format libc6-dev
	# static musl build (scripts/musl-deps.sh): compiler, source unpacking, dependency builds
	musl-tools dpkg-dev cmake make gperf linux-libc-dev
	libjson-c-dev libseccomp-dev libcap-dev
	# the engine's libraries (glibc builds: ASan+UBSan, clang, fuzz) and the CA bundle libcurl uses
	libcurl4-openssl-dev libarchive-dev zlib1g-dev libzstd-dev ca-certificates
	# container rootfs for demo, tests and benchmarks
	busybox-static
	# tests
	python3 python3-pytest util-linux bsdutils procps iproute2 uidmap
	# engine tests: a local registry, image tools, certificates and htpasswd for it
	docker-registry skopeo umoci openssl apache2-utils
	# podman integration test and reference runtimes
	podman conmon runc crun
	# static analysis, fuzzing (libFuzzer runtime, llvm-symbolizer), memcheck
	cppcheck clang-tidy libclang-rt-14-dev llvm-14 valgrind
	# benchmarks and profiling
	hyperfine strace time linux-perf
	python3-matplotlib
	# the image store's sha256 (OpenSSL's libcrypto, glibc builds) and the layer tests' zstd command
	libssl-dev zstd
	# micro-VM isolation (src/vm): QEMU, the guest kernel's source and its build (scripts/guest-kernel.sh), bench/vm.sh's initramfs
	qemu-system-x86 linux-source-6.1 flex bison bc libelf-dev xz-utils cpio
	# cell bench isolation's test: the HTML report opened in a headless browser
	chromium
	python3-pil
	# networking helper cell-net (src/net): netlink and nftables libraries, and nft for its tests
	libmnl-dev
	libnftables-dev
	nftables
	containernetworking-plugins
	netavark
	iperf3
)

# One dpkg-query for all: "name status" per known package (architecture
# qualifiers such as :amd64 stripped); anything not listed as installed is missing.
declare -A installed=()
while read -r name status; do
	[[ $status == installed ]] && installed[${name%%:*}]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for pkg in "${PACKAGES[@]}"; do
	[[ -n ${installed[$pkg]:-} ]] || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
	SUDO=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"

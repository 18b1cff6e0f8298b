#!/usr/bin/env bash
# What this host charges per system call and per page fault (bench/hostcost.c):
# the context for comparing figures taken on different VMs.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d /tmp/cell-hostcost-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -Wall -o "$tmp/hostcost" "$repo/bench/hostcost.c"
echo "host: $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
"$tmp/hostcost"

#!/usr/bin/env bash
# mkrootfs.sh DIR: fill DIR with a minimal root filesystem made from Debian's
# busybox-static (no download): /bin/busybox, one symlink per applet at the path
# busybox itself reports, the usual mount points and a tiny /etc.
set -euo pipefail

dir=${1:?usage: mkrootfs.sh DIR}
busybox=${BUSYBOX:-/bin/busybox}
[[ -x $busybox ]] || { echo "mkrootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }

mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,run,var/tmp}
chmod 1777 "$dir/tmp" "$dir/var/tmp"
install -m 0755 "$busybox" "$dir/bin/busybox"
while read -r applet; do
	[[ $applet == bin/busybox ]] && continue
	ln -sfn /bin/busybox "$dir/$applet"
done < <("$busybox" --list-full)
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
: >"$dir/etc/hostname"
: >"$dir/etc/hosts"
: >"$dir/etc/resolv.conf"

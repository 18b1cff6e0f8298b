#!/usr/bin/env bash
# setup-build.sh DIR [MESON OPTIONS...]: configure DIR with meson once; a DIR
# configured earlier with other options (a glibc build/ from before the musl one,
# say) is configured afresh.  Used by demo.sh and test.sh.
set -euo pipefail
dir=$1
shift
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
want="$*"
if [[ -f $dir/build.ninja && $(cat "$dir/.cell-setup" 2>/dev/null) != "$want" ]]; then
	rm -rf "$dir"
fi
if [[ ! -f $dir/build.ninja ]]; then
	mkdir -p "$(dirname "$dir")"
	meson setup "$dir" "$repo" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log" >&2; exit 1; }
	echo "$want" >"$dir/.cell-setup"
fi

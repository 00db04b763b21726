#!/usr/bin/env bash
# install-test-clients.sh — install the real PostgreSQL clients that test/clients_test.go drives
# against pgdynamo: pgjdbc (Metabase's driver), psycopg2 and node-postgres. lib/pq and pgx are Go
# modules and come with `go test`. Idempotent: a machine that has everything is left alone.
#
#   Debian packages   libpostgresql-jdbc-java (/usr/share/java/postgresql.jar), python3-psycopg2
#                     (for /usr/bin/python3), openjdk-17-jdk-headless when javac is missing
#                     (default-jdk-headless on releases without openjdk-17).
#   npm package       pg, pinned with its dependencies by test/clients/node/package-lock.json,
#                     installed by `npm ci` into a cache outside the repository:
#                     ${PGDYNAMO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgdynamo}/node/node_modules
#
# Usage:
#   scripts/install-test-clients.sh             install what is missing (root or passwordless sudo for apt-get)
#   scripts/install-test-clients.sh node-path   print the node_modules directory to use as NODE_PATH
#                                               (installs nothing)
#   scripts/install-test-clients.sh check       exit 1, naming what is missing, unless every client is in place
set -euo pipefail

readonly JDBC_JAR=/usr/share/java/postgresql.jar
readonly DEBIAN_PYTHON=/usr/bin/python3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly HERE
readonly NODE_PIN=$HERE/test/clients/node

die() {
	printf 'install-test-clients.sh: %s\n' "$*" >&2
	exit 1
}

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

node_dir() { printf '%s/node\n' "$(cache_root)"; }

# pinned_pg_version prints the version of pg that the lock file pins.
pinned_pg_version() {
	node -e 'console.log(require(process.argv[1]).packages["node_modules/pg"].version)' "$NODE_PIN/package-lock.json"
}

# node_ok: the cache holds the pinned pg, installed from the current lock file.
node_ok() {
	local dir
	dir=$(node_dir)
	command -v node >/dev/null 2>&1 || return 1
	[[ -f $dir/node_modules/pg/package.json && -f $dir/package-lock.json ]] || return 1
	cmp -s "$dir/package-lock.json" "$NODE_PIN/package-lock.json" || return 1
	[[ $(node -e 'console.log(require(process.argv[1]).version)' "$dir/node_modules/pg/package.json") == "$(pinned_pg_version)" ]]
}

python_ok() { [[ -x $DEBIAN_PYTHON ]] && "$DEBIAN_PYTHON" -c 'import psycopg2' >/dev/null 2>&1; }

missing_debs() {
	local need=()
	[[ -f $JDBC_JAR ]] || need+=(libpostgresql-jdbc-java)
	python_ok || need+=(python3-psycopg2)
	if ! command -v javac >/dev/null 2>&1; then
		if apt-cache show openjdk-17-jdk-headless >/dev/null 2>&1; then
			need+=(openjdk-17-jdk-headless)
		else
			need+=(default-jdk-headless)
		fi
	fi
	command -v node >/dev/null 2>&1 || need+=(nodejs)
	command -v npm >/dev/null 2>&1 || need+=(npm)
	((${#need[@]} == 0)) || printf '%s\n' "${need[@]}"
}

install_debs() {
	local need
	mapfile -t need < <(missing_debs)
	((${#need[@]} > 0)) || return 0
	local sudo=()
	if [[ $(id -u) -ne 0 ]]; then
		command -v sudo >/dev/null 2>&1 || die "not root and no sudo: install ${need[*]} by hand"
		sudo=(sudo -n)
	fi
	echo "install-test-clients.sh: apt-get install ${need[*]}" >&2
	"${sudo[@]}" apt-get update -q
	# The JDK name may only resolve after the update.
	mapfile -t need < <(missing_debs)
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${need[@]}"
	[[ -f $JDBC_JAR ]] || die "libpostgresql-jdbc-java installed no $JDBC_JAR"
	python_ok || die "$DEBIAN_PYTHON cannot import psycopg2 after installing python3-psycopg2"
	command -v javac >/dev/null 2>&1 || die "javac still missing after installing a JDK"
}

install_node() {
	node_ok && return 0
	command -v npm >/dev/null 2>&1 || die "npm not found"
	local dir tmp
	dir=$(node_dir)
	mkdir -p "$(dirname "$dir")"
	# Install beside the cache and publish with one rename, so a half-done
	# install is never mistaken for a good one.
	tmp=$(mktemp -d "$(dirname "$dir")/.node.XXXXXX")
	# shellcheck disable=SC2064 # expand $tmp now: it is local.
	trap "rm -rf '$tmp'" EXIT
	cp "$NODE_PIN/package.json" "$NODE_PIN/package-lock.json" "$tmp/"
	echo "install-test-clients.sh: npm ci pg@$(pinned_pg_version) into $dir" >&2
	(cd "$tmp" && npm ci --silent --no-audit --no-fund --ignore-scripts >&2) ||
		die "npm ci failed in $tmp (is the npm registry reachable?)"
	rm -rf "$dir"
	mv -T "$tmp" "$dir"
	trap - EXIT
	node_ok || die "pg is not usable from $dir/node_modules after npm ci"
}

check() {
	local bad=()
	[[ -f $JDBC_JAR ]] || bad+=("pgjdbc ($JDBC_JAR)")
	command -v javac >/dev/null 2>&1 || bad+=("javac")
	command -v java >/dev/null 2>&1 || bad+=("java")
	python_ok || bad+=("psycopg2 for $DEBIAN_PYTHON")
	node_ok || bad+=("node-postgres in $(node_dir)/node_modules")
	if ((${#bad[@]} > 0)); then
		die "missing: ${bad[*]}; run scripts/install-test-clients.sh"
	fi
	local jdbc=
	if command -v unzip >/dev/null 2>&1; then
		jdbc=" $(unzip -p "$JDBC_JAR" META-INF/MANIFEST.MF | sed -n 's/^Implementation-Version: *//p' | tr -d '\r')"
	fi
	echo "install-test-clients.sh: pgjdbc$jdbc, $(javac -version 2>&1), psycopg2 $("$DEBIAN_PYTHON" -c 'import psycopg2; print(psycopg2.__version__.split()[0])'), node pg $(pinned_pg_version)"
}

cmd=${1:-install}
case $cmd in
install)
	install_debs
	install_node
	check
	;;
node-path) printf '%s/node_modules\n' "$(node_dir)" ;;
check) check ;;
-h | --help | help) usage ;;
*) die "unknown command '$cmd' (want install, node-path or check)" ;;
esac

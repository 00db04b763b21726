#!/usr/bin/env bash
# deps.sh — install or fetch everything `make test` (or `make demo`) uses, so that either runs on a
# fresh Debian/Ubuntu machine that has Go. Idempotent: a machine that has everything is left alone,
# in well under a second.
#
#   System packages   apt-get install, when run as root (or in CI, CI=true, with passwordless sudo).
#                     Otherwise nothing is installed: the script lists what is missing with the one
#                     apt-get command that installs it, and exits 1.
#     test: make gcc g++ (cgo: DuckDB, the PostgreSQL parser) ca-certificates tar, a JDK (java for
#           DynamoDB Local, javac for the pgjdbc client test), postgresql (the server the differential
#           tests compare with; a private cluster is started per test run, no service is needed),
#           postgresql-client (psql), nodejs npm, libpostgresql-jdbc-java (pgjdbc),
#           python3-psycopg2, python3-psycopg (psycopg 3), python3-sqlalchemy, python3-pandas
#           (for /usr/bin/python3)
#     demo: make gcc g++ ca-certificates tar, a Java runtime, postgresql-client, nodejs npm
#   Cache             outside the repository, in
#                     ${PGDYNAMO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgdynamo}:
#     test: node/node_modules (npm pg, pinned by test/clients/node/package-lock.json, `npm ci`),
#           dynamodb-local/ (scripts/dynamodb-local.sh fetch)
#     demo: dynamodb-local/
#   Go modules come with the go command itself.
#
# Usage:
#   scripts/deps.sh [install] [test|demo]   install and fetch what is missing (default: test)
#   scripts/deps.sh check [test|demo]       install nothing; exit 1, naming what is missing
#   scripts/deps.sh node-path               print the node_modules directory to use as NODE_PATH
set -euo pipefail

readonly JDBC_JAR=/usr/share/java/postgresql.jar
readonly DEBIAN_PYTHON=/usr/bin/python3
readonly CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
readonly NODE_PIN=$ROOT/test/clients/node

die() {
	printf 'deps.sh: %s\n' "$*" >&2
	exit 1
}
say() { printf 'deps.sh: %s\n' "$*" >&2; }

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

have() { command -v "$1" >/dev/null 2>&1; }

# pg_server_ok: initdb and postgres where internal/pgtest looks for them.
pg_server_ok() {
	local d
	if have pg_config; then
		d=$(pg_config --bindir 2>/dev/null) || d=
		[[ -n $d && -x $d/initdb && -x $d/postgres ]] && return 0
	fi
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x $d/initdb && -x $d/postgres ]] && return 0
	done
	return 1
}

# python_has MODULE: Debian's python3 finds MODULE (found, not imported: pandas takes a second to import).
python_has() {
	[[ -x $DEBIAN_PYTHON ]] &&
		"$DEBIAN_PYTHON" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec(sys.argv[1]) is None)' "$1" >/dev/null 2>&1
}

# java_pkg jre|jdk: the Debian package for a Java 17+ runtime or JDK. Debian 12 and Ubuntu 22.04+
# have openjdk-17; later Debian releases replace it with a newer default. Before `apt-get update`
# on a fresh container apt knows no package; the default-* names resolve on every release.
java_pkg() {
	if apt-cache show "openjdk-17-$1-headless" >/dev/null 2>&1; then
		printf 'openjdk-17-%s-headless\n' "$1"
	else
		printf 'default-%s-headless\n' "$1"
	fi
}

# missing PROFILE prints one line per missing requirement: "what<TAB>debian-package".
missing() {
	local profile=$1
	have make || printf 'make\tmake\n'
	have gcc || printf 'gcc (cgo)\tgcc\n'
	have g++ || printf 'g++ (cgo: DuckDB is C++)\tg++\n'
	have tar || printf 'tar\ttar\n'
	[[ -f $CA_BUNDLE ]] || printf 'CA certificates (%s)\tca-certificates\n' "$CA_BUNDLE"
	have psql || printf 'psql\tpostgresql-client\n'
	have node || printf 'node\tnodejs\n'
	have npm || printf 'npm\tnpm\n'
	if [[ $profile == demo ]]; then
		have java || printf 'java (a Java 17+ runtime, for DynamoDB Local)\t%s\n' "$(java_pkg jre)"
		return 0
	fi
	# A JDK brings java too.
	if ! have javac; then
		printf 'javac (a JDK: java for DynamoDB Local, javac for the pgjdbc test)\t%s\n' "$(java_pkg jdk)"
	elif ! have java; then
		printf 'java (a Java 17+ runtime, for DynamoDB Local)\t%s\n' "$(java_pkg jre)"
	fi
	pg_server_ok || printf 'PostgreSQL server (initdb, postgres)\tpostgresql\n'
	[[ -f $JDBC_JAR ]] || printf 'pgjdbc (%s)\tlibpostgresql-jdbc-java\n' "$JDBC_JAR"
	python_has psycopg2 || printf 'psycopg2 for %s\tpython3-psycopg2\n' "$DEBIAN_PYTHON"
	python_has psycopg || printf 'psycopg 3 for %s\tpython3-psycopg\n' "$DEBIAN_PYTHON"
	python_has sqlalchemy || printf 'SQLAlchemy for %s\tpython3-sqlalchemy\n' "$DEBIAN_PYTHON"
	python_has pandas || printf 'pandas for %s\tpython3-pandas\n' "$DEBIAN_PYTHON"
}

# can_install: root, or CI with passwordless sudo. Sets sudo.
sudo=()
can_install() {
	have apt-get || return 1
	[[ $(id -u) -eq 0 ]] && return 0
	if [[ ${CI:-} == true || ${CI:-} == 1 ]] && have sudo && sudo -n true 2>/dev/null; then
		sudo=(sudo -n)
		return 0
	fi
	return 1
}

# explain PROFILE NOTE LINES...: what is missing and how to install it; exits 1.
explain() {
	local profile=$1 note=$2
	shift 2
	local line what pkgs=()
	{
		printf 'deps.sh: make %s needs these, which are missing%s:\n' "$profile" "$note"
		for line in "$@"; do
			what=${line%%$'\t'*}
			pkgs+=("${line#*$'\t'}")
			printf '  - %s: Debian package %s\n' "$what" "${line#*$'\t'}"
		done
		if have apt-get; then
			printf 'Install them as root, then run make %s again:\n\n' "$profile"
			printf '  sudo apt-get update && sudo apt-get install -y --no-install-recommends %s\n\n' "${pkgs[*]}"
			printf '(make %s installs them itself when run as root.)\n' "$profile"
		else
			printf 'This is not a Debian/Ubuntu system (no apt-get): install the equivalents of those packages, then run make %s again.\n' "$profile"
		fi
	} >&2
	exit 1
}

install_system() {
	local profile=$1 lines
	mapfile -t lines < <(missing "$profile")
	((${#lines[@]} > 0)) || return 0
	can_install || explain "$profile" " (not root, so nothing was installed)" "${lines[@]}"
	local line pkgs=()
	for line in "${lines[@]}"; do pkgs+=("${line#*$'\t'}"); done
	say "installing system packages: ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q
	# The Java package name may only resolve after the update: ask again.
	mapfile -t lines < <(missing "$profile")
	pkgs=()
	for line in "${lines[@]}"; do pkgs+=("${line#*$'\t'}"); done
	"${sudo[@]}" apt-get install -y -q --no-install-recommends "${pkgs[@]}"
	mapfile -t lines < <(missing "$profile")
	if ((${#lines[@]} > 0)); then
		local whats=()
		for line in "${lines[@]}"; do whats+=("${line%%$'\t'*}"); done
		die "still missing after apt-get install: ${whats[*]}"
	fi
}

node_dir() { printf '%s/node\n' "$(cache_root)"; }

# pinned_pg_version prints the version of pg that the lock file pins.
pinned_pg_version() {
	node -e 'console.log(require(process.argv[1]).packages["node_modules/pg"].version)' "$NODE_PIN/package-lock.json"
}

# node_ok: the cache holds the pinned pg, installed from the current lock file.
node_ok() {
	local dir
	dir=$(node_dir)
	have node || return 1
	[[ -f $dir/node_modules/pg/package.json && -f $dir/package-lock.json ]] || return 1
	cmp -s "$dir/package-lock.json" "$NODE_PIN/package-lock.json" || return 1
	[[ $(node -e 'console.log(require(process.argv[1]).version)' "$dir/node_modules/pg/package.json") == "$(pinned_pg_version)" ]]
}

install_node() {
	node_ok && return 0
	have npm || die "npm not found"
	local dir tmp
	dir=$(node_dir)
	mkdir -p "$(dirname "$dir")"
	# Install beside the cache and publish with one rename, so a half-done
	# install is never mistaken for a good one.
	tmp=$(mktemp -d "$(dirname "$dir")/.node.XXXXXX")
	# shellcheck disable=SC2064 # expand $tmp now: it is local.
	trap "rm -rf '$tmp'" EXIT
	cp "$NODE_PIN/package.json" "$NODE_PIN/package-lock.json" "$tmp/"
	say "npm ci pg@$(pinned_pg_version) into $dir"
	# npm keeps its own download cache under HOME; keep it with ours.
	(cd "$tmp" && npm_config_cache=$(cache_root)/npm npm ci --silent --no-audit --no-fund --ignore-scripts >&2) ||
		die "npm ci failed in $tmp (is the npm registry reachable?)"
	rm -rf "$dir"
	mv -T "$tmp" "$dir"
	trap - EXIT
	node_ok || die "pg is not usable from $dir/node_modules after npm ci"
}

dynamodb_local() {
	local dir
	dir=$("$ROOT/scripts/dynamodb-local.sh" fetch) || exit 1
	printf '%s\n' "$dir"
}

# summary PROFILE: one line naming what is in place.
summary() {
	local s
	s="go $(go env GOVERSION 2>/dev/null || echo '(not found)'), $(java -version 2>&1 | head -1), node $(node --version)"
	if [[ $1 == test ]]; then
		local jdbc=
		if have unzip; then
			jdbc=" $(unzip -p "$JDBC_JAR" META-INF/MANIFEST.MF 2>/dev/null | sed -n 's/^Implementation-Version: *//p' | tr -d '\r')"
		fi
		s+=", $(javac -version 2>&1), PostgreSQL server $(basename "$(dirname "$(pg_server_dir)")"), pgjdbc$jdbc"
		# Versions from the package metadata: importing pandas takes a second.
		s+=", $("$DEBIAN_PYTHON" -c 'from importlib.metadata import version as v; print(", ".join(p + " " + v(p) for p in ("psycopg2", "psycopg", "SQLAlchemy", "pandas")))')"
		s+=", npm pg $(pinned_pg_version)"
	fi
	say "$s; cache $(cache_root)"
}

pg_server_dir() {
	local d best=
	for d in /usr/lib/postgresql/*/bin; do [[ -x $d/initdb ]] && best=$d; done
	printf '%s\n' "${best:-/unknown/bin}"
}

# check PROFILE: everything in place, or exit 1 naming what is not.
check() {
	local profile=$1 lines
	mapfile -t lines < <(missing "$profile")
	((${#lines[@]} == 0)) || explain "$profile" "" "${lines[@]}"
	local bad=()
	have go || bad+=("go (Go 1.26 from https://go.dev/dl)")
	if [[ $profile == test ]]; then
		node_ok || bad+=("npm pg in $(node_dir)/node_modules")
	fi
	local ddb
	ddb=$(cache_root)/dynamodb-local
	compgen -G "$ddb/*/.pgdynamo-complete" >/dev/null || bad+=("DynamoDB Local in $ddb")
	((${#bad[@]} == 0)) || die "missing: ${bad[*]}; run scripts/deps.sh $profile"
}

profile_arg() {
	case ${1:-test} in
	test | demo) printf '%s\n' "${1:-test}" ;;
	*) die "unknown profile '$1' (want test or demo)" ;;
	esac
}

cmd=${1:-install}
case $cmd in
test | demo)
	# `scripts/deps.sh demo` is `scripts/deps.sh install demo`.
	set -- install "$cmd"
	cmd=install
	;;
esac
case $cmd in
install)
	[[ $# -le 2 ]] || die "install takes at most a profile (test or demo)"
	profile=$(profile_arg "${2:-}")
	have go || die "go not found on PATH: install Go 1.26 (https://go.dev/dl), e.g. in /usr/local/go, and put /usr/local/go/bin on PATH"
	install_system "$profile"
	[[ $profile == test ]] && install_node
	dynamodb_local >/dev/null
	summary "$profile"
	;;
check)
	[[ $# -le 2 ]] || die "check takes at most a profile (test or demo)"
	check "$(profile_arg "${2:-}")"
	;;
node-path) printf '%s/node_modules\n' "$(node_dir)" ;;
-h | --help | help) usage ;;
*) die "unknown command '$cmd' (want install, check or node-path)" ;;
esac

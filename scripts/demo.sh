#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup and stop_group run from traps, which shellcheck cannot see
# demo.sh — run pgdynamo over a seeded DynamoDB Local (what `make demo` runs), or check the
# demo's configuration against it (what `make demo-check` runs).
#
# Installs what the demo needs (scripts/deps.sh demo), builds bin/pgdynamo, starts DynamoDB Local
# on 127.0.0.1:$PGDYNAMO_DEMO_DYNAMODB_PORT, seeds the sample tables (internal/demo/seed) and
# serves examples/demo.yaml on 127.0.0.1:$PGDYNAMO_DEMO_PORT in the foreground. Ctrl-C (or
# SIGTERM) stops the gateway and DynamoDB Local.
#
# Usage:
#   scripts/demo.sh          run the demo
#   scripts/demo.sh check    while the demo runs: pgdynamo check --config examples/demo.yaml,
#                            with the endpoint and dummy credentials of the demo's DynamoDB Local
#
# Environment:
#   PGDYNAMO_DEMO_PORT           PostgreSQL port (default 5433)
#   PGDYNAMO_DEMO_DYNAMODB_PORT  DynamoDB Local port (default 8000); set it for both commands
#   PGDYNAMO_DEMO_CONFIG         configuration file (default examples/demo.yaml)
#   PGDYNAMO_LOG_LEVEL           the gateway's --log-level: debug, info (default), warn or error
#   PGDYNAMO_BIN                 use this pgdynamo binary instead of building bin/pgdynamo
# AWS credentials are always the dummy ones: DynamoDB Local accepts any (-sharedDb).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

port=${PGDYNAMO_DEMO_PORT:-5433}
ddb_port=${PGDYNAMO_DEMO_DYNAMODB_PORT:-8000}
config=${PGDYNAMO_DEMO_CONFIG:-examples/demo.yaml}
log_level=${PGDYNAMO_LOG_LEVEL:-info}

# say never fails: during cleanup stderr may be a pipe whose reader (| tee)
# already died of the same Ctrl-C, and cleanup must still stop everything.
say() { printf 'demo: %s\n' "$*" >&2 2>/dev/null || true; }
die() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

[[ $port =~ ^[0-9]+$ ]] || die "PGDYNAMO_DEMO_PORT must be a port number, got '$port'"
[[ $ddb_port =~ ^[0-9]+$ ]] || die "PGDYNAMO_DEMO_DYNAMODB_PORT must be a port number, got '$ddb_port'"
[[ $port != "$ddb_port" ]] || die "PGDYNAMO_DEMO_PORT and PGDYNAMO_DEMO_DYNAMODB_PORT are both $port"
[[ -f $config ]] || die "configuration file $config not found"
case ${log_level,,} in
debug | info | warn | error) ;;
*) die "PGDYNAMO_LOG_LEVEL must be debug, info, warn or error, got '$log_level'" ;;
esac

# The environment pgdynamo, the seeder and `check` get: the endpoint, by the AWS SDK's own
# convention, and dummy credentials, so no real AWS account is ever involved.
endpoint=http://127.0.0.1:$ddb_port
demo_env=(
	AWS_ENDPOINT_URL_DYNAMODB="$endpoint"
	AWS_ENDPOINT_URL_DYNAMODB_STREAMS="$endpoint"
	AWS_REGION=us-east-1
	AWS_ACCESS_KEY_ID=dummy
	AWS_SECRET_ACCESS_KEY=dummy
	AWS_EC2_METADATA_DISABLED=true
)

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# elapsed SECONDS prints 2m05s or 42s.
elapsed() {
	if (($1 >= 60)); then
		printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
	else
		printf '%ds' "$1"
	fi
}

bg_pid=
# with_progress WHAT CMD...: run CMD, saying every 30s that WHAT is still going on, then
# how long it took. Ctrl-C stops it (cleanup kills bg_pid).
with_progress() {
	local what=$1 start rc i=0
	shift
	start=$SECONDS
	"$@" &
	bg_pid=$!
	while kill -0 "$bg_pid" 2>/dev/null; do
		sleep 1
		((++i % 30 == 0)) && kill -0 "$bg_pid" 2>/dev/null && say "… still $what ($(elapsed $((SECONDS - start))))"
	done
	wait "$bg_pid" && rc=0 || rc=$?
	bg_pid=
	((rc == 0)) || return "$rc"
	say "$what: done in $(elapsed $((SECONDS - start)))"
}

# ensure_binary sets bin: PGDYNAMO_BIN, or bin/pgdynamo built (or brought up to date) now.
ensure_binary() {
	if [[ -n ${PGDYNAMO_BIN:-} ]]; then
		bin=$PGDYNAMO_BIN
		[[ -x $bin ]] || die "PGDYNAMO_BIN=$bin is not an executable"
		return
	fi
	if [[ -x bin/pgdynamo ]]; then
		say "bringing bin/pgdynamo up to date (seconds, unless dependencies changed)…"
	else
		say "building bin/pgdynamo (the first build compiles DuckDB and the PostgreSQL parser: about 3 minutes)…"
	fi
	mkdir -p bin
	with_progress "building bin/pgdynamo" go build -o bin/pgdynamo ./cmd/pgdynamo
	bin=bin/pgdynamo
}

# check_command prints the command `make demo-check` runs.
check_command() {
	printf '%s ' "AWS_ENDPOINT_URL_DYNAMODB=$endpoint" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=dummy AWS_SECRET_ACCESS_KEY=dummy
	printf '%s check --config %s\n' "${PGDYNAMO_BIN:-bin/pgdynamo}" "$config"
}

# demo_check is `make demo-check`.
demo_check() {
	port_open "$ddb_port" ||
		die "nothing listens on 127.0.0.1:$ddb_port: start the demo first (make demo, in another terminal)$(
			[[ -z ${PGDYNAMO_DEMO_DYNAMODB_PORT:-} ]] || printf ' with the same PGDYNAMO_DEMO_DYNAMODB_PORT'
		)"
	ensure_binary
	say "$(check_command)"
	exec env -u AWS_SESSION_TOKEN -u AWS_PROFILE "${demo_env[@]}" "$bin" check --config "$config"
}

case ${1:-run} in
run) ;;
check)
	demo_check
	;;
-h | --help | help) usage ;;
*) die "unknown command '$1' (want check, or nothing to run the demo)" ;;
esac

port_open "$port" && die "127.0.0.1:$port is already in use; choose another with PGDYNAMO_DEMO_PORT=N"
port_open "$ddb_port" &&
	die "127.0.0.1:$ddb_port is already in use (another DynamoDB Local?); choose another with PGDYNAMO_DEMO_DYNAMODB_PORT=N (for make demo-check too)"

# 0. What the demo needs: Go is assumed; build tools, Java, Node/npm and psql are installed when
# root (else listed), DynamoDB Local fetched into the cache.
say "checking what the demo needs (scripts/deps.sh demo)"
scripts/deps.sh install demo

# Children run in their own sessions (process groups) so cleanup can kill each whole
# group, and so a Ctrl-C reaches them only through the trap below, in order.
spawn() {
	if command -v setsid >/dev/null 2>&1; then
		setsid "$@" &
	else
		"$@" &
	fi
}

ddb_pid=
gw_pid=
work=
stop_group() { # stop_group PID SECONDS: TERM the group, then KILL after SECONDS.
	local pid=$1 grace=$2 i
	[[ -n $pid ]] || return 0
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < grace * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	# The script's status: 130 after Ctrl-C (the INT trap's exit), else its own.
	local rc=$?
	trap - EXIT INT TERM HUP
	# A write to a vanished reader must not kill the cleanup (SIGPIPE).
	trap '' PIPE
	if [[ -n $bg_pid ]]; then
		kill -TERM "$bg_pid" 2>/dev/null || true
		wait "$bg_pid" 2>/dev/null || true
	fi
	if [[ -n $gw_pid ]]; then
		say "stopping pgdynamo"
		stop_group "$gw_pid" 15
	fi
	if [[ -n $ddb_pid ]]; then
		say "stopping DynamoDB Local"
		stop_group "$ddb_pid" 5
	fi
	if [[ -n $work ]]; then
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# 1. The gateway binary.
ensure_binary

# 2. DynamoDB Local, in the background. Its log and temporary files live in $work.
work=$(mktemp -d "${TMPDIR:-/tmp}/pgdynamo-demo.XXXXXX")
ddb_log=$work/dynamodb-local.log
say "starting DynamoDB Local on 127.0.0.1:$ddb_port (log: $ddb_log)"
spawn scripts/dynamodb-local.sh start --port "$ddb_port" --tmpdir "$work/java" >"$ddb_log" 2>&1
ddb_pid=$!
start=$SECONDS
for ((i = 0; ; i++)); do
	port_open "$ddb_port" && break
	if ! kill -0 "$ddb_pid" 2>/dev/null; then
		cat "$ddb_log" >&2
		ddb_pid=
		die "DynamoDB Local exited during start-up"
	fi
	((i < 600)) || die "DynamoDB Local did not listen on port $ddb_port within 60s"
	sleep 0.1
done
say "DynamoDB Local is up after $(elapsed $((SECONDS - start)))"

export "${demo_env[@]}"
unset AWS_SESSION_TOKEN AWS_PROFILE

# 3. Sample data.
with_progress "seeding the sample tables users and orders" go run ./internal/demo/seed --endpoint "$endpoint"

# 4. The gateway, waited on so that a signal interrupts `wait` and runs cleanup at once.
say "starting pgdynamo on 127.0.0.1:$port with $config (log level $log_level)"
spawn "$bin" serve --config "$config" --listen "127.0.0.1:$port" --log-level "$log_level"
gw_pid=$!
for ((i = 0; ; i++)); do
	port_open "$port" && break
	if ! kill -0 "$gw_pid" 2>/dev/null; then
		wait "$gw_pid" && rc=0 || rc=$?
		gw_pid=
		die "pgdynamo exited (status $rc) before listening on 127.0.0.1:$port"
	fi
	((i < 600)) || die "pgdynamo did not listen on 127.0.0.1:$port within 60s"
	sleep 0.1
done
cat >&2 <<MSG

  pgdynamo is serving the demo tables users and orders on 127.0.0.1:$port.
  Try:    psql -h 127.0.0.1 -p $port -c 'SELECT count(*) FROM users'
          psql -h 127.0.0.1 -p $port -c 'SELECT name, mode, state, rows FROM pgdynamo.datasets'
  Check:  $([[ $ddb_port == 8000 ]] || printf 'PGDYNAMO_DEMO_DYNAMODB_PORT=%s ' "$ddb_port")make demo-check, which runs
          $(check_command)
  Ctrl-C stops pgdynamo and DynamoDB Local.

MSG
wait "$gw_pid" && rc=0 || rc=$?
gw_pid=
say "pgdynamo exited with status $rc"
exit "$rc"

#!/usr/bin/env bash
# shellcheck disable=SC2317 # cleanup and stop_group run from traps, which shellcheck cannot see
# demo.sh — run pgdynamo over a seeded DynamoDB Local (what `make demo` runs).
#
# Builds bin/pgdynamo, starts DynamoDB Local on a free port, seeds the sample tables
# (internal/demo/seed) and serves examples/demo.yaml on 127.0.0.1:$PGDYNAMO_DEMO_PORT in
# the foreground. Ctrl-C (or SIGTERM) stops the gateway and DynamoDB Local.
#
# Environment:
#   PGDYNAMO_DEMO_PORT    PostgreSQL port (default 5433)
#   PGDYNAMO_DEMO_CONFIG  configuration file (default examples/demo.yaml)
#   PGDYNAMO_BIN          use this pgdynamo binary instead of building bin/pgdynamo
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY  kept if set, else dummy values
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

port=${PGDYNAMO_DEMO_PORT:-5433}
config=${PGDYNAMO_DEMO_CONFIG:-examples/demo.yaml}

# say never fails: during cleanup stderr may be a pipe whose reader (| tee)
# already died of the same Ctrl-C, and cleanup must still stop everything.
say() { printf 'demo: %s\n' "$*" >&2 2>/dev/null || true; }
die() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

[[ $port =~ ^[0-9]+$ ]] || die "PGDYNAMO_DEMO_PORT must be a port number, got '$port'"
[[ -f $config ]] || die "configuration file $config not found"
command -v go >/dev/null 2>&1 || die "go not found on PATH (needed to build pgdynamo and run the seeder)"
command -v java >/dev/null 2>&1 || die "java not found on PATH: DynamoDB Local needs a Java 17+ runtime (Debian: apt-get install -y openjdk-17-jre-headless)"

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

port_open "$port" && die "127.0.0.1:$port is already in use; choose another with PGDYNAMO_DEMO_PORT=N"

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
ddb_log=
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
	trap - EXIT INT TERM HUP
	# A write to a vanished reader must not kill the cleanup (SIGPIPE).
	trap '' PIPE
	if [[ -n $gw_pid ]]; then
		say "stopping pgdynamo"
		stop_group "$gw_pid" 15
	fi
	if [[ -n $ddb_pid ]]; then
		say "stopping DynamoDB Local"
		stop_group "$ddb_pid" 5
	fi
	[[ -n $ddb_log ]] && rm -f "$ddb_log"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# 1. The gateway binary.
if [[ -n ${PGDYNAMO_BIN:-} ]]; then
	bin=$PGDYNAMO_BIN
	[[ -x $bin ]] || die "PGDYNAMO_BIN=$bin is not an executable"
else
	say "building bin/pgdynamo"
	mkdir -p bin
	go build -o bin/pgdynamo ./cmd/pgdynamo
	bin=bin/pgdynamo
fi

# 2. DynamoDB Local, in the background.
scripts/dynamodb-local.sh fetch >/dev/null
ddb_port=$(scripts/dynamodb-local.sh free-port)
ddb_log=$(mktemp "${TMPDIR:-/tmp}/pgdynamo-demo-dynamodb.XXXXXX")
say "starting DynamoDB Local on 127.0.0.1:$ddb_port (log: $ddb_log)"
spawn scripts/dynamodb-local.sh start --port "$ddb_port" >"$ddb_log" 2>&1
ddb_pid=$!
for ((i = 0; ; i++)); do
	port_open "$ddb_port" && break
	if ! kill -0 "$ddb_pid" 2>/dev/null; then
		cat "$ddb_log" >&2
		die "DynamoDB Local exited during start-up"
	fi
	((i < 600)) || die "DynamoDB Local did not listen on port $ddb_port within 60s"
	sleep 0.1
done

export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$ddb_port
export AWS_ENDPOINT_URL_DYNAMODB_STREAMS=$AWS_ENDPOINT_URL_DYNAMODB
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-dummy}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-dummy}
export AWS_EC2_METADATA_DISABLED=true

# 3. Sample data.
say "seeding"
go run ./internal/demo/seed --endpoint "$AWS_ENDPOINT_URL_DYNAMODB"

# 4. The gateway, waited on so that a signal interrupts `wait` and runs cleanup at once.
say "starting pgdynamo on 127.0.0.1:$port with $config"
spawn "$bin" serve --config "$config" --listen "127.0.0.1:$port"
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
  Try: psql -h 127.0.0.1 -p $port -c 'SELECT count(*) FROM users'
  Ctrl-C stops pgdynamo and DynamoDB Local.

MSG
wait "$gw_pid" && rc=0 || rc=$?
gw_pid=
say "pgdynamo exited with status $rc"
exit "$rc"

package config_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pgdynamo/pgdynamo/config"
)

// TestParseProblems covers what Load and Parse refuse before resolving:
// syntax, shape and unknown keys, each with the file, line and key path.
func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{{
		name: "unknown param with suggestion",
		yaml: `
version: v1
kind: Spicepod
datasets:
  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: us-west-2
      unest_depth: 2
`,
		want: []string{`pgdynamo.yaml:8: dataset "users": params.unest_depth: unknown key (did you mean unnest_depth?)`},
	}, {
		name: "unknown keys at every level",
		yaml: `
version: v1
kind: Spicepod
dataset: []
runtime:
  pg:
    lisen: 127.0.0.1:5433
  prometheus: {}
datasets:
  - from: dynamodb:users
    name: users
    params:
      region: us-west-2
      dynamodb_region: us-west-2
    acceleration:
      refresh: full
      Engine: duckdb
    metrics:
      - name: lag_ms
        enable: true
  - from: dynamodb:orders
    param: {}
`,
		want: []string{
			`pgdynamo.yaml:3: dataset: unknown key (did you mean datasets?)`,
			`pgdynamo.yaml:6: runtime.pg.lisen: unknown key (did you mean listen?)`,
			`pgdynamo.yaml:7: runtime.prometheus: unknown key (allowed: pg, metrics, log_min_duration_statement, scan_concurrency)`,
			`pgdynamo.yaml:12: dataset "users": params.region: unknown key (did you mean dynamodb_aws_region?)`,
			`pgdynamo.yaml:13: dataset "users": params.dynamodb_region: unknown key (did you mean dynamodb_aws_region?)`,
			`pgdynamo.yaml:15: dataset "users": acceleration.refresh: unknown key (did you mean refresh_mode or refresh_check_interval?)`,
			`pgdynamo.yaml:16: dataset "users": acceleration.Engine: unknown key (did you mean engine?)`,
			`pgdynamo.yaml:19: dataset "users": metrics[0].enable: unknown key (did you mean enabled?)`,
			`pgdynamo.yaml:21: datasets[1]: param: unknown key (did you mean params?)`,
		},
	}, {
		name: "wrong shapes",
		yaml: `
version: v1
kind: Spicepod
runtime:
  pg:
    users:
      name: grafana
datasets:
  - from: dynamodb:users
    name: users
    params:
      - dynamodb_aws_region: us-west-2
    acceleration:
      on_conflict: [id]
    metrics: {name: lag_ms}
`,
		want: []string{
			`pgdynamo.yaml:5: runtime.pg.users: must be a list (one item per line starting with -), not a mapping`,
			`pgdynamo.yaml:10: dataset "users": params: must be a mapping of keys (dynamodb_aws_region, dynamodb_aws_access_key_id, dynamodb_aws_secret_access_key, dynamodb_aws_session_token, dynamodb_endpoint, unnest_depth, schema_infer_max_records, scan_segments, time_format, ready_lag, scan_interval, replication_invalid_checkpoint_behavior, read_capacity_limit, max_scan_items), not a list`,
			`pgdynamo.yaml:13: dataset "users": acceleration.on_conflict: must be a mapping of column: action lines, e.g. (id, version): upsert, not a list`,
			`pgdynamo.yaml:14: dataset "users": metrics: must be a list (one item per line starting with -), not a mapping`,
		},
	}, {
		name: "duplicate key",
		yaml: `
version: v1
kind: Spicepod
datasets:
  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: us-west-2
      dynamodb_aws_region: us-east-1
`,
		want: []string{`pgdynamo.yaml:8: dataset "users": params.dynamodb_aws_region is set twice (first at line 7); keep one`},
	}, {
		name: "syntax error",
		yaml: `
version: v1
kind: Spicepod
datasets:
  - from: dynamodb:users
	name: users
`,
		want: []string{`pgdynamo.yaml:4: invalid YAML: found a tab character that violates indentation`},
	}, {
		name: "empty file",
		yaml: ``,
		want: []string{`pgdynamo.yaml: the file is empty (a pgdynamo configuration starts with version: v1 and kind: Spicepod)`},
	}, {
		name: "two documents",
		yaml: `
version: v1
kind: Spicepod
---
version: v1
`,
		want: []string{`pgdynamo.yaml:3: the file holds more than one YAML document; pgdynamo reads exactly one`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("pgdynamo.yaml", doc(tt.yaml))
			if got := lines(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestResolveProblems covers what Resolve refuses: every message names the
// file, the line, the dataset and the key, and says what is allowed.
func TestResolveProblems(t *testing.T) {
	const head = "version: v1\nkind: Spicepod\n" // lines 1-2 of every case
	tests := []struct {
		name   string
		yaml   string // appended to head, so its first line is line 3
		noHead bool   // two empty lines instead of head
		env    map[string]string
		want   []string
	}{{
		name: "missing region",
		yaml: `
datasets:
  - from: dynamodb:users
    name: users
    params:
      unnest_depth: 1
  - from: dynamodb:orders
    name: orders
`,
		want: []string{
			`pgdynamo.yaml:6: dataset "users": params.dynamodb_aws_region is required (the AWS region that holds the table, e.g. us-west-2)`,
			`pgdynamo.yaml:8: dataset "orders": params.dynamodb_aws_region is required (the AWS region that holds the table, e.g. us-west-2)`,
		},
	}, {
		name: "unresolved secret",
		yaml: `
datasets:
  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: us-west-2
      dynamodb_aws_access_key_id: ${secrets:aws_access_key_id}
      dynamodb_aws_secret_access_key: ${secrets:aws_secret_access_key}
`,
		env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"},
		want: []string{
			`pgdynamo.yaml:9: dataset "users": params.dynamodb_aws_secret_access_key: ${secrets:aws_secret_access_key} is not set (set the environment variable AWS_SECRET_ACCESS_KEY)`,
		},
	}, {
		name: "bad references",
		yaml: `
name: ${env:POD_NAME}
datasets:
  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: ${vault:region}
      dynamodb_endpoint: http://${env:DDB_HOST}:8000
      time_format: ${secrets:}
      scan_segments: ${env:SEGMENTS
runtime:
  pg:
    users:
      - name: grafana
        password: ${PG_PASSWORD}
`,
		want: []string{
			`pgdynamo.yaml:3: name: ${env:POD_NAME} is not set (set the environment variable POD_NAME)`,
			`pgdynamo.yaml:8: dataset "users": params.dynamodb_aws_region: ${vault:region} is not a known reference (write ${secrets:NAME} or ${env:NAME})`,
			`pgdynamo.yaml:9: dataset "users": params.dynamodb_endpoint: ${env:DDB_HOST} is not set (set the environment variable DDB_HOST)`,
			`pgdynamo.yaml:10: dataset "users": params.time_format: ${secrets:} does not name an environment variable`,
			`pgdynamo.yaml:11: dataset "users": params.scan_segments: has a ${ without its closing } (write ${secrets:NAME} or ${env:NAME})`,
			`pgdynamo.yaml:16: runtime.pg.users[0].password: ${PG_PASSWORD} is not a known reference (write ${secrets:NAME} or ${env:NAME})`,
		},
	}, {
		name: "reserved keyword names",
		yaml: `
datasets:
  - from: dynamodb:users
    name: user
    params: {dynamodb_aws_region: us-west-2}
  - from: dynamodb:orders
    name: ORDER
    params: {dynamodb_aws_region: us-west-2}
  - from: dynamodb:orders
    name: select.orders
    params: {dynamodb_aws_region: us-west-2}
  - from: dynamodb:users
    name: users
    params: {dynamodb_aws_region: us-west-2}
`,
		want: []string{
			`pgdynamo.yaml:5: dataset "user": name: "user" is a reserved keyword in PostgreSQL and cannot name a table; choose another name`,
			`pgdynamo.yaml:8: dataset "ORDER": name: "ORDER" is a reserved keyword in PostgreSQL and cannot name a table; choose another name`,
			`pgdynamo.yaml:11: dataset "select.orders": name: schema "select" is a reserved keyword in PostgreSQL; choose another schema`,
		},
	}, {
		name: "duplicate names",
		yaml: `
datasets:
  - from: dynamodb:users
    name: users
    params: {dynamodb_aws_region: us-west-2}
  - from: dynamodb:users-eu
    name: Users
    params: {dynamodb_aws_region: eu-west-1}
  - from: dynamodb:users-eu
    name: eu.users
    params: {dynamodb_aws_region: eu-west-1}
  - from: dynamodb:users-eu
    name: public.USERS
    params: {dynamodb_aws_region: eu-west-1}
`,
		want: []string{
			`pgdynamo.yaml:8: dataset "Users": name: "Users" is also the name of dataset "users" (line 5); dataset names must be unique, ignoring case`,
			`pgdynamo.yaml:14: dataset "public.USERS": name: "public.USERS" is also the name of dataset "users" (line 5); dataset names must be unique, ignoring case`,
		},
	}, {
		name: "bad from",
		yaml: `
datasets:
  - from: postgres:users
    name: a
    params: {dynamodb_aws_region: us-west-2}
  - from: users
    name: b
    params: {dynamodb_aws_region: us-west-2}
  - from: dynamodb:ab
    name: c
    params: {dynamodb_aws_region: us-west-2}
  - from: dynamodb:users/2024
    name: d
    params: {dynamodb_aws_region: us-west-2}
  - name: e
    params: {dynamodb_aws_region: us-west-2}
`,
		want: []string{
			`pgdynamo.yaml:4: dataset "a": from: connector "postgres" is not supported: pgdynamo reads DynamoDB tables only (write dynamodb:<table>, e.g. dynamodb:users)`,
			`pgdynamo.yaml:7: dataset "b": from: "users" is not a DynamoDB source (write dynamodb:<table>, e.g. dynamodb:users)`,
			`pgdynamo.yaml:10: dataset "c": from: table name "ab" is not valid (3 to 255 characters: letters, digits, _, - and .)`,
			`pgdynamo.yaml:13: dataset "d": from: table name "users/2024" is not valid (3 to 255 characters: letters, digits, _, - and .)`,
			`pgdynamo.yaml:16: dataset "e": from is required (write dynamodb:<table>, e.g. dynamodb:users)`,
		},
	}, {
		name: "bad time_format",
		yaml: `
datasets:
  - from: dynamodb:users
    name: a
    params:
      dynamodb_aws_region: us-west-2
      time_format: "15:04:05"
  - from: dynamodb:users
    name: b
    params:
      dynamodb_aws_region: us-west-2
      time_format: 2006-01-02 03:04:05
  - from: dynamodb:users
    name: c
    params:
      dynamodb_aws_region: us-west-2
      time_format: ""
`,
		want: []string{
			`pgdynamo.yaml:8: dataset "a": params.time_format: "15:04:05" has no year (write 2006, or 06 for two digits)`,
			`pgdynamo.yaml:13: dataset "b": params.time_format: "2006-01-02 03:04:05" does not round-trip (a 12-hour clock, 03 or 3, needs PM; every unit between the day and the finest one must be present): 2024-03-15T14:30:45.123456789Z formats as "2024-03-15 02:30:45", which reads back as 2024-03-15T02:30:45Z`,
			`pgdynamo.yaml:18: dataset "c": params.time_format is empty (omit it for RFC 3339, or give a Go layout such as 2006-01-02 15:04:05)`,
		},
	}, {
		name: "bad scan_segments",
		yaml: `
datasets:
  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: us-west-2
      scan_segments: 0
  - from: dynamodb:users
    name: b
    params:
      dynamodb_aws_region: us-west-2
      scan_segments: 1000001
  - from: dynamodb:users
    name: c
    params:
      dynamodb_aws_region: us-west-2
      scan_segments: many
`,
		want: []string{
			`pgdynamo.yaml:8: dataset "users": params.scan_segments: "0" is out of range (auto, or 1 to 1000000, DynamoDB's TotalSegments limit)`,
			`pgdynamo.yaml:13: dataset "b": params.scan_segments: "1000001" is out of range (auto, or 1 to 1000000, DynamoDB's TotalSegments limit)`,
			`pgdynamo.yaml:18: dataset "c": params.scan_segments: "many" is not a whole number (auto, or 1 to 1000000, DynamoDB's TotalSegments limit)`,
		},
	}, {
		name: "credentials not paired",
		yaml: `
datasets:
  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: us-west-2
      dynamodb_aws_access_key_id: AKIAEXAMPLE
  - from: dynamodb:users
    name: b
    params:
      dynamodb_aws_region: us-west-2
      dynamodb_aws_secret_access_key: ${secrets:aws_secret_access_key}
      dynamodb_aws_session_token: ${secrets:aws_session_token}
`,
		env: map[string]string{"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI", "AWS_SESSION_TOKEN": "FwoGZXIvYXdz"},
		want: []string{
			`pgdynamo.yaml:8: dataset "users": params.dynamodb_aws_access_key_id is set but params.dynamodb_aws_secret_access_key is not; set both, or neither to use the AWS SDK's default credential chain`,
			`pgdynamo.yaml:13: dataset "b": params.dynamodb_aws_secret_access_key is set but params.dynamodb_aws_access_key_id is not; set both, or neither to use the AWS SDK's default credential chain`,
			`pgdynamo.yaml:14: dataset "b": params.dynamodb_aws_session_token needs params.dynamodb_aws_access_key_id and params.dynamodb_aws_secret_access_key (a session token belongs to temporary credentials)`,
		},
	}, {
		name: "non-loopback listen without users",
		yaml: `
runtime:
  pg:
    listen: 0.0.0.0:5433
  metrics:
    listen: 0.0.0.0:5433
`,
		want: []string{
			`pgdynamo.yaml:5: runtime.pg.listen: "0.0.0.0:5433" is not a loopback address, and without runtime.pg.users every client is trusted; add runtime.pg.users, or listen on 127.0.0.1, ::1 or localhost`,
			`pgdynamo.yaml:7: runtime.metrics.listen: "0.0.0.0:5433" is also runtime.pg.listen; the metrics listener needs its own address`,
		},
	}, {
		name: "every-interface listen without users",
		yaml: `
runtime:
  pg:
    listen: ":5433"
`,
		want: []string{
			`pgdynamo.yaml:5: runtime.pg.listen: ":5433" is not a loopback address, and without runtime.pg.users every client is trusted; add runtime.pg.users, or listen on 127.0.0.1, ::1 or localhost`,
		},
	}, {
		name: "runtime values",
		yaml: `
runtime:
  pg:
    listen: 0.0.0.0
    users:
      - name: grafana
      - name: grafana
        password: ${secrets:pw}
    tls:
      cert: server.crt
  metrics:
    listen: localhost:99999
`,
		env: map[string]string{"PW": "hunter2"},
		want: []string{
			`pgdynamo.yaml:5: runtime.pg.listen: "0.0.0.0" is not host:port (e.g. 127.0.0.1:5433, [::1]:5433 or :5433 for every interface)`,
			`pgdynamo.yaml:7: runtime.pg.users[0].password is required (write password: ${secrets:NAME} to keep it out of the file)`,
			`pgdynamo.yaml:8: runtime.pg.users[1].name: "grafana" is also runtime.pg.users[0]; each user is listed once`,
			`pgdynamo.yaml:10: runtime.pg.tls.key is required with runtime.pg.tls (the certificate's private key, a PEM file)`,
			`pgdynamo.yaml:13: runtime.metrics.listen: "localhost:99999" has port "99999"; a port is a number from 0 to 65535`,
		},
	}, {
		// on_conflict is refused as not supported yet, and its syntax is
		// still checked. The rules that tie refresh_mode: changes to
		// on_conflict and refresh_check_interval wait while changes is
		// refused (dataset c).
		name: "bad on_conflict",
		yaml: `
datasets:
  - from: dynamodb:users
    name: a
    params: {dynamodb_aws_region: us-west-2}
    acceleration:
      refresh_mode: changes
      on_conflict:
        (id, version, extra): drop
        id: upsert
  - from: dynamodb:users
    name: b
    params: {dynamodb_aws_region: us-west-2}
    acceleration:
      refresh_mode: changes
      on_conflict:
        (id, version: upsert
        id, version: upsert
        (): upsert
  - from: dynamodb:users
    name: c
    params: {dynamodb_aws_region: us-west-2}
    acceleration:
      refresh_mode: changes
      refresh_check_interval: 1m
`,
		want: []string{
			`pgdynamo.yaml:10: dataset "a": acceleration.on_conflict.(id, version, extra): lists 3 columns; a DynamoDB primary key has one or two (id: upsert, or (partition_key, sort_key): upsert)`,
			`pgdynamo.yaml:10: dataset "a": acceleration.on_conflict.(id, version, extra): "drop" is not supported (the only action is upsert)`,
			`pgdynamo.yaml:11: dataset "a": acceleration.on_conflict.id is a second entry; a DynamoDB table has one primary key, so on_conflict has one entry (id: upsert, or (partition_key, sort_key): upsert)`,
			`pgdynamo.yaml:18: dataset "b": acceleration.on_conflict.(id, version: the closing parenthesis is missing (write (partition_key, sort_key): upsert)`,
			`pgdynamo.yaml:19: dataset "b": acceleration.on_conflict.id, version: lists several columns without parentheses (write (partition_key, sort_key): upsert)`,
			`pgdynamo.yaml:20: dataset "b": acceleration.on_conflict.(): has an empty column name (write a column, or (partition_key, sort_key))`,
			`pgdynamo.yaml:24: dataset "c": acceleration.on_conflict is required with refresh_mode: changes (the table's primary key: id: upsert, or (partition_key, sort_key): upsert)`,
			`pgdynamo.yaml:26: dataset "c": acceleration.refresh_check_interval applies to refresh_mode: full only; refresh_mode: changes follows the table's stream`,
		},
	}, {
		name: "bad metrics",
		yaml: `
datasets:
  - from: dynamodb:users
    name: users
    params: {dynamodb_aws_region: us-west-2}
    metrics:
      - name: lagms
      - name: cpu_seconds
      - name: lag_ms
      - name: lag_ms
        enabled: yes
      - enabled: true
`,
		want: []string{
			`pgdynamo.yaml:7: dataset "users": metrics applies to acceleration with refresh_mode: changes only (DynamoDB Streams)`,
			`pgdynamo.yaml:8: dataset "users": metrics[0].name: "lagms" is not a metric (did you mean lag_ms?)`,
			`pgdynamo.yaml:9: dataset "users": metrics[1].name: "cpu_seconds" is not a metric (allowed: shards_active, records_consumed_total, lag_ms, errors_transient_total)`,
			`pgdynamo.yaml:11: dataset "users": metrics[3].name: "lag_ms" is also metrics[2]; list each metric once`,
			`pgdynamo.yaml:12: dataset "users": metrics[3].enabled: "yes" is not a boolean (write true or false)`,
			`pgdynamo.yaml:13: dataset "users": metrics[4].name is required (one of shards_active, records_consumed_total, lag_ms, errors_transient_total)`,
		},
	}, {
		name: "bad schema-qualified names",
		yaml: `
datasets:
  - from: dynamodb:users
    name: pg_catalog.users
    params: {dynamodb_aws_region: us-west-2}
  - from: dynamodb:users
    name: app.
    params: {dynamodb_aws_region: us-west-2}
  - from: dynamodb:users
    name: a.b.c
    params: {dynamodb_aws_region: us-west-2}
  - from: dynamodb:users
    name: my-users
    params: {dynamodb_aws_region: us-west-2}
  - from: dynamodb:users
    name: 1st.users
    params: {dynamodb_aws_region: us-west-2}
`,
		want: []string{
			`pgdynamo.yaml:5: dataset "pg_catalog.users": name: schema "pg_catalog" is reserved for the system catalogs (pg_*, information_schema, pgdynamo); use public or your own schema`,
			`pgdynamo.yaml:8: dataset "app.": name: "app." has a schema but no table name (write schema.name, e.g. app.users)`,
			`pgdynamo.yaml:11: dataset "a.b.c": name: "a.b.c" is not a valid SQL identifier (start with a letter or _, then letters, digits, _ or $; at most 63 bytes; optionally schema-qualified as schema.name)`,
			`pgdynamo.yaml:14: dataset "my-users": name: "my-users" is not a valid SQL identifier (start with a letter or _, then letters, digits, _ or $; at most 63 bytes; optionally schema-qualified as schema.name)`,
			`pgdynamo.yaml:17: dataset "1st.users": name: schema "1st" is not a valid SQL identifier (start with a letter or _, then letters, digits, _ or $; at most 63 bytes; optionally schema-qualified as schema.name)`,
		},
	}, {
		name: "unnamed dataset by index",
		yaml: `
datasets:
  - from: dynamodb:users
    params: {dynamodb_aws_region: us-west-2, unnest_depth: -1}
`,
		want: []string{
			`pgdynamo.yaml:4: datasets[0]: name is required (the SQL table name, e.g. users or app.users)`,
			`pgdynamo.yaml:5: datasets[0]: params.unnest_depth: "-1" is out of range (0 or more; omit it to keep maps as structs)`,
		},
	}, {
		name: "other param values",
		yaml: `
datasets:
  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: us west 2
      dynamodb_endpoint: localhost:8000
      schema_infer_max_records: 0
      ready_lag: 5
      scan_interval: 0s
      replication_invalid_checkpoint_behavior: retry
      read_capacity_limit: -1
      max_scan_items: lots
    acceleration:
      enabled: yes please
      engine: arrow
      mode: disk
      refresh_mode: append
      params:
        duckdb_file: users.db
        snapshots_trigger_threshold: -5
`,
		want: []string{
			`pgdynamo.yaml:7: dataset "users": params.dynamodb_aws_region: "us west 2" is not an AWS region name (letters, digits and -, e.g. us-west-2)`,
			`pgdynamo.yaml:8: dataset "users": params.dynamodb_endpoint: "localhost:8000" is not an http(s) URL (e.g. http://localhost:8000)`,
			`pgdynamo.yaml:9: dataset "users": params.schema_infer_max_records: "0" is out of range (1 or more; default 10)`,
			`pgdynamo.yaml:10: dataset "users": params.ready_lag: "5" is not a duration (a number with a unit: ms, s, m or h, e.g. 2s)`,
			`pgdynamo.yaml:11: dataset "users": params.scan_interval: "0s" must be more than 0 (e.g. 500ms)`,
			`pgdynamo.yaml:11: dataset "users": params.scan_interval applies to acceleration with refresh_mode: changes only (DynamoDB Streams)`,
			`pgdynamo.yaml:12: dataset "users": params.replication_invalid_checkpoint_behavior: "retry" is not supported (restart or error)`,
			`pgdynamo.yaml:12: dataset "users": params.replication_invalid_checkpoint_behavior applies to acceleration with refresh_mode: changes only (DynamoDB Streams)`,
			`pgdynamo.yaml:13: dataset "users": params.read_capacity_limit: "-1" is out of range (read capacity units per second, 0 or more; 0 or omitted for no limit)`,
			`pgdynamo.yaml:14: dataset "users": params.max_scan_items: "lots" is not a whole number (items one query may read, 0 or more; 0 or omitted for no limit)`,
			`pgdynamo.yaml:16: dataset "users": acceleration.enabled: "yes please" is not a boolean (write true or false)`,
			`pgdynamo.yaml:17: dataset "users": acceleration.engine: "arrow" is not supported (pgdynamo accelerates with duckdb only)`,
			`pgdynamo.yaml:18: dataset "users": acceleration.mode: "disk" is not supported (memory or file)`,
			`pgdynamo.yaml:19: dataset "users": acceleration.refresh_mode: "append" is not supported (full or changes)`,
			`pgdynamo.yaml:21: dataset "users": acceleration.params.duckdb_file applies to mode: file only`,
			`pgdynamo.yaml:22: dataset "users": acceleration.params.snapshots_trigger_threshold: "-5" is out of range (batches between snapshots, 0 or more; 0 leaves checkpoints to DuckDB)`,
			`pgdynamo.yaml:22: dataset "users": acceleration.params.snapshots_trigger_threshold applies to acceleration with refresh_mode: changes only (DynamoDB Streams)`,
		},
	}, {
		name:   "version, kind and secret stores",
		noHead: true,
		yaml: `
secrets:
  - from: aws_secrets_manager
    name: sm
datasets: []
`,
		want: []string{
			`pgdynamo.yaml:1: version is required (write version: v1 at the top of the file)`,
			`pgdynamo.yaml:1: kind is required (write kind: Spicepod)`,
			`pgdynamo.yaml:4: secrets[0].from: "aws_secrets_manager" is not supported: pgdynamo reads ${secrets:NAME} from the environment only (write from: env)`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := head + strings.TrimPrefix(tt.yaml, "\n")
			if tt.noHead {
				src = "\n\n" + strings.TrimPrefix(tt.yaml, "\n")
			}
			f, err := config.Parse("pgdynamo.yaml", []byte(src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			c, err := f.Resolve(env(tt.env))
			if c != nil {
				t.Errorf("Resolve returned a config along with problems")
			}
			if got := lines(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
			}
			for _, v := range tt.env {
				if strings.Contains(err.Error(), v) {
					t.Errorf("a secret's value appears in the error")
				}
			}
			var ps config.Problems
			var p *config.Problem
			if !errors.As(err, &ps) || !errors.As(err, &p) || p.File != "pgdynamo.yaml" {
				t.Errorf("errors.As: Problems and *Problem should both be found in %T", err)
			}
		})
	}
}

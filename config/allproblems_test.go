package config_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pgdynamo/pgdynamo/config"
)

// TestEveryProblemInOneRun: a file with problems of every kind — unknown
// keys and wrong shapes (found by Parse), bad values, missing required keys
// and unset references (found by Resolve and its validation) — gets
// every one of them from one Parse and Resolve, as pgdynamo check runs them,
// and nothing twice.
func TestEveryProblemInOneRun(t *testing.T) {
	data := doc(`
version: v1
kind: Spicepod
runtime:
  pg:
    lisen: 127.0.0.1:5433
datasets:
  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: us-west-2
      unest_depth: 2
      scan_segments: lots
      dynamodb_aws_access_key_id: AKIAEXAMPLE
      dynamodb_aws_secret_access_key: ${secrets:aws_secret_access_key}
  - from: dynamodb:orders
    name: orders
    params:
      time_format: [a]
    acceleration:
      mode: disk
      refresh_check_interval: 0s
`)
	want := []string{
		`pgdynamo.yaml:5: runtime.pg.lisen: unknown key (did you mean listen?)`,
		`pgdynamo.yaml:11: dataset "users": params.unest_depth: unknown key (did you mean unnest_depth?)`,
		`pgdynamo.yaml:12: dataset "users": params.scan_segments: "lots" is not a whole number (auto, or 1 to 1000000, DynamoDB's TotalSegments limit)`,
		`pgdynamo.yaml:14: dataset "users": params.dynamodb_aws_secret_access_key: ${secrets:aws_secret_access_key} is not set (set the environment variable AWS_SECRET_ACCESS_KEY)`,
		`pgdynamo.yaml:17: dataset "orders": params.dynamodb_aws_region is required (the AWS region that holds the table, e.g. us-west-2)`,
		`pgdynamo.yaml:18: dataset "orders": params.time_format: must be a single value, not a list`,
		`pgdynamo.yaml:20: dataset "orders": acceleration.mode: "disk" is not supported (memory or file)`,
		`pgdynamo.yaml:21: dataset "orders": acceleration.refresh_check_interval: "0s" must be more than 0 (e.g. 10m; omit it to load once at start-up)`,
	}
	f, err := config.Parse("pgdynamo.yaml", data)
	if f == nil {
		t.Fatalf("Parse returned no File for a file it could read: %v", err)
	}
	if got := lines(err); !reflect.DeepEqual(got, []string{want[0], want[1], want[5]}) {
		t.Errorf("Parse's problems:\n got %s\nwant the unknown keys and the wrong shape", strings.Join(got, "\n     "))
	}
	_, err = f.Resolve(env(nil))
	if got := lines(err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// TestWrongShapeIsNotAlsoMissing: a value of the wrong shape is reported
// once, by Parse; Resolve does not add that it is required.
func TestWrongShapeIsNotAlsoMissing(t *testing.T) {
	data := doc(`
version: [v1]
kind: Spicepod
secrets:
  - from: {store: env}
runtime:
  pg:
    users:
      - name: grafana
        password: [secret]
datasets:
  - from: dynamodb:users
    name: [users]
    params: [dynamodb_aws_region]
  - just a string
`)
	want := []string{
		`pgdynamo.yaml:1: version: must be a single value, not a list`,
		`pgdynamo.yaml:4: secrets[0].from: must be a single value, not a mapping`,
		`pgdynamo.yaml:9: runtime.pg.users[0].password: must be a single value, not a list`,
		`pgdynamo.yaml:12: datasets[0]: name: must be a single value, not a list`,
		`pgdynamo.yaml:13: datasets[0]: params: must be a mapping of keys (dynamodb_aws_region, dynamodb_aws_access_key_id, dynamodb_aws_secret_access_key, dynamodb_aws_session_token, dynamodb_endpoint, unnest_depth, schema_infer_max_records, scan_segments, time_format, ready_lag, scan_interval, replication_invalid_checkpoint_behavior, read_capacity_limit, max_scan_items), not a list`,
		`pgdynamo.yaml:14: datasets[1]: must be a mapping of keys (from, name, description, params, acceleration, metrics), not a single value`,
	}
	f, _ := config.Parse("pgdynamo.yaml", data)
	if f == nil {
		t.Fatal("Parse returned no File")
	}
	_, err := f.Resolve(env(nil))
	if got := lines(err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// TestNothingToResolve: Parse returns no File when there is nothing to
// resolve.
func TestNothingToResolve(t *testing.T) {
	for name, data := range map[string]string{
		"syntax error": "version: v1\n\tkind: Spicepod\n",
		"empty":        "",
		"only null":    "~\n",
	} {
		t.Run(name, func(t *testing.T) {
			f, err := config.Parse("pgdynamo.yaml", []byte(data))
			if f != nil || err == nil {
				t.Errorf("Parse = %v, %v; want no File and an error", f, err)
			}
		})
	}
}

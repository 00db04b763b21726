package config_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pgdynamo/pgdynamo/config"
)

// What follows "KEY " in each refusal.
const (
	onlyChanges = "applies to acceleration with refresh_mode: changes only (DynamoDB Streams)"
)

// TestNotSupportedYet: no key is refused as not supported yet any more
// (the read-capacity keys were the last): a key added to the list needs its
// cases here, which a test of the refusal itself then covers.
func TestNotSupportedYet(t *testing.T) {
	if keys := config.NotYetKeys(); len(keys) != 0 {
		t.Errorf("keys refused as not supported yet, with no case: %v", keys)
	}
}

// TestReadCapacityKeys: read_capacity_limit and max_scan_items are read,
// checked and kept.
func TestReadCapacityKeys(t *testing.T) {
	const head = "version: v1\nkind: Spicepod\ndatasets:\n  - from: dynamodb:users\n    name: users\n    params:\n      dynamodb_aws_region: us-west-2\n"
	f, err := config.Parse("pgdynamo.yaml", []byte(head+"      read_capacity_limit: 12.5\n      max_scan_items: 1000\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Datasets[0]; d.ReadCapacityLimit != 12.5 || d.MaxScanItems != 1000 {
		t.Errorf("read_capacity_limit %v, max_scan_items %v", d.ReadCapacityLimit, d.MaxScanItems)
	}
	for _, bad := range []string{"      read_capacity_limit: -1\n", "      max_scan_items: lots\n"} {
		f, err := config.Parse("pgdynamo.yaml", []byte(head+bad))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Resolve(nil); err == nil || !strings.Contains(err.Error(), `dataset "users": params.`) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestNotSupportedYetEveryDataset: check reports every refusal of every
// dataset in one run, unnamed datasets by index.
func TestNotSupportedYetEveryDataset(t *testing.T) {
	f, err := config.Parse("pgdynamo.yaml", doc(`
version: v1
kind: Spicepod
datasets:
  - from: dynamodb:users
    name: app.users
    params:
      dynamodb_aws_region: us-west-2
      ready_lag: 2s
  - from: dynamodb:orders
    params:
      dynamodb_aws_region: us-west-2
      ready_lag: 1s
`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Resolve(nil)
	want := []string{
		`pgdynamo.yaml:8: dataset "app.users": params.ready_lag ` + onlyChanges,
		`pgdynamo.yaml:9: datasets[1]: name is required (the SQL table name, e.g. users or app.users)`,
		`pgdynamo.yaml:12: datasets[1]: params.ready_lag ` + onlyChanges,
	}
	if got := lines(err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// TestSupportedAccelerationKeys: the acceleration keys that work are not
// refused, in either mode.
func TestSupportedAccelerationKeys(t *testing.T) {
	f, err := config.Parse("pgdynamo.yaml", doc(`
version: v1
kind: Spicepod
datasets:
  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: us-west-2
      unnest_depth: 1
      schema_infer_max_records: 20
      scan_segments: 8
      time_format: 2006-01-02 15:04:05
    acceleration:
      enabled: true
      engine: duckdb
      mode: file
      refresh_mode: full
      refresh_check_interval: 10m
      params:
        duckdb_file: users.duckdb
  - from: dynamodb:orders
    name: orders
    params:
      dynamodb_aws_region: us-west-2
    acceleration:
      mode: memory
      refresh_check_interval: 30s
  - from: dynamodb:events
    name: events
    params:
      dynamodb_aws_region: us-west-2
    acceleration:
      enabled: false
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := []config.Acceleration{c.Datasets[0].Acceleration, c.Datasets[1].Acceleration, c.Datasets[2].Acceleration}
	want := []config.Acceleration{
		{Enabled: true, Engine: "duckdb", Mode: "file", File: "users.duckdb", RefreshMode: "full", RefreshCheckInterval: 10 * time.Minute},
		{Enabled: true, Engine: "duckdb", Mode: "memory", RefreshMode: "full", RefreshCheckInterval: 30 * time.Second},
		{Enabled: false, Engine: "duckdb", Mode: "memory", RefreshMode: "full"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("acceleration\n got %+v\nwant %+v", got, want)
	}
}

// TestNotSupportedYetByHand: Validate refuses a Config built in code that
// uses a key that is not supported yet, or a stream key without a stream,
// without a line.
func TestNotSupportedYetByHand(t *testing.T) {
	base := config.Dataset{
		Name: "users", Schema: "public", Table: "users", Region: "us-west-2",
		UnnestDepth: config.UnnestUnset, SchemaInferMaxRecords: 10,
		ReadyLag: config.DefaultReadyLag, ScanInterval: config.DefaultScanInterval,
		Acceleration: config.Acceleration{Enabled: true, Engine: "duckdb", Mode: "file", File: "users.duckdb", RefreshMode: "full"},
	}
	for _, tt := range []struct {
		name string
		set  func(*config.Dataset)
		want string
	}{
		{"on_conflict", func(d *config.Dataset) {
			d.Acceleration.OnConflict = []config.OnConflict{{Columns: []string{"id"}, Action: config.OnConflictUpsert}}
		}, `acceleration.on_conflict ` + onlyChanges},
		{"snapshots", func(d *config.Dataset) { d.Acceleration.SnapshotsTriggerThreshold = 5 },
			`acceleration.params.snapshots_trigger_threshold ` + onlyChanges},
		{"metrics", func(d *config.Dataset) { d.Metrics = []config.MetricToggle{{Name: config.MetricLagMS, Enabled: true}} },
			`metrics ` + onlyChanges},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			tt.set(&d)
			c := &config.Config{Path: "pgdynamo.yaml", Runtime: config.Runtime{PG: config.PG{Listen: config.DefaultPGListen}}, Datasets: []config.Dataset{d}}
			want := []string{`pgdynamo.yaml: dataset "users": ` + tt.want}
			if got := lines(c.Validate()); !reflect.DeepEqual(got, want) {
				t.Errorf("got %q\nwant %q", got, want)
			}
		})
	}
	c := &config.Config{Path: "pgdynamo.yaml", Runtime: config.Runtime{PG: config.PG{Listen: config.DefaultPGListen}}, Datasets: []config.Dataset{base}}
	if err := c.Validate(); err != nil {
		t.Errorf("refresh_mode full in mode file: %v", err)
	}
}

// TestExampleFileResolves: examples/pgdynamo.yaml, which documents every
// key, sets only keys that work (the others are commented out), and its
// users dataset shows acceleration in mode file.
func TestExampleFileResolves(t *testing.T) {
	f, err := config.Load("../examples/pgdynamo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Resolve(env(map[string]string{
		"PG_GRAFANA_PASSWORD":   "pw",
		"AWS_ACCESS_KEY_ID":     "AKIAEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN":     "token",
	}))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Datasets[0].Acceleration
	if !a.Enabled || a.Mode != config.ModeFile || a.RefreshMode != config.RefreshFull || a.RefreshCheckInterval <= 0 || a.File == "" {
		t.Errorf("users acceleration = %+v, want enabled, mode file, refresh_mode full, a refresh_check_interval and a duckdb_file", a)
	}
}

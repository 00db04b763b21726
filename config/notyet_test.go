package config_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pgdynamo/pgdynamo/config"
)

// What follows "KEY " in each refusal.
const (
	onlyChanges    = "applies to acceleration with refresh_mode: changes only (DynamoDB Streams)"
	notYetCapacity = "is not supported yet: the per-table read-capacity budget is still to come (remove it)"
	notYetMaxItems = "is not supported yet: the per-query item limit is still to come (remove it)"
)

// TestNotSupportedYet: every key that is not supported yet is refused
// whenever a file sets it, whatever its value, with a message that names the
// file, the line, the dataset and the key.
func TestNotSupportedYet(t *testing.T) {
	// Each case is one dataset's extra lines, starting at line 7 of
	//
	//	version: v1
	//	kind: Spicepod
	//	datasets:
	//	  - from: dynamodb:users
	//	    name: users
	//	    params:
	//	      dynamodb_aws_region: us-west-2
	const head = "version: v1\nkind: Spicepod\ndatasets:\n  - from: dynamodb:users\n    name: users\n    params:\n      dynamodb_aws_region: us-west-2\n"
	tests := []struct {
		key  string // the entry of config.NotYetKeys the case covers
		yaml string
		env  map[string]string
		want string
	}{{
		key:  "params.read_capacity_limit",
		yaml: "      read_capacity_limit: 200\n",
		want: `pgdynamo.yaml:8: dataset "users": params.read_capacity_limit ` + notYetCapacity,
	}, {
		key:  "params.read_capacity_limit",
		yaml: "      read_capacity_limit: 0 # the default, still refused: the key does nothing\n",
		want: `pgdynamo.yaml:8: dataset "users": params.read_capacity_limit ` + notYetCapacity,
	}, {
		key:  "params.max_scan_items",
		yaml: "      max_scan_items: 1000000\n",
		want: `pgdynamo.yaml:8: dataset "users": params.max_scan_items ` + notYetMaxItems,
	}}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.key] = true
		t.Run(tt.key, func(t *testing.T) {
			f, err := config.Parse("pgdynamo.yaml", []byte(head+tt.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			c, err := f.Resolve(env(tt.env))
			if c != nil {
				t.Errorf("Resolve returned a config along with problems")
			}
			if got, want := lines(err), []string{tt.want}; !reflect.DeepEqual(got, want) {
				t.Errorf("problems:\n got %q\nwant %q", got, want)
			}
			if !strings.Contains(err.Error(), tt.key) {
				t.Errorf("the problem does not name the key %s", tt.key)
			}
		})
	}
	for _, k := range config.NotYetKeys() {
		if !covered[k] {
			t.Errorf("no case refuses %s", k)
		}
	}
	for k := range covered {
		if !slices.Contains(config.NotYetKeys(), k) {
			t.Errorf("%s is supported now: turn its cases into cases of what it does", k)
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
      max_scan_items: 10
  - from: dynamodb:orders
    params:
      dynamodb_aws_region: us-west-2
      read_capacity_limit: 5
      ready_lag: 1s
`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Resolve(nil)
	want := []string{
		`pgdynamo.yaml:8: dataset "app.users": params.max_scan_items ` + notYetMaxItems,
		`pgdynamo.yaml:9: datasets[1]: name is required (the SQL table name, e.g. users or app.users)`,
		`pgdynamo.yaml:12: datasets[1]: params.read_capacity_limit ` + notYetCapacity,
		`pgdynamo.yaml:13: datasets[1]: params.ready_lag ` + onlyChanges,
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
		{"read capacity", func(d *config.Dataset) { d.ReadCapacityLimit = 100 }, `params.read_capacity_limit ` + notYetCapacity},
		{"max scan items", func(d *config.Dataset) { d.MaxScanItems = 100 }, `params.max_scan_items ` + notYetMaxItems},
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

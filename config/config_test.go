package config_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pgdynamo/pgdynamo/config"
)

// env is a lookup over a fixed map, standing in for os.LookupEnv.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// doc drops the leading newline of a raw string so line 1 is its first line.
func doc(s string) []byte { return []byte(strings.TrimPrefix(s, "\n")) }

// lines splits an error into its one-problem lines.
func lines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// TestResolveFullExample resolves a file that sets every key pgdynamo
// supports.
func TestResolveFullExample(t *testing.T) {
	f, err := config.Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Resolve(env(map[string]string{
		"PG_GRAFANA_PASSWORD":   "grafana-pw",
		"AWS_ACCESS_KEY_ID":     "AKIAEXAMPLE",
		"aws_secret_access_key": "secret-as-written", // lower case: found second
		"AWS_SESSION_TOKEN":     "token",
	}))
	if err != nil {
		t.Fatal(err)
	}
	dir := "testdata"
	want := &config.Config{
		Path: "testdata/full.yaml",
		Name: "shop",
		Runtime: config.Runtime{
			PG: config.PG{
				Listen: "127.0.0.1:5433",
				Users:  []config.User{{Name: "grafana", Password: "grafana-pw"}},
				TLS:    &config.TLS{Cert: filepath.Join(dir, "server.crt"), Key: filepath.Join(dir, "server.key")},
			},
			Metrics:                 config.Metrics{Listen: "127.0.0.1:9464"},
			LogMinDurationStatement: 250 * time.Millisecond,
			ScanConcurrency:         config.DefaultScanConcurrency,
		},
		Datasets: []config.Dataset{{
			Name:                      "users",
			Schema:                    "public",
			Description:               "Registered users",
			Table:                     "users",
			Region:                    "us-west-2",
			AccessKeyID:               "AKIAEXAMPLE",
			SecretAccessKey:           "secret-as-written",
			SessionToken:              "token",
			Endpoint:                  "http://127.0.0.1:8000",
			UnnestDepth:               2,
			SchemaInferMaxRecords:     10,
			ScanSegments:              0,
			TimeFormat:                "2006-01-02T15:04:05Z07:00",
			ReadyLag:                  config.DefaultReadyLag,
			ScanInterval:              config.DefaultScanInterval,
			InvalidCheckpointBehavior: config.CheckpointRestart,
			Acceleration: config.Acceleration{
				Enabled:              true,
				Engine:               "duckdb",
				Mode:                 "file",
				File:                 filepath.Join(dir, "cache", "users.duckdb"),
				RefreshMode:          "full",
				RefreshCheckInterval: 10 * time.Minute,
			},
		}},
	}
	assertConfig(t, c, want)
}

// TestSpecExample resolves SPEC §2's example, which sets every key the format
// knows: the keys that are not supported yet are refused, one problem each,
// and nothing else is wrong; their values are still parsed as written.
func TestSpecExample(t *testing.T) {
	f, err := config.Load("testdata/spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.ResolveAll(env(map[string]string{
		"PG_GRAFANA_PASSWORD":   "grafana-pw",
		"AWS_ACCESS_KEY_ID":     "AKIAEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN":     "token",
	}))
	if err != nil {
		t.Fatalf("problems: %v", err)
	}
	d := c.Datasets[0]
	want := config.Dataset{
		Name:                      "users",
		Schema:                    "public",
		Table:                     "users",
		Region:                    "us-west-2",
		AccessKeyID:               "AKIAEXAMPLE",
		SecretAccessKey:           "secret",
		SessionToken:              "token",
		UnnestDepth:               2,
		SchemaInferMaxRecords:     10,
		TimeFormat:                "2006-01-02T15:04:05Z07:00",
		ReadyLag:                  time.Second,
		ScanInterval:              100 * time.Millisecond,
		InvalidCheckpointBehavior: config.CheckpointRestart,
		ReadCapacityLimit:         200,
		MaxScanItems:              1000000,
		Acceleration: config.Acceleration{
			Enabled:                   true,
			Engine:                    "duckdb",
			Mode:                      "file",
			File:                      filepath.Join("testdata", ".pgdynamo", "public.users.duckdb"),
			RefreshMode:               "changes",
			OnConflict:                []config.OnConflict{{Columns: []string{"id", "version"}, Action: "upsert"}},
			SnapshotsTriggerThreshold: 5,
		},
		Metrics: []config.MetricToggle{{Name: "lag_ms", Enabled: true}},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("dataset\n got %+v\nwant %+v", d, want)
	}
	if !d.MetricEnabled(config.MetricLagMS) || d.MetricEnabled(config.MetricShardsActive) {
		t.Errorf("MetricEnabled: lag_ms should be on and shards_active off")
	}
}

// assertConfig compares exported fields (Validate's bookkeeping is not part
// of the value) and secrets by their revealed values.
func assertConfig(t *testing.T, got, want *config.Config) {
	t.Helper()
	if err := got.Validate(); err != nil {
		t.Errorf("Validate on a resolved config: %v", err)
	}
	g := *got
	w := *want
	if g.Path != w.Path || g.Name != w.Name || !reflect.DeepEqual(g.Runtime, w.Runtime) || !reflect.DeepEqual(g.Datasets, w.Datasets) {
		t.Errorf("config mismatch\n got %#v\nwant %#v", g, w)
		for i := range min(len(g.Datasets), len(w.Datasets)) {
			if !reflect.DeepEqual(g.Datasets[i], w.Datasets[i]) {
				t.Errorf("dataset %d\n got %+v\nwant %+v", i, g.Datasets[i], w.Datasets[i])
			}
		}
	}
	for i, u := range g.Runtime.PG.Users {
		if i < len(w.Runtime.PG.Users) && u.Password.Reveal() != w.Runtime.PG.Users[i].Password.Reveal() {
			t.Errorf("user %d password differs", i)
		}
	}
}

func TestResolveDefaults(t *testing.T) {
	f, err := config.Parse("pgdynamo.yaml", doc(`
version: v1
kind: Spicepod
datasets:
  - from: dynamodb:Orders.v2-prod
    name: app.Orders
    description: all orders
    params:
      dynamodb_aws_region: eu-central-1
      unnest_depth: "0"           # numbers may be quoted
      schema_infer_max_records: 50
      scan_segments: 16
      dynamodb_endpoint: http://localhost:8000
    acceleration:
      mode: file
      refresh_check_interval: 10m
      params:
        duckdb_file: /var/lib/pgdynamo/orders.db
  - from: dynamodb:users
    name: users
    params:
      dynamodb_aws_region: us-west-2
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &config.Config{
		Path: "pgdynamo.yaml",
		Runtime: config.Runtime{
			PG:                      config.PG{Listen: config.DefaultPGListen},
			LogMinDurationStatement: config.LogMinDurationDisabled,
			ScanConcurrency:         config.DefaultScanConcurrency,
		},
		Datasets: []config.Dataset{{
			Name: "Orders", Schema: "app", Description: "all orders", Table: "Orders.v2-prod",
			Region: "eu-central-1", Endpoint: "http://localhost:8000",
			UnnestDepth: 0, SchemaInferMaxRecords: 50, ScanSegments: 16,
			ReadyLag: 2 * time.Second, ScanInterval: 500 * time.Millisecond, InvalidCheckpointBehavior: "restart",
			Acceleration: config.Acceleration{
				Enabled: true, Engine: "duckdb", Mode: "file", File: "/var/lib/pgdynamo/orders.db",
				RefreshMode: "full", RefreshCheckInterval: 10 * time.Minute,
			},
		}, {
			Name: "users", Schema: "public", Table: "users", Region: "us-west-2",
			UnnestDepth: -1, SchemaInferMaxRecords: 10, ScanSegments: 0,
			ReadyLag: 2 * time.Second, ScanInterval: 500 * time.Millisecond, InvalidCheckpointBehavior: "restart",
			Acceleration: config.Acceleration{Enabled: false, Engine: "duckdb", Mode: "memory", RefreshMode: "full"},
		}},
	}
	assertConfig(t, c, want)
	if got := c.Datasets[0].QualifiedName(); got != "app.Orders" {
		t.Errorf("QualifiedName = %q", got)
	}
}

// TestSecretNotLeaked feeds secrets into values that are wrong in every way
// a message could quote them, and checks no message quotes them.
func TestSecretNotLeaked(t *testing.T) {
	secrets := map[string]string{
		"REGION":     "LEAK-region x",
		"ENDPOINT":   "ftp://LEAK-endpoint",
		"LAYOUT":     "LEAK-layout 15:04",
		"DEPTH":      "LEAK-depth",
		"SEGMENTS":   "LEAK-segments",
		"LAG":        "LEAK-lag",
		"NAME":       "LEAKname",
		"FROM":       "LEAKfrom:tbl",
		"TABLE":      "dynamodb:LEAK/table",
		"LISTEN":     "LEAK-listen",
		"MLISTEN":    "127.0.0.1:LEAK",
		"USER":       "LEAK-user",
		"PW":         "LEAK-password",
		"SECRET_KEY": "LEAK-secret-key",
		"TOKEN":      "LEAK-token",
		"ACTION":     "LEAK-action",
		"METRIC":     "LEAK-metric",
	}
	f, err := config.Parse("pgdynamo.yaml", doc(`
version: v1
kind: Spicepod
runtime:
  pg:
    listen: ${secrets:listen}
    users:
      - name: ${secrets:user}
        password: ${secrets:pw}
      - name: ${secrets:user}
        password: ${secrets:pw}
  metrics:
    listen: ${secrets:mlisten}
datasets:
  - from: ${secrets:from}
    name: ${secrets:name}
    params:
      dynamodb_aws_region: ${secrets:region}
      dynamodb_endpoint: ${secrets:endpoint}
      time_format: ${secrets:layout}
      unnest_depth: ${secrets:depth}
      scan_segments: ${secrets:segments}
      ready_lag: ${secrets:lag}
      dynamodb_aws_secret_access_key: ${secrets:secret_key}
      dynamodb_aws_session_token: ${secrets:token}
    acceleration:
      on_conflict:
        id: ${secrets:action}
    metrics:
      - name: ${secrets:metric}
  - from: ${secrets:table}
    name: ${secrets:name}
    params:
      dynamodb_aws_region: us-west-2
`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Resolve(env(secrets))
	if err == nil {
		t.Fatal("expected problems")
	}
	msg := err.Error()
	if strings.Contains(msg, "LEAK") {
		t.Errorf("a secret's value appears in the error:\n%s", msg)
	}
	// Each bad value is still reported, by its reference and key.
	for _, want := range []string{
		`pgdynamo.yaml:5: runtime.pg.listen: the value of ${secrets:listen} is not host:port`,
		`datasets[0]: from: connector in the value of ${secrets:from} is not supported`,
		`datasets[0]: params.dynamodb_aws_region: the value of ${secrets:region} is not an AWS region name`,
		`datasets[0]: params.time_format: the value of ${secrets:layout} has no year`,
		`datasets[0]: params.unnest_depth: the value of ${secrets:depth} is not a whole number`,
		`datasets[0]: acceleration.on_conflict.id: the value of ${secrets:action} is not supported`,
		`datasets[0]: metrics[0].name: the value of ${secrets:metric} is not a metric`,
		`datasets[1]: from: table name the value of ${secrets:table} is not valid`,
		`datasets[1]: name: the value of ${secrets:name} is also the name of datasets[0]`,
		`runtime.pg.users[1].name: the value of ${secrets:user} is also runtime.pg.users[0]`,
		`pgdynamo.yaml:12: runtime.metrics.listen: the value of ${secrets:mlisten} has a port that is not a number from 0 to 65535`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
}

// TestValidateAfterOverride is the CLI's path: --listen replaces the file's
// address after Resolve, and Validate must catch the now-unsafe trust auth.
func TestValidateAfterOverride(t *testing.T) {
	f, err := config.Parse("pgdynamo.yaml", doc(`
version: v1
kind: Spicepod
runtime:
  pg:
    listen: 127.0.0.1:5433
  metrics:
    listen: 127.0.0.1:9464
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		listen, metrics string
		want            []string
	}{
		{"localhost:6000", "", nil},
		{"[::1]:6000", "127.0.0.1:9000", nil},
		{"0.0.0.0:5433", "127.0.0.1:9464", []string{
			`pgdynamo.yaml: runtime.pg.listen: "0.0.0.0:5433" is not a loopback address, and without runtime.pg.users every client is trusted; add runtime.pg.users, or listen on 127.0.0.1, ::1 or localhost (value set outside the file)`,
		}},
		{"127.0.0.1:9464", "127.0.0.1:9464", []string{
			`pgdynamo.yaml:7: runtime.metrics.listen: "127.0.0.1:9464" is also runtime.pg.listen; the metrics listener needs its own address`,
		}},
	} {
		o := *c
		o.Runtime.PG.Listen, o.Runtime.Metrics.Listen = tt.listen, tt.metrics
		if got := lines(o.Validate()); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("listen %q metrics %q:\n got %q\nwant %q", tt.listen, tt.metrics, got, tt.want)
		}
	}
	// With users, a non-loopback address is fine.
	o := *c
	o.Runtime.PG.Listen = "0.0.0.0:5433"
	o.Runtime.PG.Users = []config.User{{Name: "grafana", Password: "pw"}}
	if err := o.Validate(); err != nil {
		t.Errorf("users on 0.0.0.0: %v", err)
	}
}

// TestValidateByHand checks a Config built in code (no file): messages
// still name the file and key, without lines.
func TestValidateByHand(t *testing.T) {
	c := &config.Config{
		Path:    "pgdynamo.yaml",
		Runtime: config.Runtime{PG: config.PG{Listen: config.DefaultPGListen}},
		Datasets: []config.Dataset{{
			Name: "users", Schema: "public", Table: "users", Region: "us-west-2",
			UnnestDepth: -2, SchemaInferMaxRecords: 10, ReadyLag: time.Second, ScanInterval: time.Second,
			Acceleration: config.Acceleration{Engine: "duckdb", Mode: "memory", RefreshMode: "full"},
		}},
	}
	want := []string{`pgdynamo.yaml: dataset "users": params.unnest_depth: "-2" is out of range (0 or more; omit it to keep maps as structs)`}
	if got := lines(c.Validate()); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := config.Load("testdata/does-not-exist.yaml")
	want := []string{"testdata/does-not-exist.yaml: cannot read the configuration file: no such file or directory"}
	if got := lines(err); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestLoadTestdataProblems(t *testing.T) {
	f, err := config.Load("testdata/problems.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Resolve(env(map[string]string{"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"}))
	want := []string{
		`testdata/problems.yaml:6: runtime.pg.listen: "0.0.0.0:5433" is not a loopback address, and without runtime.pg.users every client is trusted; add runtime.pg.users, or listen on 127.0.0.1, ::1 or localhost`,
		`testdata/problems.yaml:13: dataset "users": params.dynamodb_aws_secret_access_key: ${secrets:aws_secret_access_key} is not set (set the environment variable AWS_SECRET_ACCESS_KEY)`,
		`testdata/problems.yaml:14: dataset "user": params.dynamodb_aws_region is required (the AWS region that holds the table, e.g. us-west-2)`,
		`testdata/problems.yaml:15: dataset "user": name: "user" is a reserved keyword in PostgreSQL and cannot name a table; choose another name`,
	}
	if got := lines(err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

func TestMergeKeysAndAnchors(t *testing.T) {
	f, err := config.Parse("pgdynamo.yaml", doc(`
version: v1
kind: Spicepod
datasets:
  - from: dynamodb:users
    name: users
    params: &common
      dynamodb_aws_region: us-west-2
      schema_infer_max_records: 20
  - from: dynamodb:orders
    name: orders
    params:
      <<: *common
      schema_infer_max_records: 30
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Datasets[1]; d.Region != "us-west-2" || d.SchemaInferMaxRecords != 30 {
		t.Errorf("merged params: region %q, schema_infer_max_records %d", d.Region, d.SchemaInferMaxRecords)
	}
}

func TestSecretLookupOrder(t *testing.T) {
	f, err := config.Parse("pgdynamo.yaml", doc(`
version: v1
kind: Spicepod
runtime:
  pg:
    users:
      - {name: a, password: "${secrets:pw}"}
      - {name: b, password: "${secrets:Other}"}
      - {name: c, password: "x-${env:pw}-${secrets:pw}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Resolve(env(map[string]string{"PW": "upper", "pw": "lower", "Other": "as-written"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range c.Runtime.PG.Users {
		got = append(got, u.Password.Reveal())
	}
	if want := []string{"upper", "as-written", "x-lower-upper"}; !reflect.DeepEqual(got, want) {
		t.Errorf("passwords %q, want %q", got, want)
	}
}

func TestCheckTimeFormat(t *testing.T) {
	for _, tt := range []struct {
		layout string
		ok     bool
	}{
		{"2006-01-02T15:04:05Z07:00", true},
		{"2006-01-02T15:04:05.999Z07:00", true},
		{"2006-01-02T15:04:05", true},
		{"2006-01-02 15:04:05", true},
		{"01/02/2006 15:04:05", true},
		{"02/01/2006 15:04:05", true},
		{"Jan 2, 2006 3:04:05 PM", true},
		{"20060102150405", true},
		{"2006-01-02 15:04:05.000 -0700", true},
		{"2006-01-02 15:04:05 MST", true},
		{"2006-01-02", true},
		{"2006-002", true},
		{"06-1-2 15:04", true},
		{"15:04:05", false},            // no date
		{"2006-01 15:04", false},       // no day
		{"2006-01-02 03:04:05", false}, // 12-hour clock without PM
		{"2006-01-02 04:05", false},    // minutes without hours
		{"Monday", false},              // no date at all
		{"2006-01-02T15:04:05Z", true}, // a literal Z, not a zone element: still round-trips
	} {
		msg := config.CheckTimeFormat(tt.layout)
		if (msg == "") != tt.ok {
			t.Errorf("CheckTimeFormat(%q) = %q, want ok=%v", tt.layout, msg, tt.ok)
		}
	}
}

func TestReservedKeywords(t *testing.T) {
	for word, want := range map[string]bool{
		"select": true, "table": true, "user": true, "order": true, "group": true, "from": true,
		"where": true, "all": true, "analyse": true, "left": true, "SELECT": true, "system_user": true,
		"users": false, "orders": false, "name": false, "time": false, "data": false,
	} {
		if got := config.IsReservedKeyword(word); got != want {
			t.Errorf("IsReservedKeyword(%q) = %v, want %v", word, got, want)
		}
	}
}

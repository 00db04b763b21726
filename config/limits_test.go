package config_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/pgdynamo/pgdynamo/config"
)

// TestLimits: runtime.limits takes PostgreSQL's forms (sizes in kB, MB, GB,
// TB, 1024-based; times as bare milliseconds or with a unit) plus a share
// of RAM, and refuses the rest with the key named.
func TestLimits(t *testing.T) {
	const (
		memAllowed  = "(a size with a unit, kB, MB, GB or TB (1024-based, as PostgreSQL's), at least 64MB; or a share of RAM such as 50%)"
		timeAllowed = "(0 for none, or a duration such as 30s or 5min; a bare number is milliseconds)"
		authAllowed = "(1s to 10min; a bare number is milliseconds)"
	)
	def := config.Limits{MemoryLimit: config.Memory{Percent: 50}, MaxConnections: 100, AuthenticationTimeout: time.Minute}
	with := func(f func(*config.Limits)) config.Limits { l := def; f(&l); return l }
	tests := []struct {
		yaml    string // the keys of runtime.limits
		want    config.Limits
		problem string
	}{
		{"", def, ""},
		{"memory_limit: 4GB", with(func(l *config.Limits) { l.MemoryLimit = config.Memory{Bytes: 4 << 30} }), ""},
		{"memory_limit: 1.5GB", with(func(l *config.Limits) { l.MemoryLimit = config.Memory{Bytes: 3 << 29} }), ""},
		{"memory_limit: 512mb", with(func(l *config.Limits) { l.MemoryLimit = config.Memory{Bytes: 512 << 20} }), ""},
		{"memory_limit: 25%", with(func(l *config.Limits) { l.MemoryLimit = config.Memory{Percent: 25} }), ""},
		{"max_connections: 1000", with(func(l *config.Limits) { l.MaxConnections = 1000 }), ""},
		{"authentication_timeout: 5s", with(func(l *config.Limits) { l.AuthenticationTimeout = 5 * time.Second }), ""},
		{"statement_timeout: 5min", with(func(l *config.Limits) { l.StatementTimeout = 5 * time.Minute }), ""},
		{"statement_timeout: 1500", with(func(l *config.Limits) { l.StatementTimeout = 1500 * time.Millisecond }), ""},
		{"idle_in_transaction_session_timeout: 1m30s", with(func(l *config.Limits) { l.IdleInTransactionSessionTimeout = 90 * time.Second }), ""},
		{"memory_limit: 4", def, `pgdynamo.yaml:5: runtime.limits.memory_limit: "4" is not a memory size ` + memAllowed},
		{"memory_limit: 150%", def, `pgdynamo.yaml:5: runtime.limits.memory_limit: "150%" is not a memory size ` + memAllowed},
		{"memory_limit: 1MB", def, `pgdynamo.yaml:5: runtime.limits.memory_limit: "1MB" is out of range ` + memAllowed},
		{"max_connections: 0", def, `pgdynamo.yaml:5: runtime.limits.max_connections: "0" is out of range (1 to 262143)`},
		{"authentication_timeout: 0", def, `pgdynamo.yaml:5: runtime.limits.authentication_timeout: "0" is out of range ` + authAllowed},
		{"max_connections: lots", def, `pgdynamo.yaml:5: runtime.limits.max_connections: "lots" is not a whole number (1 to 262143)`},
		{"authentication_timeout: 100ms", def, `pgdynamo.yaml:5: runtime.limits.authentication_timeout: "100ms" is out of range ` + authAllowed},
		{"authentication_timeout: 1h", def, `pgdynamo.yaml:5: runtime.limits.authentication_timeout: "1h" is out of range ` + authAllowed},
		{"statement_timeout: -1", def, `pgdynamo.yaml:5: runtime.limits.statement_timeout: "-1" is out of range ` + timeAllowed},
		{"statement_timeout: 99999999999999", def, `pgdynamo.yaml:5: runtime.limits.statement_timeout: "99999999999999" is out of range ` + timeAllowed},
		{"idle_in_transaction_session_timeout: later", def, `pgdynamo.yaml:5: runtime.limits.idle_in_transaction_session_timeout: "later" is not a duration ` + timeAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.yaml, func(t *testing.T) {
			yaml := "version: v1\nkind: Spicepod\nruntime:\n  limits:\n"
			if tc.yaml != "" {
				yaml += "    " + tc.yaml + "\n"
			}
			c := resolveWant(t, yaml, nil, tc.problem)
			if c != nil && c.Runtime.Limits != tc.want {
				t.Errorf("Limits = %+v, want %+v", c.Runtime.Limits, tc.want)
			}
		})
	}
}

// TestLimitsByHand: a Config built in code may leave Limits zero (the
// defaults); Validate refuses values out of range.
func TestLimitsByHand(t *testing.T) {
	c := &config.Config{Path: "pgdynamo.yaml", Runtime: config.Runtime{PG: config.PG{Listen: config.DefaultPGListen}}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Runtime.Limits = config.Limits{MaxConnections: -1, StatementTimeout: -time.Second, MemoryLimit: config.Memory{Bytes: 1 << 20}}
	want := []string{
		`pgdynamo.yaml: runtime.limits.memory_limit: "1MB" is out of range (a size with a unit, kB, MB, GB or TB (1024-based, as PostgreSQL's), at least 64MB; or a share of RAM such as 50%)`,
		`pgdynamo.yaml: runtime.limits.max_connections: "-1" is out of range (1 to 262143)`,
		`pgdynamo.yaml: runtime.limits.statement_timeout: "-1s" is out of range (0 for none, or a duration such as 30s or 5min; a bare number is milliseconds)`,
	}
	if got := lines(c.Validate()); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestMemory(t *testing.T) {
	for _, tc := range []struct {
		m    config.Memory
		ram  int64
		want int64
		text string
	}{
		{config.Memory{}, 8 << 30, 4 << 30, "50%"},
		{config.Memory{Percent: 25}, 8 << 30, 2 << 30, "25%"},
		{config.Memory{Bytes: 3 << 29}, 8 << 30, 3 << 29, "1536MB"},
		{config.Memory{Bytes: 1<<30 + 1}, 0, 1<<30 + 1, "1073741825B"},
	} {
		if got := tc.m.Of(tc.ram); got != tc.want {
			t.Errorf("%+v.Of(%d) = %d, want %d", tc.m, tc.ram, got, tc.want)
		}
		if got := tc.m.String(); got != tc.text {
			t.Errorf("%+v.String() = %q, want %q", tc.m, got, tc.text)
		}
	}
}

// resolveWant parses and resolves yaml as pgdynamo.yaml with lookup for
// references. With problem set, it checks that resolving fails with exactly
// that problem and returns nil; without, that it succeeds.
func resolveWant(t *testing.T, yaml string, lookup func(string) (string, bool), problem string) *config.Config {
	t.Helper()
	f, err := config.Parse("pgdynamo.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Resolve(lookup)
	if problem != "" {
		if got, want := lines(err), []string{problem}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runtime.scan_concurrency is 1 to 1000 in the file, as documented: zero
// (the default in a Config built by hand) is refused there.
func TestScanConcurrencyRange(t *testing.T) {
	for _, tc := range []struct {
		value   string
		want    int
		problem string
	}{
		{"4", 4, ""},
		{"1000", 1000, ""},
		{"0", 0, `pgdynamo.yaml:4: runtime.scan_concurrency: "0" is out of range (1 to 1000; default 8)`},
		{"1001", 0, `pgdynamo.yaml:4: runtime.scan_concurrency: "1001" is out of range (1 to 1000; default 8)`},
		{"-3", 0, `pgdynamo.yaml:4: runtime.scan_concurrency: "-3" is out of range (1 to 1000; default 8)`},
	} {
		t.Run(tc.value, func(t *testing.T) {
			c := resolveWant(t, "version: v1\nkind: Spicepod\nruntime:\n  scan_concurrency: "+tc.value+"\n", nil, tc.problem)
			if c != nil && c.Runtime.ScanConcurrency != tc.want {
				t.Errorf("ScanConcurrency = %d, want %d", c.Runtime.ScanConcurrency, tc.want)
			}
		})
	}
}

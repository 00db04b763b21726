package config_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/pgdynamo/pgdynamo/config"
)

// TestLogMinDurationStatement: runtime.log_min_duration_statement takes
// PostgreSQL's values (-1 off, 0 every statement, a bare number in
// milliseconds) and Go durations, and refuses the rest with the key named.
func TestLogMinDurationStatement(t *testing.T) {
	const allowed = "(-1 to log no statement durations (the default), 0 to log every statement's, or a duration such as 250ms or 1s; a bare number is milliseconds)"
	tests := []struct {
		value   string // "" leaves the key out
		want    time.Duration
		problem string
	}{
		{"", config.LogMinDurationDisabled, ""},
		{"-1", config.LogMinDurationDisabled, ""},
		{"0", 0, ""},
		{"250", 250 * time.Millisecond, ""},
		{"250ms", 250 * time.Millisecond, ""},
		{"1.5s", 1500 * time.Millisecond, ""},
		{`"2s"`, 2 * time.Second, ""},
		{"${env:SLOW}", 750 * time.Millisecond, ""},
		{"-2", 0, `pgdynamo.yaml:5: runtime.log_min_duration_statement: "-2" is out of range ` + allowed},
		{"-5ms", 0, `pgdynamo.yaml:5: runtime.log_min_duration_statement: "-5ms" is out of range ` + allowed},
		{"soon", 0, `pgdynamo.yaml:5: runtime.log_min_duration_statement: "soon" is not a duration ` + allowed},
		{"3000000000", 0, `pgdynamo.yaml:5: runtime.log_min_duration_statement: "3000000000" is out of range ` + allowed},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			yaml := "version: v1\nkind: Spicepod\nruntime:\n  pg: {}\n"
			if tc.value != "" {
				yaml += "  log_min_duration_statement: " + tc.value + "\n"
			}
			c := resolveWant(t, yaml, env(map[string]string{"SLOW": "750ms"}), tc.problem)
			if c == nil {
				return
			}
			if got := c.Runtime.LogMinDurationStatement; got != tc.want {
				t.Errorf("LogMinDurationStatement = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestLogMinDurationStatementByHand: Validate refuses a negative value
// other than LogMinDurationDisabled in a Config built in code.
func TestLogMinDurationStatementByHand(t *testing.T) {
	c := &config.Config{Path: "pgdynamo.yaml", Runtime: config.Runtime{
		PG:                      config.PG{Listen: config.DefaultPGListen},
		LogMinDurationStatement: -time.Second,
	}}
	want := []string{`pgdynamo.yaml: runtime.log_min_duration_statement: "-1s" is out of range (-1 to log no statement durations (the default), 0 to log every statement's, or a duration such as 250ms or 1s; a bare number is milliseconds)`}
	if got := lines(c.Validate()); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	c.Runtime.LogMinDurationStatement = config.LogMinDurationDisabled
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

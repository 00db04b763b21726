package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestHelp: --help (and -h, and help COMMAND) prints the command's usage
// to stdout and exits 0; a bad flag or a stray argument still exits 2 with
// the usage on stderr.
func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string // in stdout when code is 0, else in stderr
	}{
		{[]string{"help"}, 0, "pgdynamo serve --config FILE"},
		{[]string{"--help"}, 0, "pgdynamo check --config FILE"},
		{[]string{"-h"}, 0, "pgdynamo version"},
		{[]string{"serve", "--help"}, 0, "-log-format"},
		{[]string{"serve", "-h"}, 0, "log_min_duration_statement"},
		{[]string{"check", "--help"}, 0, "pgdynamo check --config FILE"},
		{[]string{"check", "-help"}, 0, "-config"},
		{[]string{"version", "--help"}, 0, "pgdynamo version"},
		{[]string{"help", "serve"}, 0, "-metrics-listen"},
		{[]string{"help", "version"}, 0, "Prints pgdynamo's version"},
		{[]string{"version"}, 0, "pgdynamo 0"},
		{[]string{"serve", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"check", "--config"}, 2, "flag needs an argument: -config"},
		{[]string{"check", "stray"}, 2, `unexpected argument "stray"`},
		{[]string{"version", "--bogus"}, 2, "Usage:"},
		{[]string{"help", "nope"}, 2, `unknown command "nope"`},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{nil, 2, "Usage:"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			out, other := stdout.String(), stderr.String()
			if code != 0 {
				out, other = other, out
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
			if other != "" {
				t.Errorf("unexpected output on the other stream:\n%s", other)
			}
		})
	}
}

// TestNewLogger: --log-format text writes logfmt lines, json one JSON
// object a line with durations as text; anything else is refused.
func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	log, err := newLogger(&buf, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("hidden")
	log.Info("connection closed", "user", "grafana", "duration", 1500*time.Millisecond)
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("not one JSON line: %v\n%s", err, buf.String())
	}
	if rec["msg"] != "connection closed" || rec["user"] != "grafana" || rec["duration"] != "1.5s" || rec["level"] != "INFO" {
		t.Errorf("record %v", rec)
	}

	buf.Reset()
	if log, err = newLogger(&buf, "warn", "TEXT"); err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("statement failed", "sqlstate", "42P01")
	if got := buf.String(); !strings.Contains(got, `level=WARN msg="statement failed" sqlstate=42P01`) || strings.Contains(got, "hidden") {
		t.Errorf("text log:\n%s", got)
	}

	if _, err := newLogger(&buf, "info", "xml"); err == nil || !strings.Contains(err.Error(), "text or json") {
		t.Errorf("--log-format xml: %v", err)
	}
	if _, err := newLogger(&buf, "loud", "text"); err == nil {
		t.Error("--log-level loud accepted")
	}
}

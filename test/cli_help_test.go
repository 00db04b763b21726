package test

import (
	"strings"
	"testing"
)

// TestCLIHelp: every command answers --help (and -h) with its usage on
// stdout and exit code 0, as does `pgdynamo help`; a bad flag still exits 2.
func TestCLIHelp(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--help"}, {"serve", "-h"}, {"check", "--help"}, {"check", "-h"},
		{"version", "--help"}, {"help"}, {"help", "serve"}, {"--help"},
	} {
		stdout, stderr, code := runCLI(t, nil, args...)
		if code != 0 || !strings.Contains(stdout, "Usage:") || stderr != "" {
			t.Errorf("pgdynamo %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	stdout, _, _ := runCLI(t, nil, "serve", "--help")
	for _, flag := range []string{"-config", "-listen", "-metrics-listen", "-log-level", "-log-format"} {
		if !strings.Contains(stdout, flag) {
			t.Errorf("serve --help lacks %s:\n%s", flag, stdout)
		}
	}
	for _, args := range [][]string{{"serve", "--bogus"}, {"check", "--nope"}, {"version", "--x"}, {"serve", "--log-format", "xml"}} {
		stdout, stderr, code := runCLI(t, nil, args...)
		if code != 2 || stdout != "" || stderr == "" {
			t.Errorf("pgdynamo %s: exit %d, want 2 with the problem on stderr\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
		}
	}
}

package pgtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPickBinDir(t *testing.T) {
	root := t.TempDir()
	// mk creates dir with the named files, executable or not.
	mk := func(dir string, exec bool, names ...string) string {
		t.Helper()
		p := filepath.Join(root, dir)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if exec {
			mode = 0o755
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(p, n), []byte("#!/bin/sh\n"), mode); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	mk("many/9.6/bin", true, "initdb", "postgres")
	mk("many/13/bin", true, "initdb", "postgres")
	v15 := mk("many/15/bin", true, "initdb", "postgres")
	mk("many/16/bin", true, "initdb")              // no postgres
	mk("many/17/bin", false, "initdb", "postgres") // not executable
	mk("old/9.6/bin", true, "initdb", "postgres")
	clientOnly := mk("client/bin", true, "psql", "pg_config")
	full := mk("custom/bin", true, "initdb", "postgres")

	tests := []struct {
		name         string
		fromPgConfig string
		glob         string
		want         string
		wantErr      string
	}{
		{name: "newest complete version wins, numerically", glob: filepath.Join(root, "many/*/bin"), want: v15},
		{name: "single version", glob: filepath.Join(root, "old/*/bin"), want: filepath.Join(root, "old/9.6/bin")},
		{name: "pg_config first", fromPgConfig: full, glob: filepath.Join(root, "many/*/bin"), want: full},
		{name: "pg_config without server falls back", fromPgConfig: clientOnly, glob: filepath.Join(root, "many/*/bin"), want: v15},
		{name: "nothing", glob: filepath.Join(root, "none/*/bin"), wantErr: "apt-get install -y postgresql"},
		{name: "pg_config without server and nothing else", fromPgConfig: clientOnly, glob: filepath.Join(root, "none/*/bin"),
			wantErr: "apt-get install -y postgresql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pickBinDir(tt.fromPgConfig, tt.glob)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("pickBinDir = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("pickBinDir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"15", "9.6", 1},
		{"9.6", "9.5", 1},
		{"15", "15", 0},
		{"15", "15.0", 0},
		{"13", "16", -1},
		{"devel", "9.6", -1},
	}
	for _, tt := range tests {
		if got := compareVersions(parseVersion(tt.a), parseVersion(tt.b)); got != tt.want {
			t.Errorf("compareVersions(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

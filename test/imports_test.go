package test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/pgdynamo/pgdynamo"

// deps returns the transitive imports of pkg (relative to the module).
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+"/"+pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// TestDependenciesPointOneWay enforces the layering of the brief and
// STYLE.md: wire knows only pgproto3, pgtypes, pgerror and its own engine
// interface; the data side never imports wire; the leaves import nothing of
// the project.
func TestDependenciesPointOneWay(t *testing.T) {
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{"wire", []string{"engine", "planner", "catalog", "scan", "stream", "ddb", "attrarrow", "config", "gateway",
			"github.com/duckdb/", "github.com/aws/", "github.com/pganalyze/"}},
		{"catalog", []string{"wire", "engine", "planner", "gateway"}},
		{"scan", []string{"wire", "engine", "planner", "catalog", "gateway"}},
		{"stream", []string{"wire", "engine", "planner", "gateway"}},
		{"planner", []string{"wire", "engine", "gateway"}},
		{"readplan", []string{"wire", "engine", "planner", "gateway", "github.com/duckdb/"}},
		{"accel", []string{"wire", "engine", "planner", "gateway", "github.com/duckdb/"}},
		{"engine", []string{"gateway"}},
		{"pgtypes", []string{module + "/"}},
		{"pgerror", []string{module + "/"}},
		{"attrarrow", []string{module + "/"}},
		{"config", []string{module + "/"}},
	}
	for _, r := range rules {
		for _, d := range deps(t, r.pkg) {
			if d == module+"/"+r.pkg {
				continue
			}
			for _, f := range r.forbidden {
				full := f
				if !strings.Contains(f, "/") || !strings.Contains(f, ".") {
					full = module + "/" + f
				}
				if d == full || strings.HasPrefix(d, strings.TrimSuffix(full, "/")+"/") || (strings.HasSuffix(f, "/") && strings.HasPrefix(d, f)) {
					t.Errorf("%s imports %s (directly or not), which the layering forbids", r.pkg, d)
				}
			}
		}
	}
}

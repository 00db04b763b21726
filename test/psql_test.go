package test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pgdynamo/pgdynamo/gateway"
)

// psql runs the real psql binary against the gateway with the given
// arguments and returns its combined output.
func psql(t *testing.T, gw *gateway.Gateway, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("psql")
	if err != nil {
		t.Fatalf("psql is required (apt-get install -y postgresql-client): %v", err)
	}
	host, port, _ := net.SplitHostPort(gw.Addr().String())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := []string{"-X", "-h", host, "-p", port, "-U", "tester", "-d", "e2e", "-v", "VERBOSITY=verbose"}
	cmd := exec.CommandContext(ctx, path, append(base, args...)...)
	cmd.Env = []string{"PGCONNECT_TIMEOUT=10", "PGSSLMODE=prefer", "LC_ALL=C.UTF-8"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestPsqlCount(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	out, err := psql(t, gw, "-A", "-t", "-c", "SELECT count(*) FROM people")
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(out), fmt.Sprint(len(f.people)); got != want {
		t.Errorf("psql printed %q, want %q", got, want)
	}
}

func TestPsqlAlignedOutputAndTypes(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	out, err := psql(t, gw, "-c", "SELECT id, name, active, joined FROM people WHERE id IN (1, 2) ORDER BY id")
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.Contains(lines[0], "id") || !strings.Contains(lines[0], "joined") || lines[4] != "(2 rows)" {
		t.Fatalf("unexpected psql output:\n%s", out)
	}
	// Postgres text output: booleans are t/f, dates ISO.
	for _, l := range lines[2:4] {
		cells := strings.Split(l, "|")
		if b := strings.TrimSpace(cells[2]); b != "t" && b != "f" {
			t.Errorf("boolean printed as %q in %q", b, l)
		}
		if _, err := time.Parse("2006-01-02", strings.TrimSpace(cells[3])); err != nil {
			t.Errorf("date printed as %q: %v", cells[3], err)
		}
	}
}

func TestPsqlErrorsKeepSessionUsable(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	// psql runs every -c in one session and keeps going after an error.
	out, _ := psql(t, gw, "-A", "-t",
		"-c", "SELEC 1",
		"-c", "SELECT * FROM nope",
		"-c", "INSERT INTO people (id) VALUES (1)",
		"-c", "SELECT 40 + 2")
	for _, want := range []string{
		"ERROR:  42601: syntax error at or near \"SELEC\"",
		"ERROR:  42P01: relation \"nope\" does not exist",
		"LINE 1: SELECT * FROM nope",
		"ERROR:  25006: cannot execute INSERT in a read-only transaction",
		"\n42\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("psql output lacks %q:\n%s", want, out)
		}
	}
}

func TestPsqlRefusesServerFileAccess(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	out, _ := psql(t, gw, "-A", "-t",
		"-c", "SELECT * FROM read_text('/etc/passwd')",
		"-c", "COPY (SELECT 1) TO '/tmp/pgdynamo-psql-copy'",
		"-c", "INSTALL httpfs",
		"-c", "ATTACH '/tmp/pgdynamo-psql.db'",
		"-c", "SELECT 'still here'")
	if strings.Contains(out, "root:") {
		t.Fatalf("/etc/passwd leaked:\n%s", out)
	}
	if got := strings.Count(out, "ERROR:"); got != 4 {
		t.Errorf("got %d errors, want 4:\n%s", got, out)
	}
	if !strings.Contains(out, "still here") {
		t.Errorf("session did not survive:\n%s", out)
	}
}

func TestPsqlExplain(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	out, err := psql(t, gw, "-A", "-t", "-c", "EXPLAIN SELECT name FROM people WHERE age > 30")
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	for _, want := range []string{"DynamoDB Scan on public.people", "Parallel segments: 1", "PGDYNAMO_SCAN"} {
		if !strings.Contains(strings.ToUpper(out), strings.ToUpper(want)) {
			t.Errorf("EXPLAIN lacks %q:\n%s", want, out)
		}
	}
	out, err = psql(t, gw, "-A", "-t", "-c", "EXPLAIN ANALYZE SELECT name FROM people WHERE age > 30")
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	rows := 0
	for _, p := range f.people {
		if p.Age > 30 {
			rows++
		}
	}
	for _, want := range []string{
		"DynamoDB Scan on table " + f.peopleTable,
		"Projection: age, name",
		"Filter: age > 30",
		// The filter cuts what DynamoDB returns; it still reads every item.
		fmt.Sprintf("Items scanned: %d ", len(f.people)),
		fmt.Sprintf("Items returned: %d ", rows),
		fmt.Sprintf("Rows: %d", rows),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("EXPLAIN ANALYZE lacks %q:\n%s", want, out)
		}
	}
}

func TestPsqlExplainKeyQuery(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	out, err := psql(t, gw, "-A", "-t", "-c", "EXPLAIN ANALYZE SELECT name FROM people WHERE id = 7")
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	for _, want := range []string{"DynamoDB Query on table " + f.peopleTable, "Items scanned: 1 ", "Items returned: 1 ", "Rows: 1 "} {
		if !strings.Contains(out, want) {
			t.Errorf("EXPLAIN ANALYZE lacks %q:\n%s", want, out)
		}
	}
	out, err = psql(t, gw, "-A", "-t", "-c", "EXPLAIN ANALYZE SELECT name FROM people WHERE id IN (7, 8, 8, 9000)")
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	for _, want := range []string{"Partitions queried in parallel: 3", "Items scanned: 2 ", "Rows: 2 "} {
		if !strings.Contains(out, want) {
			t.Errorf("IN list: EXPLAIN ANALYZE lacks %q:\n%s", want, out)
		}
	}
	out, err = psql(t, gw, "-A", "-t", "-c", "EXPLAIN SELECT name FROM people WHERE id = 7 OR age = 8")
	if err != nil || !strings.Contains(out, "DynamoDB Scan on public.people") {
		t.Errorf("an OR across columns must stay a Scan: %v\n%s", err, out)
	}
}

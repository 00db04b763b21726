package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// TestLockdownHoldsWithoutThePlanner runs hostile SQL straight into the
// engine's DuckDB, past the planner's allow-list, to prove the engine's own
// settings refuse it: the planner is one wall, this is the second.
func TestLockdownHoldsWithoutThePlanner(t *testing.T) {
	ctx := context.Background()
	e := emptyEngine(t)
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(secret, []byte("do not read"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	for _, sql := range []string{
		"SELECT * FROM read_text('" + secret + "')",
		"SELECT * FROM read_csv('" + secret + "')",
		"SELECT * FROM '" + secret + "'",
		"COPY (SELECT 1) TO '" + out + "'",
		"ATTACH '" + filepath.Join(dir, "x.db") + "' AS x",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SET enable_external_access = true",
		"SET GLOBAL enable_external_access = true",
		"SET lock_configuration = false",
		"SET autoinstall_known_extensions = true",
		"SELECT * FROM glob('" + dir + "/*')",
	} {
		if _, err := e.db.ExecContext(ctx, sql); err == nil {
			t.Errorf("%s: accepted", sql)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("COPY wrote %s", out)
	}
	// PostgreSQL semantics the engine was configured for.
	var q int64
	if err := e.db.QueryRowContext(ctx, "SELECT 7 / 2").Scan(&q); err != nil || q != 3 {
		t.Errorf("7 / 2 = %d (%v), want integer division", q, err)
	}
	var first any
	if err := e.db.QueryRowContext(ctx, "SELECT x FROM (VALUES (1), (NULL)) t(x) ORDER BY x DESC LIMIT 1").Scan(&first); err != nil || first != nil {
		t.Errorf("DESC puts %v first, want NULL (%v)", first, err)
	}
	if err := e.db.QueryRowContext(ctx, "SELECT x FROM (VALUES (1), (NULL)) t(x) ORDER BY x LIMIT 1").Scan(&first); err != nil || first == nil {
		t.Errorf("ASC puts NULL first (%v)", err)
	}
	// No worker threads: a federated query runs on its session's thread
	// instead of busy-waiting there for a worker (defaultThreads).
	var threads string
	if err := e.db.QueryRowContext(ctx, "SELECT current_setting('threads')::VARCHAR").Scan(&threads); err != nil || threads != "1" {
		t.Errorf("threads = %q (%v), want 1", threads, err)
	}
}

// TestDuckInternalsReachable fails loudly if a duckdb-go upgrade renames the
// private handles the streaming results read.
func TestDuckInternalsReachable(t *testing.T) {
	ctx := context.Background()
	e := emptyEngine(t)
	conn, err := e.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c := dc.(*duckdb.Conn)
		if _, err := rawConnection(c); err != nil {
			return err
		}
		ps, err := c.PrepareContext(ctx, "SELECT 1")
		if err != nil {
			return err
		}
		defer ps.Close()
		_, err = rawStatement(ps.(*duckdb.Stmt))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The chunk writers' view of duckdb-go's DataChunk (outputOf).
	if chunkField == nil || projectionField == nil {
		t.Fatal("duckdb-go's DataChunk no longer has the fields chunk (mapping.DataChunk) and projection ([]int)")
	}
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/wire"
)

// emptyEngine opens an engine without datasets, closed when t ends.
func emptyEngine(t *testing.T) *Engine {
	t.Helper()
	return testEngine(t, nil)
}

// testEngine opens an engine over datasets, closed when t ends.
func testEngine(t *testing.T, datasets []*catalog.Dataset) *Engine {
	t.Helper()
	cat, err := catalog.New(datasets)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open(context.Background(), Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// testSession opens a session on e, closed when t ends (before e, its
// cleanup registered later).
func testSession(t *testing.T, e *Engine) *Session {
	t.Helper()
	ws, err := e.NewSession(context.Background(), wire.SessionInfo{User: "tester", Database: "db"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws.(*Session)
}

// cacheSession opens an engine without datasets and one session on it.
func cacheSession(t *testing.T) *Session {
	t.Helper()
	return testSession(t, emptyEngine(t))
}

// firstValue runs st and returns the text of its first column's values.
func firstValue(t *testing.T, st wire.Statement) []string {
	t.Helper()
	out, err := values(st)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// values runs st and returns the text of its first column's values.
func values(st wire.Statement) ([]string, error) {
	ctx := context.Background()
	res, err := st.Execute(ctx)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var out []string
	for {
		b, err := res.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		col := b.Column(0)
		for i := range col.Len() {
			out = append(out, col.ValueStr(i))
		}
		b.Release()
	}
}

// plannings is how many times the session's engine has planned a text.
func plannings(s *Session) uint64 { return s.engine.nextQuery.Load() }

// TestPreparedStatementPlannedOnce: every Bind of a prepared statement runs
// the plan and DuckDB statement made at Prepare, with its own parameters.
func TestPreparedStatementPlannedOnce(t *testing.T) {
	s := cacheSession(t)
	ctx := context.Background()
	p, err := s.Prepare(ctx, "SELECT $1::int8 * 2 AS x", nil)
	if err != nil {
		t.Fatal(err)
	}
	before := plannings(s)
	kept := s.cache.get("SELECT $1::int8 * 2 AS x")
	if kept == nil || kept.duck[0] == nil {
		t.Fatal("Prepare kept no plan or DuckDB statement")
	}
	duck := kept.duck[0]
	for _, n := range []int64{21, 5, -4} {
		st, err := p.Bind(ctx, []any{n})
		if err != nil {
			t.Fatal(err)
		}
		if got := firstValue(t, st); len(got) != 1 || got[0] != fmt.Sprint(2*n) {
			t.Fatalf("$1 = %d gave %v", n, got)
		}
	}
	if got := plannings(s); got != before {
		t.Errorf("%d plannings for three Binds, want none", got-before)
	}
	if got := s.cache.get("SELECT $1::int8 * 2 AS x"); got != kept || got.duck[0] != duck || duck.stmt == nil || duck.inUse {
		t.Errorf("the kept plan or DuckDB statement was replaced, closed or left in use: %+v", duck)
	}
}

// TestSimpleQueryPlannedOnce: a simple query sent again is not planned
// again.
func TestSimpleQueryPlannedOnce(t *testing.T) {
	s := cacheSession(t)
	ctx := context.Background()
	for i := range 3 {
		sts, err := s.Plan(ctx, "SELECT 41 + 1")
		if err != nil {
			t.Fatal(err)
		}
		if got := firstValue(t, sts[0]); len(got) != 1 || got[0] != "42" {
			t.Fatalf("run %d: %v", i, got)
		}
	}
	if got := plannings(s); got != 1 {
		t.Errorf("planned %d times, want 1", got)
	}
}

// TestPlanCacheFollowsSettings: a plan that read a setting (current_setting
// is answered while planning) is planned again once the setting changes.
func TestPlanCacheFollowsSettings(t *testing.T) {
	s := cacheSession(t)
	ctx := context.Background()
	p, err := s.Prepare(ctx, "SELECT current_setting('application_name')", nil)
	if err != nil {
		t.Fatal(err)
	}
	run := func() string {
		st, err := p.Bind(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := firstValue(t, st)
		if len(got) != 1 {
			t.Fatalf("%d rows", len(got))
		}
		return got[0]
	}
	if got := run(); got != "" {
		t.Fatalf("application_name = %q before SET", got)
	}
	set, err := s.Plan(ctx, "SET application_name = 'grafana'")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set[0].Execute(ctx); err != nil {
		t.Fatal(err)
	}
	if got := run(); got != "grafana" {
		t.Errorf("application_name = %q after SET, want grafana", got)
	}
}

// TestPlanCacheFollowsCatalog: a plan made against another catalog
// snapshot is planned again.
func TestPlanCacheFollowsCatalog(t *testing.T) {
	s := cacheSession(t)
	ctx := context.Background()
	if _, err := s.Plan(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	s.engine.current.Store(cat)
	if _, err := s.Plan(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if got := plannings(s); got != 2 {
		t.Errorf("planned %d times across a catalog swap, want 2", got)
	}
}

// TestPlanCacheIsBounded: the least recently used texts go, and their
// DuckDB statements are closed.
func TestPlanCacheIsBounded(t *testing.T) {
	s := cacheSession(t)
	ctx := context.Background()
	var first *duckStatement
	for i := range planCacheSize + 10 {
		sts, err := s.Plan(ctx, fmt.Sprintf("SELECT %d", i))
		if err != nil {
			t.Fatal(err)
		}
		if got := firstValue(t, sts[0]); len(got) != 1 || got[0] != fmt.Sprint(i) {
			t.Fatalf("SELECT %d gave %v", i, got)
		}
		if i == 0 {
			first = s.cache.get("SELECT 0").duck[0]
		}
	}
	if n := len(s.cache.entries); n != planCacheSize || s.cache.lru.Len() != planCacheSize {
		t.Errorf("%d entries (%d in the LRU list), want %d", n, s.cache.lru.Len(), planCacheSize)
	}
	if s.cache.get("SELECT 0") != nil || first.stmt != nil {
		t.Errorf("the oldest text is still kept (statement closed: %v)", first.stmt == nil)
	}
}

// TestVolatilePlansNotKept: a query inlining pgdynamo.datasets rows is
// planned every time, and its DuckDB statement closed after the run.
func TestVolatilePlansNotKept(t *testing.T) {
	s := cacheSession(t)
	ctx := context.Background()
	for range 2 {
		sts, err := s.Plan(ctx, "SELECT count(*) FROM pgdynamo.datasets")
		if err != nil {
			t.Fatal(err)
		}
		st := sts[0].(*statement)
		if got := firstValue(t, st); len(got) != 1 || got[0] != "0" {
			t.Fatalf("count = %v", got)
		}
		if st.cached.kept || st.cached.duck[0] != nil {
			t.Error("a volatile plan was kept")
		}
	}
	if got := plannings(s); got != 2 {
		t.Errorf("planned %d times, want 2", got)
	}
}

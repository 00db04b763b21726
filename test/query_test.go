package test

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestSelectCountMatchesTable(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM people").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != int64(len(f.people)) {
		t.Errorf("count(*) = %d, want %d", n, len(f.people))
	}
}

func TestFilterOrderLimitAgainstFixture(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	rows, err := conn.Query(ctx, "SELECT id, name, age FROM people WHERE age >= 40 AND active ORDER BY age DESC, id LIMIT 7")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id, age int64
		name    string
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.name, &r.age); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var want []row
	for _, p := range f.people {
		if p.Age >= 40 && p.Active {
			want = append(want, row{p.ID, p.Age, p.Name})
		}
	}
	sort.Slice(want, func(i, j int) bool {
		if want[i].age != want[j].age {
			return want[i].age > want[j].age
		}
		return want[i].id < want[j].id
	})
	want = want[:7]
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestSessionSurvivesErrors(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	tests := []struct {
		sql  string
		code string
	}{
		{"SELEC 1", "42601"},
		{"SELECT * FROM no_such_table", "42P01"},
		{"INSERT INTO people (id) VALUES (1)", "25006"},
		{"UPDATE people SET age = 1", "25006"},
		{"DELETE FROM people", "25006"},
		{"CREATE TABLE t (a int)", "25006"},
		{"DROP TABLE people", "25006"},
		{"SELECT no_such_column FROM people", "42703"},
	}
	for _, tc := range tests {
		_, err := conn.Exec(ctx, tc.sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: err = %v, want a PostgreSQL error", tc.sql, err)
		}
		if pe.Code != tc.code {
			t.Errorf("%s: SQLSTATE %s (%s), want %s", tc.sql, pe.Code, pe.Message, tc.code)
		}
		if pe.Severity != "ERROR" {
			t.Errorf("%s: severity %q", tc.sql, pe.Severity)
		}
		var one int
		if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("after %q the session is unusable: %v", tc.sql, err)
		}
	}
}

func TestEngineCannotTouchServerFiles(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	for _, sql := range []string{
		"SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM glob('/etc/*')",
		"SELECT (SELECT count(*) FROM read_blob('/etc/hostname'))",
		"COPY people TO '/tmp/pgdynamo-copy-test'",
		"COPY (SELECT 1) TO '/tmp/pgdynamo-copy-test'",
		"INSTALL httpfs",
		"LOAD 'httpfs'",
		"ATTACH '/tmp/pgdynamo-attach.db' AS x",
		"SET enable_external_access = true",
		"SET lock_configuration = false",
		"SELECT * FROM duckdb_settings()",
		`SELECT * FROM "/etc/passwd"`,
	} {
		_, err := conn.Exec(ctx, sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err = %v, want it refused", sql, err)
			continue
		}
		t.Logf("%s → %s %s", sql, pe.Code, pe.Message)
	}
	for _, path := range []string{"/tmp/pgdynamo-copy-test", "/tmp/pgdynamo-attach.db"} {
		if _, err := statFile(path); err == nil {
			t.Errorf("%s was created", path)
		}
	}
}

func TestMultiStatementSimpleQuery(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	results, err := conn.PgConn().Exec(ctx, "SELECT 1 AS a; SET application_name = 'e2e'; SHOW application_name; SELECT count(*) FROM visits").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 4 {
		t.Fatalf("got %d results, want 4", len(results))
	}
	wantTags := []string{"SELECT 1", "SET", "SHOW", "SELECT 1"}
	for i, r := range results {
		if r.CommandTag.String() != wantTags[i] {
			t.Errorf("result %d tag %q, want %q", i, r.CommandTag.String(), wantTags[i])
		}
	}
	if got := string(results[2].Rows[0][0]); got != "e2e" {
		t.Errorf("SHOW application_name = %q", got)
	}
	if conn.PgConn().ParameterStatus("application_name") != "e2e" {
		t.Errorf("ParameterStatus application_name = %q", conn.PgConn().ParameterStatus("application_name"))
	}
	// An empty query (Grafana's "-- ping") is an EmptyQueryResponse.
	if err := conn.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
}

// An error in a later statement of a simple query is positioned in the
// whole text, in characters, as PostgreSQL does — also when the engine
// plans the statement again at its turn, and when its text stood earlier.
func TestMultiStatementErrorPosition(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	for _, tc := range []struct {
		sql      string
		position int32
	}{
		{"SELECT 1; SELECT nosuch FROM visits", 18},
		{"SELECT 'é' AS nosuch; SELECT nosuch FROM visits", 30},
	} {
		_, err := conn.PgConn().Exec(ctx, tc.sql).ReadAll()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42703" || pe.Position != tc.position {
			t.Errorf("%s: err = %v (position %d), want 42703 at %d", tc.sql, err, positionOf(pe), tc.position)
		}
	}
}

func positionOf(pe *pgconn.PgError) int32 {
	if pe == nil {
		return 0
	}
	return pe.Position
}

func TestTransactionStatus(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	status := func() byte { return conn.PgConn().TxStatus() }
	if _, err := conn.Exec(ctx, "BEGIN"); err != nil || status() != 'T' {
		t.Fatalf("BEGIN: %v, status %c", err, status())
	}
	if _, err := conn.Exec(ctx, "SELEC"); err == nil {
		t.Fatal("syntax error not reported")
	}
	if status() != 'E' {
		t.Fatalf("status after error in transaction = %c, want E", status())
	}
	_, err := conn.Exec(ctx, "SELECT 1")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "25P02" {
		t.Fatalf("statement in failed transaction: %v, want 25P02", err)
	}
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil || status() != 'I' {
		t.Fatalf("ROLLBACK: %v, status %c", err, status())
	}
}

func TestStatementTimeout(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "SET statement_timeout = '50ms'"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := conn.Exec(ctx, "SELECT count(*) FROM range(10000000000) a")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("long query: %v, want 57014", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the timeout took %v to act", d)
	}
	if _, err := conn.Exec(ctx, "SET statement_timeout = 0"); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM people").Scan(&n); err != nil {
		t.Fatalf("after a timeout: %v", err)
	}
}

func TestCancelRequestStopsQuery(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	go func() {
		time.Sleep(300 * time.Millisecond)
		if err := conn.PgConn().CancelRequest(context.Background()); err != nil {
			t.Errorf("CancelRequest: %v", err)
		}
	}()
	start := time.Now()
	_, err := conn.Exec(context.Background(), "SELECT count(*) FROM range(10000000000) a, people")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("cancelled query: %v, want SQLSTATE 57014", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancel took %v", d)
	}
	var n int64
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM people").Scan(&n); err != nil {
		t.Fatalf("session unusable after cancel: %v", err)
	}
}

func TestDisconnectStopsQuery(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	go func() {
		time.Sleep(300 * time.Millisecond)
		// A client that vanishes: the socket closes with no Terminate and
		// no CancelRequest.
		conn.PgConn().Conn().Close()
	}()
	if _, err := conn.Exec(context.Background(), "SELECT count(*) FROM range(10000000000) a, people"); err == nil {
		t.Fatal("query finished instead of being abandoned")
	}
	start := time.Now()
	shutdownCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	if err := gw.Shutdown(shutdownCtx); err != nil {
		t.Fatalf("shutdown after a disconnect: %v (the abandoned statement kept running)", err)
	}
	t.Logf("shutdown after disconnect took %v", time.Since(start).Round(time.Millisecond))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSessionCharacteristicsShowIsolation(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SHOW TRANSACTION ISOLATION LEVEL", "SHOW default_transaction_isolation"} {
		var level string
		if err := conn.QueryRow(ctx, q).Scan(&level); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if level != "read uncommitted" {
			t.Errorf("%s = %q", q, level)
		}
	}
}

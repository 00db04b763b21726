package test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdynamo/pgdynamo/internal/pgtest"
)

// The differential corpus (differential_corpus_test.go) runs against
// pgdynamo and a real PostgreSQL 15 holding the same rows: column names,
// type OIDs and values must agree, in the simple protocol (text) and the
// extended one (Parse/Describe/Bind/Execute, binary where pgx asks for
// it); a query PostgreSQL refuses must be refused with its SQLSTATE,
// message, hint and position.

// differentialDatabase is the PostgreSQL database holding the corpus's
// tables: named as the gateway's, so current_database() and
// database-qualified names agree.
const differentialDatabase = "e2e"

// loadIntoPostgres creates people and visits (and app.orders, the visits
// rows again) in a fresh database of the shared PostgreSQL with the same
// rows and the column order and types pgdynamo infers; it returns the
// database's connection string.
func loadIntoPostgres(t *testing.T, f *fixture) string {
	t.Helper()
	ctx := context.Background()
	admin := pgtest.SharedConn(t)
	for _, s := range []string{"DROP DATABASE IF EXISTS " + differentialDatabase, "CREATE DATABASE " + differentialDatabase} {
		if _, err := admin.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	cfg, err := pgx.ParseConfig(pgtest.Shared(t).ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = differentialDatabase
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	stmts := []string{
		`CREATE TABLE people (id int8 PRIMARY KEY, active bool, age int8, city text, joined date, name text, score float8, seen timestamptz)`,
		`CREATE TABLE visits (person_id int8, visit_id text, amount float8, page text, PRIMARY KEY (person_id, visit_id))`,
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	rows := make([][]any, len(f.people))
	for i, p := range f.people {
		rows[i] = []any{p.ID, p.Active, p.Age, p.City, p.Joined, p.Name, p.Score, p.Seen}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"people"}, []string{"id", "active", "age", "city", "joined", "name", "score", "seen"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	rows = rows[:0]
	for _, v := range f.visits {
		rows = append(rows, []any{v.PersonID, v.VisitID, v.Amount, v.Page})
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"visits"}, []string{"person_id", "visit_id", "amount", "page"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CREATE SCHEMA app", "CREATE TABLE app.orders AS SELECT * FROM visits"} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return cfg.ConnString()
}

// connectAs opens a pgx connection to connString in the given mode, with
// the session settings both servers must share.
func connectAs(t *testing.T, connString string, cfgure func(*pgx.ConnConfig)) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = differentialDatabase
	cfg.RuntimeParams["TimeZone"] = "UTC"
	cfgure(cfg)
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// answer is what a server said to one query.
type answer struct {
	names []string
	oids  []uint32
	rows  [][]string
	err   *pgconn.PgError
}

// ask runs sql on conn; values are kept as the bytes the server sent
// (text, or binary where the extended protocol asked for it), NULL as
// "NULL".
func ask(ctx context.Context, conn *pgx.Conn, sql string) (answer, error) {
	var a answer
	res, err := conn.Query(ctx, sql)
	if err == nil {
		for _, fd := range res.FieldDescriptions() {
			a.names = append(a.names, fd.Name)
			a.oids = append(a.oids, fd.DataTypeOID)
		}
		for res.Next() {
			raw := res.RawValues()
			row := make([]string, len(raw))
			for i, v := range raw {
				if v == nil {
					row[i] = "NULL"
				} else {
					row[i] = string(v)
				}
			}
			a.rows = append(a.rows, row)
		}
		res.Close()
		err = res.Err()
	}
	if err != nil {
		if !errors.As(err, &a.err) {
			return a, err
		}
	}
	return a, nil
}

// totalOrder reports whether sql ends with a top-level ORDER BY (and
// LIMIT/OFFSET): the corpus writes only total orders there, so its rows
// are compared in order; the others as multisets.
func totalOrder(sql string) bool {
	depth, last := 0, -1
	upper := strings.ToUpper(sql)
	for i := 0; i < len(upper); i++ {
		switch upper[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '\'':
			if j := strings.IndexByte(upper[i+1:], '\''); j >= 0 {
				i += j + 1
			}
		default:
			if depth == 0 && strings.HasPrefix(upper[i:], "ORDER BY") {
				last = i
			}
		}
	}
	return last >= 0
}

// differences lists how got differs from want.
func differences(q corpusQuery, got, want answer) []string {
	var out []string
	if want.err != nil || got.err != nil {
		if want.err == nil || got.err == nil {
			return []string{fmt.Sprintf("error %v, PostgreSQL's %v", pgErrorText(got.err), pgErrorText(want.err))}
		}
		if pgErrorText(got.err) != pgErrorText(want.err) {
			out = append(out, fmt.Sprintf("error\n   got  %s\n   want %s", pgErrorText(got.err), pgErrorText(want.err)))
		}
		return out
	}
	if !reflect.DeepEqual(got.names, want.names) {
		out = append(out, fmt.Sprintf("column names %q, PostgreSQL's %q", got.names, want.names))
	}
	if !reflect.DeepEqual(got.oids, want.oids) {
		out = append(out, fmt.Sprintf("type OIDs %v, PostgreSQL's %v", got.oids, want.oids))
	}
	if !totalOrder(q.sql) {
		sortRows(got.rows)
		sortRows(want.rows)
	}
	if len(got.rows) != len(want.rows) {
		return append(out, fmt.Sprintf("%d rows, PostgreSQL's %d", len(got.rows), len(want.rows)))
	}
	for i := range want.rows {
		if !reflect.DeepEqual(got.rows[i], want.rows[i]) {
			return append(out, fmt.Sprintf("row %d = %q, PostgreSQL's %q", i, got.rows[i], want.rows[i]))
		}
	}
	return out
}

func pgErrorText(e *pgconn.PgError) string {
	if e == nil {
		return "none"
	}
	s := fmt.Sprintf("%s %q", e.Code, e.Message)
	if e.Hint != "" {
		s += fmt.Sprintf(" hint %q", e.Hint)
	}
	if e.Position != 0 {
		s += fmt.Sprintf(" at %d", e.Position)
	}
	return s
}

func sortRows(rows [][]string) {
	sort.Slice(rows, func(i, j int) bool { return fmt.Sprint(rows[i]) < fmt.Sprint(rows[j]) })
}

// TestDifferentialAgainstPostgres runs the whole corpus over one
// connection per server and protocol; each query is a subtest named by
// family.
func TestDifferentialAgainstPostgres(t *testing.T) {
	f := sharedFixture(t)
	params := map[string]string{"schema_infer_max_records": "1000"}
	gw := startGateway(t,
		datasetYAML{name: "people", table: f.peopleTable, params: params},
		datasetYAML{name: "visits", table: f.visitsTable, params: params},
		datasetYAML{name: "app.orders", table: f.visitsTable, params: params},
	)
	pgURL := loadIntoPostgres(t, f)
	protocols := []struct {
		name string
		mode pgx.QueryExecMode
	}{
		{"simple", pgx.QueryExecModeSimpleProtocol},
		{"extended", pgx.QueryExecModeDescribeExec},
	}
	ctx := context.Background()
	for _, proto := range protocols {
		mode := func(c *pgx.ConnConfig) { c.DefaultQueryExecMode = proto.mode }
		pg := connectAs(t, pgURL, mode)
		gwConn := connectAs(t, connString(gw), mode)
		t.Run(proto.name, func(t *testing.T) {
			for _, fam := range differentialCorpus {
				for _, q := range fam.queries {
					t.Run(fam.name+"/"+q.sql, func(t *testing.T) {
						want, err := ask(ctx, pg, q.sql)
						if err != nil {
							t.Fatalf("PostgreSQL: %v", err)
						}
						got, err := ask(ctx, gwConn, q.sql)
						if err != nil {
							t.Fatalf("pgdynamo: %v", err)
						}
						for _, d := range differences(q, got, want) {
							t.Error(d)
						}
					})
				}
			}
		})
	}
}

// TestDifferentialCorpusSize keeps the corpus as large as the issue asks,
// in every family.
func TestDifferentialCorpusSize(t *testing.T) {
	total := 0
	for _, fam := range differentialCorpus {
		if len(fam.queries) < 5 {
			t.Errorf("family %s has %d queries", fam.name, len(fam.queries))
		}
		total += len(fam.queries)
	}
	if total < 300 {
		t.Errorf("the corpus has %d queries, want at least 300", total)
	}
	if testing.Verbose() {
		for _, fam := range differentialCorpus {
			fmt.Fprintf(os.Stderr, "%-16s %d\n", fam.name, len(fam.queries))
		}
		fmt.Fprintf(os.Stderr, "%-16s %d\n", "total", total)
	}
}

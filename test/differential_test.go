package test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdynamo/pgdynamo/gateway"
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
func loadIntoPostgres(t *testing.T, f *fixture, database string) string {
	t.Helper()
	ctx := context.Background()
	admin := pgtest.SharedConn(t)
	for _, s := range []string{"DROP DATABASE IF EXISTS " + database, "CREATE DATABASE " + database} {
		if _, err := admin.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	cfg, err := pgx.ParseConfig(pgtest.Shared(t).ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = database
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
	u, err := url.Parse(pgtest.Shared(t).ConnString())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + database
	return u.String()
}

// connectAs opens a pgx connection to connString in the given mode, with
// the session settings both servers must share.
func connectAs(t *testing.T, connString string, cfgure func(*pgx.ConnConfig)) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		t.Fatal(err)
	}
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
	names   []string
	oids    []uint32
	formats []int16
	rows    [][]string
	err     *pgconn.PgError
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
			a.formats = append(a.formats, fd.Format)
		}
		for res.Next() {
			a.rows = append(a.rows, rawRow(res.RawValues()))
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
	kept := keptDifferences[q.keep]
	if q.keep != "" && kept.doc == "" {
		return append(out, fmt.Sprintf("kept difference %q is not described", q.keep))
	}
	sameOIDs := len(got.oids) == len(want.oids)
	for i := 0; sameOIDs && i < len(got.oids); i++ {
		sameOIDs = got.oids[i] == want.oids[i] || kept.oids[[2]uint32{got.oids[i], want.oids[i]}]
	}
	if !sameOIDs {
		out = append(out, fmt.Sprintf("type OIDs %v, PostgreSQL's %v", got.oids, want.oids))
	}
	if q.keep != "" {
		// Compare the kept difference's way: values as text.
		got.rows, want.rows = textRows(got), textRows(want)
	}
	if !totalOrder(q.sql) {
		sortRows(got.rows)
		sortRows(want.rows)
	}
	if len(got.rows) != len(want.rows) {
		return append(out, fmt.Sprintf("%d rows, PostgreSQL's %d", len(got.rows), len(want.rows)))
	}
	for i := range want.rows {
		same := len(got.rows[i]) == len(want.rows[i])
		for j := 0; same && j < len(want.rows[i]); j++ {
			same = got.rows[i][j] == want.rows[i][j] || kept.same != nil && kept.same(got.rows[i][j], want.rows[i][j])
		}
		if !same {
			return append(out, fmt.Sprintf("row %d = %q, PostgreSQL's %q", i, got.rows[i], want.rows[i]))
		}
	}
	return out
}

// keptDifference is a difference from PostgreSQL pgdynamo keeps: doc is
// the sentence of docs/postgres-differences.md that says so, oids the
// type OIDs it sends for PostgreSQL's (pgdynamo's, PostgreSQL's), same
// how its values compare.
type keptDifference struct {
	doc  string
	oids map[[2]uint32]bool
	same func(got, want string) bool
}

// keptDifferences are the corpus's kept differences, by name.
var keptDifferences = map[string]keptDifference{
	"numeric-scale": {
		doc:  "A numeric computed by division",
		same: sameDecimal,
	},
	"float-aggregates": {
		doc:  "corr(), covar_pop()",
		same: closeFloats,
	},
	"numeric-math": {
		doc:  "power(), sqrt(), exp() and ln() of a numeric",
		oids: map[[2]uint32]bool{{701, 1700}: true},
		same: closeFloats,
	},
	"jsonb": {
		doc:  "jsonb values are sent as json",
		oids: map[[2]uint32]bool{{114, 3802}: true},
	},
	"regtype": {
		doc:  "pg_typeof() answers text",
		oids: map[[2]uint32]bool{{25, 2206}: true},
	},
}

// sameDecimal says two numeric texts are the same value printed with
// different scales: equal once rounded to the smaller scale.
func sameDecimal(got, want string) bool {
	g, ok1 := new(big.Rat).SetString(got)
	w, ok2 := new(big.Rat).SetString(want)
	if !ok1 || !ok2 {
		return false
	}
	scale := min(decimals(got), decimals(want))
	return g.FloatString(scale) == w.FloatString(scale)
}

func decimals(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// closeFloats says two float texts agree to 12 significant digits.
func closeFloats(got, want string) bool {
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return math.Abs(g-w) <= 1e-12*math.Max(math.Abs(g), math.Abs(w))
}

// textRows are a's values as text: binary numbers decoded.
func textRows(a answer) [][]string {
	out := make([][]string, len(a.rows))
	for i, row := range a.rows {
		out[i] = make([]string, len(row))
		for j, v := range row {
			out[i][j] = v
			if j < len(a.formats) && a.formats[j] == 1 && v != "NULL" {
				out[i][j] = binaryText(a.oids[j], []byte(v))
			}
		}
	}
	return out
}

// binaryText decodes the binary values of the kept differences' types.
func binaryText(oid uint32, b []byte) string {
	switch oid {
	case 701:
		return strconv.FormatFloat(math.Float64frombits(binary.BigEndian.Uint64(b)), 'g', -1, 64)
	case 1700:
		// ndigits, weight, sign, dscale, then base-10000 digits.
		n, weight := int(int16(binary.BigEndian.Uint16(b))), int(int16(binary.BigEndian.Uint16(b[2:])))
		sign, dscale := binary.BigEndian.Uint16(b[4:]), int(binary.BigEndian.Uint16(b[6:]))
		v := new(big.Rat)
		for i := 0; i < n; i++ {
			d := big.NewRat(int64(binary.BigEndian.Uint16(b[8+2*i:])), 1)
			exp := weight - i
			p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10000), big.NewInt(int64(max(exp, -exp))), nil))
			if exp < 0 {
				p.Inv(p)
			}
			v.Add(v, d.Mul(d, p))
		}
		if sign == 0x4000 {
			v.Neg(v)
		}
		return v.FloatString(dscale)
	case 3802:
		return string(b[1:]) // jsonb's version byte
	}
	return string(b)
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

// corpusGateway serves the datasets the corpus reads: the fixture's people
// and visits, and visits again as app.orders.
func corpusGateway(t *testing.T) (*fixture, *gateway.Gateway) {
	f := sharedFixture(t)
	params := map[string]string{"schema_infer_max_records": "1000"}
	return f, startGateway(t,
		datasetYAML{name: "people", table: f.peopleTable, params: params},
		datasetYAML{name: "visits", table: f.visitsTable, params: params},
		datasetYAML{name: "app.orders", table: f.visitsTable, params: params},
	)
}

// TestDifferentialAgainstPostgres runs the whole corpus over one
// connection per server and protocol; each query is a subtest named by
// family.
func TestDifferentialAgainstPostgres(t *testing.T) {
	f, gw := corpusGateway(t)
	pgURL := loadIntoPostgres(t, f, differentialDatabase)
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
		gwConn := connectAs(t, connString(gw), func(c *pgx.ConnConfig) { c.Database = differentialDatabase; mode(c) })
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

// TestKeptDifferencesDocumented checks that every difference the corpus
// keeps is in docs/postgres-differences.md, in the words keptDifferences
// quotes, and that each is still used.
func TestKeptDifferencesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/postgres-differences.md")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, fam := range differentialCorpus {
		for _, q := range fam.queries {
			if q.keep != "" {
				if _, ok := keptDifferences[q.keep]; !ok {
					t.Errorf("%s: kept difference %q is not in keptDifferences", q.sql, q.keep)
				}
				used[q.keep] = true
			}
		}
	}
	for name, k := range keptDifferences {
		if !strings.Contains(string(doc), k.doc) {
			t.Errorf("kept difference %s: docs/postgres-differences.md does not say %q", name, k.doc)
		}
		if !used[name] {
			t.Errorf("kept difference %s: no corpus query shows it", name)
		}
	}
}

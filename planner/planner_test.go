package planner_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/planner"
	"github.com/pgdynamo/pgdynamo/readplan"
)

func testPlanner(t *testing.T) *planner.Planner {
	t.Helper()
	var datasets []*catalog.Dataset
	// users has the columns the tests name besides its key.
	str := func(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
	usersItem := map[string]types.AttributeValue{"id": &types.AttributeValueMemberN{Value: "1"},
		"metadata": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"signup": str("web")}},
		"addresses": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"city": str("Bern")}}}},
		"x": str("1"), "y": str("y"), "z": str("z"), "w": str("w"), "v": str("{1}"), "u": str("1 2")}
	for _, name := range []string{"users", "orders"} {
		pk := attrarrow.KeyAttribute{Name: "id", Type: types.ScalarAttributeTypeN, Role: attrarrow.PartitionKey}
		var items []map[string]types.AttributeValue
		if name == "users" {
			items = append(items, usersItem)
		}
		cols, err := attrarrow.Infer(items, []attrarrow.KeyAttribute{pk}, attrarrow.Options{UnnestDepth: -1})
		if err != nil {
			t.Fatal(err)
		}
		datasets = append(datasets, &catalog.Dataset{
			Spec:         catalog.Spec{Name: name, Schema: "public", Table: name},
			PartitionKey: pk,
			Columns:      cols,
		})
	}
	cat, err := catalog.New(datasets)
	if err != nil {
		t.Fatal(err)
	}
	return planner.New(cat)
}

func TestPlanRewritesQueries(t *testing.T) {
	p := testPlanner(t)
	tests := []struct {
		name, sql, want string
		scans           int
	}{
		{"dataset becomes a scan keeping its name", "SELECT id FROM users",
			"SELECT id FROM pgdynamo_scan('public.users', 'r1') users", 1},
		{"schema-qualified reference", "SELECT id FROM public.users u",
			"SELECT id FROM pgdynamo_scan('public.users', 'r1') u", 1},
		{"self join gets a scan per reference", "SELECT a.id FROM users a JOIN users b ON a.id = b.id",
			"SELECT a.id FROM pgdynamo_scan('public.users', 'r1') a JOIN pgdynamo_scan('public.users', 'r2') b ON a.id = b.id", 2},
		{"subquery reference", "SELECT id FROM users WHERE id IN (SELECT id FROM orders)",
			"SELECT id FROM pgdynamo_scan('public.users', 'r1') users WHERE id IN (SELECT id FROM pgdynamo_scan('public.orders', 'r2') orders)", 2},
		{"CTE names are not datasets", "WITH users AS (SELECT 1 AS id) SELECT id FROM users",
			"WITH users AS (SELECT 1 AS id) SELECT id FROM users", 0},
		{"count(*) is named count", "SELECT count(*) FROM users",
			"SELECT count(*) AS count FROM pgdynamo_scan('public.users', 'r1') users", 1},
		{"constants are ?column?", "SELECT 7/2",
			`SELECT 7 / 2 AS "?column?"`, 0},
		{"casts are named by type", "SELECT 1::bool, 'x'::text AS t",
			"SELECT 1::bool AS bool, 'x'::text AS t", 0},
		{"column names win over casts", "SELECT id::text FROM users",
			"SELECT id::text AS id FROM pgdynamo_scan('public.users', 'r1') users", 1},
		{"union takes names from the left arm", "SELECT 1 AS a UNION SELECT 2",
			"SELECT 1 AS a UNION SELECT 2", 0},
		{"generate_series is allowed", "SELECT * FROM generate_series(1, 3) g",
			"SELECT * FROM LATERAL (SELECT generate_series::int4 AS generate_series FROM generate_series(1, 3)) g(g)", 0},
		{"BC dates keep their era", "SELECT '0044-03-15 BC'::date AS d, '0101-01-01 00:00:00Z BC'::timestamptz AS t, '2024-01-01'::date AS a",
			"SELECT '0044-03-15 (BC)'::date AS d, '0101-01-01 (BC) 00:00:00Z'::timestamptz AS t, '2024-01-01'::date AS a", 0},
		{"jsonb reads as json", "SELECT '{}'::jsonb AS j",
			"SELECT pgdynamo_jsonb('{}'::text)::json AS j", 0},
		{"json path operators", `SELECT metadata #>> '{signup,source}' AS s, addresses #> '{0, city}' AS c FROM users`,
			`SELECT json_extract_string(metadata, '$."signup"."source"') AS s, json_extract(addresses, '$[0]."city"') AS c FROM pgdynamo_scan('public.users', 'r1') users`, 1},
		{"bytea hex literals decode as PostgreSQL does", `SELECT '\x0aff'::bytea AS b, 'x'::bytea AS e`,
			`SELECT unhex('0aff') AS b, 'x'::bytea AS e`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stmts, err := p.Plan(tc.sql, "")
			if err != nil {
				t.Fatalf("Plan(%q): %v", tc.sql, err)
			}
			if len(stmts) != 1 {
				t.Fatalf("got %d statements", len(stmts))
			}
			if stmts[0].SQL != tc.want {
				t.Errorf("Plan(%q)\n got: %s\nwant: %s", tc.sql, stmts[0].SQL, tc.want)
			}
			if len(stmts[0].Scans) != tc.scans {
				t.Errorf("got %d scans, want %d", len(stmts[0].Scans), tc.scans)
			}
		})
	}
}

func TestPlanRecordsParameterCasts(t *testing.T) {
	p := testPlanner(t)
	stmts, err := p.Plan("SELECT $1::date, CAST($2 AS bigint), $3, $1::text, $4::int[] FROM users WHERE id = $5::int", "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{1: "date", 2: "int8", 5: "int4"}
	got := stmts[0].ParamTypes
	if len(got) != len(want) {
		t.Fatalf("ParamTypes = %v, want %v", got, want)
	}
	for n, typ := range want {
		if got[n] != typ {
			t.Errorf("$%d: %q, want %q", n, got[n], typ)
		}
	}
}

func TestPlanTypesAnyArrayParameters(t *testing.T) {
	p := testPlanner(t)
	stmts, err := p.Plan("SELECT id FROM users WHERE id = ANY($1) AND id <> ALL($2)", "")
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT id FROM pgdynamo_scan('public.users', 'r1') users WHERE id = ANY($1::int8[]) AND id <> ALL($2::int8[])"
	if stmts[0].SQL != want {
		t.Errorf("got  %s\nwant %s", stmts[0].SQL, want)
	}
	if stmts[0].ParamTypes[1] != "_int8" || stmts[0].ParamTypes[2] != "_int8" {
		t.Errorf("ParamTypes = %v", stmts[0].ParamTypes)
	}
	// The literal a simple-protocol client interpolates gets the same type.
	stmts, err = p.Plan("SELECT id FROM users WHERE id = ANY('{1,2}')", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT id FROM pgdynamo_scan('public.users', 'r1') users WHERE id = ANY(ARRAY['1', '2']::int8[])"; stmts[0].SQL != want {
		t.Errorf("got  %s\nwant %s", stmts[0].SQL, want)
	}
}

func TestPlanExplain(t *testing.T) {
	p := testPlanner(t)
	stmts, err := p.Plan("EXPLAIN (ANALYZE, COSTS off) SELECT id FROM users WHERE id > 3", "q1")
	if err != nil {
		t.Fatal(err)
	}
	st := stmts[0]
	if st.Kind != planner.Explain || !st.Analyze || st.Tag != "EXPLAIN" || len(st.Scans) != 1 || st.Scans[0].ID != "q1/1/r1" {
		t.Fatalf("got %+v", st)
	}
	if want := "SELECT id FROM pgdynamo_scan('public.users', 'q1/1/r1') users WHERE id > 3"; st.SQL != want {
		t.Errorf("SQL %q, want %q", st.SQL, want)
	}
	if stmts, err := p.Plan("EXPLAIN SELECT 1", ""); err != nil || stmts[0].Analyze {
		t.Errorf("plain EXPLAIN: %+v %v", stmts, err)
	}
	for _, bad := range []string{"EXPLAIN DELETE FROM users", "EXPLAIN (FROBNICATE) SELECT 1"} {
		if _, err := p.Plan(bad, ""); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	p := testPlanner(t)
	tests := []struct {
		sql      string
		code     pgerror.Code
		position int
	}{
		{"SELEC 1", pgerror.SyntaxError, 1},
		{"SELECT * FROM nope", pgerror.UndefinedTable, 15},
		{"SELECT * FROM users, missing.t", pgerror.UndefinedTable, 22},
		{"INSERT INTO users VALUES (1)", pgerror.ReadOnlySQLTransaction, 0},
		{"UPDATE users SET id = 2", pgerror.ReadOnlySQLTransaction, 0},
		{"DELETE FROM users", pgerror.ReadOnlySQLTransaction, 0},
		{"CREATE TABLE x (a int)", pgerror.ReadOnlySQLTransaction, 0},
		{"DROP TABLE users", pgerror.ReadOnlySQLTransaction, 0},
		{"SELECT 1 INTO t", pgerror.ReadOnlySQLTransaction, 0},
		{"COPY users TO '/tmp/x'", pgerror.InsufficientPrivilege, 0},
		{"COPY (SELECT 1) TO PROGRAM 'id'", pgerror.InsufficientPrivilege, 0},
		{"LOAD 'httpfs'", pgerror.InsufficientPrivilege, 0},
		{"SELECT * FROM read_text('/etc/passwd')", pgerror.InsufficientPrivilege, 15},
		{"SELECT * FROM read_csv('/etc/passwd')", pgerror.InsufficientPrivilege, 15},
		{"SELECT * FROM pgdynamo_scan('public.users', 'r1')", pgerror.InsufficientPrivilege, 15},
		{"INSTALL httpfs", pgerror.SyntaxError, 1},
		{"ATTACH '/tmp/x.db'", pgerror.SyntaxError, 1},
	}
	for _, tc := range tests {
		t.Run(tc.sql, func(t *testing.T) {
			_, err := p.Plan(tc.sql, "")
			var pe *pgerror.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Plan(%q) = %v, want a *pgerror.Error", tc.sql, err)
			}
			if pe.Code != tc.code {
				t.Errorf("code = %s (%s), want %s", pe.Code, pe.Message, tc.code)
			}
			if tc.position != 0 && pe.Position != tc.position {
				t.Errorf("position = %d, want %d", pe.Position, tc.position)
			}
		})
	}
}

func TestPlanClassifiesSessionStatements(t *testing.T) {
	p := testPlanner(t)
	tests := []struct {
		sql   string
		kind  planner.Kind
		tag   string
		name  string
		value string
	}{
		{"SET application_name = 'grafana'", planner.Set, "SET", "application_name", "grafana"},
		{"SET TIME ZONE 'Europe/Paris'", planner.Set, "SET", "timezone", "Europe/Paris"},
		{"SET extra_float_digits = 3", planner.Set, "SET", "extra_float_digits", "3"},
		{"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED", planner.Set, "SET", "default_transaction_isolation", "read uncommitted"},
		{"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", planner.Set, "SET", "", ""},
		{"RESET ALL", planner.Reset, "RESET", "all", ""},
		{"SHOW TimeZone", planner.Show, "SHOW", "timezone", ""},
		{"BEGIN", planner.Begin, "BEGIN", "", ""},
		{"START TRANSACTION READ ONLY", planner.Begin, "START TRANSACTION", "", ""},
		{"COMMIT", planner.Commit, "COMMIT", "", ""},
		{"ROLLBACK", planner.Rollback, "ROLLBACK", "", ""},
		{"DISCARD ALL", planner.Discard, "DISCARD ALL", "", ""},
		{"DEALLOCATE stmt_1", planner.Deallocate, "DEALLOCATE", "stmt_1", ""},
		{"DEALLOCATE ALL", planner.Deallocate, "DEALLOCATE ALL", "all", ""},
	}
	for _, tc := range tests {
		t.Run(tc.sql, func(t *testing.T) {
			stmts, err := p.Plan(tc.sql, "")
			if err != nil {
				t.Fatal(err)
			}
			st := stmts[0]
			if st.Kind != tc.kind || st.Tag != tc.tag || st.Name != tc.name || st.Value != tc.value {
				t.Errorf("got kind=%v tag=%q name=%q value=%q", st.Kind, st.Tag, st.Name, st.Value)
			}
		})
	}
}

func TestPlanSplitsStatements(t *testing.T) {
	p := testPlanner(t)
	stmts, err := p.Plan("SELECT 1; SET application_name = 'x';SELECT id FROM users", "q7")
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 3 || stmts[0].Kind != planner.Query || stmts[1].Kind != planner.Set || stmts[2].Kind != planner.Query {
		t.Fatalf("got %+v", stmts)
	}
	if stmts[2].Source != "SELECT id FROM users" {
		t.Errorf("source = %q", stmts[2].Source)
	}
	if stmts[2].ID != "q7/3" || stmts[2].Scans[0].ID != "q7/3/r1" {
		t.Errorf("IDs: statement %q, scan %q", stmts[2].ID, stmts[2].Scans[0].ID)
	}
	for _, empty := range []string{"", "   ", "-- ping", "/* nothing */ ;"} {
		stmts, err := p.Plan(empty, "")
		if err != nil || len(stmts) != 0 {
			t.Errorf("Plan(%q) = %d statements, %v; want none", empty, len(stmts), err)
		}
	}
}

func TestPlanCursors(t *testing.T) {
	p := testPlanner(t)
	tests := []struct {
		sql          string
		kind         planner.Kind
		tag          string
		name         string
		fetch        planner.Fetch
		hold, binary bool
	}{
		{`DECLARE "c1" CURSOR WITHOUT HOLD FOR SELECT id FROM users`, planner.DeclareCursor, "DECLARE CURSOR", "c1", planner.Fetch{}, false, false},
		{"DECLARE c2 CURSOR WITH HOLD FOR SELECT 1", planner.DeclareCursor, "DECLARE CURSOR", "c2", planner.Fetch{}, true, false},
		{"DECLARE c3 BINARY NO SCROLL CURSOR FOR SELECT 1", planner.DeclareCursor, "DECLARE CURSOR", "c3", planner.Fetch{}, false, true},
		{`FETCH FORWARD 2000 FROM "c1"`, planner.FetchCursor, "FETCH", "c1", planner.Fetch{Count: 2000}, false, false},
		{"FETCH ALL FROM c1", planner.FetchCursor, "FETCH", "c1", planner.Fetch{All: true}, false, false},
		{"FETCH FORWARD ALL FROM c1", planner.FetchCursor, "FETCH", "c1", planner.Fetch{All: true}, false, false},
		{"FETCH c1", planner.FetchCursor, "FETCH", "c1", planner.Fetch{Count: 1}, false, false},
		{"FETCH 0 c1", planner.FetchCursor, "FETCH", "c1", planner.Fetch{Count: 0}, false, false},
		{"FETCH NEXT FROM c1", planner.FetchCursor, "FETCH", "c1", planner.Fetch{Count: 1}, false, false},
		{"FETCH PRIOR FROM c1", planner.FetchCursor, "FETCH", "c1", planner.Fetch{Direction: planner.FetchBackward, Count: 1}, false, false},
		{"FETCH BACKWARD ALL FROM c1", planner.FetchCursor, "FETCH", "c1", planner.Fetch{Direction: planner.FetchBackward, All: true}, false, false},
		{"FETCH LAST FROM c1", planner.FetchCursor, "FETCH", "c1", planner.Fetch{Direction: planner.FetchAbsolute, Count: -1}, false, false},
		{"FETCH ABSOLUTE 3 FROM c1", planner.FetchCursor, "FETCH", "c1", planner.Fetch{Direction: planner.FetchAbsolute, Count: 3}, false, false},
		{"FETCH RELATIVE -2 FROM c1", planner.FetchCursor, "FETCH", "c1", planner.Fetch{Direction: planner.FetchRelative, Count: -2}, false, false},
		{"MOVE 5 IN c1", planner.FetchCursor, "MOVE", "c1", planner.Fetch{Move: true, Count: 5}, false, false},
		{"MOVE ABSOLUTE 7 IN c1", planner.FetchCursor, "MOVE", "c1", planner.Fetch{Move: true, Direction: planner.FetchAbsolute, Count: 7}, false, false},
		{"CLOSE c1", planner.CloseCursor, "CLOSE CURSOR", "c1", planner.Fetch{}, false, false},
		{"CLOSE ALL", planner.CloseCursor, "CLOSE CURSOR ALL", "all", planner.Fetch{}, false, false},
	}
	for _, tc := range tests {
		stmts, err := p.Plan(tc.sql, "")
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		st := stmts[0]
		if st.Kind != tc.kind || st.Tag != tc.tag || st.Name != tc.name || st.Fetch != tc.fetch || st.Hold != tc.hold || st.Binary != tc.binary {
			t.Errorf("%s: got kind=%v tag=%q name=%q fetch=%+v hold=%v binary=%v", tc.sql, st.Kind, st.Tag, st.Name, st.Fetch, st.Hold, st.Binary)
		}
	}
	if stmts, _ := p.Plan("DECLARE c CURSOR FOR SELECT id FROM users", ""); len(stmts[0].Scans) != 1 {
		t.Error("the cursor's query is not planned")
	}
	for _, bad := range []string{"DECLARE c SCROLL CURSOR FOR SELECT 1", "DECLARE c CURSOR FOR DELETE FROM users"} {
		if _, err := p.Plan(bad, ""); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestPlanKeyPushdown(t *testing.T) {
	p := testPlanner(t)
	tests := []struct {
		sql  string
		keys []string // per scan: "" for a Scan, else the Query's key condition as EXPLAIN shows it
	}{
		{"SELECT * FROM users WHERE id = 42", []string{"id = 42"}},
		{"SELECT * FROM users u WHERE 7 = u.id AND u.id > 3", []string{"id = 7"}},
		{"SELECT * FROM users WHERE users.id = $1", []string{"id = $1"}},
		{"SELECT * FROM users WHERE id = 1 OR id = 2", []string{"id = each of 1, 2"}},
		{"SELECT * FROM users u WHERE u.id IN (3, 4, 5) AND u.id > 1", []string{"id = each of 3, 4, 5"}},
		{"SELECT * FROM users WHERE id IN (3, 3.0, 4)", []string{"id = each of 3, 4"}},
		{"SELECT * FROM users WHERE id = ANY($2)", []string{"id = each of $2"}},
		{"SELECT * FROM users WHERE id NOT IN (1, 2)", []string{""}},
		{"SELECT * FROM users WHERE id IN (1, id)", []string{""}},
		{"SELECT * FROM users WHERE id = 1 OR id > 2", []string{""}},
		{"SELECT * FROM users u WHERE u.id = 1 OR id = 2", []string{""}},
		{"SELECT * FROM users WHERE id IN (SELECT id FROM orders)", []string{"", ""}},
		{"SELECT * FROM users WHERE NOT (id = 1)", []string{""}},
		// Text compared with a number column is cast to a number, as SQL does.
		{"SELECT * FROM users WHERE id = '42'", []string{"id = 42"}},
		// (Text that is no number fails as PostgreSQL's 22P02 before any read;
		// as a parameter it reads nothing: readplan's tests.)
		{"SELECT * FROM users WHERE id = 1.5::float8", []string{""}},
		{"SELECT * FROM users a, orders b WHERE b.id = 1 AND a.id = b.id", []string{"", "id = 1"}},
		{"SELECT * FROM users a JOIN orders b ON a.id = b.id WHERE a.id = 1", []string{"id = 1", ""}},
		{"SELECT * FROM users a JOIN orders b ON a.id = b.id AND b.id = 2", []string{"", "id = 2"}},
		{"SELECT * FROM users a LEFT JOIN orders b ON a.id = b.id WHERE b.id = 3", []string{"", ""}},
		{"SELECT * FROM users a LEFT JOIN orders b ON a.id = b.id WHERE a.id = 3", []string{"id = 3", ""}},
		{"SELECT * FROM users WHERE id IN (SELECT id FROM orders WHERE id = 5)", []string{"", "id = 5"}},
		{"SELECT (SELECT count(*) FROM orders o WHERE o.id = u.id) FROM users u", []string{"", ""}},
	}
	for _, tc := range tests {
		stmts, err := p.Plan(tc.sql, "")
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		var got []string
		for _, s := range stmts[0].Scans {
			d, err := readplan.Decide(s.Dataset, s.Read, nil, nil, readplan.Options{})
			if err != nil {
				t.Fatalf("%s: %v", tc.sql, err)
			}
			if d.Request.Key == nil {
				got = append(got, "")
			} else {
				got = append(got, d.Request.Key.Text())
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.keys) {
			t.Errorf("%s: keys %q, want %q", tc.sql, got, tc.keys)
		}
	}
}

// TestPlanFindsPlainColumns: a query that returns its one dataset's
// columns as they are names them; anything computing over the rows names
// none.
func TestPlanFindsPlainColumns(t *testing.T) {
	p := testPlanner(t)
	probe, err := p.Plan("SELECT 1 FROM users", "q0")
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, c := range probe[0].Scans[0].Dataset.Columns.Columns {
		all = append(all, c.Name)
	}
	for sql, want := range map[string][]string{
		"SELECT * FROM users WHERE id = $1":                       all,
		"SELECT u.* FROM users u WHERE u.id = 3":                  all,
		"SELECT ID, u.id AS other FROM users u WHERE u.id = $1":   {"id", "id"},
		"SELECT id FROM users":                                    {"id"},
		"SELECT id + 1 FROM users WHERE id = $1":                  nil,
		"SELECT id FROM users WHERE id = $1 ORDER BY id":          nil,
		"SELECT id FROM users WHERE id = $1 LIMIT 1":              nil,
		"SELECT DISTINCT id FROM users WHERE id = $1":             nil,
		"SELECT count(*) FROM users WHERE id = $1":                nil,
		"SELECT u.id FROM users u, orders o WHERE u.id = o.id":    nil,
		"SELECT id FROM users WHERE id = 1 UNION SELECT 2":        nil,
		"WITH x AS (SELECT 1) SELECT id FROM users WHERE id = $1": nil,
		"SELECT nosuch FROM users":                                nil,
		"SELECT 1":                                                nil,
	} {
		plans, err := p.Plan(sql, "q1")
		if err != nil {
			if want == nil {
				continue
			}
			t.Fatalf("%s: %v", sql, err)
		}
		if got := plans[0].PlainColumns; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: PlainColumns %q, want %q", sql, got, want)
		}
	}
}

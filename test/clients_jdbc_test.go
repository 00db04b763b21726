package test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// debianJDBC is where Debian's libpostgresql-jdbc-java puts pgjdbc.
const debianJDBC = "/usr/share/java/postgresql.jar"

// jdbcClient compiles test/clients/jdbc into a temporary directory and
// returns the java binary and the class path to run it with.
func jdbcClient(t *testing.T) (java, classpath string) {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		missingClient(t, "java", err)
	}
	javac, err := exec.LookPath("javac")
	if err != nil {
		missingClient(t, "javac (a JDK)", err)
	}
	if _, err := os.Stat(debianJDBC); err != nil {
		missingClient(t, "pgjdbc (Debian libpostgresql-jdbc-java)", err)
	}
	src := clientSource(t, "jdbc/MetabaseClient.java")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	start := time.Now()
	if out, err := exec.CommandContext(ctx, javac, "-nowarn", "-cp", debianJDBC, "-d", dir, src).CombinedOutput(); err != nil {
		t.Fatalf("javac %s: %v\n%s", src, err, out)
	}
	t.Logf("javac ran in %v", time.Since(start).Round(time.Millisecond))
	return java, dir + string(os.PathListSeparator) + debianJDBC
}

// jdbcOutput is what test/clients/jdbc/MetabaseClient printed: result lines
// grouped by their first field, failures by step.
type jdbcOutput struct {
	lines  map[string][][]string
	done   map[string]bool
	errors map[string]string // step → "SQLSTATE message"
}

func parseJDBCOutput(raw []byte) jdbcOutput {
	o := jdbcOutput{lines: map[string][][]string{}, done: map[string]bool{}, errors: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		switch {
		case f[0] == "done" && len(f) == 2:
			o.done[f[1]] = true
		case f[0] == "error" && len(f) >= 4:
			o.errors[f[1]] = f[2] + " " + strings.Join(f[3:], " ")
		default:
			o.lines[f[0]] = append(o.lines[f[0]], f[1:])
		}
	}
	return o
}

// step fails t unless the client's step ran to its end.
func (o jdbcOutput) step(t *testing.T, name string) bool {
	t.Helper()
	if msg, failed := o.errors[name]; failed {
		t.Errorf("pgjdbc step %q failed: SQLSTATE %s", name, msg)
		return false
	}
	if !o.done[name] {
		t.Errorf("pgjdbc step %q did not run", name)
		return false
	}
	return true
}

// jdbcTypes is the java.sql.Types code pgjdbc reports for a type name.
var jdbcTypes = map[string]string{
	"bool": "-7", "int2": "5", "int4": "4", "int8": "-5", "float4": "7", "float8": "8", "numeric": "2",
	"text": "12", "varchar": "12", "bytea": "-2", "date": "91", "time": "92", "timestamp": "93", "timestamptz": "93",
}

// pgTypeName is pg_type.typname for a type OID, as pgx's type map names it.
func pgTypeName(oid uint32) string {
	if typ, ok := pgtype.NewMap().TypeForOID(oid); ok {
		return typ.Name
	}
	return fmt.Sprintf("oid %d", oid)
}

// TestClientJDBCMetabase runs pgjdbc (Debian's jar, the machine's Java) the
// way Metabase connects and syncs: session settings, DatabaseMetaData,
// a PreparedStatement past pgjdbc's prepareThreshold (named statement,
// binary results) and a fetch-size read inside a transaction.
func TestClientJDBCMetabase(t *testing.T) {
	t.Parallel()
	java, classpath := jdbcClient(t)
	f, gw := fixtureGateway(t, nil)
	wire := proxyGateway(t, gw)
	host, port := wire.hostPort()
	url := fmt.Sprintf("jdbc:postgresql://%s:%s/e2e?user=tester&sslmode=disable&connectTimeout=10&socketTimeout=60", host, port)
	args := append([]string{java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Duser.timezone=UTC",
		"-cp", classpath, "MetabaseClient", url}, metabaseBuilderQueries...)
	raw := runClient(t, "pgjdbc client", nil, args...)
	out := parseJDBCOutput(raw)
	if !out.step(t, "connect") {
		t.Fatalf("pgjdbc could not connect:\n%s", raw)
	}
	if !out.done["close"] {
		t.Errorf("pgjdbc client did not reach its end:\n%s", raw)
	}
	if testing.Verbose() {
		t.Logf("pgjdbc output:\n%s", raw)
	}

	t.Run("connect settings", func(t *testing.T) {
		if out.step(t, "settings") {
			if got := out.lines["settings"]; !reflect.DeepEqual(got, [][]string{{"application_name", "Metabase v0.50.0 [pgdynamo-test]"}}) {
				t.Errorf("SHOW application_name after SET: %v", got)
			}
		}
		if out.step(t, "isolation") {
			// java.sql.Connection.TRANSACTION_READ_COMMITTED = 2.
			if got := out.lines["isolation"]; len(got) == 0 || got[0][1] != "2" {
				t.Errorf("getTransactionIsolation (SHOW TRANSACTION ISOLATION LEVEL) = %v, want 2 (read committed)", got)
			}
		}
		if out.step(t, "timezone") {
			if got := out.lines["timezone"]; len(got) != 1 || got[0][0] != "UTC" {
				t.Errorf("show timezone = %v, want UTC (the JVM's zone, sent at startup)", got)
			}
		}
		if out.step(t, "server") {
			if got := out.lines["server"]; len(got) != 1 || got[0][0] != "PostgreSQL" || !strings.HasPrefix(got[0][1], "15.") {
				t.Errorf("DatabaseMetaData product = %v, want PostgreSQL 15.x", got)
			}
		}
	})

	t.Run("metadata", func(t *testing.T) {
		if out.step(t, "schemas") {
			found := false
			for _, l := range out.lines["schema"] {
				found = found || l[0] == "public"
			}
			if !found {
				t.Errorf("getSchemas lacks public: %v", out.lines["schema"])
			}
		}
		if out.step(t, "tables") {
			var got []string
			for _, l := range out.lines["table"] {
				got = append(got, strings.Join(l, " "))
			}
			sort.Strings(got)
			if want := []string{"public people TABLE", "public visits TABLE"}; !reflect.DeepEqual(got, want) {
				t.Errorf("getTables(public) = %v, want %v", got, want)
			}
		}
		wantPK := map[string][][]string{
			"people": {{"people", "id", "1"}},
			"visits": {{"visits", "person_id", "1"}, {"visits", "visit_id", "2"}},
		}
		// The columns, their order and types are the ones SELECT * returns;
		// only key attributes are NOT NULL in DynamoDB.
		conn := connect(t, gw)
		for _, table := range []string{"people", "visits"} {
			if !out.step(t, "columns "+table) {
				continue
			}
			names, oids, _, err := queryText(context.Background(), conn, "SELECT * FROM "+table+" LIMIT 0")
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for _, l := range out.lines["column"] {
				if l[0] == table {
					got = append(got, l[:6])
				}
			}
			var want [][]string
			for i, n := range names {
				typ := pgTypeName(oids[i])
				code, known := jdbcTypes[typ]
				if !known && i < len(got) {
					code = got[i][3] // a type this table does not pin down
				}
				nullable := "YES"
				for _, k := range wantPK[table] {
					if k[1] == n {
						nullable = "NO"
					}
				}
				want = append(want, []string{table, n, typ, code, strconv.Itoa(i + 1), nullable})
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("getColumns(%s) =\n%v\nwant (table, column, TYPE_NAME, DATA_TYPE, ORDINAL_POSITION, IS_NULLABLE)\n%v", table, got, want)
			}
		}
		for _, table := range []string{"people", "visits"} {
			if !out.step(t, "primary key "+table) {
				continue
			}
			var got [][]string
			for _, l := range out.lines["pk"] {
				if l[0] == table {
					got = append(got, l)
				}
			}
			sort.Slice(got, func(i, j int) bool { return got[i][2] < got[j][2] })
			if !reflect.DeepEqual(got, wantPK[table]) {
				t.Errorf("getPrimaryKeys(%s) = %v, want %v", table, got, wantPK[table])
			}
		}
	})

	t.Run("prepared statement", func(t *testing.T) {
		if !out.step(t, "prepared") {
			return
		}
		rows := out.lines["prepared"]
		if len(rows) != 7 {
			t.Fatalf("%d executions reported, want 7: %v", len(rows), rows)
		}
		for i, r := range rows {
			p := f.people[10*(i+1)] // id 10*run+1
			score := "NULL"
			if p.Score != nil {
				score = strconv.FormatFloat(*p.Score, 'f', -1, 64)
			}
			want := []string{strconv.Itoa(i + 1), r[1], fmt.Sprint(p.ID), p.Name, fmt.Sprint(p.Age), fmt.Sprint(p.Active), p.Joined, score}
			got := append([]string(nil), r...)
			if len(got) == len(want) && got[7] != "NULL" {
				// Java prints doubles as 1234.0; compare the numbers.
				if v, err := strconv.ParseFloat(got[7], 64); err == nil {
					got[7] = strconv.FormatFloat(v, 'f', -1, 64)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("execution %d: %v, want %v", i+1, r, want)
			}
		}
		// pgjdbc's prepareThreshold is 5: the first runs are unnamed, the
		// last ones use the named statement with binary results.
		if rows[0][1] != "false" || rows[6][1] != "true" {
			t.Errorf("server-side prepare by run: first %s, last %s; want false, true", rows[0][1], rows[6][1])
		}
	})

	t.Run("wire", func(t *testing.T) {
		// From the 5th execution: Bind to a named statement (S_n) asking
		// for binary results.
		binary := false
		for _, m := range wire.match(`Bind "S_`) {
			_, formats, _ := strings.Cut(m, "result formats [")
			binary = binary || strings.Contains(" "+formats, " 1")
		}
		if !binary {
			t.Errorf("pgjdbc never bound a named statement with binary results:\n%s", strings.Join(wire.messages(), "\n"))
		}
		// setFetchSize(10): a named portal executed 10 rows at a time.
		if got := wire.match(`Execute "C_`, "max 10"); len(got) < 2 {
			t.Errorf("pgjdbc did not fetch through a named portal 10 rows at a time: %v", got)
		}
	})

	t.Run("fetch size", func(t *testing.T) {
		if !out.step(t, "fetch") {
			return
		}
		got := out.lines["fetch"]
		var ids []string
		for _, p := range f.people {
			ids = append(ids, fmt.Sprint(p.ID))
		}
		if want := [][]string{{fmt.Sprint(len(f.people)), strings.Join(ids, ",")}}; !reflect.DeepEqual(got, want) {
			t.Errorf("setFetchSize(10) read %v, want %v", got, want)
		}
	})

	t.Run("query builder", func(t *testing.T) {
		// The questions answer what PostgreSQL answers over the same rows:
		// its type names (pgjdbc's getColumnTypeName) and its text values.
		pg := connectAs(t, loadIntoPostgres(t, f, "e2e_jdbc"), func(c *pgx.ConnConfig) { c.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol })
		byQuery := map[string][][]string{}
		for _, l := range out.lines["builder"] {
			byQuery[l[0]] = append(byQuery[l[0]], l[1:])
		}
		for i, q := range metabaseBuilderQueries {
			n := strconv.Itoa(i + 1)
			if !out.step(t, "builder "+n) {
				continue
			}
			want, err := ask(context.Background(), pg, q)
			if err != nil || want.err != nil {
				t.Fatalf("PostgreSQL: %v %v", err, want.err)
			}
			var types []string
			for _, oid := range want.oids {
				types = append(types, pgTypeName(oid))
			}
			var wantRows [][]string
			for _, r := range want.rows {
				wantRows = append(wantRows, append([]string{strings.Join(types, ",")}, r...))
			}
			if got := byQuery[n]; !reflect.DeepEqual(got, wantRows) {
				t.Errorf("%s\ngot  %q\nwant %q", q, got, wantRows)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		if !out.step(t, "missing table") {
			return
		}
		if got := out.lines["missing"]; len(got) != 1 || got[0][0] != "42P01" {
			t.Errorf("missing table: SQLSTATE %v, want 42P01", got)
		}
		if got := out.lines["after error"]; len(got) != 1 || got[0][0] != fmt.Sprint(len(f.visits)) {
			t.Errorf("query after the error: %v, want %d", got, len(f.visits))
		}
	})
}

// metabaseBuilderQueries are questions as Metabase's query builder writes
// them for PostgreSQL: columns qualified by schema and table, CAST,
// DATE_TRUNC, EXTRACT and binning. Each is ordered totally.
var metabaseBuilderQueries = []string{
	`SELECT "public"."people"."city" AS "city", count(*) AS "count" FROM "public"."people" GROUP BY "public"."people"."city" ORDER BY "public"."people"."city" ASC NULLS FIRST`,
	`SELECT CAST("public"."people"."joined" AS date) AS "joined", count(*) AS "count" FROM "public"."people" WHERE "public"."people"."joined" < date '2020-06-01' GROUP BY CAST("public"."people"."joined" AS date) ORDER BY CAST("public"."people"."joined" AS date) ASC`,
	`SELECT DATE_TRUNC('month', "public"."people"."seen") AS "seen", count(*) AS "count" FROM "public"."people" GROUP BY DATE_TRUNC('month', "public"."people"."seen") ORDER BY DATE_TRUNC('month', "public"."people"."seen") ASC`,
	`SELECT CAST(extract(year from "public"."people"."joined") AS integer) AS "joined", avg("public"."people"."age") AS "avg" FROM "public"."people" GROUP BY CAST(extract(year from "public"."people"."joined") AS integer) ORDER BY CAST(extract(year from "public"."people"."joined") AS integer) ASC`,
	`SELECT ((floor((("public"."people"."age" - 18.0) / 10.0)) * 10.0) + 18.0) AS "age", count(*) AS "count" FROM "public"."people" GROUP BY ((floor((("public"."people"."age" - 18.0) / 10.0)) * 10.0) + 18.0) ORDER BY ((floor((("public"."people"."age" - 18.0) / 10.0)) * 10.0) + 18.0) ASC`,
	`SELECT "public"."visits"."page" AS "page", "People"."active" AS "People__active", sum("public"."visits"."amount") AS "sum" FROM "public"."visits" LEFT JOIN "public"."people" "People" ON "public"."visits"."person_id" = "People"."id" GROUP BY "public"."visits"."page", "People"."active" ORDER BY "public"."visits"."page" ASC, "People"."active" ASC`,
	`SELECT "public"."people"."id" AS "id", "public"."people"."name" AS "name", "public"."people"."score" AS "score" FROM "public"."people" WHERE ("public"."people"."age" > 70) AND ("public"."people"."name" LIKE 'A%') ORDER BY "public"."people"."id" ASC LIMIT 2000`,
}

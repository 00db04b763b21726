package test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/pgdynamo/pgdynamo/internal/pgtest"
)

// loadIntoPostgres creates people and visits in the shared PostgreSQL with
// the same rows and the column order and types pgdynamo infers.
func loadIntoPostgres(t *testing.T, f *fixture) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	// The simple protocol, as for the gateway, so both answer in text.
	cfg, err := pgx.ParseConfig(pgtest.Shared(t).ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	schema := "diff_" + strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name()))
	stmts := []string{
		"DROP SCHEMA IF EXISTS " + schema + " CASCADE",
		"CREATE SCHEMA " + schema,
		"SET search_path = " + schema,
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
	return conn
}

// differentialCorpus is run against pgdynamo and PostgreSQL; names, type
// OIDs and text values must agree. ordered marks queries whose ORDER BY is
// total; the others are compared as multisets.
var differentialCorpus = []struct {
	sql     string
	ordered bool
}{
	// SELECT * with WHERE, ORDER BY and LIMIT.
	{"SELECT * FROM people WHERE age > 30 ORDER BY id LIMIT 25", true},
	{"SELECT * FROM people WHERE active AND city = 'Zürich' ORDER BY joined DESC, id", true},
	{"SELECT id, name FROM people WHERE name LIKE 'A%' ORDER BY name, id", true},
	{"SELECT id, name FROM people WHERE name ILIKE 'a%' ORDER BY name, id", true},
	{"SELECT id FROM people WHERE city IS NULL ORDER BY id", true},
	{"SELECT id, city FROM people WHERE city IN ('Austin', 'austin', '') ORDER BY city, id", true},
	{"SELECT id, joined FROM people WHERE joined BETWEEN '2021-01-01' AND '2021-12-31' ORDER BY joined, id", true},
	{"SELECT * FROM people ORDER BY id OFFSET 100", true},
	// NULL ordering: last ascending, first descending.
	{"SELECT id, score FROM people ORDER BY score, id LIMIT 40", true},
	{"SELECT id, score FROM people ORDER BY score DESC, id LIMIT 40", true},
	{"SELECT id, city FROM people ORDER BY city NULLS FIRST, id", true},
	// Text comparison.
	{"SELECT name FROM people WHERE name > 'Edsger' ORDER BY name COLLATE \"C\", id", false},
	{"SELECT upper(name) AS u, lower(city) AS l FROM people ORDER BY id", false},
	// Arithmetic: integer division and modulo stay integers.
	{"SELECT id, age / 7 AS weeks, age % 7 AS rest, -age / 4 AS neg FROM people ORDER BY id", true},
	{"SELECT id, score / 2 AS half, score * 2 AS twice FROM people ORDER BY id", true},
	// Casts.
	{"SELECT id, age::text AS t, id::float8 AS f, joined::text AS d FROM people ORDER BY id LIMIT 10", true},
	// Aggregates.
	{"SELECT count(*) FROM people", true},
	{"SELECT count(*), count(city), count(DISTINCT city), min(age), max(age), sum(age) FROM people", true},
	{"SELECT city, count(*) AS n, min(joined) AS first, max(score) AS best FROM people GROUP BY city ORDER BY city NULLS FIRST", true},
	{"SELECT active, sum(score) AS total, avg(score) AS mean FROM people GROUP BY active ORDER BY active", true},
	{"SELECT city, count(*) FROM people GROUP BY city HAVING count(*) > 15 ORDER BY 2 DESC, 1", true},
	// Joins of two datasets.
	{"SELECT p.id, p.name, v.visit_id, v.page, v.amount FROM people p JOIN visits v ON v.person_id = p.id ORDER BY p.id, v.visit_id", true},
	{"SELECT p.id, count(v.visit_id) AS visits, sum(v.amount) AS spent FROM people p LEFT JOIN visits v ON v.person_id = p.id GROUP BY p.id ORDER BY p.id", true},
	{"SELECT v.page, count(DISTINCT p.city) AS cities FROM visits v JOIN people p ON p.id = v.person_id GROUP BY v.page ORDER BY v.page", true},
	// The same dataset twice, a subquery and a CTE used twice.
	{"SELECT a.id, b.id AS other FROM people a JOIN people b ON a.age = b.age AND a.id < b.id ORDER BY a.id, b.id", true},
	{"SELECT id FROM people WHERE id IN (SELECT person_id FROM visits WHERE amount > 500) ORDER BY id", true},
	{"WITH busy AS (SELECT person_id, count(*) AS n FROM visits GROUP BY person_id) SELECT a.person_id, a.n FROM busy a JOIN busy b ON a.person_id = b.person_id ORDER BY 1", true},
	{"SELECT id, (SELECT count(*) FROM visits v WHERE v.person_id = p.id) AS n FROM people p ORDER BY id", true},
	// Casts.
	{"SELECT id, age::float8 AS f, age::text || '!' AS t, '42'::int8 + age AS n FROM people ORDER BY id", true},
	{"SELECT id, joined::timestamp AS ts, joined::text AS d, seen::date AS day, CAST(age AS text) AS a FROM people ORDER BY id", true},
	{"SELECT CAST('2024-02-29' AS date) AS d, '12:34:56'::time AS t, '1 day'::interval AS i, 7 / 2 AS q, 7 % 3 AS r, -7 / 2 AS nq", true},
	// Date and time output.
	{"SELECT id, seen FROM people ORDER BY seen, id LIMIT 30", true},
	{"SELECT id, date_trunc('day', seen) AS day, seen + interval '90 minutes' AS later FROM people ORDER BY id", true},
	{"SELECT min(seen), max(seen), min(joined), max(joined) FROM people", true},
	{"SELECT id FROM people WHERE seen BETWEEN '2024-03-01T00:00:00Z' AND '2024-06-01T00:00:00Z' ORDER BY id", true},
	{"SELECT joined, count(*) FROM people WHERE joined > '2022-06-30' GROUP BY joined ORDER BY joined", true},
	// Partition-key equality becomes a DynamoDB Query: same answers.
	{"SELECT * FROM people WHERE id = 7", true},
	{"SELECT * FROM visits WHERE person_id = 5 ORDER BY visit_id", true},
	{"SELECT * FROM people, visits WHERE visits.person_id = 4 AND people.id = visits.person_id ORDER BY visit_id", true},
	{"SELECT p.name, v.page FROM people p JOIN visits v ON v.person_id = p.id WHERE p.id = 3 ORDER BY v.visit_id", true},
	{"SELECT id FROM people WHERE id = 7 OR id = 9 ORDER BY id", true},
	{"SELECT count(*) FROM visits WHERE person_id = 999", true},
	{"SELECT count(*), min(amount) FROM visits WHERE person_id = 8 AND amount > 10", true},
	{"SELECT * FROM people WHERE id IN (3, 5, 5, 7, 5.0) ORDER BY id", true},
	{"SELECT count(*) FROM visits WHERE person_id IN (1, 2, 3, 1000)", true},
	{"SELECT v.* FROM visits v WHERE v.person_id = 2 OR v.person_id = 4 ORDER BY person_id, visit_id", true},
	// Window functions.
	{"SELECT id, city, row_number() OVER (PARTITION BY city ORDER BY age, id) AS rn FROM people ORDER BY id", true},
	{"SELECT id, sum(age) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s FROM people ORDER BY id", true},
}

func TestDifferentialAgainstPostgres(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	pg := loadIntoPostgres(t, f)
	gwConn := connect(t, gw)
	ctx := context.Background()
	for _, q := range differentialCorpus {
		t.Run(q.sql, func(t *testing.T) {
			wantNames, wantOIDs, wantRows, err := queryText(ctx, pg, q.sql)
			if err != nil {
				t.Fatalf("PostgreSQL: %v", err)
			}
			gotNames, gotOIDs, gotRows, err := queryText(ctx, gwConn, q.sql)
			if err != nil {
				t.Fatalf("pgdynamo: %v", err)
			}
			if !reflect.DeepEqual(gotNames, wantNames) {
				t.Errorf("column names %v, PostgreSQL says %v", gotNames, wantNames)
			}
			if !reflect.DeepEqual(gotOIDs, wantOIDs) {
				t.Errorf("type OIDs %v, PostgreSQL says %v", gotOIDs, wantOIDs)
			}
			if !q.ordered {
				sortRows(gotRows)
				sortRows(wantRows)
			}
			if len(gotRows) != len(wantRows) {
				t.Fatalf("%d rows, PostgreSQL returns %d", len(gotRows), len(wantRows))
			}
			for i := range wantRows {
				if !reflect.DeepEqual(gotRows[i], wantRows[i]) {
					t.Fatalf("row %d = %v, PostgreSQL says %v", i, gotRows[i], wantRows[i])
				}
			}
		})
	}
}

func sortRows(rows [][]string) {
	sort.Slice(rows, func(i, j int) bool { return fmt.Sprint(rows[i]) < fmt.Sprint(rows[j]) })
}

package planner_test

import (
	"errors"
	"testing"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
)

// TestNamesResolveAsPostgres checks postgres-names: qualified references
// lose the schema the engine does not know; the rest is untouched.
func TestNamesResolveAsPostgres(t *testing.T) {
	p := testPlanner(t).WithSession(catalog.Session{User: "alice", Database: "shop"})
	tests := []struct{ sql, want string }{
		{`SELECT "public"."users"."id" AS "id" FROM "public"."users" GROUP BY "public"."users"."id" ORDER BY "public"."users"."id"`,
			"SELECT users.id AS id FROM pgdynamo_scan('public.users', 'r1') users GROUP BY users.id ORDER BY users.id"},
		{"SELECT public.users.* FROM users", "SELECT users.* FROM pgdynamo_scan('public.users', 'r1') users"},
		{"SELECT shop.public.users.id FROM users", "SELECT users.id FROM pgdynamo_scan('public.users', 'r1') users"},
		{"SELECT id FROM users WHERE EXISTS (SELECT 1 FROM orders WHERE orders.id = public.users.id)",
			"SELECT id FROM pgdynamo_scan('public.users', 'r1') users WHERE EXISTS (SELECT 1 FROM pgdynamo_scan('public.orders', 'r2') orders WHERE orders.id = users.id)"},
		{"SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class WHERE relname = 'users'",
			"SELECT pg_class.relname FROM pgdynamo_catalog.pg_class WHERE relname = 'users'"},
		// A struct column's field, a CTE's and a subquery's columns.
		{"SELECT users.metadata.signup FROM users", "SELECT users.metadata.signup FROM pgdynamo_scan('public.users', 'r1') users"},
		{"WITH c(n) AS (SELECT id FROM users) SELECT c.n FROM c", "WITH c(n) AS (SELECT id FROM pgdynamo_scan('public.users', 'r1') users) SELECT c.n FROM c"},
		{"SELECT s.k FROM (SELECT id AS k FROM orders) s ORDER BY k", "SELECT s.k FROM (SELECT id AS k FROM pgdynamo_scan('public.orders', 'r1') orders) s ORDER BY k"},
		// Output names are visible to ORDER BY and GROUP BY.
		{"SELECT id AS n FROM users GROUP BY n ORDER BY n", "SELECT id AS n FROM pgdynamo_scan('public.users', 'r1') users GROUP BY n ORDER BY n"},
		{"SELECT a.id FROM users a JOIN orders b USING (id) WHERE id > 1", "SELECT a.id FROM pgdynamo_scan('public.users', 'r1') a JOIN pgdynamo_scan('public.orders', 'r2') b USING (id) WHERE id > 1"},
		{"SELECT g FROM generate_series(1, 2) g", "SELECT g FROM LATERAL (SELECT generate_series::int4 AS generate_series FROM generate_series(1, 2)) g(g)"},
	}
	for _, tc := range tests {
		stmts, err := p.Plan(tc.sql, "")
		if err != nil {
			t.Errorf("Plan(%q): %v", tc.sql, err)
			continue
		}
		if stmts[0].SQL != tc.want {
			t.Errorf("Plan(%q)\n got %s\nwant %s", tc.sql, stmts[0].SQL, tc.want)
		}
	}
}

// TestNamesRefuseAsPostgres checks the errors postgres-names raises, in
// PostgreSQL 15's words (the differential corpus compares them with a
// real server).
func TestNamesRefuseAsPostgres(t *testing.T) {
	p := testPlanner(t).WithSession(catalog.Session{User: "alice", Database: "shop"})
	tests := []struct {
		sql      string
		code     pgerror.Code
		message  string
		hint     string
		position int
	}{
		{"SELECT idd FROM users", pgerror.UndefinedColumn, `column "idd" does not exist`,
			`Perhaps you meant to reference the column "users.id".`, 8},
		{"SELECT u.idd FROM users u", pgerror.UndefinedColumn, `column u.idd does not exist`,
			`Perhaps you meant to reference the column "u.id".`, 8},
		{`SELECT "ID" FROM users`, pgerror.UndefinedColumn, `column "ID" does not exist`, "", 8},
		{"SELECT id FROM users WHERE nope = 1", pgerror.UndefinedColumn, `column "nope" does not exist`, "", 28},
		{"SELECT id FROM users a, orders b", pgerror.AmbiguousColumn, `column reference "id" is ambiguous`, "", 8},
		{"SELECT users.id FROM users u", pgerror.UndefinedTable, `invalid reference to FROM-clause entry for table "users"`,
			`Perhaps you meant to reference the table alias "u".`, 8},
		{"SELECT public.users.id FROM users u", pgerror.UndefinedTable, `invalid reference to FROM-clause entry for table "users"`,
			`Perhaps you meant to reference the table alias "u".`, 8},
		{"SELECT app.users.id FROM users", pgerror.UndefinedTable, `invalid reference to FROM-clause entry for table "users"`,
			`There is an entry for table "users", but it cannot be referenced from this part of the query.`, 8},
		{"SELECT nope.id FROM users", pgerror.UndefinedTable, `missing FROM-clause entry for table "nope"`, "", 8},
		{"SELECT other.public.users.id FROM users", pgerror.FeatureNotSupported,
			"cross-database references are not implemented: other.public.users.id", "", 8},
		{"SELECT (SELECT nope FROM orders) FROM users", pgerror.UndefinedColumn, `column "nope" does not exist`, "", 16},
	}
	for _, tc := range tests {
		_, err := p.Plan(tc.sql, "")
		var pe *pgerror.Error
		if !errors.As(err, &pe) {
			t.Errorf("Plan(%q) = %v, want an error", tc.sql, err)
			continue
		}
		if pe.Code != tc.code || pe.Message != tc.message || pe.Hint != tc.hint || pe.Position != tc.position {
			t.Errorf("Plan(%q) = %s %q hint %q at %d\nwant %s %q hint %q at %d", tc.sql, pe.Code, pe.Message, pe.Hint, pe.Position,
				tc.code, tc.message, tc.hint, tc.position)
		}
	}
	// In a text of several statements, positions count from its start.
	_, err := p.Plan("SELECT 1; SELECT idd FROM users", "")
	var pe *pgerror.Error
	if !errors.As(err, &pe) {
		t.Fatalf("second statement's unknown column: %v, want an error", err)
	}
	if pe.Position != 18 {
		t.Errorf("second statement's unknown column at %d, want position 18", pe.Position)
	}
	// Also where the second statement's text starts the first's too: its
	// position counts from where it stands, in characters (PostgreSQL 15
	// says 64).
	_, err = p.Plan("SELECT 'é', idd FROM users u, (SELECT 1 AS idd) t; SELECT 'é', idd FROM users", "")
	if !errors.As(err, &pe) || pe.Code != pgerror.UndefinedColumn {
		t.Fatalf("repeated statement's unknown column: %v, want an error", err)
	}
	if pe.Position != 64 {
		t.Errorf("repeated statement's unknown column at %d, want position 64", pe.Position)
	}
	// Where a FROM item's columns are unknown, the engine decides.
	if _, err := p.Plan("SELECT nope FROM users, json_tree('{}')", ""); err != nil {
		t.Errorf("unknown columns refused at plan time: %v", err)
	}
}

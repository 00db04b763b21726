package planner_test

import (
	"errors"
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v5"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/planner"
)

// shimPlanner is testPlanner (datasets orders and users, so users is OID
// 16385) seeing a session of alice in database shop.
func shimPlanner(t *testing.T) *planner.Planner {
	return testPlanner(t).WithSession(catalog.Session{User: "alice", Database: "shop", PID: 42, Settings: []catalog.Setting{
		{Name: "search_path", Value: `"$user", public`, Default: `"$user", public`},
		{Name: "server_version", Value: "15.8", Default: "15.8", ReadOnly: true},
		{Name: "server_version_num", Value: "150008", Default: "150008", ReadOnly: true},
		{Name: "TimeZone", Value: "UTC", Default: "UTC"},
	}})
}

// TestCatalogTransforms checks each catalog transform on the SQL clients
// send, input → the engine SQL it becomes.
func TestCatalogTransforms(t *testing.T) {
	p := shimPlanner(t)
	tests := []struct {
		transform, name, sql, want string
	}{
		{"catalog-relations", "qualified pg_catalog relation",
			"SELECT relname FROM pg_catalog.pg_class c WHERE c.relkind = 'r'",
			"SELECT relname FROM pgdynamo_catalog.pg_class c WHERE c.relkind = 'r'"},
		{"catalog-relations", "unqualified names resolve in pg_catalog first",
			"SELECT relname FROM pg_class", "SELECT relname FROM pgdynamo_catalog.pg_class"},
		{"catalog-relations", "a CTE hides the catalog relation",
			"WITH pg_class AS (SELECT 1 AS oid) SELECT oid FROM pg_class",
			"WITH pg_class AS (SELECT 1 AS oid) SELECT oid FROM pg_class"},
		{"catalog-relations", "schema-qualified column reference",
			"SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class",
			"SELECT pg_class.relname FROM pgdynamo_catalog.pg_class"},
		{"catalog-relations", "information_schema gets the session's database",
			"SELECT schema_name FROM information_schema.schemata s, information_schema.enabled_roles",
			"SELECT schema_name FROM (SELECT 'shop'::text AS catalog_name, schema_name AS schema_name, schema_owner AS schema_owner, " +
				"default_character_set_catalog AS default_character_set_catalog, default_character_set_schema AS default_character_set_schema, " +
				"default_character_set_name AS default_character_set_name, sql_path AS sql_path FROM pgdynamo_catalog.schemata) s, " +
				"pgdynamo_catalog.enabled_roles"},
		{"catalog-relations", "per-session relation from the session",
			"SELECT datname FROM pg_catalog.pg_database",
			"SELECT datname FROM (VALUES (16383::int8, 'shop'::text, 10::int8, 6::int4, 'c'::text, false::bool, true::bool, (-1)::int4, " +
				"0::int8, 0::int8, 1663::int8, 'C'::text, 'C'::text, NULL::text, NULL::text, NULL::text[])) pg_database(oid, datname, datdba, " +
				"encoding, datlocprovider, datistemplate, datallowconn, datconnlimit, datfrozenxid, datminmxid, dattablespace, datcollate, " +
				"datctype, daticulocale, datcollversion, datacl)"},
		{"catalog-function-scans", "scalar function in FROM",
			"SELECT s FROM string_to_array('a,b', ',') s",
			"SELECT s FROM LATERAL (SELECT string_to_array('a,b', ',') AS s) s(s)"},
		{"catalog-function-scans", "set-returning functions name their column after the alias",
			"SELECT i FROM generate_series(1, 3) AS i, pg_catalog.unnest(ARRAY[1]) u",
			"SELECT i FROM LATERAL (SELECT generate_series::int4 AS generate_series FROM generate_series(1, 3)) i(i), unnest(ARRAY[1]) u(u)"},
		{"catalog-array-literals", "array literal cast",
			`SELECT '{1,2}'::int[], '{"a b",NULL,c}'::text[]`,
			"SELECT ARRAY['1', '2']::int4[] AS int4, ARRAY['a b', NULL, 'c']::text[] AS text"},
		{"catalog-array-literals", "array literal compared with an array column",
			"SELECT polname FROM pg_catalog.pg_policy pol WHERE pol.polroles = '{0}'",
			"SELECT polname FROM pgdynamo_catalog.pg_policy pol WHERE pol.polroles = ARRAY['0']::int8[]"},
		{"catalog-functions", "session functions are constants",
			"SELECT version(), current_database(), current_schema(), current_schemas(true), pg_backend_pid()",
			"SELECT '" + planner.VersionString("15.8") + "'::text AS version, 'shop'::text AS current_database, " +
				`'public'::text AS "current_schema", ARRAY['pg_catalog', 'public']::text[] AS current_schemas, 42::int4 AS pg_backend_pid`},
		{"catalog-functions", "SQL value functions",
			"SELECT current_user, session_user, user, current_catalog",
			`SELECT 'alice'::text AS "current_user", 'alice'::text AS "session_user", 'alice'::text AS "user", 'shop'::text AS "current_catalog"`},
		{"catalog-functions", "current_setting of a constant",
			"SELECT current_setting('server_version_num')::int / 100 AS version",
			"SELECT '150008'::text::int4 / 100 AS version"},
		{"catalog-functions", "current_setting missing_ok and custom settings",
			"SELECT current_setting('nope', true), current_setting('my.app')",
			"SELECT NULL::text AS current_setting, NULL::text AS current_setting"},
		{"catalog-functions", "set_config answers the setting (the engine changes it, then plans again)",
			"SELECT pg_catalog.set_config('search_path', '', false)", `SELECT '"$user", public'::text AS set_config`},
		{"catalog-functions", "shim functions move to the shim schema",
			"SELECT pg_catalog.format_type(a.atttypid, a.atttypmod), pg_get_userbyid(c.relowner), " +
				"information_schema._pg_expandarray(i.indkey) FROM pg_attribute a, pg_class c, pg_index i",
			"SELECT pgdynamo_catalog.format_type(a.atttypid, a.atttypmod) AS format_type, pgdynamo_catalog.pg_get_userbyid(c.relowner) " +
				"AS pg_get_userbyid, pgdynamo_catalog._pg_expandarray(i.indkey) AS _pg_expandarray FROM pgdynamo_catalog.pg_attribute a, " +
				"pgdynamo_catalog.pg_class c, pgdynamo_catalog.pg_index i"},
		{"catalog-functions", "pg_catalog qualifier dropped, SQL syntax kept",
			"SELECT pg_catalog.lower('A'), trim(' a ')",
			"SELECT lower('A') AS lower, TRIM (BOTH  FROM ' a ') AS btrim"},
		{"catalog-functions", "format with a constant format string",
			"SELECT format('%I.%I', 'public', 'users'), format('%s and %L', 1, NULL)",
			"SELECT concat(pgdynamo_catalog.quote_ident('public'::text), '.', pgdynamo_catalog.quote_ident('users'::text)) AS format, " +
				"concat(1::text, ' and ', COALESCE(pgdynamo_catalog.quote_literal(NULL::text), 'NULL')) AS format"},
		{"catalog-casts", "regclass literals resolve at plan time",
			"SELECT * FROM pg_attribute WHERE attrelid = 'users'::regclass OR attrelid = 'public.users'::pg_catalog.regclass::oid",
			"SELECT * FROM pgdynamo_catalog.pg_attribute WHERE attrelid = 16385 OR attrelid = 16385::int8"},
		{"catalog-casts", "a regclass parameter arrives as text",
			"SELECT relname FROM pg_class WHERE oid = $1::regclass",
			"SELECT relname FROM pgdynamo_catalog.pg_class WHERE oid = pgdynamo_catalog.regclass_oid($1::text)"},
		{"catalog-casts", "regclass output shows the name",
			"SELECT c.oid::pg_catalog.regclass, c.oid::regclass::text FROM pg_class c ORDER BY c.oid::regclass",
			"SELECT pgdynamo_catalog.regclass_text(c.oid) AS oid, pgdynamo_catalog.regclass_text(c.oid) AS oid " +
				"FROM pgdynamo_catalog.pg_class c ORDER BY pgdynamo_catalog.regclass_oid(c.oid)"},
		{"catalog-casts", "regtype, regproc, regnamespace",
			"SELECT 'bigint'::regtype::oid, typinput = 'pg_catalog.array_in'::regproc, 'public'::regnamespace::oid, " +
				"stxnamespace::pg_catalog.regnamespace::pg_catalog.text FROM pg_type, pg_statistic_ext",
			`SELECT 20::int8 AS oid, typinput = 'array_in' AS "?column?", 2200::int8 AS oid, ` +
				"pgdynamo_catalog.regnamespace_text(stxnamespace) AS stxnamespace FROM pgdynamo_catalog.pg_type, pgdynamo_catalog.pg_statistic_ext"},
		{"catalog-casts", "PostgreSQL-only type names",
			`SELECT x::oid, y::name, z::pg_catalog.text, w::"char", v::pg_catalog.int2[], u::pg_catalog.int2vector FROM users`,
			"SELECT x::int8 AS x, y::text AS y, z::text AS z, w::text AS w, v::int2[] AS v, u::int2[] AS u FROM pgdynamo_scan('public.users', 'r1') users"},
		{"catalog-operators", "OPERATOR(pg_catalog.~) is a regular expression search",
			"SELECT relname FROM pg_class WHERE relname OPERATOR(pg_catalog.~) '^(users)$'",
			"SELECT relname FROM pgdynamo_catalog.pg_class WHERE regexp_matches(relname, '^(users)$')"},
		{"catalog-operators", "negated and case-insensitive",
			"SELECT 1 FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname ~* 'PUB' AND nspname !~* 'x' AND 'a' OPERATOR(pg_catalog.=) 'a'",
			`SELECT 1 AS "?column?" FROM pgdynamo_catalog.pg_namespace WHERE NOT regexp_matches(nspname, '^pg_') AND ` +
				"regexp_matches(nspname, 'PUB', 'i') AND NOT regexp_matches(nspname, 'x', 'i') AND 'a' = 'a'"},
		{"catalog-collations", "default, C and POSIX collations are the engine's",
			`SELECT relname COLLATE pg_catalog.default, 'a' COLLATE "C", 'b' COLLATE pg_catalog."POSIX" FROM pg_class`,
			`SELECT relname AS relname, 'a' AS "?column?", 'b' AS "?column?" FROM pgdynamo_catalog.pg_class`},
	}
	covered := map[string]bool{}
	for _, tc := range tests {
		covered[tc.transform] = true
		t.Run(tc.transform+"/"+tc.name, func(t *testing.T) {
			stmts, err := p.Plan(tc.sql, "")
			if err != nil {
				t.Fatalf("Plan(%q): %v", tc.sql, err)
			}
			if stmts[0].SQL != tc.want {
				t.Errorf("Plan(%q)\n got: %s\nwant: %s", tc.sql, stmts[0].SQL, tc.want)
			}
		})
	}
	for _, name := range planner.TransformNames() {
		if strings.HasPrefix(name, "catalog-") && !covered[name] {
			t.Errorf("transform %s has no test case", name)
		}
	}
}

func TestCatalogErrors(t *testing.T) {
	p := shimPlanner(t)
	tests := []struct {
		sql  string
		code pgerror.Code
		msg  string
	}{
		{"SELECT * FROM pg_catalog.pg_nope", pgerror.UndefinedTable, `relation "pg_catalog.pg_nope" does not exist`},
		{"SELECT * FROM information_schema.pg_class", pgerror.UndefinedTable, `relation "information_schema.pg_class" does not exist`},
		{"SELECT * FROM pg_catalog.pgdynamo_objdef", pgerror.UndefinedTable, `relation "pg_catalog.pgdynamo_objdef" does not exist`},
		{"SELECT 'nope'::regclass", pgerror.UndefinedTable, `relation "nope" does not exist`},
		{"SELECT 'nope'::regtype", pgerror.UndefinedObject, `type "nope" does not exist`},
		{"SELECT current_setting('nope')", pgerror.UndefinedObject, `unrecognized configuration parameter "nope"`},
		{"SELECT set_config('server_version', '16', false)", "55P02", `parameter "server_version" cannot be changed`},
		{"SELECT information_schema.nope(1)", pgerror.UndefinedFunction, "function information_schema.nope does not exist"},
	}
	for _, tc := range tests {
		_, err := p.Plan(tc.sql, "")
		var pe *pgerror.Error
		if !errors.As(err, &pe) {
			t.Errorf("Plan(%q) = %v, want a *pgerror.Error", tc.sql, err)
			continue
		}
		if pe.Code != tc.code || pe.Message != tc.msg {
			t.Errorf("Plan(%q) = %s %q, want %s %q", tc.sql, pe.Code, pe.Message, tc.code, tc.msg)
		}
	}
}

// TestCatalogWithoutSession: a planner nobody told about a session still
// answers, as the gateway's own role.
func TestCatalogWithoutSession(t *testing.T) {
	stmts, err := testPlanner(t).Plan("SELECT current_user", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := `SELECT 'pgdynamo'::text AS "current_user"`; stmts[0].SQL != want {
		t.Errorf("got %s, want %s", stmts[0].SQL, want)
	}
}

// TestQuoteIdentKeywords checks the keyword list against the parser's own
// keyword table: each must be a keyword that is not unreserved.
func TestQuoteIdentKeywords(t *testing.T) {
	for _, k := range planner.QuoteIdentKeywords() {
		res, err := pg.Scan(k)
		if err != nil || len(res.Tokens) != 1 {
			t.Errorf("%s: scanned as %v (%v)", k, res, err)
			continue
		}
		switch res.Tokens[0].KeywordKind {
		case pg.KeywordKind_COL_NAME_KEYWORD, pg.KeywordKind_TYPE_FUNC_NAME_KEYWORD, pg.KeywordKind_RESERVED_KEYWORD:
		default:
			t.Errorf("%s is %v, which quote_ident leaves unquoted", k, res.Tokens[0].KeywordKind)
		}
	}
}

// TestPlanMarksPerSessionRowsVolatile: a plan that inlines a per-session
// relation's rows is marked Volatile, so the engine plans it again for
// every run; other queries are not.
func TestPlanMarksPerSessionRowsVolatile(t *testing.T) {
	p := shimPlanner(t)
	for sql, want := range map[string]bool{
		"SELECT datname FROM pg_catalog.pg_database":           true,
		"SELECT name, state FROM pgdynamo.datasets":            true,
		"SELECT name FROM pg_settings WHERE name = 'TimeZone'": true,
		"SELECT relname FROM pg_catalog.pg_class":              false,
		"SELECT 1":                          false,
		"SELECT * FROM users WHERE id = $1": false,
		"DECLARE c CURSOR FOR SELECT state FROM pgdynamo.datasets": true,
	} {
		plans, err := p.Plan(sql, "q1")
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if got := plans[0].Volatile; got != want {
			t.Errorf("%s: Volatile = %v, want %v", sql, got, want)
		}
	}
}

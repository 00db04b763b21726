package test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/internal/pgtest"
)

func catalogQuery(t *testing.T, conn *pgx.Conn, sql string) [][]string {
	t.Helper()
	_, _, rows, err := queryText(context.Background(), conn, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func catalogJoin(rows [][]string) string {
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = strings.Join(r, "|")
	}
	return strings.Join(lines, "\n")
}

func TestCatalogInformationSchema(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	for _, c := range []struct{ sql, want string }{
		{`SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables
			WHERE table_schema = 'public' ORDER BY table_name`,
			"e2e|public|people|BASE TABLE\ne2e|public|visits|BASE TABLE"},
		{`SELECT column_name, ordinal_position, data_type, udt_name, is_nullable FROM information_schema.columns
			WHERE table_name = 'visits' ORDER BY ordinal_position`,
			"person_id|1|bigint|int8|NO\nvisit_id|2|text|text|NO\namount|3|double precision|float8|YES\npage|4|text|text|YES"},
		{`SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = 'people'
			AND column_name IN ('active', 'joined') ORDER BY 1`,
			"active|bool\njoined|date"},
		{`SELECT tc.constraint_name, tc.constraint_type, kcu.column_name, kcu.ordinal_position
			FROM information_schema.table_constraints tc
			JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
			WHERE tc.table_name IN ('people', 'visits') ORDER BY 1, 4`,
			"people_pkey|PRIMARY KEY|id|1\nvisits_pkey|PRIMARY KEY|person_id|1\nvisits_pkey|PRIMARY KEY|visit_id|2"},
		{`SELECT schema_name FROM information_schema.schemata ORDER BY 1`, "information_schema\npg_catalog\npgdynamo\npublic"},
		{`SELECT count(*) FROM information_schema.views WHERE table_schema = 'public'`, "0"},
		{`SELECT count(*) FROM information_schema.routines`, "0"},
	} {
		if got := catalogJoin(catalogQuery(t, conn, c.sql)); got != c.want {
			t.Errorf("%s\n got:\n%s\nwant:\n%s", c.sql, got, c.want)
		}
	}
}

// pickerSearchPath is Grafana's "schemas on the search path" test
// (postgresMetaQuery.ts buildSchemaConstraint).
const pickerSearchPath = `quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )`

// TestCatalogGrafana runs the Grafana PostgreSQL data source's own
// queries: its version and TimescaleDB probes and its pickers.
func TestCatalogGrafana(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	tablePart := "'people'"
	for _, c := range []struct{ name, sql, want string }{
		{"version", "SELECT current_setting('server_version_num')::int/100 as version", "1500"},
		{"timescaledb", "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'", ""},
		{"schemas", `SELECT schema_name AS "name" FROM information_schema.schemata
			WHERE schema_name NOT IN ('information_schema', 'pg_catalog', 'pg_toast', '_timescaledb_cache',
				'_timescaledb_catalog', '_timescaledb_internal', '_timescaledb_config', 'timescaledb_information',
				'timescaledb_experimental')
			ORDER BY schema_name`, "pgdynamo\npublic"},
		{"tables", `SELECT
			CASE WHEN ` + pickerSearchPath + `
			  THEN quote_ident(table_name)
			  ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
			END AS "table"
			FROM information_schema.tables
			WHERE quote_ident(table_schema) NOT IN ('information_schema', 'pg_catalog', '_timescaledb_cache',
				'_timescaledb_catalog', '_timescaledb_internal', '_timescaledb_config', 'timescaledb_information',
				'timescaledb_experimental')
			ORDER BY CASE WHEN ` + pickerSearchPath + ` THEN 0 ELSE 1 END, 1`, "people\nvisits\npgdynamo.datasets"},
		{"tables of a schema", `SELECT quote_ident(table_name) AS "table" FROM information_schema.tables
			WHERE quote_ident(table_schema) = 'public' ORDER BY 1`, "people\nvisits"},
		{"columns", `SELECT quote_ident(column_name) AS "column", data_type AS "type"
			FROM information_schema.columns
			WHERE
			  CASE WHEN array_length(parse_ident(` + tablePart + `),1) = 2
				THEN quote_ident(table_schema) = (parse_ident(` + tablePart + `))[1]
				  AND quote_ident(table_name) = (parse_ident(` + tablePart + `))[2]
				ELSE quote_ident(table_name) = ` + tablePart + `
				  AND ` + pickerSearchPath + `
			  END`,
			"id|bigint\nactive|boolean\nage|bigint\ncity|text\njoined|date\nname|text\nscore|double precision"},
		{"search path pieces", `SELECT array_lower(string_to_array(current_setting('search_path'),','),1),
			array_upper(string_to_array(current_setting('search_path'),','),1), quote_ident('Mixed'), quote_ident('select'),
			quote_ident('plain_1'), parse_ident('public."My.Table"')`, `1|2|"Mixed"|"select"|plain_1|{public,My.Table}`},
	} {
		got := catalogJoin(catalogQuery(t, conn, c.sql))
		if c.name == "columns" {
			// The fixture may grow columns; the ones the test knows come first.
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("%s:\n got:\n%s\nwant prefix:\n%s", c.name, got, c.want)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
}

func TestCatalogSessionFunctions(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	names, _, rows, err := queryText(ctx, conn, `SELECT version(), current_database(), current_schema(), current_user,
		session_user, pg_backend_pid() > 0 AS pid, current_schemas(true), current_setting('server_version')`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"version", "current_database", "current_schema", "current_user", "session_user", "pid", "current_schemas", "current_setting"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("column names %v, want %v", names, want)
	}
	r := rows[0]
	if !strings.HasPrefix(r[0], "PostgreSQL "+r[7]+" (pgdynamo") {
		t.Errorf("version() = %q, want PostgreSQL %s (pgdynamo...", r[0], r[7])
	}
	if got := strings.Join(r[1:7], "|"); got != "e2e|public|tester|tester|t|{pg_catalog,public}" {
		t.Errorf("session functions: %s", got)
	}

	// Settings the session changed show in current_setting and pg_settings.
	if _, err := conn.Exec(ctx, "SET TimeZone = 'Europe/Berlin'"); err != nil {
		t.Fatal(err)
	}
	if got := catalogJoin(catalogQuery(t, conn, `SELECT current_setting('timezone'), setting, source FROM pg_settings WHERE name = 'TimeZone'`)); got != "Europe/Berlin|Europe/Berlin|session" {
		t.Errorf("after SET TimeZone: %s", got)
	}
	if got := catalogJoin(catalogQuery(t, conn, `SELECT setting FROM pg_catalog.pg_settings WHERE name = 'max_index_keys'`)); got != "32" {
		t.Errorf("max_index_keys: %s", got)
	}
	if _, err := conn.Exec(ctx, "SELECT current_setting('no_such_setting')"); !catalogHasCode(err, "42704") {
		t.Errorf("unknown setting: %v, want SQLSTATE 42704", err)
	}
}

// TestCatalogPgCatalogQueries: lookups clients make through pg_catalog,
// including pgjdbc's primary-key query with _pg_expandarray and Metabase's
// column comments through format(...)::regclass.
func TestCatalogPgCatalogQueries(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	for _, c := range []struct{ name, sql, want string }{
		{"regclass", `SELECT 'people'::regclass::oid = c.oid, c.relname FROM pg_class c WHERE c.oid = 'public.people'::regclass`, "t|people"},
		{"format_type", `SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_attribute a
			WHERE a.attrelid = 'visits'::regclass AND a.attnum > 0 ORDER BY a.attnum`,
			"person_id|bigint|t\nvisit_id|text|t\namount|double precision|f\npage|text|f"},
		{"pg_type", `SELECT oid, typname, typlen, typtype, typcategory, typelem, typarray FROM pg_type WHERE typname IN ('int8', '_text', 'timestamptz') ORDER BY oid`,
			"20|int8|8|b|N|0|1016\n1009|_text|-1|b|A|25|0\n1184|timestamptz|8|b|D|0|1185"},
		{"pgjdbc primary keys", `SELECT result.COLUMN_NAME, result.KEY_SEQ, result.PK_NAME FROM (SELECT a.attname AS COLUMN_NAME,
			(information_schema._pg_expandarray(i.indkey)).n AS KEY_SEQ, ci.relname AS PK_NAME,
			information_schema._pg_expandarray(i.indkey) AS KEYS, a.attnum AS A_ATTNUM
			FROM pg_catalog.pg_class ct JOIN pg_catalog.pg_attribute a ON (ct.oid = a.attrelid)
			JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid) JOIN pg_catalog.pg_index i ON (a.attrelid = i.indrelid)
			JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid) WHERE true AND ct.relname = E'visits' AND i.indisprimary) result
			WHERE result.A_ATTNUM = (result.KEYS).x ORDER BY result.pk_name, result.key_seq`,
			"person_id|1|visits_pkey\nvisit_id|2|visits_pkey"},
		{"pgjdbc array type", `SELECT typinput='pg_catalog.array_in'::regproc, typname FROM pg_catalog.pg_type WHERE oid = 1016`, "t|_int8"},
		{"metabase comments", `SELECT col_description(cast(cast(format('%I.%I', cast('public' AS text), cast('people' AS text)) AS regclass) AS oid), 1)`,
			"DynamoDB partition key"},
		{"metabase privileges", `SELECT t.objectname, pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"."' || t.objectname || '"', 'select'),
			pg_catalog.has_table_privilege(current_user, t.objectname, 'insert')
			FROM (SELECT schemaname, tablename AS objectname FROM pg_catalog.pg_tables UNION SELECT schemaname, viewname FROM pg_views
			  UNION SELECT schemaname, matviewname FROM pg_catalog.pg_matviews) t
			WHERE t.schemaname !~ '^pg_' AND t.schemaname <> 'information_schema' AND pg_catalog.has_schema_privilege(current_user, t.schemaname, 'usage')
			ORDER BY 1`, "datasets|t|f\npeople|t|f\nvisits|t|f"},
		{"estimated rows", `SELECT c.relname, s.n_live_tup FROM pg_catalog.pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid ORDER BY 1`,
			fmt.Sprintf("people|%d\nvisits|%d", len(f.people), len(f.visits))},
		{"unqualified column capture", `SELECT relname FROM pg_class WHERE pg_table_is_visible(oid) AND relkind = 'r' AND relnamespace = 2200 ORDER BY 1`,
			"people\nvisits"},
	} {
		if got := catalogJoin(catalogQuery(t, conn, c.sql)); got != c.want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
}

// TestCatalogColumnsMatchPostgres compares every catalog relation's column
// names, in order, with those of a real PostgreSQL, and checks that each
// column reaches the client with the type the catalog declares.
func TestCatalogColumnsMatchPostgres(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	pgConn, err := pgx.Connect(ctx, pgtest.Shared(t).ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer pgConn.Close(ctx)
	var version int
	if err := pgConn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int / 10000").Scan(&version); err != nil {
		t.Fatal(err)
	}
	for _, rel := range catalog.SystemRelations() {
		if rel.Internal {
			continue
		}
		sql := fmt.Sprintf("SELECT * FROM %s.%s LIMIT 0", rel.Schema, rel.Name)
		names, oids, _, err := queryText(ctx, conn, sql)
		if err != nil {
			t.Errorf("gateway: %s: %v", sql, err)
			continue
		}
		for i, c := range rel.Columns {
			if i < len(oids) && oids[i] != c.Type.OID {
				t.Errorf("%s.%s.%s is sent as OID %d, the catalog declares %s", rel.Schema, rel.Name, c.Name, oids[i], c.Type.Name)
			}
		}
		if version != 15 || rel.Schema == catalog.SystemSchema {
			// The catalog follows PostgreSQL 15, the version pgdynamo
			// advertises; pgdynamo's own relations have no counterpart.
			continue
		}
		pgNames, _, _, err := queryText(ctx, pgConn, sql)
		if err != nil {
			t.Errorf("postgres: %s: %v", sql, err)
			continue
		}
		if !reflect.DeepEqual(names, pgNames) {
			t.Errorf("%s.%s columns differ from PostgreSQL's:\n got: %v\nwant: %v", rel.Schema, rel.Name, names, pgNames)
		}
	}
	if version != 15 {
		t.Errorf("the shared PostgreSQL is version %d; column names are checked against 15 only", version)
	}
}

func catalogHasCode(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// TestCatalogExtendedProtocol: catalog queries with bound parameters, as
// pgx sends them by default (Parse, Describe, Bind).
func TestCatalogExtendedProtocol(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, connString(gw))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, c := range []struct {
		sql  string
		arg  any
		want string
	}{
		{"SELECT relname FROM pg_class WHERE oid = $1::regclass", "people", "people"},
		{"SELECT relname FROM pg_class WHERE oid = $1::regclass", "16384", "people"},
		{"SELECT current_setting($1)", "TimeZone", "UTC"},
		{"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1 AND attname = 'score'", int64(16384), "double precision"},
		{"SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1 LIMIT 1", "public", "people"},
		{"SELECT relname FROM pg_class WHERE relname ~ $1", "^peo", "people"},
	} {
		var got string
		if err := conn.QueryRow(ctx, c.sql, c.arg).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s [%v]: %q, %v; want %q", c.sql, c.arg, got, err, c.want)
		}
	}
}

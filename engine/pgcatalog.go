package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sort"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/accel"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgtypes"
	"github.com/pgdynamo/pgdynamo/planner"
)

// The catalog shim in the engine: the schema planner.ShimSchema holds one
// table per relation of catalog.SystemTables, loaded at Open, and the
// functions of planner.ShimFunctions as macros. The planner sends client
// references to pg_catalog and information_schema there. Any failure stops
// Open: a gateway whose catalog is wrong would mislead every client.

// duckTypes are the engine types of the shim's column types, by OID.
var duckTypes = map[pgtypes.OID]string{
	pgtypes.BoolOID:        "BOOLEAN",
	pgtypes.Int2OID:        "SMALLINT",
	pgtypes.Int4OID:        "INTEGER",
	pgtypes.Int8OID:        "BIGINT",
	pgtypes.Float4OID:      "FLOAT",
	pgtypes.Float8OID:      "DOUBLE",
	pgtypes.TextOID:        "VARCHAR",
	pgtypes.ByteaOID:       "BLOB",
	pgtypes.TimestamptzOID: "TIMESTAMPTZ",
}

func duckTypeOf(t pgtypes.Type) (string, error) {
	if t.IsArray() {
		elem, ok := duckTypes[t.Elem]
		if !ok {
			return "", fmt.Errorf("no engine type for %s", t.Name)
		}
		return elem + "[]", nil
	}
	d, ok := duckTypes[t.OID]
	if !ok {
		return "", fmt.Errorf("no engine type for %s", t.Name)
	}
	return d, nil
}

// quoteIdent quotes an engine identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// installCatalogShim creates the shim schema, its tables and functions.
func (e *Engine) installCatalogShim(ctx context.Context, conn *sql.Conn) error {
	tables, err := e.current.Load().SystemTables()
	if err != nil {
		return fmt.Errorf("building the pg_catalog shim: %w", err)
	}
	schema := quoteIdent(planner.ShimSchema)
	if _, err := conn.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return fmt.Errorf("pg_catalog shim: %w", err)
	}
	for _, t := range tables {
		if err := createShimTable(ctx, conn, t); err != nil {
			return fmt.Errorf("pg_catalog shim: %s.%s: %w", t.Schema, t.Name, err)
		}
	}
	for _, m := range append(shimMacros(time.Now()), postgresMacros()...) {
		if _, err := conn.ExecContext(ctx, m.sql()); err != nil {
			return fmt.Errorf("pg_catalog shim: function %s: %w", m.name, err)
		}
	}
	return checkShimFunctions(ctx, conn)
}

func createShimTable(ctx context.Context, conn *sql.Conn, t *catalog.SystemTable) error {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		dt, err := duckTypeOf(c.Type)
		if err != nil {
			return fmt.Errorf("column %s: %w", c.Name, err)
		}
		cols[i] = quoteIdent(c.Name) + " " + dt
	}
	ddl := fmt.Sprintf("CREATE TABLE %s.%s (%s)", quoteIdent(planner.ShimSchema), quoteIdent(t.Name), strings.Join(cols, ", "))
	if _, err := conn.ExecContext(ctx, ddl); err != nil {
		return err
	}
	return appendShimRows(conn, t)
}

// appendShimRows appends t's rows to its shim table.
func appendShimRows(conn *sql.Conn, t *catalog.SystemTable) error {
	if len(t.Rows) == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		app, err := duckdb.NewAppenderFromConn(dconn, planner.ShimSchema, t.Name)
		if err != nil {
			return err
		}
		for i, row := range t.Rows {
			vals := make([]driver.Value, len(row))
			for j, v := range row {
				vals[j] = v
			}
			if err := app.AppendRow(vals...); err != nil {
				app.Close()
				return fmt.Errorf("row %d: %w", i, err)
			}
		}
		return app.Close()
	})
}

// checkShimFunctions fails when a function the planner rewrites calls to
// is missing from the shim.
func checkShimFunctions(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, "SELECT DISTINCT function_name FROM duckdb_functions() WHERE schema_name = ?", planner.ShimSchema)
	if err != nil {
		return fmt.Errorf("pg_catalog shim: listing functions: %w", err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		have[name] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var missing []string
	for _, f := range planner.ShimFunctions() {
		if !have[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("pg_catalog shim: functions missing: %s", strings.Join(missing, ", "))
	}
	return nil
}

// macro is one shim function with its overloads (parameter list → body).
// In bodies, {s} is the shim schema, parameters are named p_* and table
// aliases pgd_*; subqueries read parameters through lookup.
type macro struct {
	name      string
	overloads [][2]string
}

func (m macro) sql() string {
	parts := make([]string, len(m.overloads))
	for i, o := range m.overloads {
		parts[i] = "(" + o[0] + ") AS " + strings.ReplaceAll(o[1], "{s}", planner.ShimSchema)
	}
	return fmt.Sprintf("CREATE MACRO %s.%s%s", planner.ShimSchema, m.name, strings.Join(parts, ", "))
}

func one(params, body string) [][2]string { return [][2]string{{params, body}} }

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// lookup is a scalar subquery over shim tables that reads the macro's
// parameters through a derived table listed first: a parameter's
// expression (c.oid, or a bare oid) then binds in the caller's query, never
// to a table of the subquery. In sel and where, $p_x is parameter p_x.
func lookup(sel, from, where string, params ...string) string {
	cols := make([]string, len(params))
	for i, p := range params {
		cols[i] = p + " AS pgd_" + p
		sel = strings.ReplaceAll(sel, "$"+p, "pgd_args.pgd_"+p)
		where = strings.ReplaceAll(where, "$"+p, "pgd_args.pgd_"+p)
	}
	return "(SELECT " + sel + " FROM (SELECT " + strings.Join(cols, ", ") + ") pgd_args, " + from + " WHERE " + where + ")"
}

// shimMacros defines the shim's functions; started is the server's start
// time (pg_postmaster_start_time).
func shimMacros(started time.Time) []macro {
	keywords := planner.QuoteIdentKeywords()
	sort.Strings(keywords)
	quoted := make([]string, len(keywords))
	for i, k := range keywords {
		quoted[i] = sqlString(k)
	}
	const (
		visible = "(11, 2200)" // pg_catalog and public: the search path
		select_ = "contains(upper(p_priv), 'SELECT')"
		null    = "NULL::VARCHAR"
		// parse_ident: quoted parts keep their case, others fold.
		parseIdent = `list_transform(regexp_extract_all(p_x, '"(?:[^"]|"")*"|[^."]+'), p_part -> ` +
			`CASE WHEN p_part[1] = '"' THEN replace(p_part[2:-2], '""', '"') ELSE lower(trim(p_part)) END)`
		quoteLiteral = `CASE WHEN p_x IS NULL THEN NULL WHEN contains(p_x::VARCHAR, '\') ` +
			`THEN 'E''' || replace(replace(p_x::VARCHAR, '\', '\\'), '''', '''''') || '''' ` +
			`ELSE '''' || replace(p_x::VARCHAR, '''', '''''') || '''' END`
	)
	byText := func(text, other string) string {
		return "CASE WHEN typeof(p_x) = 'VARCHAR' THEN " + text + " ELSE " + other + " END"
	}
	objdef := func(kind string) string {
		return lookup("pgd_o.def", "{s}.pgdynamo_objdef pgd_o", "pgd_o.kind = '"+kind+"' AND pgd_o.objoid = $p_oid", "p_oid")
	}
	byOID := func(sel, table string) string {
		return lookup(sel, "{s}."+table+" pgd_x", "pgd_x.oid = $p_oid", "p_oid")
	}
	size := byOID("pgd_x.relpages::BIGINT * 8192", "pg_class")
	relName := lookup("CASE WHEN pgd_c.relnamespace IN "+visible+" THEN {s}.quote_ident(pgd_c.relname) "+
		"ELSE {s}.quote_ident(pgd_n.nspname) || '.' || {s}.quote_ident(pgd_c.relname) END",
		"{s}.pg_class pgd_c JOIN {s}.pg_namespace pgd_n ON pgd_n.oid = pgd_c.relnamespace",
		"pgd_c.oid = TRY_CAST($p_x AS BIGINT)", "p_x")
	relOID := lookup("pgd_c.oid", "{s}.pg_class pgd_c JOIN {s}.pg_namespace pgd_n ON pgd_n.oid = pgd_c.relnamespace",
		"pgd_c.relname = {s}.parse_ident($p_x::VARCHAR)[-1] AND CASE WHEN len({s}.parse_ident($p_x::VARCHAR)) = 1 "+
			"THEN pgd_n.oid IN "+visible+" ELSE pgd_n.nspname = {s}.parse_ident($p_x::VARCHAR)[1] END ORDER BY pgd_n.oid LIMIT 1", "p_x")
	typeOID := lookup("pgd_t.oid",
		"{s}.pg_type pgd_t JOIN {s}.pgdynamo_objdef pgd_o ON pgd_o.kind = 'type' AND pgd_o.objoid = pgd_t.oid",
		"pgd_t.typname = lower(trim($p_x::VARCHAR)) OR pgd_o.def = lower(trim($p_x::VARCHAR)) ORDER BY pgd_t.oid LIMIT 1", "p_x")
	nameOf := func(sel, table string) string {
		return "coalesce(" + lookup(sel, "{s}."+table+" pgd_x", "pgd_x.oid = TRY_CAST($p_x AS BIGINT)", "p_x") + ", p_x::VARCHAR)"
	}
	oidOf := func(table, column string) string {
		return lookup("pgd_x.oid", "{s}."+table+" pgd_x", "pgd_x."+column+" = {s}.parse_ident($p_x::VARCHAR)[1]", "p_x")
	}
	return []macro{
		{"quote_ident", one("p_x", "CASE WHEN p_x IS NULL THEN NULL WHEN regexp_full_match(p_x, '[a-z_][a-z0-9_$]*') AND p_x NOT IN ("+
			strings.Join(quoted, ", ")+") THEN p_x ELSE '\"' || replace(p_x, '\"', '\"\"') || '\"' END")},
		{"quote_literal", one("p_x", quoteLiteral)},
		{"parse_ident", [][2]string{{"p_x", parseIdent}, {"p_x, p_strict", parseIdent}}},
		{"format_type", one("p_oid, p_typmod", "CASE WHEN p_oid IS NULL THEN NULL ELSE coalesce("+objdef("type")+", '???') END")},
		{"pg_get_expr", [][2]string{{"p_expr, p_rel", "p_expr::VARCHAR"}, {"p_expr, p_rel, p_pretty", "p_expr::VARCHAR"}}},
		{"pg_table_is_visible", one("p_oid", byOID("pgd_x.relnamespace IN "+visible, "pg_class"))},
		{"pg_type_is_visible", one("p_oid", byOID("pgd_x.typnamespace IN "+visible, "pg_type"))},
		{"pg_function_is_visible", one("p_oid", byOID("pgd_x.pronamespace IN "+visible, "pg_proc"))},
		{"pg_get_userbyid", one("p_oid", "coalesce("+byOID("pgd_x.rolname", "pg_authid")+", 'unknown (OID=' || p_oid || ')')")},
		{"obj_description", [][2]string{
			{"p_oid", lookup("pgd_d.description", "{s}.pg_description pgd_d", "pgd_d.objoid = $p_oid AND pgd_d.objsubid = 0 LIMIT 1", "p_oid")},
			{"p_oid, p_catalog", lookup("pgd_d.description",
				"{s}.pg_description pgd_d JOIN {s}.pg_class pgd_k ON pgd_k.oid = pgd_d.classoid AND pgd_k.relnamespace = 11",
				"pgd_d.objoid = $p_oid AND pgd_d.objsubid = 0 AND pgd_k.relname = $p_catalog", "p_oid", "p_catalog")},
		}},
		{"col_description", one("p_rel, p_num", lookup("pgd_d.description", "{s}.pg_description pgd_d",
			"pgd_d.objoid = $p_rel AND pgd_d.classoid = 1259 AND pgd_d.objsubid = $p_num", "p_rel", "p_num"))},
		{"shobj_description", one("p_oid, p_catalog", lookup("pgd_d.description", "{s}.pg_shdescription pgd_d", "pgd_d.objoid = $p_oid", "p_oid"))},
		// pgdynamo is read-only: SELECT on every table, USAGE on every
		// schema, CONNECT to the database; nothing else.
		{"has_table_privilege", [][2]string{{"p_rel, p_priv", select_}, {"p_user, p_rel, p_priv", select_}}},
		{"has_any_column_privilege", [][2]string{{"p_rel, p_priv", select_}, {"p_user, p_rel, p_priv", select_}}},
		{"has_column_privilege", [][2]string{{"p_rel, p_col, p_priv", select_}, {"p_user, p_rel, p_col, p_priv", select_}}},
		{"has_schema_privilege", [][2]string{{"p_nsp, p_priv", "contains(upper(p_priv), 'USAGE')"},
			{"p_user, p_nsp, p_priv", "contains(upper(p_priv), 'USAGE')"}}},
		{"has_database_privilege", [][2]string{{"p_db, p_priv", "contains(upper(p_priv), 'CONNECT')"},
			{"p_user, p_db, p_priv", "contains(upper(p_priv), 'CONNECT')"}}},
		{"pg_get_indexdef", [][2]string{{"p_oid", objdef("index")},
			{"p_oid, p_col, p_pretty", "CASE WHEN p_col = 0 THEN " + objdef("index") + " ELSE " +
				lookup("pgd_a.attname", "{s}.pg_attribute pgd_a", "pgd_a.attrelid = $p_oid AND pgd_a.attnum = $p_col", "p_oid", "p_col") + " END"}}},
		{"pg_get_constraintdef", [][2]string{{"p_oid", objdef("constraint")}, {"p_oid, p_pretty", objdef("constraint")}}},
		{"pg_get_function_result", one("p_oid", byOID("{s}.format_type(pgd_x.prorettype, NULL)", "pg_proc"))},
		{"pg_get_function_arguments", one("p_oid", "CASE WHEN p_oid IS NULL THEN NULL ELSE '' END")},
		{"pg_get_function_identity_arguments", one("p_oid", "CASE WHEN p_oid IS NULL THEN NULL ELSE '' END")},
		{"pg_get_viewdef", [][2]string{{"p_oid", null}, {"p_oid, p_pretty", null}}},
		{"pg_get_triggerdef", [][2]string{{"p_oid", null}, {"p_oid, p_pretty", null}}},
		{"pg_get_statisticsobjdef_columns", one("p_oid", null)},
		{"pg_get_partkeydef", one("p_oid", null)},
		{"pg_get_serial_sequence", one("p_rel, p_col", null)},
		{"pg_relation_is_publishable", one("p_oid", "coalesce("+byOID("pgd_x.relkind = 'r' AND pgd_x.relnamespace NOT IN (11, 13207)", "pg_class")+", false)")},
		{"pg_encoding_to_char", one("p_enc", "CASE p_enc WHEN 6 THEN 'UTF8' WHEN 0 THEN 'SQL_ASCII' ELSE '' END")},
		{"array_upper", one("p_arr, p_dim", "CASE WHEN p_dim = 1 AND len(p_arr) > 0 THEN len(p_arr)::INTEGER END")},
		{"array_lower", one("p_arr, p_dim", "CASE WHEN p_dim = 1 AND len(p_arr) > 0 THEN 1 END")},
		{"pg_is_in_recovery", one("", "false")},
		{"txid_current", one("", "1::BIGINT")},
		{"pg_postmaster_start_time", one("", "TIMESTAMPTZ "+sqlString(started.UTC().Format("2006-01-02 15:04:05.999999Z07:00")))},
		{"_pg_expandarray", one("p_arr", "unnest(list_transform(range(1, len(p_arr) + 1), p_i -> {'x': p_arr[p_i], 'n': p_i::INTEGER}))")},
		{"pg_relation_size", [][2]string{{"p_oid", size}, {"p_oid, p_fork", size}}},
		{"pg_total_relation_size", one("p_oid", size)},
		{"pg_table_size", one("p_oid", size)},
		{"pg_indexes_size", one("p_oid", "0::BIGINT")},
		{"pg_size_pretty", one("p_n", "CASE WHEN p_n IS NULL THEN NULL "+
			"WHEN abs(p_n) < 10240 THEN p_n::BIGINT || ' bytes' "+
			"WHEN abs(p_n) < 10240 * 1024 THEN round(p_n / 1024)::BIGINT || ' kB' "+
			"WHEN abs(p_n) < 10240 * 1024 * 1024 THEN round(p_n / 1048576)::BIGINT || ' MB' "+
			"WHEN abs(p_n) < 10240 * 1024 * 1024 * 1024 THEN round(p_n / 1073741824)::BIGINT || ' GB' "+
			"ELSE round(p_n / 1099511627776)::BIGINT || ' TB' END")},
		{"pg_tablespace_location", one("p_oid", "''")},
		{"regclass_oid", one("p_x", byText("coalesce(TRY_CAST(p_x::VARCHAR AS BIGINT), "+relOID+")", "TRY_CAST(p_x AS BIGINT)"))},
		{"regclass_text", one("p_x", byText("p_x::VARCHAR", "coalesce("+relName+", p_x::VARCHAR)"))},
		{"regtype_oid", one("p_x", byText("coalesce(TRY_CAST(p_x::VARCHAR AS BIGINT), "+typeOID+")", "TRY_CAST(p_x AS BIGINT)"))},
		{"regtype_text", one("p_x", byText("p_x::VARCHAR", "{s}.format_type(TRY_CAST(p_x AS BIGINT), NULL)"))},
		{"regnamespace_oid", one("p_x", byText("coalesce(TRY_CAST(p_x::VARCHAR AS BIGINT), "+oidOf("pg_namespace", "nspname")+")", "TRY_CAST(p_x AS BIGINT)"))},
		{"regnamespace_text", one("p_x", byText("p_x::VARCHAR", nameOf("{s}.quote_ident(pgd_x.nspname)", "pg_namespace")))},
		{"regproc_text", one("p_x", byText("{s}.parse_ident(regexp_replace(p_x::VARCHAR, '\\(.*$', ''))[-1]",
			nameOf("pgd_x.proname", "pg_proc")))},
		{"regrole_oid", one("p_x", byText(oidOf("pg_authid", "rolname"), "TRY_CAST(p_x AS BIGINT)"))},
		{"regrole_text", one("p_x", byText("p_x::VARCHAR", nameOf("pgd_x.rolname", "pg_authid")))},
		{"to_regclass", one("p_x", "{s}.regclass_oid(p_x::VARCHAR)")},
		{"to_regtype", one("p_x", "{s}.regtype_oid(p_x::VARCHAR)")},
		{"to_regnamespace", one("p_x", "{s}.regnamespace_oid(p_x::VARCHAR)")},
	}
}

// catalogSession is what the planner's session functions and per-session
// relations see of s.
func (s *Session) catalogSession() catalog.Session {
	cs := catalog.Session{User: s.info.User, Database: s.info.Database, PID: s.info.ProcessID}
	names := make([]string, 0, len(s.settings.values))
	for name := range s.settings.values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		def := s.settings.table[name] // custom (dotted) settings have none
		cs.Settings = append(cs.Settings, catalog.Setting{
			Name: displayName(name), Value: s.settings.values[name], Default: def.def, ReadOnly: def.readOnly,
		})
	}
	cs.Datasets = s.engine.datasetStatuses()
	return cs
}

// datasetStatuses are the rows of pgdynamo.datasets.
func (e *Engine) datasetStatuses() []catalog.DatasetStatus {
	if e.cfg.Registry == nil {
		return nil
	}
	now := e.cfg.Now()
	var out []catalog.DatasetStatus
	for _, st := range e.cfg.Registry.Statuses() {
		ds := catalog.DatasetStatus{Name: st.Name, Table: st.Table, Mode: string(st.Mode), RefreshMode: st.RefreshMode,
			State: string(st.State), LastError: st.LastError}
		if st.HasCopy {
			rows, at := st.Rows, st.LastRefresh
			ds.Rows, ds.LastRefresh = &rows, &at
		}
		if lag, ok := st.Lag(now); ok {
			ms := lag.Milliseconds()
			ds.LagMS = &ms
		}
		if st.State == accel.Loading || st.State == accel.Refreshing {
			items := st.Progress
			ds.LoadItems = &items
		}
		out = append(out, ds)
	}
	return out
}

// planner is the engine's planner seeing this session.
func (s *Session) planner() *planner.Planner {
	return s.engine.planner.WithSession(s.catalogSession())
}

package test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
)

// The SQL Grafana's PostgreSQL data source sends (public/app/plugins/
// datasource/grafana-postgresql-datasource/postgresMetaQuery.ts and the
// backend's macro engine), verbatim, through pgx in the simple protocol as
// Grafana's backend runs it.

const grafanaSchemaConstraint = `
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )`

// grafanaTables is the table picker's query (showTables() without a schema).
var grafanaTables = `SELECT
    CASE WHEN ` + grafanaSchemaConstraint + `
      THEN quote_ident(table_name)
      ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
    END AS "table"
    FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema',
                             'pg_catalog',
                             '_timescaledb_cache',
                             '_timescaledb_catalog',
                             '_timescaledb_internal',
                             '_timescaledb_config',
                             'timescaledb_information',
                             'timescaledb_experimental')
    ORDER BY CASE WHEN ` + grafanaSchemaConstraint + ` THEN 0 ELSE 1 END, 1`

// grafanaTablesIn is showTables(schema).
func grafanaTablesIn(schema string) string {
	return `SELECT quote_ident(table_name) AS "table"
      FROM information_schema.tables
      WHERE quote_ident(table_schema) = '` + strings.ReplaceAll(schema, "'", "''") + `'
      ORDER BY 1`
}

// grafanaColumns is the column picker's query (getSchema(table)).
func grafanaColumns(table string) string {
	lit := "'" + strings.ReplaceAll(table, "'", "''") + "'"
	return `SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident(` + lit + `),1) = 2
        THEN quote_ident(table_schema) = (parse_ident(` + lit + `))[1]
          AND quote_ident(table_name) = (parse_ident(` + lit + `))[2]
        ELSE quote_ident(table_name) = ` + lit + `
          AND ` + grafanaSchemaConstraint + `
      END`
}

// grafanaFrame is one result as Grafana's backend turns it into a data
// frame: the columns, their type OIDs and the values decoded by pgx's type
// map. An OID the map does not know fails the panel.
type grafanaFrame struct {
	tag    string
	names  []string
	oids   []uint32
	values [][]any
}

func (fr grafanaFrame) column(name string) []any {
	for i, n := range fr.names {
		if n == name {
			out := make([]any, len(fr.values))
			for r, row := range fr.values {
				out[r] = row[i]
			}
			return out
		}
	}
	return nil
}

// grafanaQuery runs sql in the simple protocol and keeps the results whose
// command tag is SELECT, as Grafana does.
func grafanaQuery(ctx context.Context, conn *pgx.Conn, sql string) ([]grafanaFrame, error) {
	m := pgtype.NewMap()
	mrr := conn.PgConn().Exec(ctx, sql)
	var (
		frames []grafanaFrame
		err    error
	)
	for mrr.NextResult() {
		// Read the ResultReader itself: pgconn's Result.Read drops the
		// field descriptions of a result without rows.
		rr := mrr.ResultReader()
		fds := rr.FieldDescriptions()
		var fr grafanaFrame
		for _, fd := range fds {
			if _, ok := m.TypeForOID(fd.DataTypeOID); !ok && err == nil {
				err = fmt.Errorf("column %q has type OID %d, unknown to pgx's type map", fd.Name, fd.DataTypeOID)
			}
			fr.names = append(fr.names, fd.Name)
			fr.oids = append(fr.oids, fd.DataTypeOID)
		}
		for rr.NextRow() && err == nil {
			raw := rr.Values()
			row := make([]any, len(raw))
			for i, v := range raw {
				typ, _ := m.TypeForOID(fds[i].DataTypeOID)
				val, derr := typ.Codec.DecodeValue(m, fds[i].DataTypeOID, fds[i].Format, v)
				if derr != nil {
					err = fmt.Errorf("column %q: decoding %q: %w", fds[i].Name, v, derr)
					break
				}
				row[i] = val
			}
			fr.values = append(fr.values, row)
		}
		tag, cerr := rr.Close()
		if cerr != nil {
			mrr.Close()
			return nil, cerr
		}
		if tag.Select() {
			fr.tag = tag.String()
			frames = append(frames, fr)
		}
	}
	if cerr := mrr.Close(); cerr != nil {
		return nil, cerr
	}
	return frames, err
}

// oneFrame runs sql and wants exactly one SELECT result.
func oneFrame(t *testing.T, conn *pgx.Conn, sql string) grafanaFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	frames, err := grafanaQuery(ctx, conn, sql)
	if err != nil {
		t.Fatalf("%v\nquery:\n%s", describeErr(err), sql)
	}
	if len(frames) != 1 {
		t.Fatalf("%d SELECT results, want 1\nquery:\n%s", len(frames), sql)
	}
	return frames[0]
}

// describeErr adds the SQLSTATE to a server error.
func describeErr(err error) string {
	if pe, ok := err.(*pgconn.PgError); ok {
		return fmt.Sprintf("SQLSTATE %s: %s", pe.Code, pe.Message)
	}
	return err.Error()
}

func TestClientGrafana(t *testing.T) {
	t.Parallel()
	f, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)

	t.Run("health check", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := conn.Ping(ctx); err != nil {
			t.Fatalf("pgx Ping (-- ping): %v", err)
		}
		// Ping must be answered by EmptyQueryResponse, not a result.
		pc := conn.PgConn()
		pc.Frontend().Send(&pgproto3.Query{String: "-- ping"})
		if err := pc.Frontend().Flush(); err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			msg, err := pc.ReceiveMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%T", msg))
			if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
				break
			}
		}
		if want := []string{"*pgproto3.EmptyQueryResponse", "*pgproto3.ReadyForQuery"}; !reflect.DeepEqual(got, want) {
			t.Errorf("-- ping answered %v, want %v", got, want)
		}
	})

	t.Run("version", func(t *testing.T) {
		fr := oneFrame(t, conn, "SELECT current_setting('server_version_num')::int/100 as version")
		if !reflect.DeepEqual(fr.names, []string{"version"}) || len(fr.values) != 1 {
			t.Fatalf("columns %v, %d rows", fr.names, len(fr.values))
		}
		// Grafana maps the number to its version picker: 15.x → 1500.
		if got := fmt.Sprint(fr.values[0][0]); got != "1500" {
			t.Errorf("version = %s, want 1500", got)
		}
	})

	t.Run("timescaledb probe", func(t *testing.T) {
		fr := oneFrame(t, conn, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
		if !reflect.DeepEqual(fr.names, []string{"extversion"}) || len(fr.values) != 0 {
			t.Errorf("columns %v, rows %v; want extversion and no rows", fr.names, fr.values)
		}
	})

	t.Run("table picker", func(t *testing.T) {
		// pgdynamo.datasets is offered too: dataset state can be charted.
		fr := oneFrame(t, conn, grafanaTables)
		if got, want := fmt.Sprint(fr.column("table")), "[people visits pgdynamo.datasets]"; got != want {
			t.Errorf("table picker offers %s, want %s", got, want)
		}
		fr = oneFrame(t, conn, grafanaTablesIn("public"))
		if got, want := fmt.Sprint(fr.column("table")), "[people visits]"; got != want {
			t.Errorf("table picker for schema public offers %s, want %s", got, want)
		}
	})

	t.Run("column picker", func(t *testing.T) {
		for _, table := range []string{"people", "public.visits"} {
			// The picker must offer what SELECT * returns, typed as
			// information_schema.columns.data_type spells it.
			names, oids, _, err := queryText(context.Background(), conn, "SELECT * FROM "+table+" LIMIT 0")
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i, n := range names {
				want = append(want, n+" "+sqlTypeName(oids[i]))
			}
			sort.Strings(want)
			fr := oneFrame(t, conn, grafanaColumns(table))
			var got []string
			for _, row := range fr.values {
				got = append(got, fmt.Sprint(row[0], " ", row[1]))
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("column picker for %s offers %v, want %v", table, got, want)
			}
		}
	})

	t.Run("time series", func(t *testing.T) {
		// SELECT $__timeGroupAlias(joined,'1d'), count(*) FROM people
		// WHERE $__timeFilter(joined) GROUP BY 1 ORDER BY 1, over
		// 2020-01-01 .. 2025-01-01, as Grafana expands it.
		sql := `SELECT floor(extract(epoch from joined)/86400)*86400 AS "time", count(*) FROM people WHERE joined BETWEEN '2020-01-01T00:00:00Z' AND '2025-01-01T00:00:00Z' GROUP BY 1 ORDER BY 1`
		fr := oneFrame(t, conn, sql)
		if !reflect.DeepEqual(fr.names, []string{"time", "count"}) {
			t.Fatalf("columns %v, want [time count]", fr.names)
		}
		// Grafana takes a time column as timestamp, timestamptz, date or an
		// epoch number.
		timeTypes := map[uint32]bool{pgtype.TimestampOID: true, pgtype.TimestamptzOID: true, pgtype.DateOID: true,
			pgtype.NumericOID: true, pgtype.Float8OID: true, pgtype.Float4OID: true, pgtype.Int8OID: true, pgtype.Int4OID: true}
		if !timeTypes[fr.oids[0]] {
			t.Errorf("time column has type OID %d, which Grafana does not take as time", fr.oids[0])
		}
		if fr.oids[1] != pgtype.Int8OID {
			t.Errorf("count(*) has type OID %d, want int8", fr.oids[1])
		}
		want := map[int64]int64{}
		from, to := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, p := range f.people {
			d, _ := time.Parse("2006-01-02", p.Joined)
			if !d.Before(from) && !d.After(to) {
				want[d.Unix()]++
			}
		}
		got := map[int64]int64{}
		var last int64 = -1
		for _, row := range fr.values {
			sec, err := epochSeconds(row[0])
			if err != nil {
				t.Fatalf("time value %#v: %v", row[0], err)
			}
			if sec <= last {
				t.Errorf("time %d after %d: not ordered", sec, last)
			}
			last = sec
			n, ok := row[1].(int64)
			if !ok {
				t.Fatalf("count value %#v is not an integer", row[1])
			}
			got[sec] = n
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%d buckets, want %d; got %v\nwant %v", len(got), len(want), got, want)
		}
		if fr.tag != fmt.Sprintf("SELECT %d", len(want)) {
			t.Errorf("command tag %q", fr.tag)
		}
	})

	t.Run("table panel", func(t *testing.T) {
		// SELECT $__time(joined), age FROM people WHERE $__timeFilter(joined) ORDER BY 1
		sql := `SELECT joined AS "time", age FROM people WHERE joined BETWEEN '2021-01-01T00:00:00Z' AND '2021-06-30T23:59:59Z' ORDER BY 1, 2`
		fr := oneFrame(t, conn, sql)
		if !reflect.DeepEqual(fr.names, []string{"time", "age"}) || fr.oids[0] != pgtype.DateOID {
			t.Fatalf("columns %v OIDs %v, want time (date) and age", fr.names, fr.oids)
		}
		n := 0
		for _, p := range f.people {
			if p.Joined >= "2021-01-01" && p.Joined <= "2021-06-30" {
				n++
			}
		}
		if len(fr.values) != n {
			t.Errorf("%d rows, want %d", len(fr.values), n)
		}
	})
}

// sqlTypeName is information_schema's data_type for a type OID.
func sqlTypeName(oid uint32) string {
	switch oid {
	case pgtype.BoolOID:
		return "boolean"
	case pgtype.Int2OID:
		return "smallint"
	case pgtype.Int4OID:
		return "integer"
	case pgtype.Int8OID:
		return "bigint"
	case pgtype.Float4OID:
		return "real"
	case pgtype.Float8OID:
		return "double precision"
	case pgtype.NumericOID:
		return "numeric"
	case pgtype.TextOID:
		return "text"
	case pgtype.VarcharOID:
		return "character varying"
	case pgtype.ByteaOID:
		return "bytea"
	case pgtype.DateOID:
		return "date"
	case pgtype.TimestampOID:
		return "timestamp without time zone"
	case pgtype.TimestamptzOID:
		return "timestamp with time zone"
	case pgtype.JSONOID:
		return "json"
	case pgtype.JSONBOID:
		return "jsonb"
	}
	if typ, ok := pgtype.NewMap().TypeForOID(oid); ok && strings.HasPrefix(typ.Name, "_") {
		return "ARRAY"
	}
	return fmt.Sprintf("oid %d", oid)
}

// epochSeconds reads a Grafana time value: a timestamp, a date or a
// number of seconds since the epoch.
func epochSeconds(v any) (int64, error) {
	switch x := v.(type) {
	case time.Time:
		return x.Unix(), nil
	case float64:
		return int64(x), nil
	case float32:
		return int64(x), nil
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case pgtype.Numeric:
		f, err := x.Float64Value()
		if err != nil {
			return 0, err
		}
		return int64(f.Float64), nil
	case pgtype.Date:
		return x.Time.Unix(), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("unexpected type %T", v)
}

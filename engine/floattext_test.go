package engine

import (
	"context"
	"database/sql"
	"math"
	"strconv"
	"strings"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// TestFloatTextEverywhere checks that every way the engine turns a float
// into text prints what a float8 (float4) column sends, PostgreSQL's
// float8out: casts, concatenation, concat() and string_agg(), constant or
// per row, NULLs kept.
func TestFloatTextEverywhere(t *testing.T) {
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { db.Close(); connector.Close() })
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := registerFloatText(ctx, conn); err != nil {
		t.Fatal(err)
	}
	values := []float64{7123, 0.1, -1.5, 1e15, 123456789012345, 1.2345678901234568e+17, 1e-5, 5e-324, math.MaxFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1)}
	var rows []string
	for _, v := range values {
		rows = append(rows, "('"+strconv.FormatFloat(v, 'g', -1, 64)+"'::DOUBLE)")
	}
	table := "(VALUES " + strings.Join(rows, ", ") + ", (NULL)) t(x)"
	for _, q := range []struct {
		sql, prefix string
		null        sql.NullString // what NULL becomes
	}{
		{"SELECT x::VARCHAR FROM " + table, "", sql.NullString{}},
		{"SELECT 'v=' || x FROM " + table, "v=", sql.NullString{}},
		{"SELECT concat('v=', x) FROM " + table, "v=", sql.NullString{String: "v=", Valid: true}},
	} {
		res, err := conn.QueryContext(ctx, q.sql)
		if err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
		i := 0
		for res.Next() {
			var got sql.NullString
			if err := res.Scan(&got); err != nil {
				t.Fatal(err)
			}
			if i == len(values) {
				if got != q.null {
					t.Errorf("%s: NULL became %q", q.sql, got.String)
				}
				break
			}
			want := q.prefix + string(pgtypes.AppendFloatText(nil, values[i], 64))
			if got.String != want {
				t.Errorf("%s: %v printed %q, float8out prints %q", q.sql, values[i], got.String, want)
			}
			i++
		}
		res.Close()
	}
	var agg, f4, constant string
	if err := conn.QueryRowContext(ctx, "SELECT string_agg(x, ',' ORDER BY x), 1.1::FLOAT::VARCHAR, 7123::DOUBLE::VARCHAR FROM (VALUES (2.5::DOUBLE), (10::DOUBLE)) t(x)").
		Scan(&agg, &f4, &constant); err != nil {
		t.Fatal(err)
	}
	if agg != "2.5,10" || f4 != string(pgtypes.AppendFloatText(nil, float64(float32(1.1)), 32)) || constant != "7123" {
		t.Errorf("string_agg %q, float4 %q, constant %q", agg, f4, constant)
	}
}

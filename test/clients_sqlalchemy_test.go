package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// SQLAlchemy (Debian python3-sqlalchemy, over psycopg2) and pandas (Debian
// python3-pandas), driven by test/clients/sqlalchemy/client.py against the
// demo tables as examples/demo.yaml serves them.

func TestClientSQLAlchemyAndPandas(t *testing.T) {
	t.Parallel()
	python := pythonWith(t, "sqlalchemy, pandas, psycopg2", "python3-sqlalchemy python3-pandas python3-psycopg2")
	tables := seedDemo(t)
	gw := startAccelGateway(t, demoConfig(t, tables, dynamotest.Shared(t).Endpoint()))
	waitReady(t, gw.MetricsAddr().String())
	host, port, _ := net.SplitHostPort(gw.Addr().String())
	raw := runClient(t, "SQLAlchemy client", nil, python, clientSource(t, "sqlalchemy/client.py"), host, port)
	type column struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		Nullable bool   `json:"nullable"`
	}
	var got struct {
		Steps    map[string]string `json:"steps"`
		Warnings []string          `json:"warnings"`
		Tables   map[string]struct {
			Columns []column `json:"columns"`
			PK      []string `json:"pk"`
			PKName  string   `json:"pk_name"`
		} `json:"tables"`
		ReadSQL struct {
			Columns []string `json:"columns"`
			Dtypes  []string `json:"dtypes"`
			Rows    int      `json:"rows"`
			First   []any    `json:"first"`
		} `json:"read_sql"`
		ReadSQLParams [][]int64 `json:"read_sql_params"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("SQLAlchemy client output: %v\n%s", err, raw)
	}
	clientSteps(t, got.Steps, "get_table_names", "get_pk_constraint", "get_columns", "read_sql")
	if len(got.Warnings) > 0 {
		t.Errorf("SQLAlchemy warned:\n%v", got.Warnings)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := connect(t, gw)
	t.Run("reflection", func(t *testing.T) {
		if len(got.Tables) != 2 {
			t.Fatalf("reflected tables %v, want users and orders", got.Tables)
		}
		for _, name := range []string{"users", "orders"} {
			table, ok := got.Tables[name]
			if !ok {
				t.Errorf("table %s not reflected", name)
				continue
			}
			// What the catalog says, asked in SQL.
			var want []column
			rows, err := conn.Query(ctx, `SELECT column_name, is_nullable = 'YES' FROM information_schema.columns
				WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`, name)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var c column
				if err := rows.Scan(&c.Name, &c.Nullable); err != nil {
					t.Fatal(err)
				}
				want = append(want, c)
			}
			if rows.Err() != nil {
				t.Fatal(rows.Err())
			}
			if len(table.Columns) != len(want) {
				t.Errorf("%s: %d columns reflected, the catalog has %d", name, len(table.Columns), len(want))
				continue
			}
			for i, c := range table.Columns {
				if c.Name != want[i].Name || c.Nullable != want[i].Nullable || c.Type == "" || c.Type == "NULL" {
					t.Errorf("%s column %d reflected as %+v, catalog %+v", name, i, c, want[i])
				}
			}
			var pk []string
			if err := conn.QueryRow(ctx, `SELECT array_agg(k.column_name::text ORDER BY k.ordinal_position)
				FROM information_schema.key_column_usage k WHERE k.table_name = $1`, name).Scan(&pk); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(table.PK, pk) || table.PKName == "" {
				t.Errorf("%s: primary key %v (%q), want %v", name, table.PK, table.PKName, pk)
			}
		}
	})
	t.Run("read_sql", func(t *testing.T) {
		var n int
		var id int64
		var name string
		var created time.Time
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT id, name, created_at FROM users ORDER BY id LIMIT 1").Scan(&id, &name, &created); err != nil {
			t.Fatal(err)
		}
		r := got.ReadSQL
		if want := []string{"id", "name", "created_at"}; !reflect.DeepEqual(r.Columns, want) || r.Rows != n {
			t.Errorf("read_sql: columns %v, %d rows; want %v, %d", r.Columns, r.Rows, want, n)
		}
		if len(r.First) != 3 || r.First[0] != float64(id) || r.First[1] != name || r.Dtypes[0] != "int64" {
			t.Errorf("read_sql first row %v (%v), want %d %q %v", r.First, r.Dtypes, id, name, created)
		}
		rows, err := conn.Query(ctx, "SELECT user_id, count(*) FROM orders WHERE user_id <= 3 GROUP BY user_id ORDER BY user_id")
		if err != nil {
			t.Fatal(err)
		}
		want, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]int64, error) {
			var a, b int64
			err := r.Scan(&a, &b)
			return []int64{a, b}, err
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got.ReadSQLParams) != fmt.Sprint(want) {
			t.Errorf("read_sql with params: %v, want %v", got.ReadSQLParams, want)
		}
	})
}

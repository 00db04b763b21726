package test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/gateway"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
	"github.com/pgdynamo/pgdynamo/internal/pgtest"
)

// The accelerated-read benchmark: the same benchRows rows served by pgdynamo
// from an in-memory DuckDB copy and by PostgreSQL 15, each query timed on
// both sides alternately in one process and reported as the ratio
// pgdynamo/PostgreSQL (metric x_postgres), so machine noise hits both.
const (
	benchRows    = 100_000
	benchWriters = 8
	benchSchema  = "bench_accel"
)

// benchRow is one row of the benchmark table, kept in Go so the same values
// go to DynamoDB and to PostgreSQL.
type benchRow struct {
	id   string
	day  time.Time // a 'YYYY-MM-DD' string in DynamoDB, date in both servers
	flag bool
	n    int64
	note string
	x    float64 // always a multiple of 1/8 with a fraction: inferred float8, sums exact
}

var benchNotes = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}

func makeBenchRow(i int) benchRow {
	return benchRow{
		id:   fmt.Sprintf("k%06d", i),
		day:  time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*7)%2000),
		flag: i%3 != 0,
		n:    int64((i*7919)%100_000) - 50_000,
		note: benchNotes[i%len(benchNotes)] + "-" + strconv.Itoa(i%1000),
		x:    float64((i*31)%40_000)/4 + 0.125,
	}
}

func (r benchRow) item() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"id":   &types.AttributeValueMemberS{Value: r.id},
		"day":  &types.AttributeValueMemberS{Value: r.day.Format("2006-01-02")},
		"flag": &types.AttributeValueMemberBOOL{Value: r.flag},
		"n":    &types.AttributeValueMemberN{Value: strconv.FormatInt(r.n, 10)},
		"note": &types.AttributeValueMemberS{Value: r.note},
		"x":    &types.AttributeValueMemberN{Value: strconv.FormatFloat(r.x, 'f', -1, 64)},
	}
}

var (
	benchDataOnce  sync.Once
	benchDataTable string // the DynamoDB table; PostgreSQL has bench_accel.t
	benchDataErr   error
)

// benchData writes the rows into a DynamoDB Local table and into
// bench_accel.t in PostgreSQL, once per test binary; both servers are
// throwaway and stopped by TestMain.
func benchData(b *testing.B) string {
	b.Helper()
	client := dynamotest.SharedClient(b)
	pg := pgtest.Shared(b)
	benchDataOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		begin := time.Now()
		table := dynamotest.UniqueTableName("bench_accel")
		if err := dynamotest.CreateTable(ctx, client, table, dynamotest.StringKey("id"), nil); err != nil {
			benchDataErr = err
			return
		}
		// Parallel writers, each over its own range, building items in
		// chunks so the whole table is never held as AttributeValues.
		g, gctx := errgroup.WithContext(ctx)
		per := (benchRows + benchWriters - 1) / benchWriters
		for w := 0; w < benchWriters; w++ {
			from, to := w*per, min((w+1)*per, benchRows)
			g.Go(func() error {
				const chunk = 1000
				items := make([]map[string]types.AttributeValue, 0, chunk)
				for start := from; start < to; start += chunk {
					items = items[:0]
					for i := start; i < min(start+chunk, to); i++ {
						items = append(items, makeBenchRow(i).item())
					}
					if err := dynamotest.PutItems(gctx, client, table, items); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			benchDataErr = err
			return
		}
		dynamoTook := time.Since(begin)

		begin = time.Now()
		conn, err := pg.Connect(ctx)
		if err != nil {
			benchDataErr = err
			return
		}
		defer conn.Close(context.Background())
		for _, s := range []string{
			"DROP SCHEMA IF EXISTS " + benchSchema + " CASCADE",
			"CREATE SCHEMA " + benchSchema,
			// The column order and types pgdynamo infers: key, then by name.
			"CREATE TABLE " + benchSchema + ".t (id text PRIMARY KEY, day date, flag bool, n int8, note text, x float8)",
		} {
			if _, err := conn.Exec(ctx, s); err != nil {
				benchDataErr = fmt.Errorf("%s: %w", s, err)
				return
			}
		}
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == benchRows {
				return nil, nil
			}
			r := makeBenchRow(i)
			i++
			return []any{r.id, r.day, r.flag, r.n, r.note, r.x}, nil
		})
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{benchSchema, "t"}, []string{"id", "day", "flag", "n", "note", "x"}, src); err != nil {
			benchDataErr = fmt.Errorf("COPY into PostgreSQL: %w", err)
			return
		}
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE "+benchSchema+".t"); err != nil {
			benchDataErr = err
			return
		}
		b.Logf("%d rows written: DynamoDB Local %v (%d writers), PostgreSQL %v",
			benchRows, dynamoTook.Round(time.Millisecond), benchWriters, time.Since(begin).Round(time.Millisecond))
		benchDataTable = table
	})
	if benchDataErr != nil {
		b.Fatalf("benchmark data: %v", benchDataErr)
	}
	return benchDataTable
}

// startBenchGateway serves table as dataset t accelerated in memory, waits
// until the copy is loaded and stops the gateway when b ends.
func startBenchGateway(b *testing.B, table string) *gateway.Gateway {
	b.Helper()
	yaml := fmt.Sprintf(`version: v1
kind: Spicepod
name: bench
runtime:
  pg:
    listen: 127.0.0.1:0
  metrics:
    listen: 127.0.0.1:0
datasets:
  - from: dynamodb:%s
    name: t
    params:
      dynamodb_aws_region: us-east-1
      dynamodb_endpoint: %s
      dynamodb_aws_access_key_id: dummy
      dynamodb_aws_secret_access_key: dummy
      schema_infer_max_records: 100
      scan_segments: 4
    acceleration:
      enabled: true
      mode: memory
`, table, dynamotest.Shared(b).Endpoint())
	f, err := config.Parse("bench.yaml", []byte(yaml))
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := f.Resolve(func(string) (string, bool) { return "", false })
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	gw, err := gateway.Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatalf("starting the gateway: %v", err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := gw.Shutdown(ctx); err != nil {
			b.Errorf("gateway shutdown: %v", err)
		}
	})
	begin := time.Now()
	url := "http://" + gw.MetricsAddr().String() + "/readyz"
	for {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Since(begin) > 5*time.Minute {
			b.Fatalf("accelerated copy not ready after 5 minutes: %d %s", resp.StatusCode, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Logf("accelerated copy of %d rows loaded in %v", benchRows, time.Since(begin).Round(time.Millisecond))
	return gw
}

// benchConnect opens a pgx connection in pgx's default (extended protocol,
// statement cache, binary where pgx knows the type) mode.
func benchConnect(b *testing.B, connString string, params map[string]string) *pgx.Conn {
	b.Helper()
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		b.Fatal(err)
	}
	for k, v := range params {
		cfg.RuntimeParams[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// drain runs sql and reads every row's raw bytes without decoding them, so
// the client's cost is the same on both sides and small.
func drain(ctx context.Context, conn *pgx.Conn, sql string) (int, error) {
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		_ = rows.RawValues()
		n++
	}
	return n, rows.Err()
}

// sameAnswers checks, before anything is timed, that both servers return
// the same columns (names and type OIDs in the timed mode) and the same
// text values, row for row, for each query. Rows are compared as they
// stream, so the check holds one row per side.
func sameAnswers(ctx context.Context, pgd, pg *pgx.Conn, queries map[string]string) error {
	for timed, ordered := range queries {
		// Columns as the timed (extended, binary) mode describes them.
		a, err := pgd.Query(ctx, timed)
		if err != nil {
			return fmt.Errorf("pgdynamo: %s: %w", timed, err)
		}
		fa := a.FieldDescriptions()
		a.Close()
		p, err := pg.Query(ctx, timed)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", timed, err)
		}
		fp := p.FieldDescriptions()
		p.Close()
		if len(fa) != len(fp) {
			return fmt.Errorf("%s: pgdynamo has %d columns, PostgreSQL %d", timed, len(fa), len(fp))
		}
		for i := range fa {
			if fa[i].Name != fp[i].Name || fa[i].DataTypeOID != fp[i].DataTypeOID {
				return fmt.Errorf("%s: column %d is %s (OID %d) in pgdynamo, %s (OID %d) in PostgreSQL",
					timed, i, fa[i].Name, fa[i].DataTypeOID, fp[i].Name, fp[i].DataTypeOID)
			}
		}
		// Values in text form, in a total order.
		a, err = pgd.Query(ctx, ordered, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			return fmt.Errorf("pgdynamo: %s: %w", ordered, err)
		}
		p, err = pg.Query(ctx, ordered, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			a.Close()
			return fmt.Errorf("postgres: %s: %w", ordered, err)
		}
		err = sameRows(a, p)
		a.Close()
		p.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", ordered, err)
		}
	}
	return nil
}

func sameRows(a, p pgx.Rows) error {
	row := 0
	for {
		na, np := a.Next(), p.Next()
		if na != np {
			return fmt.Errorf("row counts differ: pgdynamo ended %v, PostgreSQL ended %v after %d rows", !na, !np, row)
		}
		if !na {
			return errors.Join(a.Err(), p.Err())
		}
		ra, rp := a.RawValues(), p.RawValues()
		for i := range ra {
			if string(ra[i]) != string(rp[i]) || (ra[i] == nil) != (rp[i] == nil) {
				return fmt.Errorf("row %d column %d: pgdynamo %q, PostgreSQL %q", row, i, ra[i], rp[i])
			}
		}
		row++
	}
}

// BenchmarkAccelerated compares pgdynamo reading an accelerated (memory)
// dataset with PostgreSQL 15 on the same 100k rows. Each iteration runs
// the query once on each side, alternating which goes first; x_postgres
// is total pgdynamo time / total PostgreSQL time.
func BenchmarkAccelerated(b *testing.B) {
	table := benchData(b)
	gw := startBenchGateway(b, table)
	pgd := benchConnect(b, fmt.Sprintf("postgres://bench@%s/bench?sslmode=disable", gw.Addr()), nil)
	pg := benchConnect(b, pgtest.Shared(b).ConnString(), map[string]string{"search_path": benchSchema})

	ctx := context.Background()
	const (
		selectAll = "SELECT * FROM t"
		groupBy   = "SELECT flag, count(*), sum(n), avg(x) FROM t GROUP BY flag"
	)
	if err := sameAnswers(ctx, pgd, pg, map[string]string{
		selectAll: selectAll + " ORDER BY id",
		groupBy:   groupBy + " ORDER BY flag",
	}); err != nil {
		b.Fatalf("pgdynamo and PostgreSQL disagree: %v", err)
	}

	for _, q := range []struct{ name, sql string }{
		{"SelectStar", selectAll},
		{"GroupBy", groupBy},
	} {
		b.Run(q.name, func(b *testing.B) { benchBothSides(b, ctx, pgd, pg, q.sql) })
	}
}

func benchBothSides(b *testing.B, ctx context.Context, pgd, pg *pgx.Conn, sql string) {
	sides := [2]struct {
		name  string
		conn  *pgx.Conn
		total time.Duration
		rows  int
	}{{name: "pgdynamo", conn: pgd}, {name: "postgres", conn: pg}}
	// One untimed run each: statements prepared, caches warm.
	for i := range sides {
		n, err := drain(ctx, sides[i].conn, sql)
		if err != nil {
			b.Fatalf("%s: %s: %v", sides[i].name, sql, err)
		}
		sides[i].rows = n
	}
	if sides[0].rows != sides[1].rows {
		b.Fatalf("%s: pgdynamo returned %d rows, PostgreSQL %d", sql, sides[0].rows, sides[1].rows)
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		for k := 0; k < 2; k++ {
			s := &sides[(it+k)%2] // alternate which side goes first
			begin := time.Now()
			n, err := drain(ctx, s.conn, sql)
			s.total += time.Since(begin)
			if err != nil {
				b.Fatalf("%s: %s: %v", s.name, sql, err)
			}
			if n != s.rows {
				b.Fatalf("%s: %s returned %d rows, earlier %d", s.name, sql, n, s.rows)
			}
		}
	}
	b.StopTimer()
	pgdNs := float64(sides[0].total.Nanoseconds()) / float64(b.N)
	pgNs := float64(sides[1].total.Nanoseconds()) / float64(b.N)
	b.ReportMetric(pgdNs/pgNs, "x_postgres")
	b.ReportMetric(pgdNs, "pgdynamo_ns/op")
	b.ReportMetric(pgNs, "postgres_ns/op")
	b.Logf("%s (%d rows, N=%d): pgdynamo %v, PostgreSQL %v per run; pgdynamo/PostgreSQL = %.2f",
		sql, sides[0].rows, b.N, time.Duration(pgdNs).Round(time.Microsecond), time.Duration(pgNs).Round(time.Microsecond), pgdNs/pgNs)
}

//go:build soak

package test

// make soak: N minutes (default 5; -soak.duration or PGDYNAMO_SOAK_DURATION)
// of mixed load on a pgdynamo process — key lookups, scans and aggregates
// (live and from an accelerated copy), cancels, disconnects in the middle
// of a result, bad SQL, idle sessions (some idle in a transaction past
// their timeout) — printing queries, errors by SQLSTATE, latency
// percentiles, and RSS and goroutines over time. It fails if RSS or
// goroutines trend upward. Not part of make test: the build tag keeps it
// out.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

var soakDuration = flag.Duration("soak.duration", 5*time.Minute, "how long make soak runs (PGDYNAMO_SOAK_DURATION overrides)")

// soakStats collects what the workers saw.
type soakStats struct {
	mu         sync.Mutex
	queries    map[string]int
	errors     map[string]int // by SQLSTATE ("client" for errors with none)
	latencies  map[string][]time.Duration
	unexpected []string // errors the operation should not have had
}

// soakExpected are the SQLSTATEs each operation is meant to end with;
// anything else (a wrong answer, a lost connection) is unexpected.
var soakExpected = map[string][]string{
	"bad SQL":            {"42601", "42P01", "42703", "25006", "22P02"},
	"cancel":             {"57014"},
	"after idle timeout": {"25P03", "client"},
}

func (s *soakStats) record(kind string, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries[kind]++
	s.latencies[kind] = append(s.latencies[kind], d)
	if err != nil {
		code := "client"
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			code = pe.Code
		}
		s.errors[code]++
		if !slices.Contains(soakExpected[kind], code) && len(s.unexpected) < 1000 {
			s.unexpected = append(s.unexpected, kind+": "+err.Error())
		}
	}
}

// soakSample is one point of the RSS and goroutines series.
type soakSample struct {
	at         time.Duration
	rss        int64
	goroutines float64
	queries    int
}

func TestSoak(t *testing.T) {
	d := *soakDuration
	if v := os.Getenv("PGDYNAMO_SOAK_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("PGDYNAMO_SOAK_DURATION: %v", err)
		}
	}
	const items = 2000
	table := accelTable(t, items, 1)
	dir := t.TempDir()
	path := accelConfig(t, dir, dynamotest.Shared(t).Endpoint(),
		accelDataset{name: "live", table: table},
		accelDataset{name: "acc", table: table, acceleration: "enabled: true\nmode: memory\nrefresh_check_interval: 30s"})
	appendRuntime(t, path, "  limits:\n    memory_limit: 1GB\n    max_connections: 200\n    idle_in_transaction_session_timeout: 5s\n")
	p := startServe(t, path)
	waitReady(t, p.metrics)
	dsn := "postgres://tester@" + p.pg + "/soak?sslmode=disable"

	stats := &soakStats{queries: map[string]int{}, errors: map[string]int{}, latencies: map[string][]time.Duration{}}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	// Idle sessions: connected for the whole run, some in a transaction
	// they never end (the server ends them at 5 s, and they come back).
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			soakIdle(ctx, dsn, i%4 == 0, stats)
		}()
	}
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			soakWorker(ctx, p.pg, w, items, stats)
		}()
	}

	// Samples: one right after the warm-up, then every tenth of the run.
	var samples []soakSample
	every := max(d/20, 5*time.Second)
	start := time.Now()
	sample := func() {
		families := scrape(t, "http://"+p.metrics+"/metrics")
		g, _ := sum(families, "go_goroutines", nil)
		stats.mu.Lock()
		q := 0
		for _, n := range stats.queries {
			q += n
		}
		stats.mu.Unlock()
		samples = append(samples, soakSample{at: time.Since(start), rss: processRSS(p.cmd.Process.Pid), goroutines: g, queries: q})
	}
	ticker := time.NewTicker(every)
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-ticker.C:
			sample()
		}
	}
	ticker.Stop()
	wg.Wait()
	time.Sleep(time.Second) // the last connections close
	sample()
	select {
	case <-p.exited:
		t.Fatalf("pgdynamo exited during the soak:\n%s", p.log.String())
	default:
	}
	report := soakReport(d, stats, samples)
	fmt.Println(report)
	if out := os.Getenv("PGDYNAMO_SOAK_REPORT"); out != "" {
		if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
			t.Error(err)
		}
	}
	if n := len(stats.unexpected); n > 0 {
		t.Errorf("%d unexpected errors, the first:\n%s", n, strings.Join(stats.unexpected[:min(n, 10)], "\n"))
	}
	if problems := soakTrend(samples); len(problems) > 0 {
		t.Errorf("resources trend upward:\n%s", strings.Join(problems, "\n"))
	}
	total := 0
	for _, n := range stats.queries {
		total += n
	}
	if total == 0 {
		t.Fatal("no query ran")
	}
}

// soakWorker runs the mixed load until ctx ends.
func soakWorker(ctx context.Context, addr string, w, items int, stats *soakStats) {
	dsn := "postgres://tester@" + addr + "/soak?sslmode=disable"
	rng := rand.New(rand.NewPCG(uint64(w), 42))
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for ctx.Err() == nil {
		if conn == nil || conn.IsClosed() {
			c, err := pgx.Connect(ctx, dsn)
			if err != nil {
				if ctx.Err() == nil {
					stats.record("connect", 0, err)
				}
				time.Sleep(100 * time.Millisecond)
				continue
			}
			conn = c
		}
		qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		kind, err, took := soakOne(qctx, conn, addr, rng, items)
		cancel()
		if ctx.Err() != nil {
			return
		}
		stats.record(kind, took, err)
	}
}

// soakOne runs one operation of the mix and returns its kind.
func soakOne(ctx context.Context, conn *pgx.Conn, addr string, rng *rand.Rand, items int) (string, error, time.Duration) {
	start := time.Now()
	exact := func(kind string, got, want int64, err error) (string, error, time.Duration) {
		if err == nil && got != want {
			err = fmt.Errorf("%s: got %d, want %d", kind, got, want)
		}
		return kind, err, time.Since(start)
	}
	switch n := rng.IntN(100); {
	case n < 30:
		var v int64
		err := conn.QueryRow(ctx, "SELECT v FROM live WHERE id = $1", fmt.Sprintf("k%d", rng.IntN(items))).Scan(&v)
		return exact("lookup", v, 1, err)
	case n < 40:
		rows, err := conn.Query(ctx, "SELECT id, v, payload FROM live")
		var count int64
		if err == nil {
			for rows.Next() {
				count++
			}
			rows.Close()
			err = rows.Err()
		}
		return exact("scan", count, int64(items), err)
	case n < 55:
		var count, total int64
		table := []string{"live", "acc"}[rng.IntN(2)]
		err := conn.QueryRow(ctx, "SELECT count(*), sum(v) FROM "+table).Scan(&count, &total)
		if err == nil && count != total {
			err = fmt.Errorf("count %d, sum %d", count, total)
		}
		return exact("aggregate", count, int64(items), err)
	case n < 65:
		var s int64
		err := conn.QueryRow(ctx, "SELECT sum(i % 7) FROM range(2000000) t(i)").Scan(&s)
		return exact("engine aggregate", s, 5999995, err) // 285,714 cycles of 0..6, then 0 and 1
	case n < 72:
		// Cancel a long statement from another connection (CancelRequest).
		// A cancel that arrives before the server has read the query is
		// lost, in PostgreSQL too, so it is sent again until the
		// statement ends.
		ended := make(chan struct{})
		defer close(ended)
		first := time.Duration(50+rng.IntN(200)) * time.Millisecond
		go func() {
			for wait := first; ; wait = 250 * time.Millisecond {
				select {
				case <-ended:
					return
				case <-time.After(wait):
					conn.PgConn().CancelRequest(context.Background())
				}
			}
		}()
		_, err := conn.Exec(ctx, "SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 7 = 3")
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "57014" {
			return "cancel", err, time.Since(start)
		}
		return "cancel", fmt.Errorf("a cancelled statement: %v", err), time.Since(start)
	case n < 80:
		// Read a few rows of a big result, then drop the connection.
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return "disconnect mid-result", err, time.Since(start)
		}
		cfg, _ := pgconn.ParseConfig("postgres://tester@" + addr + "/soak?sslmode=disable")
		cfg.DialFunc = func(context.Context, string, string) (net.Conn, error) { return c, nil }
		pc, err := pgconn.ConnectConfig(ctx, cfg)
		if err != nil {
			c.Close()
			return "disconnect mid-result", err, time.Since(start)
		}
		rr := pc.ExecParams(ctx, "SELECT i, repeat('x', 100) FROM range(10000000) t(i)", nil, nil, nil, nil)
		for i := 0; i < 100 && rr.NextRow(); i++ {
		}
		c.Close() // no Terminate
		return "disconnect mid-result", nil, time.Since(start)
	case n < 90:
		bad := []string{"SELEC 1", "SELECT * FROM no_such_table", "SELECT 'x'::int", "INSERT INTO live VALUES ('x')", "SELECT nope FROM live"}
		_, err := conn.Exec(ctx, bad[rng.IntN(len(bad))])
		if err == nil {
			err = errors.New("bad SQL succeeded")
		}
		return "bad SQL", err, time.Since(start)
	default:
		var one int
		err := conn.QueryRow(ctx, "SELECT 1").Scan(&one)
		return exact("trivial", int64(one), 1, err)
	}
}

// soakIdle holds a session open doing nothing (inTx: in an open
// transaction, which the server ends; then it reconnects).
func soakIdle(ctx context.Context, dsn string, inTx bool, stats *soakStats) {
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		if inTx {
			start := time.Now()
			_, err := conn.Exec(ctx, "BEGIN")
			stats.record("idle in transaction", time.Since(start), err)
		}
		// Until the server ends it (25P03) or the run ends.
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(6+rand.IntN(10)) * time.Second):
			if inTx {
				start := time.Now()
				_, err := conn.Exec(ctx, "SELECT 1")
				if err == nil {
					err = errors.New("a session idle in a transaction past its timeout was not ended")
				}
				if ctx.Err() == nil {
					stats.record("after idle timeout", time.Since(start), err)
				}
			}
		}
		conn.Close(context.Background())
	}
}

func soakPercentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// soakReport is the table make soak prints.
func soakReport(d time.Duration, s *soakStats, samples []soakSample) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pgdynamo soak, %v of mixed load (6 workers, 40 idle sessions)\n\n", d)
	fmt.Fprintf(&b, "| operation | count | p50 | p99 |\n|---|---:|---:|---:|\n")
	kinds := make([]string, 0, len(s.queries))
	for k := range s.queries {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	total := 0
	for _, k := range kinds {
		total += s.queries[k]
		fmt.Fprintf(&b, "| %s | %d | %v | %v |\n", k, s.queries[k],
			soakPercentile(s.latencies[k], 0.5).Round(100*time.Microsecond), soakPercentile(s.latencies[k], 0.99).Round(100*time.Microsecond))
	}
	fmt.Fprintf(&b, "| total | %d | | |\n\nUnexpected errors: %d.\n\n| SQLSTATE | errors |\n|---|---:|\n", total, len(s.unexpected))
	codes := make([]string, 0, len(s.errors))
	for c := range s.errors {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Fprintf(&b, "| %s | %d |\n", c, s.errors[c])
	}
	fmt.Fprintf(&b, "\n| time | RSS MiB | goroutines | operations |\n|---:|---:|---:|---:|\n")
	for _, sm := range samples {
		fmt.Fprintf(&b, "| %v | %d | %.0f | %d |\n", sm.at.Round(time.Second), sm.rss>>20, sm.goroutines, sm.queries)
	}
	return b.String()
}

// soakTrend compares the last third of the samples with the middle third
// (the first third is warm-up: DuckDB's buffers, the accelerated copy,
// the Go heap growing to its working size). RSS may not grow by more than
// 10% + 32 MiB, goroutines by more than 10% + 10.
func soakTrend(samples []soakSample) []string {
	if len(samples) < 6 {
		return []string{fmt.Sprintf("only %d samples: run longer", len(samples))}
	}
	third := len(samples) / 3
	mean := func(ss []soakSample, f func(soakSample) float64) float64 {
		total := 0.0
		for _, s := range ss {
			total += f(s)
		}
		return total / float64(len(ss))
	}
	middle, last := samples[third:2*third], samples[2*third:len(samples)-1] // the final sample is after the load
	var problems []string
	rss := func(s soakSample) float64 { return float64(s.rss) }
	if m, l := mean(middle, rss), mean(last, rss); l > m*1.1+32<<20 {
		problems = append(problems, fmt.Sprintf("RSS: %.0f MiB in the middle third, %.0f MiB in the last", m/(1<<20), l/(1<<20)))
	}
	gr := func(s soakSample) float64 { return s.goroutines }
	if m, l := mean(middle, gr), mean(last, gr); l > m*1.1+10 {
		problems = append(problems, fmt.Sprintf("goroutines: %.0f in the middle third, %.0f in the last", m, l))
	}
	return problems
}

package test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/sync/errgroup"

	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/gateway"
	"github.com/pgdynamo/pgdynamo/internal/ddbproxy"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
	"github.com/pgdynamo/pgdynamo/pgerror"
)

// The DynamoDB Streams benchmarks: how long a write to DynamoDB takes to
// reach an accelerated copy kept by refresh_mode changes, how many changes
// per second the copy applies, and how fast the bootstrap Scan fills it.
// Each reports the figures of one run, with a baseline measured in the
// same run where one exists (DynamoDB Local's own write and Scan rates),
// since DynamoDB Local and the gateway share the machine.
//
// Each benchmark has a DynamoDB Local of its own: in one process, writes to
// a stream-enabled table slow down by an order of magnitude once another
// stream-enabled table has tens of thousands of stream records (deleting
// that table or disabling its stream does not help), so benchmarks sharing
// one server would measure each other's leftovers.
//
//	go test ./test/ -run '^$' -bench Streams -benchtime 1x -count 1 -timeout 30m

const (
	streamBenchWriters = 8
	// streamBenchInterval is the scan_interval of the lag and throughput
	// benchmarks: how long an idle stream waits between polls.
	streamBenchInterval = 100 * time.Millisecond
)

// streamBenchItem is the item {id: <prefix><i>, v: v}.
func streamBenchItem(prefix string, i, v int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"id": &types.AttributeValueMemberS{Value: prefix + strconv.Itoa(i)},
		"v":  &types.AttributeValueMemberN{Value: strconv.Itoa(v)},
	}
}

// ownDynamo starts a DynamoDB Local for one benchmark and stops it when tb
// ends.
func ownDynamo(tb testing.TB) *dynamotest.Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	server, err := dynamotest.Start(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := server.Close(); err != nil {
			tb.Logf("closing DynamoDB Local: %v", err)
		}
	})
	return server
}

// newStreamBenchTable creates a table with a NEW_AND_OLD_IMAGES stream and
// n items {id: "k<i>", v: i}.
func newStreamBenchTable(tb testing.TB, client *dynamodb.Client, prefix string, n int) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	name, _, err := createStreamBenchTable(ctx, client, prefix, n)
	if err != nil {
		tb.Fatal(err)
	}
	return name
}

// createStreamBenchTable creates the table and writes its n items with
// streamBenchWriters writers (BatchWriteItem); it returns how long the
// writes took.
func createStreamBenchTable(ctx context.Context, client *dynamodb.Client, prefix string, n int) (string, time.Duration, error) {
	name := dynamotest.UniqueTableName(prefix)
	if err := dynamotest.CreateTable(ctx, client, name, dynamotest.StringKey("id"), nil,
		dynamotest.WithStream(types.StreamViewTypeNewAndOldImages)); err != nil {
		return "", 0, err
	}
	took, err := putParallel(ctx, client, name, "k", 0, n, func(i int) int { return i })
	return name, took, err
}

// putParallel writes items {id: prefix<i>, v: value(i)} for i in [from, to)
// with streamBenchWriters writers, each over every streamBenchWriters-th
// item, and returns how long the writes took.
func putParallel(ctx context.Context, client *dynamodb.Client, table, prefix string, from, to int, value func(int) int) (time.Duration, error) {
	batches := make([][]map[string]types.AttributeValue, streamBenchWriters)
	for i := from; i < to; i++ {
		w := (i - from) % streamBenchWriters
		batches[w] = append(batches[w], streamBenchItem(prefix, i, value(i)))
	}
	g, gctx := errgroup.WithContext(ctx)
	begin := time.Now()
	for _, items := range batches {
		g.Go(func() error { return dynamotest.PutItems(gctx, client, table, items) })
	}
	err := g.Wait()
	return time.Since(begin), err
}

// streamBenchConfig is a config serving table, read through endpoint, as
// dataset acc, accelerated in memory and kept by its stream, with the
// stream metrics enabled.
func streamBenchConfig(tb testing.TB, table, endpoint string, segments int, interval time.Duration) *config.Config {
	tb.Helper()
	yaml := fmt.Sprintf(`version: v1
kind: Spicepod
name: sbench
runtime:
  pg:
    listen: 127.0.0.1:0
  metrics:
    listen: 127.0.0.1:0
datasets:
  - from: dynamodb:%s
    name: acc
    params:
      dynamodb_aws_region: us-east-1
      dynamodb_endpoint: %s
      dynamodb_aws_access_key_id: dummy
      dynamodb_aws_secret_access_key: dummy
      scan_segments: %d
      scan_interval: %s
    acceleration:
      enabled: true
      mode: memory
      refresh_mode: changes
      on_conflict:
        id: upsert
    metrics:
      - name: records_consumed_total
      - name: errors_transient_total
`, table, endpoint, segments, interval)
	f, err := config.Parse("sbench.yaml", []byte(yaml))
	if err != nil {
		tb.Fatalf("benchmark config: %v\n%s", err, yaml)
	}
	cfg, err := f.Resolve(func(string) (string, bool) { return "", false })
	if err != nil {
		tb.Fatalf("benchmark config: %v", err)
	}
	return cfg
}

// logTimes is a slog handler that remembers when each message was first
// logged, so a benchmark can split a wait at the gateway's own milestones;
// with -v it also prints them.
type logTimes struct {
	seen *logSeen
	next slog.Handler
}

type logSeen struct {
	mu sync.Mutex
	at map[string]time.Time
}

func newLogTimes() *logTimes {
	var next slog.Handler = slog.NewTextHandler(io.Discard, nil)
	if testing.Verbose() {
		next = slog.NewTextHandler(os.Stderr, nil)
	}
	return &logTimes{seen: &logSeen{at: map[string]time.Time{}}, next: next}
}

func (l *logTimes) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelInfo }

func (l *logTimes) Handle(ctx context.Context, r slog.Record) error {
	l.seen.mu.Lock()
	if _, ok := l.seen.at[r.Message]; !ok {
		l.seen.at[r.Message] = time.Now()
	}
	l.seen.mu.Unlock()
	return l.next.Handle(ctx, r)
}

func (l *logTimes) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logTimes{seen: l.seen, next: l.next.WithAttrs(attrs)}
}

func (l *logTimes) WithGroup(name string) slog.Handler {
	return &logTimes{seen: l.seen, next: l.next.WithGroup(name)}
}

// when returns when msg was first logged.
func (l *logTimes) when(msg string) (time.Time, bool) {
	l.seen.mu.Lock()
	defer l.seen.mu.Unlock()
	at, ok := l.seen.at[msg]
	return at, ok
}

// The gateway's log messages the benchmarks time.
const (
	bootstrapStartMsg = "bootstrapping from the table's stream"
	bootstrapDoneMsg  = "bootstrap done; following the stream"
)

// startStreamBench starts the gateway in-process; stop (also run when tb
// ends) shuts it down once.
func startStreamBench(tb testing.TB, cfg *config.Config, log *logTimes) (gw *gateway.Gateway, stop func()) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	gw, err := gateway.Start(ctx, cfg, slog.New(log))
	if err != nil {
		tb.Fatalf("starting the gateway: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := gw.Shutdown(ctx); err != nil {
				tb.Errorf("gateway shutdown: %v", err)
			}
		})
	}
	tb.Cleanup(stop)
	return gw, stop
}

// awaitReady polls /readyz every 10 ms until it answers 200 and returns
// when it first did.
func awaitReady(tb testing.TB, gw *gateway.Gateway, within time.Duration) time.Time {
	tb.Helper()
	url := "http://" + gw.MetricsAddr().String() + "/readyz"
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(url)
		if err != nil {
			tb.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return time.Now()
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not ready after %s: %d %s", within, resp.StatusCode, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// streamMetric is the dataset's value of a stream metric on /metrics.
func streamMetric(tb testing.TB, gw *gateway.Gateway, name string) float64 {
	tb.Helper()
	resp, err := http.Get("http://" + gw.MetricsAddr().String() + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		tb.Fatalf("parsing /metrics: %v", err)
	}
	v, _ := sum(families, name, map[string]string{"dataset": "public.acc"})
	return v
}

// acceleratedConn connects with pgdynamo.read_mode accelerated: every
// query reads the copy, or fails while it is not served.
func acceleratedConn(tb testing.TB, gw *gateway.Gateway) *pgx.Conn {
	tb.Helper()
	conn := connect(tb, gw)
	if _, err := conn.Exec(context.Background(), "SET pgdynamo.read_mode = accelerated"); err != nil {
		tb.Fatal(err)
	}
	return conn
}

// notServed reports whether err is the accelerated copy not being served
// (its stream lag is at or above ready_lag, or it stalled).
func notServed(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == string(pgerror.ObjectNotInPrerequisiteState)
}

// percentile is the p-th percentile (0 < p ≤ 1) of sorted by the
// nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// logLoad logs the machine's load average: DynamoDB Local, the gateway and
// the benchmark share its CPUs, and so may other processes.
func logLoad(b *testing.B, when string) {
	if avg, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(avg)); len(f) >= 3 {
			b.Logf("load average at %s: %s (%d CPUs)", when, strings.Join(f[:3], " "), runtime.NumCPU())
		}
	}
}

// BenchmarkStreamsPropagationLag: with scan_interval 100ms, one PutItem at
// a time gives an item a new v directly in DynamoDB Local; one sample is
// the time from the write's acknowledgement until SELECT v FROM acc WHERE
// id = $1 (read_mode accelerated, polled every 2 ms) returns the new
// value. A random pause of up to one interval before each write spreads
// the writes over the consumer's poll cycle. Target: p99 ≤ scan_interval
// + 100 ms.
//
// A poll answered "not ready" (SQLSTATE 55000) means the consumer has just
// applied a round whose lag it measured at or above ready_lag: it takes
// the lag from the records' ApproximateCreationDateTime, which DynamoDB
// Local rounds down to the minute (AWS: to the second). The first such
// answer marks when the change was applied, so each sample also splits
// into applied and served.
func BenchmarkStreamsPropagationLag(b *testing.B) {
	const (
		items   = 1000
		samples = 200
		warmup  = 5
		poll    = 2 * time.Millisecond
		giveUp  = 10 * time.Second
	)
	server := ownDynamo(b)
	client := server.Client(context.Background())
	table := newStreamBenchTable(b, client, "bench_streams_lag", items)
	gw, _ := startStreamBench(b, streamBenchConfig(b, table, server.Endpoint(), 1, streamBenchInterval), newLogTimes())
	awaitReady(b, gw, 2*time.Minute)
	conn := acceleratedConn(b, gw)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))

	type sample struct {
		served  time.Duration // ack → the query returned the new value
		applied time.Duration // ack → first "not ready", else served
		unready bool          // the copy went unserved before the value showed
	}
	value := 1_000_000
	var putTotal time.Duration
	var puts int
	measure := func() sample {
		value++
		i := rng.IntN(items)
		key := "k" + strconv.Itoa(i)
		time.Sleep(time.Duration(rng.Int64N(int64(streamBenchInterval))))
		begin := time.Now()
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: streamBenchItem("k", i, value)}); err != nil {
			b.Fatal(err)
		}
		acked := time.Now()
		putTotal += acked.Sub(begin)
		puts++
		var s sample
		for {
			var v int64
			err := conn.QueryRow(ctx, "SELECT v FROM acc WHERE id = $1", key).Scan(&v)
			switch {
			case err == nil && v == int64(value):
				s.served = time.Since(acked)
				if !s.unready {
					s.applied = s.served
				}
				return s
			case notServed(err):
				if !s.unready {
					s.unready, s.applied = true, time.Since(acked)
				}
			case err != nil:
				b.Fatalf("reading %s from the copy: %v", key, err)
			}
			if time.Since(acked) > giveUp {
				b.Fatalf("v = %d written to %s did not reach the copy within %s (it reads %d)", value, key, giveUp, v)
			}
			time.Sleep(poll)
		}
	}
	for range warmup {
		measure()
	}
	logLoad(b, "start")
	var got []sample
	b.ResetTimer()
	for range b.N {
		for range samples {
			got = append(got, measure())
		}
	}
	b.StopTimer()
	logLoad(b, "end")

	var served, applied, windows []time.Duration
	for _, s := range got {
		served, applied = append(served, s.served), append(applied, s.applied)
		if s.unready {
			windows = append(windows, s.served-s.applied)
		}
	}
	slices.Sort(served)
	slices.Sort(applied)
	slices.Sort(windows)
	p50, p99 := percentile(served, 0.50), percentile(served, 0.99)
	target := streamBenchInterval + 100*time.Millisecond
	b.ReportMetric(ms(p50), "p50_ms")
	b.ReportMetric(ms(p99), "p99_ms")
	b.ReportMetric(ms(served[len(served)-1]), "max_ms")
	b.ReportMetric(ms(percentile(applied, 0.99)), "applied_p99_ms")
	verdict := "met"
	if p99 > target {
		verdict = "NOT met"
	}
	b.Logf("propagation lag, %d samples (scan_interval %s; PutItem ack → new value read, polled every %s): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; "+
		"target p99 ≤ %s: %s; mean PutItem %.1f ms",
		len(served), streamBenchInterval, poll, ms(p50), ms(percentile(served, 0.90)), ms(p99), ms(served[len(served)-1]), target, verdict,
		ms(putTotal)/float64(puts))
	b.Logf("applied (ack → the copy had it, served or not): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
		ms(percentile(applied, 0.50)), ms(percentile(applied, 0.90)), ms(percentile(applied, 0.99)), ms(applied[len(applied)-1]))
	if len(windows) > 0 {
		b.Logf("%d of %d samples found the copy NOT served (SQLSTATE 55000) after the change was applied, for p50 %.1f ms, p99 %.1f ms, max %.1f ms",
			len(windows), len(got), ms(percentile(windows, 0.50)), ms(percentile(windows, 0.99)), ms(windows[len(windows)-1]))
	}
}

// opTimer is a reverse proxy in front of DynamoDB that keeps when each
// call of an operation started and ended, so a benchmark can tell DynamoDB
// Local's share of a wait from the gateway's.
type opTimer struct {
	url   string
	mu    sync.Mutex
	calls map[string][][2]time.Time
}

func startOpTimer(tb testing.TB, target string) *opTimer {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	t := &opTimer{calls: map[string][][2]time.Time{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := ddbproxy.Operation(r)
		begin := time.Now()
		rp.ServeHTTP(w, r)
		t.mu.Lock()
		t.calls[op] = append(t.calls[op], [2]time.Time{begin, time.Now()})
		t.mu.Unlock()
	}))
	tb.Cleanup(srv.Close)
	t.url = srv.URL
	return t
}

// within is the time op's calls spent in [from, to) and how many calls
// overlapped it.
func (t *opTimer) within(op string, from, to time.Time) (time.Duration, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var total time.Duration
	n := 0
	for _, c := range t.calls[op] {
		begin, end := maxTime(c[0], from), minTime(c[1], to)
		if end.After(begin) {
			total += end.Sub(begin)
			n++
		}
	}
	return total, n
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// BenchmarkStreamsApplyThroughput measures how many changes per second the
// copy takes from the stream, in two phases, each 20k puts by 8 writers
// with BatchWriteItem.
//
// Live: the changes are applied while they are written. The apply rate is
// 20k over the time from the first write until records_consumed_total has
// grown by 20k; DynamoDB Local's write rate in the same run is the
// baseline, and x_write_rate near 1 means the writes, not the apply, were
// the limit. Meanwhile the copy is read (read_mode accelerated) every 20
// ms: live_not_ready_share is the share of reads answered "not ready".
// Then count(*) and sum(v) of the copy are checked.
//
// Backlog: the gateway's GetRecords is held (ddbproxy) while the 20k are
// written, then released; backlog_changes/s is 20k over the time until all
// are applied — the consumer's own capacity. The consumer reads and
// applies in turn, so getrecords_share (the time GetRecords spent in
// DynamoDB Local over the drain) splits it into reading and applying.
func BenchmarkStreamsApplyThroughput(b *testing.B) {
	const (
		seed     = 10_000
		changes  = 20_000
		poll     = 20 * time.Millisecond
		giveUp   = 5 * time.Minute
		consumed = "pgdynamo_records_consumed_total"
	)
	server := ownDynamo(b)
	client := server.Client(context.Background())
	table := newStreamBenchTable(b, client, "bench_streams_apply", seed)
	proxy := ddbproxy.Start(b, server.Endpoint())
	timer := startOpTimer(b, proxy.Endpoint())
	gw, _ := startStreamBench(b, streamBenchConfig(b, table, timer.url, 1, streamBenchInterval), newLogTimes())
	awaitReady(b, gw, 2*time.Minute)
	conn := acceleratedConn(b, gw)
	ctx := context.Background()
	const seedSum = int64(seed) * (seed - 1) / 2
	logLoad(b, "start")

	phase := 0
	// write puts c0..c<changes> with values new to this phase and returns
	// how long the writes took and the copy's count and sum once they are
	// applied.
	write := func() (took time.Duration, wantCount, wantSum int64) {
		k := phase
		phase++
		took, err := putParallel(ctx, client, table, "c", 0, changes, func(i int) int { return k*changes + i })
		if err != nil {
			b.Fatal(err)
		}
		return took, seed + changes, seedSum + int64(k)*changes*changes + int64(changes)*(changes-1)/2
	}
	var notReady, reads int
	// untilApplied waits until records_consumed_total reaches want; with
	// read, it also reads the copy every poll meanwhile and counts the
	// answers "not ready".
	untilApplied := func(want float64, read bool) time.Time {
		deadline := time.Now().Add(giveUp)
		last := time.Time{}
		for streamMetric(b, gw, consumed) < want {
			if time.Now().After(deadline) {
				b.Fatalf("the stream's changes were not applied within %s", giveUp)
			}
			if read && time.Since(last) >= poll {
				last = time.Now()
				var c int64
				err := conn.QueryRow(ctx, "SELECT count(*) FROM acc").Scan(&c)
				reads++
				if notServed(err) {
					notReady++
				} else if err != nil {
					b.Fatalf("reading the copy: %v", err)
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		return time.Now()
	}
	// untilServed waits until the copy answers with count and sum.
	untilServed := func(count, sum int64) time.Time {
		deadline := time.Now().Add(giveUp)
		for {
			var c, s int64
			err := conn.QueryRow(ctx, "SELECT count(*), coalesce(sum(v), 0) FROM acc").Scan(&c, &s)
			switch {
			case notServed(err):
			case err != nil:
				b.Fatalf("reading the copy: %v", err)
			case c == count && s == sum:
				return time.Now()
			}
			if time.Now().After(deadline) {
				b.Fatalf("the copy did not show all changes within %s (count %d sum %d, want %d %d; err %v)", giveUp, c, s, count, sum, err)
			}
			time.Sleep(poll)
		}
	}

	// Ready can come before the bootstrap has replayed the seed's own
	// stream records; they must not count as the benchmark's.
	untilApplied(seed, false)

	var live, liveWrites, liveServed, drain, drainGet time.Duration
	var drainCalls int
	b.ResetTimer()
	for range b.N {
		// Live.
		before := streamMetric(b, gw, consumed)
		begin := time.Now()
		written := make(chan [3]int64, 1)
		go func() {
			took, count, sum := write()
			written <- [3]int64{int64(took), count, sum}
		}()
		applied := untilApplied(before+changes, true)
		w := <-written
		served := untilServed(w[1], w[2])
		live += applied.Sub(begin)
		liveWrites += time.Duration(w[0])
		liveServed += served.Sub(begin)

		// Backlog.
		proxy.Hold(func(op string, _ []byte) bool { return op == "GetRecords" })
		time.Sleep(3 * streamBenchInterval) // a GetRecords in flight ends; the next is held
		before = streamMetric(b, gw, consumed)
		_, count, sum := write()
		released := time.Now()
		proxy.Release()
		applied = untilApplied(before+changes, false)
		get, calls := timer.within("GetRecords", released, applied)
		drain += applied.Sub(released)
		drainGet += get
		drainCalls += calls
		untilServed(count, sum)
	}
	b.StopTimer()
	logLoad(b, "end")

	n := float64(b.N * changes)
	applyRate, writeRate, drainRate := n/live.Seconds(), n/liveWrites.Seconds(), n/drain.Seconds()
	getShare := drainGet.Seconds() / drain.Seconds()
	b.ReportMetric(applyRate, "changes/s")
	b.ReportMetric(writeRate, "writes/s")
	b.ReportMetric(applyRate/writeRate, "x_write_rate")
	b.ReportMetric(drainRate, "backlog_changes/s")
	b.ReportMetric(getShare, "getrecords_share")
	per := func(d time.Duration) time.Duration { return (d / time.Duration(b.N)).Round(time.Millisecond) }
	b.Logf("live: %d changes applied at %.0f changes/s (first write → all applied %v; the copy answered with all of them after %v); "+
		"DynamoDB Local took the writes at %.0f writes/s (%v, %d writers, BatchWriteItem) → apply/write = %.2f",
		changes, applyRate, per(live), per(liveServed), writeRate, per(liveWrites), streamBenchWriters, applyRate/writeRate)
	b.Logf("backlog: %d changes applied at %.0f changes/s (%v); GetRecords took %v of it in %d calls (%.0f%%), applying the rest (%.0f changes/s of apply time alone)",
		changes, drainRate, per(drain), per(drainGet), drainCalls/b.N, 100*getShare, n/(drain-drainGet).Seconds())
	b.ReportMetric(float64(notReady)/float64(max(reads, 1)), "live_not_ready_share")
	b.Logf("while the live changes were being applied, the copy answered 'not ready' (SQLSTATE 55000: stream lag ≥ ready_lag) to %d of %d reads",
		notReady, reads)
}

var (
	bootstrapOnce   sync.Once
	bootstrapServer *dynamotest.Server
	bootstrapTable  string
	bootstrapErr    error
)

const bootstrapItems = 100_000

// bootstrapData is a stream table of bootstrapItems items in a DynamoDB
// Local of its own, written once per test binary. The server lives until
// the binary exits (the kernel kills it with its parent).
func bootstrapData(b *testing.B) (*dynamotest.Server, string) {
	b.Helper()
	bootstrapOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		if bootstrapServer, bootstrapErr = dynamotest.Start(ctx); bootstrapErr != nil {
			return
		}
		var took time.Duration
		bootstrapTable, took, bootstrapErr = createStreamBenchTable(ctx, bootstrapServer.Client(ctx), "bench_streams_bootstrap", bootstrapItems)
		if bootstrapErr == nil {
			b.Logf("%d items written to DynamoDB Local in %v (%d writers)", bootstrapItems, took.Round(time.Millisecond), streamBenchWriters)
		}
	})
	if bootstrapErr != nil {
		b.Fatalf("bootstrap benchmark table: %v", bootstrapErr)
	}
	return bootstrapServer, bootstrapTable
}

// rawScan reads the whole table with a parallel Scan of segments segments
// into memory, as the bootstrap's Scan does (eventually consistent), and
// returns the number of items and how long it took.
func rawScan(ctx context.Context, client *dynamodb.Client, table string, segments int) (int, time.Duration, error) {
	got := make([][]map[string]types.AttributeValue, segments)
	g, gctx := errgroup.WithContext(ctx)
	begin := time.Now()
	for s := range segments {
		g.Go(func() error {
			p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{
				TableName: aws.String(table), Segment: aws.Int32(int32(s)), TotalSegments: aws.Int32(int32(segments)),
			})
			for p.HasMorePages() {
				page, err := p.NextPage(gctx)
				if err != nil {
					return err
				}
				got[s] = append(got[s], page.Items...)
			}
			return nil
		})
	}
	err := g.Wait()
	took := time.Since(begin)
	n := 0
	for _, items := range got {
		n += len(items)
	}
	return n, took, err
}

// BenchmarkStreamsBootstrap: a 100k-item stream table, and the time from
// gateway start until /readyz answers 200 with scan_segments 4; the
// baseline, in the same run, is a parallel Scan of the same table with the
// SDK (4 segments, into memory) before and after. x_raw_scan is the
// bootstrap's items/s over the raw Scan's. The wait is split at the
// gateway's log lines: start-up, the Scan into the copy (scan_items/s),
// then the stream until ready.
func BenchmarkStreamsBootstrap(b *testing.B) {
	const segments = 4
	server, table := bootstrapData(b)
	client := server.Client(context.Background())
	ctx := context.Background()
	scan := func() time.Duration {
		n, took, err := rawScan(ctx, client, table, segments)
		if err != nil {
			b.Fatal(err)
		}
		if n != bootstrapItems {
			b.Fatalf("the raw Scan read %d items, want %d", n, bootstrapItems)
		}
		return took
	}
	scan() // warms DynamoDB Local and the client, untimed
	logLoad(b, "start")

	var readyTotal, startTotal, scanTotal, rawTotal time.Duration
	var raws []string
	var replayed float64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		raw := scan()
		rawTotal += raw
		raws = append(raws, raw.Round(time.Millisecond).String())
		b.StartTimer()

		log := newLogTimes()
		begin := time.Now()
		gw, stop := startStreamBench(b, streamBenchConfig(b, table, server.Endpoint(), segments, streamBenchInterval), log)
		ready := awaitReady(b, gw, 10*time.Minute)
		b.StopTimer()
		readyTotal += ready.Sub(begin)
		started, ok1 := log.when(bootstrapStartMsg)
		scanned, ok2 := log.when(bootstrapDoneMsg)
		if !ok1 || !ok2 {
			b.Fatalf("ready without the log lines %q and %q", bootstrapStartMsg, bootstrapDoneMsg)
		}
		startTotal += started.Sub(begin)
		scanTotal += scanned.Sub(started)
		replayed += streamMetric(b, gw, "pgdynamo_records_consumed_total")
		var count int64
		if err := acceleratedConn(b, gw).QueryRow(ctx, "SELECT count(*) FROM acc").Scan(&count); err != nil {
			b.Fatal(err)
		}
		if count != bootstrapItems {
			b.Fatalf("the copy has %d rows, want %d", count, bootstrapItems)
		}
		stop()
		raw = scan()
		rawTotal += raw
		raws = append(raws, raw.Round(time.Millisecond).String())
		b.StartTimer()
	}
	b.StopTimer()
	logLoad(b, "end")

	n := float64(b.N * bootstrapItems)
	readyRate := n / readyTotal.Seconds()
	scanRate := n / scanTotal.Seconds()
	rawRate := 2 * n / rawTotal.Seconds()
	b.ReportMetric(readyRate, "items/s")
	b.ReportMetric(scanRate, "scan_items/s")
	b.ReportMetric(rawRate, "raw_scan_items/s")
	b.ReportMetric(readyRate/rawRate, "x_raw_scan")
	per := func(d time.Duration) time.Duration { return (d / time.Duration(b.N)).Round(time.Millisecond) }
	b.Logf("%d items, scan_segments %d: gateway start → ready %v (%.0f items/s) = start-up %v + bootstrap Scan into the copy %v (%.0f items/s) "+
		"+ following the stream until ready %v (%.0f stream records applied)",
		bootstrapItems, segments, per(readyTotal), readyRate, per(startTotal), per(scanTotal), scanRate, per(readyTotal-startTotal-scanTotal), replayed/float64(b.N))
	b.Logf("raw SDK Scan, %d segments into memory, before and after each bootstrap: %s, mean %v (%.0f items/s) → bootstrap/raw = %.2f (the Scan phase alone %.2f)",
		segments, strings.Join(raws, ", "), per(rawTotal/2), rawRate, readyRate/rawRate, scanRate/rawRate)
}

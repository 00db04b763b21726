//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/jackc/pgx/v5"

	"github.com/pgdynamo/pgdynamo/ddb"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == childCommand {
		os.Exit(serveGateway(os.Args[2:]))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the benchmark's flags.
type options struct {
	items, rssRows, segments, rounds int
	samples                          int
	duration                         time.Duration
	clients                          []int
	endpoint, profileDir             string
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("pgdynamo-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.items, "items", 100_000, "items in the benchmark table")
	fs.IntVar(&o.rssRows, "rss-rows", 0, "also drain this many rows (e.g. 1000000; a multiple of -items: the table read that many times in one UNION ALL query) in a fresh gateway and compare its peak RSS with a fresh gateway's drain of -items")
	fs.IntVar(&o.segments, "segments", 4, "parallel Scan segments, for the gateway (scan_segments) and the raw Scan alike")
	fs.IntVar(&o.rounds, "rounds", 3, "drains of each kind; the best is reported")
	fs.IntVar(&o.samples, "samples", 2000, "key lookups (and SELECT 1s) timed for the latency percentiles")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "how long each throughput point runs")
	clients := fs.String("clients", "1,16,64", "client counts of the throughput points")
	fs.StringVar(&o.endpoint, "endpoint", "", "use this DynamoDB (Local) endpoint instead of starting one; tables seeded by an earlier run are reused")
	fs.StringVar(&o.profileDir, "profile-dir", "", "write a CPU profile of the gateway for each phase into this directory")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, c := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-clients: %q is not a client count", c)
		}
		o.clients = append(o.clients, n)
	}
	if o.items < 1 || o.rounds < 1 || o.samples < 1 || o.segments < 1 || o.rssRows < 0 {
		return o, fmt.Errorf("-items, -rounds, -samples and -segments must be at least 1, -rss-rows at least 0")
	}
	if o.rssRows%o.items != 0 {
		return o, fmt.Errorf("-rss-rows %d is not a multiple of -items %d", o.rssRows, o.items)
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintln(stderr, "pgdynamo-bench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{o: o, log: stderr}
	if err := b.run(ctx); err != nil {
		fmt.Fprintln(stderr, "pgdynamo-bench:", err)
		return 1
	}
	b.report(stdout)
	return 0
}

// bench is one run: its settings, what it has started and what it found.
type bench struct {
	o      options
	log    io.Writer
	client *dynamodb.Client // as the gateway's: the raw side of each comparison
	seeder *dynamodb.Client
	res    results
}

func (b *bench) progress(msg string) {
	fmt.Fprintf(b.log, "%s pgdynamo-bench: %s\n", time.Now().Format("15:04:05"), msg)
}

// results are the figures of a run.
type results struct {
	loadBefore, loadAfter string

	drainPG, drainSDK cost

	lookupPG, lookupSDK []time.Duration // sorted
	lookupCPU           time.Duration   // gateway CPU per lookup

	throughput []throughputPoint

	select1Extended, select1Simple []time.Duration // sorted

	rss, rssBig   int64 // peak RSS of a fresh gateway draining -items, -rss-rows
	drainBig      cost  // that drain of -rss-rows (one run)
	rssAfterDrain int64 // the measuring gateway's peak RSS after its drains
}

type throughputPoint struct {
	clients       int
	pg, sdk       float64       // lookups per second
	cpuPerLookup  time.Duration // gateway CPU
	sdkCPU        time.Duration // this process's CPU per SDK Query
	pgCalls, sdkN int64
}

func (b *bench) run(ctx context.Context) error {
	b.res.loadBefore = loadAverage()
	endpoint := b.o.endpoint
	if endpoint == "" {
		b.progress("starting DynamoDB Local")
		startCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		server, err := dynamotest.Start(startCtx)
		cancel()
		if err != nil {
			return err
		}
		defer server.Close()
		endpoint = server.Endpoint()
	}
	// The raw side reads with the client the gateway builds for a dataset:
	// the same retryer, signing and checksum validation.
	client, err := ddb.NewClient(ctx, ddb.Config{Region: dynamotest.Region, AccessKeyID: "bench", SecretAccessKey: "bench", Endpoint: endpoint})
	if err != nil {
		return err
	}
	b.client = client
	// Seeding uses a client without response checksum validation:
	// DynamoDB Local sends a zero checksum on error answers (DescribeTable
	// of a table not created yet).
	b.seeder = dynamodb.New(client.Options(), func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	table, took, err := ensureTable(ctx, b.seeder, b.o.items, b.progress)
	if err != nil {
		return err
	}
	if took > 0 {
		b.progress(fmt.Sprintf("seeded %s in %s (%.0f items/s)", table, took.Round(time.Second), float64(b.o.items)/took.Seconds()))
	}
	if b.o.profileDir != "" {
		if err := os.MkdirAll(b.o.profileDir, 0o755); err != nil {
			return err
		}
	}

	gw, err := startGateway(ctx, gatewayConfig(endpoint, table, b.o.segments))
	if err != nil {
		return err
	}
	defer gw.Close()
	if err := b.measureDrains(ctx, gw, table); err != nil {
		return err
	}
	if err := b.measureLookups(ctx, gw, table); err != nil {
		return err
	}
	if err := b.measureThroughput(ctx, gw, table); err != nil {
		return err
	}
	if err := b.measureSelect1(ctx, gw); err != nil {
		return err
	}
	gw.Close()

	if b.o.rssRows > 0 {
		if err := b.measureRSS(ctx, endpoint, table); err != nil {
			return err
		}
	}
	b.res.loadAfter = loadAverage()
	return nil
}

func (b *bench) profilePath(phase string) string {
	if b.o.profileDir == "" {
		return ""
	}
	return filepath.Join(b.o.profileDir, phase+".pprof")
}

func connectPG(ctx context.Context, gw *gatewayProc, mode pgx.QueryExecMode) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig("postgres://bench@" + gw.addr + "/bench?sslmode=disable")
	if err != nil {
		return nil, err
	}
	cfg.DefaultQueryExecMode = mode
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to the gateway: %w", err)
	}
	return conn, nil
}

// measureDrains times the full drain through the gateway against the raw
// Scan, alternating which goes first, after one untimed run of each (the
// JIT of DynamoDB Local warms up on it).
func (b *bench) measureDrains(ctx context.Context, gw *gatewayProc, table string) error {
	conn, err := connectPG(ctx, gw, pgx.QueryExecModeCacheStatement)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	pg := func() error { return drainPG(ctx, conn, drainSQL, b.o.items) }
	raw := func() error { return scanRaw(ctx, b.client, table, b.o.segments, b.o.items) }
	b.progress("warming up: one drain through pgdynamo, one raw Scan")
	if err := pg(); err != nil {
		return err
	}
	if err := raw(); err != nil {
		return err
	}
	stopProfile, err := gw.profile(b.profilePath("drain"))
	if err != nil {
		return err
	}
	var pgRuns, rawRuns []cost
	for round := range b.o.rounds {
		for k := range 2 {
			if (round+k)%2 == 0 {
				c, err := timed(gw.usage, pg)
				if err != nil {
					return err
				}
				pgRuns = append(pgRuns, c)
				b.progress(fmt.Sprintf("drain through pgdynamo: %s wall, %s gateway CPU", c.wall.Round(time.Millisecond), c.cpu.Round(time.Millisecond)))
			} else {
				c, err := timed(selfUsage, raw)
				if err != nil {
					return err
				}
				rawRuns = append(rawRuns, c)
				b.progress(fmt.Sprintf("raw SDK Scan: %s wall, %s CPU", c.wall.Round(time.Millisecond), c.cpu.Round(time.Millisecond)))
			}
		}
	}
	if err := stopProfile(); err != nil {
		return err
	}
	b.res.drainPG, b.res.drainSDK = best(pgRuns), best(rawRuns)
	u, err := gw.usage()
	if err != nil {
		return err
	}
	b.res.rssAfterDrain = u.maxRSS
	return nil
}

// measureLookups times single key lookups, one through the gateway then
// one with the SDK, in turn, and the gateway's CPU over its share.
func (b *bench) measureLookups(ctx context.Context, gw *gatewayProc, table string) error {
	conn, err := connectPG(ctx, gw, pgx.QueryExecModeCacheStatement)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	keys := randomKeys(b.o.items, 1)
	// Warm-up: the prepared statement, connections, JITs.
	for i := range 50 {
		if err := lookupPG(ctx, conn, keys(0, i)); err != nil {
			return err
		}
		if err := lookupSDK(ctx, b.client, table, keys(0, i)); err != nil {
			return err
		}
	}
	b.progress(fmt.Sprintf("timing %d key lookups each way", b.o.samples))
	stopProfile, err := gw.profile(b.profilePath("lookup"))
	if err != nil {
		return err
	}
	before, err := gw.usage()
	if err != nil {
		return err
	}
	pgTimes := make([]time.Duration, 0, b.o.samples)
	sdkTimes := make([]time.Duration, 0, b.o.samples)
	for i := range b.o.samples {
		k := keys(0, i)
		begin := time.Now()
		if err := lookupPG(ctx, conn, k); err != nil {
			return err
		}
		pgTimes = append(pgTimes, time.Since(begin))
		begin = time.Now()
		if err := lookupSDK(ctx, b.client, table, k); err != nil {
			return err
		}
		sdkTimes = append(sdkTimes, time.Since(begin))
	}
	after, err := gw.usage()
	if err != nil {
		return err
	}
	if err := stopProfile(); err != nil {
		return err
	}
	slices.Sort(pgTimes)
	slices.Sort(sdkTimes)
	b.res.lookupPG, b.res.lookupSDK = pgTimes, sdkTimes
	b.res.lookupCPU = (after.cpu() - before.cpu()) / time.Duration(b.o.samples)
	return nil
}

// measureThroughput runs lookups from n clients at once through the
// gateway, then from n goroutines with the SDK, for each n of -clients.
func (b *bench) measureThroughput(ctx context.Context, gw *gatewayProc, table string) error {
	stopProfile, err := gw.profile(b.profilePath("throughput"))
	if err != nil {
		return err
	}
	for _, n := range b.o.clients {
		conns := make([]*pgx.Conn, n)
		for i := range conns {
			c, err := connectPG(ctx, gw, pgx.QueryExecModeCacheStatement)
			if err != nil {
				return err
			}
			defer c.Close(ctx)
			conns[i] = c
		}
		keys := randomKeys(b.o.items, n)
		// Each connection prepares its statement before the clock starts.
		for w, c := range conns {
			if err := lookupPG(ctx, c, keys(w, 0)); err != nil {
				return err
			}
		}
		before, err := gw.usage()
		if err != nil {
			return err
		}
		pgRate, pgCalls, err := throughput(ctx, n, b.o.duration, func(w, i int) error { return lookupPG(ctx, conns[w], keys(w, i)) })
		if err != nil {
			return err
		}
		after, err := gw.usage()
		if err != nil {
			return err
		}
		// Only the SDK's goroutines run in this process meanwhile (the pgx
		// connections are idle), so its CPU is the SDK's own per Query.
		sdkBefore, err := selfUsage()
		if err != nil {
			return err
		}
		sdkRate, sdkCalls, err := throughput(ctx, n, b.o.duration, func(w, i int) error { return lookupSDK(ctx, b.client, table, keys(w, i)) })
		if err != nil {
			return err
		}
		sdkAfter, err := selfUsage()
		if err != nil {
			return err
		}
		p := throughputPoint{clients: n, pg: pgRate, sdk: sdkRate, pgCalls: pgCalls, sdkN: sdkCalls}
		if sdkCalls > 0 {
			p.sdkCPU = (sdkAfter.cpu() - sdkBefore.cpu()) / time.Duration(sdkCalls)
		}
		if pgCalls > 0 {
			p.cpuPerLookup = (after.cpu() - before.cpu()) / time.Duration(pgCalls)
		}
		b.res.throughput = append(b.res.throughput, p)
		b.progress(fmt.Sprintf("%d clients: %.0f lookups/s through pgdynamo, %.0f/s with the SDK", n, pgRate, sdkRate))
		for _, c := range conns {
			c.Close(ctx)
		}
	}
	return stopProfile()
}

// measureSelect1 times SELECT 1 prepared (extended protocol, pgx's
// statement cache) and as a simple query, in turn.
func (b *bench) measureSelect1(ctx context.Context, gw *gatewayProc) error {
	ext, err := connectPG(ctx, gw, pgx.QueryExecModeCacheStatement)
	if err != nil {
		return err
	}
	defer ext.Close(ctx)
	simple, err := connectPG(ctx, gw, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return err
	}
	defer simple.Close(ctx)
	one := func(conn *pgx.Conn) error {
		var v int
		if err := conn.QueryRow(ctx, "SELECT 1").Scan(&v); err != nil {
			return err
		}
		if v != 1 {
			return fmt.Errorf("SELECT 1 returned %d", v)
		}
		return nil
	}
	for range 50 {
		if err := one(ext); err != nil {
			return err
		}
		if err := one(simple); err != nil {
			return err
		}
	}
	stopProfile, err := gw.profile(b.profilePath("select1"))
	if err != nil {
		return err
	}
	e := make([]time.Duration, 0, b.o.samples)
	s := make([]time.Duration, 0, b.o.samples)
	for range b.o.samples {
		begin := time.Now()
		if err := one(ext); err != nil {
			return err
		}
		e = append(e, time.Since(begin))
		begin = time.Now()
		if err := one(simple); err != nil {
			return err
		}
		s = append(s, time.Since(begin))
	}
	if err := stopProfile(); err != nil {
		return err
	}
	slices.Sort(e)
	slices.Sort(s)
	b.res.select1Extended, b.res.select1Simple = e, s
	return nil
}

// measureRSS drains -items rows, then -rss-rows rows, each once in a
// fresh gateway, and keeps each gateway's peak RSS. The -rss-rows rows are
// the table read -rss-rows/-items times in one query (UNION ALL), each read
// a Scan of its own: DynamoDB Local answers a Scan page of a table of a
// million items in 15 to 60 seconds on the 2-core machine, so a table that
// large would take hours to drain, while the gateway's memory depends on
// the rows it streams, not on the table they come from.
func (b *bench) measureRSS(ctx context.Context, endpoint, table string) error {
	drainOnce := func(sql string, rows int) (cost, int64, error) {
		gw, err := startGateway(ctx, gatewayConfig(endpoint, table, b.o.segments))
		if err != nil {
			return cost{}, 0, err
		}
		defer gw.Close()
		conn, err := connectPG(ctx, gw, pgx.QueryExecModeCacheStatement)
		if err != nil {
			return cost{}, 0, err
		}
		defer conn.Close(ctx)
		c, err := timed(gw.usage, func() error { return drainPG(ctx, conn, sql, rows) })
		if err != nil {
			return cost{}, 0, err
		}
		u, err := gw.usage()
		return c, u.maxRSS, err
	}
	b.progress(fmt.Sprintf("peak RSS: draining %d rows in a fresh gateway", b.o.items))
	var err error
	if _, b.res.rss, err = drainOnce(drainSQL, b.o.items); err != nil {
		return err
	}
	b.progress(fmt.Sprintf("peak RSS: draining %d rows in a fresh gateway", b.o.rssRows))
	b.res.drainBig, b.res.rssBig, err = drainOnce(repeatedDrainSQL(b.o.rssRows/b.o.items), b.o.rssRows)
	return err
}

func loadAverage() string {
	avg, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(avg))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// cpus is how many CPUs the benchmark shares with DynamoDB Local.
func cpus() int { return runtime.NumCPU() }

package test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/gateway"
	"github.com/pgdynamo/pgdynamo/internal/ddbproxy"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// accelTable creates a table of n items {id: "k<i>", v: value, payload:
// "..."} and returns its name. payload is a column only a full copy reads,
// which lets a proxy tell the loader's Scan from a query's.
func accelTable(t *testing.T, n int, value int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := dynamotest.SharedClient(t)
	name := dynamotest.UniqueTableName(t.Name())
	if err := dynamotest.CreateTable(ctx, client, name, dynamotest.StringKey("id"), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dynamotest.DeleteTable(context.Background(), client, name) })
	writeAccelItems(t, name, 0, n, value)
	return name
}

func writeAccelItems(t *testing.T, table string, from, to, value int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	items := make([]map[string]types.AttributeValue, 0, to-from)
	for i := from; i < to; i++ {
		items = append(items, map[string]types.AttributeValue{
			"id":      &types.AttributeValueMemberS{Value: "k" + strconv.Itoa(i)},
			"v":       &types.AttributeValueMemberN{Value: strconv.Itoa(value)},
			"payload": &types.AttributeValueMemberS{Value: strings.Repeat("x", 20)},
		})
	}
	if err := dynamotest.PutItems(ctx, dynamotest.SharedClient(t), table, items); err != nil {
		t.Fatal(err)
	}
}

// loaderScan matches the Scan of a full copy: it is the only read that
// projects payload.
func loaderScan(op string, body []byte) bool {
	return op == "Scan" && bytes.Contains(body, []byte(`"payload"`))
}

// accelDataset is one dataset of an acceleration test config.
type accelDataset struct {
	name, table  string
	acceleration string // YAML under acceleration:, "" for a live dataset
}

// accelConfig is a config for datasets read through endpoint, with a
// metrics listener.
func accelConfig(t *testing.T, dir, endpoint string, datasets ...accelDataset) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("version: v1\nkind: Spicepod\nname: accel\nruntime:\n  pg:\n    listen: 127.0.0.1:0\n  metrics:\n    listen: 127.0.0.1:0\ndatasets:\n")
	for _, d := range datasets {
		fmt.Fprintf(&b, "  - from: dynamodb:%s\n    name: %s\n    params:\n", d.table, d.name)
		fmt.Fprintf(&b, "      dynamodb_aws_region: us-east-1\n      dynamodb_endpoint: %s\n      scan_segments: 1\n", endpoint)
		b.WriteString("      dynamodb_aws_access_key_id: dummy\n      dynamodb_aws_secret_access_key: dummy\n")
		if d.acceleration != "" {
			b.WriteString("    acceleration:\n")
			for _, l := range strings.Split(strings.TrimSpace(d.acceleration), "\n") {
				b.WriteString("      " + l + "\n")
			}
		}
	}
	path := filepath.Join(dir, "pgdynamo.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func startAccelGateway(t *testing.T, path string) *gateway.Gateway {
	t.Helper()
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.Resolve(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	gw, err := startConfigured(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

// readyz returns /readyz's status code and body.
func readyz(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitReady polls /readyz until it answers 200.
func waitReady(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		code, body := readyz(t, addr)
		if code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after a minute: %d %s", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func countSum(t *testing.T, ctx context.Context, conn *pgx.Conn, table string) (int64, int64) {
	t.Helper()
	var n, sum int64
	if err := conn.QueryRow(ctx, "SELECT count(*), coalesce(sum(v), 0) FROM "+table).Scan(&n, &sum); err != nil {
		t.Fatalf("SELECT count(*), sum(v) FROM %s: %v", table, err)
	}
	return n, sum
}

func explainText(t *testing.T, ctx context.Context, conn *pgx.Conn, sql string) string {
	t.Helper()
	rows, err := conn.Query(ctx, "EXPLAIN "+sql)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestAccelerationLiveUntilReadyThenLocal: before the first load completes
// the dataset is answered live and /readyz is 503; after it, queries read
// the copy — also while DynamoDB is unreachable — and a live dataset over
// the same table fails.
func TestAccelerationLiveUntilReadyThenLocal(t *testing.T) {
	table := accelTable(t, 300, 1)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	proxy.Hold(loaderScan)
	path := accelConfig(t, t.TempDir(), proxy.Endpoint(),
		accelDataset{name: "acc", table: table, acceleration: "enabled: true\nmode: memory"},
		accelDataset{name: "live", table: table})
	gw := startAccelGateway(t, path)
	conn := connect(t, gw)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The load is held: not ready, and queries are answered live.
	if code, body := readyz(t, gw.MetricsAddr().String()); code != http.StatusServiceUnavailable || !strings.Contains(body, "public.acc: accelerated loading") {
		t.Fatalf("/readyz while loading: %d\n%s", code, body)
	}
	scans := proxy.Count("Scan")
	if n, sum := countSum(t, ctx, conn, "acc"); n != 300 || sum != 300 {
		t.Fatalf("live answer while loading: count %d sum %d, want 300 300", n, sum)
	}
	if proxy.Count("Scan") <= scans {
		t.Fatal("the query while loading did not read DynamoDB")
	}
	if plan := explainText(t, ctx, conn, "SELECT count(*) FROM acc"); !strings.Contains(plan, "Read live: accelerated copy not ready (loading)") {
		t.Fatalf("EXPLAIN while loading:\n%s", plan)
	}
	var state string
	if err := conn.QueryRow(ctx, "SELECT state FROM pgdynamo.datasets WHERE name = 'public.acc'").Scan(&state); err != nil || state != "loading" {
		t.Fatalf("pgdynamo.datasets state while loading: %q %v", state, err)
	}
	if _, err := conn.Exec(ctx, "SET pgdynamo.read_mode = accelerated"); err != nil {
		t.Fatal(err)
	}
	_, err := conn.Exec(ctx, "SELECT count(*) FROM acc")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "55000" {
		t.Fatalf("read_mode accelerated while loading: want 55000, got %v", err)
	}
	if _, err := conn.Exec(ctx, "RESET pgdynamo.read_mode"); err != nil {
		t.Fatal(err)
	}

	// A statement prepared (extended protocol) while the copy loads is
	// planned again at each execution, so it reads the copy once ready.
	ext := connectExtended(t, gw)
	var viaPrepared int64
	if err := ext.QueryRow(ctx, "SELECT count(*) FROM acc WHERE v = $1", 1).Scan(&viaPrepared); err != nil || viaPrepared != 300 {
		t.Fatalf("prepared statement while loading: %d %v", viaPrepared, err)
	}

	proxy.Release()
	waitReady(t, gw.MetricsAddr().String())
	proxy.SetDown(true) // DynamoDB unreachable from here on
	if err := ext.QueryRow(ctx, "SELECT count(*) FROM acc WHERE v = $1", 1).Scan(&viaPrepared); err != nil || viaPrepared != 300 {
		t.Fatalf("the same prepared statement once the copy is ready: %d %v", viaPrepared, err)
	}
	// The copy's engine tables cannot be named by client SQL.
	for _, q := range []string{"SELECT * FROM pgdynamo_copy_1.main.data", "SELECT * FROM pgdynamo_copy_1.data", "SELECT * FROM main.data"} {
		if _, err := conn.Exec(ctx, q); err == nil {
			t.Errorf("%s: answered", q)
		}
	}

	if n, sum := countSum(t, ctx, conn, "acc"); n != 300 || sum != 300 {
		t.Fatalf("answer from the copy: count %d sum %d, want 300 300", n, sum)
	}
	var v int64
	if err := conn.QueryRow(ctx, "SELECT a.v FROM acc a JOIN acc b USING (id) WHERE b.id LIKE 'k1%' ORDER BY id LIMIT 1").Scan(&v); err != nil || v != 1 {
		t.Fatalf("join on the copy: %d %v", v, err)
	}
	if plan := explainText(t, ctx, conn, "SELECT count(*) FROM acc"); !strings.Contains(plan, "Local copy of public.acc") || strings.Contains(plan, "PGDYNAMO_SCAN") {
		t.Fatalf("EXPLAIN of the copy:\n%s", plan)
	}
	var rows, lag int64
	if err := conn.QueryRow(ctx, "SELECT state, rows, lag_ms FROM pgdynamo.datasets WHERE name = 'public.acc'").Scan(&state, &rows, &lag); err != nil ||
		state != "ready" || rows != 300 || lag < 0 {
		t.Fatalf("pgdynamo.datasets when ready: %s %d %d %v", state, rows, lag, err)
	}
	// A lookup by the whole primary key is read live in auto mode, so it
	// fails with DynamoDB down; read_mode accelerated answers it from the copy.
	if plan := explainText(t, ctx, conn, "SELECT v FROM acc WHERE id = 'k7'"); !strings.Contains(plan, "Read live: full primary key lookup") {
		t.Fatalf("EXPLAIN of a key lookup:\n%s", plan)
	}
	if _, err := conn.Exec(ctx, "SET pgdynamo.read_mode = accelerated"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT v FROM acc WHERE id = 'k7'").Scan(&v); err != nil || v != 1 {
		t.Fatalf("key lookup from the copy: %d %v", v, err)
	}
	// The live dataset needs DynamoDB.
	if _, err := conn.Exec(ctx, "SET statement_timeout = '3s'"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SELECT count(*) FROM live"); err == nil {
		t.Fatal("a live dataset was answered while DynamoDB was unreachable")
	} else if !errors.As(err, &pgErr) {
		t.Fatalf("live dataset while DynamoDB is unreachable: %v", err)
	}
	// The session is still usable.
	if n, _ := countSum(t, ctx, conn, "acc"); n != 300 {
		t.Fatalf("after the failed live query: count %d", n)
	}
}

// TestAccelerationRefreshIsAtomic: while 8 clients query in a loop, the
// table changes and refreshes swap copies; every answer is the old table or
// the new one, never a mix.
func TestAccelerationRefreshIsAtomic(t *testing.T) {
	const before, after = 400, 600
	table := accelTable(t, before, 1)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	path := accelConfig(t, t.TempDir(), proxy.Endpoint(),
		accelDataset{name: "acc", table: table, acceleration: "mode: memory\nrefresh_check_interval: 200ms"})
	gw := startAccelGateway(t, path)
	waitReady(t, gw.MetricsAddr().String())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		answers   atomic.Int64
		sawBefore atomic.Bool
		sawAfter  atomic.Bool
		wg        sync.WaitGroup
		failure   = make(chan string, 8)
	)
	for range 8 {
		conn := connect(t, gw)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				var n, sum int64
				if err := conn.QueryRow(ctx, "SELECT count(*), sum(v) FROM acc").Scan(&n, &sum); err != nil {
					if ctx.Err() == nil {
						failure <- err.Error()
					}
					return
				}
				answers.Add(1)
				switch {
				case n == before && sum == before:
					sawBefore.Store(true)
				case n == after && sum == 2*after:
					sawAfter.Store(true)
				default:
					failure <- fmt.Sprintf("a mixed answer: count %d sum %d", n, sum)
					return
				}
			}
		}()
	}
	waitFor := func(what string, cond func() bool) {
		deadline := time.Now().Add(time.Minute)
		for !cond() {
			select {
			case f := <-failure:
				t.Fatal(f)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("answers from the first copy", func() bool { return answers.Load() > 50 })
	// Hold the next refresh's read while the table changes, so no copy is
	// made of a half-written table: each read is one page, all before or
	// all after.
	proxy.Hold(loaderScan)
	writeAccelItems(t, table, 0, after, 2)
	proxy.Release()
	tr, _ := gw.Registry.Tracker("public.acc")
	waitFor("the new copy", func() bool { return tr.Status().Rows == after })
	seen := answers.Load()
	refreshes := map[time.Time]bool{tr.Status().LastRefresh: true}
	waitFor("more refreshes under load", func() bool {
		refreshes[tr.Status().LastRefresh] = true
		return len(refreshes) >= 4 && answers.Load() > seen+100
	})
	cancel()
	wg.Wait()
	select {
	case f := <-failure:
		t.Fatal(f)
	default:
	}
	if !sawBefore.Load() || !sawAfter.Load() {
		t.Fatalf("answers saw the old table: %v, the new one: %v", sawBefore.Load(), sawAfter.Load())
	}
	families := scrape(t, "http://"+gw.MetricsAddr().String()+"/metrics")
	dataset := map[string]string{"dataset": "public.acc"}
	if n, _ := sum(families, "pgdynamo_refreshes_total", map[string]string{"dataset": "public.acc", "outcome": "ok"}); n < 4 {
		t.Errorf("pgdynamo_refreshes_total ok = %v, want the initial load and 3 refreshes or more", n)
	}
	if rows, ok := sum(families, "pgdynamo_refresh_rows", dataset); !ok || rows != after {
		t.Errorf("pgdynamo_refresh_rows = %v (%v), want %d", rows, ok, after)
	}
	if items, _ := sum(families, "pgdynamo_dynamodb_items_read_total", dataset); items < before+4*after {
		t.Errorf("pgdynamo_dynamodb_items_read_total = %v, want every load's items", items)
	}
	t.Logf("%d answers, each the old or the new table", answers.Load())
}

// TestAccelerationFileModeServesAfterKill: a file copy survives kill -9, and
// the restarted server serves it before DynamoDB has answered anything.
func TestAccelerationFileModeServesAfterKill(t *testing.T) {
	table := accelTable(t, 250, 3)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	dir := t.TempDir()
	file := filepath.Join(dir, "copies", "acc.duckdb")
	path := accelConfig(t, dir, proxy.Endpoint(),
		accelDataset{name: "acc", table: table, acceleration: "mode: file\nparams:\n  duckdb_file: " + file})

	first := startServe(t, path)
	waitReady(t, first.metrics)
	first.kill(t)

	// DynamoDB is unreachable for the restart: the copy must not need it.
	proxy.ResetCounts()
	proxy.SetDown(true)
	second := startServe(t, path)
	waitReady(t, second.metrics)
	conn, err := pgx.Connect(context.Background(), "postgres://tester@"+second.pg+"/accel?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if n, sum := countSum(t, ctx, conn, "acc"); n != 250 || sum != 750 {
		t.Fatalf("the restarted copy: count %d sum %d, want 250 750", n, sum)
	}
	if c := proxy.Count("Scan") + proxy.Count("DescribeTable"); c != 0 {
		t.Fatalf("DynamoDB answered %d requests before the copy was served", c)
	}
	// DynamoDB back: the copy is refreshed with the table's new rows.
	writeAccelItems(t, table, 250, 260, 3)
	proxy.SetDown(false)
	deadline := time.Now().Add(time.Minute)
	for {
		var rows int64
		var lastErr *string
		if err := conn.QueryRow(ctx, "SELECT rows, last_error FROM pgdynamo.datasets WHERE name = 'public.acc'").Scan(&rows, &lastErr); err != nil {
			t.Fatal(err)
		}
		if rows == 260 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the copy was not refreshed after DynamoDB came back: %d rows, last error %v\n%s", rows, lastErr, second.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if proxy.Count("Scan") == 0 {
		t.Fatal("the refresh did not read DynamoDB")
	}
}

// servedProcess is pgdynamo serve in a process of its own.
type servedProcess struct {
	cmd         *exec.Cmd
	pg, metrics string
	log         *syncBuffer
	exited      chan struct{}
}

// startServe runs the built binary and waits for both listeners.
func startServe(t *testing.T, config string) *servedProcess {
	t.Helper()
	cmd := exec.Command(pgdynamoBinary(t), "serve", "--config", config, "--log-level", "debug")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	p := &servedProcess{cmd: cmd, log: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.exited = make(chan struct{})
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
	})
	deadline := time.Now().Add(time.Minute)
	for p.pg == "" || p.metrics == "" {
		out := p.log.String()
		p.pg, p.metrics = logAddr(out, "pgdynamo listening"), logAddr(out, "metrics listening")
		select {
		case <-p.exited:
			t.Fatalf("pgdynamo serve exited:\n%s", out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgdynamo serve did not start:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p
}

// logAddr finds addr=... on the log line that contains msg.
func logAddr(log, msg string) string {
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, msg) {
			continue
		}
		if i := strings.Index(line, "addr="); i >= 0 {
			return strings.Fields(line[i+len("addr="):])[0]
		}
	}
	return ""
}

func (p *servedProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// TestAccelerationSchemaGrows: an attribute that appears in the table
// becomes a column at the next refresh — in the copy, in live reads and in
// the catalog — without a restart.
func TestAccelerationSchemaGrows(t *testing.T) {
	table := accelTable(t, 5, 1)
	path := accelConfig(t, t.TempDir(), dynamotest.Shared(t).Endpoint(),
		accelDataset{name: "acc", table: table, acceleration: "mode: memory\nrefresh_check_interval: 200ms"})
	gw := startAccelGateway(t, path)
	waitReady(t, gw.MetricsAddr().String())
	conn := connect(t, gw)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := conn.Exec(ctx, "SELECT extra FROM acc"); err == nil {
		t.Fatal("column extra exists before the table has it")
	}
	// A statement prepared before the schema grew must not send rows of
	// another shape than it described: PostgreSQL's 0A000.
	ext := connectExtended(t, gw)
	var before int
	if rows, err := ext.Query(ctx, "SELECT * FROM acc"); err != nil {
		t.Fatal(err)
	} else {
		before = len(rows.FieldDescriptions())
		rows.Close()
	}
	items := make([]map[string]types.AttributeValue, 5)
	for i := range items {
		items[i] = map[string]types.AttributeValue{
			"id":      &types.AttributeValueMemberS{Value: "k" + strconv.Itoa(i)},
			"v":       &types.AttributeValueMemberN{Value: "1"},
			"extra":   &types.AttributeValueMemberS{Value: "e" + strconv.Itoa(i)},
			"payload": &types.AttributeValueMemberS{Value: "p"},
		}
	}
	if err := dynamotest.PutItems(ctx, dynamotest.SharedClient(t), table, items); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got string
		// The copy is swapped first, then the catalog: wait for both.
		var listed int
		err := conn.QueryRow(ctx, "SELECT string_agg(extra, ',' ORDER BY extra) FROM acc").Scan(&got)
		if err == nil && got == "e0,e1,e2,e3,e4" {
			err = conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'acc' AND column_name = 'extra'").Scan(&listed)
			if err == nil && listed == 1 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new attribute never became a column of the copy: %q %v", got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if plan := explainText(t, ctx, conn, "SELECT extra FROM acc"); !strings.Contains(plan, "Local copy of public.acc") {
		t.Fatalf("not read from the copy:\n%s", plan)
	}
	rows, _ := ext.Query(ctx, "SELECT * FROM acc")
	rows.Close()
	var pgErr *pgconn.PgError
	if !errors.As(rows.Err(), &pgErr) || pgErr.Code != "0A000" || !strings.Contains(pgErr.Message, "cached plan must not change result type") {
		t.Fatalf("a statement prepared before the schema grew: want 0A000, got %v", rows.Err())
	}
	if rows, err := ext.Query(ctx, "SELECT * FROM acc"); err != nil {
		t.Fatal(err)
	} else if n := len(rows.FieldDescriptions()); n != before+1 {
		rows.Close()
		t.Fatalf("prepared again: %d columns, want %d", n, before+1)
	} else {
		rows.Close()
	}
	if _, err := conn.Exec(ctx, "SET pgdynamo.read_mode = live"); err != nil {
		t.Fatal(err)
	}
	var extra string
	if err := conn.QueryRow(ctx, "SELECT extra FROM acc WHERE id = 'k3'").Scan(&extra); err != nil || extra != "e3" {
		t.Fatalf("live read of the new column: %q %v", extra, err)
	}
}

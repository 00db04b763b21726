package test

import (
	"context"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jackc/pgx/v5"

	"github.com/pgdynamo/pgdynamo/internal/ddbproxy"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// streamTable creates a table with a NEW_AND_OLD_IMAGES stream and n items
// {id: "k<i>", v: i}.
func streamTable(t *testing.T, n int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := dynamotest.SharedClient(t)
	name := dynamotest.UniqueTableName(t.Name())
	if err := dynamotest.CreateTable(ctx, client, name, dynamotest.StringKey("id"), nil,
		dynamotest.WithStream(types.StreamViewTypeNewAndOldImages)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dynamotest.DeleteTable(context.Background(), client, name) })
	items := make([]map[string]types.AttributeValue, n)
	for i := range items {
		items[i] = map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: "k" + strconv.Itoa(i)},
			"v":  &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
		}
	}
	if err := dynamotest.PutItems(ctx, client, name, items); err != nil {
		t.Fatal(err)
	}
	return name
}

// writer changes the table at random: puts of new and existing keys,
// updates and deletes, until stopped.
type writer struct {
	t      *testing.T
	table  string
	keys   int
	stop   chan struct{}
	done   sync.WaitGroup
	writes int
}

func startWriter(t *testing.T, table string, keys int) *writer {
	w := &writer{t: t, table: table, keys: keys, stop: make(chan struct{})}
	w.done.Add(1)
	go w.run()
	return w
}

func (w *writer) run() {
	defer w.done.Done()
	client := dynamotest.SharedClient(w.t)
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	ctx := context.Background()
	for {
		select {
		case <-w.stop:
			return
		default:
		}
		id := &types.AttributeValueMemberS{Value: "k" + strconv.Itoa(rng.IntN(w.keys))}
		var err error
		switch rng.IntN(4) {
		case 0, 1:
			_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(w.table), Item: map[string]types.AttributeValue{
				"id": id, "v": &types.AttributeValueMemberN{Value: strconv.Itoa(rng.IntN(1_000_000))},
				"note": &types.AttributeValueMemberS{Value: "w" + strconv.Itoa(w.writes)},
			}})
		case 2:
			_, err = client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(w.table), Key: map[string]types.AttributeValue{"id": id},
				UpdateExpression:          aws.String("SET v = :v"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.Itoa(rng.IntN(1_000_000))}}})
		case 3:
			_, err = client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(w.table), Key: map[string]types.AttributeValue{"id": id}})
		}
		if err != nil {
			w.t.Errorf("writer: %v", err)
			return
		}
		w.writes++
	}
}

func (w *writer) halt() int {
	close(w.stop)
	w.done.Wait()
	return w.writes
}

// tableRows is the table as a fresh Scan reads it: "id|v|note" sorted.
func tableRows(t *testing.T, table string) []string {
	t.Helper()
	items, err := dynamotest.ScanAll(context.Background(), dynamotest.SharedClient(t), table)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		note := "NULL"
		if n, ok := it["note"].(*types.AttributeValueMemberS); ok {
			note = n.Value
		}
		out = append(out, it["id"].(*types.AttributeValueMemberS).Value+"|"+it["v"].(*types.AttributeValueMemberN).Value+"|"+note)
	}
	sort.Strings(out)
	return out
}

// copyRows is the accelerated copy, read with read_mode accelerated.
func copyRows(t *testing.T, ctx context.Context, conn *pgx.Conn, dataset string) ([]string, error) {
	if _, err := conn.Exec(ctx, "SET pgdynamo.read_mode = accelerated"); err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, "SELECT id || '|' || coalesce(v::text, 'NULL') || '|' || coalesce(note, 'NULL') FROM "+dataset+" WHERE id <> 'conflict'")
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	sort.Strings(out)
	return out, err
}

// waitEqual waits until the copy equals a fresh Scan of the table.
func waitEqual(t *testing.T, ctx context.Context, conn *pgx.Conn, dataset, table string) {
	t.Helper()
	want := tableRows(t, table)
	deadline := time.Now().Add(time.Minute)
	for {
		got, err := copyRows(t, ctx, conn, dataset)
		if err == nil && strings.Join(got, "\n") == strings.Join(want, "\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the copy never equalled the table (%d rows vs %d; err %v)\nfirst differences: %s", len(got), len(want), err, firstDiff(got, want))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func firstDiff(got, want []string) string {
	g, w := map[string]bool{}, map[string]bool{}
	for _, x := range got {
		g[x] = true
	}
	for _, x := range want {
		w[x] = true
	}
	var out []string
	for _, x := range got {
		if !w[x] && len(out) < 5 {
			out = append(out, "extra "+x)
		}
	}
	for _, x := range want {
		if !g[x] && len(out) < 10 {
			out = append(out, "missing "+x)
		}
	}
	return strings.Join(out, ", ")
}

func streamsDataset(name, table, mode, extra string) accelDataset {
	return accelDataset{name: name, table: table, acceleration: "mode: " + mode + "\nrefresh_mode: changes\non_conflict:\n  id: upsert\n" + extra}
}

// TestStreamsKeepTheCopyExact: writers change the table during the
// bootstrap and after; once they stop and the stream is drained, the copy
// equals a fresh Scan row for row, and it is answered while DynamoDB is
// unreachable.
func TestStreamsKeepTheCopyExact(t *testing.T) {
	table := streamTable(t, 500)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	w := startWriter(t, table, 700)
	path := accelConfig(t, t.TempDir(), proxy.Endpoint(), streamsDataset("acc", table, "memory", "params:\n  snapshots_trigger_threshold: 0"))
	path = strings.TrimSpace(path)
	gw := startAccelGateway(t, path)
	waitReady(t, gw.MetricsAddr().String())
	time.Sleep(500 * time.Millisecond) // writes after the bootstrap too
	writes := w.halt()
	conn := connect(t, gw)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	waitEqual(t, ctx, conn, "acc", table)
	t.Logf("%d writes during and after the bootstrap", writes)

	// A value that does not fit its column (v is a number column) becomes
	// NULL, as in a query (SPEC §3); the row is kept.
	if _, err := dynamotest.SharedClient(t).PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"id": &types.AttributeValueMemberS{Value: "conflict"}, "v": &types.AttributeValueMemberS{Value: "not a number"}}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var isNull bool
		err := conn.QueryRow(ctx, "SELECT v IS NULL FROM acc WHERE id = 'conflict'").Scan(&isNull)
		if err == nil && isNull {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the conflicting value: %v %v", isNull, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	proxy.SetDown(true)
	got, err := copyRows(t, ctx, conn, "acc")
	if err != nil || len(got) == 0 {
		t.Fatalf("the copy while DynamoDB is unreachable: %d rows, %v", len(got), err)
	}
	var state string
	if err := conn.QueryRow(ctx, "SELECT refresh_mode || ' ' || state FROM pgdynamo.datasets WHERE name = 'public.acc'").Scan(&state); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(state, "changes ") {
		t.Errorf("pgdynamo.datasets: %s", state)
	}
}

// TestStreamsResumeAfterKill: kill -9 of a file-mode server mid-stream,
// writes go on, and the restart resumes from the stored positions — no
// Scan at all — and ends equal to the table.
func TestStreamsResumeAfterKill(t *testing.T) {
	table := streamTable(t, 300)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	dir := t.TempDir()
	path := accelConfig(t, dir, proxy.Endpoint(), streamsDataset("acc", table, "file",
		"params:\n  duckdb_file: "+dir+"/acc.duckdb\n  snapshots_trigger_threshold: 3"))
	w := startWriter(t, table, 400)
	first := startServe(t, path)
	waitReady(t, first.metrics)
	time.Sleep(300 * time.Millisecond) // mid-stream
	first.kill(t)
	time.Sleep(300 * time.Millisecond) // writes while it is down
	proxy.ResetCounts()
	second := startServe(t, path)
	waitReady(t, second.metrics)
	w.halt()
	conn, err := pgx.Connect(context.Background(), "postgres://tester@"+second.pg+"/accel?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	waitEqual(t, ctx, conn, "acc", table)
	if n := proxy.Items("Scan"); n != 0 {
		t.Fatalf("the restart read %d items with Scan; it should resume from its stored positions\n%s", n, second.log.String())
	}
	if !strings.Contains(second.log.String(), "resuming the table's stream from stored positions") {
		t.Errorf("the restart did not say it resumed:\n%s", second.log.String())
	}
}

// TestStreamsSurviveAnOutage: DynamoDB unreachable for 10 s mid-stream:
// errors_transient_total rises and nothing is lost.
func TestStreamsSurviveAnOutage(t *testing.T) {
	table := streamTable(t, 200)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	path := accelConfig(t, t.TempDir(), proxy.Endpoint(), streamsDataset("acc", table, "memory", ""))
	// The stream metrics, enabled for the dataset.
	appendYAML(t, path, "    metrics:\n      - name: errors_transient_total\n      - name: records_consumed_total\n      - name: lag_ms\n      - name: shards_active\n")
	gw := startAccelGateway(t, path)
	waitReady(t, gw.MetricsAddr().String())
	w := startWriter(t, table, 300)
	time.Sleep(300 * time.Millisecond)
	proxy.SetDown(true)
	time.Sleep(10 * time.Second)
	proxy.SetDown(false)
	time.Sleep(300 * time.Millisecond)
	w.halt()
	conn := connect(t, gw)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	waitEqual(t, ctx, conn, "acc", table)
	families := scrape(t, "http://"+gw.MetricsAddr().String()+"/metrics")
	dataset := map[string]string{"dataset": "public.acc"}
	if n, ok := sum(families, "pgdynamo_errors_transient_total", dataset); !ok || n == 0 {
		t.Errorf("pgdynamo_errors_transient_total = %v (%v) after a 10 s outage", n, ok)
	}
	if n, _ := sum(families, "pgdynamo_records_consumed_total", dataset); n < 200 {
		t.Errorf("pgdynamo_records_consumed_total = %v, want every record since the table was written", n)
	}
	for _, name := range []string{"pgdynamo_lag_ms", "pgdynamo_shards_active"} {
		if _, ok := sum(families, name, dataset); !ok {
			t.Errorf("%s is not exported", name)
		}
	}
	waitReady(t, gw.MetricsAddr().String())
}

// TestStreamsBootstrapResumesAfterKill: kill -9 during the bootstrap of a
// 200k-item table; the restart continues from the stored segment progress
// (re-reading far fewer items than the table) and ends equal.
func TestStreamsBootstrapResumesAfterKill(t *testing.T) {
	n := 200_000
	if v := os.Getenv("PGDYNAMO_BOOTSTRAP_ITEMS"); v != "" {
		n, _ = strconv.Atoi(v) // a smaller table while working on the bootstrap
	}
	table := bigStreamTable(t, n)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	dir := t.TempDir()
	path := accelConfig(t, dir, proxy.Endpoint(), streamsDataset("acc", table, "file", "params:\n  duckdb_file: "+dir+"/acc.duckdb"))
	setSegments(t, path, 4)
	first := startServe(t, path)
	deadline := time.Now().Add(3 * time.Minute)
	// Killed once a third of the table is applied (not only read).
	applied := 0
	for applied < n/3 {
		if time.Now().After(deadline) {
			t.Fatalf("the bootstrap did not get a third through:\n%s", first.log.String())
		}
		time.Sleep(20 * time.Millisecond)
		_, body := readyz(t, first.metrics)
		if i := strings.Index(body, " items read"); i >= 0 {
			fields := strings.Fields(body[:i])
			applied, _ = strconv.Atoi(fields[len(fields)-1])
		}
	}
	first.kill(t)
	before := applied
	proxy.ResetCounts()
	second := startServe(t, path)
	waitReadyWithin(t, second.metrics, 5*time.Minute)
	reread := proxy.Items("Scan")
	t.Logf("the first run applied %d items before the kill; the restart read %d (table: %d)", before, reread, n)
	if reread > n-before/2 {
		t.Errorf("the restart read %d items: it did not continue where the first run stopped (%d applied before the kill)\nfirst run:\n%s\nrestart:\n%s",
			reread, before, first.log.String(), second.log.String())
	}
	conn, err := pgx.Connect(context.Background(), "postgres://tester@"+second.pg+"/accel?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var count, sum int64
	if err := conn.QueryRow(ctx, "SELECT count(*), sum(v) FROM acc").Scan(&count, &sum); err != nil {
		t.Fatal(err)
	}
	if count != int64(n) || sum != int64(n)*int64(n-1)/2 {
		t.Fatalf("after the resumed bootstrap: count %d sum %d, want %d %d", count, sum, n, int64(n)*int64(n-1)/2)
	}
}

// bigStreamTable writes n items {id, v} with 16 writers.
func bigStreamTable(t *testing.T, n int) string {
	t.Helper()
	const writers = 16
	table := streamTable(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	client := dynamotest.SharedClient(t)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var items []map[string]types.AttributeValue
			for i := g; i < n; i += writers {
				items = append(items, map[string]types.AttributeValue{
					"id": &types.AttributeValueMemberS{Value: "k" + strconv.Itoa(i)},
					"v":  &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
				})
			}
			if err := dynamotest.PutItems(ctx, client, table, items); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return table
}

func appendYAML(t *testing.T, path, yaml string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, yaml...), 0o600); err != nil {
		t.Fatal(err)
	}
}

func setSegments(t *testing.T, path string, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "scan_segments: 1", "scan_segments: "+strconv.Itoa(n))
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func waitReadyWithin(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		code, body := readyz(t, addr)
		if code == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after %s: %d %s", d, code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

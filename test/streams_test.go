package test

import (
	"context"
	"fmt"
	"math/rand/v2"
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
	rows, err := conn.Query(ctx, "SELECT id || '|' || v::text || '|' || coalesce(note, 'NULL') FROM "+dataset)
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
	_ = fmt.Sprint
}

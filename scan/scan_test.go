package scan_test

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
	"github.com/pgdynamo/pgdynamo/scan"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.Run(m)) }

const tableItems = 2500

// seedTable writes tableItems items with id 0..n-1 and returns the name.
func seedTable(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	client := dynamotest.SharedClient(t)
	name := dynamotest.UniqueTableName("scan")
	if err := dynamotest.CreateTable(ctx, client, name, dynamotest.NumberKey("id"), nil); err != nil {
		t.Fatal(err)
	}
	items := make([]map[string]types.AttributeValue, tableItems)
	for i := range items {
		items[i] = map[string]types.AttributeValue{
			"id":      &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
			"payload": &types.AttributeValueMemberS{Value: "item " + strconv.Itoa(i)},
			"even":    &types.AttributeValueMemberBOOL{Value: i%2 == 0},
		}
	}
	if err := dynamotest.PutItems(ctx, client, name, items); err != nil {
		t.Fatal(err)
	}
	return name
}

func schemaFor(t *testing.T) *attrarrow.Schema {
	t.Helper()
	s, err := attrarrow.Infer([]map[string]types.AttributeValue{{
		"id":      &types.AttributeValueMemberN{Value: "1"},
		"payload": &types.AttributeValueMemberS{Value: "x"},
		"even":    &types.AttributeValueMemberBOOL{Value: true},
	}}, []attrarrow.KeyAttribute{{Name: "id", Type: types.ScalarAttributeTypeN, Role: attrarrow.PartitionKey}},
		attrarrow.Options{UnnestDepth: -1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// readIDs drains r and returns how often each id was seen.
func readIDs(t *testing.T, r *scan.Reader) map[int64]int {
	t.Helper()
	seen := map[int64]int{}
	ctx := context.Background()
	for {
		rec, err := r.ReadBatch(ctx)
		if errors.Is(err, io.EOF) {
			return seen
		}
		if err != nil {
			t.Fatal(err)
		}
		ids := rec.Column(0).(*array.Int64)
		for i := 0; i < ids.Len(); i++ {
			seen[ids.Value(i)]++
		}
		rec.Release()
	}
}

func TestSegmentsCoverTableExactlyOnce(t *testing.T) {
	table := seedTable(t)
	client := dynamotest.SharedClient(t)
	for _, segments := range []int{1, 2, 3, 7, 16} {
		t.Run(strconv.Itoa(segments), func(t *testing.T) {
			r, err := scan.Open(context.Background(), client, scan.Request{Table: table, Segments: segments}, schemaFor(t), scan.Options{Concurrency: 4, BatchRows: 300})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			seen := readIDs(t, r)
			if len(seen) != tableItems {
				t.Fatalf("read %d distinct ids, want %d", len(seen), tableItems)
			}
			for id, n := range seen {
				if n != 1 || id < 0 || id >= tableItems {
					t.Fatalf("id %d read %d times", id, n)
				}
			}
			if got := r.Stats.ItemsReturned.Load(); got != tableItems {
				t.Errorf("ItemsReturned = %d", got)
			}
			if r.Stats.Pages.Load() < int64(segments) {
				t.Errorf("Pages = %d with %d segments", r.Stats.Pages.Load(), segments)
			}
		})
	}
}

func TestLimitStopsReadingEarly(t *testing.T) {
	table := seedTable(t)
	client := dynamotest.SharedClient(t)
	r, err := scan.Open(context.Background(), client, scan.Request{Table: table, Segments: 4, Limit: 10}, schemaFor(t), scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	seen := readIDs(t, r)
	if len(seen) != 10 {
		t.Fatalf("read %d items with LIMIT 10", len(seen))
	}
	if scanned := r.Stats.ItemsScanned.Load(); scanned > 4*10 {
		t.Errorf("scanned %d items for LIMIT 10 over 4 segments: the limit was not pushed into the pages", scanned)
	}
}

func TestProjectionFetchesOnlyNamedAttributes(t *testing.T) {
	table := seedTable(t)
	client := dynamotest.SharedClient(t)
	full := schemaFor(t)
	sel, err := full.Select([]string{"id"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := scan.Open(context.Background(), client, scan.Request{Table: table, Segments: 1, Projection: sel.TopLevelAttributes()}, sel, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec, err := r.ReadBatch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if rec.NumCols() != 1 || rec.Schema().Field(0).Name != "id" {
		t.Fatalf("schema %v", rec.Schema())
	}
}

func TestCancelStopsReads(t *testing.T) {
	table := seedTable(t)
	client := dynamotest.SharedClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := scan.Open(ctx, client, scan.Request{Table: table, Segments: 2}, schemaFor(t), scan.Options{BatchRows: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadBatch(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	done := make(chan struct{})
	go func() { r.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after cancel")
	}
	if _, err := r.ReadBatch(context.Background()); err == nil {
		t.Error("ReadBatch after cancel returned a batch")
	}
}

func TestMissingTableNamesRegion(t *testing.T) {
	client := dynamotest.SharedClient(t)
	r, err := scan.Open(context.Background(), client, scan.Request{Table: "no_such_table", Segments: 1}, schemaFor(t), scan.Options{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = r.ReadBatch(context.Background())
	if err == nil {
		t.Fatal("no error for a missing table")
	}
	for _, want := range []string{"no_such_table", "us-east-1"} {
		if !contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestAutoSegments(t *testing.T) {
	tests := []struct {
		items, bytes int64
		max, want    int
	}{
		{0, 0, 0, 1}, {999, 0, 0, 1}, {1000, 0, 0, 2}, {9999, 0, 0, 2}, {10_000, 0, 0, 4},
		{100_000, 0, 0, 8}, {1_000_000, 0, 0, 16}, {10_000_000, 0, 0, 32},
		{500, 9 << 30, 0, 5},          // one segment per 2 GB wins
		{50_000_000, 0, 16, 16},       // capped
		{2_000_000, 100 << 30, 0, 50}, // size beyond the item baseline
	}
	for _, tc := range tests {
		if got := scan.AutoSegments(tc.items, tc.bytes, tc.max); got != tc.want {
			t.Errorf("AutoSegments(%d, %d, %d) = %d, want %d", tc.items, tc.bytes, tc.max, got, tc.want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestPartitionsQueryEachValueOnce(t *testing.T) {
	table := seedTable(t)
	client := dynamotest.SharedClient(t)
	req := scan.Request{
		Table: table,
		Key: &scan.KeyCondition{Partition: "id", Values: []types.AttributeValue{
			&types.AttributeValueMemberN{Value: "7"},
			&types.AttributeValueMemberN{Value: "2400"},
			&types.AttributeValueMemberN{Value: "99999"}, // no such item
		}},
	}
	r, err := scan.Open(context.Background(), client, req, schemaFor(t), scan.Options{Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	seen := readIDs(t, r)
	if len(seen) != 2 || seen[7] != 1 || seen[2400] != 1 {
		t.Fatalf("read %v, want ids 7 and 2400 once each", seen)
	}
	if got := r.Stats.ItemsScanned.Load(); got != 2 {
		t.Errorf("ItemsScanned = %d: a Query per value reads only its partition", got)
	}
	bad := req
	bad.Key = &scan.KeyCondition{Values: req.Key.Values}
	if _, err := scan.Open(context.Background(), client, bad, schemaFor(t), scan.Options{}); err == nil {
		t.Error("a key condition without its partition key attribute accepted")
	}
}

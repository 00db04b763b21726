package test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jackc/pgx/v5"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// TestKeyLookupsMatchTheEngine: lookups of whole primary keys (answered by
// their DynamoDB Query alone, engine/lookup.go) return what the engine
// returns for the same queries with pushdown off, in text and binary, for a
// table with a sort key and values of every kind.
func TestKeyLookupsMatchTheEngine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := dynamotest.SharedClient(t)
	table := dynamotest.UniqueTableName("lookup")
	sk := dynamotest.NumberKey("seq")
	if err := dynamotest.CreateTable(ctx, client, table, dynamotest.StringKey("pk"), &sk); err != nil {
		t.Fatal(err)
	}
	var items []map[string]types.AttributeValue
	for i := range 12 {
		it := map[string]types.AttributeValue{
			"pk":    &types.AttributeValueMemberS{Value: "user#" + strconv.Itoa(i%4)},
			"seq":   &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
			"name":  &types.AttributeValueMemberS{Value: fmt.Sprintf("nämé %d with a longer tail", i)},
			"score": &types.AttributeValueMemberN{Value: strconv.Itoa(i) + ".25"},
			"stamp": &types.AttributeValueMemberS{Value: time.Date(2024, 3, 15, i, 30, 0, 123e6, time.UTC).Format(time.RFC3339Nano)},
			"tags":  &types.AttributeValueMemberSS{Value: []string{"a", "t" + strconv.Itoa(i)}},
			"blob":  &types.AttributeValueMemberB{Value: []byte{byte(i), 0}},
			"meta": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"ok": &types.AttributeValueMemberBOOL{Value: i%2 == 0}, "n": &types.AttributeValueMemberN{Value: strconv.Itoa(i)}}},
		}
		if i%5 == 0 {
			delete(it, "score")
			it["name"] = &types.AttributeValueMemberNULL{Value: true}
		}
		items = append(items, it)
	}
	if err := dynamotest.PutItems(ctx, client, table, items); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, datasetYAML{name: "events", table: table, params: map[string]string{"schema_infer_max_records": "100"}})
	rows := func(pushdown string, mode pgx.QueryExecMode, sql string, args ...any) []string {
		t.Helper()
		conn := connectExtended(t, gw)
		if _, err := conn.Exec(ctx, "SET pgdynamo.pushdown = "+pushdown); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, format := range []pgx.QueryResultFormats{{pgx.TextFormatCode}, {pgx.BinaryFormatCode}} {
			for range 2 { // the kept plan runs again
				res, err := conn.Query(ctx, sql, append([]any{mode, format}, args...)...)
				if err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
				for res.Next() {
					out = append(out, fmt.Sprintf("%v %q", res.FieldDescriptions(), res.RawValues()))
				}
				if err := res.Err(); err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		sql  string
		args []any
	}{
		{"SELECT * FROM events WHERE pk = $1 AND seq = $2", []any{"user#1", 5}},
		{"SELECT * FROM events WHERE pk = $1 AND seq = $2", []any{"user#0", 0}},
		{"SELECT * FROM events WHERE pk = $1 AND seq = $2", []any{"user#1", 6}}, // no such item
		{"SELECT stamp, name, meta, seq AS n FROM events e WHERE e.seq = $2 AND e.pk = $1", []any{"user#2", 10}},
		{"SELECT tags, blob FROM events WHERE pk = 'user#3' AND seq = 7", nil},
	} {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
			short, engine := rows("on", mode, tc.sql, tc.args...), rows("off", mode, tc.sql, tc.args...)
			if fmt.Sprint(short) != fmt.Sprint(engine) {
				t.Errorf("%s %v (%v):\n lookup %q\n engine %q", tc.sql, tc.args, mode, short, engine)
			}
		}
	}
}

package test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// keptPlanTable creates a table of items {id: 1..n, v: "v<id>"} served as
// dataset kept.
func keptPlanTable(t *testing.T, n int) (dynamoClient, string) {
	t.Helper()
	ctx := context.Background()
	client := dynamotest.SharedClient(t)
	table := dynamotest.UniqueTableName("kept_plan")
	if err := dynamotest.CreateTable(ctx, client, table, dynamotest.NumberKey("id"), nil); err != nil {
		t.Fatal(err)
	}
	items := make([]map[string]types.AttributeValue, n)
	for i := range items {
		items[i] = map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberN{Value: strconv.Itoa(i + 1)},
			"v":  &types.AttributeValueMemberS{Value: "v" + strconv.Itoa(i+1)},
		}
	}
	if err := dynamotest.PutItems(ctx, client, table, items); err != nil {
		t.Fatal(err)
	}
	return client, table
}

// TestKeptPlanReadsDynamoDBEveryRun: a prepared lookup, planned and
// prepared in the engine once, reads DynamoDB with each run's own key, and
// sees a write made between two runs.
func TestKeptPlanReadsDynamoDBEveryRun(t *testing.T) {
	client, table := keptPlanTable(t, 20)
	gw := startGateway(t, datasetYAML{name: "kept", table: table})
	conn := connectExtended(t, gw) // pgx prepares once per connection
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for round := range 2 {
		for id := 1; id <= 20; id++ {
			var v string
			if err := conn.QueryRow(ctx, "SELECT v FROM kept WHERE id = $1", id).Scan(&v); err != nil {
				t.Fatalf("id %d: %v", id, err)
			}
			want := "v" + strconv.Itoa(id)
			if round == 1 && id == 7 {
				want = "changed"
			}
			if v != want {
				t.Fatalf("round %d: id %d has v %q, want %q", round, id, v, want)
			}
		}
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberN{Value: "7"}, "v": &types.AttributeValueMemberS{Value: "changed"},
		}}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPortalsOfOneKeptStatement: two portals bound from one prepared
// statement with different parameters, the first suspended while the
// second runs, each return their own rows.
func TestPortalsOfOneKeptStatement(t *testing.T) {
	_, table := keptPlanTable(t, 20)
	gw := startGateway(t, datasetYAML{name: "kept", table: table})
	conn := connectExtended(t, gw)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pc := conn.PgConn()
	if _, err := pc.Exec(ctx, "BEGIN").ReadAll(); err != nil {
		t.Fatal(err)
	}
	fe := pc.Frontend()
	rows := map[string][]string{}
	exchange := func(portal string, msgs ...pgproto3.FrontendMessage) {
		t.Helper()
		for _, m := range msgs {
			fe.Send(m)
		}
		fe.Send(&pgproto3.Sync{})
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		for {
			msg, err := pc.ReceiveMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			switch m := msg.(type) {
			case *pgproto3.DataRow:
				rows[portal] = append(rows[portal], string(m.Values[0]))
			case *pgproto3.ErrorResponse:
				t.Fatalf("%s: %s %s", portal, m.Code, m.Message)
			case *pgproto3.ReadyForQuery:
				return
			}
		}
	}
	exchange("P1",
		&pgproto3.Parse{Name: "S", Query: "SELECT id FROM kept WHERE id >= $1 ORDER BY id"},
		&pgproto3.Bind{PreparedStatement: "S", DestinationPortal: "P1", Parameters: [][]byte{[]byte("1")}},
		&pgproto3.Execute{Portal: "P1", MaxRows: 2})
	exchange("P2",
		&pgproto3.Bind{PreparedStatement: "S", DestinationPortal: "P2", Parameters: [][]byte{[]byte("15")}},
		&pgproto3.Execute{Portal: "P2"})
	exchange("P1", &pgproto3.Execute{Portal: "P1"})
	want := func(from int) []string {
		var out []string
		for id := from; id <= 20; id++ {
			out = append(out, strconv.Itoa(id))
		}
		return out
	}
	for portal, from := range map[string]int{"P1": 1, "P2": 15} {
		if got, w := rows[portal], want(from); !slices.Equal(got, w) {
			t.Errorf("%s read %v, want %v", portal, got, w)
		}
	}
}

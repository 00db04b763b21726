package demo_test

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/internal/demo"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

func TestMain(m *testing.M) { os.Exit(dynamotest.Run(m)) }

func TestDataIsDeterministic(t *testing.T) {
	if !reflect.DeepEqual(demo.Users(), demo.Users()) {
		t.Error("Users differs between calls")
	}
	if !reflect.DeepEqual(demo.Orders(), demo.Orders()) {
		t.Error("Orders differs between calls")
	}
}

func num(t *testing.T, av types.AttributeValue) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(av.(*types.AttributeValueMemberN).Value, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func str(av types.AttributeValue) string { return av.(*types.AttributeValueMemberS).Value }

func TestUsersShape(t *testing.T) {
	users := demo.Users()
	if len(users) != demo.UserCount {
		t.Fatalf("%d users, want %d", len(users), demo.UserCount)
	}
	sf := 0
	for i, u := range users {
		if got := num(t, u["id"]); got != float64(i+1) {
			t.Fatalf("users[%d].id = %v", i, got)
		}
		if score := num(t, u["score"]); score == float64(int64(score)) {
			t.Errorf("user %d: score %v is whole; it must infer as float8", i+1, score)
		}
		if _, err := time.Parse(time.RFC3339, str(u["created_at"])); err != nil {
			t.Errorf("user %d: created_at: %v", i+1, err)
		}
		if !strings.Contains(str(u["email"]), "@example.com") {
			t.Errorf("user %d: email %q", i+1, str(u["email"]))
		}
		_ = u["active"].(*types.AttributeValueMemberBOOL)
		if len(u["tags"].(*types.AttributeValueMemberSS).Value) == 0 {
			t.Errorf("user %d: empty tags", i+1)
		}
		md := u["metadata"].(*types.AttributeValueMemberM).Value
		_ = str(md["registration_ip"])
		_ = str(md["user_agent"])
		signup := md["signup"].(*types.AttributeValueMemberM).Value
		_, _ = str(signup["source"]), str(signup["campaign"])
		prefs := u["preferences"].(*types.AttributeValueMemberM).Value
		_, _ = str(prefs["theme"]), prefs["newsletter"].(*types.AttributeValueMemberBOOL)
		for _, a := range u["addresses"].(*types.AttributeValueMemberL).Value {
			addr := a.(*types.AttributeValueMemberM).Value
			_, _ = str(addr["street"]), str(addr["zip"])
			if str(addr["city"]) == "San Francisco" {
				sf++
			}
		}
	}
	if sf < demo.UserCount/5 {
		t.Errorf("%d San Francisco addresses, want at least %d", sf, demo.UserCount/5)
	}
}

func TestOrdersShape(t *testing.T) {
	created := map[float64]time.Time{}
	for _, u := range demo.Users() {
		created[num(t, u["id"])], _ = time.Parse(time.RFC3339, str(u["created_at"]))
	}
	orders := demo.Orders()
	if len(orders) != demo.OrderCount {
		t.Fatalf("%d orders, want %d", len(orders), demo.OrderCount)
	}
	keys := map[string]bool{}
	statuses := map[string]int{}
	for _, o := range orders {
		uid := num(t, o["user_id"])
		signup, ok := created[uid]
		if !ok {
			t.Fatalf("order %s: user_id %v is not a user", str(o["order_id"]), uid)
		}
		key := o["user_id"].(*types.AttributeValueMemberN).Value + "/" + str(o["order_id"])
		if keys[key] {
			t.Fatalf("duplicate key %s", key)
		}
		keys[key] = true
		at, err := time.Parse(time.RFC3339, str(o["ordered_at"]))
		if err != nil || !at.After(signup) {
			t.Errorf("order %s: ordered_at %s, user created %s (%v)", key, str(o["ordered_at"]), signup, err)
		}
		if amount := num(t, o["amount"]); amount == float64(int64(amount)) || amount <= 0 {
			t.Errorf("order %s: amount %v must be positive and not whole", key, amount)
		}
		status := str(o["status"])
		statuses[status]++
		if _, shipped := o["shipped_at"]; shipped != (status != "pending") {
			t.Errorf("order %s: status %s, shipped_at present %v", key, status, shipped)
		}
		if len(o["items"].(*types.AttributeValueMemberL).Value) == 0 {
			t.Errorf("order %s: no items", key)
		}
	}
	for _, s := range []string{"pending", "shipped", "delivered"} {
		if statuses[s] == 0 {
			t.Errorf("no %s orders", s)
		}
	}
}

func TestSeedIsIdempotent(t *testing.T) {
	ctx := context.Background()
	client := dynamotest.SharedClient(t)
	for run := range 2 {
		var out bytes.Buffer
		if err := demo.Seed(ctx, client, &out); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		t.Logf("run %d:\n%s", run, out.String())
		for table, want := range map[string]int{demo.UsersTable: demo.UserCount, demo.OrdersTable: demo.OrderCount} {
			items, err := dynamotest.ScanAll(ctx, client, table)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != want {
				t.Errorf("run %d: %s has %d items, want %d", run, table, len(items), want)
			}
		}
	}
	// The first user round-trips exactly (DynamoDB Local keeps our number spelling).
	got, err := client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(demo.UsersTable), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberN{Value: "1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := demo.Users()[0]; !reflect.DeepEqual(got.Item, want) {
		t.Errorf("users id=1 read back as\n%#v\nwant\n%#v", got.Item, want)
	}
	q, err := client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(demo.OrdersTable), IndexName: aws.String(demo.OrderStatusIndex),
		KeyConditionExpression:    aws.String("#s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "pending"}},
		Select:                    types.SelectCount,
	})
	if err != nil {
		t.Fatal(err)
	}
	if q.Count == 0 {
		t.Error("status-index finds no pending orders")
	}
}

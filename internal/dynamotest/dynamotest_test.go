package dynamotest_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

func TestMain(m *testing.M) {
	if os.Getenv("DYNAMOTEST_ORPHAN_HELPER") == "1" {
		orphanHelper()
		return
	}
	os.Exit(dynamotest.Run(m))
}

func TestSharedCreatePutScan(t *testing.T) {
	ctx := context.Background()
	client := dynamotest.SharedClient(t)
	table := dynamotest.UniqueTableName(t.Name())

	sk := dynamotest.StringKey("order_id")
	statusKey := dynamotest.StringKey("ordered_at")
	err := dynamotest.CreateTable(ctx, client, table, dynamotest.NumberKey("user_id"), &sk,
		dynamotest.WithGSI(dynamotest.Index{Name: "status-index", PartitionKey: dynamotest.StringKey("status"), SortKey: &statusKey}),
		dynamotest.WithLSI(dynamotest.Index{Name: "by-amount", SortKey: &dynamotest.KeySpec{Name: "amount", Type: types.ScalarAttributeTypeN},
			Projection: types.ProjectionTypeInclude, NonKeyAttributes: []string{"status"}}),
	)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.Table.TableStatus; got != types.TableStatusActive {
		t.Fatalf("status %s, want ACTIVE", got)
	}
	if len(desc.Table.GlobalSecondaryIndexes) != 1 || len(desc.Table.LocalSecondaryIndexes) != 1 {
		t.Fatalf("indexes: %d GSI, %d LSI; want 1 and 1", len(desc.Table.GlobalSecondaryIndexes), len(desc.Table.LocalSecondaryIndexes))
	}

	const n = 137 // six BatchWriteItem calls, the last one partial
	items := make([]map[string]types.AttributeValue, n)
	for i := range items {
		items[i] = map[string]types.AttributeValue{
			"user_id":    &types.AttributeValueMemberN{Value: strconv.Itoa(i % 10)},
			"order_id":   &types.AttributeValueMemberS{Value: fmt.Sprintf("o-%04d", i)},
			"status":     &types.AttributeValueMemberS{Value: []string{"pending", "shipped"}[i%2]},
			"ordered_at": &types.AttributeValueMemberS{Value: time.Date(2025, 1, 1, 0, i, 0, 0, time.UTC).Format(time.RFC3339)},
			"amount":     &types.AttributeValueMemberN{Value: fmt.Sprintf("%d.5", i)},
		}
	}
	if err := dynamotest.PutItems(ctx, client, table, items); err != nil {
		t.Fatal(err)
	}

	got, err := dynamotest.ScanAll(ctx, client, table)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("scanned %d items, want %d", len(got), n)
	}
	ids := make([]string, 0, n)
	for _, it := range got {
		ids = append(ids, it["order_id"].(*types.AttributeValueMemberS).Value)
	}
	sort.Strings(ids)
	for i, id := range ids {
		if want := fmt.Sprintf("o-%04d", i); id != want {
			t.Fatalf("sorted ids[%d] = %s, want %s", i, id, want)
		}
	}

	q, err := client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		IndexName:                 aws.String("status-index"),
		KeyConditionExpression:    aws.String("#s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "shipped"}},
		Select:                    types.SelectCount,
	})
	if err != nil {
		t.Fatal(err)
	}
	if q.Count != n/2 {
		t.Fatalf("GSI query counted %d shipped, want %d", q.Count, n/2)
	}

	if err := dynamotest.DeleteTable(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	if err := dynamotest.DeleteTable(ctx, client, table); err != nil {
		t.Fatalf("deleting a missing table: %v", err)
	}
}

func TestSharedDbIgnoresRegionAndCredentials(t *testing.T) {
	ctx := context.Background()
	srv := dynamotest.Shared(t)
	table := dynamotest.UniqueTableName("shared")
	if err := dynamotest.CreateTable(ctx, srv.Client(ctx), table, dynamotest.StringKey("id"), nil); err != nil {
		t.Fatal(err)
	}
	cfg := srv.Config()
	cfg.Region = "eu-west-3"
	other := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	if _, err := other.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}); err != nil {
		t.Fatalf("a client of another region does not see the table: %v", err)
	}
}

func TestCreateTableWithStream(t *testing.T) {
	ctx := context.Background()
	client := dynamotest.SharedClient(t)
	table := dynamotest.UniqueTableName(t.Name())
	if err := dynamotest.CreateTable(ctx, client, table, dynamotest.StringKey("pk"), nil,
		dynamotest.WithStream(types.StreamViewTypeNewAndOldImages)); err != nil {
		t.Fatal(err)
	}
	desc, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(desc.Table.LatestStreamArn) == "" || desc.Table.StreamSpecification == nil ||
		desc.Table.StreamSpecification.StreamViewType != types.StreamViewTypeNewAndOldImages {
		t.Fatalf("stream not enabled: arn %q, spec %+v", aws.ToString(desc.Table.LatestStreamArn), desc.Table.StreamSpecification)
	}
}

func TestCreateTableRejectsConflictingKeyTypes(t *testing.T) {
	client := dynamotest.SharedClient(t)
	err := dynamotest.CreateTable(context.Background(), client, dynamotest.UniqueTableName("bad"),
		dynamotest.StringKey("id"), nil,
		dynamotest.WithGSI(dynamotest.Index{Name: "g", PartitionKey: dynamotest.NumberKey("id")}))
	if err == nil || !strings.Contains(err.Error(), "declared as both") {
		t.Fatalf("err = %v, want a conflicting-type error", err)
	}
}

func TestUniqueTableName(t *testing.T) {
	seen := map[string]bool{}
	for _, prefix := range []string{"TestX/sub case", "", strings.Repeat("a", 300), "ok-name.v1"} {
		name := dynamotest.UniqueTableName(prefix)
		if len(name) < 3 || len(name) > 255 {
			t.Errorf("%q: length %d", name, len(name))
		}
		for _, r := range name {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.", r)) {
				t.Errorf("%q: invalid character %q", name, r)
			}
		}
		if seen[name] {
			t.Errorf("%q returned twice", name)
		}
		seen[name] = true
	}
}

func TestStartClose(t *testing.T) {
	ctx := context.Background()
	srv, err := dynamotest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client(ctx).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(srv.Endpoint(), "http://")
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after Close", addr)
	}
}

// TestKilledParentLeaksNoJava starts a server in a child test binary, SIGKILLs the child
// and checks that DynamoDB Local goes away with it.
func TestKilledParentLeaksNoJava(t *testing.T) {
	if runtime.GOOS != "linux" {
		// The parent-death signal is Linux's; elsewhere the property
		// does not exist, so there is nothing to check.
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// A killed helper cannot remove the JVM's temporary directory: make it
	// under one this test removes.
	cmd.Env = append(os.Environ(), "DYNAMOTEST_ORPHAN_HELPER=1", "TMPDIR="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("helper printed no endpoint: %v", err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ENDPOINT http://")
	if !ok {
		t.Fatalf("helper printed %q", line)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err != nil {
		t.Fatalf("helper's server at %s is not up: %v", addr, err)
	} else {
		c.Close()
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return // gone
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("DynamoDB Local at %s outlived its killed parent", addr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// orphanHelper runs in the child of TestKilledParentLeaksNoJava: it starts a server,
// prints its endpoint and waits to be killed.
func orphanHelper() {
	srv, err := dynamotest.Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ENDPOINT " + srv.Endpoint())
	time.Sleep(time.Minute)
	_ = srv.Close()
	os.Exit(1)
}

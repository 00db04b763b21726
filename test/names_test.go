package test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// TestAttributeNamesDifferingOnlyInCase: DynamoDB allows "name" and "Name"
// side by side; SQL folds case, so the table would not even open. The
// lower-case attribute keeps its name, the other is served as "Name_2",
// and both values come back.
func TestAttributeNamesDifferingOnlyInCase(t *testing.T) {
	table := typesTable(t, "casefold", []avMap{{"id": avN("1"), "name": avS("lower"), "Name": avS("upper")}})
	gw := startGateway(t, datasetYAML{name: "casefold", table: table, params: inferAll})
	conn := connect(t, gw)
	names, _, rows, err := queryText(context.Background(), conn, `SELECT * FROM casefold`)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 3 || names[1] != "Name_2" || names[2] != "name" {
		t.Fatalf("columns %v", names)
	}
	if len(rows) != 1 || rows[0][1] != "upper" || rows[0][2] != "lower" {
		t.Fatalf("rows %v", rows)
	}
}

// TestKeyAttributeDifferingOnlyInCase: a partition key "Id" beside an
// attribute "id". The key column is the one renamed ("Id_2"); it must still
// be known as the key — by its schema entry, not its name — so the gateway
// starts, pgdynamo check agrees, and the catalog reports the renamed column
// as the primary key.
func TestKeyAttributeDifferingOnlyInCase(t *testing.T) {
	table := typesTableWithKey(t, "keycase", "Id", []avMap{
		{"Id": avN("1"), "id": avS("one")},
		{"Id": avN("2"), "id": avS("two")},
	})
	gw := startGateway(t, datasetYAML{name: "keycase", table: table, params: inferAll})
	conn := connect(t, gw)
	ctx := context.Background()
	names, _, rows, err := queryText(ctx, conn, `SELECT * FROM keycase ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 || names[0] != "Id_2" || names[1] != "id" {
		t.Fatalf("columns %v", names)
	}
	if len(rows) != 2 || rows[0][0] != "1" || rows[0][1] != "one" || rows[1][1] != "two" {
		t.Fatalf("rows %v", rows)
	}
	_, _, rows, err = queryText(ctx, conn, `SELECT a.attname, a.attnotnull FROM pg_index i
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
		WHERE i.indrelid = 'keycase'::regclass AND i.indisprimary`)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0][0] != "Id_2" || rows[0][1] != "t" {
		t.Fatalf("primary key columns %v, want Id_2 (not null)", rows)
	}
	_, _, rows, err = queryText(ctx, conn, `SELECT "id" FROM keycase WHERE "Id_2" = 2`)
	if err != nil || len(rows) != 1 || rows[0][0] != "two" {
		t.Fatalf("key lookup: %v %v", rows, err)
	}
	// The renamed key column is still the partition key: a Query.
	if plan := explainText(t, ctx, conn, `SELECT "id" FROM keycase WHERE "Id_2" = 2`); !strings.Contains(plan, "Key condition: Id = 2") {
		t.Errorf("EXPLAIN of a lookup by the renamed key:\n%s", plan)
	}

	server := dynamotest.Shared(t)
	path := writeConfig(t, configHead+fmt.Sprintf(
		"  - from: dynamodb:%s\n    name: keycase\n    params:\n      dynamodb_aws_region: us-east-1\n", table))
	env := []string{"AWS_ENDPOINT_URL_DYNAMODB=" + server.Endpoint(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y"}
	stdout, stderr, code := runCLI(t, env, "check", "--config", path)
	if code != 0 {
		t.Fatalf("check failed (%d):\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "primary key (Id)") {
		t.Errorf("check output does not name the key attribute Id:\n%s", stdout)
	}
}

package test

import (
	"context"
	"testing"
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

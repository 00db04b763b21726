package readplan

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/catalog"
)

// TestKeyLookup: a whole primary key fixed to one value each, matched by
// the key columns' schema entries (the key "Id" beside an attribute "id"
// is column Id_2).
func TestKeyLookup(t *testing.T) {
	keys := []attrarrow.KeyAttribute{
		{Name: "Id", Type: types.ScalarAttributeTypeN, Role: attrarrow.PartitionKey},
		{Name: "sk", Type: types.ScalarAttributeTypeS, Role: attrarrow.SortKey},
	}
	sample := []map[string]types.AttributeValue{{
		"Id": &types.AttributeValueMemberN{Value: "1"}, "id": &types.AttributeValueMemberS{Value: "x"},
		"sk": &types.AttributeValueMemberS{Value: "a"},
	}}
	cols, err := attrarrow.Infer(sample, keys, attrarrow.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := cols.Column("Id_2"); !ok || c.Key == nil {
		t.Fatalf("the key column is not Id_2: %+v", cols.Columns)
	}
	ds := &catalog.Dataset{Spec: catalog.Spec{Name: "keycase", Table: "keycase"}, PartitionKey: keys[0], SortKey: &keys[1], Columns: cols}
	sk := atom("sk", Eq, "a")
	tests := []struct {
		name  string
		where []Clause
		want  bool
	}{
		{"both keys by their columns", where(atom("Id_2", Eq, int64(1)), sk), true},
		{"IN with one value", where(atom("Id_2", In, int64(1)), sk), true},
		{"the attribute id is not the key", where(atom("id", Eq, "x"), sk), false},
		{"no sort key", where(atom("Id_2", Eq, int64(1))), false},
		{"IN with two values", where(atom("Id_2", In, int64(1), int64(2)), sk), false},
		{"a list parameter", where(atom("Id_2", In, Arg{Param: 1, List: true}), sk), false},
		{"a range", where(atom("Id_2", Ge, int64(1)), sk), false},
		{"an OR", []Clause{{atom("Id_2", Eq, int64(1)), atom("Id_2", Eq, int64(2))}, {sk}}, false},
	}
	for _, tc := range tests {
		if got := (Spec{Where: tc.where}).KeyLookup(ds); got != tc.want {
			t.Errorf("%s: KeyLookup = %v, want %v", tc.name, got, tc.want)
		}
	}
}

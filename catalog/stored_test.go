package catalog

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

func storedTestDataset(t *testing.T, opts attrarrow.Options) *Dataset {
	t.Helper()
	pk := attrarrow.KeyAttribute{Name: "id", Type: types.ScalarAttributeTypeS, Role: attrarrow.PartitionKey}
	sk := attrarrow.KeyAttribute{Name: "at", Type: types.ScalarAttributeTypeN, Role: attrarrow.SortKey}
	items := []map[string]types.AttributeValue{{
		"id": &types.AttributeValueMemberS{Value: "a"},
		"at": &types.AttributeValueMemberN{Value: "1"},
		"meta": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"ip":   &types.AttributeValueMemberS{Value: "10.0.0.1"},
			"tags": &types.AttributeValueMemberSS{Value: []string{"x"}},
		}},
		"when":  &types.AttributeValueMemberS{Value: "2024-01-02"},
		"score": &types.AttributeValueMemberN{Value: "1.5"},
		"mixed": &types.AttributeValueMemberS{Value: "x"},
	}, {
		"id":    &types.AttributeValueMemberS{Value: "b"},
		"at":    &types.AttributeValueMemberN{Value: "2"},
		"mixed": &types.AttributeValueMemberN{Value: "3"},
	}}
	cols, err := attrarrow.Infer(items, []attrarrow.KeyAttribute{pk, sk}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &Dataset{
		Spec:         Spec{Name: "events", Schema: "public", Table: "Events", Region: "eu-west-1", SampleSize: 10, Types: opts},
		PartitionKey: pk, SortKey: &sk, ItemCount: 2, SizeBytes: 100, StreamARN: "arn:stream",
		Indexes: []Index{{Name: "by-when", Kind: GlobalIndex, PartitionKey: "when", ProjectionType: types.ProjectionTypeAll}},
		Columns: cols,
	}
}

func TestStoredDescriptionRoundTrip(t *testing.T) {
	for _, opts := range []attrarrow.Options{attrarrow.DefaultOptions(), {UnnestDepth: 1}, {UnnestDepth: 0, TimeFormat: "2006-01-02"}} {
		d := storedTestDataset(t, opts)
		b, err := d.MarshalDescription()
		if err != nil {
			t.Fatal(err)
		}
		got, err := RestoreDescription(d.Spec, b)
		if err != nil {
			t.Fatalf("%+v: %v", opts, err)
		}
		if !got.Columns.Arrow.Equal(d.Columns.Arrow) {
			t.Errorf("%+v: schema\n%v\nrestored as\n%v", opts, d.Columns.Arrow, got.Columns.Arrow)
		}
		if !reflect.DeepEqual(got.Columns.Columns, d.Columns.Columns) || !reflect.DeepEqual(got.Columns.Conflicts, d.Columns.Conflicts) {
			t.Errorf("%+v: columns\n%+v\nrestored as\n%+v", opts, d.Columns.Columns, got.Columns.Columns)
		}
		got.Columns, d.Columns = nil, nil
		if !reflect.DeepEqual(got, d) {
			t.Errorf("%+v: dataset\n%+v\nrestored as\n%+v", opts, d, got)
		}
	}
}

func TestStoredDescriptionRefusesOtherSettings(t *testing.T) {
	d := storedTestDataset(t, attrarrow.DefaultOptions())
	b, err := d.MarshalDescription()
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*Spec){
		"table":        func(s *Spec) { s.Table = "Other" },
		"region":       func(s *Spec) { s.Region = "us-east-1" },
		"unnest_depth": func(s *Spec) { s.Types.UnnestDepth = 2 },
		"time_format":  func(s *Spec) { s.Types.TimeFormat = "2006" },
		"sample":       func(s *Spec) { s.SampleSize = 50 },
	} {
		spec := d.Spec
		change(&spec)
		if _, err := RestoreDescription(spec, b); err == nil {
			t.Errorf("%s changed: restored anyway", name)
		}
	}
	if _, err := RestoreDescription(d.Spec, []byte(`{"Format":99}`)); err == nil || !strings.Contains(err.Error(), "format") {
		t.Errorf("another format: %v", err)
	}
}

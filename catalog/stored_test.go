package catalog

import (
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
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

func TestGrowsOnlyWhenColumnsAreAdded(t *testing.T) {
	base := storedTestDataset(t, attrarrow.DefaultOptions())
	withExtra := func(kind types.AttributeValue) *Dataset {
		d := storedTestDataset(t, attrarrow.DefaultOptions())
		items := []map[string]types.AttributeValue{{
			"id": &types.AttributeValueMemberS{Value: "a"}, "at": &types.AttributeValueMemberN{Value: "1"},
			"meta": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"ip": &types.AttributeValueMemberS{Value: "10.0.0.1"}, "tags": &types.AttributeValueMemberSS{Value: []string{"x"}}}},
			"when": &types.AttributeValueMemberS{Value: "2024-01-02"}, "score": &types.AttributeValueMemberN{Value: "1.5"},
			"mixed": &types.AttributeValueMemberS{Value: "x"}, "extra": kind,
		}, {"id": &types.AttributeValueMemberS{Value: "b"}, "at": &types.AttributeValueMemberN{Value: "2"}, "mixed": &types.AttributeValueMemberN{Value: "3"}}}
		cols, err := attrarrow.Infer(items, []attrarrow.KeyAttribute{d.PartitionKey, *d.SortKey}, d.Types)
		if err != nil {
			t.Fatal(err)
		}
		d.Columns = cols
		return d
	}
	if !base.Grows(withExtra(&types.AttributeValueMemberS{Value: "new"})) {
		t.Error("an added column is not growth")
	}
	if base.Grows(base) {
		t.Error("the same schema is growth")
	}
	fewer := storedTestDataset(t, attrarrow.DefaultOptions())
	fewer.Columns.Columns = fewer.Columns.Columns[:len(fewer.Columns.Columns)-1]
	if fewer.Grows(base) != true || base.Grows(fewer) {
		t.Error("growth must only add columns")
	}
	// A column whose type changed is not growth, even with a column added.
	retyped := withExtra(&types.AttributeValueMemberN{Value: "1"})
	for i, c := range retyped.Columns.Columns {
		if c.Name == "score" {
			retyped.Columns.Columns[i].Field.Type = arrow.BinaryTypes.String
		}
	}
	if base.Grows(retyped) {
		t.Error("a retyped column is growth")
	}
}

func TestCatalogWith(t *testing.T) {
	a, b := storedTestDataset(t, attrarrow.DefaultOptions()), storedTestDataset(t, attrarrow.DefaultOptions())
	b.Spec.Name = "other"
	cat, err := New([]*Dataset{a, b})
	if err != nil {
		t.Fatal(err)
	}
	a2 := storedTestDataset(t, attrarrow.DefaultOptions())
	next, err := cat.With(a2)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := next.Lookup("public", "events"); got != a2 {
		t.Error("With did not replace the dataset")
	}
	if got, _ := cat.Lookup("public", "events"); got != a {
		t.Error("With changed the original catalog")
	}
	if got, _ := next.Lookup("public", "other"); got != b {
		t.Error("With did not keep the other dataset")
	}
	c := storedTestDataset(t, attrarrow.DefaultOptions())
	c.Spec.Name = "missing"
	if _, err := cat.With(c); err == nil {
		t.Error("With replaced a dataset that is not there")
	}
}

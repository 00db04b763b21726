package readplan

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
)

// testDataset is orders: partition key id (N), sort key sk (S), a GSI on
// status projecting keys only, a sparse GSI (region, flag), and one column
// of each kind conditions treat differently.
func testDataset(t *testing.T) *catalog.Dataset {
	t.Helper()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	sample := []map[string]types.AttributeValue{{
		"id": n("1"), "sk": s("a"), "status": s("open"), "region": s("eu"), "flag": s("x"),
		"n": n("5"), "f": n("2.5"), "txt": s("hello"), "d": s("2024-01-02"), "ts": s("2024-01-02T03:04:05Z"),
		"b": &types.AttributeValueMemberBOOL{Value: true},
	}}
	keys := []attrarrow.KeyAttribute{
		{Name: "id", Type: types.ScalarAttributeTypeN, Role: attrarrow.PartitionKey},
		{Name: "sk", Type: types.ScalarAttributeTypeS, Role: attrarrow.SortKey},
		{Name: "status", Type: types.ScalarAttributeTypeS, Role: attrarrow.IndexKey},
		{Name: "region", Type: types.ScalarAttributeTypeS, Role: attrarrow.IndexKey},
		{Name: "flag", Type: types.ScalarAttributeTypeS, Role: attrarrow.IndexKey},
	}
	cols, err := attrarrow.Infer(sample, keys, attrarrow.Options{UnnestDepth: -1})
	if err != nil {
		t.Fatal(err)
	}
	return &catalog.Dataset{
		Spec:         catalog.Spec{Name: "orders", Schema: "public", Table: "orders", Region: "us-east-1", MaxScanItems: 500},
		PartitionKey: keys[0], SortKey: &keys[1],
		Indexes: []catalog.Index{
			{Name: "by-status", Kind: catalog.GlobalIndex, PartitionKey: "status", ProjectionType: types.ProjectionTypeKeysOnly},
			{Name: "by-region-flag", Kind: catalog.GlobalIndex, PartitionKey: "region", SortKey: "flag", ProjectionType: types.ProjectionTypeAll},
		},
		ItemCount: 5000,
		Columns:   cols,
	}
}

func atom(col string, op Op, args ...any) Atom {
	a := Atom{Column: col, Op: op}
	for _, v := range args {
		switch x := v.(type) {
		case Arg:
			a.Args = append(a.Args, x)
		default:
			a.Args = append(a.Args, Arg{Literal: x})
		}
	}
	return a
}

func where(atoms ...Atom) []Clause {
	var out []Clause
	for _, a := range atoms {
		out = append(out, Clause{a})
	}
	return out
}

func TestDecide(t *testing.T) {
	ds := testDataset(t)
	tests := []struct {
		name string
		spec Spec
		args []any
		// lines EXPLAIN must show; "!x" must not show x.
		want []string
	}{{
		name: "text filter lets other kinds through",
		spec: Spec{Columns: []string{"txt"}, Where: where(atom("txt", Eq, "hi"))},
		want: []string{"DynamoDB Scan", "Filter: txt = 'hi' OR NOT attribute_type(txt, 'S')", "Projection: txt", "Max items: 500"},
	}, {
		name: "float equality widens by a float step",
		spec: Spec{Where: where(atom("f", Eq, Decimal("0.1")))},
		want: []string{"Filter: f BETWEEN 0.09999999999999999 AND 0.10000000000000002"},
	}, {
		name: "a float8 parameter against an int8 column widens",
		spec: Spec{Where: where(atom("n", Lt, Arg{Param: 1}))}, args: []any{2.5},
		want: []string{"Filter: n <= 2.5000000000000004"},
	}, {
		name: "an integral float8 against an int8 column is that integer",
		spec: Spec{Where: where(atom("n", Eq, Arg{Param: 1}))}, args: []any{3.0},
		want: []string{"Filter: n = 3"},
	}, {
		name: "timestamps compare by day with a day's margin",
		spec: Spec{Where: where(atom("ts", Ge, "2024-03-10 12:00:00+02"), atom("ts", Lt, Arg{Param: 1}))},
		args: []any{time.Date(2024, 3, 20, 5, 0, 0, 0, time.UTC)},
		want: []string{"Filter: ts >= '2024-03-09' AND ts < '2024-03-22'"},
	}, {
		name: "a timestamp that starts with no date stays with the engine",
		spec: Spec{Where: where(atom("ts", Ge, "2024-13-40 12:00:00"), atom("ts", Lt, "2024-03"))},
		want: []string{"!Filter"},
	}, {
		name: "dates compare as their strings",
		spec: Spec{Where: where(atom("d", Between, "2024-01-01", "2024-01-31"))},
		want: []string{"Filter: d BETWEEN '2024-01-01' AND '2024-01-31'"},
	}, {
		name: "IS NULL admits what the column reads as NULL",
		spec: Spec{Where: where(atom("f", IsNull), atom("txt", IsNotNull))},
		want: []string{"Filter: (attribute_not_exists(f) OR NOT attribute_type(f, 'N')) AND attribute_exists(txt)"},
	}, {
		// A fraction is an N an int8 column reads as NULL; "garbage" an S a
		// timestamp column does.
		name: "IS NULL stays with the engine where values of the column's kind read as NULL",
		spec: Spec{Where: where(atom("n", IsNull), atom("ts", IsNull), atom("d", IsNull))},
		want: []string{"!Filter"},
	}, {
		name: "a partition key with a sort key range",
		spec: Spec{Where: where(atom("id", Eq, int64(7)), atom("sk", Ge, "b"), atom("sk", Le, "d"))},
		want: []string{"DynamoDB Query", "Key condition: id = 7 AND sk BETWEEN 'b' AND 'd'", "!Filter"},
	}, {
		name: "exclusive bounds widen to BETWEEN, the engine drops the ends",
		spec: Spec{Where: where(atom("id", Eq, int64(7)), atom("sk", Gt, "b"), atom("sk", Lt, "d")), Complete: true, Limit: 5},
		want: []string{"Key condition: id = 7 AND sk BETWEEN 'b' AND 'd'", "!Limit"},
	}, {
		name: "a LIMIT is pushed when every condition is exact",
		spec: Spec{Where: where(atom("id", Eq, int64(7)), atom("sk", Ge, "b")), Complete: true, Limit: 5},
		want: []string{"Key condition: id = 7 AND sk >= 'b'", "Limit: stops after 5 items"},
	}, {
		name: "no LIMIT past a filter that admits more",
		spec: Spec{Where: where(atom("txt", Eq, "a")), Complete: true, Limit: 5},
		want: []string{"!Limit"},
	}, {
		name: "no LIMIT when part of the WHERE stays in the engine",
		spec: Spec{Where: where(atom("id", Eq, int64(7))), Complete: false, Limit: 5},
		want: []string{"!Limit"},
	}, {
		name: "a small LIMIT alone reads one segment",
		spec: Spec{Complete: true, Limit: 10},
		want: []string{"Parallel segments: 1 ", "Limit: stops after 10 items"},
	}, {
		name: "IN on the partition key queries each distinct value",
		spec: Spec{Where: []Clause{{atom("id", In, int64(1), Decimal("1.0"), "2"), atom("id", Eq, int64(3))}}},
		want: []string{"Key condition: id = each of 1, 2, 3", "Partitions queried in parallel: 3"},
	}, {
		name: "a list parameter not bound yet",
		spec: Spec{Where: where(atom("id", In, Arg{Param: 2, List: true}))},
		want: []string{"Key condition: id = each of $2", "one per value"},
	}, {
		name: "a keys-only GSI serves the columns it holds",
		spec: Spec{Columns: []string{"id", "status"}, Where: where(atom("status", Eq, "open"))},
		want: []string{"Index: by-status (global secondary index)", "Key condition: status = 'open'"},
	}, {
		name: "a keys-only GSI does not serve other columns",
		spec: Spec{Columns: []string{"id", "status", "txt"}, Where: where(atom("status", Eq, "open"))},
		want: []string{"DynamoDB Scan", "!Index", "Filter: status = 'open'"},
	}, {
		name: "count(*) reads a keys-only GSI, fetching only the partition key",
		spec: Spec{Where: where(atom("status", Eq, "open"))},
		want: []string{"Index: by-status (global secondary index)", "Projection: id\n"},
	}, {
		name: "a sparse GSI needs a condition on its sort key",
		spec: Spec{AllColumns: true, Where: where(atom("region", Eq, "eu"))},
		want: []string{"DynamoDB Scan", "!Index"},
	}, {
		name: "a sparse GSI with its sort key implied",
		spec: Spec{AllColumns: true, Where: where(atom("region", Eq, "eu"), atom("flag", Prefix, "x"))},
		want: []string{"Index: by-region-flag", "Key condition: region = 'eu' AND begins_with(flag, 'x')"},
	}, {
		name: "the table's partition beats an index",
		spec: Spec{AllColumns: true, Where: where(atom("region", Eq, "eu"), atom("flag", Eq, "x"), atom("id", Eq, int64(1)))},
		want: []string{"!Index", "Key condition: id = 1", "Filter: region = 'eu' AND flag = 'x'"},
	}, {
		name: "a named index is read even where it is sparse",
		spec: Spec{AllColumns: true, Index: "by-region-flag", Where: where(atom("region", Eq, "eu"))},
		want: []string{"Index: by-region-flag (global secondary index, index named by the query)", "DynamoDB Query"},
	}, {
		name: "text that is no number matches no number key",
		spec: Spec{Where: where(atom("id", Eq, Arg{Param: 1}))}, args: []any{"seven"},
		want: []string{"DynamoDB Query", "Key condition: id = (no value can match)"},
	}, {
		name: "an OR across columns is one filter clause",
		spec: Spec{Where: []Clause{{atom("n", Gt, int64(3)), atom("b", Eq, true)}}},
		want: []string{"Filter: n > 3 OR b = true"},
	}, {
		name: "an unusable atom leaves its whole clause to the engine",
		spec: Spec{Where: []Clause{{atom("n", Gt, int64(3)), atom("ts", Ne, "2024-01-01")}}},
		want: []string{"!Filter"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Decide(ds, tc.spec, tc.args, nil, Options{MaxSegments: 32})
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Request.Validate(); err != nil {
				t.Errorf("the request is invalid: %v", err)
			}
			text := strings.Join(d.Explain(), "\n") + "\n"
			for _, w := range tc.want {
				if strings.HasPrefix(w, "!") {
					if strings.Contains(text, w[1:]) {
						t.Errorf("EXPLAIN shows %q:\n%s", w[1:], text)
					}
				} else if !strings.Contains(text, w) {
					t.Errorf("EXPLAIN lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

func TestDecideIndexHintErrors(t *testing.T) {
	ds := testDataset(t)
	_, err := Decide(ds, Spec{Index: "nope"}, nil, nil, Options{})
	var pe *pgerror.Error
	if !errors.As(err, &pe) || pe.Code != pgerror.UndefinedObject {
		t.Errorf("unknown index: %v", err)
	}
	_, err = Decide(ds, Spec{Index: "by-status", AllColumns: true}, nil, nil, Options{})
	if !errors.As(err, &pe) || pe.Code != pgerror.FeatureNotSupported || !strings.Contains(pe.Message, "does not project") {
		t.Errorf("an index that does not cover the query: %v", err)
	}
}

func TestDecideDisabledReadsTheWholeTable(t *testing.T) {
	ds := testDataset(t)
	spec := Spec{Columns: []string{"n"}, Where: where(atom("id", Eq, int64(1))), Complete: true, Limit: 3}
	d, err := Decide(ds, spec, nil, []string{"n"}, Options{Disabled: true})
	if err != nil {
		t.Fatal(err)
	}
	r := d.Request
	if r.Key != nil || len(r.Filter) > 0 || r.Limit != 0 || r.Index != "" || strings.Join(r.Projection, ",") != "n" {
		t.Errorf("pushdown off still pushes: %+v", r)
	}
}

// TestDecideProjectionUnion: the read returns the columns the engine asked
// for and those the planner found, in dataset order.
func TestDecideProjectionUnion(t *testing.T) {
	ds := testDataset(t)
	d, err := Decide(ds, Spec{Columns: []string{"txt"}}, nil, []string{"n", "b"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range d.Columns.Columns {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "b,n,txt" {
		t.Errorf("columns %s", got)
	}
	d, err = Decide(ds, Spec{}, nil, nil, Options{})
	if err != nil || strings.Join(d.Request.Projection, ",") != "id" {
		t.Errorf("count(*) projection %v, %v", d.Request.Projection, err)
	}
}

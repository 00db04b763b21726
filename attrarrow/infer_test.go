package attrarrow_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

// TestInferKinds types one attribute seen in one or more items.
func TestInferKinds(t *testing.T) {
	tests := []struct {
		name   string
		depth  int
		values []av // the attribute's value in successive items (nil: missing)
		want   arrow.DataType
	}{
		{"BOOL", -1, []av{boolean(true)}, tBool},
		{"S", -1, []av{s("hello")}, tUtf8},
		{"S empty", -1, []av{s("")}, tUtf8},
		{"S date", -1, []av{s("2024-03-15"), s("1999-12-31")}, tDate32},
		{"S date and text", -1, []av{s("2024-03-15"), s("soon")}, tUtf8},
		{"S invalid calendar date", -1, []av{s("2024-02-30")}, tUtf8},
		{"S date-like but not exact", -1, []av{s("2024-3-15")}, tUtf8},
		{"S RFC3339", -1, []av{s("2024-03-15T14:30:00Z"), s("2024-03-15T14:30:00.123-07:00")}, tTsUTC},
		{"S RFC3339 and date", -1, []av{s("2024-03-15T14:30:00Z"), s("2024-03-15")}, tUtf8},
		{"N int", -1, []av{n("1"), n("-9223372036854775808"), n("9223372036854775807")}, tInt64},
		{"N integral with fraction/exponent", -1, []av{n("1.0"), n("1e3"), n("120E-1")}, tInt64},
		{"N float", -1, []av{n("1.5")}, tFloat64},
		{"N int then float", -1, []av{n("1"), n("2.5")}, tFloat64},
		{"N beyond int64", -1, []av{n("9223372036854775808")}, tFloat64},
		{"N 38 digits", -1, []av{n("12345678901234567890123456789012345678")}, tFloat64},
		{"B", -1, []av{b(0, 1, 2)}, tBinary},
		{"NULL only", -1, []av{null(), null()}, tUtf8},
		{"NULL and N", -1, []av{null(), n("3")}, tInt64},
		{"missing and N", -1, []av{nil, n("3")}, tInt64},
		{"SS", -1, []av{ss("a", "b")}, listOf(tUtf8)},
		{"SS of dates stays text", -1, []av{ss("2024-01-01")}, listOf(tUtf8)},
		{"NS int", -1, []av{ns("1", "2")}, listOf(tInt64)},
		{"NS float", -1, []av{ns("1", "2.5")}, listOf(tFloat64)},
		{"BS", -1, []av{bs([]byte{1}, []byte{0})}, listOf(tBinary)},
		{"L homogeneous S", -1, []av{l(s("a"), s("b"))}, listOf(tUtf8)},
		{"L homogeneous dates", -1, []av{l(s("2024-01-01"))}, listOf(tDate32)},
		{"L homogeneous N", -1, []av{l(n("1")), l(n("2.5"))}, listOf(tFloat64)},
		{"L heterogeneous", -1, []av{l(n("1"), s("foo"), boolean(true))}, listOf(tUtf8)},
		{"L kinds differ across items", -1, []av{l(n("1")), l(s("x"))}, listOf(tUtf8)},
		{"L empty merges", -1, []av{l(), l(n("1"))}, listOf(tInt64)},
		{"L only empty", -1, []av{l(), l()}, listOf(tUtf8)},
		{"L with NULL elements", -1, []av{l(null(), n("1"))}, listOf(tInt64)},
		{"L of L", -1, []av{l(l(n("1")), l())}, listOf(listOf(tInt64))},
		{"L of M structs", -1, []av{l(m("city", s("SF")), m("zip", n("94107")))}, listOf(structOf("city", tUtf8, "zip", tInt64))},
		{"L of M as JSON (depth 0)", 0, []av{l(m("city", s("SF")))}, listOf(tUtf8)},
		{"L of M as JSON (depth 2)", 2, []av{l(m("city", s("SF")))}, listOf(tUtf8)},
		{"M struct", -1, []av{m("x", n("2"), "y", m("z", n("3")))}, structOf("x", tInt64, "y", structOf("z", tInt64))},
		{"M union of keys", -1, []av{m("b", s("x")), m("a", n("1"))}, structOf("a", tInt64, "b", tUtf8)},
		{"M field types merge", -1, []av{m("a", n("1")), m("a", n("1.5"))}, structOf("a", tFloat64)},
		{"M field conflict", -1, []av{m("a", n("1")), m("a", s("x"))}, structOf("a", tUtf8)},
		{"M only empty", -1, []av{m(), m()}, tUtf8},
		{"M empty and not", -1, []av{m(), m("a", boolean(true))}, structOf("a", tBool)},
		{"M JSON (depth 0)", 0, []av{m("x", n("2"))}, tUtf8},
		{"conflict S N", -1, []av{s("a"), n("1")}, tUtf8},
		{"SS and empty L", -1, []av{ss("a"), l()}, listOf(tUtf8)},
		{"SS and L of S", -1, []av{ss("2024-01-01"), l(s("2024-01-02"))}, listOf(tUtf8)},
		{"NS and L of N", -1, []av{ns("1"), l(n("2"))}, listOf(tInt64)},
		{"NS float and L of N", -1, []av{ns("1.5"), l(n("2"))}, listOf(tFloat64)},
		{"BS and empty L", -1, []av{l(), bs([]byte{1})}, listOf(tBinary)},
		{"SS and L of N", -1, []av{ss("a"), l(n("1"))}, listOf(tUtf8)},
		{"conflict SS NS", -1, []av{ss("a"), ns("1")}, tUtf8},
		{"conflict SS L M", -1, []av{ss("a"), l(), m("a", n("1"))}, tUtf8},
		{"conflict M S", -1, []av{m("a", n("1")), s("x")}, tUtf8},
		{"conflict N NS", -1, []av{n("1"), ns("1")}, tUtf8},
		{"unknown member", -1, []av{&types.UnknownUnionMember{Tag: "X"}}, tUtf8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []item
			for _, v := range tt.values {
				it := doc("id", s("k"))
				if v != nil {
					it["v"] = v
				}
				items = append(items, it)
			}
			sch, err := attrarrow.Infer(items, nil, opts(tt.depth))
			if err != nil {
				t.Fatal(err)
			}
			if got := typeOf(t, sch, "v"); !arrow.TypeEqual(got, tt.want) {
				t.Errorf("type = %s, want %s", got, tt.want)
			}
			if f, _ := sch.Column("v"); !f.Field.Nullable || f.Field.Name != "v" || !reflect.DeepEqual(f.Path, []string{"v"}) {
				t.Errorf("column = %+v", f)
			}
		})
	}
}

func TestInferConflicts(t *testing.T) {
	items := []item{
		doc("a", s("x"), "tags", l(n("1"), s("two")), "meta", m("age", n("1"))),
		doc("a", n("1"), "tags", l(), "meta", m("age", s("old"))),
		doc("a", boolean(true), "ok", n("1")),
	}
	sch, err := attrarrow.Infer(items, nil, attrarrow.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := []attrarrow.Conflict{
		{Column: "a", Path: "a", Kinds: []string{"S", "N", "BOOL"}},
		{Column: "meta", Path: "meta.age", Kinds: []string{"S", "N"}},
		{Column: "tags", Path: "tags[]", Kinds: []string{"S", "N"}},
	}
	if !reflect.DeepEqual(sch.Conflicts, want) {
		t.Errorf("Conflicts = %+v\nwant %+v", sch.Conflicts, want)
	}
	sel, err := sch.Select([]string{"ok", "tags"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sel.Conflicts, want[2:]) {
		t.Errorf("Select Conflicts = %+v", sel.Conflicts)
	}
}

// TestUnnestTables is the reference's three unnest_depth tables over
// {"a":1,"b":{"x":2,"y":{"z":3}}}, plus the struct default.
func TestUnnestTables(t *testing.T) {
	in := []item{doc("a", n("1"), "b", m("x", n("2"), "y", m("z", n("3"))))}
	type col struct {
		name  string
		path  []string
		typ   arrow.DataType
		value any
	}
	tests := []struct {
		depth int
		want  []col
	}{
		{0, []col{
			{"a", []string{"a"}, tInt64, int64(1)},
			{"b", []string{"b"}, tUtf8, `{"x":2,"y":{"z":3}}`},
		}},
		{1, []col{
			{"a", []string{"a"}, tInt64, int64(1)},
			{"b.x", []string{"b", "x"}, tInt64, int64(2)},
			{"b.y", []string{"b", "y"}, tUtf8, `{"z":3}`},
		}},
		{2, []col{
			{"a", []string{"a"}, tInt64, int64(1)},
			{"b.x", []string{"b", "x"}, tInt64, int64(2)},
			{"b.y.z", []string{"b", "y", "z"}, tInt64, int64(3)},
		}},
		{5, []col{
			{"a", []string{"a"}, tInt64, int64(1)},
			{"b.x", []string{"b", "x"}, tInt64, int64(2)},
			{"b.y.z", []string{"b", "y", "z"}, tInt64, int64(3)},
		}},
		{-1, []col{
			{"a", []string{"a"}, tInt64, int64(1)},
			{"b", []string{"b"}, structOf("x", tInt64, "y", structOf("z", tInt64)),
				map[string]any{"x": int64(2), "y": map[string]any{"z": int64(3)}}},
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("depth%d", tt.depth), func(t *testing.T) {
			sch, rec, mm := convert(t, in, nil, opts(tt.depth))
			if len(mm) != 0 {
				t.Errorf("mismatches: %+v", mm)
			}
			if len(sch.Columns) != len(tt.want) {
				t.Fatalf("columns = %v, want %d", columnNames(sch), len(tt.want))
			}
			got := row(rec, 0)
			for i, w := range tt.want {
				c := sch.Columns[i]
				if c.Name != w.name || !reflect.DeepEqual(c.Path, w.path) || !arrow.TypeEqual(c.Field.Type, w.typ) {
					t.Errorf("column %d = %s %v %s, want %s %v %s", i, c.Name, c.Path, c.Field.Type, w.name, w.path, w.typ)
				}
				if !reflect.DeepEqual(got[w.name], w.value) {
					t.Errorf("%s = %#v, want %#v", w.name, got[w.name], w.value)
				}
				if sch.Arrow.Field(i).Name != w.name {
					t.Errorf("arrow field %d = %s", i, sch.Arrow.Field(i).Name)
				}
			}
		})
	}
}

func TestUnnestFlattening(t *testing.T) {
	t.Run("union of keys and missing parents", func(t *testing.T) {
		items := []item{
			doc("b", m("x", n("1"))),
			doc("b", m("y", s("k"))),
			doc("b", null()),
			doc("c", n("1")),
		}
		sch, rec, mm := convert(t, items, nil, opts(1))
		if got, want := columnNames(sch), []string{"b.x", "b.y", "c"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("columns = %v, want %v", got, want)
		}
		if len(mm) != 0 {
			t.Errorf("mismatches: %+v", mm)
		}
		if got := row(rec, 1); got["b.x"] != nil || got["b.y"] != "k" {
			t.Errorf("row 1 = %v", got)
		}
		if got := row(rec, 2); got["b.x"] != nil || got["b.y"] != nil {
			t.Errorf("row 2 = %v", got)
		}
	})
	t.Run("conflicting map is not flattened", func(t *testing.T) {
		items := []item{doc("b", m("x", n("1"))), doc("b", s("flat"))}
		sch, rec, _ := convert(t, items, nil, opts(2))
		if got := columnNames(sch); !reflect.DeepEqual(got, []string{"b"}) {
			t.Fatalf("columns = %v", got)
		}
		if got := cell(rec.Column(0), 0); got != `{"x":1}` {
			t.Errorf("b = %v", got)
		}
		if got := cell(rec.Column(0), 1); got != "flat" {
			t.Errorf("b = %v", got)
		}
	})
	t.Run("name collision keeps the map whole", func(t *testing.T) {
		items := []item{doc("b.x", n("1"), "b", m("x", n("2"), "y", n("3")), "c", m("d", n("4")))}
		sch, rec, _ := convert(t, items, nil, opts(1))
		if got, want := columnNames(sch), []string{"b", "b.x", "c.d"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("columns = %v, want %v", got, want)
		}
		if got, want := row(rec, 0), map[string]any{"b": `{"x":2,"y":3}`, "b.x": int64(1), "c.d": int64(4)}; !reflect.DeepEqual(got, want) {
			t.Errorf("row = %v, want %v", got, want)
		}
	})
	t.Run("flattened lists stay lists, maps in lists JSON", func(t *testing.T) {
		items := []item{doc("b", m("tags", ss("a"), "addrs", l(m("city", s("SF")))))}
		sch, rec, _ := convert(t, items, nil, opts(3))
		if got := typeOf(t, sch, "b.tags"); !arrow.TypeEqual(got, listOf(tUtf8)) {
			t.Errorf("b.tags = %s", got)
		}
		if got := row(rec, 0)["b.addrs"]; !reflect.DeepEqual(got, []any{`{"city":"SF"}`}) {
			t.Errorf("b.addrs = %v", got)
		}
	})
}

func TestKeyOrdering(t *testing.T) {
	items := []item{
		doc("zeta", n("1"), "Alpha", s("x"), "pk", s("u#1"), "sk", n("5"), "gsi", s("2024-01-02"), "é", boolean(true), "_", n("0"), "b", m("a", n("1"))),
		doc("pk", s("u#2"), "sk", n("6.5"), "a", s("y")),
	}
	keys := []attrarrow.KeyAttribute{
		{Name: "gsi", Type: types.ScalarAttributeTypeS, Role: attrarrow.IndexKey},
		{Name: "sk", Type: types.ScalarAttributeTypeN, Role: attrarrow.SortKey},
		{Name: "pk", Type: types.ScalarAttributeTypeS, Role: attrarrow.PartitionKey},
		{Name: "absent", Type: types.ScalarAttributeTypeB, Role: attrarrow.IndexKey},
		{Name: "sk", Type: types.ScalarAttributeTypeN, Role: attrarrow.IndexKey}, // also a GSI key
	}
	for _, depth := range []int{-1, 1} {
		sch, err := attrarrow.Infer(items, keys, opts(depth))
		if err != nil {
			t.Fatal(err)
		}
		b := "b"
		if depth == 1 {
			b = "b.a"
		}
		want := []string{"pk", "sk", "Alpha", "_", "a", "absent", b, "gsi", "zeta", "é"}
		if got := columnNames(sch); !reflect.DeepEqual(got, want) {
			t.Errorf("depth %d: columns = %v, want %v", depth, got, want)
		}
		for _, tc := range []struct {
			name string
			typ  arrow.DataType
			role attrarrow.KeyRole
		}{
			{"pk", tUtf8, attrarrow.PartitionKey},
			{"sk", tFloat64, attrarrow.SortKey},
			{"gsi", tDate32, attrarrow.IndexKey},
			{"absent", tBinary, attrarrow.IndexKey},
		} {
			c, _ := sch.Column(tc.name)
			if c.Key == nil || c.Key.Role != tc.role || !arrow.TypeEqual(c.Field.Type, tc.typ) {
				t.Errorf("%s: key %+v type %s, want %v %s", tc.name, c.Key, c.Field.Type, tc.role, tc.typ)
			}
		}
		if c, _ := sch.Column("zeta"); c.Key != nil {
			t.Errorf("zeta is not a key")
		}
	}
	// Stable: the same samples in another order give the same schema.
	a, _ := attrarrow.Infer(items, keys, attrarrow.DefaultOptions())
	bb, _ := attrarrow.Infer([]item{items[1], items[0]}, keys, attrarrow.DefaultOptions())
	if !a.Arrow.Equal(bb.Arrow) {
		t.Errorf("schema depends on sample order:\n%s\n%s", a.Arrow, bb.Arrow)
	}
}

func TestKeyTypes(t *testing.T) {
	tests := []struct {
		name  string
		typ   types.ScalarAttributeType
		value av
		want  arrow.DataType
	}{
		{"S no samples", types.ScalarAttributeTypeS, nil, tUtf8},
		{"S text", types.ScalarAttributeTypeS, s("abc"), tUtf8},
		{"S timestamp", types.ScalarAttributeTypeS, s("2024-03-15T14:30:00Z"), tTsUTC},
		{"N no samples", types.ScalarAttributeTypeN, nil, tInt64},
		{"N int", types.ScalarAttributeTypeN, n("12"), tInt64},
		{"N float", types.ScalarAttributeTypeN, n("1.25"), tFloat64},
		{"B", types.ScalarAttributeTypeB, b(1), tBinary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []item
			if tt.value != nil {
				items = append(items, doc("k", tt.value))
			}
			sch, err := attrarrow.Infer(items, []attrarrow.KeyAttribute{{Name: "k", Type: tt.typ, Role: attrarrow.PartitionKey}}, attrarrow.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if got := typeOf(t, sch, "k"); !arrow.TypeEqual(got, tt.want) {
				t.Errorf("type = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestInferErrors(t *testing.T) {
	S, N := types.ScalarAttributeTypeS, types.ScalarAttributeTypeN
	tests := []struct {
		name string
		keys []attrarrow.KeyAttribute
		opts attrarrow.Options
		want string
	}{
		{"bad depth", nil, attrarrow.Options{UnnestDepth: -2}, "unnest_depth -2"},
		{"empty name", []attrarrow.KeyAttribute{{Type: S, Role: attrarrow.PartitionKey}}, opts(-1), "empty name"},
		{"bad type", []attrarrow.KeyAttribute{{Name: "k", Type: "BOOL", Role: attrarrow.PartitionKey}}, opts(-1), `type "BOOL"`},
		{"no role", []attrarrow.KeyAttribute{{Name: "k", Type: S}}, opts(-1), "invalid role"},
		{"two partition keys", []attrarrow.KeyAttribute{{Name: "a", Type: S, Role: attrarrow.PartitionKey}, {Name: "b", Type: S, Role: attrarrow.PartitionKey}}, opts(-1), "two partition keys"},
		{"two sort keys", []attrarrow.KeyAttribute{{Name: "a", Type: S, Role: attrarrow.SortKey}, {Name: "b", Type: S, Role: attrarrow.SortKey}}, opts(-1), "two sort keys"},
		{"type disagreement", []attrarrow.KeyAttribute{{Name: "a", Type: S, Role: attrarrow.PartitionKey}, {Name: "a", Type: N, Role: attrarrow.IndexKey}}, opts(-1), "declared as both"},
		{"pk is sk", []attrarrow.KeyAttribute{{Name: "a", Type: S, Role: attrarrow.PartitionKey}, {Name: "a", Type: S, Role: attrarrow.SortKey}}, opts(-1), "both partition key and sort key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := attrarrow.Infer(nil, tt.keys, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestSelectAndTopLevel(t *testing.T) {
	items := []item{doc("id", s("1"), "b", m("x", n("1"), "y", n("2")), "c", boolean(true))}
	sch, err := attrarrow.Infer(items, []attrarrow.KeyAttribute{{Name: "id", Type: types.ScalarAttributeTypeS, Role: attrarrow.PartitionKey}}, opts(1))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sch.TopLevelAttributes(), []string{"id", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("TopLevelAttributes = %v, want %v", got, want)
	}
	sel, err := sch.Select([]string{"c", "b.y"})
	if err != nil {
		t.Fatal(err)
	}
	if got := columnNames(sel); !reflect.DeepEqual(got, []string{"c", "b.y"}) {
		t.Errorf("Select columns = %v", got)
	}
	if sel.Arrow.NumFields() != 2 || sel.Arrow.Field(0).Name != "c" || sel.Options != sch.Options {
		t.Errorf("Select schema = %s", sel.Arrow)
	}
	if got := sel.TopLevelAttributes(); !reflect.DeepEqual(got, []string{"c", "b"}) {
		t.Errorf("Select TopLevelAttributes = %v", got)
	}
	rec, _ := convertWith(t, sel, items)
	if got, want := row(rec, 0), map[string]any{"c": true, "b.y": int64(2)}; !reflect.DeepEqual(got, want) {
		t.Errorf("row = %v, want %v", got, want)
	}
	for _, names := range [][]string{{"nope"}, {"c", "c"}} {
		if _, err := sch.Select(names); err == nil {
			t.Errorf("Select(%v) succeeded", names)
		}
	}
	if _, ok := sch.Column("b"); ok {
		t.Errorf("Column(b) found in a flattened schema")
	}
	// A projection selected again is the same schema (reads select theirs
	// on every run); another order is another projection.
	again, err := sch.Select([]string{"c", "b.y"})
	if err != nil || again != sel {
		t.Errorf("Select again = %p, %v; want the first result %p", again, err, sel)
	}
	swapped, err := sch.Select([]string{"b.y", "c"})
	if err != nil || swapped == sel || columnNames(swapped)[0] != "b.y" {
		t.Errorf("Select(b.y, c) = %v, %v", columnNames(swapped), err)
	}
	for _, names := range [][]string{{"nope"}, {"c", "c"}} {
		if _, err := sch.Select(names); err == nil {
			t.Errorf("Select(%v) succeeded the second time", names)
		}
	}
}

func TestInferNamesUniqueIgnoringCase(t *testing.T) {
	items := []map[string]types.AttributeValue{{
		"id":   &types.AttributeValueMemberN{Value: "1"},
		"name": &types.AttributeValueMemberS{Value: "lower"},
		"Name": &types.AttributeValueMemberS{Value: "upper"},
		"NAME": &types.AttributeValueMemberN{Value: "3"},
	}}
	s, err := attrarrow.Infer(items, []attrarrow.KeyAttribute{{Name: "id", Type: types.ScalarAttributeTypeN, Role: attrarrow.PartitionKey}}, attrarrow.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, c := range s.Columns {
		got = append(got, c.Name+"<-"+strings.Join(c.Path, "."))
		if s.Arrow.Field(i).Name != c.Name {
			t.Errorf("Arrow field %q for column %q", s.Arrow.Field(i).Name, c.Name)
		}
	}
	// The lower-case name keeps its spelling; the others get suffixes.
	want := []string{"id<-id", "NAME_2<-NAME", "Name_3<-Name", "name<-name"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("columns %v, want %v", got, want)
	}
	conv := attrarrow.NewConverter(s, nil)
	defer conv.Release()
	conv.Append(items[0])
	rec := conv.NewRecordBatch()
	defer rec.Release()
	if v := rec.Column(3).ValueStr(0); v != "lower" {
		t.Errorf("name holds %q, want the value of attribute name", v)
	}
	if v := rec.Column(2).ValueStr(0); v != "upper" {
		t.Errorf("Name_3 holds %q, want the value of attribute Name", v)
	}
}

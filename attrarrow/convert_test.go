package attrarrow_test

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

// TestConvertKinds converts every AttributeValue kind and reads it back.
func TestConvertKinds(t *testing.T) {
	tests := []struct {
		name  string
		depth int
		value av
		want  any
	}{
		{"BOOL true", -1, boolean(true), true},
		{"BOOL false", -1, boolean(false), false},
		{"S", -1, s("héllo, 世界 🙂"), "héllo, 世界 🙂"},
		{"S empty", -1, s(""), ""},
		{"S date", -1, s("2024-02-29"), "2024-02-29"},
		{"S date before 1970", -1, s("1900-03-01"), "1900-03-01"},
		{"S timestamp", -1, s("2024-03-15T14:30:00.123Z"), time.Date(2024, 3, 15, 14, 30, 0, 123e6, time.UTC)},
		{"N int", -1, n("-42"), int64(-42)},
		{"N int min", -1, n("-9223372036854775808"), int64(math.MinInt64)},
		{"N int via exponent", -1, n("1.5E2"), int64(150)},
		{"N float", -1, n("3.25"), 3.25},
		{"N float small", -1, n("1E-130"), 1e-130},
		{"N float large", -1, n("9.99E+125"), 9.99e125},
		{"B", -1, b(0, 'a', 0, 0xff), []byte{0, 'a', 0, 0xff}},
		{"B empty", -1, b(), []byte{}},
		{"NULL", -1, null(), nil},
		{"SS", -1, ss("b", "a", ""), []any{"b", "a", ""}},
		{"SS empty", -1, ss(), []any{}},
		{"NS int", -1, ns("1", "-2"), []any{int64(1), int64(-2)}},
		{"NS float", -1, ns("1", "0.5"), []any{1.0, 0.5}},
		{"BS", -1, bs([]byte{0}, []byte("x")), []any{[]byte{0}, []byte("x")}},
		{"L homogeneous", -1, l(n("1"), null(), n("3")), []any{int64(1), nil, int64(3)}},
		{"L heterogeneous", -1, l(n("1"), s("foo"), boolean(true), null(), b(1), m("k", n("2.50")), l(s("x")), ss("s"), ns("7")),
			[]any{"1", "foo", "true", nil, "AQ==", `{"k":2.50}`, `["x"]`, `["s"]`, `[7]`}},
		{"L empty", -1, l(), []any{}},
		{"L of L", -1, l(l(s("a")), l()), []any{[]any{"a"}, []any{}}},
		{"L of M", -1, l(m("c", s("SF")), null(), m("z", n("1"))), []any{map[string]any{"c": "SF"}, nil, map[string]any{"z": int64(1)}}},
		{"L of M depth 0", 0, l(m("c", s("SF"))), []any{`{"c":"SF"}`}},
		{"M", -1, m("x", n("2"), "y", m("z", n("3")), "n", null()), map[string]any{"x": int64(2), "y": map[string]any{"z": int64(3)}}},
		{"M depth 0", 0, m("x", n("2"), "y", m("z", n("3"))), `{"x":2,"y":{"z":3}}`},
		{"M empty", -1, m(), "{}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rec, mm := convert(t, []item{doc("v", tt.value), doc()}, nil, opts(tt.depth))
			if len(mm) != 0 {
				t.Errorf("mismatches: %+v", mm)
			}
			if got := row(rec, 0)["v"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("v = %#v, want %#v", got, tt.want)
			}
			if got := row(rec, 1)["v"]; got != nil {
				t.Errorf("missing v = %#v, want NULL", got)
			}
		})
	}
}

// TestConflictText: a column whose samples conflict holds every value's text.
func TestConflictText(t *testing.T) {
	values := []av{s("x"), n("1.50"), boolean(false), b(0, 1), null(), l(s("a"), n("2")), m("k", ss("z", "a")), ns("1", "2"), bs([]byte{0xff})}
	want := []any{"x", "1.50", "false", "AAE=", nil, `["a",2]`, `{"k":["z","a"]}`, `[1,2]`, `["/w=="]`}
	var items []item
	for _, v := range values {
		items = append(items, doc("v", v))
	}
	sch, rec, mm := convert(t, items, nil, attrarrow.DefaultOptions())
	if len(mm) != 0 {
		t.Errorf("mismatches: %+v", mm)
	}
	if len(sch.Conflicts) != 1 || sch.Conflicts[0].Column != "v" {
		t.Errorf("Conflicts = %+v", sch.Conflicts)
	}
	for i, w := range want {
		if got := cell(rec.Column(0), i); !reflect.DeepEqual(got, w) {
			t.Errorf("row %d = %#v, want %#v", i, got, w)
		}
	}
}

func TestJSONText(t *testing.T) {
	v := m(
		"s", s("q\"b\\s\n\t\r\b\f\x01<>&é\u2028"),
		"n", n("-1.50E+3"),
		"odd", ns("+1", ".5", "01", "1.", "x"),
		"b", b(0, 0, 0xfb),
		"bool", boolean(true),
		"null", null(),
		"ss", ss("a"),
		"bs", bs([]byte{}, []byte{0}),
		"l", l(n("1"), s("x"), m()),
		"m", m("z", n("1"), "a", n("2"), "", s("empty key")),
		"bad", s("\xff\xfe"),
	)
	want := `{"b":"AAD7","bad":"\ufffd\ufffd","bool":true,"bs":["","AA=="],"l":[1,"x",{}],"m":{"":"empty key","a":2,"z":1},` +
		`"n":-1.50E+3,"null":null,"odd":[1,0.5,1,1,"x"],"s":"q\"b\\s\n\t\r\b\f\u0001<>&é\u2028","ss":["a"]}`
	_, rec, _ := convert(t, []item{doc("v", v)}, nil, opts(0))
	got := cell(rec.Column(0), 0).(string)
	if got != want {
		t.Errorf("JSON =\n%s\nwant\n%s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Errorf("not valid JSON: %s", got)
	}
}

func TestTimeLayouts(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, sec, ms int) time.Time {
		return time.Date(y, mo, d, h, mi, sec, ms*1e6, time.UTC)
	}
	tests := []struct {
		layout string
		value  string
		zoned  bool
		want   time.Time // UTC instant, or the wall clock for naive layouts
	}{
		{"", "2024-03-15T14:30:00Z", true, utc(2024, 3, 15, 14, 30, 0, 0)},
		{"", "2024-03-15T14:30:00.123456+02:00", true, utc(2024, 3, 15, 12, 30, 0, 123)},
		{"2006-01-02T15:04:05Z07:00", "2024-03-15T14:30:00Z", true, utc(2024, 3, 15, 14, 30, 0, 0)},
		{"2006-01-02T15:04:05Z07:00", "2024-03-15T14:30:00.5-01:00", true, utc(2024, 3, 15, 15, 30, 0, 500)},
		{"2006-01-02T15:04:05.999Z07:00", "2024-03-15T14:30:00.123-07:00", true, utc(2024, 3, 15, 21, 30, 0, 123)},
		{"2006-01-02T15:04:05", "2024-03-15T14:30:00", false, utc(2024, 3, 15, 14, 30, 0, 0)},
		{"2006-01-02 15:04:05", "2024-03-15 14:30:00", false, utc(2024, 3, 15, 14, 30, 0, 0)},
		{"2006-01-02 15:04:05.000", "2024-03-15 14:30:00.123", false, utc(2024, 3, 15, 14, 30, 0, 123)},
		{"01/02/2006 15:04:05", "03/15/2024 14:30:00", false, utc(2024, 3, 15, 14, 30, 0, 0)},
		{"02/01/2006 15:04:05", "15/03/2024 14:30:00", false, utc(2024, 3, 15, 14, 30, 0, 0)},
		{"Jan 2, 2006 3:04:05 PM", "Mar 15, 2024 2:30:00 PM", false, utc(2024, 3, 15, 14, 30, 0, 0)},
		{"20060102150405", "20240315143000", false, utc(2024, 3, 15, 14, 30, 0, 0)},
		{"2006-01-02T15:04:05-0700", "2024-03-15T14:30:00+0530", true, utc(2024, 3, 15, 9, 0, 0, 0)},
		{"2006-01-02T15:04:05Z0700", "2024-03-15T14:30:00Z", true, utc(2024, 3, 15, 14, 30, 0, 0)},
		{"2006-01-02 15:04:05 MST", "2024-03-15 14:30:00 UTC", true, utc(2024, 3, 15, 14, 30, 0, 0)},
		{"2006-01-02 15:04:05 MST", "2024-03-15 14:30:00 GMT", true, utc(2024, 3, 15, 14, 30, 0, 0)},
		{"2006-01-02 15:04:05.000 -07:00", "1969-12-31 23:59:59.999 +00:00", true, utc(1969, 12, 31, 23, 59, 59, 999)},
	}
	for _, tt := range tests {
		t.Run(tt.layout+"/"+tt.value, func(t *testing.T) {
			o := attrarrow.Options{UnnestDepth: -1, TimeFormat: tt.layout}
			if o.LayoutHasZone() != tt.zoned {
				t.Errorf("LayoutHasZone = %v, want %v", o.LayoutHasZone(), tt.zoned)
			}
			items := []item{doc("ts", s(tt.value), "num", n("20240315143000"))}
			sch, rec, mm := convert(t, items, nil, o)
			if len(mm) != 0 {
				t.Errorf("mismatches: %+v", mm)
			}
			wantType := tTsNaive
			if tt.zoned {
				wantType = tTsUTC
			}
			if got := typeOf(t, sch, "ts"); !arrow.TypeEqual(got, wantType) {
				t.Errorf("type = %s, want %s", got, wantType)
			}
			if got := typeOf(t, sch, "num"); !arrow.TypeEqual(got, tInt64) {
				t.Errorf("N under a numeric layout = %s, want int64", got)
			}
			if got := cell(rec.Column(1), 0); !got.(time.Time).Equal(tt.want) {
				t.Errorf("value = %v, want %v", got, tt.want)
			}
			// A value the layout does not accept makes the column text.
			items = append(items, doc("ts", s("not a time")))
			sch, err := attrarrow.Infer(items, nil, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := typeOf(t, sch, "ts"); !arrow.TypeEqual(got, tUtf8) {
				t.Errorf("with a non-time sample: type = %s, want utf8", got)
			}
		})
	}
}

// TestMismatches converts items that do not fit a schema inferred earlier.
func TestMismatches(t *testing.T) {
	samples := []item{doc(
		"i", n("1"), "f", n("1.5"), "d", s("2024-01-01"), "ts", s("2024-01-01T00:00:00Z"),
		"bo", boolean(true), "bin", b(1), "nums", ns("1"), "st", m("age", n("1")), "lst", l(n("1")), "txt", s("x"),
	)}
	sch, err := attrarrow.Infer(samples, nil, attrarrow.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	big := "1234567890123456789012345678901234567"
	items := []item{
		doc("i", s("x"), "f", n(big), "d", s("2024-13-01"), "ts", s("yesterday"), "bo", n("1"),
			"bin", s("AQ=="), "nums", ns("2", "1.5"), "st", m("age", s("old"), "new", n("1")), "lst", l(n("1"), s("x")), "txt", n("5")),
		doc("i", n("1.5"), "f", n("1e400"), "txt", m("a", boolean(true)), "st", s("flat")),
		doc("i", n("99999999999999999999"), "f", n("0.1")),
		doc("i", n("abc"), "f", n("abc")),
		doc("i", s("y"), "f", n(big)),
	}
	rec, mm := convertWith(t, sch, items)
	want := []attrarrow.Mismatch{
		{Column: "bin", Count: 1, Reason: "expected bytea, got S"},
		{Column: "bo", Count: 1, Reason: "expected bool, got N"},
		{Column: "d", Count: 1, Reason: `expected date as YYYY-MM-DD, got "2024-13-01"`},
		{Column: "f", Count: 1, Reason: "number 1e400 out of float8 range"},
		{Column: "f", Count: 1, Reason: `expected float8, got invalid number "abc"`},
		{Column: "f", Count: 2, Reason: "number " + big + " lost precision as float8", Kept: true},
		{Column: "i", Count: 2, Reason: "expected int8, got S"},
		{Column: "i", Count: 1, Reason: "expected int8, got non-integral number 1.5"},
		{Column: "i", Count: 1, Reason: "number 99999999999999999999 out of int8 range"},
		{Column: "i", Count: 1, Reason: `expected int8, got invalid number "abc"`},
		{Column: "lst", Count: 1, Reason: "lst[]: expected int8, got S"},
		{Column: "nums", Count: 1, Reason: "nums[]: expected int8, got non-integral number 1.5"},
		{Column: "st", Count: 1, Reason: "expected json, got S"},
		{Column: "st", Count: 1, Reason: "st.age: expected int8, got S"},
		{Column: "ts", Count: 1, Reason: `expected timestamptz in time format "2006-01-02T15:04:05Z07:00", got "yesterday"`},
	}
	if !reflect.DeepEqual(mm, want) {
		t.Errorf("Mismatches:\n%s\nwant\n%s", dump(mm), dump(want))
	}
	r0 := row(rec, 0)
	wantRow0 := map[string]any{
		"i": nil, "f": 1.2345678901234568e36, "d": nil, "ts": nil, "bo": nil, "bin": nil,
		"nums": []any{int64(2), nil}, "st": map[string]any{}, "lst": []any{int64(1), nil}, "txt": "5",
	}
	if !reflect.DeepEqual(r0, wantRow0) {
		t.Errorf("row 0 = %v\nwant %v", r0, wantRow0)
	}
	if got := row(rec, 1)["txt"]; got != `{"a":true}` {
		t.Errorf("txt = %v", got)
	}
	if got := row(rec, 2)["f"]; got != 0.1 {
		t.Errorf("f = %v", got)
	}
}

func TestMismatchesCumulative(t *testing.T) {
	sch, err := attrarrow.Infer([]item{doc("b", m("x", n("1")), "a", n("1"))}, nil, opts(1))
	if err != nil {
		t.Fatal(err)
	}
	c := attrarrow.NewConverter(sch, memory.NewGoAllocator())
	defer c.Release()
	for range 2 {
		c.Append(doc("b", s("x"), "a", s("y")))
		c.Append(doc("b", m("x", s("z"))))
		rec := c.NewRecordBatch()
		if rec.NumRows() != 2 {
			t.Errorf("NumRows = %d", rec.NumRows())
		}
		rec.Release()
	}
	want := []attrarrow.Mismatch{
		{Column: "a", Count: 2, Reason: "expected int8, got S"},
		{Column: "b.x", Count: 2, Reason: "expected int8, got S"},
		{Column: "b.x", Count: 2, Reason: "expected a map at b, got S"},
	}
	if got := c.Mismatches(); !reflect.DeepEqual(got, want) {
		t.Errorf("Mismatches:\n%s\nwant\n%s", dump(got), dump(want))
	}
}

func TestHandBuiltSchema(t *testing.T) {
	// A schema built by hand with a type Infer never produces, a nanosecond
	// timestamp and no Arrow schema: unsupported columns are NULL and counted.
	cols := []attrarrow.Column{
		{Name: "i32", Path: []string{"i32"}, Field: arrow.Field{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true}},
		{Name: "ts", Path: []string{"ts"}, Field: arrow.Field{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true}},
		{Name: "nopath", Field: arrow.Field{Name: "nopath", Type: tUtf8, Nullable: true}},
	}
	sch := &attrarrow.Schema{Columns: cols, Options: attrarrow.Options{TimeFormat: time.DateTime}}
	rec, mm := convertWith(t, sch, []item{
		doc("i32", n("1"), "ts", s("2024-03-15 14:30:00.123456789"), "nopath", s("x")),
		doc("ts", s("1500-01-01 00:00:00")),
	})
	if got := cell(rec.Column(1), 0).(time.Time); !got.Equal(time.Date(2024, 3, 15, 14, 30, 0, 123456789, time.UTC)) {
		t.Errorf("ts = %v", got)
	}
	want := []attrarrow.Mismatch{
		{Column: "i32", Count: 1, Reason: "column type int32 is not supported, values returned as NULL"},
		{Column: "ts", Count: 1, Reason: `time "1500-01-01 00:00:00" out of timestamp range`},
	}
	if !reflect.DeepEqual(mm, want) {
		t.Errorf("Mismatches:\n%s\nwant\n%s", dump(mm), dump(want))
	}
}

// TestEdgeValues: empty strings, unicode, NUL bytes, 38-digit numbers, deep
// maps, empty lists and sets, odd AttributeValues.
func TestEdgeValues(t *testing.T) {
	deep := func(levels int) av {
		v := n("7")
		for range levels {
			v = m("k", v)
		}
		return v
	}
	var deepWant any = int64(7)
	for range 32 {
		deepWant = map[string]any{"k": deepWant}
	}
	items := []item{
		doc("id", s(""), "uni", s("ключ 🙂\u0000\u200b"), "bin", b(0, 0, 0), "big", n("-99999999999999999999999999999999999999"),
			"deep", deep(32), "deeper", deep(80), "el", l(), "ss", ss(), "ns", ns(), "bs", bs(), "em", m()),
		doc("id", s("2"), "nilmap", nil, "typednil", (*types.AttributeValueMemberS)(nil), "unknown", &types.UnknownUnionMember{Tag: "Z"}),
	}
	sch, rec, mm := convert(t, items, nil, attrarrow.DefaultOptions())
	r := row(rec, 0)
	// Beyond 48 levels (DynamoDB allows 32) the rest of the value is JSON text.
	var deeper any = r["deeper"]
	for range 48 {
		mv, ok := deeper.(map[string]any)
		if !ok {
			t.Fatalf("deeper: %#v is not a struct", deeper)
		}
		deeper = mv["k"]
	}
	if got, want := deeper, strings.Repeat(`{"k":`, 32)+"7"+strings.Repeat("}", 32); got != want {
		t.Errorf("deeper at level 48 = %#v, want %s", got, want)
	}
	checks := map[string]any{
		"id": "", "uni": "ключ 🙂\u0000\u200b", "bin": []byte{0, 0, 0}, "big": -1e38, "deep": deepWant,
		"el": []any{}, "ss": []any{}, "ns": []any{}, "bs": []any{}, "em": "{}",
	}
	for k, w := range checks {
		if !reflect.DeepEqual(r[k], w) {
			t.Errorf("%s = %#v, want %#v", k, r[k], w)
		}
	}
	if _, ok := sch.Column("typednil"); ok {
		t.Errorf("a typed nil pointer made a column")
	}
	want := []attrarrow.Mismatch{
		{Column: "big", Count: 1, Reason: "number -99999999999999999999999999999999999999 lost precision as float8", Kept: true},
		{Column: "unknown", Count: 1, Reason: "expected text, got unknown"},
	}
	if !reflect.DeepEqual(mm, want) {
		t.Errorf("Mismatches:\n%s\nwant\n%s", dump(mm), dump(want))
	}
	// Values of the unknown member's column: the member itself is counted.
	sch2, err := attrarrow.Infer(items[:1], nil, attrarrow.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	odd := []item{doc("id", (*types.AttributeValueMemberS)(nil), "uni", &types.UnknownUnionMember{Tag: "Z"}, "big", (*types.AttributeValueMemberN)(nil),
		"deep", (*types.AttributeValueMemberM)(nil), "el", (*types.AttributeValueMemberL)(nil), "ss", (*types.AttributeValueMemberSS)(nil))}
	rec2, mm2 := convertWith(t, sch2, odd)
	for k, v := range row(rec2, 0) {
		if v != nil {
			t.Errorf("%s = %#v, want NULL", k, v)
		}
	}
	want2 := []attrarrow.Mismatch{{Column: "uni", Count: 1, Reason: "expected text, got unknown"}}
	if !reflect.DeepEqual(mm2, want2) {
		t.Errorf("Mismatches:\n%s\nwant\n%s", dump(mm2), dump(want2))
	}
}

func dump(mm []attrarrow.Mismatch) string {
	var sb strings.Builder
	for _, m := range mm {
		b, _ := json.Marshal(m)
		sb.Write(b)
		sb.WriteByte('\n')
	}
	return sb.String()
}

func TestListAndSetMerge(t *testing.T) {
	items := []item{doc("v", ss("a", "b")), doc("v", l()), doc("v", l(n("1"), s("x")))}
	sch, rec, mm := convert(t, items, nil, attrarrow.DefaultOptions())
	if len(mm) != 0 {
		t.Errorf("mismatches: %+v", mm)
	}
	if got := typeOf(t, sch, "v"); !arrow.TypeEqual(got, listOf(tUtf8)) {
		t.Errorf("type = %s", got)
	}
	want := []any{[]any{"a", "b"}, []any{}, []any{"1", "x"}}
	for i, w := range want {
		if got := cell(rec.Column(0), i); !reflect.DeepEqual(got, w) {
			t.Errorf("row %d = %#v, want %#v", i, got, w)
		}
	}
}

// TestNoColumns: a projection of no columns (count(*)) still counts rows.
func TestNoColumns(t *testing.T) {
	sch, err := attrarrow.Infer([]item{doc("a", n("1"))}, nil, attrarrow.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	none, err := sch.Select(nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := convertWith(t, none, []item{doc("a", n("1")), doc()})
	if rec.NumCols() != 0 || rec.NumRows() != 2 {
		t.Errorf("batch is %d × %d, want 2 rows × 0 columns", rec.NumRows(), rec.NumCols())
	}
	if got := none.TopLevelAttributes(); len(got) != 0 {
		t.Errorf("TopLevelAttributes = %v", got)
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		in     string
		float  bool   // convert in a Float64 column (else Int64)
		want   any    // value read back
		reason string // mismatch reason, "" for none
	}{
		{"0", false, int64(0), ""},
		{"-0", false, int64(0), ""},
		{"+7", false, int64(7), ""},
		{"1.0", false, int64(1), ""},
		{"1.", false, int64(1), ""},
		{"1e3", false, int64(1000), ""},
		{"1E+3", false, int64(1000), ""},
		{"100E-2", false, int64(1), ""},
		{"0.0e5", false, int64(0), ""},
		{"9223372036854775807", false, int64(math.MaxInt64), ""},
		{"-9223372036854775808", false, int64(math.MinInt64), ""},
		{"-922337203685477580.8E1", false, int64(math.MinInt64), ""},
		{"9223372036854775808", false, nil, "number 9223372036854775808 out of int8 range"},
		{"1e19", false, nil, "number 1e19 out of int8 range"},
		{"1e1000000000", false, nil, "number 1e1000000000 out of int8 range"},
		{"1.5", false, nil, "expected int8, got non-integral number 1.5"},
		{"1e-1000000000", false, nil, "expected int8, got non-integral number 1e-1000000000"},
		{"", false, nil, `expected int8, got invalid number ""`},
		{"1e", false, nil, `expected int8, got invalid number "1e"`},
		{"0x10", false, nil, `expected int8, got invalid number "0x10"`},
		{"1_000", false, nil, `expected int8, got invalid number "1_000"`},
		{"0.1", true, 0.1, ""},
		{".5", true, 0.5, ""},
		{"-2.5E-3", true, -0.0025, ""},
		{"1e-130", true, 1e-130, ""},
		{"9.99E+125", true, 9.99e125, ""},
		{"123456789012345", true, 123456789012345.0, ""},
		{"1234567890123456789", true, 1234567890123456789.0, "number 1234567890123456789 lost precision as float8"},
		{"0.30000000000000004", true, 0.30000000000000004, ""},
		{"1.00000000000000000000", true, 1.0, ""},
		{"1e-400", true, 0.0, "number 1e-400 lost precision as float8"},
		{"1e400", true, nil, "number 1e400 out of float8 range"},
		{"NaN", true, nil, `expected float8, got invalid number "NaN"`},
		{"Inf", true, nil, `expected float8, got invalid number "Inf"`},
	}
	intSch, _ := attrarrow.Infer([]item{doc("v", n("1"))}, nil, attrarrow.DefaultOptions())
	floatSch, _ := attrarrow.Infer([]item{doc("v", n("1.5"))}, nil, attrarrow.DefaultOptions())
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			sch := intSch
			if tt.float {
				sch = floatSch
			}
			rec, mm := convertWith(t, sch, []item{doc("v", n(tt.in))})
			if got := cell(rec.Column(0), 0); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("value = %#v, want %#v", got, tt.want)
			}
			var reason string
			if len(mm) == 1 {
				reason = mm[0].Reason
			}
			if reason != tt.reason || len(mm) > 1 {
				t.Errorf("mismatches = %+v, want %q", mm, tt.reason)
			}
		})
	}
}

func TestSetElementMismatchesAndUTF8(t *testing.T) {
	sch, err := attrarrow.Infer([]item{doc("ints", l(n("1")), "bins", bs([]byte{1}), "txt", l(s("a"), n("1")), "s", s("x"), "d", l(s("2024-01-01")))}, nil, attrarrow.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	rec, mm := convertWith(t, sch, []item{
		doc("ints", ss("a"), "bins", ns("1"), "txt", bs([]byte{0xff}), "s", s("ok\xffok"), "d", ss("2024-01-02", "x")),
		doc("ints", bs([]byte{1}), "bins", ss("b"), "txt", ns("2.50"), "s", n("1\xff")),
	})
	want := []attrarrow.Mismatch{
		{Column: "bins", Count: 1, Reason: "bins[]: expected bytea, got S"},
		{Column: "bins", Count: 1, Reason: "bins[]: expected bytea, got N"},
		{Column: "d", Count: 1, Reason: `d[]: expected date as YYYY-MM-DD, got "x"`},
		{Column: "ints", Count: 1, Reason: "ints[]: expected int8, got S"},
		{Column: "ints", Count: 1, Reason: "ints[]: expected int8, got B"},
		{Column: "s", Count: 2, Reason: "invalid UTF-8 replaced with U+FFFD", Kept: true},
	}
	if !reflect.DeepEqual(mm, want) {
		t.Errorf("Mismatches:\n%s\nwant\n%s", dump(mm), dump(want))
	}
	wantRows := []map[string]any{
		{"ints": []any{nil}, "bins": []any{nil}, "txt": []any{"/w=="}, "s": "ok\uFFFDok", "d": []any{"2024-01-02", nil}},
		{"ints": []any{nil}, "bins": []any{nil}, "txt": []any{"2.50"}, "s": "1\uFFFD", "d": nil},
	}
	for i, w := range wantRows {
		if got := row(rec, i); !reflect.DeepEqual(got, w) {
			t.Errorf("row %d = %#v\nwant %#v", i, got, w)
		}
	}
}

func TestSumMismatches(t *testing.T) {
	got := attrarrow.SumMismatches(
		[]attrarrow.Mismatch{{Column: "a", Count: 2, Reason: "first"}, {Column: "b", Count: 1, Kept: true}},
		nil,
		[]attrarrow.Mismatch{{Column: "a", Count: 3, Reason: "later"}, {Column: "b", Count: 4}, {Column: "b", Count: 1, Kept: true}},
	)
	want := []attrarrow.Mismatch{
		{Column: "a", Count: 5, Reason: "first"},
		{Column: "b", Count: 2, Kept: true},
		{Column: "b", Count: 4},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

package pgtypes_test

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

func TestResultFormats(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64},
		{Name: "b", Type: arrow.BinaryTypes.String},
		{Name: "c", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
	T, B := pgtypes.TextFormat, pgtypes.BinaryFormat
	tests := []struct {
		name    string
		formats []pgtypes.Format
		want    []pgtypes.Format
		err     string
	}{
		{name: "none means text", formats: nil, want: []pgtypes.Format{T, T, T}},
		{name: "one applies to all", formats: []pgtypes.Format{B}, want: []pgtypes.Format{B, B, B}},
		{name: "one per column", formats: []pgtypes.Format{B, T, B}, want: []pgtypes.Format{B, T, B}},
		{name: "count mismatch", formats: []pgtypes.Format{B, T}, err: "2 result formats for 3 columns"},
		{name: "unknown code", formats: []pgtypes.Format{2}, err: "unsupported format code 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := pgtypes.NewRowEncoder(schema, tt.formats, pgtypes.Options{})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := enc.Formats()
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Fatalf("Formats() = %v, want %v", got, tt.want)
				}
			}
			types := enc.Types()
			if types[0].OID != pgtypes.Int8OID || types[1].OID != pgtypes.TextOID || types[2].OID != pgtypes.BoolOID {
				t.Fatalf("Types() = %+v", types)
			}
		})
	}
}

// TestBatchesAndSlices encodes several rows of a batch mixing every kind of
// column, then the same rows through sliced batches (non-zero offsets in
// every child array), and a new batch after the first: each must give the
// same bytes row by row.
func TestBatchesAndSlices(t *testing.T) {
	dict := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	structType := arrow.StructOf(
		arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		arrow.Field{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true})
	cols := []struct {
		dt arrow.DataType
		js string
	}{
		{arrow.FixedWidthTypes.Boolean, `[true,null,false,true,false]`},
		{arrow.PrimitiveTypes.Int64, `[1,2,null,4,5]`},
		{arrow.BinaryTypes.String, `["a","",null,"d d","é"]`},
		{arrow.BinaryTypes.StringView, `["short","a much longer string view value",null,"x",""]`},
		{tsUS, `[0,1,2,null,-1]`},
		{dec38_2, `["1.00","-2.50",null,"0.01","100"]`},
		{dict, `["x","y",null,"x","z"]`},
		{arrow.ListOf(arrow.PrimitiveTypes.Int64), `[[1],[],null,[2,null,3],[4]]`},
		{arrow.FixedSizeListOf(2, arrow.BinaryTypes.String), `[["a","b"],null,["c d",null],["",""],["e","f"]]`},
		{structType, `[{"n":1,"l":["a"]},null,{"n":null,"l":null},{"n":4,"l":[]},{"n":5,"l":["x y",null]}]`},
		{arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), `[[{"key":"k","value":1}],null,[],[{"key":"a","value":null},{"key":"b","value":2}],[{"key":"z","value":3}]]`},
	}
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		arrs[i] = makeArray(t, c.dt, c.js)
		defer arrs[i].Release()
	}
	rec := record(arrs...)
	defer rec.Release()

	for _, format := range []pgtypes.Format{pgtypes.TextFormat, pgtypes.BinaryFormat} {
		t.Run(format.String(), func(t *testing.T) {
			full := encodeAll(t, rec, format)
			if got, want := string(full[3][9]), `{"n":4,"l":[]}`; got != want {
				t.Errorf("row 3 struct = %q, want %q", got, want)
			}
			if got, want := string(full[3][10]), `{"a":null,"b":2}`; got != want {
				t.Errorf("row 3 map = %q, want %q", got, want)
			}
			if full[2][6] != nil || full[1][8] != nil || full[1][9] != nil {
				t.Errorf("NULLs must be nil: %q %q %q", full[2][6], full[1][8], full[1][9])
			}
			if full[1][2] == nil || len(full[1][2]) != 0 {
				t.Errorf("empty string must be empty, not NULL: %#v", full[1][2])
			}
			for _, bounds := range [][2]int64{{1, 4}, {2, 5}, {4, 5}} {
				slice := rec.NewSlice(bounds[0], bounds[1])
				got := encodeAll(t, slice, format)
				slice.Release()
				for r := range got {
					for c := range got[r] {
						if string(got[r][c]) != string(full[int(bounds[0])+r][c]) || (got[r][c] == nil) != (full[int(bounds[0])+r][c] == nil) {
							t.Errorf("slice %v row %d col %d: %q, unsliced %q", bounds, r, c, got[r][c], full[int(bounds[0])+r][c])
						}
					}
				}
			}
		})
	}
}

// encodeAll encodes every row of rec with one encoder, copying the values.
func encodeAll(t *testing.T, rec arrow.RecordBatch, format pgtypes.Format) [][][]byte {
	t.Helper()
	enc, err := pgtypes.NewRowEncoder(rec.Schema(), []pgtypes.Format{format}, pgtypes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rows [][][]byte
	var dst [][]byte
	for r := 0; r < int(rec.NumRows()); r++ {
		dst, err = enc.EncodeRow(rec, r, dst)
		if err != nil {
			t.Fatalf("row %d: %v", r, err)
		}
		if len(dst) != int(rec.NumCols()) {
			t.Fatalf("row %d: %d values for %d columns", r, len(dst), rec.NumCols())
		}
		row := make([][]byte, len(dst))
		for c, v := range dst {
			if v != nil {
				row[c] = append([]byte{}, v...)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func TestEncodeRowErrors(t *testing.T) {
	ints := makeArray(t, arrow.PrimitiveTypes.Int64, `[1,2]`)
	defer ints.Release()
	strs := makeArray(t, arrow.BinaryTypes.String, `["a","b"]`)
	defer strs.Release()
	rec := record(ints)
	defer rec.Release()
	enc, err := pgtypes.NewRowEncoder(rec.Schema(), nil, pgtypes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wrongType := record(strs)
	defer wrongType.Release()
	twoCols := record(ints, strs)
	defer twoCols.Release()
	tests := []struct {
		name string
		rec  arrow.RecordBatch
		row  int
		err  string
	}{
		{"row past the end", rec, 2, "row 2 out of range"},
		{"negative row", rec, -1, "row -1 out of range"},
		{"other column type", wrongType, 0, "batch has type utf8, the schema int64"},
		{"other column count", twoCols, 0, "record batch has 2 columns, the encoder 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := enc.EncodeRow(tt.rec, tt.row, nil)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.err)
			}
		})
	}
	// The encoder still works after errors.
	row, err := enc.EncodeRow(rec, 1, nil)
	if err != nil || string(row[0]) != "2" {
		t.Fatalf("after errors: %q, %v", row, err)
	}
}

// TestAppendDataRow: AppendDataRow appends whole DataRow messages, as
// pgproto3 decodes them, after what the buffer already holds; a NULL is
// length -1 and an empty value length 0; an error leaves the buffer as it was.
func TestAppendDataRow(t *testing.T) {
	ints := makeArray(t, arrow.PrimitiveTypes.Int64, `[1,null,-3]`)
	defer ints.Release()
	strs := makeArray(t, arrow.BinaryTypes.String, `["a","",null]`)
	defer strs.Release()
	rec := record(ints, strs)
	defer rec.Release()
	enc, err := pgtypes.NewRowEncoder(rec.Schema(), nil, pgtypes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.AppendDataRow(nil, 0); err == nil || !strings.Contains(err.Error(), "no record batch bound") {
		t.Fatalf("before Bind: err = %v", err)
	}
	if err := enc.Bind(rec); err != nil {
		t.Fatal(err)
	}
	buf := []byte("prefix")
	for r := 0; r < 3; r++ {
		if buf, err = enc.AppendDataRow(buf, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := enc.AppendDataRow(buf[:len(buf):len(buf)], 3); err == nil || !strings.Contains(err.Error(), "row 3 out of range") {
		t.Fatalf("row past the end: err = %v", err)
	}
	if string(buf[:6]) != "prefix" {
		t.Fatalf("prefix overwritten: %q", buf[:6])
	}
	want := [][]any{{"1", "a"}, {nil, ""}, {"-3", nil}}
	p := buf[6:]
	for r, w := range want {
		if len(p) < 5 || p[0] != 'D' {
			t.Fatalf("row %d: not a DataRow: %q", r, p)
		}
		n := int(binary.BigEndian.Uint32(p[1:])) + 1
		var m pgproto3.DataRow
		if err := m.Decode(p[5:n]); err != nil {
			t.Fatalf("row %d: %v", r, err)
		}
		p = p[n:]
		if len(m.Values) != len(w) {
			t.Fatalf("row %d: %d values, want %d", r, len(m.Values), len(w))
		}
		for c, v := range w {
			if v == nil {
				if m.Values[c] != nil {
					t.Errorf("row %d col %d = %q, want NULL", r, c, m.Values[c])
				}
				continue
			}
			if m.Values[c] == nil || string(m.Values[c]) != v.(string) {
				t.Errorf("row %d col %d = %q, want %q", r, c, m.Values[c], v)
			}
		}
	}
	if len(p) != 0 {
		t.Fatalf("%d bytes after the last row", len(p))
	}
}

// TestOutOfRange: values PostgreSQL cannot hold fail, naming the column and
// wrapping ErrOutOfRange, in both formats, also inside arrays and JSON.
func TestOutOfRange(t *testing.T) {
	tests := []struct {
		name string
		dt   arrow.DataType
		js   string
	}{
		{"date after 5874897", arrow.FixedWidthTypes.Date32, `[2147483646]`},
		{"date before 4714 BC", arrow.FixedWidthTypes.Date32, `[` + days(-4713, 11, 23) + `]`},
		{"timestamp before 4714 BC", tsUS, `[` + stamp(arrow.Microsecond, -4713, 11, 23, 23, 59, 59, 0) + `]`},
		{"timestamp seconds overflowing µs", tsS, `[9223372036854775]`},
		{"timestamptz seconds overflowing µs", &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, `[-9223372036854775]`},
		{"time past 24:00", arrow.FixedWidthTypes.Time64us, `[86400000001]`},
		{"negative time", arrow.FixedWidthTypes.Time32s, `[-1]`},
		{"duration overflowing µs", arrow.FixedWidthTypes.Duration_s, `[9223372036854775]`},
		{"in an array", arrow.ListOf(arrow.FixedWidthTypes.Date32), `[[0,2147483646]]`},
		{"in a struct", arrow.StructOf(arrow.Field{Name: "t", Type: arrow.FixedWidthTypes.Time32s, Nullable: true}), `[{"t":86401}]`},
	}
	for _, tt := range tests {
		for _, format := range []pgtypes.Format{pgtypes.TextFormat, pgtypes.BinaryFormat} {
			t.Run(tt.name+"/"+format.String(), func(t *testing.T) {
				arr := makeArray(t, tt.dt, tt.js)
				defer arr.Release()
				rec := record(arr)
				defer rec.Release()
				enc, err := pgtypes.NewRowEncoder(rec.Schema(), []pgtypes.Format{format}, pgtypes.Options{})
				if err != nil {
					t.Fatal(err)
				}
				_, err = enc.EncodeRow(rec, 0, nil)
				if !errors.Is(err, pgtypes.ErrOutOfRange) || !strings.Contains(err.Error(), `column "c0"`) {
					t.Fatalf("err = %v, want ErrOutOfRange naming the column", err)
				}
			})
		}
	}
}

// TestRounding pins the sub-microsecond rule: nanoseconds round to the
// nearest microsecond, half away from zero.
func TestRounding(t *testing.T) {
	tests := []struct {
		name string
		dt   arrow.DataType
		js   string
		want string
	}{
		{"timestamp half up", tsNS, `[1500]`, "1970-01-01 00:00:00.000002"},
		{"timestamp below half", tsNS, `[1499]`, "1970-01-01 00:00:00.000001"},
		{"negative timestamp half away from zero", tsNS, `[-500]`, "1969-12-31 23:59:59.999999"},
		{"negative timestamp below half", tsNS, `[-499]`, "1970-01-01 00:00:00"},
		{"time rounds up to 24:00", arrow.FixedWidthTypes.Time64ns, `[86399999999500]`, "24:00:00"},
		{"interval nanoseconds", arrow.FixedWidthTypes.MonthDayNanoInterval, `[{"months":0,"days":0,"nanoseconds":2500}]`, "00:00:00.000003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arr := makeArray(t, tt.dt, tt.js)
			defer arr.Release()
			got, _ := encodeOne(t, arr, pgtypes.TextFormat, pgtypes.Options{})
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTimestamptzLocation(t *testing.T) {
	arr := makeArray(t, tstzUS, `[`+stamp(arrow.Microsecond, 2024, 3, 15, 14, 30, 0, 0)+`]`)
	defer arr.Release()
	tests := []struct {
		loc  *time.Location
		want string
	}{
		{nil, "2024-03-15 14:30:00+00"},
		{time.UTC, "2024-03-15 14:30:00+00"},
		{time.FixedZone("", -(3*3600 + 30*60)), "2024-03-15 11:00:00-03:30"},
		{location(t, "Australia/Lord_Howe"), "2024-03-16 01:30:00+11"},
	}
	for _, tt := range tests {
		got, _ := encodeOne(t, arr, pgtypes.TextFormat, pgtypes.Options{Location: tt.loc})
		if string(got) != tt.want {
			t.Errorf("in %v: got %q, want %q", tt.loc, got, tt.want)
		}
	}
}

// TestMaps: Postgres has no map type; maps are json objects whose keys are
// the keys' text forms.
func TestMaps(t *testing.T) {
	tests := []struct {
		name string
		dt   arrow.DataType
		js   string
		want string
	}{
		{"string keys", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64),
			`[[{"key":"a","value":1.5},{"key":"q\"uote","value":null},{"key":"a","value":"NaN"}]]`,
			`{"a":1.5,"q\"uote":null,"a":"NaN"}`},
		{"integer keys", arrow.MapOf(arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String), `[[{"key":1,"value":"x"},{"key":-2,"value":""}]]`,
			`{"1":"x","-2":""}`},
		{"timestamp keys", arrow.MapOf(tsUS, arrow.FixedWidthTypes.Boolean), `[[{"key":0,"value":true}]]`,
			`{"1970-01-01 00:00:00":true}`},
		{"empty", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), `[[]]`, `{}`},
		{"nested values", arrow.MapOf(arrow.BinaryTypes.String, arrow.ListOf(arrow.PrimitiveTypes.Int64)),
			`[[{"key":"l","value":[1,null]}]]`, `{"l":[1,null]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arr := makeArray(t, tt.dt, tt.js)
			defer arr.Release()
			text, typ := encodeOne(t, arr, pgtypes.TextFormat, pgtypes.Options{})
			bin, _ := encodeOne(t, arr, pgtypes.BinaryFormat, pgtypes.Options{})
			if typ.OID != pgtypes.JSONOID {
				t.Errorf("type %+v, want json", typ)
			}
			if string(text) != tt.want || string(bin) != tt.want {
				t.Errorf("text %q, binary %q, want %q", text, bin, tt.want)
			}
		})
	}
}

// TestDictionaryNulls: a dictionary value is NULL when its index is, or
// when the dictionary entry it points at is.
func TestDictionaryNulls(t *testing.T) {
	values := makeArray(t, arrow.BinaryTypes.String, `["a",null,"c"]`)
	defer values.Release()
	indices := makeArray(t, arrow.PrimitiveTypes.Int8, `[2,1,null,0]`)
	defer indices.Release()
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	dict := array.NewDictionaryArray(dt, indices, values)
	defer dict.Release()
	rec := record(dict)
	defer rec.Release()
	enc, err := pgtypes.NewRowEncoder(rec.Schema(), nil, pgtypes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"c", nil, nil, "a"}
	for r, w := range want {
		row, err := enc.EncodeRow(rec, r, nil)
		if err != nil {
			t.Fatal(err)
		}
		if w == nil && row[0] != nil || w != nil && string(row[0]) != w {
			t.Errorf("row %d = %q, want %v", r, row[0], w)
		}
	}
}

func TestForArrowUnsupported(t *testing.T) {
	unknownExt := &testExt{ExtensionBase: arrow.ExtensionBase{Storage: arrow.PrimitiveTypes.Int8}, name: "arrow.bool8"}
	badUUID := &testExt{ExtensionBase: arrow.ExtensionBase{Storage: arrow.BinaryTypes.String}, name: "arrow.uuid"}
	tests := []struct {
		dt   arrow.DataType
		want string
	}{
		{arrow.SparseUnionOf([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int8}}, []arrow.UnionTypeCode{0}), "sparse_union"},
		{arrow.RunEndEncodedOf(arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String), "run_end_encoded"},
		{unknownExt, "unknown extension type arrow.bool8"},
		{badUUID, "unexpected storage type utf8"},
		{arrow.ListOf(arrow.RunEndEncodedOf(arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int8)), "run_end_encoded"},
		{arrow.StructOf(arrow.Field{Name: "u", Type: unknownExt}), `struct field "u"`},
		{&arrow.Decimal256Type{Precision: 76, Scale: 1001}, "outside PostgreSQL's numeric range"},
	}
	for _, tt := range tests {
		_, err := pgtypes.ForArrow(tt.dt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ForArrow(%s) error = %v, want it to contain %q", tt.dt, err, tt.want)
		}
		schema := arrow.NewSchema([]arrow.Field{{Name: "col", Type: tt.dt}}, nil)
		if _, err := pgtypes.NewRowEncoder(schema, nil, pgtypes.Options{}); err == nil || !strings.Contains(err.Error(), `column "col"`) {
			t.Errorf("NewRowEncoder(%s) error = %v, want it to name the column", tt.dt, err)
		}
	}
}

func TestTypeCatalog(t *testing.T) {
	all := pgtypes.All()
	if len(all) == 0 {
		t.Fatal("All() is empty")
	}
	for i, typ := range all {
		if i > 0 && all[i-1].OID >= typ.OID {
			t.Fatalf("All() not ordered by OID at %d", i)
		}
		got, ok := pgtypes.TypeByOID(typ.OID)
		if !ok || got != typ {
			t.Errorf("TypeByOID(%d) = %+v, %v; All has %+v", typ.OID, got, ok, typ)
		}
		if typ.Modifier != -1 {
			t.Errorf("%s: catalog modifier %d, want -1", typ.Name, typ.Modifier)
		}
		if typ.IsArray() {
			elem, ok := pgtypes.TypeByOID(typ.Elem)
			if !ok || typ.Name != "_"+elem.Name || typ.Len != -1 {
				t.Errorf("array %+v: element %+v", typ, elem)
			}
			if arr, ok := pgtypes.ArrayTypeOf(typ.Elem); !ok || arr != typ {
				t.Errorf("ArrayTypeOf(%d) = %+v, want %+v", typ.Elem, arr, typ)
			}
		}
	}
	// Spot checks against pg_type.dat.
	for _, c := range []struct {
		oid  pgtypes.OID
		name string
		len  int16
	}{
		{16, "bool", 1}, {17, "bytea", -1}, {20, "int8", 8}, {21, "int2", 2}, {23, "int4", 4}, {25, "text", -1},
		{114, "json", -1}, {199, "_json", -1}, {700, "float4", 4}, {701, "float8", 8}, {705, "unknown", -2},
		{1043, "varchar", -1}, {1082, "date", 4}, {1083, "time", 8}, {1114, "timestamp", 8}, {1184, "timestamptz", 8},
		{1186, "interval", 16}, {1700, "numeric", -1}, {2950, "uuid", 16}, {1016, "_int8", -1}, {1231, "_numeric", -1},
	} {
		typ, ok := pgtypes.TypeByOID(c.oid)
		if !ok || typ.Name != c.name || typ.Len != c.len {
			t.Errorf("TypeByOID(%d) = %+v, want %s len %d", c.oid, typ, c.name, c.len)
		}
	}
	if _, ok := pgtypes.TypeByOID(3802); ok {
		t.Error("jsonb is not produced and must not be claimed")
	}
}

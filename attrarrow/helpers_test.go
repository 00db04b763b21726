package attrarrow_test

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

// Shorthands for building AttributeValues.
type (
	av   = types.AttributeValue
	item = map[string]types.AttributeValue
)

func s(v string) av                    { return &types.AttributeValueMemberS{Value: v} }
func n(v string) av                    { return &types.AttributeValueMemberN{Value: v} }
func b(v ...byte) av                   { return &types.AttributeValueMemberB{Value: v} }
func boolean(v bool) av                { return &types.AttributeValueMemberBOOL{Value: v} }
func null() av                         { return &types.AttributeValueMemberNULL{Value: true} }
func ss(v ...string) av                { return &types.AttributeValueMemberSS{Value: v} }
func ns(v ...string) av                { return &types.AttributeValueMemberNS{Value: v} }
func bs(v ...[]byte) av                { return &types.AttributeValueMemberBS{Value: v} }
func l(v ...av) av                     { return &types.AttributeValueMemberL{Value: v} }
func m(kv ...any) av                   { return &types.AttributeValueMemberM{Value: fields(kv...)} }
func doc(kv ...any) item               { return fields(kv...) }
func opts(depth int) attrarrow.Options { return attrarrow.Options{UnnestDepth: depth} }

func fields(kv ...any) map[string]av {
	out := make(map[string]av, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		v, _ := kv[i+1].(av) // nil stays a nil AttributeValue
		out[kv[i].(string)] = v
	}
	return out
}

// convert infers a schema from items (all of them) and converts the same items.
func convert(t testing.TB, items []item, keys []attrarrow.KeyAttribute, o attrarrow.Options) (*attrarrow.Schema, arrow.RecordBatch, []attrarrow.Mismatch) {
	t.Helper()
	sch, err := attrarrow.Infer(items, keys, o)
	if err != nil {
		t.Fatalf("Infer: %v", err)
	}
	rec, mm := convertWith(t, sch, items)
	return sch, rec, mm
}

// convertWith converts items with a given schema and validates the batch.
func convertWith(t testing.TB, sch *attrarrow.Schema, items []item) (arrow.RecordBatch, []attrarrow.Mismatch) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	c := attrarrow.NewConverter(sch, mem)
	for _, it := range items {
		c.Append(it)
	}
	if c.Len() != len(items) {
		t.Fatalf("Len = %d, want %d", c.Len(), len(items))
	}
	rec := c.NewRecordBatch()
	if c.Len() != 0 {
		t.Fatalf("Len after NewRecordBatch = %d, want 0", c.Len())
	}
	mm := c.Mismatches()
	c.Release()
	if err := array.ValidateRecordFull(rec); err != nil {
		t.Fatalf("invalid record batch: %v", err)
	}
	if int(rec.NumRows()) != len(items) {
		t.Fatalf("NumRows = %d, want %d", rec.NumRows(), len(items))
	}
	t.Cleanup(func() {
		rec.Release()
		mem.AssertSize(t, 0)
	})
	return rec, mm
}

// cell reads one value back as a plain Go value: nil for NULL, bool, string,
// []byte, int64, float64, "YYYY-MM-DD" for dates, time.Time (UTC) for
// timestamps, []any for lists, map[string]any (non-null fields only) for
// structs.
func cell(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return append([]byte{}, a.Value(i)...)
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC()
	case *array.List:
		start, end := a.ValueOffsets(i)
		out := make([]any, 0, end-start)
		for j := start; j < end; j++ {
			out = append(out, cell(a.ListValues(), int(j)))
		}
		return out
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		out := map[string]any{}
		for f := range st.NumFields() {
			if v := cell(a.Field(f), i); v != nil {
				out[st.Field(f).Name] = v
			}
		}
		return out
	}
	panic("cell: unsupported array " + arr.DataType().String())
}

// row reads row i of rec as column name → value (NULLs included as nil).
func row(rec arrow.RecordBatch, i int) map[string]any {
	out := map[string]any{}
	for c := range int(rec.NumCols()) {
		out[rec.ColumnName(c)] = cell(rec.Column(c), i)
	}
	return out
}

func columnNames(sch *attrarrow.Schema) []string {
	var out []string
	for _, c := range sch.Columns {
		out = append(out, c.Name)
	}
	return out
}

func typeOf(t testing.TB, sch *attrarrow.Schema, name string) arrow.DataType {
	t.Helper()
	c, ok := sch.Column(name)
	if !ok {
		t.Fatalf("no column %q in %v", name, columnNames(sch))
	}
	return c.Field.Type
}

// Arrow types used in expectations.
var (
	tBool    arrow.DataType = arrow.FixedWidthTypes.Boolean
	tUtf8    arrow.DataType = arrow.BinaryTypes.String
	tBinary  arrow.DataType = arrow.BinaryTypes.Binary
	tInt64   arrow.DataType = arrow.PrimitiveTypes.Int64
	tFloat64 arrow.DataType = arrow.PrimitiveTypes.Float64
	tDate32  arrow.DataType = arrow.FixedWidthTypes.Date32
	tTsUTC   arrow.DataType = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	tTsNaive arrow.DataType = &arrow.TimestampType{Unit: arrow.Millisecond}
)

func listOf(t arrow.DataType) arrow.DataType { return arrow.ListOf(t) }

func structOf(kv ...any) arrow.DataType {
	var fs []arrow.Field
	for i := 0; i+1 < len(kv); i += 2 {
		fs = append(fs, arrow.Field{Name: kv[i].(string), Type: kv[i+1].(arrow.DataType), Nullable: true})
	}
	return arrow.StructOf(fs...)
}

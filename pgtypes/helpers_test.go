package pgtypes_test

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the golden zones must exist wherever the tests run

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// testExt is a minimal Arrow extension type standing in for the canonical
// arrow.uuid and arrow.json (arrow-go's extensions package drags in parquet).
type testExt struct {
	arrow.ExtensionBase
	name string
}

type testExtArray struct{ array.ExtensionArrayBase }

func (t *testExt) ArrayType() reflect.Type { return reflect.TypeOf(testExtArray{}) }
func (t *testExt) ExtensionName() string   { return t.name }
func (t *testExt) Serialize() string       { return "" }
func (t *testExt) ExtensionEquals(o arrow.ExtensionType) bool {
	return o.ExtensionName() == t.name && arrow.TypeEqual(o.StorageType(), t.Storage)
}
func (t *testExt) Deserialize(storage arrow.DataType, _ string) (arrow.ExtensionType, error) {
	return &testExt{ExtensionBase: arrow.ExtensionBase{Storage: storage}, name: t.name}, nil
}
func (t *testExt) String() string { return "extension<" + t.name + ">" }

var (
	uuidType = &testExt{ExtensionBase: arrow.ExtensionBase{Storage: &arrow.FixedSizeBinaryType{ByteWidth: 16}}, name: "arrow.uuid"}
	jsonType = &testExt{ExtensionBase: arrow.ExtensionBase{Storage: arrow.BinaryTypes.String}, name: "arrow.json"}
)

// Arrow types used by the tables.
var (
	tsS     = &arrow.TimestampType{Unit: arrow.Second}
	tsMS    = &arrow.TimestampType{Unit: arrow.Millisecond}
	tsUS    = &arrow.TimestampType{Unit: arrow.Microsecond}
	tsNS    = &arrow.TimestampType{Unit: arrow.Nanosecond}
	tstzMS  = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	tstzUS  = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	tstzNS  = &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "+05:30"}
	dec38_2 = &arrow.Decimal128Type{Precision: 38, Scale: 2}
)

// makeArray builds an Arrow array of dt from a JSON array, going through the
// storage type for the test extension types.
func makeArray(t testing.TB, dt arrow.DataType, js string) arrow.Array {
	t.Helper()
	mem := memory.NewGoAllocator()
	if ext, ok := dt.(*testExt); ok {
		storage := makeArray(t, ext.Storage, js)
		defer storage.Release()
		return array.NewExtensionArrayWithStorage(ext, storage)
	}
	if lt, ok := dt.(*arrow.ListType); ok {
		if ext, ok := lt.Elem().(*testExt); ok {
			// A list of extension values: build the list of storage, then
			// swap the child for the extension array.
			storageList := makeArray(t, arrow.ListOf(ext.Storage), js).(*array.List)
			defer storageList.Release()
			child := array.NewExtensionArrayWithStorage(ext, storageList.ListValues())
			defer child.Release()
			d := array.NewData(dt, storageList.Len(), storageList.Data().Buffers(),
				[]arrow.ArrayData{child.Data()}, storageList.NullN(), storageList.Data().Offset())
			defer d.Release()
			return array.MakeFromData(d)
		}
	}
	arr, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
	if err != nil {
		t.Fatalf("building %s from %s: %v", dt, js, err)
	}
	return arr
}

// record wraps arrays into a record batch with columns c0, c1, ...
func record(cols ...arrow.Array) arrow.RecordBatch {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: c.DataType(), Nullable: true}
	}
	var n int64
	if len(cols) > 0 {
		n = int64(cols[0].Len())
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, n)
}

// encodeOne encodes row 0 of a one-column batch holding arr.
func encodeOne(t testing.TB, arr arrow.Array, format pgtypes.Format, opts pgtypes.Options) ([]byte, pgtypes.Type) {
	t.Helper()
	rec := record(arr)
	defer rec.Release()
	enc, err := pgtypes.NewRowEncoder(rec.Schema(), []pgtypes.Format{format}, opts)
	if err != nil {
		t.Fatalf("NewRowEncoder(%s): %v", arr.DataType(), err)
	}
	row, err := enc.EncodeRow(rec, 0, nil)
	if err != nil {
		t.Fatalf("EncodeRow(%s, %s): %v", arr.DataType(), format, err)
	}
	if row[0] == nil {
		return nil, enc.Types()[0]
	}
	return append([]byte{}, row[0]...), enc.Types()[0]
}

// location resolves a case's session TimeZone ("" is UTC).
func location(t testing.TB, tz string) *time.Location {
	t.Helper()
	if tz == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatalf("time zone %s: %v", tz, err)
	}
	return loc
}

// Helpers to write Arrow JSON values for dates and timestamps.

// days is the Date32 value of a proleptic Gregorian date (Go years: 0 is 1 BC).
func days(y int, m time.Month, d int) string {
	sec := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
	return fmt.Sprint(int64(math.Floor(float64(sec) / 86400)))
}

// stamp is a UTC wall time as a count of unit since 1970.
func stamp(unit arrow.TimeUnit, y int, mo time.Month, d, h, mi, s, ns int) string {
	t := time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	sec, frac := t.Unix(), int64(t.Nanosecond())
	switch unit {
	case arrow.Second:
		return fmt.Sprint(sec)
	case arrow.Millisecond:
		return fmt.Sprint(sec*1000 + frac/1e6)
	case arrow.Microsecond:
		return fmt.Sprint(sec*1e6 + frac/1e3)
	}
	return fmt.Sprint(sec*1e9 + frac)
}

// sameValue compares values decoded by pgx: times by instant, floats with
// NaN equal to NaN, numerics by value, containers element by element.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case float64:
		y, ok := b.(float64)
		return ok && (x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y))
	case float32:
		y, ok := b.(float32)
		return ok && sameValue(float64(x), float64(y))
	case pgtype.Numeric:
		y, ok := b.(pgtype.Numeric)
		if !ok || x.Valid != y.Valid || x.NaN != y.NaN || x.InfinityModifier != y.InfinityModifier {
			return false
		}
		if x.Int == nil || y.Int == nil {
			return x.Int == y.Int
		}
		return numericRat(x).Cmp(numericRat(y)) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !sameValue(v, y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func numericRat(n pgtype.Numeric) *big.Rat {
	r := new(big.Rat).SetInt(n.Int)
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(absInt(n.Exp))), nil)
	if n.Exp >= 0 {
		return r.Mul(r, new(big.Rat).SetInt(p))
	}
	return r.Quo(r, new(big.Rat).SetInt(p))
}

func absInt(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// decode runs pgx's decoder for oid over src in the given format.
func decode(t testing.TB, m *pgtype.Map, oid uint32, format pgtypes.Format, src []byte) any {
	t.Helper()
	var v any
	if err := m.Scan(oid, int16(format), src, &v); err != nil {
		t.Fatalf("pgx cannot decode %s value %q of OID %d: %v", format, src, oid, err)
	}
	return v
}

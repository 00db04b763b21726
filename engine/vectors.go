package engine

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// vectorView is one DuckDB result vector (and its children) read in place:
// the cgo calls happen once per vector per chunk, the per-row work is plain
// Go over DuckDB's documented in-memory layout.
type vectorView struct {
	info     duckdb.TypeInfo
	data     unsafe.Pointer
	validity unsafe.Pointer // nil: every row is valid
	children []*vectorView
	// arraySize is the element count of a fixed-size ARRAY.
	arraySize int
}

func newVectorView(info duckdb.TypeInfo, vec mapping.Vector) *vectorView {
	v := &vectorView{info: info, data: mapping.VectorGetData(vec), validity: mapping.VectorGetValidity(vec)}
	switch d := info.Details().(type) {
	case *duckdb.ListDetails:
		v.children = []*vectorView{newVectorView(d.Child, mapping.ListVectorGetChild(vec))}
	case *duckdb.ArrayDetails:
		v.arraySize = int(d.Size)
		v.children = []*vectorView{newVectorView(d.Child, mapping.ArrayVectorGetChild(vec))}
	case *duckdb.StructDetails:
		for i, e := range d.Entries {
			v.children = append(v.children, newVectorView(e.Info(), mapping.StructVectorGetChild(vec, mapping.IdxT(i))))
		}
	case *duckdb.MapDetails:
		// A MAP is a LIST of STRUCT(key, value).
		child := mapping.ListVectorGetChild(vec)
		v.children = []*vectorView{
			newVectorView(d.Key, mapping.StructVectorGetChild(child, 0)),
			newVectorView(d.Value, mapping.StructVectorGetChild(child, 1)),
		}
	}
	return v
}

func (v *vectorView) valid(row int) bool {
	if v.validity == nil {
		return true
	}
	word := *(*uint64)(unsafe.Add(v.validity, 8*(row/64)))
	return word&(1<<(uint(row)%64)) != 0
}

func at[T any](base unsafe.Pointer, row int) T {
	var zero T
	return *(*T)(unsafe.Add(base, uintptr(row)*unsafe.Sizeof(zero)))
}

// duckString reads a duckdb_string_t: 16 bytes, inlined up to 12 bytes,
// otherwise a length, a 4-byte prefix and a pointer.
func duckString(base unsafe.Pointer, row int) []byte {
	p := unsafe.Add(base, 16*row)
	n := *(*uint32)(p)
	if n <= 12 {
		return unsafe.Slice((*byte)(unsafe.Add(p, 4)), n)
	}
	ptr := *(*unsafe.Pointer)(unsafe.Add(p, 8))
	return unsafe.Slice((*byte)(ptr), n)
}

type hugeint struct {
	lower uint64
	upper int64
}

func (h hugeint) big() *big.Int {
	n := new(big.Int).SetInt64(h.upper)
	n.Lsh(n, 64)
	return n.Add(n, new(big.Int).SetUint64(h.lower))
}

type duckInterval struct {
	months int32
	days   int32
	micros int64
}

type listEntry struct {
	offset uint64
	length uint64
}

// appendRow appends row of v to b, whose type came from arrowType(v.info).
func (v *vectorView) appendRow(b array.Builder, row int) error {
	if eb, ok := b.(*array.ExtensionBuilder); ok {
		// JSON columns: the values go into the storage builder.
		b = eb.Builder
	}
	if !v.valid(row) {
		b.AppendNull()
		return nil
	}
	switch v.info.InternalType() {
	case duckdb.TYPE_BOOLEAN:
		b.(*array.BooleanBuilder).Append(at[bool](v.data, row))
	case duckdb.TYPE_TINYINT:
		b.(*array.Int8Builder).Append(at[int8](v.data, row))
	case duckdb.TYPE_SMALLINT:
		b.(*array.Int16Builder).Append(at[int16](v.data, row))
	case duckdb.TYPE_INTEGER:
		b.(*array.Int32Builder).Append(at[int32](v.data, row))
	case duckdb.TYPE_BIGINT:
		b.(*array.Int64Builder).Append(at[int64](v.data, row))
	case duckdb.TYPE_UTINYINT:
		b.(*array.Uint8Builder).Append(at[uint8](v.data, row))
	case duckdb.TYPE_USMALLINT:
		b.(*array.Uint16Builder).Append(at[uint16](v.data, row))
	case duckdb.TYPE_UINTEGER:
		b.(*array.Uint32Builder).Append(at[uint32](v.data, row))
	case duckdb.TYPE_UBIGINT:
		b.(*array.Uint64Builder).Append(at[uint64](v.data, row))
	case duckdb.TYPE_FLOAT:
		b.(*array.Float32Builder).Append(at[float32](v.data, row))
	case duckdb.TYPE_DOUBLE:
		b.(*array.Float64Builder).Append(at[float64](v.data, row))
	case duckdb.TYPE_HUGEINT, duckdb.TYPE_UHUGEINT:
		h := at[hugeint](v.data, row)
		n := h.big()
		if v.info.InternalType() == duckdb.TYPE_UHUGEINT {
			n = new(big.Int).SetUint64(uint64(h.upper))
			n.Lsh(n, 64).Add(n, new(big.Int).SetUint64(h.lower))
		}
		b.(*array.Decimal128Builder).Append(decimal128.FromBigInt(n))
	case duckdb.TYPE_DECIMAL:
		d := v.info.Details().(*duckdb.DecimalDetails)
		var n decimal128.Num
		switch {
		case d.Width <= 4:
			n = decimal128.FromI64(int64(at[int16](v.data, row)))
		case d.Width <= 9:
			n = decimal128.FromI64(int64(at[int32](v.data, row)))
		case d.Width <= 18:
			n = decimal128.FromI64(at[int64](v.data, row))
		default:
			h := at[hugeint](v.data, row)
			n = decimal128.New(h.upper, h.lower)
		}
		b.(*array.Decimal128Builder).Append(n)
	case duckdb.TYPE_VARCHAR:
		b.(*array.StringBuilder).BinaryBuilder.Append(duckString(v.data, row))
	case duckdb.TYPE_BLOB:
		b.(*array.BinaryBuilder).Append(duckString(v.data, row))
	case duckdb.TYPE_ENUM:
		values := v.info.Details().(*duckdb.EnumDetails).Values
		var idx int
		switch {
		case len(values) <= 1<<8:
			idx = int(at[uint8](v.data, row))
		case len(values) <= 1<<16:
			idx = int(at[uint16](v.data, row))
		default:
			idx = int(at[uint32](v.data, row))
		}
		b.(*array.StringBuilder).Append(values[idx])
	case duckdb.TYPE_UUID:
		h := at[hugeint](v.data, row)
		var raw [16]byte
		upper := uint64(h.upper) ^ (1 << 63)
		for i := 0; i < 8; i++ {
			raw[i] = byte(upper >> (56 - 8*i))
			raw[8+i] = byte(h.lower >> (56 - 8*i))
		}
		s := hex.EncodeToString(raw[:])
		b.(*array.StringBuilder).Append(s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:])
	case duckdb.TYPE_DATE:
		b.(*array.Date32Builder).Append(arrow.Date32(at[int32](v.data, row)))
	case duckdb.TYPE_TIME:
		b.(*array.Time64Builder).Append(arrow.Time64(at[int64](v.data, row)))
	case duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP_TZ:
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(at[int64](v.data, row)))
	case duckdb.TYPE_TIMESTAMP_S:
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(at[int64](v.data, row) * 1_000_000))
	case duckdb.TYPE_TIMESTAMP_MS:
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(at[int64](v.data, row) * 1_000))
	case duckdb.TYPE_TIMESTAMP_NS:
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(at[int64](v.data, row) / 1_000))
	case duckdb.TYPE_INTERVAL:
		iv := at[duckInterval](v.data, row)
		b.(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Months: iv.months, Days: iv.days, Nanoseconds: iv.micros * 1000})
	case duckdb.TYPE_SQLNULL:
		b.AppendNull()
	case duckdb.TYPE_LIST:
		e := at[listEntry](v.data, row)
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		for i := e.offset; i < e.offset+e.length; i++ {
			if err := v.children[0].appendRow(lb.ValueBuilder(), int(i)); err != nil {
				return err
			}
		}
	case duckdb.TYPE_ARRAY:
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		for i := row * v.arraySize; i < (row+1)*v.arraySize; i++ {
			if err := v.children[0].appendRow(lb.ValueBuilder(), i); err != nil {
				return err
			}
		}
	case duckdb.TYPE_STRUCT:
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		for i, child := range v.children {
			if err := child.appendRow(sb.FieldBuilder(i), row); err != nil {
				return err
			}
		}
	case duckdb.TYPE_MAP:
		e := at[listEntry](v.data, row)
		mb := b.(*array.MapBuilder)
		mb.Append(true)
		for i := e.offset; i < e.offset+e.length; i++ {
			if err := v.children[0].appendRow(mb.KeyBuilder(), int(i)); err != nil {
				return err
			}
			if err := v.children[1].appendRow(mb.ItemBuilder(), int(i)); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("result type %v is not supported", v.info.InternalType())
	}
	return nil
}

package engine

import (
	"fmt"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// duckType maps an Arrow column type (as attrarrow produces them) to the
// DuckDB type the scan table function declares.
func duckType(dt arrow.DataType) (duckdb.TypeInfo, error) {
	switch t := dt.(type) {
	case *arrow.BooleanType:
		return duckdb.NewTypeInfo(duckdb.TYPE_BOOLEAN)
	case *arrow.Int64Type:
		return duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	case *arrow.Int32Type:
		return duckdb.NewTypeInfo(duckdb.TYPE_INTEGER)
	case *arrow.Float64Type:
		return duckdb.NewTypeInfo(duckdb.TYPE_DOUBLE)
	case *arrow.StringType, *arrow.LargeStringType:
		return duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return duckdb.NewTypeInfo(duckdb.TYPE_BLOB)
	case *arrow.Date32Type:
		return duckdb.NewTypeInfo(duckdb.TYPE_DATE)
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP_TZ)
		}
		return duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP)
	case *arrow.NullType:
		return duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	case *arrow.ListType:
		child, err := duckType(t.Elem())
		if err != nil {
			return nil, err
		}
		return duckdb.NewListInfo(child)
	case *arrow.StructType:
		if t.NumFields() == 0 {
			// DuckDB has no empty struct; such a map only ever holds {}.
			return duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
		}
		entries := make([]duckdb.StructEntry, t.NumFields())
		for i, f := range t.Fields() {
			ft, err := duckType(f.Type)
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", f.Name, err)
			}
			if entries[i], err = duckdb.NewStructEntry(ft, f.Name); err != nil {
				return nil, err
			}
		}
		return duckdb.NewStructInfo(entries[0], entries[1:]...)
	}
	return nil, fmt.Errorf("no DuckDB type for Arrow %s", dt)
}

// goValue reads row i of arr as the Go value duckdb-go's SetValue expects.
func goValue(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		// Copy: the chunk outlives the Arrow buffer.
		return append([]byte(nil), a.Value(i)...)
	case *array.Date32:
		return a.Value(i).ToTime()
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit)
	case *array.List:
		start, end := a.ValueOffsets(i)
		values := a.ListValues()
		out := make([]any, 0, end-start)
		for j := start; j < end; j++ {
			out = append(out, goValue(values, int(j)))
		}
		return out
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		if st.NumFields() == 0 {
			return "{}"
		}
		out := make(map[string]any, st.NumFields())
		for f := 0; f < st.NumFields(); f++ {
			out[st.Field(f).Name] = goValue(a.Field(f), i)
		}
		return out
	case *array.Null:
		return nil
	}
	return nil
}

// arrowType maps a DuckDB result column type to Arrow.
func arrowType(info duckdb.TypeInfo) (arrow.DataType, error) {
	switch info.InternalType() {
	case duckdb.TYPE_BOOLEAN:
		return arrow.FixedWidthTypes.Boolean, nil
	case duckdb.TYPE_TINYINT:
		return arrow.PrimitiveTypes.Int8, nil
	case duckdb.TYPE_SMALLINT:
		return arrow.PrimitiveTypes.Int16, nil
	case duckdb.TYPE_INTEGER:
		return arrow.PrimitiveTypes.Int32, nil
	case duckdb.TYPE_BIGINT:
		return arrow.PrimitiveTypes.Int64, nil
	case duckdb.TYPE_UTINYINT:
		return arrow.PrimitiveTypes.Uint8, nil
	case duckdb.TYPE_USMALLINT:
		return arrow.PrimitiveTypes.Uint16, nil
	case duckdb.TYPE_UINTEGER:
		return arrow.PrimitiveTypes.Uint32, nil
	case duckdb.TYPE_UBIGINT:
		return arrow.PrimitiveTypes.Uint64, nil
	case duckdb.TYPE_HUGEINT, duckdb.TYPE_UHUGEINT:
		return &arrow.Decimal128Type{Precision: 38, Scale: 0}, nil
	case duckdb.TYPE_FLOAT:
		return arrow.PrimitiveTypes.Float32, nil
	case duckdb.TYPE_DOUBLE:
		return arrow.PrimitiveTypes.Float64, nil
	case duckdb.TYPE_DECIMAL:
		d := info.Details().(*duckdb.DecimalDetails)
		return &arrow.Decimal128Type{Precision: int32(d.Width), Scale: int32(d.Scale)}, nil
	case duckdb.TYPE_VARCHAR, duckdb.TYPE_ENUM, duckdb.TYPE_UUID, duckdb.TYPE_BIT, duckdb.TYPE_BIGNUM, duckdb.TYPE_TIME_TZ:
		return arrow.BinaryTypes.String, nil
	case duckdb.TYPE_BLOB:
		return arrow.BinaryTypes.Binary, nil
	case duckdb.TYPE_DATE:
		return arrow.FixedWidthTypes.Date32, nil
	case duckdb.TYPE_TIME:
		return arrow.FixedWidthTypes.Time64us, nil
	case duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP_S, duckdb.TYPE_TIMESTAMP_MS, duckdb.TYPE_TIMESTAMP_NS:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case duckdb.TYPE_TIMESTAMP_TZ:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case duckdb.TYPE_INTERVAL:
		return arrow.FixedWidthTypes.MonthDayNanoInterval, nil
	case duckdb.TYPE_SQLNULL:
		return arrow.Null, nil
	case duckdb.TYPE_LIST:
		child, err := arrowType(info.Details().(*duckdb.ListDetails).Child)
		if err != nil {
			return nil, err
		}
		return arrow.ListOf(child), nil
	case duckdb.TYPE_ARRAY:
		child, err := arrowType(info.Details().(*duckdb.ArrayDetails).Child)
		if err != nil {
			return nil, err
		}
		return arrow.ListOf(child), nil
	case duckdb.TYPE_STRUCT:
		entries := info.Details().(*duckdb.StructDetails).Entries
		fields := make([]arrow.Field, len(entries))
		for i, e := range entries {
			ft, err := arrowType(e.Info())
			if err != nil {
				return nil, err
			}
			fields[i] = arrow.Field{Name: e.Name(), Type: ft, Nullable: true}
		}
		return arrow.StructOf(fields...), nil
	case duckdb.TYPE_MAP:
		d := info.Details().(*duckdb.MapDetails)
		kt, err := arrowType(d.Key)
		if err != nil {
			return nil, err
		}
		vt, err := arrowType(d.Value)
		if err != nil {
			return nil, err
		}
		return arrow.MapOf(kt, vt), nil
	}
	return nil, fmt.Errorf("result type %v is not supported", info.InternalType())
}

// appendValue appends a value as duckdb-go's rows return it to b.
func appendValue(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		bb.Append(v.(bool))
	case *array.Int8Builder:
		bb.Append(v.(int8))
	case *array.Int16Builder:
		bb.Append(v.(int16))
	case *array.Int32Builder:
		bb.Append(v.(int32))
	case *array.Int64Builder:
		bb.Append(v.(int64))
	case *array.Uint8Builder:
		bb.Append(v.(uint8))
	case *array.Uint16Builder:
		bb.Append(v.(uint16))
	case *array.Uint32Builder:
		bb.Append(v.(uint32))
	case *array.Uint64Builder:
		bb.Append(v.(uint64))
	case *array.Float32Builder:
		bb.Append(v.(float32))
	case *array.Float64Builder:
		bb.Append(v.(float64))
	case *array.StringBuilder:
		switch s := v.(type) {
		case string:
			bb.Append(s)
		case []byte:
			bb.Append(string(s))
		case fmt.Stringer:
			bb.Append(s.String())
		default:
			bb.Append(fmt.Sprint(s))
		}
	case *array.BinaryBuilder:
		bb.Append(v.([]byte))
	case *array.Date32Builder:
		bb.Append(arrow.Date32FromTime(v.(time.Time)))
	case *array.Time64Builder:
		t := v.(time.Time)
		micros := int64(t.Hour())*3600e6 + int64(t.Minute())*60e6 + int64(t.Second())*1e6 + int64(t.Nanosecond()/1000)
		bb.Append(arrow.Time64(micros))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
	case *array.MonthDayNanoIntervalBuilder:
		iv := v.(duckdb.Interval)
		bb.Append(arrow.MonthDayNanoInterval{Months: iv.Months, Days: iv.Days, Nanoseconds: iv.Micros * 1000})
	case *array.Decimal128Builder:
		var n *big.Int
		switch d := v.(type) {
		case duckdb.Decimal:
			n = d.Value
		case *big.Int:
			n = d
		default:
			return fmt.Errorf("decimal column got %T", v)
		}
		bb.Append(decimal128.FromBigInt(n))
	case *array.ListBuilder:
		items, ok := v.([]any)
		if !ok {
			return fmt.Errorf("list column got %T", v)
		}
		bb.Append(true)
		for _, item := range items {
			if err := appendValue(bb.ValueBuilder(), item); err != nil {
				return err
			}
		}
	case *array.MapBuilder:
		m, ok := v.(duckdb.Map)
		if !ok {
			return fmt.Errorf("map column got %T", v)
		}
		bb.Append(true)
		for k, val := range m {
			if err := appendValue(bb.KeyBuilder(), k); err != nil {
				return err
			}
			if err := appendValue(bb.ItemBuilder(), val); err != nil {
				return err
			}
		}
	case *array.StructBuilder:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("struct column got %T", v)
		}
		bb.Append(true)
		st := bb.Type().(*arrow.StructType)
		for i := 0; i < st.NumFields(); i++ {
			if err := appendValue(bb.FieldBuilder(i), m[st.Field(i).Name]); err != nil {
				return err
			}
		}
	case *array.NullBuilder:
		bb.AppendNull()
	default:
		return fmt.Errorf("no appender for %T", b)
	}
	return nil
}

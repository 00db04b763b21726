package engine

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
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

// arrowType maps a DuckDB result column type to Arrow.
func arrowType(info duckdb.TypeInfo) (arrow.DataType, error) {
	if info.InternalType() == duckdb.TYPE_VARCHAR && info.Alias() == "JSON" {
		return newJSONType(), nil
	}
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
	case duckdb.TYPE_VARCHAR, duckdb.TYPE_ENUM, duckdb.TYPE_UUID:
		// Only types vectorView.appendRow reads: a type accepted here but
		// unreadable there would fail after RowDescription was sent.
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
	return nil, fmt.Errorf("result type %s is not supported", duckTypeName(info.InternalType()))
}

// duckTypeName names the DuckDB types arrowType refuses, for its error.
func duckTypeName(t duckdb.Type) string {
	switch t {
	case duckdb.TYPE_BIT:
		return "BIT"
	case duckdb.TYPE_BIGNUM:
		return "BIGNUM"
	case duckdb.TYPE_TIME_TZ:
		return "TIME WITH TIME ZONE"
	case duckdb.TYPE_UNION:
		return "UNION"
	case duckdb.TYPE_VARIANT:
		return "VARIANT"
	}
	return fmt.Sprintf("%d", t)
}

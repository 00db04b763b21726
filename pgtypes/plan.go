package pgtypes

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Options change the text output of some types, as session settings do in
// PostgreSQL.
type Options struct {
	// Location is the session TimeZone: timestamptz values are shown in it,
	// with its UTC offset. nil means UTC.
	Location *time.Location
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// codec is the encoding plan for one Arrow type, chosen once per column from
// the Arrow type (pgx's PlanEncode idea) and bound to each batch's array.
type codec interface {
	// pgType is the Postgres type the values are sent as.
	pgType() Type
	// plain reports that the text form never needs quoting as an array
	// element (numbers, booleans, uuids), so array output can skip the scan.
	plain() bool
	// bind returns the encoder of arr's values; arr has the planned type.
	bind(arr arrow.Array) (values, error)
}

// values encodes the elements of one Arrow array. Callers check isNull
// first: text, binary and json are only called for non-null elements.
type values interface {
	isNull(i int) bool
	// text appends the Postgres text format (the type's output function).
	text(w *writer, i int)
	// binary appends the Postgres binary format (the type's send function).
	binary(w *writer, i int)
	// json appends the value as PostgreSQL's to_json would render it.
	json(w *writer, i int)
}

// Canonical Arrow extension type names (the Arrow format's own registry),
// recognised by identity like a type ID, not parsed.
const (
	arrowUUIDExtension = "arrow.uuid"
	arrowJSONExtension = "arrow.json"
)

// ForArrow returns the Postgres type that values of Arrow type dt are sent as.
// Unsupported types are an error naming the Arrow type.
func ForArrow(dt arrow.DataType) (Type, error) {
	c, err := plan(dt, Options{})
	if err != nil {
		return Type{}, err
	}
	return c.pgType(), nil
}

func unsupported(dt arrow.DataType, why string) error {
	if why != "" {
		why = ": " + why
	}
	return fmt.Errorf("pgtypes: Arrow type %s has no PostgreSQL encoding%s", dt, why)
}

func mustType(oid OID) Type {
	t, ok := byOID[oid]
	if !ok {
		panic(fmt.Sprintf("pgtypes: OID %d missing from the type table", oid))
	}
	return t
}

// plan chooses the codec for Arrow type dt.
func plan(dt arrow.DataType, o Options) (codec, error) {
	if dt == nil {
		return nil, fmt.Errorf("pgtypes: nil Arrow type")
	}
	switch t := dt.(type) {
	case *arrow.NullType:
		return nullCodec{}, nil
	case *arrow.BooleanType:
		return boolCodec(), nil
	case *arrow.Int8Type:
		return intCodec[int8](Int2OID), nil
	case *arrow.Int16Type:
		return intCodec[int16](Int2OID), nil
	case *arrow.Int32Type:
		return intCodec[int32](Int4OID), nil
	case *arrow.Int64Type:
		return intCodec[int64](Int8OID), nil
	case *arrow.Uint8Type:
		return intCodec[uint8](Int4OID), nil
	case *arrow.Uint16Type:
		return intCodec[uint16](Int4OID), nil
	case *arrow.Uint32Type:
		return intCodec[uint32](Int8OID), nil
	case *arrow.Uint64Type:
		return uint64Codec(), nil
	case *arrow.Float16Type:
		return float16Codec(), nil
	case *arrow.Float32Type:
		return float32Codec(), nil
	case *arrow.Float64Type:
		return float64Codec(), nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return textCodec(), nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		return byteaCodec(), nil
	case *arrow.Date32Type:
		return date32Codec(), nil
	case *arrow.Date64Type:
		return date64Codec(), nil
	case *arrow.Time32Type:
		return time32Codec(t.Unit), nil
	case *arrow.Time64Type:
		return time64Codec(t.Unit), nil
	case *arrow.TimestampType:
		if t.TimeZone == "" {
			return timestampCodec(t.Unit), nil
		}
		return timestamptzCodec(t.Unit, o.location()), nil
	case *arrow.DurationType:
		return durationCodec(t.Unit), nil
	case *arrow.MonthIntervalType:
		return monthIntervalCodec(), nil
	case *arrow.DayTimeIntervalType:
		return dayTimeIntervalCodec(), nil
	case *arrow.MonthDayNanoIntervalType:
		return monthDayNanoIntervalCodec(), nil
	case *arrow.Decimal32Type:
		return decimal32Codec(t.Precision, t.Scale)
	case *arrow.Decimal64Type:
		return decimal64Codec(t.Precision, t.Scale)
	case *arrow.Decimal128Type:
		return decimal128Codec(t.Precision, t.Scale)
	case *arrow.Decimal256Type:
		return decimal256Codec(t.Precision, t.Scale)
	case *arrow.DictionaryType:
		v, err := plan(t.ValueType, o)
		if err != nil {
			return nil, err
		}
		return &dictCodec{value: v}, nil
	case *arrow.StructType:
		return planStruct(t, o)
	case *arrow.MapType:
		return planMap(t, o)
	case *arrow.ListType, *arrow.LargeListType, *arrow.FixedSizeListType,
		*arrow.ListViewType, *arrow.LargeListViewType:
		return planList(dt, dt.(arrow.ListLikeType).Elem(), o)
	case arrow.ExtensionType:
		return planExtension(t)
	}
	return nil, unsupported(dt, "")
}

// composite reports whether values of dt are sent as json (a struct, map or
// list) rather than as a scalar.
func composite(dt arrow.DataType) bool {
	switch t := dt.(type) {
	case *arrow.DictionaryType:
		return composite(t.ValueType)
	case *arrow.StructType, *arrow.MapType, *arrow.ListType, *arrow.LargeListType,
		*arrow.FixedSizeListType, *arrow.ListViewType, *arrow.LargeListViewType:
		return true
	}
	return false
}

// planExtension knows the canonical Arrow extension types with a Postgres
// counterpart; any other extension type is refused rather than guessed from
// its storage.
func planExtension(t arrow.ExtensionType) (codec, error) {
	st := t.StorageType()
	switch t.ExtensionName() {
	case arrowUUIDExtension:
		if fsb, ok := st.(*arrow.FixedSizeBinaryType); ok && fsb.ByteWidth == 16 {
			return &storageCodec{inner: uuidCodec()}, nil
		}
	case arrowJSONExtension:
		switch st.(type) {
		case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
			return &storageCodec{inner: jsonTextCodec()}, nil
		}
	default:
		return nil, unsupported(t, "unknown extension type "+t.ExtensionName())
	}
	return nil, unsupported(t, "unexpected storage type "+st.String())
}

// bindMismatch is the error for an array whose Go type does not match the
// planned Arrow type; it means the schema and the batch disagree.
func bindMismatch(arr arrow.Array, want string) error {
	return fmt.Errorf("pgtypes: array of type %s (%T) where %s was planned", arr.DataType(), arr, want)
}

// dictCodec encodes a dictionary array as its value type.
type dictCodec struct{ value codec }

func (c *dictCodec) pgType() Type { return c.value.pgType() }
func (c *dictCodec) plain() bool  { return c.value.plain() }

func (c *dictCodec) bind(arr arrow.Array) (values, error) {
	d, ok := arr.(*array.Dictionary)
	if !ok {
		return nil, bindMismatch(arr, "dictionary")
	}
	v, err := c.value.bind(d.Dictionary())
	if err != nil {
		return nil, err
	}
	return &dictValues{dict: d, vals: v}, nil
}

type dictValues struct {
	dict *array.Dictionary
	vals values
}

func (v *dictValues) isNull(i int) bool {
	return v.dict.IsNull(i) || v.vals.isNull(v.dict.GetValueIndex(i))
}
func (v *dictValues) text(w *writer, i int)   { v.vals.text(w, v.dict.GetValueIndex(i)) }
func (v *dictValues) binary(w *writer, i int) { v.vals.binary(w, v.dict.GetValueIndex(i)) }
func (v *dictValues) json(w *writer, i int)   { v.vals.json(w, v.dict.GetValueIndex(i)) }

// storageCodec encodes an extension array through its storage array.
type storageCodec struct{ inner codec }

func (c *storageCodec) pgType() Type { return c.inner.pgType() }
func (c *storageCodec) plain() bool  { return c.inner.plain() }

func (c *storageCodec) bind(arr arrow.Array) (values, error) {
	ext, ok := arr.(array.ExtensionArray)
	if !ok {
		return nil, bindMismatch(arr, "extension array")
	}
	return c.inner.bind(ext.Storage())
}

// nullCodec encodes Arrow's Null type: text, every value NULL.
type nullCodec struct{}

func (nullCodec) pgType() Type { return mustType(TextOID) }
func (nullCodec) plain() bool  { return true }

func (nullCodec) bind(arr arrow.Array) (values, error) { return nullValues{}, nil }

type nullValues struct{}

func (nullValues) isNull(int) bool         { return true }
func (nullValues) text(w *writer, _ int)   {}
func (nullValues) binary(w *writer, _ int) {}
func (nullValues) json(w *writer, _ int)   { w.buf = append(w.buf, "null"...) }

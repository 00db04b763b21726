package engine

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// chunkReader converts one result's DuckDB chunks into Arrow record
// batches. Each column's reader is chosen once, from its DuckDB type, when
// the result starts; per chunk, a column is either copied whole from
// DuckDB's vector into fresh Arrow buffers (fixed-width numbers, dates,
// times, timestamps, booleans, strings and blobs) or appended row by row
// into the column's builder, reused from chunk to chunk (everything that
// needs converting: decimals, UUIDs, enums, intervals, nested types).
type chunkReader struct {
	schema   *arrow.Schema
	cols     []*vectorReader
	builders []array.Builder // nil for a column copied whole
}

func newChunkReader(schema *arrow.Schema, types []duckdb.TypeInfo) *chunkReader {
	r := &chunkReader{schema: schema, cols: make([]*vectorReader, len(types)), builders: make([]array.Builder, len(types))}
	for i, info := range types {
		r.cols[i] = newVectorReader(info)
		if !r.cols[i].direct() {
			r.builders[i] = array.NewBuilder(memory.DefaultAllocator, schema.Field(i).Type)
		}
	}
	return r
}

// read converts a chunk of n rows. The batch owns its memory; nothing of
// the chunk is referenced once read returns.
func (r *chunkReader) read(chunk mapping.DataChunk, n int) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, len(r.cols))
	release := func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}
	for i, col := range r.cols {
		col.bind(mapping.DataChunkGetVector(chunk, mapping.IdxT(i)))
		var err error
		if b := r.builders[i]; b != nil {
			cols[i], err = col.appendAll(b, n)
		} else {
			cols[i], err = col.copyAll(r.schema.Field(i).Type, n)
		}
		if err != nil {
			release()
			return nil, fmt.Errorf("column %q: %w", r.schema.Field(i).Name, err)
		}
	}
	rec := array.NewRecordBatch(r.schema, cols, int64(n))
	release() // the batch holds its own references
	return rec, nil
}

// release frees the builders.
func (r *chunkReader) release() {
	for _, b := range r.builders {
		if b != nil {
			b.Release()
		}
	}
}

// vectorReader reads one DuckDB result vector (and its children) in place:
// what the type says (the internal type, a decimal's width, an enum's
// values, an array's size) is looked up once, in newVectorReader; per chunk
// bind takes the vector's pointers with one cgo call each, and the per-row
// work is plain Go over DuckDB's documented in-memory layout.
type vectorReader struct {
	typ       duckdb.Type
	width     uint8    // DECIMAL
	enum      []string // ENUM values
	arraySize int      // ARRAY element count
	children  []*vectorReader

	// Bound by bind to the current chunk's vector.
	data     unsafe.Pointer
	validity unsafe.Pointer // nil: every row is valid
}

func newVectorReader(info duckdb.TypeInfo) *vectorReader {
	v := &vectorReader{typ: info.InternalType()}
	switch d := info.Details().(type) {
	case *duckdb.DecimalDetails:
		v.width = d.Width
	case *duckdb.EnumDetails:
		v.enum = d.Values
	case *duckdb.ListDetails:
		v.children = []*vectorReader{newVectorReader(d.Child)}
	case *duckdb.ArrayDetails:
		v.arraySize = int(d.Size)
		v.children = []*vectorReader{newVectorReader(d.Child)}
	case *duckdb.StructDetails:
		for _, e := range d.Entries {
			v.children = append(v.children, newVectorReader(e.Info()))
		}
	case *duckdb.MapDetails:
		// A MAP is a LIST of STRUCT(key, value).
		v.children = []*vectorReader{newVectorReader(d.Key), newVectorReader(d.Value)}
	}
	return v
}

// bind points v (and its children) at vec.
func (v *vectorReader) bind(vec mapping.Vector) {
	v.data, v.validity = mapping.VectorGetData(vec), mapping.VectorGetValidity(vec)
	switch v.typ {
	case duckdb.TYPE_LIST:
		v.children[0].bind(mapping.ListVectorGetChild(vec))
	case duckdb.TYPE_ARRAY:
		v.children[0].bind(mapping.ArrayVectorGetChild(vec))
	case duckdb.TYPE_STRUCT:
		for i, c := range v.children {
			c.bind(mapping.StructVectorGetChild(vec, mapping.IdxT(i)))
		}
	case duckdb.TYPE_MAP:
		child := mapping.ListVectorGetChild(vec)
		v.children[0].bind(mapping.StructVectorGetChild(child, 0))
		v.children[1].bind(mapping.StructVectorGetChild(child, 1))
	}
}

// fixedWidth is the byte width of the types whose DuckDB layout is the
// Arrow layout of the type arrowType gives them; 0 for the others.
func (v *vectorReader) fixedWidth() int {
	switch v.typ {
	case duckdb.TYPE_TINYINT, duckdb.TYPE_UTINYINT:
		return 1
	case duckdb.TYPE_SMALLINT, duckdb.TYPE_USMALLINT:
		return 2
	case duckdb.TYPE_INTEGER, duckdb.TYPE_UINTEGER, duckdb.TYPE_FLOAT, duckdb.TYPE_DATE:
		return 4
	case duckdb.TYPE_BIGINT, duckdb.TYPE_UBIGINT, duckdb.TYPE_DOUBLE, duckdb.TYPE_TIME,
		duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP_TZ:
		return 8
	}
	return 0
}

// direct reports that copyAll reads v's type.
func (v *vectorReader) direct() bool {
	switch v.typ {
	case duckdb.TYPE_BOOLEAN, duckdb.TYPE_VARCHAR, duckdb.TYPE_BLOB:
		return true
	}
	return v.fixedWidth() > 0
}

// copyAll builds the Arrow array of type dt from the first n rows of the
// bound vector, copying whole buffers where the layouts agree.
func (v *vectorReader) copyAll(dt arrow.DataType, n int) (arrow.Array, error) {
	validity, nulls := v.copyValidity(n)
	var buffers []*memory.Buffer
	switch {
	case v.typ == duckdb.TYPE_BOOLEAN:
		bits := alignedBytes((n + 7) / 8)
		for row, b := range unsafe.Slice((*byte)(v.data), n) {
			if b != 0 {
				bits[row/8] |= 1 << (row % 8)
			}
		}
		buffers = []*memory.Buffer{validity, memory.NewBufferBytes(bits)}
	case v.typ == duckdb.TYPE_VARCHAR || v.typ == duckdb.TYPE_BLOB:
		offsets, data, err := v.copyStrings(n)
		if err != nil {
			return nil, err
		}
		buffers = []*memory.Buffer{validity, offsets, data}
	default:
		w := v.fixedWidth()
		vals := alignedBytes(n * w)
		copy(vals, unsafe.Slice((*byte)(v.data), n*w))
		buffers = []*memory.Buffer{validity, memory.NewBufferBytes(vals)}
	}
	ext, isExt := dt.(arrow.ExtensionType)
	storage := dt
	if isExt {
		// JSON: the values are its string storage.
		storage = ext.StorageType()
	}
	data := array.NewData(storage, n, buffers, nil, nulls, 0)
	defer data.Release()
	arr := array.MakeFromData(data)
	if !isExt {
		return arr, nil
	}
	defer arr.Release()
	return array.NewExtensionArrayWithStorage(ext, arr), nil
}

// copyValidity returns the validity bitmap of the first n rows and the
// NULL count; no bitmap when every row is valid. DuckDB's mask is 64-bit
// words, bit i%64 of word i/64 for row i: Arrow's LSB-first bitmap once each
// word is written little-endian.
func (v *vectorReader) copyValidity(n int) (*memory.Buffer, int) {
	if v.validity == nil {
		return nil, 0
	}
	words := unsafe.Slice((*uint64)(v.validity), (n+63)/64)
	out := alignedBytes(8 * len(words))
	valid := 0
	for i, w := range words {
		if rest := n - 64*i; rest < 64 {
			w &= 1<<uint(rest) - 1
		}
		binary.LittleEndian.PutUint64(out[8*i:], w)
		valid += bits.OnesCount64(w)
	}
	if valid == n {
		return nil, 0
	}
	return memory.NewBufferBytes(out[:(n+7)/8]), n - valid
}

// copyStrings copies the first n duckdb_string_t values into Arrow's
// offsets and data buffers, sized in a first pass so each is allocated once.
func (v *vectorReader) copyStrings(n int) (offsets, data *memory.Buffer, err error) {
	total := 0
	for row := 0; row < n; row++ {
		if v.valid(row) {
			size := *(*uint32)(unsafe.Add(v.data, 16*row))
			if size > maxValueBytes {
				return nil, nil, errValueTooLarge(size)
			}
			total += int(size)
		}
	}
	if total > math.MaxInt32 {
		return nil, nil, fmt.Errorf("%d bytes of strings in one chunk, more than an Arrow string array holds", total)
	}
	offs := alignedBytes(4 * (n + 1))
	bytes := make([]byte, 0, total)
	for row := 0; row < n; row++ {
		if v.valid(row) {
			bytes = append(bytes, duckString(v.data, row)...)
		}
		binary.LittleEndian.PutUint32(offs[4*(row+1):], uint32(len(bytes)))
	}
	return memory.NewBufferBytes(offs), memory.NewBufferBytes(bytes), nil
}

// alignedBytes returns n zeroed bytes aligned for any fixed-width value.
func alignedBytes(n int) []byte {
	if n == 0 {
		return []byte{}
	}
	words := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), n)
}

// appendAll appends the first n rows of the bound vector to b and returns
// them as an array, leaving b empty for the next chunk.
func (v *vectorReader) appendAll(b array.Builder, n int) (arrow.Array, error) {
	b.Reserve(n)
	for row := 0; row < n; row++ {
		if err := v.appendRow(b, row); err != nil {
			b.NewArray().Release()
			return nil, err
		}
	}
	return b.NewArray(), nil
}

func (v *vectorReader) valid(row int) bool {
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

// appendRow appends row of v to b, whose type came from arrowType for v's
// DuckDB type.
func (v *vectorReader) appendRow(b array.Builder, row int) error {
	if eb, ok := b.(*array.ExtensionBuilder); ok {
		// JSON columns: the values go into the storage builder.
		b = eb.Builder
	}
	if !v.valid(row) {
		b.AppendNull()
		return nil
	}
	switch v.typ {
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
	case duckdb.TYPE_HUGEINT:
		b.(*array.Decimal128Builder).Append(decimal128.FromBigInt(at[hugeint](v.data, row).big()))
	case duckdb.TYPE_UHUGEINT:
		h := at[hugeint](v.data, row)
		n := new(big.Int).SetUint64(uint64(h.upper))
		n.Lsh(n, 64).Add(n, new(big.Int).SetUint64(h.lower))
		b.(*array.Decimal128Builder).Append(decimal128.FromBigInt(n))
	case duckdb.TYPE_DECIMAL:
		var n decimal128.Num
		switch {
		case v.width <= 4:
			n = decimal128.FromI64(int64(at[int16](v.data, row)))
		case v.width <= 9:
			n = decimal128.FromI64(int64(at[int32](v.data, row)))
		case v.width <= 18:
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
		var idx int
		switch {
		case len(v.enum) <= 1<<8:
			idx = int(at[uint8](v.data, row))
		case len(v.enum) <= 1<<16:
			idx = int(at[uint16](v.data, row))
		default:
			idx = int(at[uint32](v.data, row))
		}
		b.(*array.StringBuilder).Append(v.enum[idx])
	case duckdb.TYPE_UUID:
		h := at[hugeint](v.data, row)
		var raw [16]byte
		upper := uint64(h.upper) ^ (1 << 63)
		for i := 0; i < 8; i++ {
			raw[i] = byte(upper >> (56 - 8*i))
			raw[8+i] = byte(h.lower >> (56 - 8*i))
		}
		var s [36]byte
		hex.Encode(s[0:8], raw[0:4])
		s[8] = '-'
		hex.Encode(s[9:13], raw[4:6])
		s[13] = '-'
		hex.Encode(s[14:18], raw[6:8])
		s[18] = '-'
		hex.Encode(s[19:23], raw[8:10])
		s[23] = '-'
		hex.Encode(s[24:36], raw[10:16])
		b.(*array.StringBuilder).BinaryBuilder.Append(s[:])
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
		return fmt.Errorf("result type %v is not supported", v.typ)
	}
	return nil
}

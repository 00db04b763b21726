package engine

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	bindings "github.com/duckdb/duckdb-go-bindings"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"

	"github.com/pgdynamo/pgdynamo/catalog"
)

// Init starts a run of the scan. A statement kept in the plan cache runs
// again with the scan source DuckDB bound when it was prepared: the run
// takes the state its statement registered under the statement's ID, and
// starts its read afresh.
func (s *scanSource) Init() {
	if v, ok := s.engine.running.Load(s.statement); ok {
		s.qs = v.(*queryState)
	}
	if s.batch != nil {
		s.batch.Release()
		s.batch = nil
	}
	// The last run's reader was closed with its statement (queryResult.Close).
	s.reader, s.writers, s.offset, s.done = nil, nil, 0, false
}

// FillChunk copies the next rows of the DynamoDB read into chunk, opening
// the read on the first call.
func (s *scanSource) FillChunk(chunk duckdb.DataChunk) error {
	if s.done {
		return chunk.SetSize(0)
	}
	if s.reader == nil {
		if err := s.open(chunk); err != nil {
			s.qs.scanFailed(err)
			return err
		}
	}
	out, err := outputOf(chunk)
	if err != nil {
		return err
	}
	capacity := duckdb.GetDataChunkCapacity()
	row := 0
	for row < capacity {
		if s.batch == nil || s.offset >= int(s.batch.NumRows()) {
			if s.batch != nil {
				s.batch.Release()
				s.batch = nil
			}
			rec, err := s.reader.ReadBatch(s.qs.ctx)
			if errors.Is(err, io.EOF) {
				s.finish()
				break
			}
			if err != nil {
				s.finish()
				s.qs.scanFailed(err)
				return err
			}
			s.batch, s.offset = rec, 0
		}
		n := min(capacity-row, int(s.batch.NumRows())-s.offset)
		for col, w := range s.writers {
			if w == nil {
				continue
			}
			if err := w(out, col, row, s.batch, s.offset, n); err != nil {
				return err
			}
		}
		row += n
		s.offset += n
	}
	return chunk.SetSize(row)
}

func (s *scanSource) finish() {
	s.done = true
	if s.reader != nil {
		s.reader.Close()
	}
}

// output is the DuckDB chunk one FillChunk call fills, as the C vectors the
// column writers write into. duckdb-go's DataChunk only writes one value
// per call (a cgo call per string); its C chunk and its projection are
// private, so they are read here, checked on every call (and by a test) so
// that a duckdb-go upgrade that changes them fails loudly.
type output struct {
	chunk mapping.DataChunk
	// projection maps a source column to its chunk column, -1 when DuckDB
	// did not ask for it (nil: every column, in order).
	projection []int
	vectors    []mapping.Vector // by chunk column, fetched once per call
}

var (
	chunkField      = fieldOf(reflect.TypeOf(duckdb.DataChunk{}), "chunk", reflect.TypeOf(mapping.DataChunk{}))
	projectionField = fieldOf(reflect.TypeOf(duckdb.DataChunk{}), "projection", reflect.TypeOf([]int(nil)))
)

// fieldOf finds a private field of t by name and type.
func fieldOf(t reflect.Type, name string, want reflect.Type) *reflect.StructField {
	f, ok := t.FieldByName(name)
	if !ok || f.Type != want {
		return nil
	}
	return &f
}

func outputOf(chunk duckdb.DataChunk) (*output, error) {
	if chunkField == nil || projectionField == nil {
		return nil, fmt.Errorf("duckdb-go's DataChunk no longer has the fields chunk (mapping.DataChunk) and projection ([]int)")
	}
	base := unsafe.Pointer(&chunk)
	o := &output{
		chunk:      *(*mapping.DataChunk)(unsafe.Add(base, chunkField.Offset)),
		projection: *(*[]int)(unsafe.Add(base, projectionField.Offset)),
	}
	o.vectors = make([]mapping.Vector, mapping.DataChunkGetColumnCount(o.chunk))
	return o, nil
}

// vector returns the vector of source column col, false when the column
// is not in the chunk.
func (o *output) vector(col int) (mapping.Vector, bool) {
	if o.projection != nil {
		if col >= len(o.projection) || o.projection[col] < 0 {
			return mapping.Vector{}, false
		}
		col = o.projection[col]
	}
	if col >= len(o.vectors) {
		return mapping.Vector{}, false
	}
	if o.vectors[col].Ptr == nil {
		o.vectors[col] = mapping.DataChunkGetVector(o.chunk, mapping.IdxT(col))
	}
	return o.vectors[col], true
}

// columnWriter copies n rows of one column of rec, from offset, into the
// chunk column col starting at row.
type columnWriter func(out *output, col, row int, rec arrow.RecordBatch, offset, n int) error

// writerFor returns the writer of column recCol of the batches, of type dt.
func writerFor(dt arrow.DataType, recCol int) columnWriter {
	w, err := vectorWriterFor(dt)
	return func(out *output, col, row int, rec arrow.RecordBatch, offset, n int) error {
		if err != nil {
			return fmt.Errorf("column %d: %w", col, err)
		}
		vec, ok := out.vector(col)
		if !ok {
			return nil // not projected
		}
		if err := w.write(vec, row, rec.Column(recCol), offset, n); err != nil {
			return fmt.Errorf("column %d: %w", col, err)
		}
		return nil
	}
}

// vectorWriter writes Arrow values into a DuckDB vector in place, in
// DuckDB's documented layout: fixed-width values copied whole, strings as
// duckdb_string_t, lists as offset/length entries over a child vector,
// structs field by field. Its cgo calls are a few per column and chunk,
// never per value.
type vectorWriter interface {
	// write copies n values of arr, from offset, into vec from row.
	write(vec mapping.Vector, row int, arr arrow.Array, offset, n int) error
	// null marks row of vec NULL (for a struct, its fields too).
	null(vec mapping.Vector, row int)
}

// vectorWriterFor picks the writer of an Arrow type, for every type
// duckType accepts.
func vectorWriterFor(dt arrow.DataType) (vectorWriter, error) {
	switch t := dt.(type) {
	case *arrow.BooleanType:
		return boolWriter{}, nil
	case *arrow.Int64Type:
		return fixedWriter[int64]{values: func(a arrow.Array) []int64 { return a.(*array.Int64).Int64Values() }}, nil
	case *arrow.Int32Type:
		return fixedWriter[int32]{values: func(a arrow.Array) []int32 { return a.(*array.Int32).Int32Values() }}, nil
	case *arrow.Float64Type:
		return fixedWriter[float64]{values: func(a arrow.Array) []float64 { return a.(*array.Float64).Float64Values() }}, nil
	case *arrow.Date32Type:
		// DuckDB's DATE is days since 1970-01-01 in an int32, as Date32.
		return fixedWriter[arrow.Date32]{values: func(a arrow.Array) []arrow.Date32 { return a.(*array.Date32).Date32Values() }}, nil
	case *arrow.TimestampType:
		return timestampWriter{scale: microsPer(t.Unit)}, nil
	case *arrow.StringType, *arrow.LargeStringType:
		return stringWriter{varchar: true}, nil
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return stringWriter{}, nil
	case *arrow.NullType:
		return nullWriter{}, nil
	case *arrow.ListType:
		child, err := vectorWriterFor(t.Elem())
		if err != nil {
			return nil, err
		}
		return listWriter{child: child}, nil
	case *arrow.StructType:
		if t.NumFields() == 0 {
			return emptyStructWriter{}, nil
		}
		fields := make([]vectorWriter, t.NumFields())
		for i, f := range t.Fields() {
			w, err := vectorWriterFor(f.Type)
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", f.Name, err)
			}
			fields[i] = w
		}
		return structWriter{fields: fields}, nil
	}
	return nil, fmt.Errorf("no DuckDB vector writer for Arrow %s", dt)
}

// nulls marks the NULL rows of arr's span NULL in vec's validity mask
// (64-bit words, bit row%64 of word row/64 clear for NULL), made writable
// on the first NULL.
func nulls(vec mapping.Vector, row int, arr arrow.Array, offset, n int) {
	if arr.NullN() == 0 {
		return
	}
	var mask unsafe.Pointer
	for i := range n {
		if !arr.IsNull(offset + i) {
			continue
		}
		if mask == nil {
			mapping.VectorEnsureValidityWritable(vec)
			mask = mapping.VectorGetValidity(vec)
		}
		clearValid(mask, row+i)
	}
}

func clearValid(mask unsafe.Pointer, row int) {
	word := (*uint64)(unsafe.Add(mask, 8*(row/64)))
	*word &^= 1 << (uint(row) % 64)
}

// flatNull marks one row NULL in a vector without children.
func flatNull(vec mapping.Vector, row int) {
	mapping.VectorEnsureValidityWritable(vec)
	clearValid(mapping.VectorGetValidity(vec), row)
}

// fixedWriter copies fixed-width values whose DuckDB layout is Arrow's.
type fixedWriter[T any] struct {
	values func(arrow.Array) []T
}

func (w fixedWriter[T]) write(vec mapping.Vector, row int, arr arrow.Array, offset, n int) error {
	dst := unsafe.Slice((*T)(mapping.VectorGetData(vec)), row+n)
	copy(dst[row:], w.values(arr)[offset:offset+n])
	nulls(vec, row, arr, offset, n)
	return nil
}

func (fixedWriter[T]) null(vec mapping.Vector, row int) { flatNull(vec, row) }

// boolWriter unpacks Arrow's bits into DuckDB's one byte per value.
type boolWriter struct{}

func (w boolWriter) write(vec mapping.Vector, row int, arr arrow.Array, offset, n int) error {
	a := arr.(*array.Boolean)
	dst := unsafe.Slice((*bool)(mapping.VectorGetData(vec)), row+n)
	for i := range n {
		dst[row+i] = a.Value(offset + i)
	}
	nulls(vec, row, arr, offset, n)
	return nil
}

func (boolWriter) null(vec mapping.Vector, row int) { flatNull(vec, row) }

// timestampWriter converts to DuckDB's microseconds since the epoch (both
// TIMESTAMP and TIMESTAMP WITH TIME ZONE), rounding nanoseconds down as
// time.Time.UnixMicro does.
type timestampWriter struct {
	scale int64 // microsPer the Arrow unit: 0 for nanoseconds
}

func (w timestampWriter) write(vec mapping.Vector, row int, arr arrow.Array, offset, n int) error {
	src := arr.(*array.Timestamp).TimestampValues()[offset : offset+n]
	dst := unsafe.Slice((*int64)(mapping.VectorGetData(vec)), row+n)[row:]
	if w.scale == 0 {
		for i, v := range src {
			dst[i] = floorDiv(int64(v), 1_000)
		}
	} else {
		for i, v := range src {
			dst[i] = int64(v) * w.scale
		}
	}
	nulls(vec, row, arr, offset, n)
	return nil
}

// microsPer is how many microseconds one unit is, 0 for nanoseconds (less
// than one): taken once per column, not per value.
func microsPer(unit arrow.TimeUnit) int64 {
	switch unit {
	case arrow.Second:
		return 1_000_000
	case arrow.Millisecond:
		return 1_000
	case arrow.Microsecond:
		return 1
	}
	return 0
}

func (timestampWriter) null(vec mapping.Vector, row int) { flatNull(vec, row) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// duckStringSize is sizeof(duckdb_string_t); strings up to duckInline
// bytes are stored in it, longer ones as length, 4-byte prefix and pointer.
const (
	duckStringSize = 16
	duckInline     = 12
)

// stringWriter writes VARCHAR and BLOB values. A string of up to 12 bytes
// is written inline; the longer ones point into one copy DuckDB keeps in
// the vector's own string heap: the span's whole Arrow data buffer is
// handed over with a single assignment (one cgo call per column and
// chunk) and each long string points at its bytes in that copy, which
// lives as long as the vector, as a string DuckDB assigned itself would.
type stringWriter struct{ varchar bool }

// binaryArray is what String, LargeString, Binary and LargeBinary share.
type binaryArray interface {
	arrow.Array
	ValueLen(int) int
}

// spanOf returns the span's bytes (from row offset's first byte) and the
// start of row offset+i within them.
func spanOf(arr arrow.Array, offset, n int) (data []byte, start func(i int) int) {
	switch a := arr.(type) {
	case *array.String:
		return spanOfOffsets(a.Data(), a.ValueOffsets(), offset, n)
	case *array.Binary:
		return spanOfOffsets(a.Data(), a.ValueOffsets(), offset, n)
	case *array.LargeString:
		return spanOfOffsets(a.Data(), a.ValueOffsets(), offset, n)
	case *array.LargeBinary:
		return spanOfOffsets(a.Data(), a.ValueOffsets(), offset, n)
	}
	return nil, nil
}

func spanOfOffsets[O int32 | int64](d arrow.ArrayData, offs []O, offset, n int) ([]byte, func(i int) int) {
	first := offs[offset]
	return spanBytes(d, int(first), int(offs[offset+n])), func(i int) int { return int(offs[offset+i] - first) }
}

// spanBytes is bytes [from, to) of an array's data buffer (offsets index
// the whole buffer).
func spanBytes(d arrow.ArrayData, from, to int) []byte {
	buf := d.Buffers()[2]
	if buf == nil {
		return nil
	}
	return buf.Bytes()[from:to]
}

func (w stringWriter) write(vec mapping.Vector, row int, arr arrow.Array, offset, n int) error {
	data, start := spanOf(arr, offset, n)
	if start == nil {
		return fmt.Errorf("arrow %s is not a string or binary array", arr.DataType())
	}
	lens := arr.(binaryArray)
	if w.varchar && !utf8.Valid(data) {
		// DuckDB's checked assignment makes each invalid value NULL.
		for i := range n {
			s := start(i)
			mapping.VectorAssignStringElementLen(vec, mapping.IdxT(row+i), data[s:s+lens.ValueLen(offset+i)])
		}
		nulls(vec, row, arr, offset, n)
		return nil
	}
	base := unsafe.Pointer(mapping.VectorGetData(vec))
	var heap uintptr // DuckDB's copy of data, once handed over
	for i := range n {
		p := unsafe.Add(base, duckStringSize*(row+i))
		s := start(i)
		l := lens.ValueLen(offset + i)
		if l > math.MaxUint32 {
			return fmt.Errorf("a value of %d bytes, more than DuckDB holds", l)
		}
		rest := unsafe.Slice((*byte)(unsafe.Add(p, 4)), duckInline)
		if l <= duckInline {
			*(*uint32)(p) = uint32(l)
			copy(rest, data[s:s+l])
			clear(rest[l:]) // DuckDB compares inlined strings whole
			continue
		}
		if heap == 0 {
			// Assigned to this row, the whole span is copied into the
			// vector's heap (it is longer than 12 bytes, so never inlined).
			bindings.UnsafeVectorAssignStringElementLen(vec, mapping.IdxT(row+i), data)
			heap = *(*uintptr)(unsafe.Add(p, 8))
		}
		*(*uint32)(p) = uint32(l)
		copy(rest[:4], data[s:s+4])
		*(*uintptr)(unsafe.Add(p, 8)) = heap + uintptr(s)
	}
	nulls(vec, row, arr, offset, n)
	return nil
}

func (stringWriter) null(vec mapping.Vector, row int) { flatNull(vec, row) }

// nullWriter fills a column of Arrow's Null type (never-seen attributes):
// every row NULL.
type nullWriter struct{}

func (nullWriter) write(vec mapping.Vector, row int, _ arrow.Array, _, n int) error {
	mapping.VectorEnsureValidityWritable(vec)
	mask := mapping.VectorGetValidity(vec)
	for i := range n {
		clearValid(mask, row+i)
	}
	return nil
}

func (nullWriter) null(vec mapping.Vector, row int) { flatNull(vec, row) }

// emptyStructWriter writes a map only ever seen empty, served as the
// VARCHAR "{}" (DuckDB has no empty struct).
type emptyStructWriter struct{}

func (w emptyStructWriter) write(vec mapping.Vector, row int, arr arrow.Array, offset, n int) error {
	base := unsafe.Pointer(mapping.VectorGetData(vec))
	for i := range n {
		p := unsafe.Add(base, duckStringSize*(row+i))
		*(*[duckStringSize]byte)(p) = [duckStringSize]byte{2, 0, 0, 0, '{', '}'}
	}
	nulls(vec, row, arr, offset, n)
	return nil
}

func (emptyStructWriter) null(vec mapping.Vector, row int) { flatNull(vec, row) }

// listWriter appends the span's elements to the list's child vector and
// points each row's entry at its elements.
type listWriter struct{ child vectorWriter }

func (w listWriter) write(vec mapping.Vector, row int, arr arrow.Array, offset, n int) error {
	if n == 0 {
		return nil
	}
	a := arr.(*array.List)
	first, _ := a.ValueOffsets(offset)
	_, last := a.ValueOffsets(offset + n - 1)
	total := int(last - first)
	size := int(mapping.ListVectorGetSize(vec))
	if total > 0 {
		if mapping.ListVectorReserve(vec, mapping.IdxT(size+total)) == mapping.StateError ||
			mapping.ListVectorSetSize(vec, mapping.IdxT(size+total)) == mapping.StateError {
			return fmt.Errorf("cannot grow a list vector to %d values", size+total)
		}
	}
	entries := unsafe.Slice((*listEntry)(mapping.VectorGetData(vec)), row+n)
	for i := range n {
		s, e := a.ValueOffsets(offset + i)
		entries[row+i] = listEntry{offset: uint64(size) + uint64(s-first), length: uint64(e - s)}
	}
	if total > 0 {
		if err := w.child.write(mapping.ListVectorGetChild(vec), size, a.ListValues(), int(first), total); err != nil {
			return err
		}
	}
	nulls(vec, row, arr, offset, n)
	return nil
}

func (listWriter) null(vec mapping.Vector, row int) { flatNull(vec, row) }

// structWriter writes each field into the struct's child vectors; a NULL
// struct has NULL fields, as DuckDB expects (attrarrow's structs already
// do; a field that does not is made NULL there).
type structWriter struct{ fields []vectorWriter }

func (w structWriter) write(vec mapping.Vector, row int, arr arrow.Array, offset, n int) error {
	a := arr.(*array.Struct)
	children := make([]mapping.Vector, len(w.fields))
	for f, fw := range w.fields {
		children[f] = mapping.StructVectorGetChild(vec, mapping.IdxT(f))
		if err := fw.write(children[f], row, a.Field(f), offset, n); err != nil {
			return err
		}
	}
	nulls(vec, row, arr, offset, n)
	if a.NullN() > 0 {
		for i := range n {
			if !a.IsNull(offset + i) {
				continue
			}
			for f, fw := range w.fields {
				if !a.Field(f).IsNull(offset + i) {
					fw.null(children[f], row+i)
				}
			}
		}
	}
	return nil
}

func (w structWriter) null(vec mapping.Vector, row int) {
	flatNull(vec, row)
	for f, fw := range w.fields {
		fw.null(mapping.StructVectorGetChild(vec, mapping.IdxT(f)), row)
	}
}

// rowsSource feeds Arrow rows the engine already holds (all of a
// dataset's columns) into DuckDB chunks.
type rowsSource struct {
	columns []duckdb.ColumnInfo
	rows    arrow.RecordBatch // nil: no rows
	writers []columnWriter
	offset  int
}

func newRowsSource(ds *catalog.Dataset, rows arrow.RecordBatch) (*rowsSource, error) {
	cols, err := columnInfos(ds)
	if err != nil {
		return nil, err
	}
	if rows != nil && int(rows.NumCols()) != len(cols) {
		return nil, fmt.Errorf("%d columns of rows for %d columns of %s", rows.NumCols(), len(cols), ds.QualifiedName())
	}
	return &rowsSource{columns: cols, rows: rows}, nil
}

func (s *rowsSource) ColumnInfos() []duckdb.ColumnInfo { return s.columns }

func (s *rowsSource) Cardinality() *duckdb.CardinalityInfo {
	n := 0
	if s.rows != nil {
		n = int(s.rows.NumRows())
	}
	return &duckdb.CardinalityInfo{Cardinality: uint(n), Exact: true}
}

func (s *rowsSource) Init() {}

func (s *rowsSource) FillChunk(chunk duckdb.DataChunk) error {
	if s.rows == nil || s.offset >= int(s.rows.NumRows()) {
		return chunk.SetSize(0)
	}
	if s.writers == nil {
		s.writers = make([]columnWriter, len(s.columns))
		for i := range s.columns {
			if _, err := chunk.GetVector(i); err == nil {
				s.writers[i] = writerFor(s.rows.Column(i).DataType(), i)
			}
		}
	}
	out, err := outputOf(chunk)
	if err != nil {
		return err
	}
	n := min(duckdb.GetDataChunkCapacity(), int(s.rows.NumRows())-s.offset)
	for col, w := range s.writers {
		if w == nil {
			continue
		}
		if err := w(out, col, 0, s.rows, s.offset, n); err != nil {
			return err
		}
	}
	s.offset += n
	return chunk.SetSize(n)
}

package pgtypes

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
)

// Format is a Postgres wire format code.
type Format int16

const (
	TextFormat   Format = 0
	BinaryFormat Format = 1
)

func (f Format) String() string {
	switch f {
	case TextFormat:
		return "text"
	case BinaryFormat:
		return "binary"
	}
	return fmt.Sprintf("Format(%d)", int16(f))
}

// column is one planned column and its binding to the current batch.
type column struct {
	name   string
	dt     arrow.DataType
	codec  codec
	binary bool
	arr    arrow.Array // the array vals is bound to; nil before the first batch
	vals   values
	// encode is vals.text or vals.binary, chosen when the array is bound.
	encode func(w *writer, i int)
	// nullable is false when the bound array has no NULLs, so the per-row
	// isNull call is skipped.
	nullable bool
}

// RowEncoder encodes rows of record batches with a fixed schema into
// DataRow messages. Each column's encoding is planned once, in
// NewRowEncoder, and bound once per batch, in Bind. A RowEncoder is not
// safe for concurrent use.
type RowEncoder struct {
	cols    []column
	types   []Type
	formats []Format
	w       writer
	rows    int // the bound batch's row count; -1 before Bind
	// row is EncodeRow's reused DataRow message.
	row []byte
}

// NewRowEncoder plans the encoding of schema's columns. formats follows
// Bind's result-format rule: none means all text, one applies to every
// column, otherwise there is one per column.
func NewRowEncoder(schema *arrow.Schema, formats []Format, opts Options) (*RowEncoder, error) {
	if schema == nil {
		return nil, fmt.Errorf("pgtypes: nil schema")
	}
	n := schema.NumFields()
	if len(formats) > 1 && len(formats) != n {
		return nil, fmt.Errorf("pgtypes: %d result formats for %d columns", len(formats), n)
	}
	if n > math.MaxInt16 {
		return nil, fmt.Errorf("pgtypes: %d columns, a DataRow holds at most %d", n, math.MaxInt16)
	}
	e := &RowEncoder{
		cols:    make([]column, n),
		types:   make([]Type, n),
		formats: make([]Format, n),
		rows:    -1,
	}
	for i, f := range schema.Fields() {
		format := TextFormat
		switch len(formats) {
		case 0:
		case 1:
			format = formats[0]
		default:
			format = formats[i]
		}
		if format != TextFormat && format != BinaryFormat {
			return nil, fmt.Errorf("pgtypes: column %q: unsupported format code %d", f.Name, int16(format))
		}
		c, err := plan(f.Type, opts)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		e.cols[i] = column{name: f.Name, dt: f.Type, codec: c, binary: format == BinaryFormat}
		e.types[i] = c.pgType()
		e.formats[i] = format
	}
	return e, nil
}

// Types returns the Postgres type of each column, for RowDescription.
func (e *RowEncoder) Types() []Type { return append([]Type(nil), e.types...) }

// Formats returns the format code of each column, for RowDescription.
func (e *RowEncoder) Formats() []Format { return append([]Format(nil), e.formats...) }

// Bind points every column at rec's arrays for the AppendDataRow calls that
// follow, re-planning nothing: only an array the encoder has not seen is
// bound. The encoder keeps references to rec's arrays (not counted) until
// the next Bind; rec must stay alive while its rows are appended.
func (e *RowEncoder) Bind(rec arrow.RecordBatch) error {
	e.rows = -1
	if rec == nil {
		return fmt.Errorf("pgtypes: nil record batch")
	}
	if int(rec.NumCols()) != len(e.cols) {
		return fmt.Errorf("pgtypes: record batch has %d columns, the encoder %d", rec.NumCols(), len(e.cols))
	}
	for i := range e.cols {
		c := &e.cols[i]
		arr := rec.Column(i)
		if arr == c.arr {
			continue
		}
		if !arrow.TypeEqual(arr.DataType(), c.dt) {
			c.arr, c.vals, c.encode = nil, nil, nil
			return fmt.Errorf("pgtypes: column %q: batch has type %s, the schema %s", c.name, arr.DataType(), c.dt)
		}
		v, err := c.codec.bind(arr)
		if err != nil {
			c.arr, c.vals, c.encode = nil, nil, nil
			return fmt.Errorf("column %q: %w", c.name, err)
		}
		c.arr, c.vals = arr, v
		if c.binary {
			c.encode = v.binary
		} else {
			c.encode = v.text
		}
		// A dictionary's value can be NULL where its index is not.
		c.nullable = arr.NullN() > 0 || arr.DataType().ID() == arrow.DICTIONARY
	}
	e.rows = int(rec.NumRows())
	return nil
}

// AppendDataRow appends the complete DataRow message (type byte, length,
// column count, each value's length and bytes, -1 for NULL) for row row of
// the batch last bound, and returns the extended buffer. On error dst is
// returned as it was.
func (e *RowEncoder) AppendDataRow(dst []byte, row int) ([]byte, error) {
	if e.rows < 0 {
		return dst, fmt.Errorf("pgtypes: no record batch bound")
	}
	if row < 0 || row >= e.rows {
		return dst, fmt.Errorf("pgtypes: row %d out of range for a batch of %d rows", row, e.rows)
	}
	start := len(dst)
	w := &e.w
	w.buf, w.err = append(dst, 'D', 0, 0, 0, 0, byte(len(e.cols)>>8), byte(len(e.cols))), nil
	for i := range e.cols {
		c := &e.cols[i]
		if c.nullable && c.vals.isNull(row) {
			w.buf = append(w.buf, 0xff, 0xff, 0xff, 0xff)
			continue
		}
		at := w.reserve4()
		c.encode(w, row)
		if w.err != nil {
			err := fmt.Errorf("column %q, row %d: %w", c.name, row, w.err)
			w.buf, w.err = nil, nil
			return dst[:start], err
		}
		if n := len(w.buf) - at - 4; n > math.MaxInt32 {
			w.buf = nil
			return dst[:start], fmt.Errorf("column %q, row %d: value of %d bytes is too large for a DataRow", c.name, row, n)
		}
		w.patch4(at, int32(len(w.buf)-at-4))
	}
	out := w.buf
	w.buf = nil
	if n := len(out) - start - 1; n > math.MaxInt32 {
		return dst[:start], fmt.Errorf("pgtypes: row %d: DataRow of %d bytes is too large", row, n)
	}
	binary.BigEndian.PutUint32(out[start+1:], uint32(len(out)-start-1))
	return out, nil
}

// EncodeRow binds rec and returns the values of row row, one per column,
// a NULL value as a nil []byte: AppendDataRow's message split into its
// values. The byte slices alias an internal buffer that the next call
// reuses; dst is reset to length 0 and reused.
func (e *RowEncoder) EncodeRow(rec arrow.RecordBatch, row int, dst [][]byte) ([][]byte, error) {
	dst = dst[:0]
	if err := e.Bind(rec); err != nil {
		return dst, err
	}
	msg, err := e.AppendDataRow(e.row[:0], row)
	if err != nil {
		return dst, err
	}
	e.row = msg
	p := msg[7:]
	for range e.cols {
		n := int32(binary.BigEndian.Uint32(p))
		p = p[4:]
		if n < 0 {
			dst = append(dst, nil)
			continue
		}
		dst = append(dst, p[:n:n])
		p = p[n:]
	}
	return dst, nil
}

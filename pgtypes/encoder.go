package pgtypes

import (
	"fmt"

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
	arr    arrow.Array // the array vals is bound to; nil before the first row
	vals   values
}

// RowEncoder encodes rows of record batches with a fixed schema into
// DataRow values. Each column's encoding is planned once, in NewRowEncoder,
// and bound once per batch. A RowEncoder is not safe for concurrent use.
type RowEncoder struct {
	cols    []column
	types   []Type
	formats []Format
	w       writer
	ends    []int // end offset of each column's bytes in w.buf, -1 for NULL
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
	e := &RowEncoder{
		cols:    make([]column, n),
		types:   make([]Type, n),
		formats: make([]Format, n),
		ends:    make([]int, n),
		w:       writer{buf: make([]byte, 0, 1024)},
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

// bind points every column at rec's arrays, re-planning nothing: only a
// new array is bound, so a batch costs one bind per column.
func (e *RowEncoder) bind(rec arrow.RecordBatch) error {
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
			return fmt.Errorf("pgtypes: column %q: batch has type %s, the schema %s", c.name, arr.DataType(), c.dt)
		}
		v, err := c.codec.bind(arr)
		if err != nil {
			return fmt.Errorf("column %q: %w", c.name, err)
		}
		c.arr, c.vals = arr, v
	}
	return nil
}

// EncodeRow appends the encoded values of row row of rec into dst (reset to
// length 0 first) and returns it; a NULL value is a nil []byte. The byte
// slices alias an internal buffer that the next call reuses.
func (e *RowEncoder) EncodeRow(rec arrow.RecordBatch, row int, dst [][]byte) ([][]byte, error) {
	dst = dst[:0]
	if err := e.bind(rec); err != nil {
		return dst, err
	}
	if row < 0 || int64(row) >= rec.NumRows() {
		return dst, fmt.Errorf("pgtypes: row %d out of range for a batch of %d rows", row, rec.NumRows())
	}
	w := &e.w
	w.buf, w.err = w.buf[:0], nil
	for i := range e.cols {
		c := &e.cols[i]
		if c.vals.isNull(row) {
			e.ends[i] = -1
			continue
		}
		if c.binary {
			c.vals.binary(w, row)
		} else {
			c.vals.text(w, row)
		}
		if w.err != nil {
			return dst, fmt.Errorf("column %q, row %d: %w", c.name, row, w.err)
		}
		e.ends[i] = len(w.buf)
	}
	start := 0
	for _, end := range e.ends {
		if end < 0 {
			dst = append(dst, nil)
			continue
		}
		dst = append(dst, w.buf[start:end:end])
		start = end
	}
	return dst, nil
}

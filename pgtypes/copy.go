package pgtypes

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
)

// COPY ... TO STDOUT output: the same codecs as DataRow (one encoding
// path), framed as CopyData messages in COPY's text, CSV or binary format,
// byte for byte as PostgreSQL 15's copyto.c writes them.

// CopyFormat is the data format of COPY.
type CopyFormat int

// COPY formats.
const (
	CopyText CopyFormat = iota
	CopyCSV
	CopyBinary
)

func (f CopyFormat) String() string {
	switch f {
	case CopyText:
		return "text"
	case CopyCSV:
		return "csv"
	case CopyBinary:
		return "binary"
	}
	return fmt.Sprintf("CopyFormat(%d)", int(f))
}

// CopyOptions are COPY's output options, resolved: every field holds the
// value in force. DefaultCopyOptions gives PostgreSQL's defaults.
type CopyOptions struct {
	Format CopyFormat
	// Header sends a first line of column names (text and CSV).
	Header bool
	// Delimiter separates the values of a line (text and CSV).
	Delimiter byte
	// Null is written for NULL (text and CSV).
	Null string
	// Quote and Escape are CSV's quote character and the character that
	// precedes a quote or escape character inside a quoted value.
	Quote, Escape byte
	// ForceQuote names the columns whose non-NULL values CSV always quotes;
	// ForceQuoteAll quotes every column's (FORCE_QUOTE *).
	ForceQuote    []string
	ForceQuoteAll bool
}

// DefaultCopyOptions are PostgreSQL's defaults for format f: tab and \N for
// text; comma, the empty string and double quotes for CSV.
func DefaultCopyOptions(f CopyFormat) CopyOptions {
	o := CopyOptions{Format: f, Delimiter: '\t', Null: `\N`}
	if f == CopyCSV {
		o.Delimiter, o.Null, o.Quote, o.Escape = ',', "", '"', '"'
	}
	return o
}

// UnknownColumnError is a FORCE_QUOTE column that COPY does not output;
// its text is PostgreSQL's.
type UnknownColumnError struct{ Column string }

func (e *UnknownColumnError) Error() string { return fmt.Sprintf("column %q does not exist", e.Column) }

// copyBinarySignature starts binary COPY data: the signature, flags (0)
// and the length of the header extension (0).
var copyBinarySignature = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// CopyEncoder encodes rows of record batches as COPY data, one CopyData
// message per row. Like RowEncoder it plans each column once and is bound
// once per batch; it is not safe for concurrent use.
type CopyEncoder struct {
	rows  *RowEncoder
	opts  CopyOptions
	names []string
	// forceQuote marks the CSV columns FORCE_QUOTE names.
	forceQuote []bool
	// header is binary COPY's signature, sent with the first message.
	header []byte
	val    writer
	msg    []byte // the first binary row, before it is framed
}

// NewCopyEncoder plans COPY output of schema's columns with opts. A
// FORCE_QUOTE column schema lacks is an *UnknownColumnError.
func NewCopyEncoder(schema *arrow.Schema, opts CopyOptions, o Options) (*CopyEncoder, error) {
	format := TextFormat
	if opts.Format == CopyBinary {
		format = BinaryFormat
	}
	rows, err := NewRowEncoder(schema, []Format{format}, o)
	if err != nil {
		return nil, err
	}
	e := &CopyEncoder{rows: rows, opts: opts, forceQuote: make([]bool, schema.NumFields())}
	for _, f := range schema.Fields() {
		e.names = append(e.names, f.Name)
	}
	for i := range e.forceQuote {
		e.forceQuote[i] = opts.ForceQuoteAll
	}
	for _, name := range opts.ForceQuote {
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			return nil, &UnknownColumnError{Column: name}
		}
		for _, i := range idx {
			e.forceQuote[i] = true
		}
	}
	if opts.Format == CopyBinary {
		e.header = copyBinarySignature
	}
	return e, nil
}

// Formats are the column format codes of CopyOutResponse.
func (e *CopyEncoder) Formats() []Format { return e.rows.Formats() }

// Bind points the encoder at rec's arrays, as RowEncoder.Bind does.
func (e *CopyEncoder) Bind(rec arrow.RecordBatch) error { return e.rows.Bind(rec) }

// AppendStart appends what precedes the rows: the header line of column
// names when opts.Header is set (text and CSV). Binary COPY's signature
// goes out with the first row, or with the trailer when there is none, as
// PostgreSQL sends it (psycopg expects the signature and the first row in
// one message).
func (e *CopyEncoder) AppendStart(dst []byte) []byte {
	if !e.opts.Header || e.opts.Format == CopyBinary {
		return dst
	}
	at := startCopyData(&dst)
	for i, name := range e.names {
		if i > 0 {
			dst = append(dst, e.opts.Delimiter)
		}
		if e.opts.Format == CopyCSV {
			dst = e.appendCSV(dst, []byte(name), false)
		} else {
			dst = e.appendText(dst, []byte(name))
		}
	}
	dst = append(dst, '\n')
	return endCopyData(dst, at)
}

// AppendRow appends row row of the bound batch as one CopyData message.
// On error dst is returned as it was.
func (e *CopyEncoder) AppendRow(dst []byte, row int) ([]byte, error) {
	if e.opts.Format == CopyBinary {
		return e.appendBinaryRow(dst, row)
	}
	if e.rows.rows < 0 {
		return dst, fmt.Errorf("pgtypes: no record batch bound")
	}
	if row < 0 || row >= e.rows.rows {
		return dst, fmt.Errorf("pgtypes: row %d out of range for a batch of %d rows", row, e.rows.rows)
	}
	start := len(dst)
	at := startCopyData(&dst)
	for i := range e.rows.cols {
		c := &e.rows.cols[i]
		if i > 0 {
			dst = append(dst, e.opts.Delimiter)
		}
		if c.nullable && c.vals.isNull(row) {
			dst = append(dst, e.opts.Null...)
			continue
		}
		w := &e.val
		w.buf, w.err = w.buf[:0], nil
		c.encode(w, row)
		if w.err != nil {
			err := fmt.Errorf("column %q, row %d: %w", c.name, row, w.err)
			w.err = nil
			return dst[:start], err
		}
		if e.opts.Format == CopyCSV {
			dst = e.appendCSV(dst, w.buf, e.forceQuote[i])
		} else {
			dst = e.appendText(dst, w.buf)
		}
	}
	dst = append(dst, '\n')
	if len(dst)-at > math.MaxInt32 {
		return dst[:start], fmt.Errorf("pgtypes: row %d: line of %d bytes is too large for a CopyData message", row, len(dst)-at)
	}
	return endCopyData(dst, at), nil
}

// appendBinaryRow frames a DataRow as CopyData: a binary COPY tuple (field
// count, then each field's length and bytes, -1 for NULL) is exactly a
// DataRow's body, so only the message type changes.
func (e *CopyEncoder) appendBinaryRow(dst []byte, row int) ([]byte, error) {
	if e.header == nil {
		out, err := e.rows.AppendDataRow(dst, row)
		if err != nil {
			return dst, err
		}
		out[len(dst)] = 'd'
		return out, nil
	}
	msg, err := e.rows.AppendDataRow(e.msg[:0], row)
	if err != nil {
		return dst, err
	}
	e.msg = msg
	at := startCopyData(&dst)
	dst = append(dst, e.header...)
	dst = append(dst, msg[5:]...)
	e.header, e.msg = nil, nil
	return endCopyData(dst, at), nil
}

// AppendEnd appends what follows the rows: binary COPY's trailer.
func (e *CopyEncoder) AppendEnd(dst []byte) []byte {
	if e.opts.Format != CopyBinary {
		return dst
	}
	at := startCopyData(&dst)
	dst = append(dst, e.header...)
	e.header = nil
	dst = append(dst, 0xff, 0xff)
	return endCopyData(dst, at)
}

// startCopyData appends a CopyData message's type and a length placeholder
// and returns where the message starts.
func startCopyData(dst *[]byte) int {
	at := len(*dst)
	*dst = append(*dst, 'd', 0, 0, 0, 0)
	return at
}

// endCopyData patches the length of the message started at at.
func endCopyData(dst []byte, at int) []byte {
	binary.BigEndian.PutUint32(dst[at+1:], uint32(len(dst)-at-1))
	return dst
}

// appendText appends a value in COPY's text format (CopyAttributeOutText):
// backslash, the delimiter and the control characters that have one are
// backslash-escaped.
func (e *CopyEncoder) appendText(dst, v []byte) []byte {
	delim := e.opts.Delimiter
	for _, c := range v {
		if c < 0x20 {
			esc := byte(0)
			switch c {
			case '\b':
				esc = 'b'
			case '\f':
				esc = 'f'
			case '\n':
				esc = 'n'
			case '\r':
				esc = 'r'
			case '\t':
				esc = 't'
			case '\v':
				esc = 'v'
			default:
				if c == delim {
					esc = c
				}
			}
			if esc != 0 {
				dst = append(dst, '\\', esc)
				continue
			}
		} else if c == '\\' || c == delim {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return dst
}

// appendCSV appends a value in CSV (CopyAttributeOutCSV): quoted when
// forced, when it equals the NULL string (so it reads back as a value),
// when it is \. alone on a one-column line, or when it holds the
// delimiter, the quote, CR or LF; inside quotes, quote and escape
// characters are preceded by the escape character.
func (e *CopyEncoder) appendCSV(dst, v []byte, force bool) []byte {
	o := &e.opts
	quote := force || string(v) == o.Null || (len(e.names) == 1 && string(v) == `\.`)
	for i := 0; !quote && i < len(v); i++ {
		c := v[i]
		quote = c == o.Delimiter || c == o.Quote || c == '\n' || c == '\r'
	}
	if !quote {
		return append(dst, v...)
	}
	dst = append(dst, o.Quote)
	for _, c := range v {
		if c == o.Quote || c == o.Escape {
			dst = append(dst, o.Escape)
		}
		dst = append(dst, c)
	}
	return append(dst, o.Quote)
}

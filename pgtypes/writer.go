package pgtypes

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrOutOfRange is wrapped by the errors for values that PostgreSQL cannot
// represent in the column's type (a date past 5874897 AD, a time past
// 24:00:00, a timestamp before 4714 BC). The wire layer reports them as
// SQLSTATE 22008 (datetime_field_overflow) or 22003 (numeric_value_out_of_range).
var ErrOutOfRange = errors.New("value out of range")

// writer is the buffer values are encoded into. It keeps its first error so
// that the per-value code stays straight-line; callers check err once per
// value or row.
type writer struct {
	buf []byte
	err error
	// scratch holds an element's text while array output decides whether it
	// needs quotes, and a map key's text while JSON output escapes it.
	scratch []byte
}

// fail records err unless an earlier error is already recorded.
func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// outOfRange records an ErrOutOfRange naming the Postgres type and value.
func (w *writer) outOfRange(typ string, v any) {
	w.fail(fmt.Errorf("%s %v: %w", typ, v, ErrOutOfRange))
}

func (w *writer) int16(v int16) { w.buf = binary.BigEndian.AppendUint16(w.buf, uint16(v)) }
func (w *writer) int32(v int32) { w.buf = binary.BigEndian.AppendUint32(w.buf, uint32(v)) }
func (w *writer) int64(v int64) { w.buf = binary.BigEndian.AppendUint64(w.buf, uint64(v)) }

// reserve4 appends a 4-byte placeholder and returns its position for patch4.
func (w *writer) reserve4() int {
	w.buf = append(w.buf, 0, 0, 0, 0)
	return len(w.buf) - 4
}

func (w *writer) patch4(at int, v int32) {
	binary.BigEndian.PutUint32(w.buf[at:], uint32(v))
}

// appendZeroPad appends v in decimal, left-padded with zeros to width digits.
func appendZeroPad(b []byte, v int64, width int) []byte {
	switch {
	case width == 2 && v < 100:
		return append(b, byte('0'+v/10), byte('0'+v%10))
	case width == 4 && v < 10000:
		return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
	}
	var tmp [20]byte
	i := len(tmp)
	for v >= 10 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	i--
	tmp[i] = byte('0' + v)
	for n := len(tmp) - i; n < width; n++ {
		b = append(b, '0')
	}
	return append(b, tmp[i:]...)
}

const hexDigits = "0123456789abcdef"

// appendByteaHex appends bytea's hex text form, `\x0102ff`.
func appendByteaHex(b []byte, v []byte) []byte {
	b = append(b, '\\', 'x')
	for _, c := range v {
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

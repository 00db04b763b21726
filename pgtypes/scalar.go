package pgtypes

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// scalar is the codec of a type whose elements are read as one Go value of
// type T each; its functions encode a single value.
type scalar[T any] struct {
	typ     Type
	isPlain bool
	text    func(w *writer, v T)
	binary  func(w *writer, v T)
	json    func(w *writer, v T)
}

func (c *scalar[T]) pgType() Type { return c.typ }
func (c *scalar[T]) plain() bool  { return c.isPlain }

func (c *scalar[T]) bind(arr arrow.Array) (values, error) {
	switch a := arr.(type) {
	case interface{ Values() []T }:
		return &sliceValues[T]{c: c, arr: arr, vals: a.Values()}, nil
	case interface{ Value(int) T }:
		return &getterValues[T]{c: c, arr: arr, get: a}, nil
	}
	return nil, bindMismatch(arr, c.typ.Name)
}

// sliceValues reads fixed-width values straight from the Arrow buffer.
type sliceValues[T any] struct {
	c    *scalar[T]
	arr  arrow.Array
	vals []T
}

func (v *sliceValues[T]) isNull(i int) bool       { return v.arr.IsNull(i) }
func (v *sliceValues[T]) text(w *writer, i int)   { v.c.text(w, v.vals[i]) }
func (v *sliceValues[T]) binary(w *writer, i int) { v.c.binary(w, v.vals[i]) }
func (v *sliceValues[T]) json(w *writer, i int)   { v.c.json(w, v.vals[i]) }

// getterValues reads values through the array's Value method (booleans,
// strings, binaries, views).
type getterValues[T any] struct {
	c   *scalar[T]
	arr arrow.Array
	get interface{ Value(int) T }
}

func (v *getterValues[T]) isNull(i int) bool       { return v.arr.IsNull(i) }
func (v *getterValues[T]) text(w *writer, i int)   { v.c.text(w, v.get.Value(i)) }
func (v *getterValues[T]) binary(w *writer, i int) { v.c.binary(w, v.get.Value(i)) }
func (v *getterValues[T]) json(w *writer, i int)   { v.c.json(w, v.get.Value(i)) }

func boolCodec() codec {
	return &scalar[bool]{
		typ:     mustType(BoolOID),
		isPlain: true,
		text: func(w *writer, v bool) {
			if v {
				w.buf = append(w.buf, 't')
			} else {
				w.buf = append(w.buf, 'f')
			}
		},
		binary: func(w *writer, v bool) {
			if v {
				w.buf = append(w.buf, 1)
			} else {
				w.buf = append(w.buf, 0)
			}
		},
		json: func(w *writer, v bool) {
			if v {
				w.buf = append(w.buf, "true"...)
			} else {
				w.buf = append(w.buf, "false"...)
			}
		},
	}
}

type smallInt interface {
	int8 | int16 | int32 | int64 | uint8 | uint16 | uint32
}

// intCodec sends an Arrow integer as int2, int4 or int8; the caller picks a
// Postgres type wide enough for every value of T.
func intCodec[T smallInt](oid OID) codec {
	var bin func(w *writer, v T)
	switch oid {
	case Int2OID:
		bin = func(w *writer, v T) { w.int16(int16(v)) }
	case Int4OID:
		bin = func(w *writer, v T) { w.int32(int32(v)) }
	default:
		bin = func(w *writer, v T) { w.int64(int64(v)) }
	}
	txt := func(w *writer, v T) { w.buf = strconv.AppendInt(w.buf, int64(v), 10) }
	return &scalar[T]{typ: mustType(oid), isPlain: true, text: txt, binary: bin, json: txt}
}

func textCodec() codec {
	raw := func(w *writer, v string) { w.buf = append(w.buf, v...) }
	return &scalar[string]{
		typ:    mustType(TextOID),
		text:   raw,
		binary: raw,
		json:   func(w *writer, v string) { w.buf = AppendJSONString(w.buf, v) },
	}
}

func byteaCodec() codec {
	return &scalar[[]byte]{
		typ:    mustType(ByteaOID),
		text:   func(w *writer, v []byte) { w.buf = appendByteaHex(w.buf, v) },
		binary: func(w *writer, v []byte) { w.buf = append(w.buf, v...) },
		json: func(w *writer, v []byte) {
			// to_json(bytea) is the escaped text form: "\\x0102".
			w.buf = append(w.buf, `"\\x`...)
			for _, c := range v {
				w.buf = append(w.buf, hexDigits[c>>4], hexDigits[c&0xf])
			}
			w.buf = append(w.buf, '"')
		},
	}
}

// uuidCodec encodes the 16-byte storage of arrow.uuid.
func uuidCodec() codec {
	txt := func(w *writer, v []byte) {
		for i, c := range v {
			if i == 4 || i == 6 || i == 8 || i == 10 {
				w.buf = append(w.buf, '-')
			}
			w.buf = append(w.buf, hexDigits[c>>4], hexDigits[c&0xf])
		}
	}
	return &scalar[[]byte]{
		typ:     mustType(UUIDOID),
		isPlain: true,
		text:    txt,
		binary:  func(w *writer, v []byte) { w.buf = append(w.buf, v...) },
		json: func(w *writer, v []byte) {
			w.buf = append(w.buf, '"')
			txt(w, v)
			w.buf = append(w.buf, '"')
		},
	}
}

// jsonTextCodec sends the string storage of arrow.json as json, whose binary
// format is its text; inside other JSON it is embedded as is.
func jsonTextCodec() codec {
	raw := func(w *writer, v string) { w.buf = append(w.buf, v...) }
	return &scalar[string]{typ: mustType(JSONOID), text: raw, binary: raw, json: raw}
}

package pgtypes

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// listCodec sends an Arrow list (List, LargeList, FixedSizeList, ListView,
// LargeListView) of a scalar type as a one-dimensional Postgres array, and a
// list of anything composite as json.
type listCodec struct {
	typ    Type
	elem   codec
	asJSON bool
}

func planList(dt, elemType arrow.DataType, o Options) (codec, error) {
	elem, err := plan(elemType, o)
	if err != nil {
		return nil, err
	}
	if composite(elemType) {
		return &listCodec{typ: mustType(JSONOID), elem: elem, asJSON: true}, nil
	}
	et := elem.pgType()
	at, ok := ArrayTypeOf(et.OID)
	if !ok {
		return nil, unsupported(dt, "no array type for element type "+et.Name)
	}
	at.Modifier = et.Modifier // like a numeric(10,2)[] column's atttypmod
	return &listCodec{typ: at, elem: elem}, nil
}

func (c *listCodec) pgType() Type { return c.typ }
func (c *listCodec) plain() bool  { return false }

func (c *listCodec) bind(arr arrow.Array) (values, error) {
	l, ok := arr.(array.ListLike)
	if !ok {
		return nil, bindMismatch(arr, "list")
	}
	elems, err := c.elem.bind(l.ListValues())
	if err != nil {
		return nil, err
	}
	return &listValues{c: c, list: l, elems: elems, plainElems: c.elem.plain(), elemOID: c.elem.pgType().OID}, nil
}

type listValues struct {
	c          *listCodec
	list       array.ListLike
	elems      values
	plainElems bool
	elemOID    OID
}

func (v *listValues) isNull(i int) bool { return v.list.IsNull(i) }

// text appends array_out's form, {1,2,NULL}, quoting elements as it does.
func (v *listValues) text(w *writer, i int) {
	if v.c.asJSON {
		v.json(w, i)
		return
	}
	start, end := v.list.ValueOffsets(i)
	w.buf = append(w.buf, '{')
	for j := int(start); j < int(end); j++ {
		if j > int(start) {
			w.buf = append(w.buf, ',')
		}
		if v.elems.isNull(j) {
			w.buf = append(w.buf, "NULL"...)
			continue
		}
		if v.plainElems {
			v.elems.text(w, j)
			continue
		}
		s := len(w.buf)
		v.elems.text(w, j)
		if needsQuotes(w.buf[s:]) {
			w.scratch = append(w.scratch[:0], w.buf[s:]...)
			w.buf = appendQuotedElement(w.buf[:s], w.scratch)
		}
	}
	w.buf = append(w.buf, '}')
}

// binary appends array_send's form: ndim, has-null flag, element OID, then
// per dimension its length and lower bound 1, then each element as int32
// length (-1 for NULL) and bytes. An empty array has ndim 0 and no
// dimensions.
func (v *listValues) binary(w *writer, i int) {
	if v.c.asJSON {
		v.json(w, i)
		return
	}
	start, end := v.list.ValueOffsets(i)
	if start == end {
		w.int32(0)
		w.int32(0)
		w.int32(int32(v.elemOID))
		return
	}
	w.int32(1)
	flag := w.reserve4()
	w.int32(int32(v.elemOID))
	w.int32(int32(end - start))
	w.int32(1)
	for j := int(start); j < int(end); j++ {
		if v.elems.isNull(j) {
			w.int32(-1)
			w.patch4(flag, 1)
			continue
		}
		at := w.reserve4()
		v.elems.binary(w, j)
		w.patch4(at, int32(len(w.buf)-at-4))
	}
}

// json appends a JSON array, as to_json renders a Postgres array.
func (v *listValues) json(w *writer, i int) {
	start, end := v.list.ValueOffsets(i)
	w.buf = append(w.buf, '[')
	for j := int(start); j < int(end); j++ {
		if j > int(start) {
			w.buf = append(w.buf, ',')
		}
		if v.elems.isNull(j) {
			w.buf = append(w.buf, "null"...)
		} else {
			v.elems.json(w, j)
		}
	}
	w.buf = append(w.buf, ']')
}

// needsQuotes reports whether array_out quotes an element with text s: when
// it is empty, spells NULL in any case, or holds a double quote, backslash,
// brace, the delimiter ',' or white space.
func needsQuotes(s []byte) bool {
	if len(s) == 0 {
		return true
	}
	if len(s) == 4 && (s[0]|0x20) == 'n' && (s[1]|0x20) == 'u' && (s[2]|0x20) == 'l' && (s[3]|0x20) == 'l' {
		return true
	}
	for _, c := range s {
		switch c {
		case '"', '\\', '{', '}', ',', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}

// appendQuotedElement appends s in double quotes, backslash-escaping '"'
// and '\'.
func appendQuotedElement(b, s []byte) []byte {
	b = append(b, '"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

package pgtypes

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// AppendJSONString appends s as a JSON string the way PostgreSQL's
// escape_json does: \" \\ \b \f \n \r \t, other control characters as
// \u00XX, every other byte as is (no escaping of '/' or non-ASCII).
func AppendJSONString[S string | []byte](b []byte, s S) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c < ' ' {
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// structCodec sends a struct as a json object with its fields in order,
// like to_json of a row: {"a":1,"b":null}.
type structCodec struct {
	keys   [][]byte // `"name":`, pre-rendered
	fields []codec
}

func planStruct(t *arrow.StructType, o Options) (codec, error) {
	c := &structCodec{}
	for _, f := range t.Fields() {
		fc, err := plan(f.Type, o)
		if err != nil {
			return nil, fmt.Errorf("struct field %q: %w", f.Name, err)
		}
		c.keys = append(c.keys, append(AppendJSONString(nil, f.Name), ':'))
		c.fields = append(c.fields, fc)
	}
	return c, nil
}

func (c *structCodec) pgType() Type { return mustType(JSONOID) }
func (c *structCodec) plain() bool  { return false }

func (c *structCodec) bind(arr arrow.Array) (values, error) {
	s, ok := arr.(*array.Struct)
	if !ok || s.NumField() != len(c.fields) {
		return nil, bindMismatch(arr, "struct")
	}
	v := &structValues{c: c, arr: s, fields: make([]values, len(c.fields))}
	for j, fc := range c.fields {
		fv, err := fc.bind(s.Field(j))
		if err != nil {
			return nil, err
		}
		v.fields[j] = fv
	}
	return v, nil
}

type structValues struct {
	c      *structCodec
	arr    *array.Struct
	fields []values
}

func (v *structValues) isNull(i int) bool       { return v.arr.IsNull(i) }
func (v *structValues) text(w *writer, i int)   { v.json(w, i) }
func (v *structValues) binary(w *writer, i int) { v.json(w, i) }

func (v *structValues) json(w *writer, i int) {
	w.buf = append(w.buf, '{')
	for j, f := range v.fields {
		if j > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, v.c.keys[j]...)
		if f.isNull(i) {
			w.buf = append(w.buf, "null"...)
		} else {
			f.json(w, i)
		}
	}
	w.buf = append(w.buf, '}')
}

// mapCodec sends a map as a json object; keys are the text form of the key
// values (as json_object_agg makes them), duplicates kept in order.
type mapCodec struct {
	key, item codec
}

func planMap(t *arrow.MapType, o Options) (codec, error) {
	k, err := plan(t.KeyType(), o)
	if err != nil {
		return nil, fmt.Errorf("map key: %w", err)
	}
	it, err := plan(t.ItemType(), o)
	if err != nil {
		return nil, fmt.Errorf("map item: %w", err)
	}
	return &mapCodec{key: k, item: it}, nil
}

func (c *mapCodec) pgType() Type { return mustType(JSONOID) }
func (c *mapCodec) plain() bool  { return false }

func (c *mapCodec) bind(arr arrow.Array) (values, error) {
	m, ok := arr.(*array.Map)
	if !ok {
		return nil, bindMismatch(arr, "map")
	}
	k, err := c.key.bind(m.Keys())
	if err != nil {
		return nil, err
	}
	it, err := c.item.bind(m.Items())
	if err != nil {
		return nil, err
	}
	return &mapValues{arr: m, keys: k, items: it}, nil
}

type mapValues struct {
	arr         *array.Map
	keys, items values
}

func (v *mapValues) isNull(i int) bool       { return v.arr.IsNull(i) }
func (v *mapValues) text(w *writer, i int)   { v.json(w, i) }
func (v *mapValues) binary(w *writer, i int) { v.json(w, i) }

func (v *mapValues) json(w *writer, i int) {
	start, end := v.arr.ValueOffsets(i)
	w.buf = append(w.buf, '{')
	for j := int(start); j < int(end); j++ {
		if j > int(start) {
			w.buf = append(w.buf, ',')
		}
		if v.keys.isNull(j) {
			w.fail(fmt.Errorf("pgtypes: map key is null"))
			return
		}
		s := len(w.buf)
		v.keys.text(w, j)
		w.scratch = append(w.scratch[:0], w.buf[s:]...)
		w.buf = AppendJSONString(w.buf[:s], w.scratch)
		w.buf = append(w.buf, ':')
		if v.items.isNull(j) {
			w.buf = append(w.buf, "null"...)
		} else {
			v.items.json(w, j)
		}
	}
	w.buf = append(w.buf, '}')
}

package pgtypes

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// arrayElem returns the element type of an array OID.
func arrayElem(oid OID) (OID, bool) {
	t, ok := TypeByOID(oid)
	if !ok || !t.IsArray() {
		return 0, false
	}
	return t.Elem, true
}

// decodeArrayBinary reads array_send's layout: ndim, has-null flag, element
// OID, then per dimension its length and lower bound, then each element as
// a length (-1 for NULL) and bytes. Only one dimension is supported, like
// the engine's lists.
func decodeArrayBinary(oid, elem OID, b []byte) (any, error) {
	if len(b) < 12 {
		return nil, paramError(oid, BinaryFormat, "short array header")
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	if ndim == 0 {
		return []any{}, nil
	}
	if ndim != 1 {
		return nil, paramError(oid, BinaryFormat, fmt.Sprintf("%d-dimensional arrays are not supported", ndim))
	}
	if got := OID(binary.BigEndian.Uint32(b[8:])); got != elem {
		return nil, paramError(oid, BinaryFormat, fmt.Sprintf("element type %d, want %d", got, elem))
	}
	if len(b) < 20 {
		return nil, paramError(oid, BinaryFormat, "short array dimensions")
	}
	n := int32(binary.BigEndian.Uint32(b[12:]))
	if n < 0 || int64(n)*4 > int64(len(b)) {
		return nil, paramError(oid, BinaryFormat, "bad array length")
	}
	rest := b[20:]
	out := make([]any, 0, n)
	for i := int32(0); i < n; i++ {
		if len(rest) < 4 {
			return nil, paramError(oid, BinaryFormat, "truncated array element")
		}
		size := int32(binary.BigEndian.Uint32(rest))
		rest = rest[4:]
		if size == -1 {
			out = append(out, nil)
			continue
		}
		if size < 0 || int(size) > len(rest) {
			return nil, paramError(oid, BinaryFormat, "bad array element length")
		}
		v, err := decodeBinary(elem, rest[:size])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		rest = rest[size:]
	}
	return out, nil
}

// decodeArrayText reads array_out's form, {1,2,NULL,"a \"b\""}, one
// dimension.
func decodeArrayText(oid, elem OID, s string) (any, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, paramError(oid, TextFormat, fmt.Sprintf("%q is not an array literal", s))
	}
	body := s[1 : len(s)-1]
	out := []any{}
	if strings.TrimSpace(body) == "" {
		return out, nil
	}
	var (
		cur     strings.Builder
		quoted  bool // the current element was quoted
		inQuote bool
	)
	flush := func() error {
		text := cur.String()
		if !quoted {
			text = strings.TrimSpace(text)
			if strings.EqualFold(text, "NULL") {
				out = append(out, nil)
				cur.Reset()
				return nil
			}
		}
		v, err := decodeText(elem, text)
		if err != nil {
			return err
		}
		out = append(out, v)
		cur.Reset()
		quoted = false
		return nil
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\\' && i+1 < len(body):
			i++
			cur.WriteByte(body[i])
		case c == '"':
			inQuote = !inQuote
			quoted = true
		case c == '{' && !inQuote:
			return nil, paramError(oid, TextFormat, "multi-dimensional arrays are not supported")
		case c == ',' && !inQuote:
			if err := flush(); err != nil {
				return nil, err
			}
		default:
			cur.WriteByte(c)
		}
	}
	if inQuote {
		return nil, paramError(oid, TextFormat, "unterminated quote in array literal")
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

package attrarrow

import (
	"encoding/base64"
	"slices"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// maxJSONDepth bounds recursion when rendering values as JSON. DynamoDB
// allows 32 levels of nesting; anything deeper is rendered as null.
const maxJSONDepth = 64

// textWriter renders AttributeValues as text: JSON for documents, the plain
// text of scalars for Utf8 columns. It reuses its buffers across values.
type textWriter struct {
	buf  []byte
	keys []string // stack of sorted map keys, one segment per open map
}

// text renders a non-null value as the text a Utf8 column holds: S as is, N
// verbatim, BOOL as true/false, B as base64, sets, lists and maps as JSON.
// null reports NULL (or missing), which has no text.
func (w *textWriter) text(av types.AttributeValue) (out []byte, null bool) {
	w.buf = w.buf[:0]
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		if v == nil {
			return nil, true
		}
		w.buf = append(w.buf, v.Value...)
	case *types.AttributeValueMemberN:
		if v == nil {
			return nil, true
		}
		w.buf = append(w.buf, v.Value...)
	case *types.AttributeValueMemberBOOL:
		if v == nil {
			return nil, true
		}
		w.buf = appendBool(w.buf, v.Value)
	case *types.AttributeValueMemberB:
		if v == nil {
			return nil, true
		}
		w.buf = base64.StdEncoding.AppendEncode(w.buf, v.Value)
	case nil, *types.AttributeValueMemberNULL:
		return nil, true
	default:
		if isNilMember(av) {
			return nil, true
		}
		w.buf = w.json(w.buf, av, 0)
	}
	return w.buf, false
}

// JSON renders one value as JSON text into dst: map keys sorted (byte order),
// N verbatim as a JSON number, S escaped, B as a base64 string, sets as
// arrays, BOOL, NULL as null.
func (w *textWriter) json(dst []byte, av types.AttributeValue, depth int) []byte {
	if depth > maxJSONDepth {
		return append(dst, "null"...)
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		if v != nil {
			return appendJSONString(dst, v.Value)
		}
	case *types.AttributeValueMemberN:
		if v != nil {
			return appendJSONNumber(dst, v.Value)
		}
	case *types.AttributeValueMemberBOOL:
		if v != nil {
			return appendBool(dst, v.Value)
		}
	case *types.AttributeValueMemberB:
		if v != nil {
			return appendBase64String(dst, v.Value)
		}
	case *types.AttributeValueMemberSS:
		if v != nil {
			return appendJSONArray(dst, v.Value, appendJSONString)
		}
	case *types.AttributeValueMemberNS:
		if v != nil {
			return appendJSONArray(dst, v.Value, appendJSONNumber)
		}
	case *types.AttributeValueMemberBS:
		if v != nil {
			return appendJSONArray(dst, v.Value, appendBase64String)
		}
	case *types.AttributeValueMemberL:
		if v != nil {
			return appendJSONArray(dst, v.Value, func(dst []byte, e types.AttributeValue) []byte {
				return w.json(dst, e, depth+1)
			})
		}
	case *types.AttributeValueMemberM:
		if v != nil {
			start := len(w.keys)
			for k := range v.Value {
				w.keys = append(w.keys, k)
			}
			slices.Sort(w.keys[start:])
			dst = append(dst, '{')
			for i := start; i < len(w.keys); i++ {
				if i > start {
					dst = append(dst, ',')
				}
				k := w.keys[i]
				dst = appendJSONString(dst, k)
				dst = append(dst, ':')
				dst = w.json(dst, v.Value[k], depth+1)
			}
			clear(w.keys[start:])
			w.keys = w.keys[:start]
			return append(dst, '}')
		}
	}
	// nil, NULL, typed nil pointers and unknown members.
	return append(dst, "null"...)
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

func appendBase64String(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Like encoding/json it escapes
// control characters, U+2028 and U+2029, and replaces invalid UTF-8 with
// U+FFFD; unlike it, it leaves <, > and & alone.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\\ufffd"...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONArray appends vals as a JSON array, each element by elem.
func appendJSONArray[T any](dst []byte, vals []T, elem func([]byte, T) []byte) []byte {
	dst = append(dst, '[')
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = elem(dst, v)
	}
	return append(dst, ']')
}

package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// jsonb's text form, as PostgreSQL prints a jsonb value: object keys
// sorted (shorter first, then bytewise) with the last of duplicates kept,
// ", " between elements and ": " after keys, numbers as numeric prints
// them, strings re-escaped as escape_json does (pgtypes.AppendJSONString);
// and jsonb_pretty's indented form.

// jsonbValue is a parsed jsonb value.
type jsonbValue struct {
	kind   byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	keys   []string
	values []*jsonbValue
	text   string // the string, the number's text, "true"/"false"
}

func parseJSONB(text string) (*jsonbValue, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	v, err := decodeJSONB(dec)
	if err != nil {
		return nil, fmt.Errorf("SQLSTATE 22P02: invalid input syntax for type json")
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("SQLSTATE 22P02: invalid input syntax for type json")
	}
	return v, nil
}

func decodeJSONB(dec *json.Decoder) (*jsonbValue, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jsonbValue{kind: 'o'}
			byKey := map[string]int{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				val, err := decodeJSONB(dec)
				if err != nil {
					return nil, err
				}
				if i, dup := byKey[key]; dup {
					v.values[i] = val // the last duplicate wins
					continue
				}
				byKey[key] = len(v.keys)
				v.keys = append(v.keys, key)
				v.values = append(v.values, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			sortJSONBKeys(v)
			return v, nil
		case '[':
			v := &jsonbValue{kind: 'a'}
			for dec.More() {
				val, err := decodeJSONB(dec)
				if err != nil {
					return nil, err
				}
				v.values = append(v.values, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		}
	case string:
		return &jsonbValue{kind: 's', text: t}, nil
	case json.Number:
		return &jsonbValue{kind: 'n', text: numericText(string(t))}, nil
	case bool:
		return &jsonbValue{kind: 'b', text: fmt.Sprint(t)}, nil
	case nil:
		return &jsonbValue{kind: 'z'}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// sortJSONBKeys orders an object's keys as jsonb stores them: by length,
// then bytewise.
func sortJSONBKeys(v *jsonbValue) {
	idx := make([]int, len(v.keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := v.keys[idx[a]], v.keys[idx[b]]
		if len(ka) != len(kb) {
			return len(ka) < len(kb)
		}
		return ka < kb
	})
	keys := make([]string, len(idx))
	values := make([]*jsonbValue, len(idx))
	for i, j := range idx {
		keys[i], values[i] = v.keys[j], v.values[j]
	}
	v.keys, v.values = keys, values
}

// numericText is a JSON number as numeric prints it: an exponent is
// spelled out, with as many decimals as the number had after its point,
// less the exponent.
func numericText(s string) string {
	if strings.HasPrefix(s, "-") && strings.Trim(s, "-0.eE+") == "" {
		s = s[1:] // numeric has no negative zero
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	if !hasExp {
		return s
	}
	var e int
	fmt.Sscan(exp, &e)
	_, frac, _ := strings.Cut(mant, ".")
	scale := max(len(frac)-e, 0)
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return s
	}
	return r.FloatString(scale)
}

// write appends v's jsonb text; indent >= 0 writes jsonb_pretty's form at
// that depth.
func (v *jsonbValue) write(b *bytes.Buffer, indent int) {
	pretty := indent >= 0
	newline := func(depth int) {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat("    ", depth))
	}
	switch v.kind {
	case 'o', 'a':
		open, close := byte('{'), byte('}')
		if v.kind == 'a' {
			open, close = '[', ']'
		}
		b.WriteByte(open)
		for i, val := range v.values {
			if i > 0 {
				b.WriteByte(',')
				if !pretty {
					b.WriteByte(' ')
				}
			}
			if pretty {
				newline(indent + 1)
			}
			if v.kind == 'o' {
				b.Write(pgtypes.AppendJSONString(b.AvailableBuffer(), v.keys[i]))
				b.WriteString(": ")
			}
			next := -1
			if pretty {
				next = indent + 1
			}
			val.write(b, next)
		}
		if pretty && len(v.values) > 0 {
			newline(indent)
		}
		b.WriteByte(close)
	case 's':
		b.Write(pgtypes.AppendJSONString(b.AvailableBuffer(), v.text))
	case 'z':
		b.WriteString("null")
	default:
		b.WriteString(v.text)
	}
}

// jsonbText prints a JSON text as jsonb does.
func jsonbText(text string) (string, error) {
	v, err := parseJSONB(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	v.write(&b, -1)
	return b.String(), nil
}

// jsonbPretty is jsonb_pretty.
func jsonbPretty(text string) (string, error) {
	v, err := parseJSONB(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	v.write(&b, 0)
	return b.String(), nil
}

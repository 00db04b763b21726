package attrarrow

import (
	"encoding/base64"
	"encoding/json"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// JSONPage is one page of a Scan or Query response in DynamoDB's JSON wire
// form (the body the service sends), read without building the SDK's
// AttributeValue trees: Parse checks the page's items and indexes them,
// Converter.AppendJSON appends one as Append appends the item the AWS SDK
// decodes from the same bytes.
//
// Parse only accepts items written the way DynamoDB writes them: every
// attribute value an object with exactly one member, S, N, B, BOOL, NULL,
// SS, NS, BS, L or M, holding a value of its JSON type (no null, no
// unknown member, B and BS valid base64), lists and maps at most
// maxWireDepth deep. Any other body is refused (ok false) and left to the
// SDK, which decodes (or rejects) it as it always has: the fast path never
// decides what the SDK would have decided otherwise. The property and fuzz
// tests hold the two paths to the same batches and mismatches.
//
// A JSONPage reuses its memory from page to page; the body must stay
// unchanged until the page's items are appended.
type JSONPage struct {
	body      []byte
	itemsSize int     // bytes of the Items array
	items     []int32 // per item, its first attribute in attrs; one more at the end
	attrs     []wireAttr
	rest      []byte
	b64       []byte // scratch for B values
}

// wireAttr is one attribute of an item: its name and the single member of
// its value object.
type wireAttr struct {
	name    span
	nameEsc bool // the name has escapes: unquote it
	kind    kind
	val     span // the member's value as written (a string with its quotes)
	valEsc  bool // an S or N string with escapes
}

type span struct{ start, end int32 }

// maxWireDepth bounds nesting in the items Parse accepts; DynamoDB allows
// 32 levels.
const maxWireDepth = 32

// ItemsSize is the length of the Items array as sent: more than the items'
// DynamoDB size (names, quotes, type tags, base64), which it stands in for
// when a response says nothing of its consumed capacity.
func (p *JSONPage) ItemsSize() int { return p.itemsSize }

// Len is the number of items Parse found.
func (p *JSONPage) Len() int { return max(len(p.items)-1, 0) }

// Parse reads a Scan or Query response body. It returns the body without
// its Items member, for the SDK to decode the rest of the response from,
// and whether the items are in the form it reads (else the SDK must decode
// the whole body). The body must stay unchanged while the page is used.
func (p *JSONPage) Parse(body []byte) (rest []byte, ok bool) {
	p.body, p.itemsSize = body, 0
	p.items = p.items[:0]
	p.attrs = p.attrs[:0]
	p.rest = p.rest[:0]
	r := wireReader{b: body}
	if !r.byte('{') {
		return nil, false
	}
	p.rest = append(p.rest, '{')
	items := false
	if !r.peekByte('}') {
		for {
			keyStart := r.i
			key, esc, good := r.str()
			if !good || esc || !r.byte(':') {
				return nil, false
			}
			if string(p.inner(key)) == "Items" {
				r.ws()
				start := r.i
				if items || !p.parseItems(&r) {
					return nil, false
				}
				items, p.itemsSize = true, r.i-start
			} else {
				if !r.skip(0) {
					return nil, false
				}
				if len(p.rest) > 1 {
					p.rest = append(p.rest, ',')
				}
				p.rest = append(p.rest, body[keyStart:r.i]...)
			}
			if r.byte(',') {
				continue
			}
			break
		}
	}
	if !r.byte('}') || !r.end() {
		return nil, false
	}
	p.rest = append(p.rest, '}')
	return p.rest, true
}

// parseItems reads the Items array.
func (p *JSONPage) parseItems(r *wireReader) bool {
	if !r.byte('[') {
		return false
	}
	if r.byte(']') {
		p.items = append(p.items, int32(len(p.attrs)))
		return true
	}
	for {
		p.items = append(p.items, int32(len(p.attrs)))
		if !r.byte('{') {
			return false
		}
		if !r.byte('}') {
			for {
				name, nameEsc, good := r.str()
				if !good || !r.byte(':') {
					return false
				}
				a := wireAttr{name: name, nameEsc: nameEsc}
				if !p.value(r, &a, 0) {
					return false
				}
				p.attrs = append(p.attrs, a)
				if r.byte(',') {
					continue
				}
				if !r.byte('}') {
					return false
				}
				break
			}
		}
		if r.byte(',') {
			continue
		}
		if !r.byte(']') {
			return false
		}
		p.items = append(p.items, int32(len(p.attrs)))
		return true
	}
}

// value reads one attribute value object into a, checking its member.
func (p *JSONPage) value(r *wireReader, a *wireAttr, depth int) bool {
	if depth > maxWireDepth || !r.byte('{') {
		return false
	}
	tag, esc, good := r.str()
	if !good || esc || !r.byte(':') {
		return false
	}
	r.ws()
	start := r.i
	a.kind, good = tagKind(p.inner(tag))
	if !good {
		return false
	}
	switch a.kind {
	case kindS, kindN:
		_, a.valEsc, good = r.str()
	case kindB:
		good = p.base64(r)
	case kindBOOL, kindNULL:
		good = r.boolean()
	case kindSS, kindNS:
		good = r.array(func() bool { _, _, ok := r.str(); return ok })
	case kindBS:
		good = r.array(func() bool { return p.base64(r) })
	case kindL:
		good = r.array(func() bool { var e wireAttr; return p.value(r, &e, depth+1) })
	case kindM:
		good = p.object(r, depth)
	}
	if !good {
		return false
	}
	a.val = span{int32(start), int32(r.i)}
	return r.byte('}')
}

// tagKind is the kind an attribute value's member tag names: one of S, N,
// B, BOOL, NULL, SS, NS, BS, L and M, as written (no escapes). A switch,
// not a search of kindNames: it runs once per value parsed, and the
// compiled switch is about three times faster. TestTagKind holds the two
// to the same names.
func tagKind(tag []byte) (kind, bool) {
	switch string(tag) {
	case "S":
		return kindS, true
	case "N":
		return kindN, true
	case "B":
		return kindB, true
	case "BOOL":
		return kindBOOL, true
	case "NULL":
		return kindNULL, true
	case "SS":
		return kindSS, true
	case "NS":
		return kindNS, true
	case "BS":
		return kindBS, true
	case "L":
		return kindL, true
	case "M":
		return kindM, true
	}
	return kindMissing, false
}

// object reads the map of an M value.
func (p *JSONPage) object(r *wireReader, depth int) bool {
	if !r.byte('{') {
		return false
	}
	if r.byte('}') {
		return true
	}
	for {
		if _, _, good := r.str(); !good || !r.byte(':') {
			return false
		}
		var e wireAttr
		if !p.value(r, &e, depth+1) {
			return false
		}
		if r.byte(',') {
			continue
		}
		return r.byte('}')
	}
}

// base64 reads a string holding valid standard base64, without escapes.
func (p *JSONPage) base64(r *wireReader) bool {
	s, esc, good := r.str()
	if !good || esc {
		return false
	}
	_, ok := p.decodeBase64(s)
	return ok
}

// decodeBase64 decodes a string token into scratch memory, valid until the
// next call.
func (p *JSONPage) decodeBase64(s span) ([]byte, bool) {
	src := p.inner(s)
	if n := base64.StdEncoding.DecodedLen(len(src)); cap(p.b64) < n {
		p.b64 = make([]byte, n)
	} else {
		p.b64 = p.b64[:n]
	}
	n, err := base64.StdEncoding.Decode(p.b64, src)
	return p.b64[:n], err == nil
}

// inner is a string token's bytes without its quotes.
func (p *JSONPage) inner(s span) []byte { return p.body[s.start+1 : s.end-1] }

// str returns the text of a string token (without its quotes) as a Go
// string: the body's own bytes when it has no escapes (as the SDK takes
// them), else unquoted as the SDK unquotes (encoding/json's rules).
func (p *JSONPage) str(s span, escaped bool) string {
	if !escaped {
		raw := p.inner(s)
		return unsafe.String(unsafe.SliceData(raw), len(raw))
	}
	var out string
	// A string Parse accepted is valid JSON.
	_ = json.Unmarshal(p.body[s.start:s.end], &out)
	return out
}

// wireReader scans JSON with the SDK's grammar (smithy-go's JSON parser):
// whitespace is space, tab, newline and carriage return; strings hold no
// control character below 0x20 and only valid escapes.
type wireReader struct {
	b []byte
	i int
}

func (r *wireReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// byte consumes c (after whitespace) if it is next.
func (r *wireReader) byte(c byte) bool {
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

func (r *wireReader) peekByte(c byte) bool {
	r.ws()
	return r.i < len(r.b) && r.b[r.i] == c
}

// end reports whether only whitespace is left.
func (r *wireReader) end() bool {
	r.ws()
	return r.i == len(r.b)
}

// str reads a string token and returns its span (with the quotes) and
// whether it has escapes.
func (r *wireReader) str() (s span, escaped, ok bool) {
	r.ws()
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return span{}, false, false
	}
	start := r.i
	i := r.i + 1
	for i < len(r.b) {
		c := r.b[i]
		switch {
		case c == '"':
			r.i = i + 1
			return span{int32(start), int32(r.i)}, escaped, true
		case c < 0x20:
			return span{}, false, false
		case c == '\\':
			escaped = true
			if i+1 >= len(r.b) {
				return span{}, false, false
			}
			switch r.b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(r.b) {
					return span{}, false, false
				}
				for _, h := range r.b[i+2 : i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return span{}, false, false
					}
				}
				i += 6
			default:
				return span{}, false, false
			}
		default:
			i++
		}
	}
	return span{}, false, false
}

func (r *wireReader) literal(lit string) bool {
	r.ws()
	if len(r.b)-r.i >= len(lit) && string(r.b[r.i:r.i+len(lit)]) == lit {
		r.i += len(lit)
		return true
	}
	return false
}

func (r *wireReader) boolean() bool { return r.literal("true") || r.literal("false") }

// truth reads a literal Parse accepted as true or false.
func (r *wireReader) truth() bool {
	if r.literal("true") {
		return true
	}
	r.literal("false")
	return false
}

// array reads '[' elem (',' elem)* ']' or '[]'.
func (r *wireReader) array(elem func() bool) bool {
	if !r.byte('[') {
		return false
	}
	if r.byte(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if r.byte(',') {
			continue
		}
		return r.byte(']')
	}
}

// number reads a JSON number as the SDK's grammar has it.
func (r *wireReader) number() bool {
	r.ws()
	i := r.i
	if i < len(r.b) && r.b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(r.b) && r.b[i] >= '0' && r.b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	start := i
	n := digits()
	if n == 0 || (r.b[start] == '0' && n > 1) {
		return false
	}
	if i < len(r.b) && r.b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(r.b) && (r.b[i] == 'e' || r.b[i] == 'E') {
		i++
		if i < len(r.b) && (r.b[i] == '+' || r.b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	r.i = i
	return true
}

// skip reads any JSON value (a member of the response other than Items).
func (r *wireReader) skip(depth int) bool {
	if depth > maxWireDepth {
		return false
	}
	r.ws()
	if r.i >= len(r.b) {
		return false
	}
	switch r.b[r.i] {
	case '"':
		_, _, ok := r.str()
		return ok
	case '{':
		r.i++
		if r.byte('}') {
			return true
		}
		for {
			if _, _, ok := r.str(); !ok || !r.byte(':') || !r.skip(depth+1) {
				return false
			}
			if r.byte(',') {
				continue
			}
			return r.byte('}')
		}
	case '[':
		return r.array(func() bool { return r.skip(depth + 1) })
	case 't', 'f':
		return r.boolean()
	case 'n':
		return r.literal("null")
	}
	return r.number()
}

// The AttributeValues of BOOL and NULL, shared: appenders never keep them.
var (
	wireTrue      types.AttributeValue = &types.AttributeValueMemberBOOL{Value: true}
	wireFalse     types.AttributeValue = &types.AttributeValueMemberBOOL{Value: false}
	wireNullTrue  types.AttributeValue = &types.AttributeValueMemberNULL{Value: true}
	wireNullFalse types.AttributeValue = &types.AttributeValueMemberNULL{Value: false}
)

// AppendJSON adds item i of p as a row, as Append adds the item the SDK
// decodes from the same JSON. Scalars and sets go straight to the column's
// appender; lists, maps and values a flattened column reaches into become
// AttributeValues first, as the SDK makes them, and take Append's path.
func (c *Converter) AppendJSON(p *JSONPage, i int) {
	c.wireInit()
	at := c.wire.at
	for j := range at {
		at[j] = -1
	}
	clear(c.wire.parents)
	for a := p.items[i]; a < p.items[i+1]; a++ {
		attr := &p.attrs[a]
		name := p.str(attr.name, attr.nameEsc)
		// The last of several attributes of one name wins, as in the
		// SDK's map.
		if col, ok := c.wire.byName[name]; ok {
			at[col] = a
		}
		if _, ok := c.wire.nested[name]; ok {
			c.wire.parents[name] = c.wireValue(p, attr)
		}
	}
	for j := range c.cols {
		col := &c.cols[j]
		switch {
		case len(col.path) == 0:
			col.app.value(nil)
		case len(col.path) == 1:
			if at[j] < 0 {
				col.app.value(nil)
			} else {
				c.appendWire(col.app, p, &p.attrs[at[j]])
			}
		default:
			col.app.value(c.lookup(col, c.wire.parents))
		}
	}
	c.n++
}

// wireIndex is what AppendJSON keeps between items.
type wireIndex struct {
	byName  map[string]int      // attribute → its (unflattened) column
	nested  map[string]struct{} // attributes flattened columns reach into
	at      []int32             // per column, its attribute in the item
	parents map[string]types.AttributeValue
}

func (c *Converter) wireInit() {
	if c.wire.at != nil {
		return
	}
	c.wire.byName = map[string]int{}
	c.wire.nested = map[string]struct{}{}
	c.wire.parents = map[string]types.AttributeValue{}
	for j, col := range c.cols {
		switch len(col.path) {
		case 0:
		case 1:
			c.wire.byName[col.path[0]] = j
		default:
			c.wire.nested[col.path[0]] = struct{}{}
		}
	}
	c.wire.at = make([]int32, len(c.cols))
}

// appendWire appends one top-level attribute value.
func (c *Converter) appendWire(app appender, p *JSONPage, a *wireAttr) {
	switch a.kind {
	case kindS:
		app.str(p.str(a.val, a.valEsc))
	case kindN:
		app.num(p.str(a.val, a.valEsc))
	case kindB:
		b, _ := p.decodeBase64(a.val)
		app.bin(b)
	case kindBOOL:
		v := p.body[a.val.start] == 't'
		if b, ok := app.(*boolApp); ok {
			b.b.Append(v)
			return
		}
		app.value(wireBool(v))
	case kindNULL:
		app.value(wireNull(p.body[a.val.start] == 't'))
	case kindSS, kindNS, kindBS:
		l, ok := app.(*listApp)
		if !ok {
			app.value(c.wireValue(p, a))
			return
		}
		l.b.Append(true)
		r := wireReader{b: p.body, i: int(a.val.start)}
		r.array(func() bool {
			s, esc, _ := r.str()
			switch a.kind {
			case kindSS:
				l.elem.str(p.str(s, esc))
			case kindNS:
				l.elem.num(p.str(s, esc))
			default:
				b, _ := p.decodeBase64(s)
				l.elem.bin(b)
			}
			return true
		})
	default:
		app.value(c.wireValue(p, a))
	}
}

func wireBool(v bool) types.AttributeValue {
	if v {
		return wireTrue
	}
	return wireFalse
}

func wireNull(v bool) types.AttributeValue {
	if v {
		return wireNullTrue
	}
	return wireNullFalse
}

// wireValue builds the AttributeValue the SDK decodes from a's value, with
// strings copied out of the body.
func (c *Converter) wireValue(p *JSONPage, a *wireAttr) types.AttributeValue {
	r := wireReader{b: p.body, i: int(a.val.start)}
	return p.buildValue(&r, a.kind)
}

// buildValue builds the value of member kind k that r is at.
func (p *JSONPage) buildValue(r *wireReader, k kind) types.AttributeValue {
	switch k {
	case kindS, kindN:
		s, esc, _ := r.str()
		v := p.copied(s, esc)
		if k == kindS {
			return &types.AttributeValueMemberS{Value: v}
		}
		return &types.AttributeValueMemberN{Value: v}
	case kindB:
		s, _, _ := r.str()
		b, _ := p.decodeBase64(s)
		return &types.AttributeValueMemberB{Value: append([]byte{}, b...)}
	case kindBOOL:
		return &types.AttributeValueMemberBOOL{Value: r.truth()}
	case kindNULL:
		return &types.AttributeValueMemberNULL{Value: r.truth()}
	case kindSS, kindNS:
		var vals []string
		r.array(func() bool {
			s, esc, _ := r.str()
			vals = append(vals, p.copied(s, esc))
			return true
		})
		if k == kindSS {
			return &types.AttributeValueMemberSS{Value: vals}
		}
		return &types.AttributeValueMemberNS{Value: vals}
	case kindBS:
		var vals [][]byte
		r.array(func() bool {
			s, _, _ := r.str()
			b, _ := p.decodeBase64(s)
			vals = append(vals, append([]byte{}, b...))
			return true
		})
		return &types.AttributeValueMemberBS{Value: vals}
	case kindL:
		var vals []types.AttributeValue
		r.array(func() bool {
			vals = append(vals, p.buildMember(r))
			return true
		})
		return &types.AttributeValueMemberL{Value: vals}
	case kindM:
		m := map[string]types.AttributeValue{}
		r.byte('{')
		if !r.byte('}') {
			for {
				s, esc, _ := r.str()
				r.byte(':')
				m[p.copied(s, esc)] = p.buildMember(r)
				if !r.byte(',') {
					r.byte('}')
					break
				}
			}
		}
		return &types.AttributeValueMemberM{Value: m}
	}
	return nil
}

// buildMember builds the value of an attribute value object r is at.
func (p *JSONPage) buildMember(r *wireReader) types.AttributeValue {
	r.byte('{')
	tag, _, _ := r.str()
	r.byte(':')
	k, _ := tagKind(p.inner(tag))
	v := p.buildValue(r, k)
	r.byte('}')
	return v
}

// copied is str's text in memory of its own.
func (p *JSONPage) copied(s span, escaped bool) string {
	if escaped {
		return p.str(s, true)
	}
	return string(p.inner(s))
}

package test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/jackc/pgx/v5"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// The round-trip property: random documents (fixed seed) written to
// DynamoDB Local and read back with SELECT through the gateway decode, with
// pgx, to the values written — for every AttributeValue kind and every
// lossless mapping of SPEC §3. A document is generated as Go values first;
// both the items and the expected answers are derived from them.

const roundTripItems = 300

// rtDoc is one generated item. A nil pointer or slice is an attribute
// that is missing or NULL (rtNull says which); empty non-nil slices are
// empty lists.
type rtDoc struct {
	ID    int64
	S     *string
	I     *int64
	F     *float64
	B     []byte
	Bool  *bool
	Date  *time.Time // S "YYYY-MM-DD"
	TS    *time.Time // S RFC 3339 with milliseconds and an offset
	Meta  *rtMeta    // M, a struct
	SS    []string
	NS    []int64
	NSF   []float64
	BS    [][]byte
	LI    []int64   // L of N, homogeneous
	LS    []string  // L of S
	LB    [][]byte  // L of B
	LHet  []rtAny   // L of mixed kinds
	LM    []rtAddr  // L of M: List<Struct>
	LL    [][]int64 // L of L
	Empty []int64   // L, always empty
	// rtNull marks attributes written as explicit NULL rather than left out.
	Null map[string]bool
}

type rtMeta struct {
	Name  *string
	Age   *int64
	Score *float64
	Tags  []string // SS
	Addr  *rtAddr
	Bin   []byte
	OK    *bool
}

type rtAddr struct {
	City *string
	Zip  *int64
}

// rtAny is an element of a heterogeneous list: its item value, and the
// text the gateway shows for it (nil: NULL).
type rtAny struct {
	av   types.AttributeValue
	text *string
}

type rtGen struct{ r *rand.Rand }

func (g rtGen) chance(p float64) bool { return g.r.Float64() < p }

var rtRunes = []rune("abcxyzABC 019_-.,;:'\"\\/{}[]()\t\néüßøΩжд日本語🚀✓\u00a0\u2028")

func (g rtGen) str(minLen int) string {
	n := minLen + g.r.IntN(12)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(rtRunes[g.r.IntN(len(rtRunes))])
	}
	return b.String()
}

func (g rtGen) int() int64 {
	switch g.r.IntN(6) {
	case 0:
		return []int64{math.MinInt64, math.MaxInt64, 0, -1, 1}[g.r.IntN(5)]
	case 1:
		return g.r.Int64() - g.r.Int64()
	default:
		return g.r.Int64N(2_000_001) - 1_000_000
	}
}

// float returns a float64 DynamoDB can hold exactly in its decimal form:
// any float64 within its range (1e-130 to 1e126), as the shortest decimal.
func (g rtGen) float() float64 {
	switch g.r.IntN(5) {
	case 0:
		return float64(g.r.IntN(1000)) / 8
	case 1:
		return float64(g.r.Int64N(1 << 53))
	default:
		f := g.r.NormFloat64() * math.Pow(10, float64(g.r.IntN(200)-100))
		if f == 0 {
			f = 1
		}
		return f
	}
}

func (g rtGen) bytes(minLen int) []byte {
	b := make([]byte, minLen+g.r.IntN(10))
	for i := range b {
		if g.chance(0.2) {
			continue // NUL bytes
		}
		b[i] = byte(g.r.IntN(256))
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// maybe returns v, or nil one time in ten.
func maybe[T any](g rtGen, v T) *T {
	if g.chance(0.1) {
		return nil
	}
	return &v
}

func (g rtGen) addr() rtAddr {
	a := rtAddr{City: maybe(g, g.str(0))}
	a.Zip = maybe(g, g.int())
	return a
}

func (g rtGen) doc(id int64) rtDoc {
	d := rtDoc{ID: id, Null: map[string]bool{}}
	present := func(name string) bool {
		switch g.r.IntN(10) {
		case 0:
			return false
		case 1:
			d.Null[name] = true
			return false
		}
		return true
	}
	if present("s") {
		d.S = ptr(g.str(0))
	}
	if present("i") {
		d.I = ptr(g.int())
	}
	if present("f") {
		d.F = ptr(g.float())
	}
	if present("b") {
		d.B = g.bytes(0)
	}
	if present("bool") {
		d.Bool = ptr(g.chance(0.5))
	}
	if present("date") {
		d.Date = ptr(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.r.IntN(200*365)))
	}
	if present("ts") {
		zone := time.FixedZone("", (g.r.IntN(28)-14)*1800)
		ms := g.r.Int64N(4_102_444_800_000) // 1970 to 2100
		d.TS = ptr(time.UnixMilli(ms).In(zone))
	}
	if present("meta") {
		m := &rtMeta{Name: maybe(g, g.str(0)), Age: maybe(g, g.int()), Score: maybe(g, g.float()), OK: maybe(g, g.chance(0.5))}
		if g.chance(0.9) {
			m.Tags = g.strSet()
		}
		if g.chance(0.9) {
			a := g.addr()
			m.Addr = &a
		}
		if g.chance(0.9) {
			m.Bin = g.bytes(0)
		}
		d.Meta = m
	}
	if present("ss") {
		d.SS = g.strSet()
	}
	if present("ns") {
		d.NS = uniq(g, g.int)
	}
	if present("nsf") {
		d.NSF = uniq(g, g.float)
	}
	if present("bs") {
		seen := map[string]bool{}
		for len(d.BS) == 0 || g.chance(0.5) {
			b := g.bytes(1)
			if !seen[string(b)] {
				seen[string(b)] = true
				d.BS = append(d.BS, b)
			}
		}
	}
	list := func(name string) int {
		if !present(name) {
			return -1
		}
		return g.r.IntN(5)
	}
	if n := list("li"); n >= 0 {
		d.LI = make([]int64, n)
		for i := range d.LI {
			d.LI[i] = g.int()
		}
	}
	if n := list("ls"); n >= 0 {
		d.LS = make([]string, n)
		for i := range d.LS {
			d.LS[i] = g.str(0)
		}
	}
	if n := list("lb"); n >= 0 {
		d.LB = make([][]byte, n)
		for i := range d.LB {
			d.LB[i] = g.bytes(0)
		}
	}
	if n := list("lhet"); n >= 0 {
		d.LHet = make([]rtAny, n)
		for i := range d.LHet {
			d.LHet[i] = g.any(0)
		}
	}
	if n := list("lm"); n >= 0 {
		d.LM = make([]rtAddr, n)
		for i := range d.LM {
			d.LM[i] = g.addr()
		}
	}
	if n := list("ll"); n >= 0 {
		d.LL = make([][]int64, n)
		for i := range d.LL {
			d.LL[i] = make([]int64, g.r.IntN(3))
			for j := range d.LL[i] {
				d.LL[i][j] = g.int()
			}
		}
	}
	if present("empty") {
		d.Empty = []int64{}
	}
	return d
}

func (g rtGen) strSet() []string {
	seen := map[string]bool{}
	var out []string
	for len(out) == 0 || g.chance(0.5) {
		s := g.str(1)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func uniq[T comparable](g rtGen, gen func() T) []T {
	seen := map[T]bool{}
	var out []T
	for len(out) == 0 || g.chance(0.5) {
		v := gen()
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// any returns a heterogeneous list element and its text in a text[]: S as
// is, N verbatim, BOOL true/false, B base64, NULL as NULL, maps and lists
// as JSON text with sorted keys.
func (g rtGen) any(depth int) rtAny {
	k := g.r.IntN(7)
	if depth > 1 && k >= 5 {
		k = 0
	}
	switch k {
	case 0:
		s := g.str(0)
		return rtAny{avS(s), &s}
	case 1:
		n := strconv.FormatInt(g.int(), 10)
		return rtAny{avN(n), &n}
	case 2:
		b := g.chance(0.5)
		s := strconv.FormatBool(b)
		return rtAny{avBool(b), &s}
	case 3:
		b := g.bytes(0)
		s := base64.StdEncoding.EncodeToString(b)
		return rtAny{avB(b...), &s}
	case 4:
		return rtAny{avNull(), nil}
	case 5:
		m := avMap{}
		js := map[string]json.RawMessage{}
		for i := g.r.IntN(3); i > 0; i-- {
			key := g.str(1)
			e := g.any(depth + 1)
			m[key] = e.av
			js[key] = rtJSON(e)
		}
		s := rtMarshal(js)
		return rtAny{avM(m), &s}
	default:
		var l []types.AttributeValue
		var js []json.RawMessage
		for i := g.r.IntN(3); i > 0; i-- {
			e := g.any(depth + 1)
			l = append(l, e.av)
			js = append(js, rtJSON(e))
		}
		s := "[]"
		if len(js) > 0 {
			s = rtMarshal(js)
		}
		return rtAny{avL(l...), &s}
	}
}

// rtJSON is a nested element as JSON: strings and base64 quoted, numbers
// and booleans bare, NULL null, maps and lists as they are.
func rtJSON(e rtAny) json.RawMessage {
	switch e.av.(type) {
	case *types.AttributeValueMemberS, *types.AttributeValueMemberB:
		return json.RawMessage(rtMarshal(*e.text))
	case *types.AttributeValueMemberNULL:
		return json.RawMessage("null")
	}
	return json.RawMessage(*e.text)
}

// rtMarshal is encoding/json without HTML escaping; it sorts map keys by
// byte order, as attrarrow does.
func rtMarshal(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// item renders the document as a DynamoDB item.
func (d rtDoc) item() avMap {
	it := avMap{"id": avN(strconv.FormatInt(d.ID, 10))}
	for name := range d.Null {
		it[name] = avNull()
	}
	num := func(i int64) types.AttributeValue { return avN(strconv.FormatInt(i, 10)) }
	flt := func(f float64) types.AttributeValue { return avN(strconv.FormatFloat(f, 'g', -1, 64)) }
	addr := func(a rtAddr) types.AttributeValue {
		m := avMap{}
		if a.City != nil {
			m["city"] = avS(*a.City)
		}
		if a.Zip != nil {
			m["zip"] = num(*a.Zip)
		}
		return avM(m)
	}
	if d.S != nil {
		it["s"] = avS(*d.S)
	}
	if d.I != nil {
		it["i"] = num(*d.I)
	}
	if d.F != nil {
		it["f"] = flt(*d.F)
	}
	if d.B != nil {
		it["b"] = avB(d.B...)
	}
	if d.Bool != nil {
		it["bool"] = avBool(*d.Bool)
	}
	if d.Date != nil {
		it["date"] = avS(d.Date.Format("2006-01-02"))
	}
	if d.TS != nil {
		it["ts"] = avS(d.TS.Format("2006-01-02T15:04:05.000Z07:00"))
	}
	if m := d.Meta; m != nil {
		mm := avMap{}
		if m.Name != nil {
			mm["name"] = avS(*m.Name)
		}
		if m.Age != nil {
			mm["age"] = num(*m.Age)
		}
		if m.Score != nil {
			mm["score"] = flt(*m.Score)
		}
		if m.Tags != nil {
			mm["tags"] = avSS(m.Tags...)
		}
		if m.Addr != nil {
			mm["addr"] = addr(*m.Addr)
		}
		if m.Bin != nil {
			mm["bin"] = avB(m.Bin...)
		}
		if m.OK != nil {
			mm["ok"] = avBool(*m.OK)
		}
		it["meta"] = avM(mm)
	}
	if d.SS != nil {
		it["ss"] = avSS(d.SS...)
	}
	if d.NS != nil {
		var ns []string
		for _, n := range d.NS {
			ns = append(ns, strconv.FormatInt(n, 10))
		}
		it["ns"] = avNS(ns...)
	}
	if d.NSF != nil {
		var ns []string
		for _, f := range d.NSF {
			ns = append(ns, strconv.FormatFloat(f, 'g', -1, 64))
		}
		it["nsf"] = avNS(ns...)
	}
	if d.BS != nil {
		it["bs"] = avBS(d.BS...)
	}
	listOf := func(n int, f func(i int) types.AttributeValue) types.AttributeValue {
		l := make([]types.AttributeValue, n)
		for i := range l {
			l[i] = f(i)
		}
		return avL(l...)
	}
	if d.LI != nil {
		it["li"] = listOf(len(d.LI), func(i int) types.AttributeValue { return num(d.LI[i]) })
	}
	if d.LS != nil {
		it["ls"] = listOf(len(d.LS), func(i int) types.AttributeValue { return avS(d.LS[i]) })
	}
	if d.LB != nil {
		it["lb"] = listOf(len(d.LB), func(i int) types.AttributeValue { return avB(d.LB[i]...) })
	}
	if d.LHet != nil {
		it["lhet"] = listOf(len(d.LHet), func(i int) types.AttributeValue { return d.LHet[i].av })
	}
	if d.LM != nil {
		it["lm"] = listOf(len(d.LM), func(i int) types.AttributeValue { return addr(d.LM[i]) })
	}
	if d.LL != nil {
		it["ll"] = listOf(len(d.LL), func(i int) types.AttributeValue {
			return listOf(len(d.LL[i]), func(j int) types.AttributeValue { return num(d.LL[i][j]) })
		})
	}
	if d.Empty != nil {
		it["empty"] = avL()
	}
	return it
}

// rtColumns are the columns read back, with the type each must have.
var rtColumns = []struct {
	name string
	oid  uint32
}{
	{"id", pgtypes.Int8OID}, {"s", pgtypes.TextOID}, {"i", pgtypes.Int8OID}, {"f", pgtypes.Float8OID},
	{"b", pgtypes.ByteaOID}, {"bool", pgtypes.BoolOID}, {"date", pgtypes.DateOID}, {"ts", pgtypes.TimestamptzOID},
	{"meta", pgtypes.JSONOID}, {"ss", pgtypes.TextArrayOID}, {"ns", pgtypes.Int8ArrayOID}, {"nsf", pgtypes.Float8ArrayOID},
	{"bs", pgtypes.ByteaArrayOID}, {"li", pgtypes.Int8ArrayOID}, {"ls", pgtypes.TextArrayOID}, {"lb", pgtypes.ByteaArrayOID},
	{"lhet", pgtypes.TextArrayOID}, {"lm", pgtypes.JSONOID}, {"ll", pgtypes.JSONOID}, {"empty", pgtypes.TextArrayOID},
}

// rtRow is a row as pgx decodes it.
type rtRow struct {
	ID    int64
	S     *string
	I     *int64
	F     *float64
	B     []byte
	Bool  *bool
	Date  *time.Time
	TS    *time.Time
	Meta  *string
	SS    []string
	NS    []int64
	NSF   []float64
	BS    [][]byte
	LI    []int64
	LS    []string
	LB    [][]byte
	LHet  []*string
	LM    *string
	LL    *string
	Empty []string
}

// TestTypesRoundTrip is the round-trip property over roundTripItems random
// documents, decoded by pgx in text (simple protocol) and binary (extended
// protocol) results.
func TestTypesRoundTrip(t *testing.T) {
	g := rtGen{rand.New(rand.NewPCG(20240315, 3))}
	docs := make([]rtDoc, roundTripItems)
	items := make([]avMap, roundTripItems)
	for i := range docs {
		docs[i] = g.doc(int64(i + 1))
		items[i] = docs[i].item()
	}
	table := typesTable(t, "roundtrip", items)
	gw := startGateway(t, datasetYAML{name: "rt", table: table, params: inferAll})
	ctx := context.Background()
	cols := make([]string, len(rtColumns))
	for i, c := range rtColumns {
		cols[i] = c.name
	}
	sql := "SELECT " + strings.Join(cols, ", ") + " FROM rt ORDER BY id"

	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheDescribe} {
		t.Run(mode.String(), func(t *testing.T) {
			conn, notices := connectNotices(t, gw)
			res, err := conn.Query(ctx, sql, mode)
			if err != nil {
				t.Fatal(err)
			}
			for i, fd := range res.FieldDescriptions() {
				if fd.Name != rtColumns[i].name || fd.DataTypeOID != rtColumns[i].oid {
					t.Errorf("column %d: %s %s, want %s %s", i, fd.Name, typeName(fd.DataTypeOID), rtColumns[i].name, typeName(rtColumns[i].oid))
				}
			}
			n, failures := 0, 0
			for res.Next() {
				var r rtRow
				if err := res.Scan(&r.ID, &r.S, &r.I, &r.F, &r.B, &r.Bool, &r.Date, &r.TS, &r.Meta, &r.SS, &r.NS, &r.NSF,
					&r.BS, &r.LI, &r.LS, &r.LB, &r.LHet, &r.LM, &r.LL, &r.Empty); err != nil {
					t.Fatalf("row %d: %v", n, err)
				}
				if n >= len(docs) {
					t.Fatalf("more rows than items")
				}
				if err := docs[n].check(r); err != nil {
					t.Errorf("id %d: %v\nitem: %s", docs[n].ID, err, rtDump(items[n]))
					if failures++; failures == 10 {
						t.Fatal("stopping after 10 rows that differ")
					}
				}
				n++
			}
			if err := res.Err(); err != nil {
				t.Fatal(err)
			}
			if n != len(docs) {
				t.Fatalf("%d rows, want %d", n, len(docs))
			}
			if ns := notices.take(); len(ns) != 0 {
				t.Errorf("a lossless round trip noticed %q", noticeMessages(ns))
			}
		})
	}
}

// check compares a decoded row with the document it came from.
func (d rtDoc) check(r rtRow) error {
	var errs []string
	fail := func(col string, got, want any) {
		errs = append(errs, fmt.Sprintf("%s = %s, want %s", col, rtShow(got), rtShow(want)))
	}
	if r.ID != d.ID {
		fail("id", r.ID, d.ID)
	}
	if !reflect.DeepEqual(r.S, d.S) {
		fail("s", r.S, d.S)
	}
	if !reflect.DeepEqual(r.I, d.I) {
		fail("i", r.I, d.I)
	}
	if !reflect.DeepEqual(r.F, d.F) {
		fail("f", r.F, d.F)
	}
	if !rtBytesEqual(r.B, d.B) {
		fail("b", r.B, d.B)
	}
	if !reflect.DeepEqual(r.Bool, d.Bool) {
		fail("bool", r.Bool, d.Bool)
	}
	if (r.Date == nil) != (d.Date == nil) || (r.Date != nil && !r.Date.Equal(*d.Date)) {
		fail("date", r.Date, d.Date)
	}
	if (r.TS == nil) != (d.TS == nil) || (r.TS != nil && !r.TS.Equal(*d.TS)) {
		fail("ts", r.TS, d.TS)
	}
	if err := d.checkMeta(r.Meta); err != nil {
		errs = append(errs, "meta: "+err.Error())
	}
	if !rtSetEqual(r.SS, d.SS) {
		fail("ss", r.SS, d.SS)
	}
	if !rtSetEqual(r.NS, d.NS) {
		fail("ns", r.NS, d.NS)
	}
	if !rtSetEqual(r.NSF, d.NSF) {
		fail("nsf", r.NSF, d.NSF)
	}
	if !rtSetEqual(rtStrings(r.BS), rtStrings(d.BS)) {
		fail("bs", r.BS, d.BS)
	}
	if !rtListEqual(r.LI, d.LI) {
		fail("li", r.LI, d.LI)
	}
	if !rtListEqual(r.LS, d.LS) {
		fail("ls", r.LS, d.LS)
	}
	if (r.LB == nil) != (d.LB == nil) || !slices.Equal(rtStrings(r.LB), rtStrings(d.LB)) {
		fail("lb", r.LB, d.LB)
	}
	var het []*string
	if d.LHet != nil {
		het = []*string{}
		for _, e := range d.LHet {
			het = append(het, e.text)
		}
	}
	if (r.LHet == nil) != (het == nil) || !reflect.DeepEqual(append([]*string{}, r.LHet...), append([]*string{}, het...)) {
		fail("lhet", r.LHet, het)
	}
	var lm any
	if d.LM != nil {
		l := []any{}
		for _, a := range d.LM {
			l = append(l, a.json())
		}
		lm = l
	}
	if err := rtJSONEqual(r.LM, lm); err != nil {
		errs = append(errs, "lm: "+err.Error())
	}
	var ll any
	if d.LL != nil {
		l := []any{}
		for _, in := range d.LL {
			il := []any{}
			for _, v := range in {
				il = append(il, v)
			}
			l = append(l, il)
		}
		ll = l
	}
	if err := rtJSONEqual(r.LL, ll); err != nil {
		errs = append(errs, "ll: "+err.Error())
	}
	if (r.Empty == nil) != (d.Empty == nil) || len(r.Empty) != 0 {
		fail("empty", r.Empty, d.Empty)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// json is an address as the gateway renders it: every field of the struct,
// missing ones null.
func (a rtAddr) json() map[string]any {
	m := map[string]any{"city": nil, "zip": nil}
	if a.City != nil {
		m["city"] = *a.City
	}
	if a.Zip != nil {
		m["zip"] = *a.Zip
	}
	return m
}

func (d rtDoc) checkMeta(got *string) error {
	if d.Meta == nil {
		return rtJSONEqual(got, nil)
	}
	m := d.Meta
	want := map[string]any{"name": nil, "age": nil, "score": nil, "tags": nil, "addr": nil, "bin": nil, "ok": nil}
	if m.Name != nil {
		want["name"] = *m.Name
	}
	if m.Age != nil {
		want["age"] = *m.Age
	}
	if m.Score != nil {
		want["score"] = *m.Score
	}
	if m.Tags != nil {
		tags := slices.Clone(m.Tags)
		slices.Sort(tags)
		want["tags"] = rtSorted(tags)
	}
	if m.Addr != nil {
		want["addr"] = m.Addr.json()
	}
	if m.Bin != nil {
		// PostgreSQL's to_json of a bytea: its hex text.
		want["bin"] = `\x` + hex.EncodeToString(m.Bin)
	}
	if m.OK != nil {
		want["ok"] = *m.OK
	}
	return rtJSONEqual(got, want)
}

// rtSorted marks a JSON array whose order does not matter (a set).
type rtSorted []string

// rtJSONEqual decodes got (json text, nil for NULL) and compares it with
// want: nil, string, int64 (exact), float64 (exact), bool, rtSorted,
// []any and map[string]any.
func rtJSONEqual(got *string, want any) error {
	if got == nil || want == nil {
		if (got == nil) != (want == nil) {
			return fmt.Errorf("%s, want %s", rtShow(got), rtShow(want))
		}
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(*got))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%q is not JSON: %v", *got, err)
	}
	if err := rtValueEqual(v, want); err != nil {
		return fmt.Errorf("%s in %s", err, *got)
	}
	return nil
}

func rtValueEqual(got, want any) error {
	bad := fmt.Errorf("%s, want %s", rtShow(got), rtShow(want))
	switch w := want.(type) {
	case nil:
		if got != nil {
			return bad
		}
	case string, bool:
		if got != w {
			return bad
		}
	case int64:
		n, ok := got.(json.Number)
		if i, err := strconv.ParseInt(string(n), 10, 64); !ok || err != nil || i != w {
			return bad
		}
	case float64:
		n, ok := got.(json.Number)
		if f, err := strconv.ParseFloat(string(n), 64); !ok || err != nil || f != w {
			return bad
		}
	case rtSorted:
		l, ok := got.([]any)
		if !ok {
			return bad
		}
		var s []string
		for _, e := range l {
			str, ok := e.(string)
			if !ok {
				return bad
			}
			s = append(s, str)
		}
		slices.Sort(s)
		if !slices.Equal(s, []string(w)) {
			return bad
		}
	case []any:
		l, ok := got.([]any)
		if !ok || len(l) != len(w) {
			return bad
		}
		for i := range w {
			if err := rtValueEqual(l[i], w[i]); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
	case map[string]any:
		m, ok := got.(map[string]any)
		if !ok || len(m) != len(w) {
			return bad
		}
		for k, wv := range w {
			gv, ok := m[k]
			if !ok {
				return fmt.Errorf("no key %q", k)
			}
			if err := rtValueEqual(gv, wv); err != nil {
				return fmt.Errorf(".%s: %w", k, err)
			}
		}
	default:
		return fmt.Errorf("unexpected want %T", want)
	}
	return nil
}

// rtBytesEqual tells NULL (nil) from empty and compares contents.
func rtBytesEqual(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

func rtStrings(bs [][]byte) []string {
	if bs == nil {
		return nil
	}
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

// rtListEqual tells NULL (nil) from empty and compares in order.
func rtListEqual[T comparable](a, b []T) bool { return (a == nil) == (b == nil) && slices.Equal(a, b) }

// rtSetEqual compares as sets: DynamoDB does not keep a set's order.
func rtSetEqual[T interface{ ~string | ~int64 | ~float64 }](a, b []T) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func rtShow(v any) string {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Slice) && rv.IsNil() {
		return "NULL"
	}
	if rv.Kind() == reflect.Pointer {
		v = rv.Elem().Interface()
	}
	switch x := v.(type) {
	case []*string:
		var parts []string
		for _, s := range x {
			parts = append(parts, rtShow(s))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case string:
		return strconv.Quote(x)
	}
	return fmt.Sprintf("%#v", v)
}

// rtDump renders an item compactly for failure messages.
func rtDump(item avMap) string { return avString(avM(item)) }

func avString(av types.AttributeValue) string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return strconv.Quote(v.Value)
	case *types.AttributeValueMemberN:
		return v.Value
	case *types.AttributeValueMemberB:
		return `\x` + hex.EncodeToString(v.Value)
	case *types.AttributeValueMemberBOOL:
		return strconv.FormatBool(v.Value)
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberSS:
		return fmt.Sprintf("SS%q", v.Value)
	case *types.AttributeValueMemberNS:
		return fmt.Sprintf("NS%v", v.Value)
	case *types.AttributeValueMemberBS:
		return fmt.Sprintf("BS%x", v.Value)
	case *types.AttributeValueMemberL:
		parts := make([]string, len(v.Value))
		for i, e := range v.Value {
			parts[i] = avString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *types.AttributeValueMemberM:
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(v.Value)) {
			parts = append(parts, strconv.Quote(k)+": "+avString(v.Value[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprintf("%T", av)
}

package attrarrow_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

// gen produces random documents whose attributes each keep one DynamoDB type
// (so that the inferred Arrow type is lossless), with random absence and NULL.
type gen struct{ r *rand.Rand }

var runePool = []rune{'a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', 0, 0x1f, 0x7f, 'é', 'ß', '世', '界', '🙂', 0x2028, 0x2029, 0xfffd, 0x10ffff}

func (g gen) str() string {
	n := g.r.IntN(12)
	rs := make([]rune, n)
	for i := range rs {
		if g.r.IntN(3) == 0 {
			rs[i] = runePool[g.r.IntN(len(runePool))]
		} else {
			rs[i] = rune(' ' + g.r.IntN(95))
		}
	}
	return string(rs)
}

func (g gen) bytes() []byte {
	p := make([]byte, g.r.IntN(10))
	for i := range p {
		if g.r.IntN(3) > 0 {
			p[i] = byte(g.r.IntN(256))
		}
	}
	return p
}

func (g gen) int() string {
	switch g.r.IntN(8) {
	case 0:
		return strconv.FormatInt(math.MinInt64, 10)
	case 1:
		return strconv.FormatInt(math.MaxInt64, 10)
	case 2:
		return strconv.Itoa(g.r.IntN(100)) + ".000" // integral with a fraction
	case 3:
		return strconv.Itoa(g.r.IntN(100)+1) + "E2"
	}
	return strconv.FormatInt(g.r.Int64()>>g.r.IntN(64)*int64(1-2*g.r.IntN(2)), 10)
}

func (g gen) float() string {
	var f float64
	switch g.r.IntN(4) {
	case 0:
		f = float64(g.r.IntN(1000)) // integers merge into the float column
	case 1:
		f = g.r.NormFloat64() * math.Pow(10, float64(g.r.IntN(250)-125))
	default:
		f = g.r.Float64()*2e6 - 1e6
	}
	return strconv.FormatFloat(f, 'g', -1, 64) // shortest form: exact
}

func (g gen) date() string {
	t := time.Date(1+g.r.IntN(9999), 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.r.IntN(366))
	if t.Year() > 9999 {
		t = t.AddDate(-1, 0, 0)
	}
	return t.Format(time.DateOnly)
}

func (g gen) ts() string {
	ms := g.r.Int64N(2e13) - 1e13 // ±300 years around 1970
	zone := time.FixedZone("", (g.r.IntN(27)-12)*3600+g.r.IntN(2)*1800)
	t := time.UnixMilli(ms).In(zone)
	if g.r.IntN(2) == 0 {
		return t.Format("2006-01-02T15:04:05.000Z07:00")
	}
	return t.Format(time.RFC3339Nano)
}

func (g gen) maybe(v func() av) av {
	switch g.r.IntN(10) {
	case 0:
		return nil
	case 1:
		return null()
	}
	return v()
}

func (g gen) list(n int, v func() av) []av {
	out := make([]av, g.r.IntN(n+1))
	for i := range out {
		out[i] = v()
	}
	return out
}

func (g gen) strs(n int) []string {
	out := make([]string, g.r.IntN(n+1))
	for i := range out {
		out[i] = g.str()
	}
	return out
}

func (g gen) any(depth int) av {
	k := g.r.IntN(8)
	if depth > 3 {
		k %= 4
	}
	switch k {
	case 0:
		return s(g.str())
	case 1:
		return n(g.float())
	case 2:
		return boolean(g.r.IntN(2) == 0)
	case 3:
		return null()
	case 4:
		return b(g.bytes()...)
	case 5:
		return ss(g.strs(3)...)
	case 6:
		return l(g.list(3, func() av { return g.any(depth + 1) })...)
	}
	mm := map[string]av{}
	for range g.r.IntN(4) {
		mm[g.str()] = g.any(depth + 1)
	}
	return &types.AttributeValueMemberM{Value: mm}
}

func (g gen) doc(i int) item {
	d := item{"id": s(strconv.Itoa(i))}
	put := func(name string, v av) {
		if v != nil {
			d[name] = v
		}
	}
	put("str", g.maybe(func() av { return s(g.str()) }))
	put("int", g.maybe(func() av { return n(g.int()) }))
	put("float", g.maybe(func() av { return n(g.float()) }))
	put("bool", g.maybe(func() av { return boolean(g.r.IntN(2) == 0) }))
	put("bin", g.maybe(func() av { return b(g.bytes()...) }))
	put("date", g.maybe(func() av { return s(g.date()) }))
	put("ts", g.maybe(func() av { return s(g.ts()) }))
	put("ss", g.maybe(func() av { return ss(g.strs(4)...) }))
	put("ns", g.maybe(func() av {
		v := make([]string, g.r.IntN(4))
		for i := range v {
			v[i] = g.int()
		}
		return ns(v...)
	}))
	put("bs", g.maybe(func() av {
		v := make([][]byte, g.r.IntN(4))
		for i := range v {
			v[i] = g.bytes()
		}
		return bs(v...)
	}))
	put("floats", g.maybe(func() av { return l(g.list(4, func() av { return g.maybe(func() av { return n(g.float()) }) })...) }))
	put("profile", g.maybe(func() av {
		f := map[string]av{}
		if v := g.maybe(func() av { return s(g.str()) }); v != nil {
			f["name"] = v
		}
		if v := g.maybe(func() av { return n(g.int()) }); v != nil {
			f["visits"] = v
		}
		f["inner"] = g.maybe(func() av {
			return m("flag", boolean(g.r.IntN(2) == 0), "tags", ss(g.strs(2)...), "at", s(g.date()))
		})
		if f["inner"] == nil {
			delete(f, "inner")
		}
		return &types.AttributeValueMemberM{Value: f}
	}))
	put("addresses", g.maybe(func() av {
		return l(g.list(3, func() av { return m("city", s(g.str()), "zip", n(g.int())) })...)
	}))
	put("mixed", g.maybe(func() av { return l(g.list(4, func() av { return g.any(1) })...) }))
	put("doc", g.maybe(func() av { return g.any(0) }))
	return d
}

// genDocs is n documents of gen seeded with seed1, seed2.
func genDocs(seed1, seed2 uint64, n int) []item {
	g := gen{r: rand.New(rand.NewPCG(seed1, seed2))}
	docs := make([]item, n)
	for i := range docs {
		docs[i] = g.doc(i)
	}
	return docs
}

// idKey is the key of gen's documents.
func idKey() []attrarrow.KeyAttribute {
	return []attrarrow.KeyAttribute{{Name: "id", Type: types.ScalarAttributeTypeS, Role: attrarrow.PartitionKey}}
}

// TestPropertyRoundTrip converts a few thousand random documents and reads
// the Arrow values back: every value comes back as a model of the conversion
// says, and the typed columns are lossless.
func TestPropertyRoundTrip(t *testing.T) {
	docs := genDocs(20240315, 1, 3000)
	keys := idKey()
	for _, depth := range []int{-1, 0} {
		t.Run(fmt.Sprintf("depth%d", depth), func(t *testing.T) {
			sch, rec, mm := convert(t, docs, keys, opts(depth))
			if len(mm) != 0 {
				t.Fatalf("mismatches: %s", dump(mm))
			}
			wantTypes := map[string]arrow.DataType{
				"id": tUtf8, "str": tUtf8, "int": tInt64, "float": tFloat64, "bool": tBool, "bin": tBinary,
				"date": tDate32, "ts": tTsUTC, "ss": listOf(tUtf8), "ns": listOf(tInt64), "bs": listOf(tBinary),
				"floats": listOf(tFloat64), "mixed": listOf(tUtf8), "doc": tUtf8,
				"profile":   structOf("inner", structOf("at", tDate32, "flag", tBool, "tags", listOf(tUtf8)), "name", tUtf8, "visits", tInt64),
				"addresses": listOf(structOf("city", tUtf8, "zip", tInt64)),
			}
			if depth == 0 {
				wantTypes["profile"] = tUtf8
				wantTypes["addresses"] = listOf(tUtf8)
			}
			for name, want := range wantTypes {
				if got := typeOf(t, sch, name); !arrow.TypeEqual(got, want) {
					t.Errorf("%s: type %s, want %s", name, got, want)
				}
			}
			for c, col := range sch.Columns {
				arr := rec.Column(c)
				if arr.NullN() > len(docs)/2 {
					t.Errorf("%s: %d NULLs of %d: the test is too sparse", col.Name, arr.NullN(), len(docs))
				}
				for i, d := range docs {
					got := cell(arr, i)
					if err := matches(got, d[col.Name], col.Field.Type); err != nil {
						t.Fatalf("doc %d column %s: %v\ninput %#v\ngot %#v", i, col.Name, err, d[col.Name], got)
					}
				}
			}
		})
	}
}

// matches checks one value read back from Arrow against its input.
func matches(got any, in av, dt arrow.DataType) error {
	switch in.(type) {
	case nil, *types.AttributeValueMemberNULL:
		if got != nil {
			return fmt.Errorf("want NULL")
		}
		return nil
	}
	if got == nil {
		return fmt.Errorf("unexpected NULL")
	}
	switch t := dt.(type) {
	case *arrow.StringType:
		return matchesText(got.(string), in)
	case *arrow.Int64Type:
		if strconv.FormatInt(got.(int64), 10) != intText(in.(*types.AttributeValueMemberN).Value) {
			return fmt.Errorf("int mismatch")
		}
	case *arrow.Float64Type:
		want, err := strconv.ParseFloat(in.(*types.AttributeValueMemberN).Value, 64)
		if err != nil || math.Float64bits(want) != math.Float64bits(got.(float64)) {
			return fmt.Errorf("float mismatch")
		}
	case *arrow.BooleanType:
		if got != in.(*types.AttributeValueMemberBOOL).Value {
			return fmt.Errorf("bool mismatch")
		}
	case *arrow.BinaryType:
		if !bytes.Equal(got.([]byte), in.(*types.AttributeValueMemberB).Value) {
			return fmt.Errorf("binary mismatch")
		}
	case *arrow.Date32Type:
		if got != in.(*types.AttributeValueMemberS).Value {
			return fmt.Errorf("date mismatch")
		}
	case *arrow.TimestampType:
		want, err := time.Parse(time.RFC3339Nano, in.(*types.AttributeValueMemberS).Value)
		if err != nil || !got.(time.Time).Equal(time.UnixMilli(want.UnixMilli())) {
			return fmt.Errorf("timestamp mismatch")
		}
	case *arrow.ListType:
		var elems []av
		switch v := in.(type) {
		case *types.AttributeValueMemberL:
			elems = v.Value
		case *types.AttributeValueMemberSS:
			for _, x := range v.Value {
				elems = append(elems, s(x))
			}
		case *types.AttributeValueMemberNS:
			for _, x := range v.Value {
				elems = append(elems, n(x))
			}
		case *types.AttributeValueMemberBS:
			for _, x := range v.Value {
				elems = append(elems, b(x...))
			}
		default:
			return fmt.Errorf("list from %T", in)
		}
		gl := got.([]any)
		if len(gl) != len(elems) {
			return fmt.Errorf("list length %d, want %d", len(gl), len(elems))
		}
		for i := range elems {
			if err := matches(gl[i], elems[i], t.Elem()); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
	case *arrow.StructType:
		mv := in.(*types.AttributeValueMemberM).Value
		gm := got.(map[string]any)
		for _, f := range t.Fields() {
			if err := matches(gm[f.Name], mv[f.Name], f.Type); err != nil {
				return fmt.Errorf(".%s: %w", f.Name, err)
			}
		}
		for k, v := range mv {
			if _, ok := t.FieldIdx(k); !ok && v != nil {
				return fmt.Errorf("field %q dropped", k)
			}
		}
	default:
		return fmt.Errorf("unexpected type %s", dt)
	}
	return nil
}

// matchesText checks the text a Utf8 column holds: S as is, N verbatim, BOOL,
// B as base64, documents as JSON equal to the input.
func matchesText(got string, in av) error {
	var want string
	switch v := in.(type) {
	case *types.AttributeValueMemberS:
		want = v.Value
	case *types.AttributeValueMemberN:
		want = v.Value
	case *types.AttributeValueMemberBOOL:
		want = strconv.FormatBool(v.Value)
	case *types.AttributeValueMemberB:
		want = base64.StdEncoding.EncodeToString(v.Value)
	default:
		dec := json.NewDecoder(bytes.NewReader([]byte(got)))
		dec.UseNumber()
		var decoded any
		if err := dec.Decode(&decoded); err != nil {
			return fmt.Errorf("invalid JSON %q: %w", got, err)
		}
		if w := jsonModel(in); !reflect.DeepEqual(decoded, w) {
			return fmt.Errorf("JSON %s decodes to %#v, want %#v", got, decoded, w)
		}
		return nil
	}
	if got != want {
		return fmt.Errorf("text %q, want %q", got, want)
	}
	return nil
}

// jsonModel is what encoding/json (with UseNumber) decodes the JSON text of
// a value into.
func jsonModel(in av) any {
	switch v := in.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return json.Number(v.Value)
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberB:
		return base64.StdEncoding.EncodeToString(v.Value)
	case *types.AttributeValueMemberSS:
		out := []any{}
		for _, x := range v.Value {
			out = append(out, x)
		}
		return out
	case *types.AttributeValueMemberL:
		out := []any{}
		for _, x := range v.Value {
			out = append(out, jsonModel(x))
		}
		return out
	case *types.AttributeValueMemberM:
		out := map[string]any{}
		for k, x := range v.Value {
			out[k] = jsonModel(x)
		}
		return out
	}
	return nil
}

// intText is the canonical text of an integral number the generator wrote
// as "12.000" or "3E2" (small values) or plainly.
func intText(s string) string {
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return s
	}
	f, _ := strconv.ParseFloat(s, 64) // the generator's other forms are small
	return strconv.FormatInt(int64(f), 10)
}

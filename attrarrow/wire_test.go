package attrarrow_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

// The fast decoder (JSONPage, Converter.AppendJSON) against the reference
// path it must equal: the AWS SDK decoding the same response body into
// AttributeValues, converted with Converter.Append.

// wireWriter writes items in DynamoDB's JSON wire form, choosing at random
// how each string is written: raw (only '"', '\' and control characters
// escaped, invalid UTF-8 kept) or as encoding/json writes it (every
// escape), sometimes with letters escaped as \u00XX too.
type wireWriter struct {
	r   *rand.Rand
	buf bytes.Buffer
}

func (w *wireWriter) str(s string) {
	form := 2 // raw, as DynamoDB writes strings
	if w.r != nil {
		form = w.r.IntN(4)
	}
	switch form {
	case 0:
		b, _ := json.Marshal(s)
		w.buf.Write(b)
	case 1:
		w.buf.WriteByte('"')
		for _, c := range []byte(s) {
			if c >= 'a' && c <= 'z' && w.r.IntN(3) == 0 {
				fmt.Fprintf(&w.buf, `\u%04x`, c)
			} else {
				w.rawByte(c)
			}
		}
		w.buf.WriteByte('"')
	default:
		w.buf.WriteByte('"')
		for _, c := range []byte(s) {
			w.rawByte(c)
		}
		w.buf.WriteByte('"')
	}
}

func (w *wireWriter) rawByte(c byte) {
	switch {
	case c == '"' || c == '\\':
		w.buf.WriteByte('\\')
		w.buf.WriteByte(c)
	case c < 0x20:
		fmt.Fprintf(&w.buf, `\u%04x`, c)
	default:
		w.buf.WriteByte(c)
	}
}

func (w *wireWriter) value(v av) {
	w.buf.WriteByte('{')
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		if x == nil {
			w.buf.WriteString(`"NULL":true`)
			break
		}
		w.buf.WriteString(`"S":`)
		w.str(x.Value)
	case *types.AttributeValueMemberN:
		if x == nil {
			w.buf.WriteString(`"NULL":true`)
			break
		}
		w.buf.WriteString(`"N":`)
		w.str(x.Value)
	case *types.AttributeValueMemberB:
		if x == nil {
			w.buf.WriteString(`"NULL":true`)
			break
		}
		fmt.Fprintf(&w.buf, `"B":%q`, base64.StdEncoding.EncodeToString(x.Value))
	case *types.AttributeValueMemberBOOL:
		if x == nil {
			w.buf.WriteString(`"NULL":true`)
			break
		}
		fmt.Fprintf(&w.buf, `"BOOL":%t`, x.Value)
	case *types.AttributeValueMemberSS:
		w.buf.WriteString(`"SS":`)
		w.list(len(x.Value), func(i int) { w.str(x.Value[i]) })
	case *types.AttributeValueMemberNS:
		w.buf.WriteString(`"NS":`)
		w.list(len(x.Value), func(i int) { w.str(x.Value[i]) })
	case *types.AttributeValueMemberBS:
		w.buf.WriteString(`"BS":`)
		w.list(len(x.Value), func(i int) { fmt.Fprintf(&w.buf, "%q", base64.StdEncoding.EncodeToString(x.Value[i])) })
	case *types.AttributeValueMemberL:
		w.buf.WriteString(`"L":`)
		w.list(len(x.Value), func(i int) { w.value(x.Value[i]) })
	case *types.AttributeValueMemberM:
		w.buf.WriteString(`"M":`)
		w.object(x.Value)
	case *types.UnknownUnionMember:
		w.buf.WriteString(`"X":"unknown"`)
	default: // nil, NULL
		w.buf.WriteString(`"NULL":true`)
	}
	w.buf.WriteByte('}')
}

func (w *wireWriter) list(n int, elem func(int)) {
	w.buf.WriteByte('[')
	for i := range n {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		elem(i)
	}
	w.buf.WriteByte(']')
}

func (w *wireWriter) object(m map[string]av) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		w.str(k)
		w.buf.WriteByte(':')
		w.value(m[k])
	}
	w.buf.WriteByte('}')
}

// wireBody is a Scan response holding items, with the members DynamoDB
// sends around them.
func wireBody(seed uint64, items []item) []byte {
	w := &wireWriter{r: rand.New(rand.NewPCG(seed, 3))}
	fmt.Fprintf(&w.buf, `{"Count":%d,"Items":`, len(items))
	w.list(len(items), func(i int) { w.object(items[i]) })
	w.buf.WriteString(`,"LastEvaluatedKey":{"id":{"S":"k"}},"ScannedCount":`)
	w.buf.WriteString(strconv.Itoa(len(items) + 1))
	w.buf.WriteString(`,"ConsumedCapacity":{"TableName":"t","CapacityUnits":1.5}}`)
	return w.buf.Bytes()
}

// bodyClient answers every request with one canned body.
type bodyClient struct{ body []byte }

func (c bodyClient) Do(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(c.body)), ContentLength: int64(len(c.body))}, nil
}

// sdkScan decodes body as the SDK decodes a Scan response. The SDK's
// decoder panics on some malformed bodies ("[,{}]" where a map is due);
// that counts as refusing them.
func sdkScan(body []byte) (out *dynamodb.ScanOutput, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("the SDK panicked: %v", p)
		}
	}()
	client := dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("a", "b", ""),
		BaseEndpoint:     aws.String("http://dynamodb.test"),
		HTTPClient:       bodyClient{body},
		RetryMaxAttempts: 1,
	})
	out, err = client.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("t")})
	return out, err
}

// compareWire converts body both ways with sch and fails on any
// difference; it reports whether the fast path took the body.
func compareWire(t testing.TB, sch *attrarrow.Schema, body []byte) bool {
	t.Helper()
	var page attrarrow.JSONPage
	rest, ok := page.Parse(body)
	if !ok {
		return false // the SDK's alone to read
	}
	ref, sdkErr := sdkScan(body)
	// The SDK decodes the rest of the response, as the whole one, Items
	// aside: it refuses both or neither.
	others, restErr := sdkScan(rest)
	if (sdkErr == nil) != (restErr == nil) {
		t.Fatalf("the SDK reads the body (%v) and its rest (%v) differently:\n%s\n%s", sdkErr, restErr, body, rest)
	}
	if sdkErr != nil {
		return true
	}
	if page.Len() != len(ref.Items) {
		t.Fatalf("%d items parsed, the SDK decoded %d:\n%s", page.Len(), len(ref.Items), body)
	}
	if others.Items != nil || others.Count != ref.Count || others.ScannedCount != ref.ScannedCount ||
		!reflect.DeepEqual(others.LastEvaluatedKey, ref.LastEvaluatedKey) || !reflect.DeepEqual(others.ConsumedCapacity, ref.ConsumedCapacity) {
		t.Fatalf("the rest decodes to %+v, the whole body to %+v", others, ref)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	slow, fast := attrarrow.NewConverter(sch, mem), attrarrow.NewConverter(sch, mem)
	defer slow.Release()
	defer fast.Release()
	for round := range 2 {
		for i, it := range ref.Items {
			slow.Append(it)
			fast.AppendJSON(&page, i)
		}
		want, got := slow.NewRecordBatch(), fast.NewRecordBatch()
		if err := array.ValidateRecordFull(got); err != nil {
			t.Fatalf("round %d: invalid batch: %v", round, err)
		}
		if !array.RecordEqual(want, got) {
			for c := range int(want.NumCols()) {
				if !array.Equal(want.Column(c), got.Column(c)) {
					t.Errorf("round %d column %s:\n fast %v\n  SDK %v", round, sch.Columns[c].Name, got.Column(c), want.Column(c))
				}
			}
			t.Fatalf("body:\n%s", body)
		}
		want.Release()
		got.Release()
	}
	if w, g := slow.Mismatches(), fast.Mismatches(); !reflect.DeepEqual(w, g) {
		t.Fatalf("mismatches: fast %s, SDK %s", dump(g), dump(w))
	}
	return true
}

// TestWireJSONMatchesSDK converts pages of random documents from their
// wire form both ways, for every kind of schema: inferred from the first
// half of the documents only, so later ones also mismatch.
func TestWireJSONMatchesSDK(t *testing.T) {
	docs := genDocs(20261205, 7, 1200)
	keys := idKey()
	for _, o := range []attrarrow.Options{
		{UnnestDepth: -1}, {UnnestDepth: 0}, {UnnestDepth: 1}, {UnnestDepth: 2},
		{UnnestDepth: -1, TimeFormat: "2006-01-02"},
	} {
		t.Run(fmt.Sprintf("depth%d_%s", o.UnnestDepth, o.TimeFormat), func(t *testing.T) {
			sch, err := attrarrow.Infer(docs[:len(docs)/2], keys, o)
			if err != nil {
				t.Fatal(err)
			}
			for page := 0; page*100 < len(docs); page++ {
				if !compareWire(t, sch, wireBody(uint64(page), docs[page*100:(page+1)*100])) {
					t.Fatalf("page %d: the fast path refused DynamoDB's own form", page)
				}
			}
		})
	}
}

// TestWireJSONRefusesOtherForms: bodies DynamoDB does not write are left to
// the SDK; a body the fast path takes never differs from the SDK's reading.
func TestWireJSONRefusesOtherForms(t *testing.T) {
	sch, err := attrarrow.Infer([]item{{"a": s("x"), "n": n("1"), "l": l(s("y"))}}, nil, attrarrow.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		body string
		fast bool
	}{
		{`{"Items":[{"a":{"S":"x"}}]}`, true},
		{` { "Items" : [ { "a" : { "S" : "x" } } ] , "Count" : 1 } ` + "\n", true},
		{`{"Items":[]}`, true},
		{`{"Count":0}`, true},
		{`{"Items":[{"a":{"S":"x"},"a":{"S":"y"}}]}`, true}, // the last wins, as in the SDK's map
		{`{"Items":[{"a":{"S":"x\u00e9\n"}}]}`, true},
		{`{"Items":[{"l":{"L":[{"NULL":true},{"BOOL":false},{"M":{"k":{"N":"1"}}}]}}]}`, true},
		{`{"Items":[{"a":{"S":"x","N":"1"}}]}`, false}, // two members: the SDK refuses
		{`{"Items":[{"a":{"S":null}}]}`, false},
		{`{"Items":[{"a":{"X":"x"}}]}`, false},
		{`{"Items":[{"a":{}}]}`, false},
		{`{"Items":[{"a":{"\u0053":"x"}}]}`, false},
		{`{"Items":[{"a":{"B":"not base64!"}}]}`, false},
		{`{"Items":[{"a":{"BOOL":"true"}}]}`, false},
		{`{"Items":[{"a":{"S":1}}]}`, false},
		{`{"Items":null}`, false},
		{`{"Items":[null]}`, false},
		{`{"Items":[{"a":{"S":"x"}}],"Items":[]}`, false},
		{`{"Items":[{"a":{"S":"x"}}]} trailing`, false},
		{`{"Items":[{"a":{"S":"x"}}]`, false},
		{`{"Items":[{"a":{"S":"tab	inside"}}]}`, false},
		{`{"Items":[{"a":{"S":"bad \q escape"}}]}`, false},
		{`{"Count":01,"Items":[]}`, false},
		{``, false},
	} {
		if got := compareWire(t, sch, []byte(tc.body)); got != tc.fast {
			t.Errorf("%s: fast path %v, want %v", tc.body, got, tc.fast)
		}
	}
}

// FuzzWireJSON feeds arbitrary bodies to both paths: whenever the fast
// path takes a body, the SDK decodes it and the two batches are equal.
func FuzzWireJSON(f *testing.F) {
	g := gen{r: rand.New(rand.NewPCG(5, 5))}
	for i := range 8 {
		f.Add(wireBody(uint64(i), []item{g.doc(i), g.doc(i + 1)}))
	}
	for _, body := range []string{
		`{"Items":[{"a":{"S":"x"},"a":{"N":"1"}}]}`,
		`{"Items":[{"a":{"SS":["x","y\u0000"]},"b":{"NS":["1","-0.5e3"]},"c":{"BS":["AAE="]}}]}`,
		`{"Items":[{"m":{"M":{"k":{"M":{"j":{"L":[{"S":"deep"}]}}}}}}],"LastEvaluatedKey":{"m":{"S":"x"}}}`,
		`{"Items":[{"a":{"NULL":false}},{"a":{"BOOL":true}}]}`,
		`{"Items":[{"\ud800":{"S":"\udc00 lone surrogates"}}]}`,
		"{\"Items\":[{\"a\":{\"S\":\"raw \xff\xfe bytes\"}}]}",
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if _, ok := new(attrarrow.JSONPage).Parse(body); !ok {
			return // the SDK's alone to read (its decoder panics on some such bodies)
		}
		// A schema from what the SDK reads, when it reads anything: the
		// values then meet columns of their own types and others'.
		items := []item{{"a": s("x"), "n": n("1"), "l": l(s("y")), "m": m("k", n("2"))}}
		if out, err := sdkScan(body); err == nil && len(out.Items) > 0 {
			items = out.Items
		}
		for _, depth := range []int{-1, 0, 2} {
			sch, err := attrarrow.Infer(items, nil, opts(depth))
			if err != nil {
				t.Fatal(err)
			}
			compareWire(t, sch, body)
		}
	})
}

// wireBytes is wireBody's choice of string forms seeded from fuzz input.
func wireBytes(data []byte, items []item) []byte {
	var seed uint64
	for _, c := range data {
		seed = seed*31 + uint64(c)
	}
	return wireBody(seed, items)
}

// pageOf is a Scan response of n copies of it (each its own id), about
// the 1 MB DynamoDB sends per page for the 1 KB bench item, its strings
// written as DynamoDB writes them.
func pageOf(it item, n int) []byte {
	items := make([]item, n)
	for i := range items {
		c := item{}
		for k, v := range it {
			c[k] = v
		}
		c["pk"] = s("USER#" + strconv.Itoa(i))
		items[i] = c
	}
	w := &wireWriter{}
	fmt.Fprintf(&w.buf, `{"Count":%d,"Items":`, n)
	w.list(n, func(i int) { w.object(items[i]) })
	w.buf.WriteString(`,"ScannedCount":900}`)
	return w.buf.Bytes()
}

var sdkPageNs sync.Map // item shape → float64: the SDK page, baseline of the wire page

// BenchmarkDecodePage decodes a page of 900 items into Arrow: "sdk" is the
// SDK's decoding into AttributeValues then Append, the path the gateway
// took before; "wire" is JSONPage.Parse and AppendJSON (the SDK decoding
// the rest of the response, in scan, is left out of both). The items are
// the 1 KB bench item (maps and lists of maps, which the wire path still
// makes AttributeValues of) and its scalars alone ("flat"). x-sdk is the
// wire page's cost relative to the SDK's when it ran first in the same
// run.
func BenchmarkDecodePage(b *testing.B) {
	flat := item{}
	for k, v := range benchItem() {
		switch v.(type) {
		case *types.AttributeValueMemberS, *types.AttributeValueMemberN, *types.AttributeValueMemberBOOL, *types.AttributeValueMemberSS:
			flat[k] = v
		}
	}
	for _, shape := range []struct {
		name string
		it   item
	}{{"1KBItem", benchItem()}, {"flat", flat}} {
		b.Run(shape.name, func(b *testing.B) { benchDecodePage(b, shape.name, shape.it) })
	}
}

func benchDecodePage(b *testing.B, shape string, it item) {
	keys := []attrarrow.KeyAttribute{{Name: "pk", Type: types.ScalarAttributeTypeS, Role: attrarrow.PartitionKey}}
	sch, err := attrarrow.Infer([]item{it}, keys, attrarrow.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	body := pageOf(it, 900)
	run := func(b *testing.B, decode func(c *attrarrow.Converter)) float64 {
		c := attrarrow.NewConverter(sch, memory.NewGoAllocator())
		defer c.Release()
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			decode(c)
			c.NewRecordBatch().Release()
		}
		b.StopTimer()
		perPage := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(900*1e9/perPage, "items/s")
		return perPage
	}
	b.Run("sdk", func(b *testing.B) {
		sdkPageNs.Store(shape, run(b, func(c *attrarrow.Converter) {
			out, err := sdkScan(body)
			if err != nil {
				b.Fatal(err)
			}
			for _, it := range out.Items {
				c.Append(it)
			}
		}))
	})
	b.Run("wire", func(b *testing.B) {
		var page attrarrow.JSONPage
		perPage := run(b, func(c *attrarrow.Converter) {
			if _, ok := page.Parse(body); !ok {
				b.Fatal("the bench page is not in DynamoDB's form")
			}
			for i := range page.Len() {
				c.AppendJSON(&page, i)
			}
		})
		if base, ok := sdkPageNs.Load(shape); ok {
			b.ReportMetric(perPage/base.(float64), "x-sdk")
		}
	})
}

// TestWireItemsSize: a page knows how long its Items array is, an upper
// bound of the items' DynamoDB size.
func TestWireItemsSize(t *testing.T) {
	var page attrarrow.JSONPage
	body := []byte(`{"Count":1, "Items": [{"id":{"S":"abc"}}] ,"ScannedCount":1}`)
	if _, ok := page.Parse(body); !ok {
		t.Fatal("refused")
	}
	if got, want := page.ItemsSize(), len(`[{"id":{"S":"abc"}}]`); got != want {
		t.Errorf("ItemsSize = %d, want %d", got, want)
	}
	if got := attrarrow.ItemSize(item{"id": s("abc")}); got > page.ItemsSize() {
		t.Errorf("the items' size %d is above the JSON's %d", got, page.ItemsSize())
	}
}

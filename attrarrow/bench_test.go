package attrarrow_test

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pgdynamo/pgdynamo/attrarrow"
)

// benchItem is a realistic user profile of about 1 KB (DynamoDB item size):
// strings, numbers, timestamps, a string set, a nested map and a list of maps.
func benchItem() item {
	address := func(street, city, zip string) av {
		return m("street", s(street), "city", s(city), "zip", s(zip), "country", s("GB"), "primary", boolean(street[0] == '1'))
	}
	return doc(
		"pk", s("USER#7f3c2a9e-4b1d-4c8e-9a2f-1d3e5b7c9a0f"),
		"sk", s("PROFILE"),
		"email", s("ada.lovelace@example.com"),
		"name", s("Ada Lovelace"),
		"created_at", s("2024-03-15T14:30:00.123Z"),
		"updated_at", s("2024-06-01T09:12:45.001Z"),
		"birthday", s("1815-12-10"),
		"age", n("36"),
		"balance", n("1234.56"),
		"login_count", n("1042"),
		"active", boolean(true),
		"tags", ss("admin", "beta", "mathematics", "analytical-engine", "poetry"),
		"bio", s("Mathematician and writer, chiefly known for her work on Charles Babbage's proposed mechanical "+
			"general-purpose computer, the Analytical Engine. She was the first to recognise that the machine had "+
			"applications beyond pure calculation."),
		"metadata", m(
			"registration_ip", s("203.0.113.42"),
			"user_agent", s("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36"),
			"referrer", s("https://example.com/landing?utm_source=newsletter&utm_medium=email"),
			"score", n("0.97"),
			"prefs", m("theme", s("dark"), "lang", s("en-GB"), "notifications", boolean(false), "page_size", n("50")),
		),
		"addresses", l(
			address("12 St James's Square", "London", "SW1Y 4JH"),
			address("Ockham Park", "Ockham", "GU23 6NR"),
		),
	)
}

// walk is the baseline: visiting every value of the item once, the least any
// conversion has to do.
func walk(v av) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return len(v.Value)
	case *types.AttributeValueMemberSS:
		t := 0
		for _, x := range v.Value {
			t += len(x)
		}
		return t
	case *types.AttributeValueMemberL:
		t := 0
		for _, x := range v.Value {
			t += walk(x)
		}
		return t
	case *types.AttributeValueMemberM:
		t := 0
		for _, x := range v.Value {
			t += walk(x)
		}
		return t
	}
	return 1
}

var (
	walkOnce sync.Once
	walkNs   float64
	sink     int
)

// baselineNs times walk over the bench item (testing.Benchmark cannot run
// inside a benchmark: it would wait for the benchmark lock).
func baselineNs() float64 {
	walkOnce.Do(func() {
		it := benchItem()
		const rounds = 1 << 14
		best := math.MaxFloat64
		for range 5 {
			start := time.Now()
			for range rounds {
				for _, v := range it {
					sink += walk(v)
				}
			}
			best = min(best, float64(time.Since(start).Nanoseconds())/rounds)
		}
		walkNs = best
	})
	return walkNs
}

func benchConvert(b *testing.B, o attrarrow.Options) {
	it := benchItem()
	keys := []attrarrow.KeyAttribute{
		{Name: "pk", Type: types.ScalarAttributeTypeS, Role: attrarrow.PartitionKey},
		{Name: "sk", Type: types.ScalarAttributeTypeS, Role: attrarrow.SortKey},
	}
	sch, err := attrarrow.Infer([]item{it}, keys, o)
	if err != nil {
		b.Fatal(err)
	}
	base := baselineNs()
	c := attrarrow.NewConverter(sch, memory.NewGoAllocator())
	defer c.Release()
	const batch = 1024
	b.SetBytes(int64(attrarrow.ItemSize(it)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.Append(it)
		if c.Len() == batch {
			c.NewRecordBatch().Release()
		}
	}
	b.StopTimer()
	if mm := c.Mismatches(); len(mm) != 0 {
		b.Fatalf("mismatches: %+v", mm)
	}
	perItem := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(1e9/perItem, "items/s")
	b.ReportMetric(perItem/base, "x-walk")
}

// BenchmarkConvert1KBItem converts a ~1 KB item with the default options
// (maps as Structs). x-walk is the cost relative to merely visiting every
// value of the item, measured in the same run.
func BenchmarkConvert1KBItem(b *testing.B) { benchConvert(b, attrarrow.DefaultOptions()) }

// BenchmarkConvert1KBItemJSON is the same item with unnest_depth 0: maps as
// JSON text.
func BenchmarkConvert1KBItemJSON(b *testing.B) { benchConvert(b, attrarrow.Options{}) }

// BenchmarkConvert1KBItemFlat is the same item with unnest_depth 2.
func BenchmarkConvert1KBItemFlat(b *testing.B) { benchConvert(b, attrarrow.Options{UnnestDepth: 2}) }

func TestBenchItemShape(t *testing.T) {
	it := benchItem()
	if size := attrarrow.ItemSize(it); size < 900 || size > 1200 {
		t.Errorf("bench item is %d bytes, want about 1 KB", size)
	}
	sch, _, mm := convert(t, []item{it}, nil, attrarrow.DefaultOptions())
	if len(mm) != 0 || len(sch.Conflicts) != 0 {
		t.Errorf("mismatches %v conflicts %v", mm, sch.Conflicts)
	}
	if got := typeOf(t, sch, "created_at"); !arrow.TypeEqual(got, tTsUTC) {
		t.Errorf("created_at = %s", got)
	}
}

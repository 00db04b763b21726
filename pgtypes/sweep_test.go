package pgtypes_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// sweep runs with -update, after the golden file is regenerated: thousands
// of random values of the trickiest kinds are encoded by us and by the
// PostgreSQL server, in both formats, and must come out byte for byte the
// same. The golden cases pin the edges; this catches what they miss.
func sweep(t *testing.T, ctx context.Context, conn *pgconn.PgConn) {
	rnd := rand.New(rand.NewSource(1))
	mem := memory.NewGoAllocator()
	mismatches := 0
	compare := func(what string, arr arrow.Array, opts pgtypes.Options, sql string, args ...string) {
		t.Helper()
		defer arr.Release()
		params := make([][]byte, len(args))
		for i, a := range args {
			params[i] = []byte(a)
		}
		for _, format := range []pgtypes.Format{pgtypes.TextFormat, pgtypes.BinaryFormat} {
			res := conn.ExecParams(ctx, "SELECT "+sql, params, nil, nil, []int16{int16(format)}).Read()
			if res.Err != nil {
				t.Fatalf("%s: SELECT %s %q: %v", what, sql, args, res.Err)
			}
			got, _ := encodeOne(t, arr, format, opts)
			if want := res.Rows[0][0]; !bytes.Equal(got, want) {
				if mismatches++; mismatches <= 20 {
					t.Errorf("%s %s %q: got %q, PostgreSQL sent %q", what, format, args, got, want)
				}
			}
		}
	}
	setZone := func(tz string) {
		if _, err := conn.Exec(ctx, "SET TimeZone = '"+tz+"'").ReadAll(); err != nil {
			t.Fatal(err)
		}
	}
	setZone("UTC")

	// text[] quoting, over strings built from the characters that matter.
	alphabet := []rune{'a', 'N', 'U', 'L', 'l', 'u', 'n', ' ', '\t', '\v', '\f', '\r', '\n', '"', '\\', '{', '}', ',', ';', 'ü', '😀', '\x01', '\'', '[', ']'}
	for i := 0; i < 2000; i++ {
		var sb strings.Builder
		for n := rnd.Intn(6); n > 0; n-- {
			sb.WriteRune(alphabet[rnd.Intn(len(alphabet))])
		}
		s := sb.String()
		b := array.NewListBuilder(mem, arrow.BinaryTypes.String)
		vb := b.ValueBuilder().(*array.StringBuilder)
		b.Append(true)
		vb.Append(s)
		vb.AppendNull()
		compare("text[]", b.NewArray(), pgtypes.Options{}, "ARRAY[$1::text, NULL]", s)
		b.Release()
	}

	// float8 and float4: random bits, decimal-ish values, wide magnitudes.
	for i := 0; i < 5000; i++ {
		var v float64
		switch i % 3 {
		case 0:
			v = math.Float64frombits(rnd.Uint64())
		case 1:
			v = float64(rnd.Int63n(1e17)) / math.Pow(10, float64(rnd.Intn(25)))
		default:
			v = rnd.NormFloat64() * math.Pow(10, float64(rnd.Intn(40)-20))
		}
		if math.IsNaN(v) {
			continue
		}
		b8 := array.NewFloat64Builder(mem)
		b8.Append(v)
		compare("float8", b8.NewArray(), pgtypes.Options{}, "$1::float8", pgFloatLiteral(float64(v), 64))
		b8.Release()
		if v32 := float32(v); !math.IsInf(float64(v32), 0) {
			b4 := array.NewFloat32Builder(mem)
			b4.Append(v32)
			compare("float4", b4.NewArray(), pgtypes.Options{}, "$1::float4", pgFloatLiteral(float64(v32), 32))
			b4.Release()
		}
	}

	// dates across PostgreSQL's whole range and near the present.
	for i := 0; i < 1500; i++ {
		d := rnd.Int63n(2_145_031_949+2_451_545) - 2_451_545 + 10_957
		if i%2 == 0 {
			d = rnd.Int63n(2_000_000) - 1_000_000
		}
		b := array.NewDate32Builder(mem)
		b.Append(arrow.Date32(d))
		compare("date", b.NewArray(), pgtypes.Options{}, "'1970-01-01'::date + $1::int4", fmt.Sprint(d))
		b.Release()
	}

	// timestamps, also inside JSON.
	const fromMicros = "('1970-01-01'::timestamp + ($1::int8 / 86400000000) * interval '1 day' + ($1::int8 % 86400000000) * interval '1 microsecond')"
	for i := 0; i < 1500; i++ {
		var us int64
		switch i % 3 {
		case 0:
			us = rnd.Int63n(math.MaxInt64/2) - 100_000_000_000_000_000
		case 1:
			us = -rnd.Int63n(210_866_803_200_000_000)
		default:
			us = rnd.Int63n(4e15) - 2e15
		}
		b := array.NewTimestampBuilder(mem, tsUS)
		b.Append(arrow.Timestamp(us))
		compare("timestamp", b.NewArray(), pgtypes.Options{}, fromMicros, fmt.Sprint(us))
		b.Release()
		sb := array.NewStructBuilder(mem, arrow.StructOf(arrow.Field{Name: "x", Type: tsUS, Nullable: true}))
		sb.Append(true)
		sb.FieldBuilder(0).(*array.TimestampBuilder).Append(arrow.Timestamp(us))
		compare("timestamp in json", sb.NewArray(), pgtypes.Options{}, "(SELECT to_json(r) FROM (SELECT "+fromMicros+" AS x) r)", fmt.Sprint(us))
		sb.Release()
	}

	// timestamptz in zones with DST, half-hour and historical offsets.
	for _, tz := range []string{"UTC", "America/New_York", "Asia/Kolkata", "Europe/Dublin", "Australia/Lord_Howe",
		"Pacific/Chatham", "America/St_Johns", "Africa/Monrovia", "Asia/Kathmandu", "America/Sao_Paulo"} {
		setZone(tz)
		opts := pgtypes.Options{Location: location(t, tz)}
		for i := 0; i < 300; i++ {
			us := rnd.Int63n(3000*365*86400*1e6) - 2000*365*86400*1e6
			if i%2 == 0 {
				us = rnd.Int63n(100*365*86400*1e6) + 10*365*86400*1e6
			}
			b := array.NewTimestampBuilder(mem, tstzUS)
			b.Append(arrow.Timestamp(us))
			compare("timestamptz "+tz, b.NewArray(), opts, fromMicros+" AT TIME ZONE 'UTC'", fmt.Sprint(us))
			b.Release()
		}
	}
	setZone("UTC")

	// intervals with mixed signs.
	for i := 0; i < 1500; i++ {
		m, d, us := int32(rnd.Intn(4000)-2000), int32(rnd.Intn(4000)-2000), rnd.Int63n(1e13)-5e12
		if i%4 == 0 {
			m = 0
		}
		if i%5 == 0 {
			d = 0
		}
		if i%3 == 0 {
			us = us / 1e6 * 1e6
		}
		b := array.NewMonthDayNanoIntervalBuilder(mem)
		b.Append(arrow.MonthDayNanoInterval{Months: m, Days: d, Nanoseconds: us * 1000})
		compare("interval", b.NewArray(), pgtypes.Options{},
			"make_interval(months => $1::int4, days => $2::int4) + ($3::int8 / 1000000) * interval '1 second' + ($3::int8 % 1000000) * interval '1 microsecond'",
			fmt.Sprint(m), fmt.Sprint(d), fmt.Sprint(us))
		b.Release()
	}

	// numerics of every scale.
	for i := 0; i < 1500; i++ {
		scale := int32(rnd.Intn(30))
		n := decimal128.New(rnd.Int63n(1<<40)-1<<39, rnd.Uint64())
		if i%3 == 0 {
			n = decimal128.FromI64(rnd.Int63n(1e12) - 5e11)
		}
		dt := &arrow.Decimal128Type{Precision: 38, Scale: scale}
		b := array.NewDecimal128Builder(mem, dt)
		b.Append(n)
		compare("numeric", b.NewArray(), pgtypes.Options{}, fmt.Sprintf("$1::numeric(38,%d)", scale), n.ToString(scale))
		b.Release()
	}

	if mismatches > 0 {
		t.Fatalf("%d values differ from PostgreSQL", mismatches)
	}
}

// pgFloatLiteral spells a float so that PostgreSQL reads back exactly it.
func pgFloatLiteral(v float64, bitSize int) string {
	s := strconv.FormatFloat(v, 'g', -1, bitSize)
	s = strings.Replace(s, "+Inf", "Infinity", 1)
	return strings.Replace(s, "-Inf", "-Infinity", 1)
}

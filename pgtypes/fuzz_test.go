package pgtypes_test

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// FuzzTextArrayQuoting: whatever two strings hold, the text[] literal we
// send (with a NULL between them) must parse back, with pgx's array parser,
// into the same elements, and an element spelling NULL must stay a string.
func FuzzTextArrayQuoting(f *testing.F) {
	for _, s := range []string{"", "a", "NULL", "null", "a b", `"`, `\`, `\"`, "{", "}", ",", "\t", "\v", "\f", "\r\n",
		"ü ö", `{"a":1}`, `\x0102`, " lead", "trail ", "NULLx", "nuLL"} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.ContainsRune(a, 0) || strings.ContainsRune(b, 0) {
			return // PostgreSQL text holds valid UTF-8 without NUL: not an input
		}
		bld := array.NewListBuilder(memory.NewGoAllocator(), arrow.BinaryTypes.String)
		defer bld.Release()
		vb := bld.ValueBuilder().(*array.StringBuilder)
		bld.Append(true)
		vb.Append(a)
		vb.AppendNull()
		vb.Append(b)
		arr := bld.NewArray()
		defer arr.Release()

		text, typ := encodeOne(t, arr, pgtypes.TextFormat, pgtypes.Options{})
		var got []pgtype.Text
		if err := pgtype.NewMap().Scan(typ.OID, int16(pgtypes.TextFormat), text, &got); err != nil {
			t.Fatalf("pgx cannot parse %q: %v", text, err)
		}
		want := []pgtype.Text{{String: a, Valid: true}, {}, {String: b, Valid: true}}
		if len(got) != len(want) {
			t.Fatalf("%q parsed as %d elements %v", text, len(got), got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%q element %d: got %+v, want %+v", text, i, got[i], want[i])
			}
		}
	})
}

// FuzzFloatText: the float8 and float4 text forms read back as the same
// float, and use exponent notation exactly where PostgreSQL does. (That the
// digits are PostgreSQL's own is pinned by the golden cases.)
func FuzzFloatText(f *testing.F) {
	for _, v := range []float64{0, 1, -1, 0.1, 1e15, 1e14, 999999999999999.9, 1e-4, 1e-5, 9.99999e-5, math.MaxFloat64, math.SmallestNonzeroFloat64, 123.456} {
		f.Add(math.Float64bits(v))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		v := math.Float64frombits(bits)
		if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 {
			return // special values are golden cases, not fuzz inputs
		}
		mem := memory.NewGoAllocator()
		b8 := array.NewFloat64Builder(mem)
		defer b8.Release()
		b8.Append(v)
		a8 := b8.NewArray()
		defer a8.Release()
		text, _ := encodeOne(t, a8, pgtypes.TextFormat, pgtypes.Options{})
		back, err := strconv.ParseFloat(string(text), 64)
		if err != nil || math.Float64bits(back) != bits {
			t.Fatalf("float8 %v printed as %q, reads back as %v (%v)", v, text, back, err)
		}
		if exp, sci := decimalExponent(string(text)); sci != (exp < -4 || exp >= 15) {
			t.Fatalf("float8 %v printed as %q: decimal exponent %d in the wrong notation", v, text, exp)
		}

		v32 := float32(v)
		if math.IsInf(float64(v32), 0) || v32 == 0 {
			return
		}
		b4 := array.NewFloat32Builder(mem)
		defer b4.Release()
		b4.Append(v32)
		a4 := b4.NewArray()
		defer a4.Release()
		text, _ = encodeOne(t, a4, pgtypes.TextFormat, pgtypes.Options{})
		back, err = strconv.ParseFloat(string(text), 32)
		if err != nil || float32(back) != v32 {
			t.Fatalf("float4 %v printed as %q, reads back as %v (%v)", v32, text, back, err)
		}
		if exp, sci := decimalExponent(string(text)); sci != (exp < -4 || exp >= 6) {
			t.Fatalf("float4 %v printed as %q: decimal exponent %d in the wrong notation", v32, text, exp)
		}
	})
}

// decimalExponent returns the decimal exponent of a printed float and
// whether it was printed in scientific notation.
func decimalExponent(s string) (exp int, sci bool) {
	s = strings.TrimPrefix(s, "-")
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		exp, _ = strconv.Atoi(s[i+1:])
		return exp, true
	}
	if rest, ok := strings.CutPrefix(s, "0."); ok {
		return -(len(rest) - len(strings.TrimLeft(rest, "0")) + 1), false
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return i - 1, false
	}
	return len(s) - 1, false
}

// FuzzNumericDecimal128: text is the exact decimal, and pgx reads the binary
// form as the same number as the text form.
func FuzzNumericDecimal128(f *testing.F) {
	f.Add(int64(0), uint64(12345), int8(2))
	f.Add(int64(-1), uint64(0), int8(0))
	f.Add(int64(math.MaxInt64), uint64(math.MaxUint64), int8(38))
	f.Add(int64(math.MinInt64), uint64(0), int8(10))
	f.Add(int64(0), uint64(10000), int8(-3))
	f.Fuzz(func(t *testing.T, hi int64, lo uint64, scale int8) {
		s := int32(scale) % 39
		dt := &arrow.Decimal128Type{Precision: 38, Scale: s}
		n := decimal128.New(hi, lo)
		bld := array.NewDecimal128Builder(memory.NewGoAllocator(), dt)
		defer bld.Release()
		bld.Append(n)
		arr := bld.NewArray()
		defer arr.Release()

		text, typ := encodeOne(t, arr, pgtypes.TextFormat, pgtypes.Options{})
		bin, _ := encodeOne(t, arr, pgtypes.BinaryFormat, pgtypes.Options{})
		want := new(big.Rat).SetInt(n.BigInt())
		p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(absInt(s))), nil))
		if s >= 0 {
			want.Quo(want, p)
		} else {
			want.Mul(want, p)
		}
		got, ok := new(big.Rat).SetString(string(text))
		if !ok || got.Cmp(want) != 0 {
			t.Fatalf("%s scale %d printed as %q", n.BigInt(), s, text)
		}
		if s > 0 {
			if i := strings.IndexByte(string(text), '.'); i < 0 || len(text)-i-1 != int(s) {
				t.Fatalf("%q must show exactly %d fraction digits", text, s)
			}
		}
		m := pgtype.NewMap()
		if a, b := decode(t, m, typ.OID, pgtypes.TextFormat, text), decode(t, m, typ.OID, pgtypes.BinaryFormat, bin); !sameValue(a, b) {
			t.Fatalf("%q: pgx reads text as %v, binary %x as %v", text, a, bin, b)
		}
	})
}

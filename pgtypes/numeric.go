package pgtypes

import (
	"fmt"
	"math/bits"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/decimal"
)

// PostgreSQL's numeric limits (utils/numeric.h) and wire constants.
const (
	numericMaxPrecision = 1000
	numericMaxScale     = 1000
	numericMinScale     = -1000
	numericPos          = 0x0000
	numericNeg          = 0x4000
)

// numericTypmod is atttypmod for numeric(precision, scale), -1 when
// PostgreSQL has no such declaration.
func numericTypmod(precision, scale int32) int32 {
	if precision < 1 || precision > numericMaxPrecision || scale < 0 || scale > precision {
		return -1
	}
	return (precision<<16 | scale) + 4 // + VARHDRSZ
}

// appendMagnitude appends the decimal digits of an unsigned integer given as
// little-endian 64-bit words (at most four), without leading zeros.
func appendMagnitude(b []byte, words []uint64) []byte {
	const chunk = 1_000_000_000_000_000_000 // 10^18, so a chunk fits int64
	var ws [4]uint64
	n := copy(ws[:], words)
	var chunks [5]uint64 // 2^256 < 10^78: five 18-digit chunks
	nc := 0
	for {
		for n > 0 && ws[n-1] == 0 {
			n--
		}
		if n == 0 {
			break
		}
		var r uint64
		for i := n - 1; i >= 0; i-- {
			ws[i], r = bits.Div64(r, ws[i], chunk)
		}
		chunks[nc] = r
		nc++
	}
	if nc == 0 {
		return append(b, '0')
	}
	b = strconv.AppendUint(b, chunks[nc-1], 10)
	for i := nc - 2; i >= 0; i-- {
		b = appendZeroPad(b, int64(chunks[i]), 18)
	}
	return b
}

// negateWords negates a two's-complement integer in place.
func negateWords(ws []uint64) {
	carry := uint64(1)
	for i := range ws {
		ws[i], carry = bits.Add64(^ws[i], 0, carry)
	}
}

// appendNumericText appends digits (no sign, no leading zeros) scaled by
// 10^-scale as numeric_out prints it: exactly scale fraction digits.
func appendNumericText(b []byte, neg bool, digits []byte, scale int32) []byte {
	if neg {
		b = append(b, '-')
	}
	n := int32(len(digits))
	switch {
	case scale <= 0:
		b = append(b, digits...)
		if !(n == 1 && digits[0] == '0') {
			for ; scale < 0; scale++ {
				b = append(b, '0')
			}
		}
	case n <= scale:
		b = append(b, '0', '.')
		for k := n; k < scale; k++ {
			b = append(b, '0')
		}
		b = append(b, digits...)
	default:
		b = append(b, digits[:n-scale]...)
		b = append(b, '.')
		b = append(b, digits[n-scale:]...)
	}
	return b
}

var pow10 = [4]int16{1, 10, 100, 1000}

// appendNumericBinary appends numeric_send's format for digits scaled by
// 10^-scale: ndigits, weight, sign, dscale (int16 each), then ndigits
// base-10000 digits, with leading and trailing zero digits stripped as
// PostgreSQL stores them. A negative scale is a positive power of ten.
func appendNumericBinary(w *writer, neg bool, digits []byte, scale int32) {
	n := len(digits)
	dscale := max(scale, 0)
	intLen := n - int(scale) // digits before the point; may be <= 0
	first := int(floorDiv(int64(intLen-1), 4))
	last := int(floorDiv(int64(intLen-n), 4))
	var groups [24]int16 // 78 digits span at most 21 groups
	for k, c := range digits {
		p := intLen - 1 - k
		g := int(floorDiv(int64(p), 4))
		groups[first-g] += int16(c-'0') * pow10[p-4*g]
	}
	lo, hi := 0, first-last+1
	for lo < hi && groups[lo] == 0 {
		lo++
	}
	for hi > lo && groups[hi-1] == 0 {
		hi--
	}
	weight, sign := first-lo, uint16(numericPos)
	if lo == hi {
		weight = 0
	} else if neg {
		sign = numericNeg
	}
	w.int16(int16(hi - lo))
	w.int16(int16(weight))
	w.int16(int16(sign))
	w.int16(int16(dscale))
	for _, g := range groups[lo:hi] {
		w.int16(g)
	}
}

// decimalCodec sends an Arrow decimal as numeric. magnitude writes a value's
// absolute digits into the given buffer and reports its sign.
func decimalCodec[T any](precision, scale int32, magnitude func(b []byte, v T) ([]byte, bool)) (codec, error) {
	if scale < numericMinScale || scale > numericMaxScale {
		return nil, fmt.Errorf("pgtypes: decimal scale %d is outside PostgreSQL's numeric range [%d, %d]",
			scale, numericMinScale, numericMaxScale)
	}
	typ := mustType(NumericOID)
	typ.Modifier = numericTypmod(precision, scale)
	text := func(w *writer, v T) {
		var d [80]byte
		digits, neg := magnitude(d[:0], v)
		w.buf = appendNumericText(w.buf, neg, digits, scale)
	}
	return &scalar[T]{
		typ:     typ,
		isPlain: true,
		text:    text,
		binary: func(w *writer, v T) {
			var d [80]byte
			digits, neg := magnitude(d[:0], v)
			appendNumericBinary(w, neg, digits, scale)
		},
		json: text,
	}, nil
}

func decimal32Codec(precision, scale int32) (codec, error) {
	return decimalCodec(precision, scale, func(b []byte, v decimal.Decimal32) ([]byte, bool) {
		m := int64(v)
		return appendMagnitude(b, []uint64{uint64(absInt64(m))}), m < 0
	})
}

func decimal64Codec(precision, scale int32) (codec, error) {
	return decimalCodec(precision, scale, func(b []byte, v decimal.Decimal64) ([]byte, bool) {
		ws := [1]uint64{uint64(v)}
		neg := v < 0
		if neg {
			negateWords(ws[:])
		}
		return appendMagnitude(b, ws[:]), neg
	})
}

func decimal128Codec(precision, scale int32) (codec, error) {
	return decimalCodec(precision, scale, func(b []byte, v decimal.Decimal128) ([]byte, bool) {
		ws := [2]uint64{v.LowBits(), uint64(v.HighBits())}
		neg := v.HighBits() < 0
		if neg {
			negateWords(ws[:])
		}
		return appendMagnitude(b, ws[:]), neg
	})
}

func decimal256Codec(precision, scale int32) (codec, error) {
	return decimalCodec(precision, scale, func(b []byte, v decimal.Decimal256) ([]byte, bool) {
		ws := v.Array()
		neg := int64(ws[3]) < 0
		if neg {
			negateWords(ws[:])
		}
		return appendMagnitude(b, ws[:]), neg
	})
}

// uint64Codec sends uint64, which no Postgres integer holds, as numeric.
func uint64Codec() codec {
	text := func(w *writer, v uint64) { w.buf = strconv.AppendUint(w.buf, v, 10) }
	return &scalar[uint64]{
		typ:     mustType(NumericOID),
		isPlain: true,
		text:    text,
		binary: func(w *writer, v uint64) {
			var d [20]byte
			appendNumericBinary(w, false, strconv.AppendUint(d[:0], v, 10), 0)
		},
		json: text,
	}
}

package pgtypes

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow/float16"
)

// appendFloat appends f as float8out (bitSize 64) or float4out (bitSize 32)
// print it with PostgreSQL's default extra_float_digits = 1: the shortest
// digits that read back to the same value, chosen exactly as PostgreSQL's
// Ryū does (see ryu.go), in fixed notation when the decimal exponent is in
// [-4, 15) for float8 or [-4, 6) for float4, else as d.ddde±XX; "NaN",
// "Infinity", "-Infinity", and "-0" for negative zero.
func appendFloat(b []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0"...)
		}
		return append(b, '0')
	}
	if math.Signbit(f) {
		b = append(b, '-')
	}
	if bitSize == 32 {
		u := math.Float32bits(float32(f))
		digits, e10 := shortestFloat(u&(1<<fltMantissaBits-1), int(u>>fltMantissaBits&0xff))
		return appendShortest(b, uint64(digits), e10, 6) // FLT_DIG
	}
	u := math.Float64bits(f)
	digits, e10 := shortestDouble(u&(1<<dblMantissaBits-1), int(u>>dblMantissaBits&0x7ff))
	return appendShortest(b, digits, e10, 15) // DBL_DIG
}

// appendJSONFloat appends a float the way to_json does: its text output when
// that is a JSON number, else that text as a JSON string ("NaN", "Infinity").
func appendJSONFloat(b []byte, f float64, bitSize int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		b = append(b, '"')
		b = appendFloat(b, f, bitSize)
		return append(b, '"')
	}
	return appendFloat(b, f, bitSize)
}

// float64Bits and float32Bits are the IEEE 754 bits float8send and
// float4send put on the wire, with every NaN sent as the one NaN PostgreSQL
// itself produces (the quiet NaN with an empty payload).
func float64Bits(v float64) uint64 {
	if v != v {
		return 0x7ff8_0000_0000_0000
	}
	return math.Float64bits(v)
}

func float32Bits(v float32) uint32 {
	if v != v {
		return 0x7fc0_0000
	}
	return math.Float32bits(v)
}

func float64Codec() codec {
	return &scalar[float64]{
		typ:     mustType(Float8OID),
		isPlain: true,
		text:    func(w *writer, v float64) { w.buf = appendFloat(w.buf, v, 64) },
		binary:  func(w *writer, v float64) { w.int64(int64(float64Bits(v))) },
		json:    func(w *writer, v float64) { w.buf = appendJSONFloat(w.buf, v, 64) },
	}
}

func float32Codec() codec {
	return &scalar[float32]{
		typ:     mustType(Float4OID),
		isPlain: true,
		text:    func(w *writer, v float32) { w.buf = appendFloat(w.buf, float64(v), 32) },
		binary:  func(w *writer, v float32) { w.int32(int32(float32Bits(v))) },
		json:    func(w *writer, v float32) { w.buf = appendJSONFloat(w.buf, float64(v), 32) },
	}
}

// float16Codec widens half floats to float4, exactly.
func float16Codec() codec {
	return &scalar[float16.Num]{
		typ:     mustType(Float4OID),
		isPlain: true,
		text:    func(w *writer, v float16.Num) { w.buf = appendFloat(w.buf, float64(v.Float32()), 32) },
		binary:  func(w *writer, v float16.Num) { w.int32(int32(float32Bits(v.Float32()))) },
		json:    func(w *writer, v float16.Num) { w.buf = appendJSONFloat(w.buf, float64(v.Float32()), 32) },
	}
}

// AppendFloatText appends f as PostgreSQL's float8out (bitSize 64) or
// float4out (bitSize 32) prints it: what a float8 column sends as text, for
// the engine's own float-to-text casts (`::text`, concatenation).
func AppendFloatText(b []byte, f float64, bitSize int) []byte { return appendFloat(b, f, bitSize) }

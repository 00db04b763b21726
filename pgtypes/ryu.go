package pgtypes

import (
	"math/big"
	"math/bits"
)

// PostgreSQL (12 and later) prints float4 and float8 with its copy of Ryū
// (src/common/f2s.c, d2s.c) built with STRICTLY_SHORTEST 0: the shortest
// digits strictly inside the rounding interval of the value, never a
// decimal lying exactly on the boundary with a neighbouring float, even
// where round-half-even would read it back correctly. Go's strconv accepts
// those boundaries, so for some values (7.745193099678861e+16, 7.6465216e+07)
// it prints one digit fewer than PostgreSQL. This file is a Go rendering of
// PostgreSQL's algorithm so that the digits match exactly.

const (
	dblMantissaBits    = 52
	dblBias            = 1023
	dblPow5InvBitcount = 122
	dblPow5Bitcount    = 121

	fltMantissaBits    = 23
	fltBias            = 127
	fltPow5InvBitcount = 59
	fltPow5Bitcount    = 61
)

// The multiplier tables of Ryū, computed rather than transcribed: entry i of
// a split table holds the top bits of 5^i, entry q of an inverse table
// floor(2^(bitlen(5^q)-1+bitcount) / 5^q) + 1.
var (
	dblPow5InvSplit [292][2]uint64 // little-endian 128-bit words
	dblPow5Split    [326][2]uint64
	fltPow5InvSplit [31]uint64
	fltPow5Split    [47]uint64
)

func init() {
	pow := big.NewInt(1)
	five := big.NewInt(5)
	one := big.NewInt(1)
	words := func(x *big.Int) [2]uint64 {
		lo := new(big.Int).And(x, new(big.Int).SetUint64(^uint64(0)))
		hi := new(big.Int).Rsh(x, 64)
		return [2]uint64{lo.Uint64(), hi.Uint64()}
	}
	top := func(bitcount int) *big.Int { // 5^i scaled to bitcount bits
		if s := pow.BitLen() - bitcount; s >= 0 {
			return new(big.Int).Rsh(pow, uint(s))
		} else {
			return new(big.Int).Lsh(pow, uint(-s))
		}
	}
	inverse := func(bitcount int) *big.Int {
		x := new(big.Int).Lsh(one, uint(pow.BitLen()-1+bitcount))
		return x.Div(x, pow).Add(x, one)
	}
	for i := range dblPow5Split {
		if i > 0 {
			pow.Mul(pow, five)
		}
		dblPow5Split[i] = words(top(dblPow5Bitcount))
		if i < len(dblPow5InvSplit) {
			dblPow5InvSplit[i] = words(inverse(dblPow5InvBitcount))
		}
		if i < len(fltPow5Split) {
			fltPow5Split[i] = top(fltPow5Bitcount).Uint64()
		}
		if i < len(fltPow5InvSplit) {
			fltPow5InvSplit[i] = inverse(fltPow5InvBitcount).Uint64()
		}
	}
}

// pow5bits is ceil(log2(5^e)), 1 for e = 0.
func pow5bits(e int) int { return int((uint32(e)*1217359)>>19) + 1 }

// log10Pow2 is floor(log10(2^e)).
func log10Pow2(e int) int { return int((uint32(e) * 78913) >> 18) }

// log10Pow5 is floor(log10(5^e)).
func log10Pow5(e int) int { return int((uint32(e) * 732923) >> 20) }

func pow5Factor(v uint64) int {
	n := 0
	for v%5 == 0 {
		v /= 5
		n++
	}
	return n
}

func multipleOfPowerOf5(v uint64, p int) bool { return pow5Factor(v) >= p }
func multipleOfPowerOf2(v uint64, p int) bool { return v&(1<<uint(p)-1) == 0 }

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// mulShift64 is (m * mul) >> j for a 128-bit mul and j > 64.
func mulShift64(m uint64, mul [2]uint64, j int) uint64 {
	hi0, _ := bits.Mul64(m, mul[0])
	hi1, lo1 := bits.Mul64(m, mul[1])
	lo, carry := bits.Add64(lo1, hi0, 0)
	hi := hi1 + carry
	s := uint(j - 64)
	return lo>>s | hi<<(64-s)
}

// shortestDouble returns the decimal digits and exponent float8out prints
// for a finite, non-zero |f| given by its IEEE fields (d2d, with the small
// integer fast path).
func shortestDouble(ieeeMantissa uint64, ieeeExponent int) (output uint64, e10 int) {
	// Integers in [1, 2^53) are their own shortest digits.
	if e2 := ieeeExponent - dblBias - dblMantissaBits; e2 >= -dblMantissaBits && e2 <= 0 {
		if ieeeMantissa&(1<<uint(-e2)-1) == 0 {
			return (1<<dblMantissaBits | ieeeMantissa) >> uint(-e2), 0
		}
	}

	var e2 int
	var m2 uint64
	if ieeeExponent == 0 {
		e2 = 1 - dblBias - dblMantissaBits - 2
		m2 = ieeeMantissa
	} else {
		e2 = ieeeExponent - dblBias - dblMantissaBits - 2
		m2 = 1<<dblMantissaBits | ieeeMantissa
	}
	mv := 4 * m2
	mmShift := b2u(ieeeMantissa != 0 || ieeeExponent <= 1)

	var vr, vp, vm uint64
	var vrIsTrailingZeros bool
	if e2 >= 0 {
		q := log10Pow2(e2) - int(b2u(e2 > 3))
		e10 = q
		k := dblPow5InvBitcount + pow5bits(q) - 1
		i := -e2 + q + k
		vr = mulShift64(4*m2, dblPow5InvSplit[q], i)
		vp = mulShift64(4*m2+2, dblPow5InvSplit[q], i)
		vm = mulShift64(4*m2-1-mmShift, dblPow5InvSplit[q], i)
		if q <= 21 {
			if mv%5 == 0 {
				vrIsTrailingZeros = multipleOfPowerOf5(mv, q)
			} else {
				// The upper bound is excluded when exact.
				vp -= b2u(multipleOfPowerOf5(mv+2, q))
			}
		}
	} else {
		q := log10Pow5(-e2) - int(b2u(-e2 > 1))
		e10 = q + e2
		i := -e2 - q
		k := pow5bits(i) - dblPow5Bitcount
		j := q - k
		vr = mulShift64(4*m2, dblPow5Split[i], j)
		vp = mulShift64(4*m2+2, dblPow5Split[i], j)
		vm = mulShift64(4*m2-1-mmShift, dblPow5Split[i], j)
		if q <= 1 {
			vrIsTrailingZeros = true
			vp-- // mp = mv + 2 always has a trailing 0 bit: exclude it
		} else if q < 63 {
			vrIsTrailingZeros = multipleOfPowerOf2(mv, q-1)
		}
	}

	removed := 0
	if vrIsTrailingZeros {
		var last uint64
		for vp/10 > vm/10 {
			vrIsTrailingZeros = vrIsTrailingZeros && last == 0
			last = vr % 10
			vr, vp, vm = vr/10, vp/10, vm/10
			removed++
		}
		if vrIsTrailingZeros && last == 5 && vr%2 == 0 {
			last = 4 // round half to even when the exact value is ...50...0
		}
		output = vr + b2u(vr == vm || last >= 5)
	} else {
		roundUp := false
		if vp/100 > vm/100 {
			roundUp = vr%100 >= 50
			vr, vp, vm = vr/100, vp/100, vm/100
			removed += 2
		}
		for vp/10 > vm/10 {
			roundUp = vr%10 >= 5
			vr, vp, vm = vr/10, vp/10, vm/10
			removed++
		}
		output = vr + b2u(vr == vm || roundUp)
	}
	return output, e10 + removed
}

// mulShift32 is (m * factor) >> shift for shift > 32.
func mulShift32(m uint32, factor uint64, shift int) uint32 {
	bits0 := uint64(m) * uint64(uint32(factor))
	bits1 := uint64(m) * (factor >> 32)
	return uint32((bits0>>32 + bits1) >> uint(shift-32))
}

// shortestFloat is shortestDouble for float4out (f2d).
func shortestFloat(ieeeMantissa uint32, ieeeExponent int) (output uint32, e10 int) {
	if e2 := ieeeExponent - fltBias - fltMantissaBits; e2 >= -fltMantissaBits && e2 <= 0 {
		if ieeeMantissa&(1<<uint(-e2)-1) == 0 {
			return (1<<fltMantissaBits | ieeeMantissa) >> uint(-e2), 0
		}
	}

	var e2 int
	var m2 uint32
	if ieeeExponent == 0 {
		e2 = 1 - fltBias - fltMantissaBits - 2
		m2 = ieeeMantissa
	} else {
		e2 = ieeeExponent - fltBias - fltMantissaBits - 2
		m2 = 1<<fltMantissaBits | ieeeMantissa
	}
	mv, mp := 4*m2, 4*m2+2
	mmShift := uint32(b2u(ieeeMantissa != 0 || ieeeExponent <= 1))
	mm := 4*m2 - 1 - mmShift

	var vr, vp, vm uint32
	var vrIsTrailingZeros bool
	var last uint32
	if e2 >= 0 {
		q := log10Pow2(e2)
		e10 = q
		k := fltPow5InvBitcount + pow5bits(q) - 1
		i := -e2 + q + k
		vr = mulShift32(mv, fltPow5InvSplit[q], i)
		vp = mulShift32(mp, fltPow5InvSplit[q], i)
		vm = mulShift32(mm, fltPow5InvSplit[q], i)
		if q != 0 && (vp-1)/10 <= vm/10 {
			// One removed digit is needed even when the loop below
			// removes none.
			l := fltPow5InvBitcount + pow5bits(q-1) - 1
			last = mulShift32(mv, fltPow5InvSplit[q-1], -e2+q-1+l) % 10
		}
		if q <= 9 {
			if mv%5 == 0 {
				vrIsTrailingZeros = multipleOfPowerOf5(uint64(mv), q)
			} else {
				vp -= uint32(b2u(multipleOfPowerOf5(uint64(mp), q)))
			}
		}
	} else {
		q := log10Pow5(-e2)
		e10 = q + e2
		i := -e2 - q
		k := pow5bits(i) - fltPow5Bitcount
		j := q - k
		vr = mulShift32(mv, fltPow5Split[i], j)
		vp = mulShift32(mp, fltPow5Split[i], j)
		vm = mulShift32(mm, fltPow5Split[i], j)
		if q != 0 && (vp-1)/10 <= vm/10 {
			j = q - 1 - (pow5bits(i+1) - fltPow5Bitcount)
			last = mulShift32(mv, fltPow5Split[i+1], j) % 10
		}
		if q <= 1 {
			vrIsTrailingZeros = true
			vp--
		} else if q < 31 {
			vrIsTrailingZeros = multipleOfPowerOf2(uint64(mv), q-1)
		}
	}

	removed := 0
	if vrIsTrailingZeros {
		for vp/10 > vm/10 {
			vrIsTrailingZeros = vrIsTrailingZeros && last == 0
			last = vr % 10
			vr, vp, vm = vr/10, vp/10, vm/10
			removed++
		}
		if vrIsTrailingZeros && last == 5 && vr%2 == 0 {
			last = 4
		}
	} else {
		for vp/10 > vm/10 {
			last = vr % 10
			vr, vp, vm = vr/10, vp/10, vm/10
			removed++
		}
	}
	return vr + uint32(b2u(vr == vm || last >= 5)), e10 + removed
}

// appendShortest appends digits × 10^e10 the way Ryū's to_chars lays it
// out: fixed notation when the decimal exponent is in [-4, fixedMax), else
// d.ddde±XX (at least two exponent digits).
func appendShortest(b []byte, digits uint64, e10, fixedMax int) []byte {
	var tmp [20]byte
	n := len(tmp)
	for v := digits; ; {
		n--
		tmp[n] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	d := tmp[n:]
	exp := e10 + len(d) - 1
	if exp >= -4 && exp < fixedMax {
		switch nexp := e10 + len(d); {
		case nexp <= 0:
			b = append(b, '0', '.')
			for ; nexp < 0; nexp++ {
				b = append(b, '0')
			}
			return append(b, d...)
		case e10 < 0:
			b = append(b, d[:nexp]...)
			b = append(b, '.')
			return append(b, d[nexp:]...)
		default:
			b = append(b, d...)
			for k := 0; k < e10; k++ {
				b = append(b, '0')
			}
			return b
		}
	}
	if e10 == 0 {
		// Only the small-integer path yields exponent 0 with trailing
		// zeros; scientific notation drops them.
		for len(d) > 1 && d[len(d)-1] == '0' {
			d = d[:len(d)-1]
		}
	}
	b = append(b, d[0])
	if len(d) > 1 {
		b = append(b, '.')
		b = append(b, d[1:]...)
	}
	b = append(b, 'e')
	if exp < 0 {
		b = append(b, '-')
		exp = -exp
	} else {
		b = append(b, '+')
	}
	if exp >= 100 {
		return appendZeroPad(b, int64(exp), 3)
	}
	return appendZeroPad(b, int64(exp), 2)
}

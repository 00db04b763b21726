package attrarrow

import (
	"math"
	"strconv"
)

// number is the syntactic analysis of a DynamoDB number string (an N value or
// an NS element). DynamoDB numbers are decimal with up to 38 significant
// digits; nothing here allocates.
type number struct {
	ok     bool // [+-]? digits [. digits] [(e|E) [+-] digits], at least one mantissa digit
	json   bool // also a valid JSON number (no '+', no leading zeros, no bare '.')
	neg    bool
	intg   string // digits before the point
	frac   string // digits after the point
	expTxt string // exponent as written after 'e'/'E' (with sign), "" if none
	exp    int    // exponent, clamped to ±1e6
	lead   int    // index of the first non-zero mantissa digit (over intg+frac)
	sig    int    // significant digits: mantissa without leading/trailing zeros
	tz     int    // trailing zeros of the mantissa
}

const expClamp = 1_000_000

func parseNumber(s string) number {
	var n number
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		n.neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	n.intg = s[start:i]
	hasPoint := false
	if i < len(s) && s[i] == '.' {
		hasPoint = true
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		n.frac = s[fs:i]
	}
	if len(n.intg)+len(n.frac) == 0 {
		return number{}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		es := i
		neg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			neg = s[i] == '-'
			i++
		}
		ds := i
		e := 0
		for i < len(s) && isDigit(s[i]) {
			if e < expClamp {
				e = e*10 + int(s[i]-'0')
			}
			i++
		}
		if i == ds {
			return number{}
		}
		if e > expClamp {
			e = expClamp
		}
		if neg {
			e = -e
		}
		n.exp = e
		n.expTxt = s[es:i]
	}
	if i != len(s) {
		return number{}
	}
	n.ok = true
	n.json = s[0] != '+' && len(n.intg) > 0 && (len(n.intg) == 1 || n.intg[0] != '0') &&
		(!hasPoint || len(n.frac) > 0)
	total := len(n.intg) + len(n.frac)
	n.lead = total
	for k := 0; k < total; k++ {
		if n.digit(k) != 0 {
			n.lead = k
			break
		}
	}
	if n.lead < total {
		for k := total - 1; k >= n.lead && n.digit(k) == 0; k-- {
			n.tz++
		}
		n.sig = total - n.lead - n.tz
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digit returns mantissa digit k, counting over intg then frac.
func (n *number) digit(k int) int {
	if k < len(n.intg) {
		return int(n.intg[k] - '0')
	}
	return int(n.frac[k-len(n.intg)] - '0')
}

// magnitude is the decimal exponent of the most significant digit: the value
// is d.ddd × 10^magnitude. Meaningless for zero.
func (n *number) magnitude() int { return len(n.intg) - 1 - n.lead + n.exp }

// int64 returns the value when it is an integer that fits int64.
// integral reports whether the value is a whole number at all.
func (n *number) int64() (v int64, integral, fits bool) {
	if n.sig == 0 {
		return 0, true, true
	}
	total := len(n.intg) + len(n.frac)
	scale := n.exp - len(n.frac) + n.tz
	if scale < 0 {
		return 0, false, false
	}
	if n.sig+scale > 19 {
		return 0, true, false
	}
	var u uint64
	for k := n.lead; k < total-n.tz; k++ {
		u = u*10 + uint64(n.digit(k))
	}
	for range scale {
		if u > math.MaxUint64/10 {
			return 0, true, false
		}
		u *= 10
	}
	if n.neg {
		if u > 1<<63 {
			return 0, true, false
		}
		return int64(-u), true, true // -(1<<63) wraps to MinInt64 exactly
	}
	if u > math.MaxInt64 {
		return 0, true, false
	}
	return int64(u), true, true
}

// parseInt64 is the fast path for Int64 columns.
func parseInt64(s string) (v int64, integral, fits, ok bool) {
	if x, err := strconv.ParseInt(s, 10, 64); err == nil {
		return x, true, true, true
	}
	n := parseNumber(s)
	if !n.ok {
		return 0, false, false, false
	}
	v, integral, fits = n.int64()
	return v, integral, fits, true
}

// isInt64 reports whether s is a valid number that is integral and fits int64.
func isInt64(s string) bool {
	_, _, fits, ok := parseInt64(s)
	return ok && fits
}

// floatResult classifies a conversion of a number string to float64.
type floatResult uint8

const (
	floatExact  floatResult = iota // the float64 reproduces the decimal (shortest form)
	floatLossy                     // stored as the nearest float64, digits lost
	floatRange                     // beyond float64's range
	floatSyntax                    // not a number
)

// parseFloat converts a number string to float64 and reports precision loss:
// a value is exact when formatting the float64 in its shortest form gives back
// the same decimal value ("0.1" is exact; 38 significant digits are not).
func parseFloat(s string, scratch []byte) (float64, floatResult) {
	n := parseNumber(s)
	if !n.ok {
		return 0, floatSyntax
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if math.IsInf(f, 0) {
			return 0, floatRange
		}
		// Underflow: ParseFloat returns the nearest value (0 or a subnormal).
		return f, floatLossy
	}
	if n.sig == 0 {
		return f, floatExact
	}
	mag := n.magnitude()
	if n.sig <= 15 && mag > -300 && mag < 300 {
		return f, floatExact
	}
	// Compare the shortest decimal form of f with the input's digits.
	out := strconv.AppendFloat(scratch[:0], math.Abs(f), 'e', -1, 64)
	// out is "d[.ddd]e±XX".
	e := 0
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] == 'e' {
			v, err := strconv.Atoi(string(out[i+1:]))
			if err != nil {
				return f, floatLossy
			}
			e = v
			out = out[:i]
			break
		}
	}
	if e != mag {
		return f, floatLossy
	}
	k := n.lead
	end := len(n.intg) + len(n.frac) - n.tz
	for _, c := range out {
		if c == '.' {
			continue
		}
		if k >= end || int(c-'0') != n.digit(k) {
			return f, floatLossy
		}
		k++
	}
	if k != end {
		return f, floatLossy
	}
	return f, floatExact
}

// appendJSONNumber appends s as a JSON number: verbatim when it already is
// one, normalised ("+1" → 1, ".5" → 0.5, "01" → 1) when it is a decimal JSON
// does not accept, and as a JSON string when it is not a number at all.
func appendJSONNumber(dst []byte, s string) []byte {
	n := parseNumber(s)
	if n.ok && n.json {
		return append(dst, s...)
	}
	if !n.ok {
		return appendJSONString(dst, s)
	}
	if n.neg {
		dst = append(dst, '-')
	}
	intg := n.intg
	for len(intg) > 1 && intg[0] == '0' {
		intg = intg[1:]
	}
	if intg == "" {
		intg = "0"
	}
	dst = append(dst, intg...)
	if n.frac != "" {
		dst = append(dst, '.')
		dst = append(dst, n.frac...)
	}
	if n.expTxt != "" {
		dst = append(dst, 'e')
		dst = append(dst, n.expTxt...)
	}
	return dst
}

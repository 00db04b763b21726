package engine

import (
	"fmt"
	"math/big"
	"strings"
)

// PostgreSQL's numeric division, for the planner's exact quotients
// (numeric / numeric, avg of integers): numeric_div's result scale
// (select_div_scale) and its rounding, half away from zero.

// pgNumeric is a decimal value as PostgreSQL's NumericVar sees it.
type pgNumeric struct {
	value *big.Rat
	// dscale is the digits after the decimal point in its text.
	dscale int
	// weight and first are the exponent and value of its first non-zero
	// base-10000 digit (0 and 0 for zero).
	weight int
	first  int64
}

// parseNumeric reads a decimal's text (as the engine prints integers and
// decimals: no exponent).
func parseNumeric(s string) (pgNumeric, error) {
	s = strings.TrimSpace(s)
	r, ok := new(big.Rat).SetString(s)
	if !ok || strings.ContainsAny(s, "eE/") {
		return pgNumeric{}, fmt.Errorf("invalid input syntax for type numeric: %q", s)
	}
	n := pgNumeric{value: r}
	digits := strings.TrimLeft(s, "+-")
	intPart, frac, _ := strings.Cut(digits, ".")
	n.dscale = len(frac)
	intPart = strings.TrimLeft(intPart, "0")
	switch {
	case intPart != "":
		// Base-10000 groups count from the decimal point.
		lead := len(intPart) % 4
		if lead == 0 {
			lead = 4
		}
		n.weight = (len(intPart) - 1) / 4
		fmt.Sscan(intPart[:lead], &n.first)
	case strings.Trim(frac, "0") != "":
		for len(frac)%4 != 0 {
			frac += "0"
		}
		for i := 0; i < len(frac); i += 4 {
			var d int64
			fmt.Sscan(frac[i:i+4], &d)
			if d != 0 {
				n.weight, n.first = -(i/4 + 1), d
				break
			}
		}
	}
	return n, nil
}

// divScale is select_div_scale: 16 significant digits at least, and no
// fewer decimals than either input has.
func divScale(a, b pgNumeric) int {
	qweight := a.weight - b.weight
	if a.first <= b.first {
		qweight--
	}
	scale := 16 - qweight*4
	scale = max(scale, a.dscale, b.dscale, 0)
	return min(scale, 1000)
}

// numericDivide divides a by b as PostgreSQL's numeric division does, at
// most at maxScale decimals, and returns the quotient's text.
func numericDivide(a, b string, maxScale int) (string, error) {
	x, err := parseNumeric(a)
	if err != nil {
		return "", err
	}
	y, err := parseNumeric(b)
	if err != nil {
		return "", err
	}
	if y.value.Sign() == 0 {
		return "", errDivisionByZero
	}
	scale := min(divScale(x, y), maxScale)
	q := new(big.Rat).Quo(x.value, y.value)
	return roundRat(q, scale), nil
}

// roundRat prints r rounded to scale decimals, half away from zero.
func roundRat(r *big.Rat, scale int) string {
	neg := r.Sign() < 0
	abs := new(big.Rat).Abs(r)
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)
	scaled := new(big.Rat).Mul(abs, new(big.Rat).SetInt(pow))
	// floor(scaled + 1/2)
	scaled.Add(scaled, big.NewRat(1, 2))
	units := new(big.Int).Quo(scaled.Num(), scaled.Denom())
	text := units.String()
	if scale > 0 {
		if len(text) <= scale {
			text = strings.Repeat("0", scale-len(text)+1) + text
		}
		text = text[:len(text)-scale] + "." + text[len(text)-scale:]
	}
	if neg && units.Sign() != 0 {
		text = "-" + text
	}
	return text
}

// numericVariance is numeric_stddev_internal: the variance (or standard
// deviation) of n values whose sum is sum and sum of squares squares, as
// PostgreSQL computes it for integers and numerics: the exact quotient at
// select_div_scale's scale, its square root at the same scale; NULL for
// no values (or one, for a sample).
func numericVariance(sum, squares, count string, sample, stddev bool, maxScale int) (any, error) {
	s, err := parseNumeric(sum)
	if err != nil {
		return nil, err
	}
	q, err := parseNumeric(squares)
	if err != nil {
		return nil, err
	}
	n, ok := new(big.Rat).SetString(count)
	if !ok {
		return nil, fmt.Errorf("invalid count %q", count)
	}
	if n.Sign() == 0 || sample && n.Cmp(big.NewRat(1, 1)) <= 0 {
		return nil, nil
	}
	numerator := new(big.Rat).Sub(new(big.Rat).Mul(n, q.value), new(big.Rat).Mul(s.value, s.value))
	if numerator.Sign() <= 0 {
		return "0", nil
	}
	denominator := new(big.Rat).Set(n)
	if sample {
		denominator.Mul(denominator, new(big.Rat).Sub(n, big.NewRat(1, 1)))
	} else {
		denominator.Mul(denominator, n)
	}
	num, _ := parseNumeric(numerator.FloatString(0))
	if !numerator.IsInt() {
		num, _ = parseNumeric(numerator.FloatString(2 * s.dscale))
	}
	den, _ := parseNumeric(denominator.FloatString(0))
	scale := min(divScale(num, den), maxScale)
	variance := new(big.Rat).Quo(numerator, denominator)
	if !stddev {
		return roundRat(variance, scale), nil
	}
	// The square root to well beyond the scale, then rounded to it.
	prec := uint(64 + 4*(scale+40))
	root := new(big.Float).SetPrec(prec).SetRat(variance)
	root.Sqrt(root)
	exact, _ := root.Rat(nil)
	return roundRat(exact, scale), nil
}

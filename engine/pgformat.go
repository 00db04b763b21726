package engine

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// PostgreSQL's to_char for dates and times (DCH patterns) and numbers
// (NUM patterns), the common patterns of formatting.c: the names of
// months and days in English (lc_time C), FM, TH and quoted text.

// dchPatterns are the date/time patterns, longest first where one is a
// prefix of another.
var dchPatterns = []string{
	"A.D.", "a.d.", "B.C.", "b.c.", "A.M.", "a.m.", "P.M.", "p.m.", "Y,YYY",
	"MONTH", "Month", "month", "HH24", "HH12", "IDDD", "IYYY", "SSSSS", "SSSS", "YYYY",
	"MON", "Mon", "mon", "DAY", "Day", "day", "IYY", "YYY", "DDD", "TZH", "TZM",
	"AD", "ad", "BC", "bc", "AM", "am", "PM", "pm", "HH", "MI", "SS", "MS", "US", "IY", "YY", "MM", "DY", "Dy", "dy",
	"DD", "ID", "IW", "WW", "CC", "RM", "rm", "TZ", "tz", "OF",
	"FF1", "FF2", "FF3", "FF4", "FF5", "FF6",
	"Y", "I", "D", "W", "J", "Q",
}

var romanMonths = []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}

// toCharTime is to_char(timestamp, format); t is in the zone to print.
func toCharTime(t time.Time, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); {
		if format[i] == '"' {
			// Quoted text is copied, \" inside it a quote.
			i++
			for i < len(format) && format[i] != '"' {
				if format[i] == '\\' && i+1 < len(format) {
					i++
				}
				b.WriteByte(format[i])
				i++
			}
			i++
			continue
		}
		if format[i] == '\\' && i+1 < len(format) {
			b.WriteByte(format[i+1])
			i += 2
			continue
		}
		fm := false
		for {
			switch {
			case strings.HasPrefix(format[i:], "FM"):
				fm, i = true, i+2
				continue
			case strings.HasPrefix(format[i:], "FX"), strings.HasPrefix(format[i:], "TM"):
				i += 2
				continue
			}
			break
		}
		pat := ""
		for _, p := range dchPatterns {
			if strings.HasPrefix(format[i:], p) {
				pat = p
				break
			}
		}
		if pat == "" {
			if i < len(format) {
				b.WriteByte(format[i])
				i++
			}
			continue
		}
		i += len(pat)
		s, number := dchField(t, pat, fm)
		suffix := ""
		switch {
		case strings.HasPrefix(format[i:], "TH"):
			suffix, i = strings.ToUpper(ordinal(s)), i+2
		case strings.HasPrefix(format[i:], "th"):
			suffix, i = ordinal(s), i+2
		}
		if number && fm {
			s = strings.TrimLeft(s, "0")
			if s == "" || s[0] == '.' {
				s = "0" + s
			}
		}
		b.WriteString(s + suffix)
	}
	return b.String()
}

func ordinal(digits string) string {
	n, err := strconv.Atoi(strings.TrimSpace(digits))
	if err != nil {
		return ""
	}
	if n%100 >= 11 && n%100 <= 13 {
		return "th"
	}
	switch n % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

// dchField is one pattern's text; number says FM may drop its leading
// zeros.
func dchField(t time.Time, pat string, fm bool) (string, bool) {
	pad := func(name string, width int) string {
		if fm {
			return name
		}
		return fmt.Sprintf("%-*s", width, name)
	}
	cased := func(name string) string {
		switch {
		case pat == strings.ToUpper(pat):
			return strings.ToUpper(name)
		case pat == strings.ToLower(pat):
			return strings.ToLower(name)
		}
		return name
	}
	num := func(v, width int) (string, bool) { return fmt.Sprintf("%0*d", width, v), true }
	year, week := t.ISOWeek()
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch pat {
	case "HH", "HH12":
		return num(hour12, 2)
	case "HH24":
		return num(t.Hour(), 2)
	case "MI":
		return num(t.Minute(), 2)
	case "SS":
		return num(t.Second(), 2)
	case "MS":
		return num(t.Nanosecond()/1e6, 3)
	case "US":
		return num(t.Nanosecond()/1e3, 6)
	case "FF1", "FF2", "FF3", "FF4", "FF5", "FF6":
		digits := int(pat[2] - '0')
		return num(t.Nanosecond()/int(pow10(9-digits)), digits)
	case "SSSS", "SSSSS":
		return strconv.Itoa(t.Hour()*3600 + t.Minute()*60 + t.Second()), false
	case "AM", "PM", "am", "pm":
		m := "AM"
		if t.Hour() >= 12 {
			m = "PM"
		}
		return cased(m), false
	case "A.M.", "P.M.", "a.m.", "p.m.":
		m := "A.M."
		if t.Hour() >= 12 {
			m = "P.M."
		}
		return cased(m), false
	case "Y,YYY":
		return fmt.Sprintf("%d,%03d", t.Year()/1000, t.Year()%1000), false
	case "YYYY":
		return num(t.Year(), 4)
	case "YYY":
		return num(t.Year()%1000, 3)
	case "YY":
		return num(t.Year()%100, 2)
	case "Y":
		return num(t.Year()%10, 1)
	case "IYYY":
		return num(year, 4)
	case "IYY":
		return num(year%1000, 3)
	case "IY":
		return num(year%100, 2)
	case "I":
		return num(year%10, 1)
	case "AD", "BC", "ad", "bc":
		if t.Year() <= 0 {
			return cased("BC"), false
		}
		return cased("AD"), false
	case "A.D.", "B.C.", "a.d.", "b.c.":
		if t.Year() <= 0 {
			return cased("B.C."), false
		}
		return cased("A.D."), false
	case "MONTH", "Month", "month":
		return pad(cased(t.Month().String()), 9), false
	case "MON", "Mon", "mon":
		return cased(t.Month().String()[:3]), false
	case "MM":
		return num(int(t.Month()), 2)
	case "DAY", "Day", "day":
		return pad(cased(t.Weekday().String()), 9), false
	case "DY", "Dy", "dy":
		return cased(t.Weekday().String()[:3]), false
	case "DDD":
		return num(t.YearDay(), 3)
	case "IDDD":
		return num((week-1)*7+isoWeekday(t), 3)
	case "DD":
		return num(t.Day(), 2)
	case "D":
		return num(int(t.Weekday())+1, 1)
	case "ID":
		return num(isoWeekday(t), 1)
	case "W":
		return num((t.Day()-1)/7+1, 1)
	case "WW":
		return num((t.YearDay()-1)/7+1, 2)
	case "IW":
		return num(week, 2)
	case "CC":
		cc := (t.Year() + 99) / 100
		return num(cc, 2)
	case "J":
		return strconv.Itoa(julianDay(t)), false
	case "Q":
		return num((int(t.Month())-1)/3+1, 1)
	case "RM", "rm":
		return pad(cased(romanMonths[t.Month()-1]), 4), false
	case "TZ", "tz":
		name, _ := t.Zone()
		return cased(name), false
	case "OF", "TZH", "TZM":
		_, off := t.Zone()
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		switch pat {
		case "TZH":
			return fmt.Sprintf("%s%02d", sign, off/3600), false
		case "TZM":
			return fmt.Sprintf("%02d", off%3600/60), false
		}
		if off%3600 != 0 {
			return fmt.Sprintf("%s%02d:%02d", sign, off/3600, off%3600/60), false
		}
		return fmt.Sprintf("%s%02d", sign, off/3600), false
	}
	return pat, false
}

func pow10(n int) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

func isoWeekday(t time.Time) int {
	if wd := int(t.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

// julianDay is the Julian day number of t's date.
func julianDay(t time.Time) int {
	y, m, d := t.Date()
	a := (14 - int(m)) / 12
	yy := y + 4800 - a
	mm := int(m) + 12*a - 3
	return d + (153*mm+2)/5 + 365*yy + yy/4 - yy/100 + yy/400 - 32045
}

// toCharNumber is to_char(number, format) for a number given as its exact
// decimal text: 9 and 0 digit positions, . and D, , and G, S, MI, PL, SG,
// PR and FM. Without a sign pattern the sign (a space if positive) goes
// right before the first digit; S before the number does the same.
func toCharNumber(value, format string) (string, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(value))
	if !ok {
		return "", fmt.Errorf("SQLSTATE 22P02: invalid input syntax for type numeric: %q", value)
	}
	upper := strings.ToUpper(format)
	fm := strings.Contains(upper, "FM")
	body := strings.TrimPrefix(upper, "FM")
	anchored := strings.HasPrefix(body, "S")
	pr := strings.Contains(upper, "PR")
	explicit := strings.ContainsAny(strings.ReplaceAll(upper, "FM", ""), "S") || strings.Contains(upper, "MI") || strings.Contains(upper, "PL") || pr
	pre, post, firstZero, sawPoint := 0, 0, -1, false
	for i := 0; i < len(upper); i++ {
		switch upper[i] {
		case '9', '0':
			if sawPoint {
				post++
			} else {
				if upper[i] == '0' && firstZero < 0 {
					firstZero = pre
				}
				pre++
			}
		case '.', 'D':
			sawPoint = true
		}
	}
	neg := r.Sign() < 0
	text := roundRat(new(big.Rat).Abs(r), post)
	intDigits, fracDigits, _ := strings.Cut(text, ".")
	if intDigits == "0" && post > 0 {
		intDigits = "" // 0.5 prints .50 under 9.99
	}
	overflow := len(intDigits) > pre
	var out strings.Builder
	intPos, fracPos, started := 0, 0, false
	signPending := !explicit || anchored || pr
	writeSign := func() {
		if !signPending {
			return
		}
		signPending = false
		switch {
		case pr && neg:
			out.WriteByte('<')
		case neg:
			out.WriteByte('-')
		case anchored:
			out.WriteByte('+')
		case !fm:
			out.WriteByte(' ')
		}
	}
	if overflow {
		writeSign()
	}
	for i := 0; i < len(format); i++ {
		c := upper[i]
		two := func(s string) bool { return strings.HasPrefix(upper[i:], s) }
		switch {
		case two("FM"):
			i++
		case c == '9' || c == '0':
			switch {
			case overflow:
				out.WriteByte('#')
			case sawPointAt(upper, i):
				out.WriteByte(fracDigits[fracPos])
				fracPos++
			default:
				digitIndex := intPos - (pre - len(intDigits))
				intPos++
				switch {
				case digitIndex >= 0:
					writeSign()
					out.WriteByte(intDigits[digitIndex])
					started = true
				case firstZero >= 0 && intPos-1 >= firstZero:
					writeSign()
					out.WriteByte('0')
					started = true
				case !fm:
					out.WriteByte(' ')
				}
			}
		case c == '.' || c == 'D':
			if overflow {
				out.WriteByte('#')
				break
			}
			writeSign()
			out.WriteByte('.')
		case c == ',' || c == 'G':
			switch {
			case started:
				out.WriteByte(',')
			case !fm:
				out.WriteByte(' ')
			}
		case two("SG"), c == 'S':
			if c == 'S' && two("SG") {
				i++
			}
			if anchored && out.Len() == 0 && !started {
				break // written before the first digit
			}
			if neg {
				out.WriteByte('-')
			} else {
				out.WriteByte('+')
			}
		case two("MI"):
			i++
			switch {
			case neg:
				out.WriteByte('-')
			case !fm:
				out.WriteByte(' ')
			}
		case two("PL"):
			i++
			switch {
			case !neg:
				out.WriteByte('+')
			case !fm:
				out.WriteByte(' ')
			}
		case two("PR"):
			i++
			switch {
			case neg:
				out.WriteByte('>')
			case !fm:
				out.WriteByte(' ')
			}
		default:
			out.WriteByte(format[i])
		}
	}
	s := out.String()
	if fm {
		// FM drops the trailing zeros of 9 positions after the point.
		if sawPoint && !overflow {
			s = trimNineZeros(s, upper)
		}
	}
	return s, nil
}

// sawPointAt reports whether a decimal point comes before position i.
func sawPointAt(upper string, i int) bool {
	return strings.ContainsAny(upper[:i], ".D")
}

// trimNineZeros drops trailing zero digits printed for 9 positions after
// the decimal point (FM), keeping those printed for 0 positions.
func trimNineZeros(s, upper string) string {
	point := strings.LastIndexAny(upper, ".D")
	var kinds []byte
	for i := point + 1; i < len(upper); i++ {
		if upper[i] == '9' || upper[i] == '0' {
			kinds = append(kinds, upper[i])
		}
	}
	dot := strings.LastIndexByte(s, '.')
	if dot < 0 {
		return s
	}
	frac := []byte(s[dot+1:])
	n := len(frac)
	for n > 0 && n <= len(kinds) && frac[n-1] == '0' && kinds[n-1] == '9' {
		n--
	}
	return s[:dot+1] + string(frac[:n])
}

// dateParts are the fields to_date and to_timestamp read.
type dateParts struct {
	year, month, day, yday, hour, minute, sec, nanos int
	pm, hour12                                       bool
}

// dateFields are the numeric patterns to_date and to_timestamp read: at
// most digits digits each, longest pattern first.
var dateFields = []struct {
	pat    string
	digits int
	set    func(p *dateParts, v int)
}{
	{"YYYY", 4, func(p *dateParts, v int) { p.year = v }},
	{"YY", 2, func(p *dateParts, v int) {
		// Two-digit years are the nearest to 2020, as PostgreSQL reads them.
		p.year = 2000 + v
		if p.year > 2069 {
			p.year -= 100
		}
	}},
	{"MM", 2, func(p *dateParts, v int) { p.month = v }},
	{"DDD", 3, func(p *dateParts, v int) { p.yday = v }},
	{"DD", 2, func(p *dateParts, v int) { p.day = v }},
	{"HH24", 2, func(p *dateParts, v int) { p.hour = v }},
	{"HH12", 2, func(p *dateParts, v int) { p.hour, p.hour12 = v, true }},
	{"HH", 2, func(p *dateParts, v int) { p.hour, p.hour12 = v, true }},
	{"MI", 2, func(p *dateParts, v int) { p.minute = v }},
	{"SS", 2, func(p *dateParts, v int) { p.sec = v }},
	{"MS", 3, func(p *dateParts, v int) { p.nanos = v * 1e6 }},
	{"US", 6, func(p *dateParts, v int) { p.nanos = v * 1e3 }},
}

// parseDateTime is to_date and to_timestamp: text read by a format of the
// common patterns (dateFields, Mon, Month, AM/PM); other format characters
// skip one input character, and spaces are optional, as PostgreSQL reads
// them when FX is not given.
func parseDateTime(text, format string, loc *time.Location) (time.Time, error) {
	p := dateParts{year: 1, month: 1, day: 1}
	in := strings.TrimLeft(text, " ")
	upper := strings.ToUpper(format)
	for i := 0; i < len(format); {
		rest := upper[i:]
		in = strings.TrimLeft(in, " ")
		if strings.HasPrefix(rest, "FM") || strings.HasPrefix(rest, "FX") {
			i += 2
			continue
		}
		if n, ok := readWord(&in, rest, &p); ok {
			i += n
			continue
		}
		matched := false
		for _, f := range dateFields {
			if !strings.HasPrefix(rest, f.pat) {
				continue
			}
			n := 0
			for n < len(in) && n < f.digits && in[n] >= '0' && in[n] <= '9' {
				n++
			}
			if n == 0 {
				return time.Time{}, fmt.Errorf("SQLSTATE 22007: invalid value %q for %q", in, f.pat)
			}
			v, _ := strconv.Atoi(in[:n])
			f.set(&p, v)
			in, i, matched = in[n:], i+len(f.pat), true
			break
		}
		if !matched {
			if format[i] != ' ' && len(in) > 0 {
				in = in[1:]
			}
			i++
		}
	}
	if p.hour12 {
		p.hour %= 12
		if p.pm {
			p.hour += 12
		}
	}
	if p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31 || p.hour > 24 || p.minute > 59 || p.sec > 60 {
		return time.Time{}, dateOutOfRange(text)
	}
	if p.yday > 0 {
		return time.Date(p.year, 1, p.yday, p.hour, p.minute, p.sec, p.nanos, loc), nil
	}
	t := time.Date(p.year, time.Month(p.month), p.day, p.hour, p.minute, p.sec, p.nanos, loc)
	if t.Day() != p.day {
		return time.Time{}, dateOutOfRange(text)
	}
	return t, nil
}

// dateOutOfRange is made only where parsing fails: to_date runs per row.
func dateOutOfRange(text string) error {
	return fmt.Errorf("SQLSTATE 22008: date/time field value out of range: %q", text)
}

// readWord reads a month name (Month, Mon) or AM/PM when the format
// starts with one; it returns the pattern's length.
func readWord(in *string, rest string, p *dateParts) (int, bool) {
	switch {
	case strings.HasPrefix(rest, "AM"), strings.HasPrefix(rest, "PM"):
		if len(*in) >= 2 && (strings.EqualFold((*in)[:2], "AM") || strings.EqualFold((*in)[:2], "PM")) {
			p.pm = strings.EqualFold((*in)[:2], "PM")
			*in = (*in)[2:]
		}
		return 2, true
	case strings.HasPrefix(rest, "MON"):
		full := strings.HasPrefix(rest, "MONTH")
		for m := time.January; m <= time.December; m++ {
			name := m.String()
			if !full {
				name = name[:3]
			}
			if len(*in) >= len(name) && strings.EqualFold((*in)[:len(name)], name) {
				p.month, *in = int(m), (*in)[len(name):]
				break
			}
		}
		if full {
			return 5, true
		}
		return 3, true
	}
	return 0, false
}

package attrarrow

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// parseDate accepts exactly YYYY-MM-DD with a valid calendar day and returns
// days since 1970-01-01 (Arrow Date32).
func parseDate(s string) (int32, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return int32(daysFromCivil(y, m, d)), true
}

func digits(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is Howard Hinnant's days_from_civil for the proleptic
// Gregorian calendar.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// parseTime parses s with the layout. Zone abbreviations are looked up in
// UTC only, so parsing does not depend on the machine's local zone.
func parseTime(layout, s string) (time.Time, bool) {
	t, err := time.ParseInLocation(layout, s, time.UTC)
	return t, err == nil
}

// timestampOf converts t to an Arrow timestamp in unit; ok is false when the
// instant does not fit the unit (nanoseconds cover 1678–2261 only).
func timestampOf(t time.Time, unit arrow.TimeUnit) (arrow.Timestamp, bool) {
	switch unit {
	case arrow.Second:
		return arrow.Timestamp(t.Unix()), true
	case arrow.Millisecond:
		return arrow.Timestamp(t.UnixMilli()), true
	case arrow.Microsecond:
		return arrow.Timestamp(t.UnixMicro()), true
	default:
		if y := t.Year(); y < 1678 || y > 2261 {
			return 0, false
		}
		return arrow.Timestamp(t.UnixNano()), true
	}
}

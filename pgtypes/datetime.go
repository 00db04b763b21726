package pgtypes

import (
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// PostgreSQL counts dates in days and timestamps in microseconds from
// 2000-01-01; Arrow counts from the Unix epoch.
const (
	usPerSec    = 1_000_000
	usPerMinute = 60 * usPerSec
	usPerHour   = 60 * usPerMinute
	usPerDay    = 24 * usPerHour

	unixToPGDays   = 10_957              // days from 1970-01-01 to 2000-01-01
	unixToPGMicros = 946_684_800_000_000 // the same in microseconds

	// Valid ranges, from PostgreSQL's datatype/timestamp.h (days and µs
	// since 2000-01-01): 4714-11-24 BC up to, not including, 5874898-01-01
	// for dates and 294277-01-01 for timestamps.
	pgMinDay       = -2_451_545
	pgEndDay       = 2_145_031_949
	pgMinTimestamp = -211_813_488_000_000_000
)

// Special values. DuckDB writes ±infinity into Arrow as these extremes,
// PostgreSQL sends them as its own extremes (DATEVAL_NOBEGIN/NOEND,
// DT_NOBEGIN/DT_NOEND).
const (
	finite = iota
	posInfinity
	negInfinity
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// roundDiv divides by b > 0 rounding half away from zero, as PostgreSQL
// rounds input with more than microsecond precision.
func roundDiv(a, b int64) int64 {
	q, r := a/b, a%b
	switch {
	case r >= (b+1)/2:
		q++
	case r <= -(b+1)/2:
		q--
	}
	return q
}

// toMicros converts v in unit to microseconds; nanoseconds are rounded to
// the nearest microsecond (half away from zero). ok is false on overflow.
func toMicros(v int64, unit arrow.TimeUnit) (us int64, ok bool) {
	var mul int64
	switch unit {
	case arrow.Second:
		mul = usPerSec
	case arrow.Millisecond:
		mul = 1000
	case arrow.Microsecond:
		return v, true
	default:
		return roundDiv(v, 1000), true
	}
	if v > math.MaxInt64/mul || v < math.MinInt64/mul {
		return 0, false
	}
	return v * mul, true
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date with an
// astronomical year (0 is 1 BC), as PostgreSQL's j2date does
// (Howard Hinnant's civil_from_days).
func civil(days int64) (year, month, day int64) {
	z := days + 719_468
	era := floorDiv(z, 146_097)
	doe := z - era*146_097
	yoe := (doe - doe/1460 + doe/36_524 - doe/146_096) / 365
	year = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		month = mp + 3
	} else {
		month = mp - 9
	}
	if month <= 2 {
		year++
	}
	return year, month, day
}

// appendDate appends YYYY-MM-DD for days since 1970 and reports whether the
// year is BC; the caller appends " BC" after the rest of the value.
func appendDate(b []byte, days int64) ([]byte, bool) {
	y, m, d := civil(days)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	b = appendZeroPad(b, y, 4)
	b = append(b, '-')
	b = appendZeroPad(b, m, 2)
	b = append(b, '-')
	b = appendZeroPad(b, d, 2)
	return b, bc
}

// appendClock appends hh:mm:ss[.ffffff] for microseconds since midnight,
// the fraction without trailing zeros (PostgreSQL's AppendSeconds).
func appendClock(b []byte, us int64) []byte {
	h := us / usPerHour
	us -= h * usPerHour
	m := us / usPerMinute
	us -= m * usPerMinute
	b = appendZeroPad(b, h, 2)
	b = append(b, ':')
	b = appendZeroPad(b, m, 2)
	b = append(b, ':')
	return appendSeconds(b, us)
}

// appendSeconds appends ss[.ffffff] for a non-negative count of µs < 1 min.
func appendSeconds(b []byte, us int64) []byte {
	s := us / usPerSec
	b = appendZeroPad(b, s, 2)
	if f := us - s*usPerSec; f != 0 {
		b = append(b, '.')
		n := 6
		for f%10 == 0 {
			f /= 10
			n--
		}
		b = appendZeroPad(b, f, n)
	}
	return b
}

// appendOffset appends a UTC offset (seconds east) like EncodeTimezone:
// +hh, +hh:mm when minutes are non-zero or for JSON, +hh:mm:ss when seconds are.
func appendOffset(b []byte, off int, xsd bool) []byte {
	if off < 0 {
		b = append(b, '-')
		off = -off
	} else {
		b = append(b, '+')
	}
	h, m, s := off/3600, off/60%60, off%60
	b = appendZeroPad(b, int64(h), 2)
	if s != 0 || m != 0 || xsd {
		b = append(b, ':')
		b = appendZeroPad(b, int64(m), 2)
	}
	if s != 0 {
		b = append(b, ':')
		b = appendZeroPad(b, int64(s), 2)
	}
	return b
}

func appendSpecial(b []byte, special int, quoted bool) []byte {
	if quoted {
		b = append(b, '"')
	}
	if special == negInfinity {
		b = append(b, '-')
	}
	b = append(b, "infinity"...)
	if quoted {
		b = append(b, '"')
	}
	return b
}

// ---- date ----

// pgDate checks a day count since 1970 against PostgreSQL's date range and
// returns days since 2000.
func pgDate(w *writer, days int64) (int64, bool) {
	d := days - unixToPGDays
	if d < pgMinDay || d >= pgEndDay {
		w.outOfRange("date", days)
		return 0, false
	}
	return d, true
}

func dateText(w *writer, days int64, special int, quoted bool) {
	if special != finite {
		w.buf = appendSpecial(w.buf, special, quoted)
		return
	}
	if _, ok := pgDate(w, days); !ok {
		return
	}
	if quoted {
		w.buf = append(w.buf, '"')
	}
	var bc bool
	w.buf, bc = appendDate(w.buf, days)
	if bc {
		w.buf = append(w.buf, " BC"...)
	}
	if quoted {
		w.buf = append(w.buf, '"')
	}
}

func dateBinary(w *writer, days int64, special int) {
	switch special {
	case posInfinity:
		w.int32(math.MaxInt32)
	case negInfinity:
		w.int32(math.MinInt32)
	default:
		if d, ok := pgDate(w, days); ok {
			w.int32(int32(d))
		}
	}
}

func date32Special(v arrow.Date32) int {
	switch v {
	case math.MaxInt32:
		return posInfinity
	case math.MinInt32, -math.MaxInt32:
		return negInfinity
	}
	return finite
}

func date32Codec() codec {
	return &scalar[arrow.Date32]{
		typ:    mustType(DateOID),
		text:   func(w *writer, v arrow.Date32) { dateText(w, int64(v), date32Special(v), false) },
		binary: func(w *writer, v arrow.Date32) { dateBinary(w, int64(v), date32Special(v)) },
		json:   func(w *writer, v arrow.Date32) { dateText(w, int64(v), date32Special(v), true) },
	}
}

func int64Special(v int64) int {
	switch v {
	case math.MaxInt64:
		return posInfinity
	case math.MinInt64, -math.MaxInt64:
		return negInfinity
	}
	return finite
}

// date64Codec sends milliseconds since 1970 as a date; a time of day other
// than midnight (invalid in Date64) is dropped.
func date64Codec() codec {
	const msPerDay = 86_400_000
	return &scalar[arrow.Date64]{
		typ: mustType(DateOID),
		text: func(w *writer, v arrow.Date64) {
			dateText(w, floorDiv(int64(v), msPerDay), int64Special(int64(v)), false)
		},
		binary: func(w *writer, v arrow.Date64) {
			dateBinary(w, floorDiv(int64(v), msPerDay), int64Special(int64(v)))
		},
		json: func(w *writer, v arrow.Date64) {
			dateText(w, floorDiv(int64(v), msPerDay), int64Special(int64(v)), true)
		},
	}
}

// ---- time ----

// timeOfDay converts a time-of-day value to microseconds and checks it
// against PostgreSQL's range 00:00:00 to 24:00:00.
func timeOfDay(w *writer, v int64, unit arrow.TimeUnit) (int64, bool) {
	us, ok := toMicros(v, unit)
	if !ok || us < 0 || us > usPerDay {
		w.outOfRange("time", v)
		return 0, false
	}
	return us, true
}

func timeCodec[T arrow.Time32 | arrow.Time64](unit arrow.TimeUnit) codec {
	return &scalar[T]{
		typ:     mustType(TimeOID),
		isPlain: true,
		text: func(w *writer, v T) {
			if us, ok := timeOfDay(w, int64(v), unit); ok {
				w.buf = appendClock(w.buf, us)
			}
		},
		binary: func(w *writer, v T) {
			if us, ok := timeOfDay(w, int64(v), unit); ok {
				w.int64(us)
			}
		},
		json: func(w *writer, v T) {
			if us, ok := timeOfDay(w, int64(v), unit); ok {
				w.buf = append(w.buf, '"')
				w.buf = appendClock(w.buf, us)
				w.buf = append(w.buf, '"')
			}
		},
	}
}

func time32Codec(unit arrow.TimeUnit) codec { return timeCodec[arrow.Time32](unit) }
func time64Codec(unit arrow.TimeUnit) codec { return timeCodec[arrow.Time64](unit) }

// ---- timestamp and timestamptz ----

// timestampMicros converts a timestamp to microseconds since 1970, checked
// against PostgreSQL's range, or reports it as ±infinity.
func timestampMicros(w *writer, v int64, unit arrow.TimeUnit, typ string) (us int64, special int, ok bool) {
	if s := int64Special(v); s != finite {
		return 0, s, true
	}
	us, ok = toMicros(v, unit)
	// No int64 count of µs since 1970 reaches PostgreSQL's upper bound.
	if !ok || us < pgMinTimestamp+unixToPGMicros {
		w.outOfRange(typ, v)
		return 0, finite, false
	}
	return us, finite, true
}

func timestampBinary(w *writer, us int64, special int) {
	switch special {
	case posInfinity:
		w.int64(math.MaxInt64)
	case negInfinity:
		w.int64(math.MinInt64)
	default:
		w.int64(us - unixToPGMicros)
	}
}

// appendDateTime appends local wall time (µs since 1970) as
// "YYYY-MM-DD hh:mm:ss[.f]" (or with 'T' for JSON) and reports BC.
func appendDateTime(b []byte, us int64, sep byte) ([]byte, bool) {
	days := floorDiv(us, usPerDay)
	b, bc := appendDate(b, days)
	b = append(b, sep)
	return appendClock(b, us-days*usPerDay), bc
}

func timestampText(w *writer, us int64, special int, json bool) {
	if special != finite {
		w.buf = appendSpecial(w.buf, special, json)
		return
	}
	sep := byte(' ')
	if json {
		w.buf = append(w.buf, '"')
		sep = 'T'
	}
	var bc bool
	w.buf, bc = appendDateTime(w.buf, us, sep)
	if bc {
		w.buf = append(w.buf, " BC"...)
	}
	if json {
		w.buf = append(w.buf, '"')
	}
}

func timestampCodec(unit arrow.TimeUnit) codec {
	return &scalar[arrow.Timestamp]{
		typ: mustType(TimestampOID),
		text: func(w *writer, v arrow.Timestamp) {
			if us, s, ok := timestampMicros(w, int64(v), unit, "timestamp"); ok {
				timestampText(w, us, s, false)
			}
		},
		binary: func(w *writer, v arrow.Timestamp) {
			if us, s, ok := timestampMicros(w, int64(v), unit, "timestamp"); ok {
				timestampBinary(w, us, s)
			}
		},
		json: func(w *writer, v arrow.Timestamp) {
			if us, s, ok := timestampMicros(w, int64(v), unit, "timestamp"); ok {
				timestampText(w, us, s, true)
			}
		},
	}
}

// zoneCache remembers the UTC offset of the zone period the last instant
// fell in, so a batch of nearby timestamps asks the time package once.
type zoneCache struct {
	loc        *time.Location
	utc        bool
	start, end int64 // Unix seconds, [start, end)
	offset     int
}

func (z *zoneCache) offsetAt(sec int64) int {
	if z.utc {
		return 0
	}
	if sec >= z.start && sec < z.end {
		return z.offset
	}
	t := time.Unix(sec, 0).In(z.loc)
	_, z.offset = t.Zone()
	start, end := t.ZoneBounds()
	z.start, z.end = math.MinInt64, math.MaxInt64
	if !start.IsZero() {
		z.start = start.Unix()
	}
	if !end.IsZero() {
		z.end = end.Unix()
	}
	return z.offset
}

func timestamptzText(w *writer, z *zoneCache, us int64, special int, json bool) {
	if special != finite {
		w.buf = appendSpecial(w.buf, special, json)
		return
	}
	off := z.offsetAt(floorDiv(us, usPerSec))
	sep := byte(' ')
	if json {
		w.buf = append(w.buf, '"')
		sep = 'T'
	}
	var bc bool
	w.buf, bc = appendDateTime(w.buf, us+int64(off)*usPerSec, sep)
	w.buf = appendOffset(w.buf, off, json)
	if bc {
		w.buf = append(w.buf, " BC"...)
	}
	if json {
		w.buf = append(w.buf, '"')
	}
}

// timestamptzCodec shows instants in loc, the session TimeZone.
func timestamptzCodec(unit arrow.TimeUnit, loc *time.Location) codec {
	z := &zoneCache{loc: loc, utc: loc == time.UTC}
	return &scalar[arrow.Timestamp]{
		typ: mustType(TimestamptzOID),
		text: func(w *writer, v arrow.Timestamp) {
			if us, s, ok := timestampMicros(w, int64(v), unit, "timestamptz"); ok {
				timestamptzText(w, z, us, s, false)
			}
		},
		binary: func(w *writer, v arrow.Timestamp) {
			if us, s, ok := timestampMicros(w, int64(v), unit, "timestamptz"); ok {
				timestampBinary(w, us, s)
			}
		},
		json: func(w *writer, v arrow.Timestamp) {
			if us, s, ok := timestampMicros(w, int64(v), unit, "timestamptz"); ok {
				timestamptzText(w, z, us, s, true)
			}
		},
	}
}

// ---- interval ----

// interval is PostgreSQL's Interval: months, days and microseconds, kept
// apart because their lengths vary.
type interval struct {
	months, days int32
	us           int64
}

// appendInterval appends the text form under IntervalStyle postgres
// (EncodeInterval's INTSTYLE_POSTGRES): "1 year 2 mons 3 days 04:05:06",
// "-1 days +02:00:00", "00:00:00".
func appendInterval(b []byte, v interval) []byte {
	zero, before := true, false
	part := func(value int64, unit string) {
		if value == 0 {
			return
		}
		if !zero {
			b = append(b, ' ')
		}
		if before && value > 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, value, 10)
		b = append(b, ' ')
		b = append(b, unit...)
		if value != 1 {
			b = append(b, 's')
		}
		before = value < 0
		zero = false
	}
	part(int64(v.months/12), "year")
	part(int64(v.months%12), "mon")
	part(int64(v.days), "day")
	us := v.us
	hour := us / usPerHour
	us -= hour * usPerHour
	minute := us / usPerMinute
	us -= minute * usPerMinute
	if zero || hour != 0 || minute != 0 || us != 0 {
		if !zero {
			b = append(b, ' ')
		}
		if hour < 0 || minute < 0 || us < 0 {
			b = append(b, '-')
		} else if before {
			b = append(b, '+')
		}
		b = appendZeroPad(b, absInt64(hour), 2)
		b = append(b, ':')
		b = appendZeroPad(b, absInt64(minute), 2)
		b = append(b, ':')
		b = appendSeconds(b, absInt64(us))
	}
	return b
}

func absInt64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// intervalCodec builds the interval codec for an Arrow type whose values
// convert to interval; conv reports overflow by returning false.
func intervalCodec[T any](conv func(T) (interval, bool)) codec {
	get := func(w *writer, v T) (interval, bool) {
		iv, ok := conv(v)
		if !ok {
			w.outOfRange("interval", v)
		}
		return iv, ok
	}
	return &scalar[T]{
		typ: mustType(IntervalOID),
		text: func(w *writer, v T) {
			if iv, ok := get(w, v); ok {
				w.buf = appendInterval(w.buf, iv)
			}
		},
		binary: func(w *writer, v T) {
			if iv, ok := get(w, v); ok {
				w.int64(iv.us)
				w.int32(iv.days)
				w.int32(iv.months)
			}
		},
		json: func(w *writer, v T) {
			if iv, ok := get(w, v); ok {
				w.buf = append(w.buf, '"')
				w.buf = appendInterval(w.buf, iv)
				w.buf = append(w.buf, '"')
			}
		},
	}
}

func monthIntervalCodec() codec {
	return intervalCodec(func(v arrow.MonthInterval) (interval, bool) {
		return interval{months: int32(v)}, true
	})
}

func dayTimeIntervalCodec() codec {
	return intervalCodec(func(v arrow.DayTimeInterval) (interval, bool) {
		return interval{days: v.Days, us: int64(v.Milliseconds) * 1000}, true
	})
}

// monthDayNanoIntervalCodec rounds nanoseconds to microseconds.
func monthDayNanoIntervalCodec() codec {
	return intervalCodec(func(v arrow.MonthDayNanoInterval) (interval, bool) {
		return interval{months: v.Months, days: v.Days, us: roundDiv(v.Nanoseconds, 1000)}, true
	})
}

// durationCodec sends an exact duration as an interval of microseconds only
// (hours may exceed 24: "100:00:00").
func durationCodec(unit arrow.TimeUnit) codec {
	return intervalCodec(func(v arrow.Duration) (interval, bool) {
		us, ok := toMicros(int64(v), unit)
		return interval{us: us}, ok
	})
}

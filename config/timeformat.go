package config

import (
	"fmt"
	"time"
)

// timeFormatRef is the instant time_format layouts are checked with: every
// field distinct from its zero value and from the layout reference's, so a
// missing or misread field shows. UTC, so zone layouts (Z07:00, -0700, MST)
// all round-trip.
var timeFormatRef = time.Date(2024, time.March, 15, 14, 30, 45, 123456789, time.UTC)

// precisions are the units a layout may stop at, finest first.
var precisions = []time.Duration{
	time.Nanosecond, time.Microsecond, time.Millisecond, time.Second, time.Minute, time.Hour, 24 * time.Hour,
}

// CheckTimeFormat reports what is wrong with a Go reference layout used as
// time_format, or "" when it is usable: it must contain a year, a month and
// a day, and formatting then parsing must give back the same instant to the
// layout's precision (so a 12-hour clock needs PM, and no field between the
// day and the layout's finest one may be missing).
func CheckTimeFormat(layout string) string {
	msg, detail := checkTimeFormat(layout)
	return msg + detail
}

// checkTimeFormat splits CheckTimeFormat's answer into what is wrong and
// the detail, which shows text the layout produced and so is left out when
// the layout is a secret.
func checkTimeFormat(layout string) (msg, detail string) {
	s := timeFormatRef.Format(layout)
	t, err := time.Parse(layout, s)
	if err != nil {
		return "cannot read back what it writes", fmt.Sprintf(" (%s formats as %q; parsing that fails: %v)", timeFormatRef.Format(time.RFC3339Nano), s, err)
	}
	switch {
	case t.Year() != timeFormatRef.Year():
		return "has no year (write 2006, or 06 for two digits)", ""
	case t.Month() != timeFormatRef.Month():
		return "has no month (write 01, 1, Jan or January)", ""
	case t.Day() != timeFormatRef.Day():
		return "has no day (write 02, 2, _2, or 002 for the day of the year)", ""
	}
	for _, p := range precisions {
		if t.Equal(timeFormatRef.Truncate(p)) && t.Format(layout) == s {
			return "", ""
		}
	}
	return "does not round-trip (a 12-hour clock, 03 or 3, needs PM; every unit between the day and the finest one must be present)",
		fmt.Sprintf(": %s formats as %q, which reads back as %s", timeFormatRef.Format(time.RFC3339Nano), s, t.Format(time.RFC3339Nano))
}

package engine

import (
	"testing"
	"time"
)

// TestToChar checks to_char's patterns against what PostgreSQL 15 prints
// (the differential corpus compares more with a real server).
func TestToChar(t *testing.T) {
	ts := time.Date(2024, 3, 5, 14, 7, 9, 123456000, time.UTC)
	times := []struct{ format, want string }{
		{"YYYY-MM-DD HH24:MI:SS", "2024-03-05 14:07:09"},
		{"HH12:MI:SS AM", "02:07:09 PM"},
		{"DY DD MON YYYY", "TUE 05 MAR 2024"},
		{"Day", "Tuesday  "},
		{"FMMonth FMDD", "March 5"},
		{"Q WW IW D DDD", "1 10 10 3 065"},
		{`HH24"h"MI`, "14h07"},
		{"MS US", "123 123456"},
		{"DDth Mon", "05th Mar"},
		{"FMDDth", "5th"},
		{"FMDD FMHH12 FMMI", "5 2 7"},
		{"J CC RM Y,YYY", "2460375 21 III  2,024"},
	}
	for _, tc := range times {
		if got := toCharTime(ts, tc.format); got != tc.want {
			t.Errorf("to_char(%v, %q) = %q, PostgreSQL: %q", ts, tc.format, got, tc.want)
		}
	}
	numbers := []struct{ value, format, want string }{
		{"1234.5", "9999.99", " 1234.50"},
		{"1234.5", "FM9,999.00", "1,234.50"},
		{"-12", "999", " -12"},
		{"12", "999", "  12"},
		{"0.5", "0.99", " 0.50"},
		{"42", "00000", " 00042"},
		{"49", "FM999", "49"},
		{"12345", "999", " ###"},
		{"1.5", "FM9.99", "1.5"},
		{"-5", "S999", "  -5"},
		{"5", "S999", "  +5"},
		{"0", "999", "   0"},
		{"0.5", "9.99", "  .50"},
		{"-0.5", "9.99", " -.50"},
		{"1", "FM9.99", "1."},
		{"-1234.567", "FM9,999.99", "-1,234.57"},
		{"1234.567", "9G999D99", " 1,234.57"},
		{"-12", "999MI", " 12-"},
		{"12", "999PR", "  12 "},
		{"-12", "999PR", " <12>"},
		{"-12", "FM999PR", "<12>"},
	}
	for _, tc := range numbers {
		got, err := toCharNumber(tc.value, tc.format)
		if err != nil || got != tc.want {
			t.Errorf("to_char(%s, %q) = %q, %v; PostgreSQL: %q", tc.value, tc.format, got, err, tc.want)
		}
	}
}

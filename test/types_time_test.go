package test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// timeFormatCases are the reference's time_format table plus the .000,
// -0700 and MST layouts SPEC §3 names: strings in the layout, and the text
// PostgreSQL prints for them (TimeZone UTC).
var timeFormatCases = []struct {
	layout string
	zoned  bool
	values []string
	want   []string
}{
	{"2006-01-02T15:04:05Z07:00", true,
		[]string{"2024-03-15T14:30:00Z", "2024-03-15T14:30:00-07:00", "2024-03-15T14:30:00+05:30"},
		[]string{"2024-03-15 14:30:00+00", "2024-03-15 21:30:00+00", "2024-03-15 09:00:00+00"}},
	{"2006-01-02T15:04:05.999Z07:00", true,
		[]string{"2024-03-15T14:30:00.123-07:00", "2024-03-15T14:30:00Z", "2024-03-15T14:30:00.5+01:00"},
		[]string{"2024-03-15 21:30:00.123+00", "2024-03-15 14:30:00+00", "2024-03-15 13:30:00.5+00"}},
	{"2006-01-02T15:04:05", false,
		[]string{"2024-03-15T14:30:00", "1999-12-31T23:59:59"},
		[]string{"2024-03-15 14:30:00", "1999-12-31 23:59:59"}},
	{"2006-01-02 15:04:05", false,
		[]string{"2024-03-15 14:30:00", "2000-02-29 00:00:01"},
		[]string{"2024-03-15 14:30:00", "2000-02-29 00:00:01"}},
	{"01/02/2006 15:04:05", false,
		[]string{"03/15/2024 14:30:00", "12/01/2023 08:05:09"},
		[]string{"2024-03-15 14:30:00", "2023-12-01 08:05:09"}},
	{"02/01/2006 15:04:05", false,
		[]string{"15/03/2024 14:30:00", "01/12/2023 08:05:09"},
		[]string{"2024-03-15 14:30:00", "2023-12-01 08:05:09"}},
	{"Jan 2, 2006 3:04:05 PM", false,
		[]string{"Mar 15, 2024 2:30:00 PM", "Jan 1, 2024 12:00:00 AM", "Dec 31, 2023 12:59:59 PM"},
		[]string{"2024-03-15 14:30:00", "2024-01-01 00:00:00", "2023-12-31 12:59:59"}},
	{"20060102150405", false,
		[]string{"20240315143000", "19700101000000"},
		[]string{"2024-03-15 14:30:00", "1970-01-01 00:00:00"}},
	{"2006-01-02 15:04:05.000", false,
		[]string{"2024-03-15 14:30:00.120", "2024-03-15 14:30:00.000", "2024-03-15 14:30:00.999"},
		[]string{"2024-03-15 14:30:00.12", "2024-03-15 14:30:00", "2024-03-15 14:30:00.999"}},
	{"2006-01-02T15:04:05-0700", true,
		[]string{"2024-03-15T14:30:00-0700", "2024-03-15T14:30:00+0000"},
		[]string{"2024-03-15 21:30:00+00", "2024-03-15 14:30:00+00"}},
	// Zone abbreviations resolve in UTC only (attrarrow's documented Go
	// limitation), so the cases use UTC and GMT.
	{"2006-01-02 15:04:05 MST", true,
		[]string{"2024-03-15 14:30:00 UTC", "2024-03-15 14:30:00 GMT"},
		[]string{"2024-03-15 14:30:00+00", "2024-03-15 14:30:00+00"}},
}

// TestTypesTimeFormat is the time_format acceptance table end to end: each
// layout is a dataset; strings in it come back as timestamptz (1184) when
// the layout has a zone and timestamp (1114) otherwise, printed as
// PostgreSQL prints them (checked against a real PostgreSQL). Strings added
// after inference that do not parse are NULL, with exactly one notice for
// the column, counting them; TimeZone changes how timestamptz is shown.
func TestTypesTimeFormat(t *testing.T) {
	pg := postgresConn(t)
	ctx := context.Background()
	var datasets []datasetYAML
	tables := make([]string, len(timeFormatCases))
	for i, tc := range timeFormatCases {
		var items []avMap
		for j, v := range tc.values {
			items = append(items, avMap{"id": avN(fmt.Sprint(j + 1)), "ts": avS(v), "note": avS("ok")})
		}
		tables[i] = typesTable(t, "timefmt", items)
		datasets = append(datasets, datasetYAML{name: fmt.Sprintf("tf%d", i), table: tables[i], params: withParams("time_format", tc.layout)})
	}
	gw := startGateway(t, datasets...)
	// Written after inference: neither parses with any of the layouts.
	for _, table := range tables {
		putItems(t, table, []avMap{
			{"id": avN("100"), "ts": avS("not a time"), "note": avS("bad")},
			{"id": avN("101"), "ts": avS("2024-13-45 99:99:99"), "note": avS("bad")},
		})
	}
	conn, notices := connectNotices(t, gw)
	for i, tc := range timeFormatCases {
		t.Run(tc.layout, func(t *testing.T) {
			wantOID := pgtypes.TimestampOID
			if tc.zoned {
				wantOID = pgtypes.TimestamptzOID
			}
			_, oids, rows, err := queryText(ctx, conn, fmt.Sprintf("SELECT ts, note FROM tf%d ORDER BY id", i))
			if err != nil {
				t.Fatal(err)
			}
			if oids[0] != wantOID {
				t.Errorf("type %s, want %s", typeName(oids[0]), typeName(wantOID))
			}
			want := append(append([]string(nil), tc.want...), "NULL", "NULL")
			if len(rows) != len(want) {
				t.Fatalf("%d rows, want %d", len(rows), len(want))
			}
			for r, w := range want {
				if rows[r][0] != w {
					t.Errorf("row %d: %q, want %q", r, rows[r][0], w)
				}
				if w != "NULL" {
					if canon := pgCanon(t, pg, typeName(wantOID), w); canon != w {
						t.Errorf("PostgreSQL prints %q as %q", w, canon)
					}
				}
			}
			// The rows whose time did not parse are kept whole.
			if rows[len(rows)-1][1] != "bad" {
				t.Errorf("the row with a bad time lost its other values: %v", rows[len(rows)-1])
			}
			ns := notices.take()
			if len(ns) != 1 || ns[0].Message != mismatchNotice("ts", 2) {
				t.Fatalf("notices %q, want exactly %q", noticeMessages(ns), mismatchNotice("ts", 2))
			}
			if n := ns[0]; n.Severity != "NOTICE" || n.Code != "01000" || !strings.Contains(n.Detail, tc.layout) {
				t.Errorf("notice %s %s detail %q: want NOTICE 01000 naming the layout", n.Severity, n.Code, n.Detail)
			}
		})
	}

	t.Run("TimeZone", func(t *testing.T) {
		if _, err := conn.Exec(ctx, "SET TimeZone = 'Asia/Kolkata'"); err != nil {
			t.Fatal(err)
		}
		defer conn.Exec(ctx, "RESET TimeZone")
		// tf0 is zoned, tf2 naive: only the first moves.
		rows, err := queryRows(ctx, conn, "SELECT a.ts, b.ts FROM tf0 a JOIN tf2 b ON a.id = b.id WHERE a.id = 1")
		if err != nil {
			t.Fatal(err)
		}
		if want := [][]string{{"2024-03-15 20:00:00+05:30", "2024-03-15 14:30:00"}}; fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("in Asia/Kolkata: %q, want %q", rows, want)
		}
		notices.take()
	})
}

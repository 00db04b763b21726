package test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// copyOut runs a COPY ... TO STDOUT and returns its data and tag, or the
// SQLSTATE and message of its error.
func copyOut(ctx context.Context, conn *pgconn.PgConn, sql string) (data []byte, result string) {
	var buf bytes.Buffer
	tag, err := conn.CopyTo(ctx, &buf, sql)
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe):
		return nil, "ERROR " + pe.Code + ": " + pe.Message
	case err != nil:
		return nil, "failed: " + err.Error()
	}
	return buf.Bytes(), tag.String()
}

// TestCopyToStdoutAgainstPostgres: COPY (query) TO STDOUT and COPY table TO
// STDOUT in text, CSV and binary, with their options, give PostgreSQL's
// bytes and tag (pgx's CopyTo is the client); COPY FROM is refused with
// PostgreSQL's SQLSTATE for a read-only transaction.
func TestCopyToStdoutAgainstPostgres(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	pgURL := loadIntoPostgres(t, f, "diff_copy")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// PostgreSQL in a read-only transaction, as pgdynamo always is.
	pg := dialPgconn(t, pgURL, map[string]string{"default_transaction_read_only": "on"}, nil)
	conn := dialPgconn(t, connString(gw), nil, nil)

	const people = "SELECT id, name, age, active, joined, score, city, seen FROM people ORDER BY id"
	tests := []struct {
		sql string
		// unordered compares the lines as a set (COPY table has no ORDER BY).
		unordered bool
	}{
		{"COPY (" + people + ") TO STDOUT", false},
		{"COPY (" + people + ") TO STDOUT WITH (FORMAT csv, HEADER)", false},
		{"COPY (" + people + ") TO STDOUT (FORMAT binary)", false},
		{"COPY (" + people + ") TO STDOUT (HEADER, DELIMITER '|', NULL '<null>')", false},
		{"COPY (SELECT id, name, city FROM people WHERE id < 40 ORDER BY id) TO STDOUT " +
			"(FORMAT csv, DELIMITER ';', NULL 'NULL', QUOTE '''', ESCAPE '\\', FORCE_QUOTE (name, city))", false},
		{"COPY (SELECT id, city FROM people ORDER BY id) TO STDOUT WITH CSV HEADER FORCE QUOTE *", false},
		{"COPY (SELECT id FROM people WHERE id < 0) TO STDOUT (FORMAT binary)", false},
		{"COPY (SELECT id FROM people WHERE id < 0) TO STDOUT (FORMAT csv, HEADER)", false},
		// Values that need escaping, quoting, or look like the markers.
		{`COPY (SELECT E'tab\there' AS "a b", E'new\nline\\back' AS c, 'semi;colon' AS d, '' AS e, E'\\.' AS f, NULL::text AS g) TO STDOUT`, false},
		{`COPY (SELECT E'tab\there' AS a, E'new\nline' AS c, 'say "hi"' AS d, '' AS e, NULL::text AS g, 'x,y' AS h) TO STDOUT (FORMAT csv, HEADER)`, false},
		{`COPY (SELECT E'\\.' AS only) TO STDOUT (FORMAT csv)`, false},
		{"COPY people TO STDOUT", true},
		{"COPY visits (person_id, visit_id) TO STDOUT (FORMAT csv)", true},
		{"COPY (SELECT 1 AS a) TO STDOUT (FORMAT csv, FORCE_QUOTE (b))", false},
		{"COPY people FROM STDIN", false},
		{"COPY (SELECT id FROM people WHERE id <= $1) TO STDOUT", false},
	}
	for _, tc := range tests {
		wantData, wantTag := copyOut(ctx, pg, tc.sql)
		gotData, gotTag := copyOut(ctx, conn, tc.sql)
		if gotTag != wantTag {
			t.Errorf("%s:\n got %s\nwant %s", tc.sql, gotTag, wantTag)
			continue
		}
		if tc.unordered {
			g, w := strings.Split(string(gotData), "\n"), strings.Split(string(wantData), "\n")
			slices.Sort(g)
			slices.Sort(w)
			gotData, wantData = []byte(strings.Join(g, "\n")), []byte(strings.Join(w, "\n"))
		}
		if !bytes.Equal(gotData, wantData) {
			t.Errorf("%s:\n got %q\nwant %q", tc.sql, copyDiff(gotData, wantData), copyDiff(wantData, gotData))
		}
	}
}

// copyDiff is a's bytes from a little before where it first differs from b.
func copyDiff(a, b []byte) []byte {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	start := max(i-40, 0)
	return a[start:min(len(a), i+80)]
}

// TestPsqlCopyOut: psql's \copy (SELECT ...) TO STDOUT, which sends COPY
// ... TO STDOUT and prints the data it receives.
func TestPsqlCopyOut(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	out, err := psql(t, gw, "-c", `\copy (SELECT id, name, city FROM people WHERE id <= 3 ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)`)
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	want := []string{"id,name,city"}
	for _, p := range f.people[:3] {
		city := ""
		if p.City != nil {
			city = *p.City
			if city == "" {
				city = `""`
			}
		}
		want = append(want, strings.Join([]string{strconv.FormatInt(p.ID, 10), p.Name, city}, ","))
	}
	if got := strings.Split(strings.TrimSpace(out), "\n"); !slices.Equal(got, want) {
		t.Errorf("psql \\copy printed\n%s\nwant\n%s", out, strings.Join(want, "\n"))
	}
}

package test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestTypesMismatchNoticed proves SPEC §3's promise for values that do not
// fit the type inferred from the sample (here: items written after the
// gateway inferred the schema): the value is NULL, every other value of
// the row is returned, and the client gets exactly one NoticeResponse per
// column naming it and counting its values — numbers beyond int64 in an
// int8 column included. Text columns take anything and never notice.
func TestTypesMismatchNoticed(t *testing.T) {
	good := []avMap{
		{"id": avN("1"), "n": avN("1"), "f": avN("1.5"), "s": avS("a"), "bo": avBool(true), "d": avS("2024-01-01"),
			"ts": avS("2024-01-01T00:00:00Z"), "b": avB(1), "l": avL(avN("1")), "ss": avSS("x"),
			"m": avM(avMap{"age": avN("30"), "name": avS("Ada")})},
		{"id": avN("2"), "n": avN("2"), "f": avN("2.5"), "s": avS("b"), "bo": avBool(false), "d": avS("2024-01-02"),
			"ts": avS("2024-01-02T00:00:00Z"), "b": avB(2), "l": avL(avN("2")), "ss": avSS("y"),
			"m": avM(avMap{"age": avN("31"), "name": avS("Bob")})},
	}
	table := typesTable(t, "mismatch", good)
	gw := startGateway(t, datasetYAML{name: "mm", table: table, params: inferAll})
	putItems(t, table, []avMap{
		// A string, a number beyond int64 and a fraction in the int8 column n.
		{"id": avN("10"), "n": avS("abc"), "bo": avS("yes"), "s": avN("5"), "ss": avNS("1")}, // text takes any kind: "5", {1}
		{"id": avN("11"), "n": avN("123456789012345678901234567890"), "l": avL(avN("3"), avS("x")),
			"m": avM(avMap{"age": avS("old"), "name": avS("Cy")}), "s": avBool(true)},
		{"id": avN("12"), "n": avN("1.5"), "d": avS("not a date"), "b": avS("x"), "s": avL(avN("1"), avS("a")),
			"ts": avN("1700000000"), "f": avS("x"), "m": avS("not a map")},
		// Fits everywhere: no notice for it.
		{"id": avN("13"), "n": avN("-9223372036854775808"), "f": avN("1E+125"), "s": avS("")},
	})
	conn, notices := connectNotices(t, gw)
	ctx := context.Background()

	_, _, rows, err := queryText(ctx, conn, "SELECT id, n, f, s, bo, d, ts, b, l, ss, m FROM mm ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"1", "1", "1.5", "a", "t", "2024-01-01", "2024-01-01 00:00:00+00", `\x01`, "{1}", "{x}", `{"age":30,"name":"Ada"}`},
		{"2", "2", "2.5", "b", "f", "2024-01-02", "2024-01-02 00:00:00+00", `\x02`, "{2}", "{y}", `{"age":31,"name":"Bob"}`},
		{"10", "NULL", "NULL", "5", "NULL", "NULL", "NULL", "NULL", "NULL", "{1}", "NULL"},
		{"11", "NULL", "NULL", "true", "NULL", "NULL", "NULL", "NULL", "{3,NULL}", "NULL", `{"age":null,"name":"Cy"}`},
		{"12", "NULL", "NULL", `[1,"a"]`, "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
		{"13", "-9223372036854775808", "1e+125", "", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
	}
	if fmt.Sprintf("%q", rows) != fmt.Sprintf("%q", want) {
		t.Errorf("rows\n%q\nwant\n%q", rows, want)
	}
	wantNotices := []string{
		mismatchNotice("b", 1),
		mismatchNotice("bo", 1),
		mismatchNotice("d", 1),
		mismatchNotice("f", 1),
		mismatchNotice("l", 1),
		mismatchNotice("m", 2),
		mismatchNotice("n", 3),
		mismatchNotice("ts", 1),
	}
	ns := notices.take()
	if got := noticeMessages(ns); !slices.Equal(got, wantNotices) {
		t.Errorf("notices\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantNotices, "\n"))
	}
	for _, n := range ns {
		if n.Severity != "NOTICE" || n.Code != "01000" || n.Detail == "" || n.Hint == "" {
			t.Errorf("notice %q: severity %s code %s detail %q hint %q", n.Message, n.Severity, n.Code, n.Detail, n.Hint)
		}
		// The detail describes the first value: path and kind, like
		// "m.age: expected int8, got S".
		if strings.Contains(n.Message, `"m"`) && !strings.Contains(n.Detail, "expected") {
			t.Errorf("detail %q does not say what was expected", n.Detail)
		}
	}

	// Only the columns a query reads are converted, so only they notice.
	t.Run("projection", func(t *testing.T) {
		if _, _, _, err := queryText(ctx, conn, "SELECT id, s FROM mm"); err != nil {
			t.Fatal(err)
		}
		if ns := notices.take(); len(ns) != 0 {
			t.Errorf("notices for columns not read: %q", noticeMessages(ns))
		}
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM mm").Scan(&n); err != nil || n != 6 {
			t.Errorf("count(*) = %d, %v; want 6", n, err)
		}
		if ns := notices.take(); len(ns) != 0 {
			t.Errorf("notices for count(*): %q", noticeMessages(ns))
		}
	})

	// An aggregate over the column still notices: the NULLs changed it.
	t.Run("aggregate", func(t *testing.T) {
		rows, err := queryRows(ctx, conn, "SELECT count(n), sum(n) FROM mm")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(rows) != "[[3 -9223372036854775805]]" {
			t.Errorf("count, sum = %v", rows)
		}
		if got := noticeMessages(notices.take()); !slices.Equal(got, []string{mismatchNotice("n", 3)}) {
			t.Errorf("notices %q, want one for n", got)
		}
	})

	// psql shows the notice as PostgreSQL's own, before the rows' end.
	t.Run("psql", func(t *testing.T) {
		out, err := psql(t, gw, "-A", "-t", "-c", "SELECT id, n FROM mm WHERE id >= 10 ORDER BY id")
		if err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
		for _, w := range []string{"10|\n11|\n12|\n13|-9223372036854775808\n", "NOTICE:  01000: " + mismatchNotice("n", 3), "DETAIL:  "} {
			if !strings.Contains(out, w) {
				t.Errorf("psql output lacks %q:\n%s", w, out)
			}
		}
	})
}

// TestTypesMismatchNoticedDespiteLimit: a LIMIT stops the scan early; the
// values it did convert (and NULL) are still reported, once per column even
// when the dataset is read twice.
func TestTypesMismatchNoticedDespiteLimit(t *testing.T) {
	table := typesTable(t, "mmlimit", []avMap{{"id": avN("1"), "n": avN("1")}})
	gw := startGateway(t, datasetYAML{name: "lim", table: table, params: inferAll})
	putItems(t, table, []avMap{{"id": avN("2"), "n": avS("two")}, {"id": avN("3"), "n": avS("three")}})
	conn, log := connectNotices(t, gw)
	ctx := context.Background()
	var n *int64
	if err := conn.QueryRow(ctx, "SELECT n FROM lim WHERE id = 2 LIMIT 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != nil {
		t.Fatalf("n = %d, want NULL", *n)
	}
	if got := noticeMessages(log.take()); len(got) != 1 || !strings.Contains(got[0], `column "n"`) {
		t.Fatalf("notices after LIMIT: %q, want one for column n", got)
	}
	var c int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM lim a JOIN lim b ON a.id = b.id WHERE a.n IS NULL AND b.n IS NULL").Scan(&c); err != nil {
		t.Fatal(err)
	}
	got := noticeMessages(log.take())
	if c != 2 || len(got) != 1 || got[0] != mismatchNotice("n", 4) {
		t.Fatalf("self-join: count %d, notices %q; want 2 and one notice summing both scans", c, got)
	}
}

package test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestCursorsDeclareFetchClose: server-side cursors as psycopg2's named
// cursors drive them (simple protocol, inside a transaction).
func TestCursorsDeclareFetchClose(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	conn := connect(t, gw)
	ctx := context.Background()
	pc := conn.PgConn()
	exec := func(sql string) []*pgconn.Result {
		t.Helper()
		res, err := pc.Exec(ctx, sql).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return res
	}
	_, err := pc.Exec(ctx, `DECLARE "c" CURSOR FOR SELECT id FROM people ORDER BY id`).ReadAll()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "25P01" {
		t.Fatalf("DECLARE outside a transaction: %v, want 25P01", err)
	}
	exec("BEGIN")
	if tag := exec(`DECLARE "c" CURSOR WITHOUT HOLD FOR SELECT id FROM people ORDER BY id`)[0].CommandTag.String(); tag != "DECLARE CURSOR" {
		t.Fatalf("tag %q", tag)
	}
	var ids []string
	for {
		res := exec(`FETCH FORWARD 50 FROM "c"`)[0]
		if len(res.FieldDescriptions) != 1 || res.FieldDescriptions[0].Name != "id" {
			t.Fatalf("FETCH columns %v", res.FieldDescriptions)
		}
		if tag := res.CommandTag.String(); tag != fmt.Sprintf("FETCH %d", len(res.Rows)) {
			t.Fatalf("tag %q for %d rows", tag, len(res.Rows))
		}
		for _, r := range res.Rows {
			ids = append(ids, string(r[0]))
		}
		if len(res.Rows) < 50 {
			break
		}
	}
	if len(ids) != len(f.people) || ids[0] != "1" || ids[len(ids)-1] != fmt.Sprint(len(f.people)) {
		t.Fatalf("read %d ids through the cursor", len(ids))
	}
	// Past the end a cursor keeps answering with no rows.
	for i := 0; i < 2; i++ {
		if res := exec(`FETCH FORWARD 50 FROM "c"`)[0]; len(res.Rows) != 0 || res.CommandTag.String() != "FETCH 0" {
			t.Fatalf("FETCH past the end: %d rows, tag %q", len(res.Rows), res.CommandTag.String())
		}
	}
	if tag := exec(`CLOSE "c"`)[0].CommandTag.String(); tag != "CLOSE CURSOR" {
		t.Fatalf("tag %q", tag)
	}
	_, err = pc.Exec(ctx, `FETCH 1 FROM "c"`).ReadAll()
	if !errors.As(err, &pe) || pe.Code != "34000" {
		t.Fatalf("FETCH after CLOSE: %v, want 34000", err)
	}
	exec("ROLLBACK")
	// WITH HOLD outlives the transaction.
	exec("BEGIN")
	exec("DECLARE h CURSOR WITH HOLD FOR SELECT count(*) FROM visits")
	exec("COMMIT")
	if res := exec("FETCH ALL FROM h")[0]; len(res.Rows) != 1 || string(res.Rows[0][0]) != fmt.Sprint(len(f.visits)) {
		t.Fatalf("held cursor: %v", res.Rows)
	}
	exec("CLOSE ALL")
}

func TestCursorsPsycopg2NamedCursor(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	python := psycopg2Python(t)
	host, port, _ := strings.Cut(gw.Addr().String(), ":")
	script := fmt.Sprintf(`
import psycopg2
conn = psycopg2.connect(host=%q, port=%s, user="tester", dbname="e2e", sslmode="disable")
cur = conn.cursor(name="big")
cur.itersize = 7
cur.execute("SELECT id, name FROM people WHERE age > %%s ORDER BY id", (0,))
n = sum(1 for _ in cur)
cur.close()
conn.commit()
print(n)
`, host, port)
	out, err := exec.Command(python, "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("psycopg2: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != fmt.Sprint(len(f.people)) {
		t.Fatalf("named cursor read %s rows, want %d", got, len(f.people))
	}
}

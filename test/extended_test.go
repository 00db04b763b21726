package test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/gateway"
)

// connectExtended opens a pgx connection in its default mode: the extended
// protocol with cached prepared statements and binary results.
func connectExtended(t testing.TB, gw *gateway.Gateway) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString(gw))
	if err != nil {
		t.Fatalf("connecting: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestExtendedProtocolParameters(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	ctx := context.Background()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec} {
		t.Run(mode.String(), func(t *testing.T) {
			conn := connectExtended(t, gw)
			want := f.people[41]
			var (
				name   string
				age    int64
				active bool
				joined time.Time
				score  *float64
			)
			// Run it several times: pgx switches to a prepared statement and
			// binary results on reuse.
			for i := 0; i < 3; i++ {
				err := conn.QueryRow(ctx, "SELECT name, age, active, joined, score FROM people WHERE id = $1", mode, want.ID).
					Scan(&name, &age, &active, &joined, &score)
				if err != nil {
					t.Fatal(err)
				}
			}
			if name != want.Name || age != want.Age || active != want.Active || joined.Format("2006-01-02") != want.Joined {
				t.Errorf("got %q %d %v %v, want %+v", name, age, active, joined, want)
			}
			if (score == nil) != (want.Score == nil) || (score != nil && *score != *want.Score) {
				t.Errorf("score %v, want %v", score, want.Score)
			}
			var n int64
			if err := conn.QueryRow(ctx, "SELECT count(*) FROM people WHERE age BETWEEN $1 AND $2 AND name LIKE $3", mode, 20, 40, "A%").Scan(&n); err != nil {
				t.Fatal(err)
			}
			var wantN int64
			for _, p := range f.people {
				if p.Age >= 20 && p.Age <= 40 && len(p.Name) > 0 && p.Name[0] == 'A' {
					wantN++
				}
			}
			if n != wantN {
				t.Errorf("count = %d, want %d", n, wantN)
			}
		})
	}
}

func TestExtendedProtocolErrorsRecover(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connectExtended(t, gw)
	ctx := context.Background()
	for _, tc := range []struct{ sql, code string }{
		{"SELEC $1", "42601"},
		{"SELECT * FROM nope WHERE id = $1", "42P01"},
		{"DELETE FROM people WHERE id = $1", "25006"},
	} {
		_, err := conn.Exec(ctx, tc.sql, 1)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != tc.code {
			t.Errorf("%s: %v, want %s", tc.sql, err, tc.code)
		}
		var one int
		if err := conn.QueryRow(ctx, "SELECT $1::int", 1).Scan(&one); err != nil || one != 1 {
			t.Fatalf("after %q: %v", tc.sql, err)
		}
	}
}

// TestPortalSuspendedAcrossExecutes drives the protocol by hand the way
// pgjdbc's setFetchSize does: a named portal in a transaction, fetched a
// few rows per Execute, surviving Sync.
func TestPortalSuspendedAcrossExecutes(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	conn := connectExtended(t, gw)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pc := conn.PgConn()
	if _, err := pc.Exec(ctx, "BEGIN").ReadAll(); err != nil {
		t.Fatal(err)
	}
	fe := pc.Frontend()
	fe.Send(&pgproto3.Parse{Name: "S_1", Query: "SELECT id FROM people ORDER BY id"})
	fe.Send(&pgproto3.Bind{PreparedStatement: "S_1", DestinationPortal: "C_1"})
	fe.Send(&pgproto3.Describe{ObjectType: 'P', Name: "C_1"})
	fe.Send(&pgproto3.Execute{Portal: "C_1", MaxRows: 50})
	fe.Send(&pgproto3.Sync{})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	suspended := 0
	read := func() {
		for {
			msg, err := pc.ReceiveMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			switch m := msg.(type) {
			case *pgproto3.DataRow:
				ids = append(ids, string(m.Values[0]))
			case *pgproto3.PortalSuspended:
				suspended++
			case *pgproto3.ErrorResponse:
				t.Fatalf("error: %s %s", m.Code, m.Message)
			case *pgproto3.ReadyForQuery:
				if m.TxStatus != 'T' {
					t.Fatalf("status %c inside the transaction", m.TxStatus)
				}
				return
			}
		}
	}
	read()
	for round := 0; round < 5 && len(ids) < len(f.people); round++ {
		fe.Send(&pgproto3.Execute{Portal: "C_1", MaxRows: 50})
		fe.Send(&pgproto3.Sync{})
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		read()
	}
	if len(ids) != len(f.people) {
		t.Fatalf("read %d rows through the portal, want %d", len(ids), len(f.people))
	}
	for i, id := range ids {
		if id != fmt.Sprint(i+1) {
			t.Fatalf("row %d is id %s", i, id)
		}
	}
	if suspended != 2 {
		t.Errorf("PortalSuspended %d times, want 2 (50 + 50 + 20 rows)", suspended)
	}
	if _, err := pc.Exec(ctx, "COMMIT").ReadAll(); err != nil {
		t.Fatal(err)
	}
}

func TestSuspendedPortalSurvivesOtherQueries(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	conn := connectExtended(t, gw)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pc := conn.PgConn()
	if _, err := pc.Exec(ctx, "BEGIN").ReadAll(); err != nil {
		t.Fatal(err)
	}
	fe := pc.Frontend()
	fe.Send(&pgproto3.Parse{Name: "S_2", Query: "SELECT id FROM people ORDER BY id"})
	fe.Send(&pgproto3.Bind{PreparedStatement: "S_2", DestinationPortal: "C_2"})
	fe.Send(&pgproto3.Execute{Portal: "C_2", MaxRows: 10})
	fe.Send(&pgproto3.Sync{})
	fe.Flush()
	rows := 0
	drain := func() {
		for {
			msg, err := pc.ReceiveMessage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			switch m := msg.(type) {
			case *pgproto3.DataRow:
				rows++
			case *pgproto3.ErrorResponse:
				t.Fatalf("error: %s %s", m.Code, m.Message)
			case *pgproto3.ReadyForQuery:
				return
			}
		}
	}
	drain()
	// Another query while C_2 is suspended.
	res, err := pc.Exec(ctx, "SELECT count(*) FROM visits").ReadAll()
	if err != nil || len(res) != 1 || string(res[0].Rows[0][0]) != fmt.Sprint(len(f.visits)) {
		t.Fatalf("interleaved query: %v %v", res, err)
	}
	fe.Send(&pgproto3.Execute{Portal: "C_2"})
	fe.Send(&pgproto3.Sync{})
	fe.Flush()
	drain()
	if rows != len(f.people) {
		t.Fatalf("portal gave %d rows in total, want %d", rows, len(f.people))
	}
}

func TestDeallocateAndDiscardDropStatements(t *testing.T) {
	_, gw := fixtureGateway(t, nil)
	conn := connectExtended(t, gw)
	ctx := context.Background()
	pc := conn.PgConn()
	for _, drop := range []string{"DEALLOCATE s1", "DEALLOCATE ALL", "DISCARD ALL"} {
		if _, err := pc.Prepare(ctx, "s1", "SELECT count(*) FROM people WHERE age > $1", nil); err != nil {
			t.Fatal(err)
		}
		if r := pc.ExecPrepared(ctx, "s1", [][]byte{[]byte("30")}, nil, nil).Read(); r.Err != nil {
			t.Fatalf("before %s: %v", drop, r.Err)
		}
		res, err := pc.Exec(ctx, drop).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", drop, err)
		}
		if tag := res[0].CommandTag.String(); tag != drop && !(drop == "DEALLOCATE s1" && tag == "DEALLOCATE") {
			t.Errorf("%s: tag %q", drop, tag)
		}
		r := pc.ExecPrepared(ctx, "s1", [][]byte{[]byte("30")}, nil, nil).Read()
		var pe *pgconn.PgError
		if !errors.As(r.Err, &pe) || pe.Code != "26000" {
			t.Errorf("after %s the statement still runs: %v", drop, r.Err)
		}
	}
}

func TestArrayParameters(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	ctx := context.Background()
	// 5 twice: each partition must still be read once.
	ids := []int64{3, 5, 8, 13, 999, 5}
	want := 0
	for _, p := range f.people {
		for _, id := range []int64{3, 5, 8, 13, 999} {
			if p.ID == id {
				want++
			}
		}
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		conn := connectExtended(t, gw)
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM people WHERE id = ANY($1)", mode, ids).Scan(&n); err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		if n != want {
			t.Errorf("%v: %d rows, want %d", mode, n, want)
		}
		var names []string
		if err := conn.QueryRow(ctx, "SELECT array_agg(name ORDER BY id) FROM people WHERE name = ANY($1::text[])", mode, []string{f.people[0].Name, f.people[1].Name}).Scan(&names); err != nil {
			t.Fatalf("%v text[]: %v", mode, err)
		}
		if len(names) < 2 {
			t.Errorf("%v: names %v", mode, names)
		}
	}
}

// TestKeyParameterQueries: "id = $1" becomes a Query once $1 is bound, in
// every pgx mode; a value of the wrong kind falls back to a Scan, same rows.
func TestKeyParameterQueries(t *testing.T) {
	f, gw := fixtureGateway(t, nil)
	ctx := context.Background()
	want := f.people[41]
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		conn := connectExtended(t, gw)
		var name string
		if err := conn.QueryRow(ctx, "SELECT name FROM people WHERE id = $1", mode, want.ID).Scan(&name); err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		if name != want.Name {
			t.Errorf("%v: name %q, want %q", mode, name, want.Name)
		}
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM visits WHERE person_id = $1", mode, want.ID).Scan(&n); err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		wantN := 0
		for _, v := range f.visits {
			if v.PersonID == want.ID {
				wantN++
			}
		}
		if n != wantN {
			t.Errorf("%v: %d visits, want %d", mode, n, wantN)
		}
	}
}

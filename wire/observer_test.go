package wire_test

import (
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/wire"
)

// recorder is an Observer that keeps what it was told.
type recorder struct {
	mu             sync.Mutex
	opened, closed int
	statements     []string // one SQLSTATE per statement, "" for success
	durations      []time.Duration
}

func (r *recorder) ConnOpened() { r.mu.Lock(); r.opened++; r.mu.Unlock() }
func (r *recorder) ConnClosed() { r.mu.Lock(); r.closed++; r.mu.Unlock() }
func (r *recorder) StatementDone(d time.Duration, sqlstate string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statements = append(r.statements, sqlstate)
	r.durations = append(r.durations, d)
}

// take returns and forgets the statements reported so far.
func (r *recorder) take() ([]string, []time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, d := r.statements, r.durations
	r.statements, r.durations = nil, nil
	return s, d
}

func (r *recorder) conns() (opened, closed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opened, r.closed
}

// TestObserver checks that every statement is reported exactly once, by
// the simple and the extended protocol alike, with its SQLSTATE.
func TestObserver(t *testing.T) {
	rec := &recorder{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := wire.NewServer(wire.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Observer: rec}, fuzzEngine{})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(t.Context()) })
	addr := ln.Addr().String()

	nc := startup(t, addr)
	fe := pgproto3.NewFrontend(nc, nc)
	bind := &pgproto3.Bind{Parameters: [][]byte{[]byte("1")}}
	tests := []struct {
		name string
		msgs []pgproto3.FrontendMessage
		want []string
	}{
		{"simple", []pgproto3.FrontendMessage{&pgproto3.Query{String: "SELECT 1"}}, []string{""}},
		{"simple, failing", []pgproto3.FrontendMessage{&pgproto3.Query{String: "fail"}}, []string{"42601"}},
		{"empty query", []pgproto3.FrontendMessage{&pgproto3.Query{String: ""}}, nil},
		{"extended", []pgproto3.FrontendMessage{&pgproto3.Parse{Query: "SELECT $1"}, bind, &pgproto3.Execute{}, &pgproto3.Sync{}}, []string{""}},
		{"extended, twice in one batch", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "SELECT $1"}, bind, &pgproto3.Execute{}, bind, &pgproto3.Execute{}, &pgproto3.Sync{},
		}, []string{"", ""}},
		{"extended, failing Parse skips to Sync", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "fail"}, bind, &pgproto3.Execute{}, &pgproto3.Sync{},
		}, []string{"42601"}},
		{"prepare only", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s", Query: "SELECT $1"}, &pgproto3.Describe{ObjectType: 'S', Name: "s"}, &pgproto3.Sync{},
		}, nil},
		{"suspended portal is one statement", []pgproto3.FrontendMessage{
			&pgproto3.Bind{PreparedStatement: "s", Parameters: [][]byte{[]byte("1")}},
			&pgproto3.Execute{MaxRows: 1}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Execute{}, &pgproto3.Sync{},
		}, []string{""}},
		{"unknown portal", []pgproto3.FrontendMessage{&pgproto3.Execute{Portal: "nope"}, &pgproto3.Sync{}}, []string{"34000"}},
	}
	for _, tc := range tests {
		for _, m := range tc.msgs {
			fe.Send(m)
		}
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		for {
			msg, err := fe.Receive()
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
				break
			}
		}
		// StatementDone runs before ReadyForQuery is sent.
		got, durations := rec.take()
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: statements %q, want %q", tc.name, got, tc.want)
		}
		for _, d := range durations {
			if d <= 0 || d > time.Minute {
				t.Errorf("%s: duration %v", tc.name, d)
			}
		}
	}

	if opened, _ := rec.conns(); opened != 1 {
		t.Errorf("%d connections opened, want 1", opened)
	}
	fe.Send(&pgproto3.Terminate{})
	fe.Flush()
	nc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, closed := rec.conns(); closed == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ConnClosed was not reported")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

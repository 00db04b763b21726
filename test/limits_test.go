package test

// runtime.limits end to end (SPEC §8): each limit is shown by SHOW and
// pg_settings and enforced with PostgreSQL's SQLSTATE, and the server and
// the other sessions go on.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdynamo/pgdynamo/gateway"
)

// limitsGateway serves no dataset with runtime.limits set to limits (YAML
// lines, each "key: value").
func limitsGateway(t *testing.T, limits ...string) *gateway.Gateway {
	t.Helper()
	yaml := "  limits:\n"
	for _, l := range limits {
		yaml += "    " + l + "\n"
	}
	gw, err := startConfigured(t, runtimeConfig(t, yaml, nil))
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

// wantCode fails unless err is a PostgreSQL error with code.
func wantCode(t *testing.T, err error, code string) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("got %v, want SQLSTATE %s", err, code)
	}
	return pe
}

func TestLimitsShownBySHOWAndPgSettings(t *testing.T) {
	gw := limitsGateway(t, "memory_limit: 256MB", "max_connections: 7", "authentication_timeout: 5s",
		"statement_timeout: 90s", "idle_in_transaction_session_timeout: 2min")
	conn := connect(t, gw)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for name, want := range map[string]string{
		"pgdynamo.memory_limit":               "256MB",
		"max_connections":                     "7",
		"authentication_timeout":              "5s",
		"statement_timeout":                   "90000",
		"idle_in_transaction_session_timeout": "120000",
	} {
		var shown, setting string
		if err := conn.QueryRow(ctx, "SHOW "+name).Scan(&shown); err != nil {
			t.Fatalf("SHOW %s: %v", name, err)
		}
		if err := conn.QueryRow(ctx, "SELECT setting FROM pg_settings WHERE name = $1", name).Scan(&setting); err != nil {
			t.Fatalf("pg_settings %s: %v", name, err)
		}
		if shown != want || setting != want {
			t.Errorf("%s: SHOW %q, pg_settings %q, want %q", name, shown, setting, want)
		}
	}
	// The server's limits cannot be SET; the session defaults can, and
	// RESET returns to the configured value.
	for _, name := range []string{"pgdynamo.memory_limit", "max_connections", "authentication_timeout"} {
		_, err := conn.Exec(ctx, "SET "+name+" = 1")
		wantCode(t, err, "55P02")
	}
	var v string
	if _, err := conn.Exec(ctx, "SET statement_timeout = 0"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SHOW statement_timeout").Scan(&v); err != nil || v != "0" {
		t.Fatalf("after SET: %q %v", v, err)
	}
	if _, err := conn.Exec(ctx, "RESET statement_timeout"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SHOW statement_timeout").Scan(&v); err != nil || v != "90000" {
		t.Fatalf("after RESET: %q %v", v, err)
	}
}

// TestMaxConnections: past max_connections a login gets PostgreSQL's FATAL
// 53300; a slot freed is taken again, and the sessions in are served.
func TestMaxConnections(t *testing.T) {
	gw := limitsGateway(t, "max_connections: 3")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var conns []*pgx.Conn
	for range 3 {
		conns = append(conns, connect(t, gw))
	}
	_, err := pgx.Connect(ctx, connString(gw))
	pe := wantCode(t, err, "53300")
	if pe.Severity != "FATAL" || pe.Message != "sorry, too many clients already" {
		t.Errorf("refusal: %s %q", pe.Severity, pe.Message)
	}
	for _, c := range conns {
		var one int
		if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("a session in: %d %v", one, err)
		}
	}
	conns[0].Close(ctx)
	// The slot is given back when the server has seen the Terminate.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := pgx.Connect(ctx, connString(gw))
		if err == nil {
			c.Close(ctx)
			break
		}
		wantCode(t, err, "53300")
		if time.Now().After(deadline) {
			t.Fatal("the closed session's slot never came back")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAuthenticationTimeout: a client that connects and never finishes its
// startup — silent, or with half a startup packet — is disconnected by the
// server; the ones that log in are not.
func TestAuthenticationTimeout(t *testing.T) {
	gw := limitsGateway(t, "authentication_timeout: 1s")
	silent := dialRaw(t, gw)
	half := dialRaw(t, gw)
	if _, err := half.Write([]byte{0, 0, 0, 40, 0, 3, 0, 0, 'u', 's'}); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, gw)
	for name, c := range map[string]net.Conn{"silent": silent, "half a startup": half} {
		// Generous: the point is that the server, not the test, ends it.
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, err := c.Read(make([]byte, 1))
		if n != 0 || !errors.Is(err, io.EOF) {
			t.Errorf("%s: read %d bytes, %v; want the server to close the connection", name, n, err)
		}
	}
	time.Sleep(1500 * time.Millisecond) // longer than the timeout
	var one int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("a logged-in session after authentication_timeout: %v", err)
	}
}

// dialRaw opens a TCP connection to the gateway, closed when the test ends.
func dialRaw(t testing.TB, gw *gateway.Gateway) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", gw.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestIdleInTransactionSessionTimeout: a session idle inside a transaction
// block past idle_in_transaction_session_timeout gets FATAL 25P03 and is
// disconnected, as in PostgreSQL; idle outside a block it stays.
func TestIdleInTransactionSessionTimeout(t *testing.T) {
	gw := limitsGateway(t, "idle_in_transaction_session_timeout: 300ms")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	idle := connect(t, gw)
	time.Sleep(time.Second)
	var one int
	if err := idle.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("idle outside a transaction: %v", err)
	}
	for _, begin := range []string{"BEGIN", "BEGIN; SELECT 1/0"} { // in a block, and in a failed one
		t.Run(begin, func(t *testing.T) {
			conn := connect(t, gw)
			pc := conn.PgConn()
			pc.Exec(ctx, begin).ReadAll()
			if s := pc.TxStatus(); s != 'T' && s != 'E' {
				t.Fatalf("transaction status %c after %s", s, begin)
			}
			// pgconn reads the FATAL as the end of the connection.
			msg, err := pc.ReceiveMessage(ctx)
			pe := wantCode(t, err, "25P03")
			if pe.Severity != "FATAL" || pe.Message != "terminating connection due to idle-in-transaction timeout" {
				t.Fatalf("got %s %q (message %#v)", pe.Severity, pe.Message, msg)
			}
			if !pc.IsClosed() {
				t.Fatal("the connection is still open after the FATAL")
			}
		})
	}
	// A session may turn it off.
	conn := connect(t, gw)
	if _, err := conn.Exec(ctx, "SET idle_in_transaction_session_timeout = 0"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("with the timeout off: %v", err)
	}
}

// slowQuery runs for minutes in the engine alone.
const slowQuery = "SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 7 = 3"

// TestStatementTimeoutDefault: runtime.limits.statement_timeout cancels a
// long statement with 57014 in about that time, and the session goes on.
func TestStatementTimeoutDefault(t *testing.T) {
	gw := limitsGateway(t, "statement_timeout: 300ms")
	conn := connect(t, gw)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	_, err := conn.Exec(ctx, slowQuery)
	took := time.Since(start)
	pe := wantCode(t, err, "57014")
	if pe.Message != "canceling statement due to statement timeout" {
		t.Errorf("message %q", pe.Message)
	}
	t.Logf("cancelled after %v", took)
	if took > 20*time.Second {
		t.Errorf("the statement ran %v past a 300ms statement_timeout", took)
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("the session after the timeout: %v", err)
	}
}

// TestMemoryBomb: the query, which took a gateway to 13 GB, ends
// with 53200 (or its right answer) in a server whose memory_limit is 1GB,
// while the server's RSS stays under the limit + 20%; the session and the
// server go on.
func TestMemoryBomb(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/pgdynamo.yaml"
	const limit = 1 << 30
	cfg := "version: v1\nkind: Spicepod\nname: bomb\nruntime:\n  pg:\n    listen: 127.0.0.1:0\n  metrics:\n    listen: 127.0.0.1:0\n" +
		"  limits:\n    memory_limit: 1GB\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, path)
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if rss := processRSS(p.cmd.Process.Pid); rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, "postgres://tester@"+p.pg+"/bomb?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	err = conn.QueryRow(ctx, "SELECT length(string_agg(repeat('x', 100000), '')) FROM range(100000)").Scan(&n)
	close(stop)
	<-sampled
	t.Logf("peak RSS %d MiB with memory_limit 1GB; answer %d, %v", peak.Load()>>20, n, err)
	if err != nil {
		pe := wantCode(t, err, "53200")
		if pe.Message != "out of memory" || !strings.Contains(pe.Hint, "pgdynamo.memory_limit") {
			t.Errorf("message %q hint %q", pe.Message, pe.Hint)
		}
	} else if n != 100000*100000 {
		t.Errorf("answer %d, want %d", n, 100000*100000)
	}
	if max := int64(limit) * 6 / 5; peak.Load() > max {
		t.Errorf("peak RSS %d MiB, over the limit + 20%% (%d MiB)", peak.Load()>>20, max>>20)
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("the session after the bomb: %v", err)
	}
	other, err := pgx.Connect(ctx, "postgres://tester@"+p.pg+"/bomb?sslmode=disable")
	if err != nil {
		t.Fatalf("a new session after the bomb: %v", err)
	}
	other.Close(ctx)
}

// processRSS is pid's resident set size in bytes (Linux), 0 if unknown.
func processRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

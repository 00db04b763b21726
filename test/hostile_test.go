package test

// Hostile clients over real sockets (issue 12): garbage, absurd message
// lengths, floods of silent connections, a client that never reads, and a
// thousand sessions at once. The server must stay up, its memory bounded,
// other clients served promptly, and every goroutine a hostile connection
// started must end with it (goleak).

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"go.uber.org/goleak"

	"github.com/pgdynamo/pgdynamo/gateway"
)

// noLeaks snapshots the goroutines running now (the gateway's own among
// them); the returned func fails the test if others are still running
// once the hostile connections are gone.
func noLeaks(t *testing.T) func() {
	t.Helper()
	current := goleak.IgnoreCurrent()
	return func() {
		t.Helper()
		// The SDK's idle HTTP connections to DynamoDB Local come and go
		// on their own schedule.
		if err := goleak.Find(current,
			goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
			goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop")); err != nil {
			t.Errorf("goroutines left behind by the hostile connections:\n%v", err)
		}
	}
}

// serverAlive checks that a new client logs in and gets an answer within
// limit.
func serverAlive(t *testing.T, gw *gateway.Gateway, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgconn.Connect(ctx, connString(gw))
	if err != nil {
		t.Fatalf("a normal client cannot connect: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "SELECT 1").ReadAll(); err != nil {
		t.Fatalf("a normal client's query: %v", err)
	}
	took := time.Since(start)
	if took > limit {
		t.Errorf("a normal client took %v to connect and query, more than %v", took, limit)
	}
	return took
}

// raiseFileLimit lifts the soft limit on open files to the hard one: the
// flood tests hold a few thousand sockets at both ends.
func raiseFileLimit(t *testing.T, need uint64) {
	t.Helper()
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	if rl.Cur < need && rl.Max > rl.Cur {
		rl.Cur = min(rl.Max, need)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			t.Fatal(err)
		}
	}
	if rl.Cur < need {
		t.Fatalf("open files limit %d, this test needs %d (ulimit -n)", rl.Cur, need)
	}
}

// readUntilClosed reads what the server sends until it closes the
// connection, and fails if it does not within d.
func readUntilClosed(t *testing.T, c net.Conn, d time.Duration, what string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("%s: the server did not close the connection within %v", what, d)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestHostileGarbage: random bytes before and after login, a startup
// packet declaring 2³¹−1 bytes and a message declaring 1 GB: each
// connection is closed, nothing of the declared sizes is allocated, and a
// normal client is served meanwhile.
func TestHostileGarbage(t *testing.T) {
	gw := limitsGateway(t, "authentication_timeout: 2s")
	serverAlive(t, gw, 5*time.Second)
	leaks := noLeaks(t)
	heap := heapInUse()

	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dialRaw(t, gw)
			junk := make([]byte, 64<<10)
			rand.Read(junk)
			if i%2 == 1 {
				// After a real login: random messages.
				login(t, c)
			}
			c.Write(junk)
			readUntilClosed(t, c, 30*time.Second, "random bytes")
		}()
	}
	// A startup packet of 2³¹−1 bytes.
	huge := dialRaw(t, gw)
	start := make([]byte, 8)
	binary.BigEndian.PutUint32(start, 1<<31-1)
	binary.BigEndian.PutUint32(start[4:], 3<<16)
	huge.Write(start)
	readUntilClosed(t, huge, 30*time.Second, "a startup packet of 2^31-1 bytes")
	// A Query declaring 1 GB after login.
	big := dialRaw(t, gw)
	login(t, big)
	msg := []byte{'Q', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(msg[1:], 1<<30)
	big.Write(append(msg, "SELECT 1"...))
	readUntilClosed(t, big, 30*time.Second, "a message declaring 1 GB")
	serverAlive(t, gw, 5*time.Second)
	wg.Wait()
	grew := int64(heapInUse()) - int64(heap)
	t.Logf("Go heap in use grew by %d KiB across the hostile connections", grew>>10)
	if grew > 64<<20 {
		t.Errorf("the Go heap grew by %d MiB", grew>>20)
	}
	leaks()
}

// login sends a startup packet for user tester on c and reads up to the
// first ReadyForQuery.
func login(t *testing.T, c net.Conn) {
	t.Helper()
	params := "user\x00tester\x00database\x00e2e\x00\x00"
	pkt := make([]byte, 8, 8+len(params))
	binary.BigEndian.PutUint32(pkt, uint32(8+len(params)))
	binary.BigEndian.PutUint32(pkt[4:], 3<<16)
	if _, err := c.Write(append(pkt, params...)); err != nil {
		t.Error(err)
		return
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	head := make([]byte, 5)
	for {
		if _, err := io.ReadFull(c, head); err != nil {
			t.Errorf("login: %v", err)
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(head[1:])-4)
		if _, err := io.ReadFull(c, body); err != nil {
			t.Errorf("login: %v", err)
			return
		}
		if head[0] == 'Z' {
			return
		}
	}
}

// TestSilentConnectionFlood: 2,000 connections that never send a byte do
// not stop a normal client from connecting and querying within a second;
// when they go, their goroutines go too.
func TestSilentConnectionFlood(t *testing.T) {
	const silent = 2000
	raiseFileLimit(t, 3*silent)
	gw := limitsGateway(t)
	serverAlive(t, gw, 5*time.Second)
	leaks := noLeaks(t)
	rss := processRSS(os.Getpid())
	conns := make([]net.Conn, 0, silent)
	for range silent {
		c, err := net.DialTimeout("tcp", gw.Addr().String(), 10*time.Second)
		if err != nil {
			t.Fatalf("silent connection %d: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	// Every one accepted and waiting for its startup.
	time.Sleep(200 * time.Millisecond)
	took := serverAlive(t, gw, time.Second)
	t.Logf("with %d silent connections: a normal client connected and queried in %v; RSS %d → %d MiB",
		silent, took.Round(time.Millisecond), rss>>20, processRSS(os.Getpid())>>20)
	for _, c := range conns {
		c.Close()
	}
	leaks()
}

// TestClientThatNeverReads: a client sends a query with a 10 GB result and
// never reads it. The server blocks on that socket only: its memory stays
// bounded, other clients are served promptly, and when the client goes
// the statement ends with it.
func TestClientThatNeverReads(t *testing.T) {
	gw := limitsGateway(t)
	serverAlive(t, gw, 5*time.Second)
	leaks := noLeaks(t)
	heap := heapInUse()
	c := dialRaw(t, gw)
	c.(*net.TCPConn).SetReadBuffer(4096)
	login(t, c)
	q := "SELECT repeat('x', 1000) FROM range(10000000)\x00"
	msg := []byte{'Q', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(msg[1:], uint32(4+len(q)))
	if _, err := c.Write(append(msg, q...)); err != nil {
		t.Fatal(err)
	}
	peak := uint64(0)
	for range 10 {
		time.Sleep(200 * time.Millisecond)
		peak = max(peak, heapInUse())
	}
	took := serverAlive(t, gw, 5*time.Second)
	t.Logf("while a client does not read its 10 GB: Go heap %d → peak %d MiB; another client served in %v",
		heap>>20, peak>>20, took.Round(time.Millisecond))
	if peak > heap+128<<20 {
		t.Errorf("the Go heap grew by %d MiB for a client that does not read", (peak-heap)>>20)
	}
	c.Close()
	leaks()
}

// TestThousandSessions: 1,000 sessions held at once, half of them running
// a query while the rest sit idle; every query is answered and the RSS per
// session is reported.
func TestThousandSessions(t *testing.T) {
	const sessions = 1000
	raiseFileLimit(t, 4*sessions)
	gw := limitsGateway(t, fmt.Sprintf("max_connections: %d", sessions+1)) // and serverAlive's
	serverAlive(t, gw, 5*time.Second)
	leaks := noLeaks(t)
	runtime.GC()
	before := processRSS(os.Getpid())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conns := make([]*pgconn.PgConn, sessions)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	sem := make(chan struct{}, 32)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := pgconn.Connect(ctx, connString(gw))
			if err != nil {
				errs <- fmt.Errorf("session %d: %w", i, err)
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	connected := time.Since(start)
	held := processRSS(os.Getpid())
	// Half of them query at once, the others stay idle.
	start = time.Now()
	results := make(chan error, sessions/2)
	for i := 0; i < sessions; i += 2 {
		go func() {
			res := conns[i].ExecParams(ctx, "SELECT sum(i) FROM range(10000) t(i)", nil, nil, nil, nil).Read()
			if res.Err == nil && (len(res.Rows) != 1 || string(res.Rows[0][0]) != "49995000") {
				res.Err = fmt.Errorf("session %d: %q", i, res.Rows)
			}
			results <- res.Err
		}()
	}
	for range sessions / 2 {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}
	queried := time.Since(start)
	active := processRSS(os.Getpid())
	took := serverAlive(t, gw, 5*time.Second)
	t.Logf("%d sessions: connected in %v, RSS %d → %d MiB held (%d KiB a session), %d MiB with %d querying (answered in %v); a new client served in %v",
		sessions, connected.Round(time.Millisecond), before>>20, held>>20, (held-before)/sessions>>10, active>>20, sessions/2,
		queried.Round(time.Millisecond), took.Round(time.Millisecond))
	for _, c := range conns {
		c.Close(ctx)
	}
	leaks()
}

// TestDeepAndEnormousSQL: statements nested deeply enough to overflow the
// parser's C stack (a crash of the whole process before) get 54001, texts
// over 1 MiB or 65,536 tokens 54000; ordinary ones are answered; the
// session and the server go on.
func TestDeepAndEnormousSQL(t *testing.T) {
	gw := limitsGateway(t)
	conn := connect(t, gw)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tc := range []struct {
		name, sql, code string
	}{
		{"100,000 chained +", "SELECT 1" + strings.Repeat("+1", 100000), "54001"},
		{"100,000 parentheses", "SELECT " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000), "54001"},
		{"60,000 UNIONs", "SELECT 1" + strings.Repeat(" UNION SELECT 1", 60000), "54001"},
		{"60,000 casts", "SELECT 1" + strings.Repeat("::int", 60000), "54001"},
		{"2 MiB of IN list", "SELECT count(*) FROM range(10) t(i) WHERE i IN (" + strings.Repeat("1, ", 700000) + "2)", "54000"},
		{"100,000 values of IN list", "SELECT count(*) FROM range(10) t(i) WHERE i IN (" + strings.Repeat("1, ", 100000) + "2)", "54000"},
	} {
		_, err := conn.Exec(ctx, tc.sql)
		pe := wantCode(t, err, tc.code)
		t.Logf("%s: %s %s", tc.name, pe.Code, pe.Message)
	}
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM range(10) t(i) WHERE i IN ("+strings.Repeat("1, ", 1000)+"2)").Scan(&n); err != nil || n != 2 {
		t.Fatalf("a 1,000-value IN list: %d %v", n, err)
	}
	if err := conn.QueryRow(ctx, "SELECT 1"+strings.Repeat("+1", 200)).Scan(&n); err != nil || n != 201 {
		t.Fatalf("200 chained +: %d %v", n, err)
	}
	serverAlive(t, gw, 5*time.Second)
}

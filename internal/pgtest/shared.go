package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// sharedStartTimeout bounds initdb plus start-up of the shared server.
const sharedStartTimeout = 2 * time.Minute

// shared is the package-wide server behind Shared. It starts at most once per test binary;
// a failed start is remembered, so every later Shared fails fast with the same error.
var shared struct {
	mu     sync.Mutex
	server *Server
	err    error
	tried  bool
}

// Run runs the package's tests and then stops the shared server if any test started it:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
// A server that died during the run turns a passing run into a failing one.
func Run(m *testing.M) int {
	code := m.Run()
	if err := closeShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Shared returns the test binary's shared server, starting it on first use. Tests of one
// package share it: give each test its own tables or schema. A server that cannot start
// fails the test (tb.Fatal), it never skips it. Without Run in TestMain the server is
// only stopped (on Linux) when the test binary exits, and its directory is left behind.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.tried {
		shared.tried = true
		ctx, cancel := context.WithTimeout(context.Background(), sharedStartTimeout)
		start := time.Now()
		shared.server, shared.err = Start(ctx)
		cancel()
		if shared.err == nil {
			tb.Logf("pgtest: PostgreSQL on port %d (started in %v)", shared.server.Port(), time.Since(start).Round(time.Millisecond))
		}
	}
	if shared.err != nil {
		tb.Fatalf("PostgreSQL is required for this test and could not start: %v", shared.err)
	}
	return shared.server
}

// SharedConn connects to Shared(tb) and closes the connection when the test ends.
func SharedConn(tb testing.TB) *pgx.Conn {
	tb.Helper()
	conn, err := Shared(tb).Connect(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func closeShared() error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.server == nil {
		return nil
	}
	err := shared.server.Close()
	shared.server = nil
	return err
}

// CloseShared stops the shared server if one was started. It is for a
// TestMain that runs m.Run itself because it also shares other servers;
// Run does this on its own.
func CloseShared() error { return closeShared() }

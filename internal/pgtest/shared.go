package pgtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgdynamo/pgdynamo/internal/testserver"
)

// shared is the package-wide server behind Shared: at most one start per
// test binary, a failed start remembered.
var shared = &testserver.Shared[*Server]{
	What:     "PostgreSQL",
	Timeout:  2 * time.Minute,
	Start:    Start,
	Describe: func(s *Server) string { return fmt.Sprintf("pgtest: PostgreSQL on port %d", s.Port()) },
}

// Run runs the package's tests and then stops the shared server if any test started it:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
// A server that died during the run turns a passing run into a failing one.
func Run(m *testing.M) int { return testserver.Run(m, shared) }

// Shared returns the test binary's shared server, starting it on first use. Tests of one
// package share it: give each test its own tables or schema. A server that cannot start
// fails the test (tb.Fatal), it never skips it. Without Run in TestMain the server is
// only stopped (on Linux) when the test binary exits, and its directory is left behind.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	return shared.Get(tb)
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

// CloseShared stops the shared server if one was started. It is for a
// TestMain that runs m.Run itself because it also shares other servers;
// Run does this on its own.
func CloseShared() error { return shared.Close() }

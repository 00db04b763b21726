// Package testserver owns the lifecycle every real test server of the
// project shares (DynamoDB Local, PostgreSQL): started lazily once per test
// binary, a failed start remembered so later tests fail fast with the same
// error, never skipped, and stopped after m.Run.
package testserver

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// Shared is one lazily started server of type T.
type Shared[T interface{ Close() error }] struct {
	// What names the server in messages ("DynamoDB Local").
	What string
	// Timeout bounds the start.
	Timeout time.Duration
	// Start starts the server.
	Start func(ctx context.Context) (T, error)
	// Describe returns a log line about a started server.
	Describe func(T) string

	mu     sync.Mutex
	server T
	err    error
	tried  bool
	live   bool
}

// Get returns the server, starting it on first use. A server that cannot
// start fails the test (tb.Fatal); it never skips it.
func (s *Shared[T]) Get(tb testing.TB) T {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tried {
		s.tried = true
		ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
		begin := time.Now()
		s.server, s.err = s.Start(ctx)
		cancel()
		if s.err == nil {
			s.live = true
			tb.Logf("%s (started in %v)", s.Describe(s.server), time.Since(begin).Round(time.Millisecond))
		}
	}
	if s.err != nil {
		tb.Fatalf("%s is required for this test and could not start: %v", s.What, s.err)
	}
	return s.server
}

// Close stops the server if it was started.
func (s *Shared[T]) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.live {
		return nil
	}
	s.live = false
	return s.server.Close()
}

// Run runs the tests, then closes every shared server; a server that fails
// to close (it died during the run) fails a passing run.
func Run(m *testing.M, servers ...interface{ Close() error }) int {
	code := m.Run()
	for _, s := range servers {
		if err := s.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

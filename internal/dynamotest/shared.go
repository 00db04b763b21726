package dynamotest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// sharedStartTimeout bounds fetching (a first download is ~50 MB) plus start-up.
const sharedStartTimeout = 5 * time.Minute

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
//	func TestMain(m *testing.M) { os.Exit(dynamotest.Run(m)) }
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

// Shared returns the package's shared server, starting it on first use. Tests of one
// package share it: give each test its own tables (UniqueTableName). A server that cannot
// start fails the test (t.Fatal), it never skips it. Without Run in TestMain the server is
// only stopped when the test binary exits.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.tried {
		shared.tried = true
		ctx, cancel := context.WithTimeout(context.Background(), sharedStartTimeout)
		start := time.Now()
		shared.server, shared.err = Start(ctx)
		cancel()
		if shared.err == nil {
			t.Logf("dynamotest: DynamoDB Local on %s (started in %v)", shared.server.Endpoint(), time.Since(start).Round(time.Millisecond))
		}
	}
	if shared.err != nil {
		t.Fatalf("DynamoDB Local is required for this test and could not start: %v", shared.err)
	}
	return shared.server
}

// SharedClient is Shared(t).Client.
func SharedClient(t testing.TB) *dynamodb.Client {
	t.Helper()
	return Shared(t).Client(context.Background())
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

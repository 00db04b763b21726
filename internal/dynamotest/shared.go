package dynamotest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/pgdynamo/pgdynamo/internal/testserver"
)

// shared is the package-wide server behind Shared: at most one start per
// test binary, a failed start remembered. The timeout covers a first
// download (~50 MB) plus start-up.
var shared = &testserver.Shared[*Server]{
	What:     "DynamoDB Local",
	Timeout:  5 * time.Minute,
	Start:    Start,
	Describe: func(s *Server) string { return "dynamotest: DynamoDB Local on " + s.Endpoint() },
}

// Run runs the package's tests and then stops the shared server if any test started it:
//
//	func TestMain(m *testing.M) { os.Exit(dynamotest.Run(m)) }
//
// A server that died during the run turns a passing run into a failing one.
func Run(m *testing.M) int { return testserver.Run(m, shared) }

// Shared returns the package's shared server, starting it on first use. Tests of one
// package share it: give each test its own tables (UniqueTableName). A server that cannot
// start fails the test (t.Fatal), it never skips it. Without Run in TestMain the server is
// only stopped when the test binary exits.
func Shared(t testing.TB) *Server {
	t.Helper()
	return shared.Get(t)
}

// SharedClient is Shared(t).Client.
func SharedClient(t testing.TB) *dynamodb.Client {
	t.Helper()
	return Shared(t).Client(context.Background())
}

// CloseShared stops the shared server if one was started. It is for a
// TestMain that runs m.Run itself because it also shares other servers;
// Run does this on its own.
func CloseShared() error { return shared.Close() }

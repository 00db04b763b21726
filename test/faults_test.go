package test

// DynamoDB faults through ddbproxy in front of DynamoDB Local (SPEC §5, §8):
// throttling and 5xx are retried into exact answers, a response cut
// mid-body is retried (never a short result), an unreachable DynamoDB is a
// class 08 error within seconds that names the dataset and the endpoint,
// the session goes on and recovers without a restart, and a slow DynamoDB
// meets statement_timeout on time.

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdynamo/pgdynamo/gateway"
	"github.com/pgdynamo/pgdynamo/internal/ddbproxy"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// faultGateway serves one live dataset "f" of n items (v = 1 each) through
// a fresh proxy, with runtime.limits lines.
func faultGateway(t *testing.T, n int, limits ...string) (*gateway.Gateway, *ddbproxy.Proxy, *pgx.Conn) {
	t.Helper()
	table := accelTable(t, n, 1)
	proxy := ddbproxy.Start(t, dynamotest.Shared(t).Endpoint())
	path := accelConfig(t, t.TempDir(), proxy.Endpoint(), accelDataset{name: "f", table: table})
	if len(limits) > 0 {
		appendRuntime(t, path, "  limits:\n    "+strings.Join(limits, "\n    ")+"\n")
	}
	gw := startAccelGateway(t, path)
	return gw, proxy, connect(t, gw)
}

// appendRuntime adds YAML lines (indented for runtime) to the runtime
// section of the config file at path.
func appendRuntime(t *testing.T, path, yaml string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "\ndatasets:\n", "\n"+yaml+"datasets:\n", 1)
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDynamoDBFaultsRetried: throttling (both codes), 500 and 503 answers,
// and a response cut mid-body, each on the first reads of a query, are
// retried: the answer is exact and every injected fault was met.
func TestDynamoDBFaultsRetried(t *testing.T) {
	const n = 300
	_, proxy, conn := faultGateway(t, n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, tc := range []struct {
		fault ddbproxy.Fault
		times int
	}{
		{ddbproxy.ProvisionedThroughputExceeded, 2},
		{ddbproxy.Throttling, 2},
		{ddbproxy.InternalServerError, 3},
		{ddbproxy.ServiceUnavailable, 3},
		{ddbproxy.CutBody, 2},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			proxy.ResetCounts()
			proxy.Inject("Scan", tc.fault, tc.times)
			start := time.Now()
			count, sum := countSum(t, ctx, conn, "f")
			if count != n || sum != n {
				t.Fatalf("count %d sum %d, want %d %d", count, sum, n, n)
			}
			if left := proxy.Injected(); left != 0 {
				t.Fatalf("%d injected faults never met: the query did not read through them", left)
			}
			t.Logf("%d × %s: exact answer after %d Scans in %v", tc.times, tc.fault, proxy.Count("Scan"), time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestDynamoDBUnreachable: with every connection refused, a query fails
// within seconds with a class 08 SQLSTATE naming the dataset and the
// endpoint; the session stays usable, and once DynamoDB is back the same
// session gets the exact answer, without a restart.
func TestDynamoDBUnreachable(t *testing.T) {
	const n = 200
	_, proxy, conn := faultGateway(t, n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	proxy.SetDown(true)
	start := time.Now()
	_, err := conn.Exec(ctx, "SELECT count(*) FROM f")
	took := time.Since(start)
	pe := wantCodeIn(t, err, "08001", "08006")
	t.Logf("unreachable: %s %s after %v\ndetail: %s", pe.Code, pe.Message, took, pe.Detail)
	if !strings.Contains(pe.Message, `dataset "public.f"`) || !strings.Contains(pe.Message, proxy.Endpoint()) {
		t.Errorf("the message names neither the dataset nor the endpoint %s: %q", proxy.Endpoint(), pe.Message)
	}
	// The bound is the retries' (4 attempts, waits capped at 1 s); the
	// margin is for a loaded machine.
	if took > 30*time.Second {
		t.Errorf("the error took %v", took)
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("the session after the error: %v", err)
	}
	proxy.SetDown(false)
	if count, sum := countSum(t, ctx, conn, "f"); count != n || sum != n {
		t.Fatalf("after DynamoDB came back: count %d sum %d, want %d %d", count, sum, n, n)
	}
}

// TestSlowDynamoDBMeetsStatementTimeout: every DynamoDB answer takes 10 s
// and statement_timeout is 500ms: 57014 comes on time and the DynamoDB
// calls are abandoned; the session goes on.
func TestSlowDynamoDBMeetsStatementTimeout(t *testing.T) {
	_, proxy, conn := faultGateway(t, 50, "statement_timeout: 500ms")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	proxy.SetLatency(10 * time.Second)
	start := time.Now()
	_, err := conn.Exec(ctx, "SELECT count(*) FROM f")
	took := time.Since(start)
	pe := wantCode(t, err, "57014")
	t.Logf("%s %q after %v", pe.Code, pe.Message, took)
	if pe.Message != "canceling statement due to statement timeout" {
		t.Errorf("message %q", pe.Message)
	}
	// On time: well before the slow answer would have come.
	if took >= 10*time.Second {
		t.Errorf("57014 after %v: the statement waited for DynamoDB", took)
	}
	proxy.SetLatency(0)
	if count, sum := countSum(t, ctx, conn, "f"); count != 50 || sum != 50 {
		t.Fatalf("after: count %d sum %d", count, sum)
	}
}

// wantCodeIn fails unless err is a PostgreSQL error with one of codes.
func wantCodeIn(t *testing.T, err error, codes ...string) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || !slices.Contains(codes, pe.Code) {
		t.Fatalf("got %v, want SQLSTATE %v", err, codes)
	}
	return pe
}

package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pgdynamo/pgdynamo/gateway"
)

// throttlingDynamo answers Scan with ProvisionedThroughputExceededException
// while throttle says so, else with an empty page, as DynamoDB would.
type throttlingDynamo struct {
	mu       sync.Mutex
	throttle func(call int) bool
	calls    int
}

func (d *throttlingDynamo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	d.mu.Lock()
	d.calls++
	throttled := d.throttle(d.calls)
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	if throttled {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded."}`)
		return
	}
	io.WriteString(w, `{"Count":0,"Items":[],"ScannedCount":0}`)
}

// TestThrottleLog runs a real DynamoDB client (3 attempts, no back-off)
// against a throttling endpoint through WrapAPI: throttled calls log one
// warn line per dataset per 10 s, the next one counting those left out, and
// every retried call a debug line.
func TestThrottleLog(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	defer gateway.SetThrottleClock(func() time.Time { return now })()

	ddb := &throttlingDynamo{}
	srv := httptest.NewServer(ddb)
	defer srv.Close()
	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret-key-never-logged", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		}),
	})
	var logs bytes.Buffer
	m := gateway.NewMetrics(prometheus.NewRegistry())
	m.SetLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	people := m.WrapAPI("public.people", client)
	orders := m.WrapAPI("sales.orders", client)
	ctx := context.Background()
	scan := func(api interface {
		Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	}, throttle func(int) bool) error {
		ddb.mu.Lock()
		ddb.calls, ddb.throttle = 0, throttle
		ddb.mu.Unlock()
		_, err := api.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("t")})
		return err
	}
	always := func(int) bool { return true }
	twice := func(n int) bool { return n <= 2 }
	never := func(int) bool { return false }

	if err := scan(people, twice); err != nil {
		t.Fatalf("throttled twice then served: %v", err)
	}
	for range 5 {
		if err := scan(people, always); err == nil {
			t.Fatal("a call throttled 3 times succeeded")
		}
	}
	if err := scan(people, never); err != nil {
		t.Fatal(err)
	}
	if err := scan(orders, always); err == nil {
		t.Fatal("a call throttled 3 times succeeded")
	}
	now = now.Add(11 * time.Second)
	if err := scan(people, always); err == nil {
		t.Fatal("a call throttled 3 times succeeded")
	}

	var got []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		s := r["level"].(string) + " " + r["msg"].(string) + " " + r["dataset"].(string) + " " + r["operation"].(string)
		switch r["msg"] {
		case "DynamoDB throttling":
			s += " " + r["outcome"].(string)
			if n, ok := r["suppressed"]; ok {
				s += " suppressed=" + jsonText(n)
			}
		case "DynamoDB call retried":
			s += " attempts=" + jsonText(r["attempts"])
			if n, ok := r["throttled_attempts"]; ok {
				s += " throttled=" + jsonText(n)
			}
		}
		got = append(got, s)
	}
	retried := "DEBUG DynamoDB call retried public.people Scan attempts=3"
	want := []string{
		"DEBUG DynamoDB call retried public.people Scan attempts=3 throttled=2",
		"WARN DynamoDB throttling public.people Scan succeeded after retries",
		retried, retried, retried, retried, retried,
		"DEBUG DynamoDB call retried sales.orders Scan attempts=3",
		"WARN DynamoDB throttling sales.orders Scan failed: retries exhausted",
		retried,
		"WARN DynamoDB throttling public.people Scan failed: retries exhausted suppressed=5",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(logs.String(), "secret-key-never-logged") {
		t.Error("the secret key was logged")
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

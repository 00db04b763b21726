package ddb

import (
	"context"
	"hash/crc32"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// TestClientKeepsConnectionsOfConcurrentCalls: after a burst of calls at
// once (sessions' lookups, scan segments), the next burst reuses their
// connections instead of dialling most of them again (the SDK's default
// keeps 10 per host).
func TestClientKeepsConnectionsOfConcurrentCalls(t *testing.T) {
	const concurrent = 40
	var dialled atomic.Int32
	arrived := make(chan struct{}, concurrent)
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		body := []byte(`{"TableNames":[]}`)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
		_, _ = w.Write(body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	ctx := context.Background()
	client, err := NewClient(ctx, Config{Region: "us-east-1", AccessKeyID: "k", SecretAccessKey: "s", Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	burst := func() {
		var wg sync.WaitGroup
		for range concurrent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := client.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
					t.Error(err)
				}
			}()
		}
		// Every call holds its own connection before any is answered.
		for range concurrent {
			<-arrived
		}
		for range concurrent {
			release <- struct{}{}
		}
		wg.Wait()
	}
	burst()
	first := dialled.Load()
	if first != concurrent {
		t.Fatalf("the first burst opened %d connections, want %d", first, concurrent)
	}
	burst()
	if again := dialled.Load() - first; again != 0 {
		t.Errorf("the second burst opened %d new connections; want all %d reused", again, concurrent)
	}
}

package ddbproxy_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pgdynamo/pgdynamo/internal/ddbproxy"
)

// A response whose request came before ResetCounts is not counted after
// it: a test that kills a client and resets the counts sees only the next
// client's reads.
func TestResetCountsIgnoresEarlierRequests(t *testing.T) {
	arrived, answer := make(chan struct{}, 1), make(chan struct{})
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("slow") != "" {
			arrived <- struct{}{}
			<-answer
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{"Count":5,"ScannedCount":7,"Items":[]}`))
	}))
	defer target.Close()
	p := ddbproxy.Start(t, target.URL)
	scan := func(query string) {
		req, _ := http.NewRequest(http.MethodPost, p.Endpoint()+"/"+query, strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.Scan")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	done := make(chan struct{})
	go func() { defer close(done); scan("?slow=1") }()
	<-arrived
	p.ResetCounts()
	close(answer)
	<-done
	if n := p.Items("Scan"); n != 0 {
		t.Errorf("Items(Scan) = %d after a reset, counting a response to a request made before it", n)
	}
	scan("")
	if n, s := p.Items("Scan"), p.Scanned("Scan"); n != 5 || s != 7 {
		t.Errorf("Items, Scanned = %d, %d; want 5, 7", n, s)
	}
}

// Package ddbproxy is an HTTP proxy that tests put between pgdynamo and
// DynamoDB Local: it counts what DynamoDB was asked (by operation), and can
// cut every request (DynamoDB unreachable), hold chosen requests until
// released, answer chosen requests with DynamoDB's faults (throttling, 5xx,
// a body cut mid-response; faults.go) or slow every answer down. Counting
// proves pushdown, the absence of re-reads and that the documented IAM
// policy suffices; cutting, holding and faults prove behaviour under
// outages, throttling and slow loads.
package ddbproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy forwards to one DynamoDB endpoint.
type Proxy struct {
	srv  *httptest.Server
	down atomic.Bool

	mu     sync.Mutex
	counts map[string]int
	pages  []Page
	hold   func(op string, body []byte) bool
	held   chan struct{} // closed by Release

	faults  []*injection // in the order Inject added them
	latency time.Duration

	// epoch counts ResetCounts calls: a response counts only when its
	// request came after the last one (a killed client's call still in
	// DynamoDB when a test resets the counts is not the next client's).
	epoch int
}

// epochKey keys a request's epoch in its context.
type epochKey struct{}

// Start proxies to target (http://host:port) until the test ends.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("ddbproxy: %v", err)
	}
	p := &Proxy{counts: map[string]int{}, held: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		op := Operation(resp.Request)
		if op != "Scan" && op != "Query" {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var page struct {
			Count, ScannedCount int
			ConsumedCapacity    *struct{ CapacityUnits float64 }
		}
		if json.Unmarshal(body, &page) == nil {
			pg := Page{Op: op, At: time.Now(), Count: page.Count, Scanned: page.ScannedCount}
			if page.ConsumedCapacity != nil {
				pg.Capacity = page.ConsumedCapacity.CapacityUnits
			}
			p.mu.Lock()
			if epoch, _ := resp.Request.Context().Value(epochKey{}).(int); epoch == p.epoch {
				p.pages = append(p.pages, pg)
			}
			p.mu.Unlock()
		}
		return nil
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if p.down.Load() {
			cut(w)
			return
		}
		op := Operation(r)
		p.mu.Lock()
		p.counts[op]++
		hold, held := p.hold, p.held
		r = r.WithContext(context.WithValue(r.Context(), epochKey{}, p.epoch))
		p.mu.Unlock()
		if p.fault(w, r, op, rp) {
			return
		}
		if hold != nil && hold(op, body) {
			select {
			case <-held:
			case <-r.Context().Done():
				return
			}
			if p.down.Load() {
				cut(w)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// cut closes the client's connection without an answer, as a network
// failure would.
func cut(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			conn.Close()
			return
		}
	}
	w.WriteHeader(http.StatusBadGateway)
}

// Operation is the DynamoDB operation of a request: "Scan", "Query",
// "DescribeTable"... from its X-Amz-Target header.
func Operation(r *http.Request) string {
	target := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(target, '.'); i >= 0 {
		return target[i+1:]
	}
	return target
}

// Endpoint is the proxy's URL, for dynamodb_endpoint.
func (p *Proxy) Endpoint() string { return p.srv.URL }

// SetDown cuts (true) or restores (false) every request.
func (p *Proxy) SetDown(down bool) { p.down.Store(down) }

// Count is how many requests of operation op reached the proxy while it was
// up.
func (p *Proxy) Count(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[op]
}

// Items is how many items the responses to operation op (Scan or Query)
// returned, to requests made since the start or the last ResetCounts.
func (p *Proxy) Items(op string) int { return p.sum(op, func(pg Page) int { return pg.Count }) }

// ResetCounts sets every count to zero. Responses to requests made before
// it are not counted when they arrive after it.
func (p *Proxy) ResetCounts() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts, p.pages = map[string]int{}, nil
	p.epoch++
}

// Hold makes requests for which match is true wait until Release.
func (p *Proxy) Hold(match func(op string, body []byte) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hold, p.held = match, make(chan struct{})
}

// Release lets held requests through and stops holding.
func (p *Proxy) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.held)
	p.hold = nil
}

// Counts returns how many requests of each operation reached the proxy
// while it was up.
func (p *Proxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.counts))
	for op, n := range p.counts {
		out[op] = n
	}
	return out
}

// Page is one Scan or Query response as DynamoDB sent it: items returned
// (Count), items read (ScannedCount) and the read capacity it consumed.
type Page struct {
	Op       string
	At       time.Time // when the response passed the proxy
	Count    int
	Scanned  int
	Capacity float64
}

// Pages returns the Scan and Query responses since the start or the last
// ResetCounts, in arrival order.
func (p *Proxy) Pages() []Page {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Page(nil), p.pages...)
}

// Scanned is how many items the responses to op read (ScannedCount).
func (p *Proxy) Scanned(op string) int { return p.sum(op, func(pg Page) int { return pg.Scanned }) }

// sum adds up f over the responses to op since the start or the last
// ResetCounts.
func (p *Proxy) sum(op string, f func(Page) int) int {
	n := 0
	for _, pg := range p.Pages() {
		if pg.Op == op {
			n += f(pg)
		}
	}
	return n
}

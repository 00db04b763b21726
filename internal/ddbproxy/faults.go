package ddbproxy

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strconv"
	"time"
)

// Fault is one way DynamoDB fails a request.
type Fault int

// The faults Inject can answer with.
const (
	// ProvisionedThroughputExceeded is the 400 DynamoDB answers when a
	// table's read capacity is exhausted.
	ProvisionedThroughputExceeded Fault = iota
	// Throttling is the 400 ThrottlingException (control-plane and
	// account-level throttling).
	Throttling
	// InternalServerError is a 500 InternalServerError.
	InternalServerError
	// ServiceUnavailable is a 503 ServiceUnavailable.
	ServiceUnavailable
	// CutBody forwards the request, then sends the real answer's status,
	// headers and half its body, and closes the connection: a response
	// cut mid-body.
	CutBody
)

func (f Fault) String() string {
	switch f {
	case ProvisionedThroughputExceeded:
		return "ProvisionedThroughputExceededException"
	case Throttling:
		return "ThrottlingException"
	case InternalServerError:
		return "InternalServerError"
	case ServiceUnavailable:
		return "ServiceUnavailable"
	case CutBody:
		return "CutBody"
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// injection answers the next n requests of an operation with a fault.
type injection struct {
	op    string // "" for every operation
	fault Fault
	left  int
}

// Inject answers the next n requests of operation op ("" for any) with
// fault instead of DynamoDB's answer. Injections are used in the order
// they were added; each counts in Count like any request that reached the
// proxy.
func (p *Proxy) Inject(op string, fault Fault, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, &injection{op: op, fault: fault, left: n})
}

// Injected is how many injected faults are still to be answered.
func (p *Proxy) Injected() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, f := range p.faults {
		n += f.left
	}
	return n
}

// SetLatency delays every answer by d (0: none), as a slow DynamoDB would.
func (p *Proxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency = d
}

// fault answers r with the next injected fault for op, or waits out the
// latency; it reports whether r has been answered.
func (p *Proxy) fault(w http.ResponseWriter, r *http.Request, op string, rp *httputil.ReverseProxy) bool {
	p.mu.Lock()
	latency := p.latency
	var inj *injection
	for _, f := range p.faults {
		if f.left > 0 && (f.op == "" || f.op == op) {
			f.left--
			inj = f
			break
		}
	}
	p.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return true
		}
	}
	if inj == nil {
		return false
	}
	switch inj.fault {
	case ProvisionedThroughputExceeded:
		apiError(w, http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
			"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
	case Throttling:
		apiError(w, http.StatusBadRequest, "com.amazon.coral.availability#ThrottlingException", "Rate of requests exceeds the allowed throughput.")
	case InternalServerError:
		apiError(w, http.StatusInternalServerError, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error")
	case ServiceUnavailable:
		apiError(w, http.StatusServiceUnavailable, "com.amazon.coral.availability#ServiceUnavailableException", "Service unavailable")
	case CutBody:
		cutMidBody(w, r, rp)
	}
	return true
}

// apiError writes a DynamoDB JSON error.
func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-RequestId", "ddbproxy-fault")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"__type":%q,"message":%q}`, typ, msg)
}

// cutMidBody gets DynamoDB's real answer, then writes its status line,
// headers (with the full Content-Length) and half its body to the client's
// connection and closes it.
func cutMidBody(w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy) {
	rec := httptest.NewRecorder()
	rp.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	rec.Header().Del("Content-Length")
	rec.Header().Write(&head)
	fmt.Fprintf(&head, "Content-Length: %d\r\n\r\n", len(body))
	out := bufio.NewWriter(conn)
	out.Write(head.Bytes())
	out.Write(body[:len(body)/2])
	out.Flush()
	buf.Flush()
}

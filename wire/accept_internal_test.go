package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// scriptedListener returns its errors and connections in order, then
// blocks until closed.
type scriptedListener struct {
	script chan any // error or net.Conn
	closed chan struct{}
	once   sync.Once
}

func newScriptedListener(steps ...any) *scriptedListener {
	l := &scriptedListener{script: make(chan any, len(steps)), closed: make(chan struct{})}
	for _, s := range steps {
		l.script <- s
	}
	return l
}

func (l *scriptedListener) Accept() (net.Conn, error) {
	select {
	case step := <-l.script:
		if err, ok := step.(error); ok {
			return nil, err
		}
		return step.(net.Conn), nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *scriptedListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *scriptedListener) Addr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5433}
}

// acceptErr is an accept error as the net package returns it.
func acceptErr(errno syscall.Errno) error {
	return &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", errno)}
}

type countingObserver struct {
	noObserver
	mu     sync.Mutex
	opened int
}

func (o *countingObserver) ConnOpened() { o.mu.Lock(); o.opened++; o.mu.Unlock() }

// TestAcceptBacksOffAndGoesOn: running out of file descriptors (and the
// other temporary accept errors) makes the loop wait 5 ms, doubling to 1 s,
// log each failure, and go on serving; a connection resets the wait.
func TestAcceptBacksOffAndGoesOn(t *testing.T) {
	var steps []any
	for range 10 {
		steps = append(steps, acceptErr(syscall.EMFILE))
	}
	client, server := net.Pipe()
	steps = append(steps, server, acceptErr(syscall.ENFILE), acceptErr(syscall.ECONNABORTED))
	ln := newScriptedListener(steps...)

	var logs logLines
	obs := &countingObserver{}
	s := NewServer(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Observer: obs}, nil)
	var mu sync.Mutex
	var delays []time.Duration
	s.acceptSleep = func(d time.Duration) { mu.Lock(); delays = append(delays, d); mu.Unlock() }
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(delays)
		mu.Unlock()
		if n == 12 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the loop waited %d times, want 12", n)
		}
		time.Sleep(time.Millisecond)
	}
	ms := time.Millisecond
	want := []time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, time.Second, time.Second,
		5 * ms, 10 * ms} // reset by the connection
	mu.Lock()
	if fmt.Sprint(delays) != fmt.Sprint(want) {
		t.Errorf("delays %v, want %v", delays, want)
	}
	mu.Unlock()
	select {
	case err := <-done:
		t.Fatalf("Serve ended on a temporary error: %v", err)
	default:
	}
	client.Close() // the accepted connection ends at its startup
	obs.mu.Lock()
	opened := obs.opened
	obs.mu.Unlock()
	if opened != 1 {
		t.Errorf("connections opened between the failures: %d, want 1", opened)
	}
	if got := logs.count("accept failed; retrying"); got != 12 {
		t.Errorf("%d failures logged, want 12:\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "too many open files") {
		t.Errorf("the log does not say why:\n%s", logs.String())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Shutdown: %v", err)
	}
}

// TestAcceptStopsOnPermanentErrors: a closed listener, or an error that
// does not say it is temporary, ends Serve with that error, logged.
func TestAcceptStopsOnPermanentErrors(t *testing.T) {
	for _, err := range []error{errors.New("listener broken"), acceptErr(syscall.EINVAL), net.ErrClosed} {
		var logs logLines
		s := NewServer(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, nil)
		s.acceptSleep = func(time.Duration) { t.Errorf("%v: waited instead of stopping", err) }
		if got := s.Serve(newScriptedListener(err)); !errors.Is(got, err) {
			t.Errorf("Serve: %v, want %v", got, err)
		}
		if !strings.Contains(logs.String(), "the listener stops") {
			t.Errorf("%v: not logged:\n%s", err, logs.String())
		}
	}
}

func TestRetryableAccept(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{acceptErr(syscall.EMFILE), true},
		{acceptErr(syscall.ENFILE), true},
		{acceptErr(syscall.ENOBUFS), true},
		{acceptErr(syscall.ENOMEM), true},
		{acceptErr(syscall.ECONNABORTED), true},
		{fmt.Errorf("wrapped: %w", acceptErr(syscall.EMFILE)), true},
		{&net.OpError{Op: "accept", Err: os.ErrDeadlineExceeded}, true},
		{acceptErr(syscall.EINVAL), false},
		{acceptErr(syscall.EBADF), false},
		{net.ErrClosed, false},
		{&net.OpError{Op: "accept", Err: net.ErrClosed}, false},
		{errors.New("other"), false},
	} {
		if got := retryableAccept(tc.err); got != tc.want {
			t.Errorf("retryableAccept(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// logLines collects log output.
type logLines struct {
	mu sync.Mutex
	sb strings.Builder
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.Write(p)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.String()
}

func (l *logLines) count(s string) int { return strings.Count(l.String(), s) }

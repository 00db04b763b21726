package wire

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// Accept back-off, as net/http's Server.Serve: 5 ms after the first failure,
// doubling up to one second, reset by the next accepted connection.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// acceptBackoff is the accept loop's state between failed Accepts.
type acceptBackoff struct {
	delay time.Duration
}

// next returns how long to wait after one more failed Accept.
func (b *acceptBackoff) next() time.Duration {
	b.delay = min(max(2*b.delay, acceptBackoffMin), acceptBackoffMax)
	return b.delay
}

// reset ends a run of failures.
func (b *acceptBackoff) reset() { b.delay = 0 }

// retryableAccept reports whether an Accept error is one the loop waits out
// rather than ends on. Running out of file descriptors (EMFILE, ENFILE) or
// kernel memory, a connection aborted before it was accepted, a timeout:
// the listener is still good, and net/http keeps serving through them
// (they are the errors whose Temporary method says so). A closed listener
// or any other error ends the loop.
func retryableAccept(err error) bool {
	if errors.Is(err, net.ErrClosed) {
		return false
	}
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN, syscall.EPROTO} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// Temporary is deprecated for callers that want timeouts, which Timeout
	// covers above; it is still how an error says "try again" (net/http's
	// Serve asks it too).
	var temp interface{ Temporary() bool }
	return errors.As(err, &temp) && temp.Temporary()
}

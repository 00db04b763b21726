package wire

import (
	"net"
	"sync"
	"time"
)

// maxTrackedHosts bounds the failed-login table (a few hundred bytes a
// host, so a few MiB at most).
const maxTrackedHosts = 10000

// loginLimiter counts failed logins per remote host. Once a host has max
// failures within window, its next logins are refused before any password
// exchange with FATAL 53300 (PostgreSQL's answer when it will not take a
// connection, as at max_connections) until its oldest failure is window
// old. Refusing rather than delaying (PostgreSQL's auth_delay) ties up no
// goroutine and gives a guesser no attempt at all. A successful login does
// not reset the count, so one known password does not unlock guessing the
// others. Logins already past the check when the limit is reached finish.
//
// A nil *loginLimiter limits nothing.
type loginLimiter struct {
	max      int
	window   time.Duration
	capacity int // hosts tracked at most; the stalest go first

	mu    sync.Mutex
	hosts map[string][]time.Time // failure times, oldest first, at most max
}

func newLoginLimiter(max int, window time.Duration, capacity int) *loginLimiter {
	return &loginLimiter{max: max, window: window, capacity: capacity, hosts: map[string][]time.Time{}}
}

// blocked reports whether host has reached the limit at now.
func (l *loginLimiter) blocked(host string, now time.Time) bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(host, now)) >= l.max
}

// fail records a failed login of host at now and reports whether this
// failure reached the limit.
func (l *loginLimiter) fail(host string, now time.Time) bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	times := l.recent(host, now)
	if times == nil && len(l.hosts) >= l.capacity {
		l.evict(now)
	}
	times = append(times, now)
	if len(times) > l.max {
		times = times[len(times)-l.max:]
	}
	l.hosts[host] = times
	return len(times) == l.max
}

// recent drops host's failures older than the window and returns the rest.
func (l *loginLimiter) recent(host string, now time.Time) []time.Time {
	times := l.hosts[host]
	old := 0
	for old < len(times) && now.Sub(times[old]) >= l.window {
		old++
	}
	switch {
	case old == len(times):
		delete(l.hosts, host)
		return nil
	case old > 0:
		times = append(times[:0], times[old:]...)
		l.hosts[host] = times
	}
	return times
}

// evict makes room for one host: it drops every host whose failures are
// all out of the window and, if the table is still full, the host whose
// last failure is the oldest.
func (l *loginLimiter) evict(now time.Time) {
	stalest, stalestAt := "", time.Time{}
	for h, times := range l.hosts {
		last := times[len(times)-1]
		if now.Sub(last) >= l.window {
			delete(l.hosts, h)
			continue
		}
		if stalest == "" || last.Before(stalestAt) {
			stalest, stalestAt = h, last
		}
	}
	if len(l.hosts) >= l.capacity {
		delete(l.hosts, stalest)
	}
}

// remoteHost is the limiter's key for a client address: its IP.
func remoteHost(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap().String()
	}
	if host, _, err := net.SplitHostPort(a.String()); err == nil {
		return host
	}
	return a.String()
}

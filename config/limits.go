package config

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Limits is runtime.limits: what the server and each session may take
// (SPEC §8). The zero value of a field means its default, so a Config built
// by hand may leave them out; Resolve writes the defaults in.
type Limits struct {
	// MemoryLimit bounds the embedded engine's memory (DuckDB's
	// memory_limit), shared by every query and the accelerated copies held in
	// memory. Zero means DefaultMemoryPercent of the machine's RAM.
	MemoryLimit Memory
	// MaxConnections is PostgreSQL's max_connections: sessions beyond it are
	// refused with 53300. 0 means DefaultMaxConnections.
	MaxConnections int
	// AuthenticationTimeout is PostgreSQL's authentication_timeout: a client
	// that has not finished its startup and login by then is disconnected.
	// 0 means DefaultAuthenticationTimeout.
	AuthenticationTimeout time.Duration
	// StatementTimeout is the sessions' default statement_timeout; 0 is
	// none. A session may SET its own.
	StatementTimeout time.Duration
	// IdleInTransactionSessionTimeout is the sessions' default
	// idle_in_transaction_session_timeout; 0 is none.
	IdleInTransactionSessionTimeout time.Duration
}

// Memory is an amount of memory: Bytes, or, when Bytes is 0, Percent of the
// machine's RAM.
type Memory struct {
	Bytes   int64
	Percent int
}

// Defaults of runtime.limits.
const (
	// DefaultMemoryPercent leaves the other half of RAM to what the engine
	// does not count: the gateway's own buffers, connections and the OS.
	DefaultMemoryPercent         = 50
	DefaultMaxConnections        = 100 // PostgreSQL's
	DefaultAuthenticationTimeout = time.Minute

	// MinMemoryLimit is the least memory_limit accepted: below it the
	// engine cannot hold its own catalog and a few queries.
	MinMemoryLimit int64 = 64 << 20
	// MaxConnectionsLimit is PostgreSQL's upper bound for max_connections.
	MaxConnectionsLimit = 262143
	// PostgreSQL's bounds for authentication_timeout.
	MinAuthenticationTimeout = time.Second
	MaxAuthenticationTimeout = 10 * time.Minute
	// maxTimeout is PostgreSQL's bound for statement_timeout and
	// idle_in_transaction_session_timeout (INT_MAX milliseconds).
	maxTimeout = 2147483647 * time.Millisecond
)

// Keys under runtime.limits.
const (
	keyLimits                 = "limits"
	keyMemoryLimit            = "memory_limit"
	keyMaxConnections         = "max_connections"
	keyAuthenticationTimeout  = "authentication_timeout"
	keyStatementTimeout       = "statement_timeout"
	keyIdleInTransactionLimit = "idle_in_transaction_session_timeout"
)

// What each limit accepts, for messages.
const (
	memoryAllowed         = "a size with a unit, kB, MB, GB or TB (1024-based, as PostgreSQL's), at least 64MB; or a share of RAM such as 50%"
	maxConnectionsAllowed = "1 to 262143"
	authTimeoutAllowed    = "1s to 10min; a bare number is milliseconds"
	timeoutAllowed        = "0 for none, or a duration such as 30s or 5min; a bare number is milliseconds"
)

// Of is m in bytes on a machine with ram bytes of RAM.
func (m Memory) Of(ram int64) int64 {
	if m.Bytes > 0 {
		return m.Bytes
	}
	return int64(float64(ram) * float64(m.percent()) / 100)
}

// String is m as the file writes it.
func (m Memory) String() string {
	if m.Bytes > 0 {
		return FormatMemory(m.Bytes)
	}
	return strconv.Itoa(m.percent()) + "%"
}

// percent is Percent with its default, for when Bytes is 0.
func (m Memory) percent() int {
	if m.Percent == 0 {
		return DefaultMemoryPercent
	}
	return m.Percent
}

// memoryUnits are PostgreSQL's memory units, largest first.
var memoryUnits = []struct {
	name string
	size int64
}{{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"kB", 1 << 10}}

// FormatMemory writes n bytes as PostgreSQL shows a memory setting: in the
// largest unit that divides it (4GB, 1536MB), else in bytes (12345B).
func FormatMemory(n int64) string {
	for _, u := range memoryUnits {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// parseMemory reads "4GB", "512MB", "1.5GB" or "50%".
func parseMemory(s string) (Memory, bool) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 100 {
			return Memory{}, false
		}
		return Memory{Percent: n}, true
	}
	for _, u := range memoryUnits {
		if len(s) > len(u.name) && strings.EqualFold(s[len(s)-len(u.name):], u.name) {
			v, err := strconv.ParseFloat(strings.TrimSpace(s[:len(s)-len(u.name)]), 64)
			if err != nil || v <= 0 || v*float64(u.size) > math.MaxInt64/2 {
				return Memory{}, false
			}
			return Memory{Bytes: int64(v * float64(u.size))}, true
		}
	}
	return Memory{}, false
}

// limits resolves runtime.limits.
func (r *resolver) limits(n *node, c *Config) {
	top := scope{ds: noDataset}
	path := "runtime." + keyLimits
	r.mark(path, n)
	l := Limits{
		MemoryLimit:           Memory{Percent: DefaultMemoryPercent},
		MaxConnections:        DefaultMaxConnections,
		AuthenticationTimeout: DefaultAuthenticationTimeout,
	}
	key := path + "." + keyMemoryLimit
	if s, st := r.str(n.field(keyMemoryLimit), top, key); st == stOK {
		if m, ok := parseMemory(s); ok {
			l.MemoryLimit = m
		} else {
			r.fail(n.field(keyMemoryLimit), top, key, "%s is not a memory size (%s)", r.show(key), memoryAllowed)
		}
	}
	key = path + "." + keyMaxConnections
	if v, st := r.integer(n.field(keyMaxConnections), top, key, maxConnectionsAllowed); st == stOK {
		if v < 1 || v > MaxConnectionsLimit {
			// Zero too: in a Config it means the default, in the file it
			// is a value PostgreSQL refuses.
			r.fail(n.field(keyMaxConnections), top, key, "%s is out of range (%s)", r.show(key), maxConnectionsAllowed)
		} else {
			l.MaxConnections = int(v)
		}
	}
	for _, d := range []struct {
		key, allowed string
		to           *time.Duration
	}{
		{keyAuthenticationTimeout, authTimeoutAllowed, &l.AuthenticationTimeout},
		{keyStatementTimeout, timeoutAllowed, &l.StatementTimeout},
		{keyIdleInTransactionLimit, timeoutAllowed, &l.IdleInTransactionSessionTimeout},
	} {
		key := path + "." + d.key
		if v, st := r.pgDuration(n.field(d.key), top, key, d.allowed); st == stOK {
			if v == 0 && d.key == keyAuthenticationTimeout {
				r.fail(n.field(d.key), top, key, "%s is out of range (%s)", r.show(key), d.allowed)
				continue
			}
			*d.to = v
		}
	}
	c.Runtime.Limits = l
}

// pgDuration reads a PostgreSQL-style time setting: a whole number of
// milliseconds (PostgreSQL's unit for it), PostgreSQL's units (5min, 1h,
// 2d) or a Go duration (30s, 1m30s). Validate checks the range.
func (r *resolver) pgDuration(n *node, sc scope, key, allowed string) (time.Duration, state) {
	s, st := r.str(n, sc, key)
	if st != stOK {
		return 0, st
	}
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		// Clamped just past the range, which Validate reports, rather than
		// overflowing.
		const maxMS = int64(maxTimeout / time.Millisecond)
		return time.Duration(max(min(ms, maxMS+1), -maxMS-1)) * time.Millisecond, stOK
	}
	for _, u := range []struct {
		name string
		d    time.Duration
	}{{"min", time.Minute}, {"d", 24 * time.Hour}} {
		if v, ok := strings.CutSuffix(s, u.name); ok {
			if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				return time.Duration(n * float64(u.d)), stOK
			}
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		r.fail(n, sc, key, "%s is not a duration (%s)", r.show(sc.full(key)), allowed)
		return 0, stBad
	}
	return v, stOK
}

// limits checks runtime.limits' ranges (zero values are the defaults).
func (k *checker) limits() {
	l := k.c.Runtime.Limits
	path := "runtime." + keyLimits + "."
	if m := l.MemoryLimit; m.Bytes < 0 || (m.Bytes > 0 && m.Bytes < MinMemoryLimit) || m.Percent < 0 || m.Percent > 100 {
		key := path + keyMemoryLimit
		if !k.bad(-1, key) {
			k.add(-1, key, "%s is out of range (%s)", k.show(-1, key, m.String()), memoryAllowed)
		}
	}
	if n := l.MaxConnections; n < 0 || n > MaxConnectionsLimit {
		key := path + keyMaxConnections
		k.add(-1, key, "%s is out of range (%s)", k.show(-1, key, strconv.Itoa(n)), maxConnectionsAllowed)
	}
	if d := l.AuthenticationTimeout; d != 0 && (d < MinAuthenticationTimeout || d > MaxAuthenticationTimeout) {
		key := path + keyAuthenticationTimeout
		k.add(-1, key, "%s is out of range (%s)", k.show(-1, key, d.String()), authTimeoutAllowed)
	}
	for _, t := range []struct {
		key string
		d   time.Duration
	}{{keyStatementTimeout, l.StatementTimeout}, {keyIdleInTransactionLimit, l.IdleInTransactionSessionTimeout}} {
		if t.d < 0 || t.d > maxTimeout {
			key := path + t.key
			k.add(-1, key, "%s is out of range (%s)", k.show(-1, key, t.d.String()), timeoutAllowed)
		}
	}
}

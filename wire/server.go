package wire

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures the front door.
type Config struct {
	// Users maps user names to passwords. Empty means trust authentication,
	// which Validate allows only on a loopback listener.
	Users map[string]string
	// MaxMessageSize bounds one frontend message; 0 means 16 MiB.
	MaxMessageSize int
	Logger         *slog.Logger

	// Auth is the password method when Users is not empty. The zero value
	// is AuthSCRAMSHA256, PostgreSQL 15's default.
	Auth AuthMethod
	// TLS, when set, answers SSLRequest with 'S' and a TLS handshake (TLS 1.2
	// at least, whatever MinVersion says) and accepts direct TLS
	// (sslnegotiation=direct). nil answers 'N'. It needs a certificate.
	TLS *tls.Config
	// RequireTLS refuses logins without TLS (FATAL 28000). Default false:
	// with TLS set, plaintext clients are still served, as PostgreSQL's
	// default pg_hba.conf ("host" lines) does. It needs TLS.
	RequireTLS bool
	// MaxLoginFailures is how many failed logins a remote IP may have within
	// LoginFailureWindow before its further logins are refused (FATAL 53300)
	// until the oldest failure leaves the window. 0 means 5; negative turns
	// the limit off.
	MaxLoginFailures int
	// LoginFailureWindow is the failed-login limit's window; 0 means one
	// minute.
	LoginFailureWindow time.Duration
	// Observer, when set, is told about connections and statements
	// (metrics); nil observes nothing.
	Observer Observer
	// LogMinDurationStatement is PostgreSQL's log_min_duration_statement: a
	// statement that completes in at least this long is logged at info with
	// its duration and text (log.go); the others at debug. 0 logs every
	// statement at info — the zero Config does — and a negative value (-1,
	// PostgreSQL's default) none.
	LogMinDurationStatement time.Duration
	// MaxConnections is PostgreSQL's max_connections: logins past it are
	// refused with FATAL 53300 (limits.go). 0 means 100.
	MaxConnections int
	// AuthenticationTimeout is PostgreSQL's authentication_timeout: a client
	// that has not logged in by then is disconnected. 0 means one minute.
	AuthenticationTimeout time.Duration
}

// Server accepts PostgreSQL connections and runs them against an Engine.
type Server struct {
	cfg    Config
	engine Engine
	log    *slog.Logger

	cancels cancelRegistry
	nextPID atomic.Uint32
	auth    authState
	// sessions counts the slots of MaxConnections taken.
	sessions atomic.Int64

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	shutdown  atomic.Bool
	wg        sync.WaitGroup

	// acceptSleep waits between failed Accepts; time.Sleep but in tests.
	acceptSleep func(time.Duration)
}

// NewServer returns a server for engine.
func NewServer(cfg Config, engine Engine) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxMessageSize == 0 {
		cfg.MaxMessageSize = 16 << 20
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	s := &Server{
		cfg:       cfg,
		engine:    engine,
		log:       cfg.Logger,
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},

		acceptSleep: time.Sleep,
	}
	s.cancels.entries = map[uint32]cancelEntry{}
	return s
}

// ValidateListen refuses trust authentication on a non-loopback address.
func ValidateListen(addr string, users map[string]string) error {
	if len(users) > 0 {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("listen address %q is not loopback: configure runtime.pg.users so clients must authenticate", addr)
	}
	return nil
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("wire: server closed")

// Serve accepts connections on ln until Shutdown. Like net/http's Serve,
// temporary accept errors (retryableAccept: running out of file
// descriptors among them) are logged and back off, 5 ms doubling to 1 s,
// instead of ending the loop.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.shutdown.Load() {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()

	var backoff acceptBackoff
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shutdown.Load() {
				return ErrServerClosed
			}
			if retryableAccept(err) {
				// Out of file descriptors, say: the listener is fine and
				// the clients already served go on; new ones wait in the
				// kernel's backlog until a descriptor is free.
				delay := backoff.next()
				s.log.Warn("accept failed; retrying", "err", err, "delay", delay)
				s.acceptSleep(delay)
				continue
			}
			s.log.Error("accept failed; the listener stops", "err", err)
			return err
		}
		backoff.reset()
		c := s.newConn(nc)
		s.mu.Lock()
		if s.shutdown.Load() {
			s.mu.Unlock()
			nc.Close()
			return ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		s.cfg.Observer.ConnOpened()
		go func() {
			defer s.wg.Done()
			c.serve()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			s.cfg.Observer.ConnClosed()
		}()
	}
}

// Shutdown stops accepting, lets running statements finish until ctx ends,
// then cancels what still runs and closes every connection.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdown.Store(true)
	s.mu.Lock()
	for ln := range s.listeners {
		ln.Close()
	}
	for c := range s.conns {
		c.closeWhenIdle()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.abort()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

// cancelRegistry maps BackendKeyData to the cancel function of the
// connection's running statement.
type cancelRegistry struct {
	mu      sync.Mutex
	entries map[uint32]cancelEntry
}

type cancelEntry struct {
	secret []byte
	conn   *conn
}

func (r *cancelRegistry) add(pid uint32, secret []byte, c *conn) {
	r.mu.Lock()
	r.entries[pid] = cancelEntry{secret: secret, conn: c}
	r.mu.Unlock()
}

func (r *cancelRegistry) remove(pid uint32) {
	r.mu.Lock()
	delete(r.entries, pid)
	r.mu.Unlock()
}

// cancel cancels pid's running statement if secret matches. A wrong key is
// ignored silently, as PostgreSQL does, so keys cannot be probed.
func (r *cancelRegistry) cancel(pid uint32, secret []byte) bool {
	r.mu.Lock()
	e, ok := r.entries[pid]
	r.mu.Unlock()
	if !ok || subtle.ConstantTimeCompare(e.secret, secret) != 1 {
		return false
	}
	e.conn.log.Info("cancel request")
	e.conn.cancelStatement()
	return true
}

// newSecretKey returns a BackendKeyData secret: 4 bytes, the only length
// protocol 3.0 clients accept.
func newSecretKey() []byte {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return b
}

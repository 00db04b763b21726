package pgtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser and Database are what ConnString connects as and to. initdb -U makes the
// superuser postgres whichever system user runs the server.
const (
	Superuser = "postgres"
	Database  = "postgres"
)

const (
	// readyTimeout bounds the wait for the first successful connection after launch.
	readyTimeout = 60 * time.Second
	// stopTimeout is how long Close waits after SIGINT (fast shutdown) before SIGKILL.
	stopTimeout = 10 * time.Second
	// reapTimeout bounds the wait for backends to exit after their postmaster was killed.
	reapTimeout = 5 * time.Second
	// portAttempts is how many free ports Start tries when another process takes the
	// port between our pick and the postmaster's bind.
	portAttempts = 5
	// logTail is how much of the server log errors and Log carry.
	logTail = 16 << 10
	// maxSocketPath is the longest Unix socket path Linux accepts (sun_path is 108 bytes).
	maxSocketPath = 107
)

// serverSettings are passed as -c options: loopback only, durability off (the cluster is
// thrown away), and a fixed time zone so timestamptz output does not depend on the host.
var serverSettings = []string{
	"listen_addresses=127.0.0.1",
	"fsync=off",
	"synchronous_commit=off",
	"full_page_writes=off",
	"TimeZone=UTC",
}

// errPortTaken reports that the postmaster could not bind, or found someone else on, the
// port we picked for it.
var errPortTaken = errors.New("port taken")

// Server is one running PostgreSQL cluster in a private temporary directory. Close it
// when done.
type Server struct {
	owner   *runAs
	root    string // temporary directory: socket directory, server log, parent of dataDir
	dataDir string
	logPath string
	port    int
	cmd     *exec.Cmd

	done    chan struct{} // closed when the postmaster has been waited for
	waitErr error         // set before done is closed

	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool
	finalLog  string // the log tail, kept once Close has removed the directory
}

// Start creates a cluster with initdb in a new temporary directory, starts postgres on a
// free 127.0.0.1 port as a child process and returns once a pgx connection succeeds. ctx
// bounds the start-up only, not the server's life.
//
// Under root, initdb and postgres run as the postgres system user, which owns the
// directory. A missing PostgreSQL installation is an error saying what to install.
func Start(ctx context.Context) (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	owner, err := serverOwner()
	if err != nil {
		return nil, err
	}
	root, err := makeRoot(owner)
	if err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			_ = os.RemoveAll(root)
		}
	}()
	dataDir := filepath.Join(root, "data")
	if err := initdb(ctx, bin, owner, root, dataDir); err != nil {
		return nil, err
	}
	var lastErr error
	for range portAttempts {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := launch(bin, owner, root, dataDir, port)
		if err != nil {
			return nil, err
		}
		err = s.waitReady(ctx)
		if err == nil {
			started = true
			return s, nil
		}
		s.stop()
		if !errors.Is(err, errPortTaken) {
			return nil, err
		}
		lastErr = err
	}
	return nil, fmt.Errorf("pgtest: gave up after %d ports: %w", portAttempts, lastErr)
}

// makeRoot creates the temporary directory and gives it to the server's user. Under root
// the base directory must be reachable by that user, so a private TMPDIR (say under
// /root) falls back to /tmp; so does one too deep for the Unix socket path.
func makeRoot(owner *runAs) (string, error) {
	// Longest name MkdirTemp makes here, plus the socket file postgres creates in it.
	const suffix = "/pgtest-4294967295/.s.PGSQL.65535"
	usable := func(base string) bool {
		return owner.canReach(base) && len(base)+len(suffix) <= maxSocketPath
	}
	base, err := filepath.Abs(os.TempDir())
	if err != nil {
		return "", fmt.Errorf("pgtest: temporary directory: %w", err)
	}
	if !usable(base) {
		if !usable("/tmp") {
			return "", fmt.Errorf("pgtest: neither %s nor /tmp is usable for %s's cluster (search permission on every parent and a short enough path for the socket)", base, owner)
		}
		base = "/tmp"
	}
	root, err := os.MkdirTemp(base, "pgtest-")
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	if err := owner.chown(root); err != nil {
		_ = os.RemoveAll(root)
		return "", err
	}
	return root, nil
}

// serverEnv is the environment of initdb and postgres: ours without libpq's PG* variables
// and locale settings, in the C locale.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

func initdb(ctx context.Context, bin string, owner *runAs, root, dataDir string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", dataDir,
		"-U", Superuser,
		"--auth=trust",
		"--encoding=UTF8",
		// C.UTF-8: byte-order (code point) collation like the engine's, and
		// Unicode-aware upper/lower like the engine's.
		"--locale=C.UTF-8",
		"--no-sync",
	)
	cmd.Dir = root // initdb must be able to stat its working directory
	cmd.Env = serverEnv()
	cmd.SysProcAttr = sysProcAttr(owner)
	// On cancellation, kill initdb's bootstrap postgres too, not only initdb.
	cmd.Cancel = func() error { killGroup(cmd.Process); return nil }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = fmt.Errorf("%w (%w)", err, ctxErr)
		}
		return fmt.Errorf("pgtest: %s as %s failed: %w; output:\n%s", cmd.Path, owner, err, tail(out))
	}
	return nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: picking a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch starts the postmaster directly (not through pg_ctl) so that it is our child:
// we wait for it, signal it and, on Linux, the kernel kills it if we die.
func launch(bin string, owner *runAs, root, dataDir string, port int) (*Server, error) {
	logPath := filepath.Join(root, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pgtest: server log: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor
	args := []string{"-D", dataDir, "-p", strconv.Itoa(port), "-k", root}
	for _, kv := range serverSettings {
		args = append(args, "-c", kv)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Dir = root
	cmd.Env = serverEnv()
	// An *os.File, not a pipe: backends inherit it, and Wait must not wait for them.
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr(owner)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgtest: starting %s as %s: %w", cmd.Path, owner, err)
	}
	s := &Server{
		owner:   owner,
		root:    root,
		dataDir: dataDir,
		logPath: logPath,
		port:    port,
		cmd:     cmd,
		done:    make(chan struct{}),
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// waitReady polls until a connection succeeds, the postmaster dies, or the deadline.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		select {
		case <-s.done:
			log := s.Log()
			if strings.Contains(log, "Address already in use") {
				return fmt.Errorf("pgtest: port %d: %w", s.port, errPortTaken)
			}
			return fmt.Errorf("pgtest: postgres exited during start-up (%v); server log:\n%s", s.waitErr, log)
		case <-ctx.Done():
			return fmt.Errorf("pgtest: postgres on port %d not ready (%w, limit %v; last error: %v); server log:\n%s",
				s.port, ctx.Err(), readyTimeout, lastErr, s.Log())
		case <-tick.C:
		}
		lastErr = s.ping(ctx)
		if lastErr == nil || errors.Is(lastErr, errPortTaken) {
			return lastErr
		}
	}
}

// ping connects and checks that the server answering is ours: its data directory is ours.
// Another process could have taken the port between freePort and the postmaster's bind.
func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := s.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var dir string
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
		return err
	}
	if dir != s.dataDir {
		return fmt.Errorf("pgtest: the server on port %d serves %s, not %s: %w", s.port, dir, s.dataDir, errPortTaken)
	}
	return nil
}

// ConnString is a libpq URL for the superuser and the postgres database over TCP, without
// TLS.
func (s *Server) ConnString() string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", Superuser, s.port, Database)
}

// Connect opens a new pgx connection with ConnString. The caller closes it.
func (s *Server) Connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, s.ConnString())
	if err != nil {
		return nil, fmt.Errorf("pgtest: connecting to %s: %w", s.ConnString(), err)
	}
	return conn, nil
}

// Port is the TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// DataDir is the cluster's data directory (removed by Close).
func (s *Server) DataDir() string { return s.dataDir }

// Log returns the tail of the server log (the postmaster's stdout and stderr).
func (s *Server) Log() string {
	if s.closed.Load() {
		return s.finalLog
	}
	return s.readLog()
}

func (s *Server) readLog() string {
	f, err := os.Open(s.logPath)
	if err != nil {
		return fmt.Sprintf("(server log unreadable: %v)", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > logTail {
		_, _ = f.Seek(st.Size()-logTail, io.SeekStart)
	}
	b, err := io.ReadAll(io.LimitReader(f, logTail))
	if err != nil {
		return fmt.Sprintf("(server log unreadable: %v)", err)
	}
	return string(b)
}

// Close stops the server — SIGINT (fast shutdown: open connections are ended, nothing is
// flushed to disk that we need), then SIGKILL to its process group after 10s — and removes
// its directory. It is safe to call twice. It returns an error if the server had died by
// itself before Close or the directory could not be removed.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		diedEarly := s.stop()
		s.finalLog = s.readLog()
		s.closed.Store(true)
		var errs []error
		if diedEarly {
			errs = append(errs, fmt.Errorf("pgtest: postgres on port %d had exited by itself (%v); server log:\n%s",
				s.port, s.waitErr, s.finalLog))
		}
		if err := os.RemoveAll(s.root); err != nil {
			errs = append(errs, fmt.Errorf("pgtest: removing %s: %w", s.root, err))
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// stop ends the postmaster and any process left in its data directory. It reports whether
// the postmaster had already exited by itself.
func (s *Server) stop() (diedEarly bool) {
	select {
	case <-s.done:
		diedEarly = true
	default:
		if interrupt(s.cmd.Process) == nil {
			select {
			case <-s.done:
			case <-time.After(stopTimeout):
			}
		}
		select {
		case <-s.done:
		default:
			killGroup(s.cmd.Process)
			<-s.done
		}
	}
	// After a fast shutdown nothing is left. After SIGKILL, backends (each in its own
	// session, out of reach of the group kill) would exit by themselves on noticing the
	// postmaster's death; do not wait for that.
	deadline := time.Now().Add(reapTimeout)
	for {
		pids := processesIn(s.dataDir)
		if len(pids) == 0 || time.Now().After(deadline) {
			return diedEarly
		}
		for _, pid := range pids {
			killPID(pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tail returns the last logTail bytes of b.
func tail(b []byte) string {
	if len(b) > logTail {
		b = b[len(b)-logTail:]
	}
	return strings.TrimSpace(string(b))
}

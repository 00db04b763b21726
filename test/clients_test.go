package test

// The client matrix: each test drives a real client library or binary
// (test/clients/ holds the Java, Python and JavaScript programs) through a
// gateway serving the people/visits fixture, and checks what the client
// saw. `make test` installs the clients first (scripts/deps.sh); a missing
// one fails its test, never skips it.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/gateway"
)

// depsScript installs and locates the clients (and everything else the
// tests use); `make test` runs it before go test.
const depsScript = "scripts/deps.sh"

// clientTimeout bounds one run of a client program, JVM start included.
const clientTimeout = 2 * time.Minute

// missingClient fails the test for a client that is not installed.
func missingClient(t *testing.T, what string, err error) {
	t.Helper()
	t.Fatalf("%s is not installed (%v): run make test, which installs the test dependencies before it runs go test (or only them: make deps, %s)", what, err, depsScript)
}

// clientSource is a file under test/clients/.
func clientSource(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("clients", rel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("client source: %v", err)
	}
	return p
}

// runClient runs a client program and returns its standard output; a
// non-zero exit fails the test with its standard error.
func runClient(t *testing.T, name string, env []string, argv ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LC_ALL=C.UTF-8", "TZ=UTC"}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s ran in %v", name, time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", name, err, stdout.String(), stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("%s stderr:\n%s", name, stderr.String())
	}
	return stdout.Bytes()
}

// clientSteps checks the "steps" map the Python and JavaScript clients
// print: every step must have run to its end.
func clientSteps(t *testing.T, steps map[string]string, want ...string) {
	t.Helper()
	for _, name := range want {
		switch got, ok := steps[name]; {
		case !ok:
			t.Errorf("step %q did not run", name)
		case got != "ok":
			t.Errorf("step %q: %s", name, got)
		}
	}
}

// typedValue is a value as a client library typed it.
type typedValue struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

func (v typedValue) String() string { return fmt.Sprintf("%s(%v)", v.Type, v.Value) }

// wireLog is a TCP proxy in front of the gateway that records, in order,
// a one-line summary of every message the clients send through it, so a
// test can check that a client really took the protocol path it means to
// cover.
type wireLog struct {
	addr string
	mu   sync.Mutex
	msgs []string
}

// proxyGateway starts a wireLog in front of gw; it stops with the test.
func proxyGateway(t *testing.T, gw *gateway.Gateway) *wireLog {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &wireLog{addr: ln.Addr().String()}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", gw.Addr().String())
			if err != nil {
				client.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, client, server)
			mu.Unlock()
			wg.Add(2)
			go func() {
				defer wg.Done()
				io.Copy(client, server)
				client.Close()
			}()
			go func() {
				defer wg.Done()
				pr, pw := io.Pipe()
				go w.decode(pr)
				io.Copy(io.MultiWriter(server, pw), client)
				pw.Close()
				server.Close()
			}()
		}
	}()
	return w
}

// decode summarises the frontend messages read from r until it ends, and
// then drains r so the proxy never blocks on it.
func (w *wireLog) decode(r *io.PipeReader) {
	defer io.Copy(io.Discard, r)
	be := pgproto3.NewBackend(r, io.Discard)
	if _, err := be.ReceiveStartupMessage(); err != nil {
		return
	}
	for {
		msg, err := be.Receive()
		if err != nil {
			return
		}
		var s string
		switch m := msg.(type) {
		case *pgproto3.Parse:
			s = fmt.Sprintf("Parse %q %d param types", m.Name, len(m.ParameterOIDs))
		case *pgproto3.Bind:
			s = fmt.Sprintf("Bind %q to %q param formats %v result formats %v", m.PreparedStatement, m.DestinationPortal, m.ParameterFormatCodes, m.ResultFormatCodes)
		case *pgproto3.Describe:
			s = fmt.Sprintf("Describe %c %q", m.ObjectType, m.Name)
		case *pgproto3.Execute:
			s = fmt.Sprintf("Execute %q max %d", m.Portal, m.MaxRows)
		case *pgproto3.Query:
			s = fmt.Sprintf("Query %q", m.String)
		case *pgproto3.Close:
			s = fmt.Sprintf("Close %c %q", m.ObjectType, m.Name)
		default:
			s = strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
		}
		w.mu.Lock()
		w.msgs = append(w.msgs, s)
		w.mu.Unlock()
	}
}

// messages returns what was recorded so far.
func (w *wireLog) messages() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

// hostPort splits the proxy's address.
func (w *wireLog) hostPort() (host, port string) {
	host, port, _ = net.SplitHostPort(w.addr)
	return host, port
}

// match returns the recorded messages that contain every part.
func (w *wireLog) match(parts ...string) []string {
	var out []string
	for _, m := range w.messages() {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(m, p)
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

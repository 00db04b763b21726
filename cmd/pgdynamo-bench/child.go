//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // as cmd/pgdynamo: SET TimeZone works without zoneinfo

	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/gateway"
)

// childCommand is the first argument that makes this binary the gateway
// child instead of the benchmark.
const childCommand = "serve-gateway"

// The child's line protocol on its stdin and stdout: it prints
// "addr HOST:PORT" once serving, then answers each command with one line.
const (
	cmdUsage        = "usage"         // → "usage USER_NS SYS_NS MAXRSS_BYTES"
	cmdProfileStart = "profile-start" // PATH → "ok": a CPU profile until profile-stop
	cmdProfileStop  = "profile-stop"  // → "ok"
)

// usage is a process's CPU time and peak resident set so far.
type usage struct {
	user, sys time.Duration
	maxRSS    int64 // bytes
}

func (u usage) cpu() time.Duration { return u.user + u.sys }

// selfUsage is this process's getrusage.
func selfUsage() (usage, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}, fmt.Errorf("getrusage: %w", err)
	}
	return usage{
		user:   time.Duration(ru.Utime.Nano()),
		sys:    time.Duration(ru.Stime.Nano()),
		maxRSS: ru.Maxrss * 1024, // kilobytes on Linux
	}, nil
}

// gatewayConfig is a configuration serving table as the live dataset
// "bench", read with segments parallel Scan segments from endpoint.
func gatewayConfig(endpoint, table string, segments int) string {
	return fmt.Sprintf(`version: v1
kind: Spicepod
name: bench
runtime:
  pg:
    listen: 127.0.0.1:0
datasets:
  - from: dynamodb:%s
    name: bench
    params:
      dynamodb_aws_region: us-east-1
      dynamodb_endpoint: %s
      dynamodb_aws_access_key_id: bench
      dynamodb_aws_secret_access_key: bench
      scan_segments: %d
`, table, endpoint, segments)
}

// gatewayProc is a gateway child process and the benchmark's end of its
// protocol.
type gatewayProc struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	addr string
	dir  string
	done chan struct{}
}

// startGateway runs this binary as a gateway child serving yaml, and
// returns once it listens.
func startGateway(ctx context.Context, yaml string) (*gatewayProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("locating this binary: %w", err)
	}
	dir, err := os.MkdirTemp("", "pgdynamo-bench-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "pgdynamo.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(self, childCommand, path)
	cmd.Stderr = os.Stderr
	// The child dies with the benchmark, however the benchmark ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the gateway child: %w", err)
	}
	g := &gatewayProc{cmd: cmd, in: in, out: bufio.NewReader(stdout), dir: dir, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(g.done)
	}()
	lines := make(chan string, 1)
	go func() {
		line, err := g.out.ReadString('\n')
		if err != nil {
			line = ""
		}
		lines <- line
	}()
	select {
	case line := <-lines:
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "addr ")
		if !ok {
			g.Close()
			return nil, fmt.Errorf("the gateway child did not start (it printed %q)", line)
		}
		g.addr = addr
		return g, nil
	case <-ctx.Done():
		g.Close()
		return nil, fmt.Errorf("waiting for the gateway child: %w", ctx.Err())
	}
}

// call sends one command and returns the child's answer line.
func (g *gatewayProc) call(command string) (string, error) {
	if _, err := io.WriteString(g.in, command+"\n"); err != nil {
		return "", fmt.Errorf("gateway child: %s: %w", command, err)
	}
	line, err := g.out.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("gateway child: %s: no answer: %w", command, err)
	}
	return strings.TrimSpace(line), nil
}

// usage is the child's CPU time and peak RSS so far.
func (g *gatewayProc) usage() (usage, error) {
	line, err := g.call(cmdUsage)
	if err != nil {
		return usage{}, err
	}
	return parseUsage(line)
}

func parseUsage(line string) (usage, error) {
	f := strings.Fields(line)
	if len(f) != 4 || f[0] != cmdUsage {
		return usage{}, fmt.Errorf("gateway child: bad usage answer %q", line)
	}
	var v [3]int64
	for i := range v {
		n, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil {
			return usage{}, fmt.Errorf("gateway child: bad usage answer %q", line)
		}
		v[i] = n
	}
	return usage{user: time.Duration(v[0]), sys: time.Duration(v[1]), maxRSS: v[2]}, nil
}

// profile starts a CPU profile of the child into path and returns the
// function that stops it; with an empty path it does nothing.
func (g *gatewayProc) profile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	if line, err := g.call(cmdProfileStart + " " + path); err != nil || line != "ok" {
		return nil, fmt.Errorf("gateway child: profile-start: %q %v", line, err)
	}
	return func() error {
		if line, err := g.call(cmdProfileStop); err != nil || line != "ok" {
			return fmt.Errorf("gateway child: profile-stop: %q %v", line, err)
		}
		return nil
	}, nil
}

// Close ends the child (closing its stdin shuts it down) and removes its
// configuration.
func (g *gatewayProc) Close() {
	g.in.Close()
	select {
	case <-g.done:
	case <-time.After(15 * time.Second):
		_ = g.cmd.Process.Kill()
		<-g.done
	}
	os.RemoveAll(g.dir)
}

// serveGateway is the child: it serves the configuration at args[0] until
// its stdin closes, answering the protocol's commands.
func serveGateway(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: pgdynamo-bench "+childCommand+" CONFIG")
		return 2
	}
	f, err := config.Load(args[0])
	if f == nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg, err := f.Resolve(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	gw, err := gateway.Start(ctx, cfg, log)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
	}()
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "addr %s\n", gw.Addr())
	out.Flush()
	in := bufio.NewScanner(os.Stdin)
	var profile *os.File
	for in.Scan() {
		command, arg, _ := strings.Cut(strings.TrimSpace(in.Text()), " ")
		answer := "ok"
		switch command {
		case cmdUsage:
			u, err := selfUsage()
			if err != nil {
				answer = "error " + err.Error()
				break
			}
			answer = fmt.Sprintf("%s %d %d %d", cmdUsage, u.user.Nanoseconds(), u.sys.Nanoseconds(), u.maxRSS)
		case cmdProfileStart:
			var err error
			if profile, err = os.Create(arg); err == nil {
				err = pprof.StartCPUProfile(profile)
			}
			if err != nil {
				answer = "error " + err.Error()
			}
		case cmdProfileStop:
			pprof.StopCPUProfile()
			if profile != nil {
				if err := profile.Close(); err != nil {
					answer = "error " + err.Error()
				}
				profile = nil
			}
		default:
			answer = "error unknown command " + strconv.Quote(command)
		}
		fmt.Fprintln(out, answer)
		out.Flush()
	}
	if err := in.Err(); err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

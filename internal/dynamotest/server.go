package dynamotest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Fixed client settings. The server runs with -sharedDb, so these only have to be
// well-formed: any region and any key pair see the same tables.
const (
	Region          = "us-east-1"
	AccessKeyID     = "dynamotest"
	SecretAccessKey = "dynamotest"
)

const (
	// readyTimeout bounds the wait for the first successful ListTables. The JVM starts in
	// about 2s on an idle machine, but took 25s on a 2-core machine with a load of 18.
	readyTimeout = 90 * time.Second
	// portAttempts is how many free ports Start tries when another process takes the
	// port between our pick and the JVM's bind.
	portAttempts = 5
	// outputTail is how much of the JVM's combined stdout/stderr is kept for errors.
	outputTail = 16 << 10
)

// errPortTaken reports that the JVM could not bind the port we picked for it.
var errPortTaken = errors.New("port taken")

// Server is one running DynamoDB Local process. Close it when done.
type Server struct {
	endpoint string
	port     int
	cmd      *exec.Cmd
	out      *tailBuffer
	tmpDir   string // the JVM's java.io.tmpdir, removed by Close

	done    chan struct{} // closed when the process has been waited for
	waitErr error         // set before done is closed

	closeOnce sync.Once
	closeErr  error
}

// Start fetches DynamoDB Local if needed, starts it in memory on a free 127.0.0.1 port and
// returns once it answers ListTables. ctx bounds the start-up only, not the server's life.
func Start(ctx context.Context) (*Server, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, errors.New("dynamotest: java not found on PATH: DynamoDB Local needs a Java 17+ runtime " +
			"(Debian: apt-get install -y openjdk-17-jre-headless)")
	}
	dir, err := LocalDir(ctx)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range portAttempts {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := launch(java, dir, port)
		if err != nil {
			return nil, err
		}
		err = s.waitReady(ctx)
		if err == nil {
			return s, nil
		}
		_ = s.Close()
		if !errors.Is(err, errPortTaken) {
			return nil, err
		}
		lastErr = err
	}
	return nil, fmt.Errorf("dynamotest: gave up after %d ports: %w", portAttempts, lastErr)
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("dynamotest: picking a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func launch(java, dir string, port int) (*Server, error) {
	// DynamoDB Local unpacks its SQLite library (~1 MB) into java.io.tmpdir
	// and deletes it only on an orderly exit, which a killed JVM never has:
	// give each server a directory of its own and remove it in Close.
	tmpDir, err := os.MkdirTemp("", "dynamotest-")
	if err != nil {
		return nil, fmt.Errorf("dynamotest: %w", err)
	}
	cmd := exec.Command(java,
		// No hsperfdata file in /tmp/hsperfdata_USER, which a killed JVM leaves behind.
		"-XX:-UsePerfData",
		"-Djava.io.tmpdir="+tmpDir,
		"-Djava.library.path=DynamoDBLocal_lib",
		"-jar", "DynamoDBLocal.jar",
		"-inMemory", "-sharedDb", "-disableTelemetry",
		"-port", strconv.Itoa(port),
	)
	cmd.Dir = dir
	out := newTailBuffer(outputTail)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = 5 * time.Second
	s := &Server{
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		port:     port,
		cmd:      cmd,
		out:      out,
		tmpDir:   tmpDir,
		done:     make(chan struct{}),
	}
	// Linux delivers the parent-death signal when the *thread* that forked the child
	// exits (golang/go#27505), and the Go runtime may retire threads. So the JVM is
	// forked from a goroutine locked to its thread, which then stays in cmd.Wait for the
	// server's whole life: the thread outlives the JVM unless the test binary dies.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return // the locked thread exits with this goroutine; nothing was forked
		}
		started <- nil
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	if err := <-started; err != nil {
		os.RemoveAll(tmpDir)
		return nil, fmt.Errorf("dynamotest: starting %s: %w", java, err)
	}
	return s, nil
}

// waitReady polls until the server answers ListTables, the process dies, or the deadline.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := s.Client(ctx)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		select {
		case <-s.done:
			return fmt.Errorf("dynamotest: DynamoDB Local exited during start-up (%v); output:\n%s", s.waitErr, s.out.String())
		case <-ctx.Done():
			return fmt.Errorf("dynamotest: DynamoDB Local on %s not ready after %v (last error: %v); output:\n%s",
				s.endpoint, readyTimeout, lastErr, s.out.String())
		case <-tick.C:
		}
		if out := s.out.String(); strings.Contains(out, "BindException") || strings.Contains(out, "Failed to bind") {
			return fmt.Errorf("dynamotest: port %d: %w", s.port, errPortTaken)
		}
		// Only talk to the port once our own JVM listens on it: before that, another
		// process that took the port could answer in its place.
		if owned, known := ownsListener(s.cmd.Process.Pid, s.port); known && !owned {
			lastErr = errors.New("JVM not listening yet")
			continue
		}
		attempt, cancelAttempt := context.WithTimeout(ctx, 2*time.Second)
		_, err := client.ListTables(attempt, &dynamodb.ListTablesInput{})
		cancelAttempt()
		if err == nil {
			return nil
		}
		lastErr = err
	}
}

// Endpoint is the server's base URL, http://127.0.0.1:PORT.
func (s *Server) Endpoint() string { return s.endpoint }

// Config is an aws.Config for this server: region us-east-1, static dummy credentials and
// BaseEndpoint set to Endpoint. Use it to build other clients (e.g. DynamoDB Streams).
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.endpoint),
	}
}

// Client returns a DynamoDB client for this server (see Config). Response CRC32 validation
// is off: DynamoDB Local sends x-amz-crc32: 0 on error responses. ctx is accepted for
// symmetry with the SDK's loaders; building the client does no I/O.
func (s *Server) Client(ctx context.Context) *dynamodb.Client {
	_ = ctx
	return dynamodb.NewFromConfig(s.Config(), func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = true
	})
}

// Env returns the environment a separate process (such as a pgdynamo binary under test)
// needs to reach this server through the SDK's conventions, as KEY=VALUE pairs.
func (s *Server) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL_DYNAMODB=" + s.endpoint,
		"AWS_ENDPOINT_URL_DYNAMODB_STREAMS=" + s.endpoint,
		"AWS_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
	}
}

// Close kills the server's process group, waits for it and removes its temporary
// directory. It is safe to call twice. It returns an error only if the server had died by
// itself before Close.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		select {
		case <-s.done:
			s.closeErr = fmt.Errorf("dynamotest: DynamoDB Local on %s had exited by itself (%v); output:\n%s",
				s.endpoint, s.waitErr, s.out.String())
		default:
			killGroup(s.cmd.Process)
			<-s.done
		}
		if err := os.RemoveAll(s.tmpDir); err != nil && s.closeErr == nil {
			s.closeErr = fmt.Errorf("dynamotest: %w", err)
		}
	})
	return s.closeErr
}

// Output returns the tail of the server's stdout and stderr.
func (s *Server) Output() string { return s.out.String() }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

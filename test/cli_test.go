package test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

var (
	binaryOnce sync.Once
	binaryDir  string // holds binaryPath; removeBinary deletes it
	binaryPath string
	binaryErr  error
)

// pgdynamoBinary builds cmd/pgdynamo once per test run, with no tags or
// flags, exactly as `go build ./cmd/pgdynamo` does for users. The binary
// (~100 MB) lives in a temporary directory that TestMain removes after the
// tests (removeBinary).
func pgdynamoBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pgdynamo-bin")
		if err != nil {
			binaryErr = err
			return
		}
		binaryDir = dir
		binaryPath = filepath.Join(dir, "pgdynamo")
		out, err := exec.Command("go", "build", "-o", binaryPath, "../cmd/pgdynamo").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build ./cmd/pgdynamo: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// removeBinary deletes what pgdynamoBinary built, if it ran. TestMain calls
// it once every test (and every process started from the binary) is done.
func removeBinary() error {
	if binaryDir == "" {
		return nil
	}
	if err := os.RemoveAll(binaryDir); err != nil {
		return fmt.Errorf("removing the built pgdynamo: %w", err)
	}
	return nil
}

// runCLI runs pgdynamo with args and env (on top of a minimal environment).
func runCLI(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pgdynamoBinary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pgdynamo.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const configHead = "version: v1\nkind: Spicepod\ndatasets:\n"

func TestCLIRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"missing region", configHead + "  - from: dynamodb:users\n    name: users\n    params: {}\n",
			[]string{"pgdynamo.yaml", `dataset "users"`, "params.dynamodb_aws_region", "required"}},
		{"unknown key", configHead + "  - from: dynamodb:users\n    name: users\n    params:\n      dynamodb_aws_region: us-east-1\n      unest_depth: 1\n",
			[]string{"pgdynamo.yaml:8", "params.unest_depth", "did you mean unnest_depth"}},
		{"unresolved secret", configHead + "  - from: dynamodb:users\n    name: users\n    params:\n      dynamodb_aws_region: us-east-1\n      dynamodb_aws_access_key_id: ${secrets:nope_key}\n      dynamodb_aws_secret_access_key: ${secrets:nope_secret}\n",
			[]string{"params.dynamodb_aws_access_key_id", "NOPE_KEY", "params.dynamodb_aws_secret_access_key"}},
		{"reserved name", configHead + "  - from: dynamodb:users\n    name: user\n    params:\n      dynamodb_aws_region: us-east-1\n",
			[]string{"name", "reserved"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.body)
			for _, cmd := range []string{"check", "serve"} {
				_, stderr, code := runCLI(t, nil, cmd, "--config", path)
				if code == 0 {
					t.Fatalf("pgdynamo %s exited 0 on a bad config", cmd)
				}
				for _, w := range tc.want {
					if !strings.Contains(stderr, w) {
						t.Errorf("pgdynamo %s: stderr lacks %q:\n%s", cmd, w, stderr)
					}
				}
			}
		})
	}
}

func TestCLISecretNeverPrinted(t *testing.T) {
	path := writeConfig(t, configHead+"  - from: dynamodb:users\n    name: users\n    params:\n      dynamodb_aws_region: us-east-1\n      dynamodb_aws_access_key_id: AKIAEXAMPLE\n      dynamodb_aws_secret_access_key: ${secrets:the_secret}\n      unnest_depth: ${secrets:the_secret}\n")
	_, stderr, code := runCLI(t, []string{"THE_SECRET=sup3r-s3cret-value"}, "check", "--config", path)
	if code == 0 {
		t.Fatal("bad unnest_depth accepted")
	}
	if strings.Contains(stderr, "sup3r-s3cret-value") {
		t.Fatalf("secret printed:\n%s", stderr)
	}
	if !strings.Contains(stderr, "params.unnest_depth") {
		t.Errorf("error does not name the key:\n%s", stderr)
	}
}

func TestCLICheckDescribesTables(t *testing.T) {
	f := sharedFixture(t)
	server := dynamotest.Shared(t)
	path := writeConfig(t, configHead+fmt.Sprintf(
		"  - from: dynamodb:%s\n    name: people\n    params:\n      dynamodb_aws_region: us-east-1\n      schema_infer_max_records: 500\n", f.peopleTable))
	// The endpoint comes from the SDK's own convention, as in the demo.
	env := []string{"AWS_ENDPOINT_URL_DYNAMODB=" + server.Endpoint(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y"}
	stdout, stderr, code := runCLI(t, env, "check", "--config", path)
	if code != 0 {
		t.Fatalf("check failed (%d):\n%s", code, stderr)
	}
	for _, want := range []string{"dataset public.people", "primary key (id)", "id ", "int8", "name", "text", "active", "bool", "joined", "date", "score", "float8", "1 dataset(s) OK"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("check output lacks %q:\n%s", want, stdout)
		}
	}

	missing := writeConfig(t, configHead+"  - from: dynamodb:no_such_table\n    name: ghosts\n    params:\n      dynamodb_aws_region: eu-west-3\n")
	_, stderr, code = runCLI(t, env, "check", "--config", missing)
	if code == 0 {
		t.Fatal("check passed for a missing table")
	}
	// serve fails the same way, hint included.
	_, serveErr, serveCode := runCLI(t, env, "serve", "--config", missing)
	if serveCode == 0 {
		t.Fatal("serve started for a missing table")
	}
	for _, want := range []string{"no_such_table", "eu-west-3", "hint: DynamoDB tables are regional: check dynamodb_aws_region"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("check: missing-table error lacks %q:\n%s", want, stderr)
		}
		if !strings.Contains(serveErr, want) {
			t.Errorf("serve: missing-table error lacks %q:\n%s", want, serveErr)
		}
	}
}

func TestCLIServeStopsOnSignal(t *testing.T) {
	f := sharedFixture(t)
	server := dynamotest.Shared(t)
	path := writeConfig(t, configHead+fmt.Sprintf(
		"  - from: dynamodb:%s\n    name: people\n    params:\n      dynamodb_aws_region: us-east-1\n", f.peopleTable))
	cmd := exec.Command(pgdynamoBinary(t), "serve", "--config", path, "--listen", "127.0.0.1:0")
	cmd.Env = []string{"AWS_ENDPOINT_URL_DYNAMODB=" + server.Endpoint(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y", "HOME=" + t.TempDir()}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(stderr.String(), "pgdynamo listening") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM:\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("serve did not stop on SIGTERM")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no orderly stop logged:\n%s", stderr.String())
	}
}

func TestCLIVersion(t *testing.T) {
	stdout, _, code := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "pgdynamo ") {
		t.Fatalf("version: %d %q", code, stdout)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCLICheckAcceleration: check builds the accelerated copies (in memory,
// creating no file), says what serve will do with them, and refuses a
// duckdb_file that cannot be created.
func TestCLICheckAcceleration(t *testing.T) {
	f := sharedFixture(t)
	server := dynamotest.Shared(t)
	env := []string{"AWS_ENDPOINT_URL_DYNAMODB=" + server.Endpoint(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y"}
	dir := t.TempDir()
	file := filepath.Join(dir, "copies", "people.duckdb")
	dataset := func(duckdbFile string) string {
		return configHead + fmt.Sprintf("  - from: dynamodb:%s\n    name: people\n    params:\n      dynamodb_aws_region: us-east-1\n"+
			"    acceleration:\n      mode: file\n      refresh_check_interval: 10m\n      params:\n        duckdb_file: %s\n", f.peopleTable, duckdbFile)
	}
	stdout, stderr, code := runCLI(t, env, "check", "--config", writeConfig(t, dataset(file)))
	if code != 0 {
		t.Fatalf("check failed (%d):\n%s", code, stderr)
	}
	if want := "accelerated: a local copy in " + file + ", reloaded every 10m0s"; !strings.Contains(stdout, want) {
		t.Errorf("check output lacks %q:\n%s", want, stdout)
	}
	if _, err := os.Stat(filepath.Dir(file)); !os.IsNotExist(err) {
		t.Errorf("check created %s (%v)", filepath.Dir(file), err)
	}

	blocker := filepath.Join(dir, "not-a-dir")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runCLI(t, env, "check", "--config", writeConfig(t, dataset(filepath.Join(blocker, "people.duckdb"))))
	if code == 0 {
		t.Fatal("check passed with a duckdb_file under a regular file")
	}
	for _, want := range []string{`dataset "public.people"`, "acceleration.params.duckdb_file", "not a directory"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("check error lacks %q:\n%s", want, stderr)
		}
	}
}

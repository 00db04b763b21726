package test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdynamo/pgdynamo/gateway"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// Values that must never reach the log.
const (
	logTestPassword  = "pässwörd-from-secret-9f3"
	logTestWrongPass = "wrong-pw-attempt-77"
	logTestAWSSecret = "aws-secret-never-logged-5521"
	logTestParam     = "sekrit-param-value"
	logTestApp       = "log-test-app"
)

// startLogged starts the gateway on the people fixture with a password user
// (from ${secrets:...}) and runtime.log_min_duration_statement set to
// minDuration ("" leaves it out), logging at debug into the returned buffer.
func startLogged(t *testing.T, minDuration string, json bool) (*gateway.Gateway, *syncBuffer) {
	t.Helper()
	f := sharedFixture(t)
	pg := "    users:\n      - name: grafana\n        password: ${secrets:log_grafana_password}\n"
	if minDuration != "" {
		pg += "  log_min_duration_statement: " + minDuration + "\n" // under runtime
	}
	cfg := runtimeConfig(t, pg, map[string]string{"LOG_GRAFANA_PASSWORD": logTestPassword, "E2E_SECRET": logTestAWSSecret},
		datasetYAML{name: "people", table: f.peopleTable, params: map[string]string{"dynamodb_endpoint": dynamotest.Shared(t).Endpoint()}})
	logs := &syncBuffer{}
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	log := slog.New(slog.NewTextHandler(logs, opts))
	if json {
		log = slog.New(slog.NewJSONHandler(logs, opts))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	gw, err := gateway.Start(ctx, cfg, log)
	if err != nil {
		t.Fatalf("starting the gateway: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := gw.Shutdown(ctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
		if t.Failed() || testing.Verbose() {
			t.Logf("gateway log:\n%s", logs.String())
		}
	})
	return gw, logs
}

// loginAs connects as grafana with password over the extended protocol (so
// parameters are bound, not interpolated), naming the application.
func loginAs(t *testing.T, gw *gateway.Gateway, password string) (*pgx.Conn, error) {
	t.Helper()
	host, port, _ := net.SplitHostPort(gw.Addr().String())
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s dbname=e2e sslmode=disable", host, port))
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Password = "grafana", password
	cfg.RuntimeParams["application_name"] = logTestApp
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return pgx.ConnectConfig(ctx, cfg)
}

// waitForLog polls logs until want appears.
func waitForLog(t *testing.T, logs *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the log never had %q", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runLoggedSession logs in once with a wrong password, then runs a session
// with a failing query, a bound parameter in a query that succeeds and in
// one whose error quotes it, and closes it; it returns once the close is
// logged.
func runLoggedSession(t *testing.T, gw *gateway.Gateway, logs *syncBuffer) {
	t.Helper()
	if _, err := loginAs(t, gw, logTestWrongPass); err == nil {
		t.Fatal("a wrong password logged in")
	}
	conn, err := loginAs(t, gw, logTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var pe *pgconn.PgError
	if _, err := conn.Exec(ctx, "SELECT * FROM nope"); !errors.As(err, &pe) || pe.Code != "42P01" {
		t.Fatalf("SELECT * FROM nope: %v, want 42P01", err)
	}
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM people WHERE name = $1", logTestParam).Scan(&n); err != nil || n != 0 {
		t.Fatalf("count: %d, %v", n, err)
	}
	if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	// The engine's message quotes the value it could not convert.
	if _, err := conn.Exec(ctx, "SELECT CAST($1::text AS int)", logTestParam); !errors.As(err, &pe) {
		t.Fatalf("CAST of a word to int: %v, want an error", err)
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitForLog(t, logs, "connection closed")
}

// TestLogSession greps the log of a session with a failing query: the
// SQLSTATE and the statement are there, with the user and application_name
// on every line; passwords, the AWS secret and bound parameter values are
// not; at info only connections, errors and the failed login appear.
func TestLogSession(t *testing.T) {
	gw, logs := startLogged(t, "", false)
	runLoggedSession(t, gw, logs)
	log := logs.String()

	for _, secret := range []string{logTestPassword, logTestWrongPass, logTestAWSSecret, logTestParam} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	session := `pid=\d+ user=grafana database=e2e application_name=` + logTestApp
	for _, want := range []string{
		`level=INFO msg="connection opened" ` + session + ` remote=127\.0\.0\.1:\d+ tls=false`,
		`level=WARN msg="statement failed" ` + session + ` sqlstate=42P01 message="relation \\"nope\\" does not exist" .*statement="SELECT \* FROM nope" duration_ms=[0-9.]+`,
		`level=WARN msg="statement failed" ` + session + ` sqlstate=\w+ message=".*\$1.*" .*statement="SELECT CAST\(\$1::text AS int\)"`,
		`level=DEBUG msg="statement duration" ` + session + ` duration_ms=[0-9.]+ tag="SELECT 1" statement="SELECT count\(\*\) FROM people WHERE name = \$1"`,
		`level=INFO msg="connection closed" ` + session + ` remote=127\.0\.0\.1:\d+ duration=\S+ statements=4`,
		`level=WARN msg="failed login" user=grafana remote=127\.0\.0\.1:\d+`,
	} {
		if !regexp.MustCompile(want).MatchString(log) {
			t.Errorf("the log lacks a line matching\n  %s", want)
		}
	}
	// Info stays quiet: only the gateway's start-up, connections, failed
	// logins and failed statements.
	allowed := regexp.MustCompile(`msg="(connection opened|connection closed|statement failed|failed login|dataset described|pgdynamo listening)"`)
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if !strings.Contains(line, "level=DEBUG") && !allowed.MatchString(line) {
			t.Errorf("unexpected line above debug: %s", line)
		}
	}
}

// TestLogMinDurationStatement: with runtime.log_min_duration_statement 0
// every completed statement is logged at info with its duration; with -1
// (and by default) none is; failed statements are logged either way.
func TestLogMinDurationStatement(t *testing.T) {
	for _, tc := range []struct {
		setting string
		info    int
	}{{"0", 2}, {"-1", 0}, {"1h", 0}, {"", 0}} {
		t.Run("setting="+tc.setting, func(t *testing.T) {
			gw, logs := startLogged(t, tc.setting, true)
			runLoggedSession(t, gw, logs)
			info, failed := 0, 0
			for _, r := range jsonLines(t, logs.String()) {
				switch r["level"].(string) + " " + r["msg"].(string) {
				case "INFO statement duration":
					info++
					if d, ok := r["duration_ms"].(float64); !ok || d < 0 {
						t.Errorf("no duration: %v", r)
					}
					if r["statement"] == "" || r["user"] != "grafana" || r["application_name"] != logTestApp {
						t.Errorf("line lacks the statement or the session: %v", r)
					}
				case "WARN statement failed":
					failed++
				}
			}
			if info != tc.info || failed != 2 {
				t.Errorf("%d statement duration lines at info and %d failed, want %d and 2", info, failed, tc.info)
			}
		})
	}
	// SHOW answers the setting as PostgreSQL writes it.
	gw, _ := startLogged(t, "250ms", false)
	conn, err := loginAs(t, gw, logTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v string
	if err := conn.QueryRow(context.Background(), "SHOW log_min_duration_statement").Scan(&v); err != nil || v != "250ms" {
		t.Errorf("SHOW log_min_duration_statement: %q, %v", v, err)
	}
}

// jsonLines parses a JSON log, failing the test on a line that is not one
// JSON object.
func jsonLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line is not JSON (%v): %s", err, line)
		}
		out = append(out, r)
	}
	return out
}

// TestLogJSONFormat runs `pgdynamo serve --log-format json`: every line of
// its stderr is a JSON object, the failed statement's among them.
func TestLogJSONFormat(t *testing.T) {
	f := sharedFixture(t)
	server := dynamotest.Shared(t)
	path := writeConfig(t, "version: v1\nkind: Spicepod\nruntime:\n  pg:\n    users:\n      - name: grafana\n        password: ${secrets:log_pw}\n"+
		configHead[len("version: v1\nkind: Spicepod\n"):]+fmt.Sprintf(
		"  - from: dynamodb:%s\n    name: people\n    params:\n      dynamodb_aws_region: us-east-1\n", f.peopleTable))
	cmd := exec.Command(pgdynamoBinary(t), "serve", "--config", path, "--listen", "127.0.0.1:0", "--log-format", "json", "--log-level", "debug")
	cmd.Env = []string{"AWS_ENDPOINT_URL_DYNAMODB=" + server.Endpoint(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=" + logTestAWSSecret,
		"LOG_PW=" + logTestPassword, "HOME=" + t.TempDir()}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	listening := regexp.MustCompile(`"msg":"pgdynamo listening".*"addr":"([^"]+)"`)
	deadline := time.Now().Add(60 * time.Second)
	var addr string
	for {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := url.URL{Scheme: "postgres", User: url.UserPassword("grafana", logTestPassword), Host: addr, Path: "/e2e",
		RawQuery: "sslmode=disable&application_name=" + logTestApp}
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SELECT * FROM nope WHERE x = $1", logTestParam); err == nil {
		t.Fatal("SELECT * FROM nope succeeded")
	}
	conn.Close(ctx)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	log := stderr.String()
	for _, secret := range []string{logTestPassword, logTestAWSSecret, logTestParam} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q:\n%s", secret, log)
		}
	}
	seen := map[string]bool{}
	for _, r := range jsonLines(t, log) {
		msg, _ := r["msg"].(string)
		seen[msg] = true
		switch msg {
		case "statement failed":
			if r["sqlstate"] != "42P01" || r["statement"] != "SELECT * FROM nope WHERE x = $1" || r["level"] != "WARN" || r["application_name"] != logTestApp {
				t.Errorf("failed statement: %v", r)
			}
		case "connection closed":
			if d, ok := r["duration"].(string); !ok || !strings.HasSuffix(d, "s") {
				t.Errorf("session duration not written as a duration: %v", r)
			}
		}
	}
	for _, want := range []string{"pgdynamo listening", "connection opened", "statement failed", "connection closed", "stopped"} {
		if !seen[want] {
			t.Errorf("no %q line:\n%s", want, log)
		}
	}
}

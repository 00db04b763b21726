package wire_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/pgtypes"
	"github.com/pgdynamo/pgdynamo/wire"
)

// authEngine opens sessions that plan every query as an empty one: enough
// to log in and ping, with no DynamoDB.
type authEngine struct{}

func (authEngine) NewSession(context.Context, wire.SessionInfo) (wire.Session, error) {
	return authSession{}, nil
}

// authSession embeds the interface so that it keeps compiling when
// wire.Session grows; only the methods below may be called.
type authSession struct{ wire.Session }

func (authSession) Plan(context.Context, string) ([]wire.Statement, error) { return nil, nil }
func (authSession) EncodeOptions() pgtypes.Options                         { return pgtypes.Options{} }
func (authSession) Close() error                                           { return nil }
func (authSession) EndTransaction(bool) [][2]string                        { return nil }
func (authSession) ParameterStatus() [][2]string {
	return [][2]string{{"server_version", "15.8"}, {"server_encoding", "UTF8"}, {"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"}, {"integer_datetimes", "on"}, {"standard_conforming_strings", "on"}, {"TimeZone", "UTC"}}
}

// logBuffer collects a server's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveAuth serves cfg with authEngine on a loopback port until the test ends.
func serveAuth(t *testing.T, cfg wire.Config) (string, *logBuffer) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := wire.NewServer(cfg, authEngine{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, wire.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		if testing.Verbose() {
			t.Logf("server log:\n%s", logs)
		}
	})
	return ln.Addr().String(), logs
}

// pgxLogin connects with pgconn as user and pings. opts are libpq keywords
// (sslmode=...). from, when set, is the local IP to dial from.
func pgxLogin(t *testing.T, addr, user, password, opts, from string) (*pgconn.PgConn, error) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	cfg, err := pgconn.ParseConfig(fmt.Sprintf("host=%s port=%s dbname=authdb connect_timeout=10 %s", host, port, opts))
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Password = user, password
	if from != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		cfg.DialFunc = d.DialContext
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if err := conn.Ping(ctx); err != nil {
		t.Fatalf("ping after login: %v", err)
	}
	return conn, nil
}

// psqlLogin runs the real psql as user with PGPASSWORD and PGSSLMODE and
// returns its combined output.
func psqlLogin(t *testing.T, addr, user, password, sslmode string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("psql")
	if err != nil {
		t.Fatalf("psql is required (apt-get install -y postgresql-client): %v", err)
	}
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := []string{"-X", "-w", "-h", host, "-p", port, "-U", user, "-d", "authdb"}
	if len(args) == 0 {
		args = []string{"-c", "SELECT 1"}
	}
	cmd := exec.CommandContext(ctx, path, append(base, args...)...)
	cmd.Env = []string{"PGPASSWORD=" + password, "PGSSLMODE=" + sslmode, "PGGSSENCMODE=disable",
		"PGCONNECT_TIMEOUT=10", "LC_ALL=C.UTF-8", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// wantFatal checks that err is exactly a FATAL code/message ErrorResponse
// with no detail or hint.
func wantFatal(t *testing.T, err error, code, message string) {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("got error %v, want FATAL %s %q", err, code, message)
	}
	if pe.Severity != "FATAL" || pe.Code != code || pe.Message != message || pe.Detail != "" || pe.Hint != "" {
		t.Fatalf("got %s %s %q detail %q hint %q, want FATAL %s %q", pe.Severity, pe.Code, pe.Message, pe.Detail, pe.Hint, code, message)
	}
}

func failedFor(user string) string {
	return fmt.Sprintf(`password authentication failed for user "%s"`, user)
}

func TestAuthMethods(t *testing.T) {
	users := map[string]string{"alice": "s3cret pass", "bob": "0th3r-pw"}
	cases := []struct {
		name, user, password string
		ok                   bool
	}{
		{"right password", "alice", "s3cret pass", true},
		{"second user", "bob", "0th3r-pw", true},
		{"wrong password", "alice", "s3cret", false},
		{"another user's password", "alice", "0th3r-pw", false},
		{"empty password", "bob", "", false},
		{"unknown user", "mallory", "s3cret pass", false},
		{"user with a quote", `o"neil`, "x", false},
	}
	for _, method := range []wire.AuthMethod{wire.AuthSCRAMSHA256, wire.AuthMD5, wire.AuthPassword} {
		t.Run(method.String(), func(t *testing.T) {
			addr, logs := serveAuth(t, wire.Config{Users: users, Auth: method, MaxLoginFailures: -1})
			for _, tc := range cases {
				t.Run("pgx/"+tc.name, func(t *testing.T) {
					_, err := pgxLogin(t, addr, tc.user, tc.password, "sslmode=disable", "")
					if tc.ok {
						if err != nil {
							t.Fatalf("login failed: %v", err)
						}
						return
					}
					wantFatal(t, err, "28P01", failedFor(tc.user))
				})
				if tc.password == "" {
					continue // psql would refuse to send an empty password itself
				}
				t.Run("psql/"+tc.name, func(t *testing.T) {
					out, err := psqlLogin(t, addr, tc.user, tc.password, "disable")
					if tc.ok {
						if err != nil {
							t.Fatalf("psql: %v\n%s", err, out)
						}
						return
					}
					if err == nil || !strings.Contains(out, "FATAL:  "+failedFor(tc.user)+"\n") {
						t.Fatalf("psql: %v\n%s", err, out)
					}
				})
			}
			log := logs.String()
			for _, pw := range []string{"s3cret", "0th3r-pw"} {
				if strings.Contains(log, pw) {
					t.Errorf("the log holds a password:\n%s", log)
				}
			}
			for _, user := range []string{"alice", "mallory"} {
				if !strings.Contains(log, fmt.Sprintf(`level=WARN msg="failed login" user=%s remote=127.0.0.1:`, user)) {
					t.Errorf("no failed-login warning for %s:\n%s", user, log)
				}
			}
		})
	}
}

func TestAuthTrustWithoutUsers(t *testing.T) {
	addr, _ := serveAuth(t, wire.Config{})
	if _, err := pgxLogin(t, addr, "anyone", "", "sslmode=disable", ""); err != nil {
		t.Fatalf("pgx: %v", err)
	}
	if out, err := psqlLogin(t, addr, "anyone", "", "disable"); err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
}

// TestAuthSCRAMSASLprep: libpq and pgx normalise a SCRAM password with
// SASLprep, so a full-width password logs in from both, and so does its
// normalised form, as with PostgreSQL.
func TestAuthSCRAMSASLprep(t *testing.T) {
	addr, _ := serveAuth(t, wire.Config{Users: map[string]string{"zoe": "ｐａｓｓ", "ana": "café", "eve": "soft\u00adhyphen\u00a0x"}})
	for _, login := range []struct{ user, password string }{
		{"zoe", "ｐａｓｓ"}, {"zoe", "pass"}, {"ana", "café"}, {"eve", "soft\u00adhyphen\u00a0x"},
	} {
		if _, err := pgxLogin(t, addr, login.user, login.password, "sslmode=disable", ""); err != nil {
			t.Errorf("pgx %q: %v", login.password, err)
		}
		if out, err := psqlLogin(t, addr, login.user, login.password, "disable"); err != nil {
			t.Errorf("psql %q: %v\n%s", login.password, err, out)
		}
	}
	_, err := pgxLogin(t, addr, "zoe", "pas", "sslmode=disable", "")
	wantFatal(t, err, "28P01", failedFor("zoe"))
}

// scramFirst logs in as user over a raw socket up to the server-first
// message and returns it.
func scramFirst(t *testing.T, addr, user, mechanism, clientFirst string) (pgproto3.BackendMessage, *pgproto3.Frontend) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": user, "database": "authdb"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	sasl, ok := msg.(*pgproto3.AuthenticationSASL)
	if !ok || len(sasl.AuthMechanisms) != 1 || sasl.AuthMechanisms[0] != "SCRAM-SHA-256" {
		t.Fatalf("got %#v, want AuthenticationSASL offering SCRAM-SHA-256 alone", msg)
	}
	fe.Send(&pgproto3.SASLInitialResponse{AuthMechanism: mechanism, Data: []byte(clientFirst)})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err = fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	return msg, fe
}

// TestAuthSCRAMMockExchange: an unknown user gets the same exchange as a
// known one — a salt of the same size that does not change between
// attempts, 4096 iterations — so it cannot be told apart before the proof.
func TestAuthSCRAMMockExchange(t *testing.T) {
	addr, _ := serveAuth(t, wire.Config{Users: map[string]string{"alice": "pw"}})
	salts := map[string]string{}
	for _, user := range []string{"alice", "mallory", "alice", "mallory"} {
		msg, _ := scramFirst(t, addr, user, "SCRAM-SHA-256", "n,,n=,r=abcdefghijklmnopqrstuvwx")
		cont, ok := msg.(*pgproto3.AuthenticationSASLContinue)
		if !ok {
			t.Fatalf("%s: got %#v, want AuthenticationSASLContinue", user, msg)
		}
		attrs := strings.Split(string(cont.Data), ",")
		if len(attrs) != 3 || !strings.HasPrefix(attrs[0], "r=abcdefghijklmnopqrstuvwx") || attrs[2] != "i=4096" {
			t.Fatalf("%s: server-first-message %q", user, cont.Data)
		}
		salt, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(attrs[1], "s="))
		if err != nil || len(salt) != 16 {
			t.Fatalf("%s: salt %q: %v", user, attrs[1], err)
		}
		if prev, ok := salts[user]; ok && prev != attrs[1] {
			t.Errorf("%s: salt changed from %s to %s", user, prev, attrs[1])
		}
		salts[user] = attrs[1]
	}
	if salts["alice"] == salts["mallory"] {
		t.Errorf("two users share the salt %s", salts["alice"])
	}
}

// TestAuthSCRAMProtocolErrors: malformed exchanges end with FATAL 08P01
// (or 0A000 for what PostgreSQL does not support either).
func TestAuthSCRAMProtocolErrors(t *testing.T) {
	addr, _ := serveAuth(t, wire.Config{Users: map[string]string{"alice": "pw"}, MaxLoginFailures: -1})
	cases := []struct {
		name, mechanism, clientFirst, code, message string
	}{
		{"PLUS not offered", "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,n=,r=abc", "08P01", "client selected an invalid SASL authentication mechanism"},
		{"channel binding data", "SCRAM-SHA-256", "p=tls-server-end-point,,n=,r=abc", "08P01", "malformed SCRAM message"},
		{"bad flag", "SCRAM-SHA-256", "x,,n=,r=abc", "08P01", "malformed SCRAM message"},
		{"no nonce", "SCRAM-SHA-256", "n,,n=", "08P01", "malformed SCRAM message"},
		{"authzid", "SCRAM-SHA-256", "n,a=bob,n=,r=abc", "0A000", "client uses authorization identity, but it is not supported"},
		{"mandatory extension", "SCRAM-SHA-256", "n,,m=x,n=,r=abc", "0A000", "client requires an unsupported SCRAM extension"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg, _ := scramFirst(t, addr, "alice", tc.mechanism, tc.clientFirst)
			e, ok := msg.(*pgproto3.ErrorResponse)
			if !ok || e.Severity != "FATAL" || e.Code != tc.code || e.Message != tc.message {
				t.Fatalf("got %#v, want FATAL %s %q", msg, tc.code, tc.message)
			}
		})
	}
	t.Run("final message", func(t *testing.T) {
		for _, final := range []string{
			"c=biws,r=wrongnonce,p=" + base64.StdEncoding.EncodeToString(make([]byte, 32)),
			"c=eSws,r=%s,p=" + base64.StdEncoding.EncodeToString(make([]byte, 32)), // "y,," after "n,,"
			"c=biws,r=%s",
			"c=biws,r=%s,p=AAAA",
		} {
			msg, fe := scramFirst(t, addr, "alice", "SCRAM-SHA-256", "n,,n=,r=abc")
			cont := msg.(*pgproto3.AuthenticationSASLContinue)
			nonce := strings.TrimPrefix(strings.Split(string(cont.Data), ",")[0], "r=")
			if strings.Contains(final, "%s") {
				final = fmt.Sprintf(final, nonce)
			}
			fe.Send(&pgproto3.SASLResponse{Data: []byte(final)})
			if err := fe.Flush(); err != nil {
				t.Fatal(err)
			}
			msg, err := fe.Receive()
			if err != nil {
				t.Fatal(err)
			}
			if e, ok := msg.(*pgproto3.ErrorResponse); !ok || e.Severity != "FATAL" || e.Code != "08P01" {
				t.Errorf("%s: got %#v, want FATAL 08P01", final, msg)
			}
		}
	})
	t.Run("valid proof for a wrong password", func(t *testing.T) {
		_, err := pgxLogin(t, addr, "alice", "pw2", "sslmode=disable", "")
		wantFatal(t, err, "28P01", failedFor("alice"))
	})
}

func TestAuthRateLimit(t *testing.T) {
	t.Run("refused after the limit", func(t *testing.T) {
		addr, logs := serveAuth(t, wire.Config{Users: map[string]string{"alice": "pw"}, MaxLoginFailures: 3})
		for i := 0; i < 3; i++ {
			_, err := pgxLogin(t, addr, "alice", "guess", "sslmode=disable", "")
			wantFatal(t, err, "28P01", failedFor("alice"))
		}
		// The right password does not help now: nothing is tried.
		_, err := pgxLogin(t, addr, "alice", "pw", "sslmode=disable", "")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Severity != "FATAL" || pe.Code != "53300" ||
			pe.Message != "too many failed login attempts from this address" {
			t.Fatalf("got %v, want FATAL 53300", err)
		}
		out, err := psqlLogin(t, addr, "alice", "pw", "disable")
		if err == nil || !strings.Contains(out, "FATAL:  too many failed login attempts from this address") {
			t.Fatalf("psql: %v\n%s", err, out)
		}
		// Another address is not affected.
		if _, err := pgxLogin(t, addr, "alice", "pw", "sslmode=disable", "127.0.0.2"); err != nil {
			t.Fatalf("login from 127.0.0.2: %v", err)
		}
		if !strings.Contains(logs.String(), "too many failed logins") {
			t.Errorf("no warning about the limit:\n%s", logs)
		}
	})
	t.Run("window passes", func(t *testing.T) {
		window := 500 * time.Millisecond
		addr, _ := serveAuth(t, wire.Config{Users: map[string]string{"alice": "pw"}, Auth: wire.AuthMD5,
			MaxLoginFailures: 2, LoginFailureWindow: window})
		start := time.Now()
		for i := 0; i < 2; i++ {
			pgxLogin(t, addr, "alice", "guess", "sslmode=disable", "")
		}
		_, err := pgxLogin(t, addr, "alice", "pw", "sslmode=disable", "")
		if time.Since(start) < window {
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "53300" {
				t.Fatalf("got %v, want FATAL 53300 within the window", err)
			}
		}
		time.Sleep(time.Until(start.Add(window + 50*time.Millisecond)))
		if _, err := pgxLogin(t, addr, "alice", "pw", "sslmode=disable", ""); err != nil {
			t.Fatalf("login after the window: %v", err)
		}
	})
	t.Run("off", func(t *testing.T) {
		addr, _ := serveAuth(t, wire.Config{Users: map[string]string{"alice": "pw"}, Auth: wire.AuthMD5, MaxLoginFailures: -1})
		for i := 0; i < 10; i++ {
			_, err := pgxLogin(t, addr, "alice", "guess", "sslmode=disable", "")
			wantFatal(t, err, "28P01", failedFor("alice"))
		}
		if _, err := pgxLogin(t, addr, "alice", "pw", "sslmode=disable", ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("client that goes away is not a failure", func(t *testing.T) {
		addr, _ := serveAuth(t, wire.Config{Users: map[string]string{"alice": "pw"}, MaxLoginFailures: 1})
		// psql without a password hangs up at the password request.
		out, err := psqlLogin(t, addr, "alice", "", "disable")
		if err == nil || !strings.Contains(out, "no password supplied") {
			t.Fatalf("psql without password: %v\n%s", err, out)
		}
		if _, err := pgxLogin(t, addr, "alice", "pw", "sslmode=disable", ""); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAuthMethodString(t *testing.T) {
	for m, want := range map[wire.AuthMethod]string{
		wire.AuthSCRAMSHA256: "scram-sha-256", wire.AuthMD5: "md5", wire.AuthPassword: "password", 7: "AuthMethod(7)",
	} {
		if got := m.String(); got != want {
			t.Errorf("%d: %q, want %q", int(m), got, want)
		}
	}
	var zero wire.Config
	if zero.Auth != wire.AuthSCRAMSHA256 {
		t.Errorf("default method %v, want scram-sha-256", zero.Auth)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  wire.Config
		want string
	}{
		{"zero", wire.Config{}, ""},
		{"unknown method", wire.Config{Auth: 9}, "unknown authentication method"},
		{"RequireTLS without TLS", wire.Config{RequireTLS: true}, "RequireTLS needs"},
		{"negative window", wire.Config{LoginFailureWindow: -time.Second}, "negative"},
	}
	for _, tc := range cases {
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

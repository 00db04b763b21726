package test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgdynamo/pgdynamo/config"
	"github.com/pgdynamo/pgdynamo/gateway"
	"github.com/pgdynamo/pgdynamo/internal/dynamotest"
)

// runtimeConfig is startGateway's config with pg as the YAML under
// runtime.pg (indented by four spaces) and env for ${secrets:...}.
func runtimeConfig(t *testing.T, pg string, env map[string]string, datasets ...datasetYAML) *config.Config {
	t.Helper()
	var b strings.Builder
	b.WriteString("version: v1\nkind: Spicepod\nname: e2e\nruntime:\n  pg:\n    listen: 127.0.0.1:0\n" + pg + "datasets:\n")
	for _, d := range datasets {
		fmt.Fprintf(&b, "  - from: dynamodb:%s\n    name: %s\n    params:\n", d.table, d.name)
		fmt.Fprintf(&b, "      dynamodb_aws_region: us-east-1\n      dynamodb_endpoint: %s\n", d.params["dynamodb_endpoint"])
		b.WriteString("      dynamodb_aws_access_key_id: ${secrets:e2e_key}\n      dynamodb_aws_secret_access_key: ${secrets:e2e_secret}\n")
		for k, v := range d.params {
			if k != "dynamodb_endpoint" {
				fmt.Fprintf(&b, "      %s: %q\n", k, v)
			}
		}
	}
	f, err := config.Parse("e2e.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("test config: %v\n%s", err, b.String())
	}
	vars := map[string]string{"E2E_KEY": "dummy", "E2E_SECRET": "dummy"}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := f.Resolve(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatalf("test config: %v\n%s", err, b.String())
	}
	return cfg
}

// startConfigured starts the gateway on cfg and stops it when the test ends.
func startConfigured(t *testing.T, cfg *config.Config) (*gateway.Gateway, error) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	gw, err := gateway.Start(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := gw.Shutdown(ctx); err != nil {
			t.Errorf("gateway shutdown: %v", err)
		}
	})
	return gw, nil
}

// writeCert writes a fresh self-signed certificate and its key as PEM
// files and returns their paths.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	for file, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

const authPassword = "g0od pässwörd"

// TestAuthGateway logs in through gateway.Start with a configured user
// (SCRAM-SHA-256, the password from a secret) and TLS.
func TestAuthGateway(t *testing.T) {
	f := sharedFixture(t)
	cert, key := writeCert(t, t.TempDir())
	pg := "    users:\n      - name: grafana\n        password: ${secrets:auth_grafana_password}\n" +
		fmt.Sprintf("    tls: { cert: %s, key: %s }\n", cert, key)
	params := map[string]string{"dynamodb_endpoint": dynamotest.Shared(t).Endpoint()}
	cfg := runtimeConfig(t, pg, map[string]string{"AUTH_GRAFANA_PASSWORD": authPassword},
		datasetYAML{name: "people", table: f.peopleTable, params: params})
	gw, err := startConfigured(t, cfg)
	if err != nil {
		t.Fatalf("starting the gateway: %v", err)
	}
	host, port, _ := net.SplitHostPort(gw.Addr().String())
	want := fmt.Sprint(len(f.people))

	login := func(user, password, sslmode string) (*pgx.Conn, error) {
		c, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s dbname=e2e sslmode=%s", host, port, sslmode))
		if err != nil {
			t.Fatal(err)
		}
		c.User, c.Password = user, password
		c.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		conn, err := pgx.ConnectConfig(ctx, c)
		if err == nil {
			t.Cleanup(func() { conn.Close(context.Background()) })
		}
		return conn, err
	}
	for _, sslmode := range []string{"require", "disable"} {
		t.Run("pgx/sslmode="+sslmode, func(t *testing.T) {
			conn, err := login("grafana", authPassword, sslmode)
			if err != nil {
				t.Fatal(err)
			}
			if _, isTLS := conn.PgConn().Conn().(*tls.Conn); isTLS != (sslmode == "require") {
				t.Errorf("TLS %v with sslmode=%s", isTLS, sslmode)
			}
			_, _, rows, err := queryText(context.Background(), conn, "SELECT count(*) FROM people")
			if err != nil || len(rows) != 1 || rows[0][0] != want {
				t.Fatalf("count: %v %v, want %s", rows, err, want)
			}
		})
	}
	for _, bad := range []struct{ user, password string }{{"grafana", "g0od passwörd"}, {"tester", authPassword}} {
		t.Run("pgx/refused/"+bad.user, func(t *testing.T) {
			_, err := login(bad.user, bad.password, "require")
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "28P01" || pe.Severity != "FATAL" ||
				pe.Message != fmt.Sprintf(`password authentication failed for user "%s"`, bad.user) {
				t.Fatalf("got %v, want FATAL 28P01", err)
			}
		})
	}

	path, err := exec.LookPath("psql")
	if err != nil {
		t.Fatalf("psql is required (apt-get install -y postgresql-client): %v", err)
	}
	psqlAs := func(password string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, path, append([]string{"-X", "-w", "-h", host, "-p", port, "-U", "grafana", "-d", "e2e"}, args...)...)
		cmd.Env = []string{"PGPASSWORD=" + password, "PGSSLMODE=require", "PGGSSENCMODE=disable",
			"PGCONNECT_TIMEOUT=10", "LC_ALL=C.UTF-8", "HOME=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Run("psql", func(t *testing.T) {
		out, err := psqlAs(authPassword, "-A", "-t", "-c", "SELECT count(*) FROM people", "-c", `\conninfo`)
		if err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) < 2 || lines[0] != want || !strings.Contains(out, "SSL connection (protocol: TLSv1.3") {
			t.Fatalf("psql printed:\n%s\nwant %s and an SSL connection", out, want)
		}
	})
	t.Run("psql/refused", func(t *testing.T) {
		out, err := psqlAs("wrong", "-c", "SELECT 1")
		if err == nil || !strings.Contains(out, `FATAL:  password authentication failed for user "grafana"`) {
			t.Fatalf("psql: %v\n%s", err, out)
		}
	})
}

// TestAuthGatewayTLSFiles: a certificate or key that cannot be loaded stops
// start-up with an error naming the key, before any dataset is read.
func TestAuthGatewayTLSFiles(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	otherCert, otherKey := writeCert(t, t.TempDir())
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not PEM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, cert, key, want string
	}{
		{"missing certificate", filepath.Join(dir, "none.crt"), key, "runtime.pg.tls.cert"},
		{"missing key", cert, filepath.Join(dir, "none.key"), "runtime.pg.tls.key"},
		{"certificate not PEM", garbage, key, "runtime.pg.tls.cert"},
		{"key given as certificate", key, key, "runtime.pg.tls.cert"},
		{"key not PEM", cert, garbage, "runtime.pg.tls.key"},
		{"key of another certificate", cert, otherKey, "runtime.pg.tls.key"},
		{"certificate given as key", cert, otherCert, "runtime.pg.tls.key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pg := fmt.Sprintf("    tls: { cert: %s, key: %s }\n", tc.cert, tc.key)
			// Start fails before the catalog loads, so no DynamoDB is needed.
			cfg := runtimeConfig(t, pg, nil, datasetYAML{name: "people", table: "people",
				params: map[string]string{"dynamodb_endpoint": "http://127.0.0.1:1"}})
			_, err := startConfigured(t, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s", err, tc.want)
			}
			if testing.Verbose() {
				t.Log(err)
			}
		})
	}
}

package wire_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/wire"
)

// selfSigned returns a server configuration with a fresh self-signed
// certificate for localhost and 127.0.0.1.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
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
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestTLS(t *testing.T) {
	users := map[string]string{"alice": "pw"}
	optional, _ := serveAuth(t, wire.Config{Users: users, TLS: selfSigned(t)})
	required, _ := serveAuth(t, wire.Config{Users: users, TLS: selfSigned(t), RequireTLS: true})
	none, _ := serveAuth(t, wire.Config{Users: users})
	servers := map[string]string{"optional": optional, "required": required, "none": none}

	const tlsOnly = "this server accepts only TLS connections"
	pgxCases := []struct {
		server, opts string
		wantTLS      bool
		wantErr      string // substring; "" for success
	}{
		{"optional", "sslmode=require", true, ""},
		{"optional", "sslmode=require sslnegotiation=direct", true, ""},
		{"optional", "sslmode=disable", false, ""},
		{"required", "sslmode=require", true, ""},
		{"required", "sslmode=disable", false, tlsOnly},
		{"none", "sslmode=disable", false, ""},
		{"none", "sslmode=prefer", false, ""},
		{"none", "sslmode=require", false, "server refused TLS connection"},
	}
	for _, tc := range pgxCases {
		t.Run("pgx/"+tc.server+"/"+tc.opts, func(t *testing.T) {
			conn, err := pgxLogin(t, servers[tc.server], "alice", "pw", tc.opts, "")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc2, isTLS := conn.Conn().(*tls.Conn)
			if isTLS != tc.wantTLS {
				t.Fatalf("TLS %v, want %v", isTLS, tc.wantTLS)
			}
			if isTLS && tc2.ConnectionState().Version < tls.VersionTLS12 {
				t.Errorf("TLS version %x", tc2.ConnectionState().Version)
			}
		})
	}

	psqlCases := []struct {
		server, sslmode string
		want            string // in the output
		ok              bool
	}{
		{"optional", "require", "SSL connection (protocol: TLSv1.3", true},
		{"optional", "disable", `You are connected to database "authdb" as user "alice"`, true},
		{"required", "require", "SSL connection (protocol: TLSv1.3", true},
		{"required", "disable", "FATAL:  " + tlsOnly, false},
		{"none", "prefer", `You are connected to database "authdb" as user "alice"`, true},
		{"none", "require", "server does not support SSL", false},
	}
	for _, tc := range psqlCases {
		t.Run("psql/"+tc.server+"/"+tc.sslmode, func(t *testing.T) {
			out, err := psqlLogin(t, servers[tc.server], "alice", "pw", tc.sslmode, "-c", `\conninfo`)
			if (err == nil) != tc.ok || !strings.Contains(out, tc.want) {
				t.Fatalf("psql: %v\n%s\nwant %q", err, out, tc.want)
			}
			if tc.sslmode == "disable" && strings.Contains(out, "SSL") {
				t.Errorf("plain connection reports SSL:\n%s", out)
			}
		})
	}
	t.Run("psql/wrong password over TLS", func(t *testing.T) {
		out, err := psqlLogin(t, required, "alice", "nope", "require")
		if err == nil || !strings.Contains(out, "FATAL:  "+failedFor("alice")) {
			t.Fatalf("psql: %v\n%s", err, out)
		}
	})
}

// negotiate sends a startup-phase request code and returns the 1-byte answer.
func negotiate(t *testing.T, nc net.Conn, code uint32) byte {
	t.Helper()
	req := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), code)
	if _, err := nc.Write(req); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := io.ReadFull(nc, b); err != nil {
		t.Fatal(err)
	}
	return b[0]
}

const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
)

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return nc
}

// loginTrust finishes a trust login on conn and checks for ReadyForQuery.
func loginTrust(t *testing.T, conn net.Conn) {
	t.Helper()
	fe := pgproto3.NewFrontend(conn, conn)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "u", "database": "authdb"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.ReadyForQuery:
			return
		case *pgproto3.ErrorResponse:
			t.Fatalf("login: %s %s", m.Code, m.Message)
		}
	}
}

func TestTLSNegotiation(t *testing.T) {
	withTLS, _ := serveAuth(t, wire.Config{TLS: selfSigned(t)})
	without, _ := serveAuth(t, wire.Config{})

	t.Run("GSSENCRequest is declined, then SSLRequest accepted", func(t *testing.T) {
		nc := dial(t, withTLS)
		if b := negotiate(t, nc, gssEncRequestCode); b != 'N' {
			t.Fatalf("GSSENCRequest answered %q", b)
		}
		if b := negotiate(t, nc, sslRequestCode); b != 'S' {
			t.Fatalf("SSLRequest answered %q", b)
		}
		tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		loginTrust(t, tc)
	})
	t.Run("GSSENCRequest and SSLRequest declined without TLS", func(t *testing.T) {
		nc := dial(t, without)
		for _, code := range []uint32{gssEncRequestCode, sslRequestCode} {
			if b := negotiate(t, nc, code); b != 'N' {
				t.Fatalf("request %d answered %q", code, b)
			}
		}
		loginTrust(t, nc)
	})
	t.Run("TLS 1.1 is refused", func(t *testing.T) {
		nc := dial(t, withTLS)
		if b := negotiate(t, nc, sslRequestCode); b != 'S' {
			t.Fatalf("SSLRequest answered %q", b)
		}
		tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
		if err := tc.Handshake(); err == nil {
			t.Fatal("TLS 1.1 handshake succeeded")
		}
	})
	t.Run("direct TLS needs the postgresql ALPN", func(t *testing.T) {
		nc := dial(t, withTLS)
		tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		if _, err := tc.Read(make([]byte, 1)); err == nil {
			t.Fatal("a direct TLS connection without ALPN stayed open")
		}
	})
	t.Run("plaintext after SSLRequest is refused", func(t *testing.T) {
		nc := dial(t, withTLS)
		var buf []byte
		buf = binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(buf, 8), sslRequestCode)
		buf, _ = (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
			Parameters: map[string]string{"user": "u"}}).Encode(buf)
		if _, err := nc.Write(buf); err != nil {
			t.Fatal(err)
		}
		msg, err := pgproto3.NewFrontend(nc, nc).Receive()
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := msg.(*pgproto3.ErrorResponse); !ok || e.Code != "08P01" || e.Message != "received unencrypted data after SSL request" {
			t.Fatalf("got %#v, want FATAL 08P01", msg)
		}
	})
	t.Run("SSLRequest inside TLS is refused", func(t *testing.T) {
		nc := dial(t, withTLS)
		negotiate(t, nc, sslRequestCode)
		tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
		if b := negotiate(t, tc, sslRequestCode); b != 'E' {
			t.Fatalf("second SSLRequest answered %q, want an ErrorResponse", b)
		}
	})
}

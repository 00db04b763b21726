package wire

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
)

// alpnPostgres is the ALPN protocol name PostgreSQL 17 registered; clients
// that open TLS directly (sslnegotiation=direct) must offer it.
const alpnPostgres = "postgresql"

// tlsHandshakeRecord is the first byte of a TLS ClientHello: a client that
// starts with it negotiates TLS directly instead of sending SSLRequest.
const tlsHandshakeRecord = 0x16

// encrypted reports whether the connection runs over TLS.
func (c *conn) encrypted() bool {
	_, ok := c.nc.(*tls.Conn)
	return ok
}

// startTLS runs the server side of a TLS handshake on raw and makes the
// TLS connection the connection's socket. The handshake is bounded by the
// startup deadline already set on the socket. direct is set when the
// client sent its ClientHello without an SSLRequest; like PostgreSQL, the
// server then insists on the "postgresql" ALPN protocol, so that a TLS
// client of some other protocol cannot be confused for a PostgreSQL one.
func (c *conn) startTLS(raw net.Conn, direct bool) error {
	cfg := c.server.cfg.TLS.Clone()
	cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = []string{alpnPostgres}
	}
	tc := tls.Server(raw, cfg)
	if err := tc.HandshakeContext(c.ctx); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	if direct && tc.ConnectionState().NegotiatedProtocol != alpnPostgres {
		return fmt.Errorf("direct TLS connection without ALPN protocol %q", alpnPostgres)
	}
	// closeWhenIdle reads nc under stmtMu.
	c.stmtMu.Lock()
	c.nc = tc
	c.stmtMu.Unlock()
	return nil
}

// countingReader counts the bytes the startup phase has taken off the
// socket, buffered or not. When it is more than the SSLRequest, the client
// sent plaintext behind it that must not be mistaken for data that came
// through TLS (CVE-2021-23214).
type countingReader struct {
	r io.Reader
	n int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	return n, err
}

// prefixConn replays bytes already read from a connection before reading
// the rest of it.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

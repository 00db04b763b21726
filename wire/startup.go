package wire

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// errHandled ends a connection whose purpose (a cancel request, a refused
// login) has been served.
var errHandled = errors.New("handled")

// startup negotiates and logs the client in. Config.AuthenticationTimeout
// bounds it all, so silent or half-open sockets cannot pile up.
func (c *conn) startup() error {
	c.nc.SetDeadline(time.Now().Add(c.server.cfg.EffectiveAuthenticationTimeout()))
	defer func() { c.nc.SetDeadline(time.Time{}) }() // nc may be the TLS connection by then
	first := make([]byte, 1)
	if _, err := io.ReadFull(c.nc, first); err != nil {
		return err
	}
	var r io.Reader = io.MultiReader(bytes.NewReader(first), c.nc)
	if first[0] == tlsHandshakeRecord && c.server.cfg.TLS != nil {
		if err := c.startTLS(&prefixConn{Conn: c.nc, prefix: first}, true); err != nil {
			return err
		}
		r = c.nc
	}
	in := &countingReader{r: r}
	c.newBackend(in)
	var negotiated int64 // bytes of the SSLRequest and GSSENCRequest packets read
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			negotiated += negotiationPacketLen
			if c.encrypted() {
				return c.fatal(pgerror.New(pgerror.ProtocolViolation, "SSLRequest on an encrypted connection"))
			}
			if c.server.cfg.TLS == nil {
				if _, err := c.nc.Write([]byte{'N'}); err != nil {
					return err
				}
				continue
			}
			if in.n != negotiated {
				return c.fatal(pgerror.New(pgerror.ProtocolViolation, "received unencrypted data after SSL request"))
			}
			if _, err := c.nc.Write([]byte{'S'}); err != nil {
				return err
			}
			if err := c.startTLS(c.nc, false); err != nil {
				return err
			}
			in = &countingReader{r: c.nc}
			c.newBackend(in)
		case *pgproto3.GSSEncRequest:
			// No GSS: 'N' and the client continues on the same socket.
			negotiated += negotiationPacketLen
			if c.encrypted() {
				return c.fatal(pgerror.New(pgerror.ProtocolViolation, "GSSENCRequest on an encrypted connection"))
			}
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return err
			}
		case *pgproto3.CancelRequest:
			c.server.cancels.cancel(m.ProcessID, m.SecretKey)
			return errHandled
		case *pgproto3.StartupMessage:
			return c.login(m)
		default:
			return fmt.Errorf("unexpected startup message %T", msg)
		}
	}
}

// negotiationPacketLen is the length of SSLRequest and GSSENCRequest.
const negotiationPacketLen = 8

// newBackend reads messages from r and sends them, through c.out, on the
// connection's current transport; startup makes one per transport and the
// query loop one over watchDisconnect.
func (c *conn) newBackend(r io.Reader) {
	c.out = outBuffer{w: c.nc}
	c.be = pgproto3.NewBackend(r, &c.out)
	c.be.SetMaxBodyLen(c.server.cfg.MaxMessageSize)
}

func (c *conn) fatal(err *pgerror.Error) error {
	err.Severity = pgerror.SeverityFatal
	c.sendError(err)
	c.flush()
	return errHandled
}

func (c *conn) login(m *pgproto3.StartupMessage) error {
	user := m.Parameters["user"]
	if user == "" {
		return c.fatal(pgerror.New(pgerror.InvalidAuthorizationSpec, "no PostgreSQL user name specified in startup packet"))
	}
	database := m.Parameters["database"]
	if database == "" {
		database = user
	}
	if c.server.cfg.RequireTLS && !c.encrypted() {
		// 28000, as PostgreSQL answers when pg_hba.conf has only hostssl lines.
		c.log.Warn("connection refused: TLS is required", "user", user, "database", database, "remote", c.remote)
		return c.fatal(pgerror.New(pgerror.InvalidAuthorizationSpec, "this server accepts only TLS connections").
			WithHint("Connect with sslmode=require."))
	}
	if err := c.admitSession(); err != nil {
		return err
	}
	if err := c.authenticate(user); err != nil {
		return err
	}
	c.pid = c.server.nextPID.Add(1)
	c.secret = newSecretKey()
	c.log = c.server.log.With("pid", c.pid, "user", user, "database", database, "application_name", m.Parameters["application_name"])

	params := map[string]string{}
	for k, v := range m.Parameters {
		params[k] = v
	}
	session, err := c.server.engine.NewSession(c.ctx, SessionInfo{
		User: user, Database: database, ApplicationName: m.Parameters["application_name"],
		ProcessID: c.pid, Params: params, Logger: c.log,
	})
	if err != nil {
		pe := pgerror.Flatten(err)
		c.log.Log(c.ctx, errorLevel(pe.Code), "connection refused", "remote", c.remote, "sqlstate", string(pe.Code), "message", pe.Message)
		return c.fatal(pe)
	}
	c.session = session
	c.server.cancels.add(c.pid, c.secret, c)

	c.be.Send(&pgproto3.AuthenticationOk{})
	for _, kv := range session.ParameterStatus() {
		c.be.Send(&pgproto3.ParameterStatus{Name: kv[0], Value: kv[1]})
	}
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret})
	c.logOpened()
	c.readyForQuery()
	return nil
}

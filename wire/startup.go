package wire

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// errHandled ends a connection whose purpose (a cancel request, a refused
// login) has been served.
var errHandled = errors.New("handled")

// startupTimeout bounds how long a client may take to log in, so idle
// half-open sockets cannot pile up.
const startupTimeout = 30 * time.Second

func (c *conn) startup() error {
	c.nc.SetDeadline(time.Now().Add(startupTimeout))
	defer c.nc.SetDeadline(time.Time{})
	c.be = pgproto3.NewBackend(c.nc, c.nc)
	c.be.SetMaxBodyLen(c.server.cfg.MaxMessageSize)
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			// No TLS or GSS configured: 'N' and the client continues in
			// plain text on the same socket.
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

func (c *conn) fatal(err *pgerror.Error) error {
	err.Severity = pgerror.SeverityFatal
	c.sendError(err)
	c.be.Flush()
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
	if err := c.authenticate(user); err != nil {
		return err
	}
	c.pid = c.server.nextPID.Add(1)
	c.secret = newSecretKey()
	c.log = c.server.log.With("pid", c.pid, "user", user, "application_name", m.Parameters["application_name"])

	params := map[string]string{}
	for k, v := range m.Parameters {
		params[k] = v
	}
	session, err := c.server.engine.NewSession(c.ctx, SessionInfo{
		User: user, Database: database, ApplicationName: m.Parameters["application_name"],
		ProcessID: c.pid, Params: params, Logger: c.log,
	})
	if err != nil {
		return c.fatal(pgerror.Flatten(err))
	}
	c.session = session
	c.server.cancels.add(c.pid, c.secret, c)

	c.be.Send(&pgproto3.AuthenticationOk{})
	for _, kv := range session.ParameterStatus() {
		c.be.Send(&pgproto3.ParameterStatus{Name: kv[0], Value: kv[1]})
	}
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret})
	c.log.Debug("session started")
	c.readyForQuery()
	return nil
}

// authenticate runs the password exchange when users are configured.
// Without users the server trusts the client; ValidateListen allows that
// only on loopback.
func (c *conn) authenticate(user string) error {
	users := c.server.cfg.Users
	if len(users) == 0 {
		return nil
	}
	c.be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if err := c.be.Flush(); err != nil {
		return err
	}
	if err := c.be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
		return err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return err
	}
	pw, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return c.fatal(pgerror.New(pgerror.ProtocolViolation, "expected a password message, got %T", msg))
	}
	want, known := users[user]
	// Compare even for unknown users so timing does not reveal which exist.
	match := subtle.ConstantTimeCompare([]byte(pw.Password), []byte(want)) == 1
	if !known || !match {
		c.log.Warn("failed login", "user", user, "remote", c.nc.RemoteAddr().String())
		return c.fatal(pgerror.New(pgerror.InvalidPassword, "password authentication failed for user %q", user))
	}
	return nil
}

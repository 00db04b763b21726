package wire

import (
	"errors"
	"time"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// Defaults of the connection limits, PostgreSQL's. config has its own copy
// (config.DefaultMaxConnections...) for the file's defaults: neither package
// may import the other; gateway's TestLimitDefaultsAgree holds them equal.
const (
	defaultMaxConnections        = 100
	defaultAuthenticationTimeout = time.Minute
)

// EffectiveMaxConnections is Config.MaxConnections with its default: the
// limit Serve enforces.
func (c Config) EffectiveMaxConnections() int64 {
	if c.MaxConnections == 0 {
		return defaultMaxConnections
	}
	return int64(c.MaxConnections)
}

// EffectiveAuthenticationTimeout is Config.AuthenticationTimeout with its
// default: the limit Serve enforces.
func (c Config) EffectiveAuthenticationTimeout() time.Duration {
	if c.AuthenticationTimeout == 0 {
		return defaultAuthenticationTimeout
	}
	return c.AuthenticationTimeout
}

// validateLimits reports limits that cannot work.
func (c Config) validateLimits() error {
	var errs []error
	if c.MaxConnections < 0 {
		errs = append(errs, errors.New("MaxConnections is negative"))
	}
	if c.AuthenticationTimeout < 0 {
		errs = append(errs, errors.New("AuthenticationTimeout is negative"))
	}
	return errors.Join(errs...)
}

// admitSession takes one of the MaxConnections session slots, or refuses
// with PostgreSQL's FATAL 53300 when they are all taken. Cancel requests
// and unfinished startups take none: a flood of silent connections is
// bounded by AuthenticationTimeout instead, and cannot keep a real client
// from logging in.
func (c *conn) admitSession() error {
	s := c.server
	if s.sessions.Add(1) > s.cfg.EffectiveMaxConnections() {
		s.sessions.Add(-1)
		c.log.Warn("connection refused: max_connections reached", "remote", c.remote, "max_connections", s.cfg.EffectiveMaxConnections())
		return c.fatal(pgerror.New(pgerror.TooManyConnections, "sorry, too many clients already"))
	}
	c.admitted = true
	return nil
}

// releaseSession gives back the slot admitSession took, if it did.
func (c *conn) releaseSession() {
	if c.admitted {
		c.admitted = false
		c.server.sessions.Add(-1)
	}
}

// IdleInTransactionTimeouter is what a Session implements to have sessions
// idle inside a transaction block ended, as PostgreSQL's
// idle_in_transaction_session_timeout does. wire asks before each wait for
// a command in a transaction block; 0 is no limit.
type IdleInTransactionTimeouter interface {
	IdleInTransactionTimeout() time.Duration
}

// errIdleInTransaction ends a read that waited longer than the session's
// idle_in_transaction_session_timeout.
var errIdleInTransaction = errors.New("idle in transaction timeout")

// idleInTransactionTimeout is how long the next wait for a command may
// last: the session's limit when it has told the client it is in a
// transaction block (ReadyForQuery 'T' or 'E'), else none.
func (c *conn) idleInTransactionTimeout() time.Duration {
	if c.tx == TxIdle || !c.awaitingCommand {
		return 0
	}
	if t, ok := c.session.(IdleInTransactionTimeouter); ok {
		return t.IdleInTransactionTimeout()
	}
	return 0
}

// endIdleInTransaction is PostgreSQL's answer once the timeout has passed:
// FATAL 25P03, then the connection closes.
func (c *conn) endIdleInTransaction() error {
	c.log.Info("terminating connection due to idle-in-transaction timeout")
	c.fatal(pgerror.New(pgerror.IdleInTransactionSessionTimeout, "terminating connection due to idle-in-transaction timeout"))
	return errIdleInTransaction
}

package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// TxStatus is the transaction status ReadyForQuery reports.
type TxStatus byte

// Transaction statuses.
const (
	TxIdle   TxStatus = 'I'
	TxActive TxStatus = 'T'
	TxFailed TxStatus = 'E'
)

func (t TxStatus) String() string {
	switch t {
	case TxIdle:
		return "idle"
	case TxActive:
		return "in transaction"
	case TxFailed:
		return "failed transaction"
	}
	return fmt.Sprintf("TxStatus(%q)", byte(t))
}

// conn is one client connection.
type conn struct {
	server *Server
	nc     net.Conn
	// be encodes messages into out, which only flush (and the row path,
	// sendDataRows) sends to the client.
	be  *pgproto3.Backend
	out outBuffer
	log *slog.Logger

	pid    uint32
	secret []byte

	session Session
	tx      TxStatus
	// implicitBlock is set while a simple query of several statements runs
	// (PostgreSQL's implicit transaction block); implicitFailed, once a
	// statement outside a block has failed, until its implicit transaction
	// ends.
	implicitBlock  bool
	implicitFailed bool
	extended       extendedState
	timer          stmtTimer // the statement being worked on, for the Observer
	current        stmtText  // the statement being worked on, for the log

	remote     string    // the client's address, for the log
	opened     time.Time // when the session logged in
	statements int64     // statements ended, for the closing log line

	// ctx ends when the client disconnects or the server aborts.
	ctx      context.Context
	cancel   context.CancelFunc
	stmtMu   sync.Mutex
	stmtStop context.CancelFunc // cancels the running statement, nil when idle
	busy     bool
	closing  bool

	// admitted: the connection holds a MaxConnections slot (limits.go).
	admitted bool
	// awaitingCommand is set once ReadyForQuery has been sent, until the
	// next message arrives.
	awaitingCommand bool
}

func (s *Server) newConn(nc net.Conn) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	return &conn{server: s, nc: nc, log: s.log, ctx: ctx, cancel: cancel, tx: TxIdle, remote: nc.RemoteAddr().String()}
}

func (c *conn) serve() {
	defer c.cancel()
	// Close whatever the connection is by then: after a TLS upgrade that is
	// the *tls.Conn, whose Close sends close_notify.
	defer func() { c.netConn().Close() }()
	defer c.releaseSession()
	if err := c.startup(); err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, errHandled) {
			c.log.Debug("startup failed", "remote", c.remote, "err", err)
		}
		return
	}
	defer c.server.cancels.remove(c.pid)
	defer c.session.Close()
	c.logClosed(c.loop())
}

// watchDisconnect reads the socket ahead of the protocol so that a client
// that goes away while a statement runs cancels it (and its DynamoDB
// calls), instead of being noticed only at the next write. Read-ahead is
// bounded: at most readAheadChunks reads wait in the channel; when it is
// full the watcher blocks like an unbuffered reader would.
func (c *conn) watchDisconnect() *readAhead {
	r := &readAhead{
		chunks: make(chan []byte, readAheadChunks),
		spare:  make(chan []byte, readAheadSpares),
	}
	go func() {
		for {
			var buf []byte
			select {
			case buf = <-r.spare:
			default:
				buf = make([]byte, readAheadChunkSize)
			}
			n, err := c.nc.Read(buf)
			if n > 0 {
				select {
				case r.chunks <- buf[:n]:
				case <-c.ctx.Done():
				}
			}
			if err != nil {
				r.err = err
				close(r.chunks)
				c.cancel()
				return
			}
		}
	}()
	return r
}

const (
	readAheadChunks    = 64
	readAheadChunkSize = 8192
	// readAheadSpares bounds the buffers a connection keeps for reuse
	// (32 KB): a burst of pipelined messages fills more, which the
	// collector takes back as before.
	readAheadSpares = 4
)

// readAhead is the protocol's side of watchDisconnect.
type readAhead struct {
	chunks chan []byte
	// spare takes back the buffers Read has copied out, for the watcher
	// to read into again: a query's few dozen bytes would otherwise cost a
	// fresh 8 KB buffer (and its collection) each.
	spare chan []byte
	cur   []byte
	whole []byte // cur's buffer, whole
	err   error  // written before chunks is closed
	// timeout, when set, bounds a Read that has to wait for the client:
	// past it Read fails with errIdleInTransaction.
	timeout time.Duration
}

func (r *readAhead) Read(p []byte) (int, error) {
	if len(r.cur) == 0 {
		var chunk []byte
		ok := true
		if r.timeout > 0 {
			t := time.NewTimer(r.timeout)
			select {
			case chunk, ok = <-r.chunks:
				t.Stop()
			case <-t.C:
				return 0, errIdleInTransaction
			}
		} else {
			chunk, ok = <-r.chunks
		}
		if !ok {
			return 0, r.err
		}
		r.cur, r.whole = chunk, chunk[:cap(chunk)]
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	if len(r.cur) == 0 {
		select {
		case r.spare <- r.whole:
		default:
		}
		r.whole = nil
	}
	return n, nil
}

// loop reads frontend messages and runs them until Terminate or EOF.
func (c *conn) loop() error {
	in := c.watchDisconnect()
	c.newBackend(in)
	// skipToSync is set by the first failing extended-protocol message:
	// everything up to the next Sync is discarded. This is the only place
	// that rule lives.
	skipToSync := false
	for {
		if c.isClosing() {
			return nil
		}
		in.timeout = c.idleInTransactionTimeout()
		msg, err := c.be.Receive()
		c.awaitingCommand = false
		if errors.Is(err, errIdleInTransaction) {
			return c.endIdleInTransaction()
		}
		if err != nil {
			return err
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			skipToSync = false
			c.timer.begin()
			// A simple query ends the unnamed statement and portal.
			delete(c.ext().statements, "")
			c.closePortal("")
			c.simpleQuery(m.String)
		case *pgproto3.Terminate:
			c.closeAllPortals()
			return nil
		case *pgproto3.Sync:
			skipToSync = false
			c.sync()
		case *pgproto3.Flush:
			if err := c.flush(); err != nil {
				return err
			}
		case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
			if skipToSync {
				continue
			}
			c.timer.beginIfIdle()
			if err := c.handleExtended(msg); err != nil {
				skipToSync = true
				c.fail(err)
			}
		default:
			c.sendError(pgerror.New(pgerror.ProtocolViolation, "unexpected message %T", msg))
			c.flush()
			return fmt.Errorf("unexpected message %T", msg)
		}
	}
}

// sync ends an extended-protocol batch. Outside an explicit transaction it
// is the end of the implicit one, which closes every portal but held
// cursors; inside, named portals live on (pgjdbc's setFetchSize reads rely
// on it).
func (c *conn) sync() {
	c.closePortal("")
	c.endImplicitTransaction()
	c.readyForQuery()
}

// isClosing reports a Shutdown request that waits for the connection to be
// idle.
func (c *conn) isClosing() bool {
	c.stmtMu.Lock()
	defer c.stmtMu.Unlock()
	return c.closing
}

func (c *conn) closeWhenIdle() {
	c.stmtMu.Lock()
	defer c.stmtMu.Unlock()
	c.closing = true
	if !c.busy {
		// Unblock the read loop.
		c.nc.Close()
	}
}

func (c *conn) abort() {
	c.cancel()
	c.netConn().Close()
}

// netConn returns the connection's current transport; the TLS upgrade
// swaps it under stmtMu.
func (c *conn) netConn() net.Conn {
	c.stmtMu.Lock()
	defer c.stmtMu.Unlock()
	return c.nc
}

// beginStatement returns the context one statement runs under.
func (c *conn) beginStatement() context.Context {
	ctx, cancel := context.WithCancel(c.ctx)
	c.stmtMu.Lock()
	c.stmtStop, c.busy = cancel, true
	c.stmtMu.Unlock()
	return ctx
}

func (c *conn) endStatement() {
	c.stmtMu.Lock()
	if c.stmtStop != nil {
		c.stmtStop()
	}
	c.stmtStop, c.busy = nil, false
	c.stmtMu.Unlock()
}

func (c *conn) cancelStatement() {
	c.stmtMu.Lock()
	defer c.stmtMu.Unlock()
	if c.stmtStop != nil {
		c.stmtStop()
	}
}

// readyForQuery ends a simple query or an extended-protocol batch. Time
// spent on messages that completed no statement (Parse and Describe alone)
// is not carried into the next one.
func (c *conn) readyForQuery() {
	c.timer = stmtTimer{}
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: byte(c.tx)})
	if err := c.flush(); err != nil {
		c.log.Debug("flush failed", "err", err)
	}
	c.out.idle()
	c.awaitingCommand = true
}

// sendError writes an ErrorResponse with every field clients read and
// returns the error as sent.
func (c *conn) sendError(err error) *pgerror.Error {
	pe := pgerror.Flatten(err)
	sev := string(pe.Severity)
	c.be.Send(&pgproto3.ErrorResponse{
		Severity:            sev,
		SeverityUnlocalized: sev,
		Code:                string(pe.Code),
		Message:             pe.Message,
		Detail:              pe.Detail,
		Hint:                pe.Hint,
		Position:            int32(pe.Position),
	})
	return pe
}

// complete ends a statement that succeeded: CommandComplete with tag. With
// fail, it is the only way a statement ends, so the Observer sees each
// statement once.
func (c *conn) complete(tag []byte) {
	c.be.Send(&pgproto3.CommandComplete{CommandTag: tag})
	c.statementDone(nil, tag)
}

// fail ends a statement (or the extended-protocol message) that failed:
// ErrorResponse for err, and an open transaction marked failed.
func (c *conn) fail(err error) {
	pe := c.sendError(err)
	switch c.tx {
	case TxActive:
		c.tx = TxFailed
	case TxIdle:
		c.implicitFailed = true
	}
	// The transaction is aborted now, as in PostgreSQL: the settings it
	// made revert at once, not at its ROLLBACK.
	c.sendParameterStatus(c.session.EndTransaction(false))
	c.statementDone(pe, nil)
}

// statementDone reports the end of the timed statement, failed (pe set) or
// completed with tag, to the Observer and the log.
func (c *conn) statementDone(pe *pgerror.Error, tag []byte) {
	d := c.timer.stop()
	code := ""
	if pe != nil {
		code = string(pe.Code)
	}
	c.statements++
	c.server.cfg.Observer.StatementDone(d, code)
	c.logStatement(d, pe, tag)
}

func (c *conn) sendNotice(n *pgerror.Error) {
	sev := string(n.Severity)
	if sev == "" {
		sev = string(pgerror.SeverityNotice)
	}
	code := n.Code
	if code == "" {
		code = pgerror.SuccessfulCompletion
	}
	c.be.Send(&pgproto3.NoticeResponse{
		Severity:            sev,
		SeverityUnlocalized: sev,
		Code:                string(code),
		Message:             n.Message,
		Detail:              n.Detail,
		Hint:                n.Hint,
	})
}

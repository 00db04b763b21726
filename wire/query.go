package wire

import (
	"context"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// simpleQuery runs a Query message: every statement in order, stopping at
// the first error, then ReadyForQuery. Statements outside a transaction
// block form one implicit transaction, which ends with the message:
// committed, or rolled back after an error.
func (c *conn) simpleQuery(sql string) {
	c.current = stmtText{sql: sql}
	defer c.readyForQuery()
	ctx := c.beginStatement()
	defer c.endStatement()

	stmts, err := c.session.Plan(ctx, sql)
	if err != nil {
		c.fail(err)
		c.endImplicitTransaction()
		return
	}
	if len(stmts) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	// Several statements are an implicit transaction block, in which
	// DECLARE works as in BEGIN ... COMMIT.
	c.implicitBlock = len(stmts) > 1
	defer func() { c.implicitBlock = false }()
	for _, st := range stmts {
		// The first statement's time includes planning the whole text.
		c.timer.beginIfIdle()
		if err := c.runStatement(ctx, st); err != nil {
			c.fail(err)
			break
		}
	}
	c.endImplicitTransaction()
}

// runStatement runs one statement of a simple query.
func (c *conn) runStatement(ctx context.Context, st Statement) error {
	eff := st.Effect()
	if err := c.checkFailedTransaction(eff); err != nil {
		return err
	}
	switch eff.Op {
	case DeclareCursor, FetchCursor, CloseCursor:
		return c.runCursor(st, eff, nil, true)
	case CopyOut:
		return c.runCopy(ctx, st, eff)
	}
	res, err := st.Execute(ctx)
	if err != nil {
		return err
	}
	defer res.Close()
	rows, err := c.sendRows(ctx, res, true)
	if err != nil {
		return err
	}
	c.finish(st, res, rows)
	return nil
}

// checkFailedTransaction refuses every statement but the ones that end a
// failed transaction.
func (c *conn) checkFailedTransaction(eff Effect) error {
	if c.tx == TxFailed && eff.Op != Commit && eff.Op != Rollback {
		return pgerror.New(pgerror.InFailedSQLTransaction,
			"current transaction is aborted, commands ignored until end of transaction block")
	}
	return nil
}

// finish completes a statement that ran, in either protocol: it is the one
// place where a statement's effects on the session are carried out. It
// sends the result's notices and changed settings, moves the transaction
// status, drops the portals, cursors and prepared statements the statement
// ends, and sends CommandComplete with the tag (COMMIT of a failed
// transaction answers ROLLBACK, as PostgreSQL does). res may be nil for
// statements carried out by this package alone.
func (c *conn) finish(st Statement, res Result, rows int64) {
	if res != nil {
		for _, n := range res.Notices() {
			c.sendNotice(n)
		}
		c.sendParameterStatus(res.Changed())
	}
	tag := st.Tag()
	eff := st.Effect()
	switch eff.Op {
	case Begin:
		if c.tx != TxIdle {
			c.sendNotice(&pgerror.Error{Code: pgerror.ActiveSQLTransaction, Severity: pgerror.SeverityWarning,
				Message: "there is already a transaction in progress"})
		} else {
			c.tx = TxActive
		}
	case Commit, Rollback:
		switch c.tx {
		case TxIdle:
			c.sendNotice(&pgerror.Error{Code: pgerror.NoActiveSQLTransaction, Severity: pgerror.SeverityWarning,
				Message: "there is no transaction in progress"})
		case TxFailed:
			tag = "ROLLBACK"
		}
		// COMMIT outside a block commits the implicit transaction.
		c.endTransaction(eff.Op == Commit && c.tx != TxFailed)
	case Discard:
		c.closeAllPortals()
		clear(c.ext().statements)
	case Deallocate:
		if eff.All {
			clear(c.ext().statements)
		} else {
			delete(c.ext().statements, eff.Name)
		}
	}
	c.complete(commandTag(tag, rows))
}

func (c *conn) sendParameterStatus(changed [][2]string) {
	for _, kv := range changed {
		c.be.Send(&pgproto3.ParameterStatus{Name: kv[0], Value: kv[1]})
	}
}

// endTransaction ends the transaction, block or implicit: the session's
// settings follow it (SET LOCAL reverts; a rollback reverts SET too), and
// the portals it leaves behind close: all but cursors declared WITH HOLD,
// and those too when it rolled back the transaction that declared them.
func (c *conn) endTransaction(committed bool) {
	c.tx = TxIdle
	c.implicitFailed = false
	c.sendParameterStatus(c.session.EndTransaction(committed))
	for name, p := range c.ext().portals {
		switch {
		case !p.hold:
			c.closePortal(name)
		case p.uncommitted && !committed:
			c.closePortal(name)
		default:
			p.uncommitted = false
		}
	}
}

// endImplicitTransaction ends the implicit transaction of statements run
// outside a transaction block: at the end of a simple query, or at Sync.
func (c *conn) endImplicitTransaction() {
	if c.tx == TxIdle {
		c.endTransaction(!c.implicitFailed)
	}
}

func commandTag(verb string, rows int64) []byte {
	switch verb {
	case "SELECT", "FETCH", "MOVE", "COPY":
		return []byte(verb + " " + strconv.FormatInt(rows, 10))
	}
	return []byte(verb)
}

// sendRows writes RowDescription (when describe is set) and a DataRow per
// row of res.
func (c *conn) sendRows(ctx context.Context, res Result, describe bool) (int64, error) {
	schema := res.Schema()
	if schema == nil {
		return 0, nil
	}
	enc, err := pgtypes.NewRowEncoder(schema, nil, c.session.EncodeOptions())
	if err != nil {
		return 0, pgerror.Wrap(err, pgerror.FeatureNotSupported)
	}
	if describe {
		c.be.Send(rowDescription(schema, enc))
	}
	r := resultRows{result: res, enc: enc}
	defer r.releaseBatch()
	return c.sendDataRows(ctx, &r, dataRows{enc}, 0)
}

func rowDescription(schema *arrow.Schema, enc *pgtypes.RowEncoder) *pgproto3.RowDescription {
	types := enc.Types()
	formats := enc.Formats()
	fields := make([]pgproto3.FieldDescription, len(types))
	for i, t := range types {
		fields[i] = pgproto3.FieldDescription{
			Name:         []byte(strings.Clone(schema.Field(i).Name)),
			DataTypeOID:  t.OID,
			DataTypeSize: t.Len,
			TypeModifier: t.Modifier,
			Format:       int16(formats[i]),
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

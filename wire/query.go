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
// the first error, then ReadyForQuery.
func (c *conn) simpleQuery(sql string) {
	c.current = stmtText{sql: sql}
	defer c.readyForQuery()
	ctx := c.beginStatement()
	defer c.endStatement()

	stmts, err := c.session.Plan(ctx, sql)
	if err != nil {
		c.fail(err)
		return
	}
	if len(stmts) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	for _, st := range stmts {
		// The first statement's time includes planning the whole text.
		c.timer.beginIfIdle()
		if err := c.runStatement(ctx, st); err != nil {
			c.fail(err)
			return
		}
	}
}

func (c *conn) runStatement(ctx context.Context, st Statement) error {
	tag := st.Tag()
	if c.tx == TxFailed && tag != "COMMIT" && tag != "ROLLBACK" {
		return pgerror.New(pgerror.InFailedSQLTransaction,
			"current transaction is aborted, commands ignored until end of transaction block")
	}
	if cur := st.Cursor(); cur.Op != NoCursor {
		return c.runCursor(st, cur, nil, true)
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
	for _, n := range res.Notices() {
		c.sendNotice(n)
	}
	for _, kv := range res.Changed() {
		c.be.Send(&pgproto3.ParameterStatus{Name: kv[0], Value: kv[1]})
	}
	c.applyTransaction(tag)
	c.endTransactionPortals(tag)
	c.applySessionReset(tag, st.Target())
	c.complete(commandTag(tag, rows))
	return nil
}

// applySessionReset drops the protocol-level objects DISCARD ALL and
// DEALLOCATE name.
func (c *conn) applySessionReset(tag, target string) {
	switch {
	case tag == "DISCARD ALL" || tag == "DEALLOCATE ALL":
		c.closeAllPortals()
		clear(c.ext().statements)
	case tag == "DEALLOCATE":
		delete(c.ext().statements, target)
	}
}

// applyTransaction moves the transaction status as PostgreSQL would.
func (c *conn) applyTransaction(tag string) {
	switch tag {
	case "BEGIN", "START TRANSACTION":
		c.tx = TxActive
	case "COMMIT", "ROLLBACK":
		c.tx = TxIdle
	}
}

// endTransactionPortals closes the portals a finished transaction leaves
// behind; it runs after the statement that ended it has completed.
func (c *conn) endTransactionPortals(tag string) {
	if tag == "COMMIT" || tag == "ROLLBACK" {
		for name, p := range c.ext().portals {
			if name != "" && !p.hold {
				c.closePortal(name)
			}
		}
	}
}

func commandTag(verb string, rows int64) []byte {
	switch verb {
	case "SELECT":
		return []byte("SELECT " + strconv.FormatInt(rows, 10))
	case "START TRANSACTION":
		return []byte("START TRANSACTION")
	case "FETCH":
		return []byte("FETCH " + strconv.FormatInt(rows, 10))
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
	return c.sendDataRows(ctx, &r, 0)
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

package wire

import (
	"context"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// runCursor carries out DECLARE, FETCH and CLOSE. A cursor is a portal, as
// in PostgreSQL: it shares the portals' namespace, and FETCH reads it as an
// Execute with a row limit would. describe says whether FETCH sends its
// RowDescription (simple protocol) or the client got it from Describe.
func (c *conn) runCursor(st Statement, cur Cursor, formats []pgtypes.Format, describe bool) error {
	ports := c.ext().portals
	switch cur.Op {
	case DeclareCursor:
		if c.tx == TxIdle && !cur.Hold {
			return pgerror.New("25P01", "DECLARE CURSOR can only be used in transaction blocks")
		}
		if _, dup := ports[cur.Name]; dup {
			return pgerror.New(pgerror.DuplicateCursor, "cursor %q already exists", cur.Name)
		}
		// The cursor's rows outlive this statement, so they get their own
		// context, cancelled when the cursor closes.
		ctx, cancel := context.WithCancel(c.ctx)
		res, err := st.Execute(ctx)
		if err != nil {
			cancel()
			return err
		}
		p := &portal{stmt: st, ctx: ctx, cancel: cancel, resultRows: resultRows{result: res}, cursor: true, hold: cur.Hold}
		if schema := res.Schema(); schema != nil {
			enc, err := pgtypes.NewRowEncoder(schema, nil, c.session.EncodeOptions())
			if err != nil {
				p.close()
				return pgerror.Wrap(err, pgerror.FeatureNotSupported)
			}
			p.enc = enc
		}
		ports[cur.Name] = p
		c.complete([]byte("DECLARE CURSOR"))
	case FetchCursor:
		p, ok := ports[cur.Name]
		if !ok || !p.cursor {
			return pgerror.New(pgerror.InvalidCursorName, "cursor %q does not exist", cur.Name)
		}
		if formats != nil && p.result.Schema() != nil {
			// The FETCH's Bind chose the result formats.
			enc, err := pgtypes.NewRowEncoder(p.result.Schema(), formats, c.session.EncodeOptions())
			if err != nil {
				return pgerror.Wrap(err, pgerror.FeatureNotSupported)
			}
			p.enc = enc
		}
		if describe && p.enc != nil {
			c.be.Send(rowDescription(p.result.Schema(), p.enc))
		}
		// A CancelRequest while FETCH reads cancels the cursor; afterwards
		// the statement's own cancel is back, so ending the statement does
		// not end the cursor.
		c.stmtMu.Lock()
		prev := c.stmtStop
		c.stmtStop = p.cancel
		c.stmtMu.Unlock()
		defer func() {
			c.stmtMu.Lock()
			c.stmtStop = prev
			c.stmtMu.Unlock()
		}()
		rows, err := c.sendDataRows(p.ctx, &p.resultRows, cur.Count)
		if err != nil {
			return err
		}
		for _, n := range p.result.Notices() {
			c.sendNotice(n)
		}
		c.complete(commandTag("FETCH", rows))
	case CloseCursor:
		if cur.Name == "all" {
			for name, p := range ports {
				if p.cursor {
					c.closePortal(name)
				}
			}
			c.complete([]byte("CLOSE CURSOR ALL"))
			return nil
		}
		p, ok := ports[cur.Name]
		if !ok || !p.cursor {
			return pgerror.New(pgerror.InvalidCursorName, "cursor %q does not exist", cur.Name)
		}
		c.closePortal(cur.Name)
		c.complete([]byte("CLOSE CURSOR"))
	}
	return nil
}

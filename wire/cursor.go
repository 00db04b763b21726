package wire

import (
	"context"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// runCursor carries out DECLARE, FETCH, MOVE and CLOSE. A cursor is a
// portal, as in PostgreSQL: it shares the portals' namespace, FETCH and
// MOVE work on any portal (asyncpg moves its Bind portals with MOVE), and
// FETCH reads as an Execute with a row limit would. codes are the result
// format codes of FETCH's Bind (extended protocol), nil in the simple
// protocol, where FETCH also sends its RowDescription (describe).
func (c *conn) runCursor(st Statement, eff Effect, codes []int16, describe bool) error {
	ports := c.ext().portals
	switch eff.Op {
	case DeclareCursor:
		return c.declareCursor(st, eff)
	case FetchCursor:
		p, ok := ports[eff.Name]
		if !ok {
			return pgerror.New(pgerror.InvalidCursorName, "cursor %q does not exist", eff.Name)
		}
		return c.fetchCursor(st, p, eff.Fetch, codes, describe)
	case CloseCursor:
		if eff.All {
			for name, p := range ports {
				if p.cursor {
					c.closePortal(name)
				}
			}
		} else if _, ok := ports[eff.Name]; ok {
			c.closePortal(eff.Name)
		} else {
			return pgerror.New(pgerror.InvalidCursorName, "cursor %q does not exist", eff.Name)
		}
		c.finish(st, nil, 0)
	}
	return nil
}

// declareCursor opens a cursor: a portal over the statement's rows, text
// or (DECLARE BINARY) binary, whose Describe gives its columns.
func (c *conn) declareCursor(st Statement, eff Effect) error {
	ports := c.ext().portals
	if c.tx == TxIdle && !c.implicitBlock && !eff.Hold {
		return pgerror.New(pgerror.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if _, dup := ports[eff.Name]; dup {
		return pgerror.New(pgerror.DuplicateCursor, "cursor %q already exists", eff.Name)
	}
	// The cursor's rows outlive this statement, so they get their own
	// context, cancelled when the cursor closes.
	ctx, cancel := context.WithCancel(c.ctx)
	res, err := st.Execute(ctx)
	if err != nil {
		cancel()
		return err
	}
	// A held cursor is the transaction's until it commits (an implicit
	// one's too): a rollback drops it.
	p := &portal{stmt: st, ctx: ctx, cancel: cancel, resultRows: resultRows{result: res}, done: true,
		cursor: true, hold: eff.Hold, uncommitted: eff.Hold}
	if eff.Binary {
		p.formats = []pgtypes.Format{pgtypes.BinaryFormat}
	}
	if schema := res.Schema(); schema != nil {
		enc, err := pgtypes.NewRowEncoder(schema, p.formats, c.session.EncodeOptions())
		if err != nil {
			p.close()
			return pgerror.Wrap(err, pgerror.FeatureNotSupported)
		}
		p.schema, p.enc = schema, enc
	}
	ports[eff.Name] = p
	c.finish(st, nil, 0)
	return nil
}

// fetchCursor carries out FETCH or MOVE on portal p.
func (c *conn) fetchCursor(st Statement, p *portal, f Fetch, codes []int16, describe bool) error {
	if err := c.openPortal(p); err != nil {
		return err
	}
	if p.enc == nil {
		return pgerror.New(pgerror.ObjectNotInPrerequisiteState, "portal %q does not return rows", st.Effect().Name)
	}
	// A move the cursor cannot make fails before anything is sent.
	plan, err := planFetch(&p.resultRows, f)
	if err != nil {
		return err
	}
	enc := rowEncoder(skipRows{})
	if !f.Move {
		re := p.enc
		if codes != nil {
			// FETCH's own Bind chose the result formats.
			formats, err := formatsFor(codes, p.schema.NumFields())
			if err != nil {
				return err
			}
			if re, err = pgtypes.NewRowEncoder(p.schema, formats, c.session.EncodeOptions()); err != nil {
				return pgerror.Wrap(err, pgerror.FeatureNotSupported)
			}
		}
		if describe {
			c.be.Send(rowDescription(p.schema, re))
		}
		enc = dataRows{re}
	}
	// A CancelRequest while FETCH reads cancels the cursor; afterwards the
	// statement's own cancel is back, so ending the statement does not end
	// the cursor.
	c.stmtMu.Lock()
	prev := c.stmtStop
	c.stmtStop = p.cancel
	c.stmtMu.Unlock()
	defer func() {
		c.stmtMu.Lock()
		c.stmtStop = prev
		c.stmtMu.Unlock()
	}()
	rows := plan.answer
	if p.result != nil && !plan.answered { // nil: an Execute already read the portal to its end
		if _, err := c.readCursor(p, skipRows{}, plan.skip, false); err != nil {
			return err
		}
		if rows, err = c.readCursor(p, enc, plan.take, plan.all); err != nil {
			return err
		}
	}
	c.finish(st, nil, rows)
	return nil
}

// fetchPlan is the way to where FETCH or MOVE asks: rows to pass over,
// then rows to read (all: the rest). MOVE 0 reads nothing: answered, its
// count says whether the cursor stands on a row.
type fetchPlan struct {
	skip, take int64
	all        bool
	answered   bool
	answer     int64
}

// planFetch finds the way to f's target as PostgreSQL's DoPortalRunFetch
// does for a NO SCROLL cursor — pgdynamo's cursors read forward only — or
// refuses a target that lies behind (the current row included, which only
// a cursor that can go back can read again).
func planFetch(r *resultRows, f Fetch) (fetchPlan, error) {
	n := f.Count
	onRow := r.pos > 0 && !r.atEnd
	current := func() (fetchPlan, error) {
		switch {
		case f.Move && onRow:
			return fetchPlan{answered: true, answer: 1}, nil
		case onRow:
			return fetchPlan{}, scanBackward()
		}
		return fetchPlan{}, nil
	}
	switch f.Direction {
	case FetchForward, FetchBackward:
		if f.Direction == FetchBackward {
			n = -n
		}
		switch {
		case f.All && f.Direction == FetchForward:
			return fetchPlan{all: true}, nil
		case f.All || n < 0:
			return fetchPlan{}, scanBackward()
		case n == 0:
			return current()
		}
		return fetchPlan{take: n}, nil
	case FetchRelative:
		switch {
		case n < 0:
			return fetchPlan{}, scanBackward()
		case n == 0:
			return current()
		}
		return fetchPlan{skip: n - 1, take: 1}, nil
	case FetchAbsolute:
		switch {
		case n < 0:
			// Row -n from the end: reached by going back from the end.
			return fetchPlan{}, scanBackward()
		case n == 0 || n-1 <= r.pos:
			// Back to the start first, where only an unread cursor is.
			if r.pos > 0 || r.atEnd {
				return fetchPlan{}, scanBackward()
			}
			if n == 0 {
				return fetchPlan{}, nil
			}
			return fetchPlan{skip: n - 1, take: 1}, nil
		}
		at := r.pos
		if r.atEnd {
			at++
		}
		return fetchPlan{skip: max(n-at-1, 0), take: 1}, nil
	}
	return fetchPlan{}, pgerror.New(pgerror.FeatureNotSupported, "FETCH direction %d is not supported", f.Direction)
}

// readCursor reads n rows of p (all: the rest) through enc and moves its
// position as PostgreSQL moves a portal's.
func (c *conn) readCursor(p *portal, enc rowEncoder, n int64, all bool) (int64, error) {
	if !all && n <= 0 {
		return 0, nil
	}
	if all {
		n = 0
	}
	rows, err := c.sendDataRows(p.ctx, &p.resultRows, enc, n)
	p.pos += rows
	if err == nil && (all || rows < n) {
		p.atEnd = true
	}
	return rows, err
}

func scanBackward() error {
	return &pgerror.Error{Code: pgerror.ObjectNotInPrerequisiteState, Message: "cursor can only scan forward",
		Hint: "pgdynamo cursors read forward only"}
}

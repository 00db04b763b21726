package wire

import (
	"context"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// preparedStatement is a Parse result kept by name ("" is the unnamed one).
type preparedStatement struct {
	sql      string
	prepared Prepared
}

// portal is a Bind result: a statement with its parameters and result
// formats, and once executed, its open result.
type portal struct {
	stmt Statement // nil for an empty query
	text stmtText  // for the log: the statement's text and bound values
	// codes are Bind's result format codes; formats, the format of each
	// column of schema, the rows the portal returns (a FETCH portal's
	// formats apply to its cursor's columns, known when it runs).
	codes   []int16
	formats []pgtypes.Format
	schema  *arrow.Schema

	ctx    context.Context
	cancel context.CancelFunc
	resultRows
	done bool
	// cursor marks a portal opened by DECLARE; hold, by DECLARE ... WITH
	// HOLD, which outlives its transaction once that commits (uncommitted
	// until then).
	cursor      bool
	hold        bool
	uncommitted bool
	// spent is the time earlier Executes of a suspended portal took.
	spent time.Duration
}

func (p *portal) close() {
	p.releaseBatch()
	if p.result != nil {
		p.result.Close()
		p.result = nil
	}
	if p.cancel != nil {
		p.cancel()
	}
}

// extendedState is the session's named statements and portals.
type extendedState struct {
	statements map[string]*preparedStatement
	portals    map[string]*portal
}

func (c *conn) ext() *extendedState {
	if c.extended.statements == nil {
		c.extended.statements = map[string]*preparedStatement{}
		c.extended.portals = map[string]*portal{}
	}
	return &c.extended
}

func (c *conn) closePortal(name string) {
	if p, ok := c.ext().portals[name]; ok {
		p.close()
		delete(c.ext().portals, name)
	}
}

// closeAllPortals ends every portal, held cursors included (Terminate,
// DISCARD ALL).
func (c *conn) closeAllPortals() {
	for name := range c.ext().portals {
		c.closePortal(name)
	}
}

// handleExtended runs one extended-protocol message. An error return means
// the message failed and the caller skips to Sync.
func (c *conn) handleExtended(msg pgproto3.FrontendMessage) error {
	// Each message says which statement it works on, if any.
	c.current = stmtText{}
	switch m := msg.(type) {
	case *pgproto3.Parse:
		return c.parse(m)
	case *pgproto3.Bind:
		return c.bind(m)
	case *pgproto3.Describe:
		return c.describe(m)
	case *pgproto3.Execute:
		return c.execute(m)
	case *pgproto3.Close:
		if m.ObjectType == 'S' {
			delete(c.ext().statements, m.Name)
		} else {
			c.closePortal(m.Name)
		}
		c.be.Send(&pgproto3.CloseComplete{})
		return nil
	}
	return pgerror.New(pgerror.ProtocolViolation, "unexpected message %T", msg)
}

func (c *conn) parse(m *pgproto3.Parse) error {
	st := c.ext()
	if m.Name != "" {
		if _, dup := st.statements[m.Name]; dup {
			return pgerror.New(pgerror.DuplicatePreparedStatement, "prepared statement %q already exists", m.Name)
		}
	}
	c.current = stmtText{sql: m.Query}
	ctx := c.beginStatement()
	defer c.endStatement()
	prepared, err := c.session.Prepare(ctx, m.Query, m.ParameterOIDs)
	if err != nil {
		return err
	}
	st.statements[m.Name] = &preparedStatement{sql: m.Query, prepared: prepared}
	c.be.Send(&pgproto3.ParseComplete{})
	return nil
}

// rawParams are a Bind's parameter values as sent (copied: the message's
// buffer is reused), for the log to keep out of its lines.
func rawParams(raw [][]byte, formats []pgtypes.Format) paramValues {
	out := make(paramValues, len(raw))
	for i, r := range raw {
		switch {
		case r == nil:
		case formats[i] == pgtypes.TextFormat:
			out[i] = string(r)
		default:
			out[i] = slices.Clone(r)
		}
	}
	return out
}

// formatsFor applies Bind's format-code rule: none means text, one means
// that code for all, otherwise one per item.
func formatsFor(codes []int16, n int) ([]pgtypes.Format, error) {
	out := make([]pgtypes.Format, n)
	switch len(codes) {
	case 0:
	case 1:
		for i := range out {
			out[i] = pgtypes.Format(codes[0])
		}
	default:
		if len(codes) != n {
			return nil, pgerror.New(pgerror.ProtocolViolation, "%d format codes for %d values", len(codes), n)
		}
		for i, c := range codes {
			out[i] = pgtypes.Format(c)
		}
	}
	for _, f := range out {
		if f != pgtypes.TextFormat && f != pgtypes.BinaryFormat {
			return nil, pgerror.New(pgerror.ProtocolViolation, "unknown format code %d", f)
		}
	}
	return out, nil
}

func (c *conn) bind(m *pgproto3.Bind) error {
	st := c.ext()
	ps, ok := st.statements[m.PreparedStatement]
	if !ok {
		return pgerror.New(pgerror.InvalidSQLStatementName, "prepared statement %q does not exist", m.PreparedStatement)
	}
	c.current = stmtText{sql: ps.sql}
	if m.DestinationPortal != "" {
		if _, dup := st.portals[m.DestinationPortal]; dup {
			return pgerror.New(pgerror.DuplicateCursor, "portal %q already exists", m.DestinationPortal)
		}
	} else {
		c.closePortal("")
	}
	oids := ps.prepared.ParamOIDs()
	if len(m.Parameters) != len(oids) {
		return pgerror.New(pgerror.ProtocolViolation,
			"bind message supplies %d parameters, but prepared statement %q requires %d", len(m.Parameters), m.PreparedStatement, len(oids))
	}
	paramFormats, err := formatsFor(m.ParameterFormatCodes, len(oids))
	if err != nil {
		return err
	}
	params := make([]any, len(oids))
	for i, raw := range m.Parameters {
		v, err := pgtypes.DecodeParam(oids[i], paramFormats[i], raw)
		if err != nil {
			// The message may quote the value: the log must not.
			c.current.params = rawParams(m.Parameters, paramFormats)
			return &pgerror.Error{Code: pgerror.InvalidTextRepresentation, Message: err.Error(), Err: err}
		}
		params[i] = v
	}
	// The values are known to the log only to be kept out of it.
	c.current.params = params
	schema := ps.prepared.Schema()
	var resultFormats []pgtypes.Format
	if schema != nil {
		if resultFormats, err = formatsFor(m.ResultFormatCodes, schema.NumFields()); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(c.ctx)
	stmt, err := ps.prepared.Bind(ctx, params)
	if err != nil {
		cancel()
		return err
	}
	st.portals[m.DestinationPortal] = &portal{stmt: stmt, text: c.current, codes: slices.Clone(m.ResultFormatCodes),
		formats: resultFormats, schema: schema, ctx: ctx, cancel: cancel}
	c.be.Send(&pgproto3.BindComplete{})
	return nil
}

func (c *conn) describe(m *pgproto3.Describe) error {
	st := c.ext()
	if m.ObjectType == 'S' {
		ps, ok := st.statements[m.Name]
		if !ok {
			return pgerror.New(pgerror.InvalidSQLStatementName, "prepared statement %q does not exist", m.Name)
		}
		c.current = stmtText{sql: ps.sql}
		c.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: ps.prepared.ParamOIDs()})
		return c.sendDescription(ps.prepared.Schema(), nil)
	}
	p, ok := st.portals[m.Name]
	if !ok {
		return pgerror.New(pgerror.InvalidCursorName, "portal %q does not exist", m.Name)
	}
	c.current = p.text
	if p.stmt != nil {
		if eff := p.stmt.Effect(); eff.Op == FetchCursor && !eff.Fetch.Move {
			// FETCH returns its cursor's columns, in its own formats.
			target, ok := st.portals[eff.Name]
			if !ok || target.schema == nil {
				c.be.Send(&pgproto3.NoData{})
				return nil
			}
			formats, err := formatsFor(p.codes, target.schema.NumFields())
			if err != nil {
				return err
			}
			return c.sendDescription(target.schema, formats)
		}
	}
	return c.sendDescription(p.schema, p.formats)
}

func (c *conn) sendDescription(schema *arrow.Schema, formats []pgtypes.Format) error {
	if schema == nil {
		c.be.Send(&pgproto3.NoData{})
		return nil
	}
	enc, err := pgtypes.NewRowEncoder(schema, formats, c.session.EncodeOptions())
	if err != nil {
		return pgerror.Wrap(err, pgerror.FeatureNotSupported)
	}
	c.be.Send(rowDescription(schema, enc))
	return nil
}

// execute runs (or resumes) a portal, sending at most m.MaxRows rows (0:
// all). A portal that still has rows answers PortalSuspended and keeps its
// result open for the next Execute. Execute never sends RowDescription.
func (c *conn) execute(m *pgproto3.Execute) error {
	p, ok := c.ext().portals[m.Portal]
	if !ok {
		return pgerror.New(pgerror.InvalidCursorName, "portal %q does not exist", m.Portal)
	}
	c.current = p.text
	if p.stmt == nil {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	eff := p.stmt.Effect()
	if p.result == nil {
		if err := c.checkFailedTransaction(eff); err != nil {
			return err
		}
	}
	// A CancelRequest now cancels this portal's work.
	c.stmtMu.Lock()
	c.stmtStop, c.busy = p.cancel, true
	c.stmtMu.Unlock()
	defer func() {
		c.stmtMu.Lock()
		c.stmtStop, c.busy = nil, false
		c.stmtMu.Unlock()
	}()
	switch eff.Op {
	case DeclareCursor, FetchCursor, CloseCursor, CopyOut:
		if p.done {
			break
		}
		// They run once: their rows are not the portal's.
		p.done = true
		if eff.Op == CopyOut {
			return c.runCopy(p.ctx, p.stmt, eff)
		}
		return c.runCursor(p.stmt, eff, p.codes, false)
	}
	if p.done && p.result == nil {
		// PostgreSQL answers a finished portal with an empty completion.
		c.complete(commandTag(p.stmt.Tag(), 0))
		return nil
	}
	c.timer.resume(p.spent)
	p.spent = 0

	if err := c.openPortal(p); err != nil {
		return err
	}
	var rows int64
	if p.enc != nil {
		var err error
		if rows, err = c.sendDataRows(p.ctx, &p.resultRows, dataRows{p.enc}, int64(m.MaxRows)); err != nil {
			return err
		}
		p.pos += rows
	}
	if p.enc != nil && m.MaxRows > 0 && rows == int64(m.MaxRows) && c.portalHasMore(p) {
		c.be.Send(&pgproto3.PortalSuspended{})
		// The statement goes on at the next Execute; the wait for it is the
		// client's time, not the statement's.
		p.spent = c.timer.stop()
		return nil
	}
	p.done, p.atEnd = true, true
	res := p.result
	// The rows are out; free the engine now rather than at Sync.
	p.releaseBatch()
	p.result = nil
	defer res.Close()
	c.finish(p.stmt, res, rows)
	return nil
}

// openPortal runs a bound portal's statement the first time its rows are
// asked for: by Execute, or by FETCH or MOVE naming the portal.
func (c *conn) openPortal(p *portal) error {
	if p.result != nil || p.done || p.stmt == nil {
		return nil
	}
	res, err := p.stmt.Execute(p.ctx)
	if err != nil {
		return err
	}
	p.result = res
	if schema := res.Schema(); schema != nil {
		enc, err := pgtypes.NewRowEncoder(schema, p.formats, c.session.EncodeOptions())
		if err != nil {
			return pgerror.Wrap(err, pgerror.FeatureNotSupported)
		}
		p.schema, p.enc = schema, enc
	}
	return nil
}

// portalHasMore reports whether a portal that filled its row limit has rows
// left, reading ahead one batch if it must.
func (c *conn) portalHasMore(p *portal) bool {
	if p.batch != nil && p.offset < int(p.batch.NumRows()) {
		return true
	}
	p.releaseBatch()
	batch, err := p.result.Next(p.ctx)
	if err != nil {
		// io.EOF: nothing left; another error surfaces on the next Execute
		// as a finished portal, which is what PostgreSQL would report too.
		return false
	}
	p.batch, p.offset = batch, 0
	return batch.NumRows() > 0
}

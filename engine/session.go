package engine

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	bindings "github.com/duckdb/duckdb-go-bindings"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
	"github.com/pgdynamo/pgdynamo/planner"
	"github.com/pgdynamo/pgdynamo/wire"
)

// resultBatchRows is how many result rows go into one Arrow batch.
const resultBatchRows = 1024

// Session is one client's connection to the engine.
type Session struct {
	engine   *Engine
	conn     *sql.Conn
	settings *settings
	log      *slog.Logger
	// info is what the client said at startup (user, database, pid).
	info wire.SessionInfo
	// active is the query whose streaming result holds the connection.
	active *queryResult
	// inBlock is set from BEGIN to the end of the transaction block;
	// implicitBlock while a simple query of several statements runs (an
	// implicit block). Outside both, SET LOCAL warns that it lasts no
	// longer than its statement.
	inBlock, implicitBlock bool
	// cache keeps planned texts and their DuckDB statements.
	cache planCache
}

// NewSession opens a DuckDB connection for a client.
func (e *Engine) NewSession(ctx context.Context, info wire.SessionInfo) (wire.Session, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("opening an engine connection: %w", err)
	}
	s := &Session{engine: e, conn: conn, settings: newSettings(e.cfg.ServerVersion, e.cfg.ServerSettings), log: info.Logger, info: info}
	if s.log == nil {
		s.log = e.log
	}
	s.settings.setDefaults(e.cfg.SessionDefaults)
	s.settings.values["session_authorization"] = info.User
	// Startup parameters are SETs the client made before its first query;
	// a value we cannot honour is ignored, as PostgreSQL ignores unknown
	// options from libpq's PGOPTIONS only with a warning.
	for name, value := range info.Params {
		switch canonicalName(name) {
		case "user", "database", "replication", "options":
			continue
		}
		if _, err := s.settings.set(name, value, false); err != nil {
			s.log.Debug("ignoring startup parameter", "name", name, "err", err)
		}
	}
	// They are the session's, not a transaction's.
	s.settings.end(true)
	return s, nil
}

// EndTransaction implements wire.Session.
func (s *Session) EndTransaction(commit bool) [][2]string {
	s.inBlock, s.implicitBlock = false, false
	return s.settings.end(commit)
}

// Close releases the session's engine connection and any result still
// holding it.
func (s *Session) Close() error {
	if s.active != nil {
		s.active.Close()
		s.active = nil
	}
	s.cache.clear()
	return s.conn.Close()
}

// ParameterStatus implements wire.Session.
func (s *Session) ParameterStatus() [][2]string { return s.settings.reported() }

// EncodeOptions implements wire.Session.
func (s *Session) EncodeOptions() pgtypes.Options {
	return pgtypes.Options{Location: s.settings.location()}
}

// Plan implements wire.Session.
func (s *Session) Plan(ctx context.Context, sql string) ([]wire.Statement, error) {
	// A statement that cannot be planned fails when its turn comes, after
	// the ones before it have run (and may have made it plannable).
	planned, err := s.plan(sql, true)
	if err != nil {
		return nil, err
	}
	s.implicitBlock = len(planned.plans) > 1
	out := make([]wire.Statement, len(planned.plans))
	for i, p := range planned.plans {
		out[i] = &statement{session: s, plan: p, planErr: planned.errs[i], generation: s.settings.generation, cached: planned, index: i}
	}
	return out, nil
}

type statement struct {
	session *Session
	plan    planner.Statement
	args    []any // extended-protocol parameter values
	// described is the result the client was told of when it prepared the
	// statement (nil: none). A dataset whose schema grew since would change
	// it; PostgreSQL refuses that rather than send rows of another shape.
	described *arrow.Schema
	// generation is the settings' generation the plan saw; a statement
	// that runs after a setting changed (SET earlier in the same simple
	// query, set_config in this one) is planned again, so
	// current_setting() sees the change.
	generation uint64
	// planErr is why the statement could not be planned with the simple
	// query it came in; it is planned again when it runs, and fails then.
	planErr error
	// cached is the planned text plan came from, plan its index-th
	// statement: where a prepared DuckDB statement is kept (nil once
	// planned again on its own).
	cached *cachedPlan
	index  int
}

func (st *statement) Tag() string { return st.plan.Tag }

// Effect implements wire.Statement: what the wire carries out for the
// statement.
func (st *statement) Effect() wire.Effect {
	p := st.plan
	switch p.Kind {
	case planner.Begin:
		return wire.Effect{Op: wire.Begin}
	case planner.Commit:
		return wire.Effect{Op: wire.Commit}
	case planner.Rollback:
		return wire.Effect{Op: wire.Rollback}
	case planner.Discard:
		return wire.Effect{Op: wire.Discard}
	case planner.Deallocate:
		return wire.Effect{Op: wire.Deallocate, Name: p.Name, All: p.Tag == "DEALLOCATE ALL"}
	case planner.DeclareCursor:
		return wire.Effect{Op: wire.DeclareCursor, Name: p.Name, Hold: p.Hold, Binary: p.Binary}
	case planner.FetchCursor:
		f := p.Fetch
		return wire.Effect{Op: wire.FetchCursor, Name: p.Name,
			Fetch: wire.Fetch{Move: f.Move, Direction: fetchDirections[f.Direction], Count: f.Count, All: f.All}}
	case planner.CloseCursor:
		return wire.Effect{Op: wire.CloseCursor, Name: p.Name, All: p.Tag == "CLOSE CURSOR ALL"}
	case planner.Copy:
		return wire.Effect{Op: wire.CopyOut, Copy: p.Copy}
	}
	return wire.Effect{}
}

var fetchDirections = map[planner.FetchDirection]wire.FetchDirection{
	planner.FetchForward: wire.FetchForward, planner.FetchBackward: wire.FetchBackward,
	planner.FetchAbsolute: wire.FetchAbsolute, planner.FetchRelative: wire.FetchRelative,
}

// replan plans the statement again when a setting changed since it was
// planned.
func (st *statement) replan() error {
	s := st.session
	if st.generation == s.settings.generation && st.planErr == nil {
		return nil
	}
	plans, err := s.planner().Plan(st.plan.Source, s.newQueryID())
	if err != nil {
		return st.plan.InText(err)
	}
	if len(plans) != 1 {
		return pgerror.New(pgerror.InternalError, "planning %q again gave %d statements", st.plan.Source, len(plans))
	}
	offset := st.plan.Offset
	st.plan, st.generation, st.planErr, st.cached = plans[0], s.settings.generation, nil, nil
	st.plan.Offset = offset
	return nil
}

// runQuery runs a statement whose rows come from the engine (a query, and
// DECLARE's and COPY's queries): set_config() calls are carried out first,
// then the statement is planned again if a setting changed.
func (st *statement) runQuery(ctx context.Context) (wire.Result, error) {
	s := st.session
	if err := st.replan(); err != nil {
		return nil, err
	}
	var changed [][2]string
	if len(st.plan.SetConfig) > 0 {
		before := s.settings.reported()
		if err := s.setConfig(st.plan.SetConfig, st.args); err != nil {
			return nil, err
		}
		changed = diff(before, s.settings.reported())
		if err := st.replan(); err != nil {
			return nil, err
		}
	}
	res, short, err := s.lookup(ctx, st.plan, st.args, st.cached, st.index)
	if !short {
		res, err = s.runPlanned(ctx, st.plan, st.args, st.cached, st.index)
	}
	if err != nil {
		return nil, err
	}
	if r, ok := res.(interface{ setChanged([][2]string) }); ok {
		r.setChanged(changed) // both results embed statementRun
	}
	if st.described != nil && st.plan.Kind == planner.Query && !sameColumns(st.described, res.Schema()) {
		res.Close()
		return nil, pgerror.New(pgerror.FeatureNotSupported, "cached plan must not change result type")
	}
	return res, nil
}

// setConfig makes the changes of a statement's set_config() calls.
func (s *Session) setConfig(changes []planner.ConfigChange, args []any) error {
	for _, ch := range changes {
		value, reset := ch.Value, ch.Reset
		if ch.Param > 0 {
			if ch.Param > len(args) {
				return pgerror.New(pgerror.ProtocolViolation, "set_config uses $%d of %d parameters", ch.Param, len(args))
			}
			switch v := args[ch.Param-1].(type) {
			case nil:
				reset = true
			case string:
				value = v
			default:
				value = fmt.Sprint(v)
			}
		}
		var err error
		if reset {
			_, err = s.settings.reset(ch.Name, ch.Local)
		} else {
			_, err = s.settings.set(ch.Name, value, ch.Local)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (st *statement) Execute(ctx context.Context) (wire.Result, error) {
	s := st.session
	if st.planErr != nil {
		if err := st.replan(); err != nil {
			return nil, err
		}
	}
	p := st.plan
	switch p.Kind {
	case planner.Query, planner.DeclareCursor, planner.Copy:
		// A cursor's rows are its query's rows, and COPY's too; the wire
		// layer keeps or frames them.
		return st.runQuery(ctx)
	case planner.Explain:
		return s.explain(ctx, p)
	case planner.Set:
		if p.Name == "" { // SET TRANSACTION / SESSION CHARACTERISTICS
			return &commandResult{}, nil
		}
		if p.Name == "transaction_isolation" || p.Name == "transaction_read_only" {
			return &commandResult{}, nil
		}
		changed, err := s.settings.set(p.Name, p.Value, p.Local)
		if err != nil {
			return nil, err
		}
		return s.setResult(changed, p), nil
	case planner.Reset:
		if p.Name == "all" {
			before := s.settings.reported()
			s.settings.resetAll()
			return &commandResult{changed: diff(before, s.settings.reported())}, nil
		}
		changed, err := s.settings.reset(p.Name, p.Local)
		if err != nil {
			return nil, err
		}
		return s.setResult(changed, p), nil
	case planner.Show:
		return s.show(p.Name)
	case planner.Discard:
		before := s.settings.reported()
		s.settings.resetAll()
		return &commandResult{changed: diff(before, s.settings.reported())}, nil
	case planner.Begin:
		s.inBlock = true
		return &commandResult{}, nil
	case planner.Commit, planner.Rollback, planner.Deallocate:
		// The wire layer owns prepared statements and the transaction
		// status, and ends the transaction (EndTransaction); a read-only
		// session has no data to commit or undo.
		return &commandResult{}, nil
	}
	return nil, pgerror.New(pgerror.FeatureNotSupported, "statement kind %v cannot be executed", p.Kind)
}

// setResult is SET's (or RESET's) result: the reported setting it
// changed, and for SET LOCAL outside a transaction block PostgreSQL's
// warning that it lasts no longer than the statement.
func (s *Session) setResult(changed bool, p planner.Statement) *commandResult {
	r := &commandResult{}
	if changed {
		v, _ := s.settings.get(p.Name)
		r.changed = [][2]string{{displayName(canonicalName(p.Name)), v}}
	}
	if p.Local && !s.inBlock && !s.implicitBlock {
		r.notices = []*pgerror.Error{{Code: pgerror.NoActiveSQLTransaction, Severity: pgerror.SeverityWarning,
			Message: "SET LOCAL can only be used in transaction blocks"}}
	}
	return r
}

func diff(before, after [][2]string) [][2]string {
	old := map[string]string{}
	for _, kv := range before {
		old[kv[0]] = kv[1]
	}
	var out [][2]string
	for _, kv := range after {
		if old[kv[0]] != kv[1] {
			out = append(out, kv)
		}
	}
	return out
}

func (s *Session) show(name string) (wire.Result, error) {
	if name == "all" {
		all := s.settings.all()
		names := make([]string, len(all))
		values := make([]string, len(all))
		for i, kv := range all {
			names[i], values[i] = displayName(kv[0]), kv[1]
		}
		return textResult([]string{"name", "setting"}, names, values), nil
	}
	v, err := s.settings.get(name)
	if err != nil {
		return nil, err
	}
	return textResult([]string{showColumn(name)}, []string{v}), nil
}

// showColumn is SHOW's column name: the parameter as PostgreSQL spells it
// (SHOW timezone answers a column TimeZone).
func showColumn(name string) string { return displayName(canonicalName(name)) }

// textResult is a one-batch result of text columns.
func textResult(names []string, columns ...[]string) *batchResult {
	fields := make([]arrow.Field, len(names))
	arrays := make([]arrow.Array, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
		b := array.NewStringBuilder(memory.DefaultAllocator)
		b.AppendValues(columns[i], nil)
		arrays[i] = b.NewArray()
	}
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(schema, arrays, int64(len(columns[0])))
	for _, a := range arrays {
		a.Release()
	}
	return &batchResult{schema: schema, batch: rec}
}

// commandResult is a statement that returns no rows.
type commandResult struct {
	changed [][2]string
	notices []*pgerror.Error
}

func (r *commandResult) Schema() *arrow.Schema { return nil }
func (r *commandResult) Next(context.Context) (arrow.RecordBatch, error) {
	return nil, io.EOF
}
func (r *commandResult) Notices() []*pgerror.Error { return r.notices }
func (r *commandResult) Changed() [][2]string      { return r.changed }
func (r *commandResult) Close() error              { return nil }

// batchResult is a result already in memory.
type batchResult struct {
	schema *arrow.Schema
	batch  arrow.RecordBatch
}

func (r *batchResult) Schema() *arrow.Schema { return r.schema }
func (r *batchResult) Next(context.Context) (arrow.RecordBatch, error) {
	if r.batch == nil {
		return nil, io.EOF
	}
	b := r.batch
	r.batch = nil
	return b, nil
}
func (r *batchResult) Notices() []*pgerror.Error { return nil }
func (r *batchResult) Changed() [][2]string      { return nil }
func (r *batchResult) Close() error {
	if r.batch != nil {
		r.batch.Release()
		r.batch = nil
	}
	return nil
}

// runQuery starts a query in DuckDB with a streaming result: rows are
// converted and sent chunk by chunk while DuckDB is still producing later
// ones, so a large result does not accumulate in memory.
func (s *Session) runQuery(ctx context.Context, p planner.Statement, args []any) (wire.Result, error) {
	return s.runPlanned(ctx, p, args, nil, 0)
}

// runPlanned is runQuery with the DuckDB statement kept for plan index of
// cached (nil: one prepared for this run only).
func (s *Session) runPlanned(ctx context.Context, p planner.Statement, args []any, cached *cachedPlan, index int) (wire.Result, error) {
	run := s.startStatement(ctx, p, args, s.settings.pushdownOff())
	ctx, qs := run.ctx, run.qs
	s.engine.running.Store(p.ID, qs)
	r := &queryResult{statementRun: run, engine: s.engine, id: p.ID, source: textOf(p)}

	err := s.conn.Raw(func(dc any) error {
		conn, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		raw, err := rawConnection(conn)
		if err != nil {
			return err
		}
		r.raw = raw
		d, err := s.duckStatement(ctx, conn, p, cached, index)
		if err != nil {
			return err
		}
		d.inUse = true
		r.duck = d
		r.stmt, r.schema, r.types = d.stmt, d.schema, d.types
		if len(args) > 0 {
			if err := r.stmt.Bind(namedArgs(args)); err != nil {
				return err
			}
		}
		return r.start()
	})
	if err != nil {
		err = qs.classify(ctx, err, textOf(p))
		r.Close()
		return nil, err
	}
	s.active = r
	return r, nil
}

// statementRun is a statement started on the connection, as both kinds of
// result (queryResult, lookupResult) carry it: its context, ended by the
// client, a disconnect or statement_timeout; the state its reads share; and
// the reported settings its set_config() calls changed.
type statementRun struct {
	ctx     context.Context
	cancel  context.CancelFunc
	qs      *queryState
	changed [][2]string
}

func (r *statementRun) Notices() []*pgerror.Error { return r.qs.noticesOnce() }

func (r *statementRun) Changed() [][2]string { return r.changed }

func (r *statementRun) setChanged(changed [][2]string) { r.changed = changed }

// startStatement frees the connection (settleActive) and starts p's run:
// its context under statement_timeout, and its state with pushdownOff.
func (s *Session) startStatement(ctx context.Context, p planner.Statement, args []any, pushdownOff bool) statementRun {
	s.settleActive()
	var cancel context.CancelFunc
	if d := s.settings.statementTimeout(); d > 0 {
		ctx, cancel = context.WithTimeout(ctx, d)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	qs := newQueryState(ctx, p, args)
	qs.pushdownOff = pushdownOff
	return statementRun{ctx: ctx, cancel: cancel, qs: qs}
}

// duckStatement returns the DuckDB statement of plan index of cached,
// preparing it if it has none yet; without cached (or while its statement
// is in use) the statement prepared is closed after one run.
func (s *Session) duckStatement(ctx context.Context, conn *duckdb.Conn, p planner.Statement, cached *cachedPlan, index int) (*duckStatement, error) {
	if cached != nil {
		if d := cached.duck[index]; d != nil && d.stmt != nil && !d.inUse {
			return d, nil
		}
	}
	ps, err := conn.PrepareContext(ctx, p.SQL)
	if err != nil {
		return nil, err
	}
	stmt := ps.(*duckdb.Stmt)
	schema, types, err := resultSchema(stmt)
	if err != nil {
		stmt.Close()
		return nil, err
	}
	d := &duckStatement{stmt: stmt, schema: schema, types: types}
	if cached != nil && cached.kept && !readsCopies(p) && (cached.duck[index] == nil || cached.duck[index].stmt == nil) {
		cached.duck[index] = d
	} else {
		d.dropped = true
	}
	return d, nil
}

// readsCopies reports whether p reads a local copy. DuckDB's plan of such
// a query depends on the copy's data, not only its shape — statistics
// fold a filter outside a column's current range to no rows — and the
// data changes under the plan (a refresh, a stream's batches), so its
// DuckDB statement is prepared for each run; the planner's plan is kept.
// (A statement with parameters is planned by DuckDB at every run anyway,
// and pgdynamo_scan has no statistics.)
func readsCopies(p planner.Statement) bool {
	for _, ref := range p.Scans {
		if ref.Route.Local() {
			return true
		}
	}
	return false
}

// settleActive makes the connection free for a new query. DuckDB ends a
// streaming result when its connection starts another query, so a result
// still open (an extended-protocol portal suspended by a row limit) is read
// to the end into memory first.
func (s *Session) settleActive() {
	if s.active != nil && !s.active.closed {
		s.active.materialize()
	}
	s.active = nil
}

// resultSchema reads a prepared statement's result columns. database/sql
// only reports type names; duckdb-go's statement has the structured types.
func resultSchema(stmt *duckdb.Stmt) (*arrow.Schema, []duckdb.TypeInfo, error) {
	n, err := stmt.ColumnCount()
	if err != nil {
		return nil, nil, err
	}
	fields := make([]arrow.Field, n)
	types := make([]duckdb.TypeInfo, n)
	for i := 0; i < n; i++ {
		name, err := stmt.ColumnName(i)
		if err != nil {
			return nil, nil, err
		}
		info, err := stmt.ColumnTypeInfo(i)
		if err != nil {
			return nil, nil, err
		}
		dt, err := arrowType(info)
		if err != nil {
			return nil, nil, pgerror.Wrap(fmt.Errorf("column %q: %w", name, err), pgerror.FeatureNotSupported)
		}
		fields[i] = arrow.Field{Name: name, Type: dt, Nullable: true}
		types[i] = info
	}
	return arrow.NewSchema(fields, nil), types, nil
}

// queryResult streams a DuckDB result as Arrow batches.
type queryResult struct {
	statementRun
	engine *Engine
	id     string
	// source is the client's SQL, where error positions point.
	source clientText

	raw    mapping.Connection
	stmt   *duckdb.Stmt
	duck   *duckStatement // stmt's owner, released when the result ends
	res    mapping.Result
	hasRes bool
	schema *arrow.Schema
	types  []duckdb.TypeInfo
	reader *chunkReader // made at the first fetch

	stopInterrupt chan struct{}
	interruptDone chan struct{}
	closed        bool
	exhausted     bool

	// buffered holds the rest of the result once materialize has run; err
	// is what reading it ended with.
	buffered     []arrow.RecordBatch
	materialized bool
	bufferedErr  error
}

// materialize reads the rest of the result into memory and releases the
// DuckDB side, so the connection can run another query.
func (r *queryResult) materialize() {
	for {
		b, err := r.fetch()
		if err != nil {
			if err != io.EOF {
				r.bufferedErr = err
			}
			break
		}
		r.buffered = append(r.buffered, b)
	}
	r.materialized = true
	r.releaseDuck()
}

// start executes the prepared statement with a streaming result, and
// interrupts DuckDB when the statement's context ends (client cancel,
// disconnect, statement_timeout).
func (r *queryResult) start() error {
	handle, err := rawStatement(r.stmt)
	if err != nil {
		return err
	}
	r.stopInterrupt = make(chan struct{})
	r.interruptDone = make(chan struct{})
	go func() {
		defer close(r.interruptDone)
		select {
		case <-r.ctx.Done():
			mapping.Interrupt(r.raw)
		case <-r.stopInterrupt:
		}
	}()
	var pending mapping.PendingResult
	if bindings.PendingPreparedStreaming(handle, &pending) == mapping.StateError {
		msg := mapping.PendingError(pending)
		mapping.DestroyPending(&pending)
		return pgerror.New(pgerror.InternalError, "%s", trimDuckPrefix(msg))
	}
	state := mapping.ExecutePending(pending, &r.res)
	mapping.DestroyPending(&pending)
	r.hasRes = true
	if state == mapping.StateError {
		return r.resultError()
	}
	return nil
}

func (r *queryResult) resultError() error {
	return &duckdb.Error{Type: duckdb.ErrorType(mapping.ResultErrorType(&r.res)), Msg: mapping.ResultError(&r.res)}
}

func (r *queryResult) Schema() *arrow.Schema { return r.schema }

// Next returns the next batch of the result.
func (r *queryResult) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if r.closed {
		return nil, io.EOF
	}
	if r.materialized {
		if len(r.buffered) == 0 {
			if r.bufferedErr != nil {
				return nil, r.bufferedErr
			}
			return nil, io.EOF
		}
		b := r.buffered[0]
		r.buffered = r.buffered[1:]
		return b, nil
	}
	return r.fetch()
}

// fetch converts the next DuckDB chunk into an Arrow batch.
func (r *queryResult) fetch() (arrow.RecordBatch, error) {
	// DuckDB reports an error when an exhausted streaming result is
	// fetched again (a cursor read past its end), so the end is remembered.
	if !r.hasRes || r.exhausted {
		return nil, io.EOF
	}
	chunk := mapping.FetchChunk(r.res)
	if chunk.Ptr == nil {
		if msg := mapping.ResultError(&r.res); msg != "" {
			return nil, r.qs.classify(r.ctx, r.resultError(), r.source)
		}
		if err := r.ctx.Err(); err != nil {
			return nil, r.qs.classify(r.ctx, err, r.source)
		}
		r.exhausted = true
		return nil, io.EOF
	}
	defer mapping.DestroyDataChunk(&chunk)
	n := int(mapping.DataChunkGetSize(chunk))
	if n == 0 {
		r.exhausted = true
		return nil, io.EOF
	}
	if r.reader == nil {
		r.reader = newChunkReader(r.schema, r.types)
	}
	rec, err := r.reader.read(chunk, n)
	if err != nil {
		return nil, pgerror.Wrap(err, pgerror.FeatureNotSupported)
	}
	return rec, nil
}

// releaseDuck frees the DuckDB result and statement.
func (r *queryResult) releaseDuck() error {
	if r.stopInterrupt != nil {
		close(r.stopInterrupt)
		<-r.interruptDone
		r.stopInterrupt = nil
	}
	if r.hasRes {
		mapping.DestroyResult(&r.res)
		r.hasRes = false
	}
	if r.reader != nil {
		r.reader.release()
		r.reader = nil
	}
	var err error
	if r.duck != nil {
		err = r.duck.release()
		r.duck, r.stmt = nil, nil
	}
	return err
}

// Close ends the query: the DuckDB result and statement are released, the
// interrupt watcher stops and every scan the query opened is closed, which
// cancels its in-flight DynamoDB calls.
func (r *queryResult) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	for _, b := range r.buffered {
		b.Release()
	}
	r.buffered = nil
	err := r.releaseDuck()
	r.cancel()
	// A kept plan's next run registers under the same ID: only this
	// run's state is removed.
	r.engine.running.CompareAndDelete(r.id, r.qs)
	r.qs.mu.Lock()
	readers := r.qs.readers
	r.qs.mu.Unlock()
	for _, rd := range readers {
		rd.Close()
	}
	return err
}

// sameColumns reports whether two results have the same column names and
// types.
func sameColumns(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		if a.Field(i).Name != b.Field(i).Name || !arrow.TypeEqual(a.Field(i).Type, b.Field(i).Type) {
			return false
		}
	}
	return true
}

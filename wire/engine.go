package wire

import (
	"context"
	"log/slog"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// Engine runs SQL for sessions. wire defines it and the engine implements
// it, so this package never learns about DynamoDB or DuckDB (as pgconn never
// imports pgx).
type Engine interface {
	NewSession(ctx context.Context, info SessionInfo) (Session, error)
}

// SessionInfo is what the startup message told us about a client.
type SessionInfo struct {
	User            string
	Database        string
	ApplicationName string
	ProcessID       uint32
	// Params are the startup parameters the client sent (DateStyle,
	// TimeZone, extra_float_digits, ...).
	Params map[string]string
	Logger *slog.Logger
}

// Session is one client's view of the engine: its settings and statements.
// Calls on a session never overlap.
type Session interface {
	// Plan splits a simple-query text into planned statements. No
	// statements means an empty query.
	Plan(ctx context.Context, sql string) ([]Statement, error)
	// Prepare plans one statement for the extended protocol. paramOIDs are
	// the types the client declared, 0 where it left the choice to us. An
	// empty text gives a Prepared whose Bind yields no statement.
	Prepare(ctx context.Context, sql string, paramOIDs []uint32) (Prepared, error)
	// ParameterStatus lists the settings reported to the client at start-up
	// and whenever they change, as name/value pairs in a stable order.
	ParameterStatus() [][2]string
	// EncodeOptions are the settings that shape value text (TimeZone).
	EncodeOptions() pgtypes.Options
	Close() error
}

// Prepared is a statement parsed for the extended protocol.
type Prepared interface {
	// ParamOIDs has one type per $n: declared by the client or inferred.
	ParamOIDs() []uint32
	// Schema describes the rows the statement returns; nil for none.
	Schema() *arrow.Schema
	// Bind fixes the parameter values (decoded with pgtypes.DecodeParam)
	// and returns the statement to execute, nil for an empty query.
	Bind(ctx context.Context, params []any) (Statement, error)
}

// Statement is one planned statement, ready to run.
type Statement interface {
	// Tag is the command tag's verb: SELECT, SET, SHOW, BEGIN, COMMIT, ...
	Tag() string
	// Target names what DEALLOCATE drops ("all" for every statement); empty
	// for other statements.
	Target() string
	// Cursor says what the statement does to a cursor, if anything.
	// DECLARE's Execute returns the rows of the cursor's query; FETCH and
	// CLOSE are carried out by this package and never executed.
	Cursor() Cursor
	// Execute starts the statement. The Result must be closed.
	Execute(ctx context.Context) (Result, error)
}

// CursorOp is what a statement does to a cursor.
type CursorOp int

// Cursor operations.
const (
	NoCursor CursorOp = iota
	DeclareCursor
	FetchCursor
	CloseCursor
)

// Cursor describes a cursor statement: DECLARE name [WITH HOLD], FETCH
// Count (0: all) FROM name, CLOSE name (Name "all": every cursor).
type Cursor struct {
	Op    CursorOp
	Name  string
	Count int64
	Hold  bool
}

// Result streams one statement's outcome.
type Result interface {
	// Schema describes the rows; nil for a statement that returns none.
	Schema() *arrow.Schema
	// Next returns the next batch, or io.EOF.
	Next(ctx context.Context) (arrow.RecordBatch, error)
	// Notices to send once the rows are drained.
	Notices() []*pgerror.Error
	// Changed lists settings reported through ParameterStatus that this
	// statement changed.
	Changed() [][2]string
	Close() error
}

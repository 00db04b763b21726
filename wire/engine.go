package wire

import (
	"context"
	"fmt"
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
	// EndTransaction ends the session's transaction: committed, settings
	// made with SET stay and those made with SET LOCAL revert; rolled back,
	// every setting made in it reverts. It returns the reported settings
	// that changed, for ParameterStatus.
	EndTransaction(commit bool) [][2]string
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
	// Effect says what the statement does to the session beyond its rows;
	// this package carries it out, in one place for both protocols.
	Effect() Effect
	// Execute starts the statement. The Result must be closed. FETCH, MOVE
	// and CLOSE are carried out by this package and never executed;
	// DECLARE's and COPY's Execute return the rows of their query.
	Execute(ctx context.Context) (Result, error)
}

// Op is what a statement does to the session besides returning rows.
type Op int

// Statement effects.
const (
	NoOp Op = iota
	// Begin opens a transaction block; Commit ends it (a failed one is
	// rolled back); Rollback rolls it back.
	Begin
	Commit
	Rollback
	// Discard is DISCARD ALL: every portal, cursor and prepared statement
	// goes.
	Discard
	// Deallocate drops prepared statement Name, or every one with All.
	Deallocate
	// DeclareCursor opens cursor Name over the statement's rows, WITH HOLD
	// and BINARY as Hold and Binary say.
	DeclareCursor
	// FetchCursor reads (or, with Fetch.Move, moves) cursor Name.
	FetchCursor
	// CloseCursor closes cursor Name, or every one with All.
	CloseCursor
	// CopyOut sends the statement's rows as COPY data in Copy's format.
	CopyOut
)

var opNames = [...]string{"NoOp", "Begin", "Commit", "Rollback", "Discard", "Deallocate", "DeclareCursor",
	"FetchCursor", "CloseCursor", "CopyOut"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Effect is a statement's effect on the session, typed.
type Effect struct {
	Op Op
	// Name is the cursor or prepared statement the effect is on; All
	// stands for every one (CLOSE ALL, DEALLOCATE ALL).
	Name string
	All  bool
	// Hold and Binary are DECLARE's WITH HOLD and BINARY.
	Hold, Binary bool
	Fetch        Fetch
	Copy         *pgtypes.CopyOptions
}

// FetchDirection is which way FETCH and MOVE go.
type FetchDirection int

// Fetch directions, as PostgreSQL's FETCH_FORWARD, FETCH_BACKWARD,
// FETCH_ABSOLUTE and FETCH_RELATIVE.
const (
	FetchForward FetchDirection = iota
	FetchBackward
	FetchAbsolute
	FetchRelative
)

// Fetch is what FETCH and MOVE ask of a cursor: Count rows forward or
// backward (All: every remaining one), or the row at position Count
// (absolute, negative from the end) or Count rows away (relative).
type Fetch struct {
	// Move is MOVE: the cursor moves, no rows are sent.
	Move      bool
	Direction FetchDirection
	Count     int64
	All       bool
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

// Package wire owns the PostgreSQL frontend/backend protocol 3.0 on a
// listener: the accept loop, per-connection sessions (startup, SSL/GSS
// negotiation, authentication, simple query, errors, notices, cancel
// requests) and the encoding of result batches into RowDescription and
// DataRow messages through pgtypes.
//
// It knows messages (jackc/pgx/v5/pgproto3), encodings (pgtypes), errors
// (pgerror) and the Engine interface it defines in engine.go; it never
// imports DynamoDB, DuckDB, the planner or the catalog. An import test in
// test/ keeps it so.
//
// Lifecycle: Server.Serve accepts until Shutdown; each connection runs in its
// own goroutine with a context that a CancelRequest for its BackendKeyData,
// a disconnect or Shutdown cancels, which stops the engine's DynamoDB calls.
// Accept errors that say they are temporary (out of file descriptors among
// them) are logged and waited out, 5 ms doubling to 1 s, as net/http does
// (accept.go); only a closed listener or a permanent error ends Serve.
//
// Limits (limits.go): Config.MaxConnections counts logged-in sessions (a
// login past it gets FATAL 53300); Config.AuthenticationTimeout bounds a
// connection's whole startup, so silent connections cost a goroutine each
// until then and never a session slot; a session whose engine Session
// implements IdleInTransactionTimeouter is ended with FATAL 25P03 when it
// waits in a transaction block longer than its
// idle_in_transaction_session_timeout. Frontend messages are at most
// Config.MaxMessageSize (16 MiB), startup packets 10,000 bytes (pgproto3).
//
// The extended protocol (extended.go) keeps named statements and portals
// per connection; a portal read with a row limit stays open across Sync
// inside a transaction, as pgjdbc's setFetchSize needs.
//
// Output (rows.go): once negotiation is over, every message goes through
// the connection's send buffer. pgproto3's Backend encodes the protocol
// messages into it, and sendDataRows, the one Arrow → wire path used by
// simple queries, portals, FETCH and COPY alike, has pgtypes append DataRow
// messages straight into it, batch by batch. It is written to the client
// at about 64 KiB, before waiting on the engine for a batch once 8 KiB are
// waiting, and by flush (ReadyForQuery, the Flush message), so messages
// leave in the order they were produced and memory per connection stays
// bounded whatever the result size.
//
// A statement's effect on the session is typed (Effect: transaction
// control, DISCARD, DEALLOCATE, cursors, COPY) and carried out in one
// completion path for both protocols, finish (query.go), which also builds
// the command tag (COMMIT of a failed transaction answers ROLLBACK).
// Transactions are PostgreSQL's: statements outside a block form an
// implicit transaction that ends with the simple query or at Sync; the
// session hears of every end (Session.EndTransaction), and of an abort at
// the failing statement, so its settings follow (SET LOCAL, rollback of
// SET).
//
// Every statement ends in complete (CommandComplete) or fail
// (ErrorResponse), in both protocols; those two tell Config.Observer
// (observer.go), with the accept loop's opened and closed connections, so
// metrics need no hooks elsewhere and this package no metrics library.
// The same two points write the statement log lines (log.go) through
// Config.Logger, scoped to the session (pid, user, database,
// application_name): every failed statement with its SQLSTATE and text, and
// each completed one's duration — at info past
// Config.LogMinDurationStatement, else at debug — with "connection opened"
// and "connection closed" around them. Bound parameter values are known to
// the log only to be cut out of error messages that quote them; passwords
// and cancel keys never reach it.
//
// Cursors (cursor.go) are portals too: DECLARE opens one over its query
// (text, or binary with BINARY) whose Describe gives its columns; FETCH and
// MOVE work on any portal, moving as PostgreSQL moves a NO SCROLL cursor
// (forward in every form, backward refused with 55000); CLOSE ends it. WITH
// HOLD cursors outlive the transaction that commits them; a rollback drops
// the ones it declared. COPY ... TO STDOUT (copy.go) frames the rows as
// CopyData through the same row path, encoded by pgtypes.CopyEncoder.
//
// Known debts: SCRAM offers no channel binding (SCRAM-SHA-256-PLUS); the
// auth method has no config key yet; cursors read forward only (no SCROLL).
package wire

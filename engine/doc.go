// Package engine owns the embedded SQL executor: one DuckDB database
// (duckdb-go/v2) locked down before any client SQL runs, the pgdynamo_scan
// table function through which DuckDB reads datasets, per-client sessions
// with their settings, and the conversion of DuckDB results back to Arrow
// record batches for the wire.
//
// Why the table-function API and not Arrow views: duckdb-go's Arrow
// interface (RegisterView over an arrow.RecordReader, Arrow query results)
// sits behind the duckdb_arrow build tag, and `go build ./cmd/pgdynamo` must
// build the whole product with no tags. The table-function API needs no tag,
// gives projection pushdown (DuckDB tells the function which columns a query
// needs, which become the DynamoDB ProjectionExpression) and lets one query
// open one scan per dataset reference: when DuckDB first asks a scan for
// rows, it calls readplan.Decide with the reference's spec, the bound
// parameters and those columns — the same decision EXPLAIN shows — and
// opens the scan.Request it returns, paced by the table's read-capacity
// budget (one per table, shared by every session). A scan's own error
// (max_scan_items, DynamoDB's) is kept by the statement so the client gets
// its SQLSTATE rather than the engine's rewording. The price is a copy from Arrow
// batches into DuckDB chunks, and from DuckDB rows back into Arrow; both are
// per batch, bounded in memory. The copy into chunks (chunkwrite.go) writes
// DuckDB's vectors in place, through the C vectors of the chunk duckdb-go
// keeps private: fixed-width values copied whole, short strings inline, the
// long ones pointing into one copy of the batch's string data DuckDB keeps
// in the vector's heap, lists and structs through their child vectors — a
// few cgo calls per column and chunk, none per value.
//
// Accelerated copies (copies.go) implement accel.Store: each accelerated
// dataset has a database of its own attached at Open, a DuckDB file or
// memory, holding the copy (table data) and its description (table
// pgdynamo_copy). Replace loads a new copy with CREATE TABLE AS SELECT over
// pgdynamo_scan (the same read as a query) and swaps it in with its
// description in one transaction; the planner sends routed references to
// the copy's table, so they are plain DuckDB table scans. A copy that
// follows a stream (changes.go, accel.ChangeStore) has the table's primary
// key and state tables (stream phase, shard positions, bootstrap segment
// progress); each bootstrap page, and each stream batch with the positions
// it reaches, is one transaction. Arrow rows the engine holds reach DuckDB
// through the same pgdynamo_scan function (a rows source instead of a
// DynamoDB read), and new attributes become columns (ALTER TABLE, then a
// catalog swap).
//
// Lock-down (Open): no extension install or (auto)load from the start;
// once the copies are attached, enable_external_access=false (no file,
// network or ATTACH access from SQL) and lock_configuration=true so client
// SQL cannot undo any of it. PostgreSQL
// semantics where DuckDB has a setting: integer_division=true (7/2 = 3) and
// NULLs sort last ascending, first descending.
//
// Results stream: duckdb-go v2 only offers materialised results, so
// queryResult reads DuckDB's streaming API through the C handles duckdb-go
// keeps private (duckraw.go, checked by a test) and converts each chunk to
// Arrow (vectors.go) with a reader per column chosen once per result from
// its DuckDB type: fixed-width numbers, dates, times, timestamps, booleans,
// strings and blobs are copied a whole vector at a time into fresh Arrow
// buffers; the rest is appended row by row into a builder reused across
// chunks. Each batch owns its memory (a suspended portal may hold batches
// while DuckDB moves on), so Arrow buffers are not recycled between chunks.
// Plans are kept (plancache.go): each session keeps the planned statements
// of a text with the DuckDB statements prepared from them, so a prepared
// statement's Bind and a simple query sent again plan and prepare nothing;
// an entry holds while the catalog snapshot, the session's settings and
// every reference's route are those it was planned with.
//
// A plain lookup of whole primary keys (SELECT columns FROM dataset WHERE
// key = $1 [AND sort key = $2]) is answered by its DynamoDB Query alone
// (lookup.go): DuckDB plans a statement with parameters again on every
// run, which costs more than the rest of a one-item read. It is taken only
// where its rows, names and types are provably the engine's.
//
// DuckDB runs with one thread unless configured otherwise (defaultThreads):
// each query executes on the thread of the session fetching it. With
// worker threads, a worker could run the pgdynamo_scan that waits for
// DynamoDB while the session's thread busy-waits in DuckDB's streaming
// fetch. Sessions still run in parallel, each on its own thread.
//
// The pg_catalog/information_schema shim is a
// schema of tables and macros generated from the catalog at Open
// (pgcatalog.go).
//
// Limits (limits.go): Config.MemoryLimit is DuckDB's memory_limit, one pool
// for every query and in-memory copy (DuckDB has no per-query limit); a
// query past it fails with 53200. A result value over 1 GB is refused with
// 54000, as PostgreSQL caps a value. Config.SessionDefaults are the
// configuration's statement_timeout and idle_in_transaction_session_timeout,
// which sessions start with and RESET returns to. A scan's error keeps its
// SQLSTATE through DuckDB (scanerr.go): the query fails with the scan's
// error (08001 DynamoDB unreachable, 53000 throttled...), not DuckDB's text.
//
// Settings (settings.go) are transactional as PostgreSQL's: the first
// change in a transaction records the values before it and those a commit
// keeps (SET's, not SET LOCAL's), and Session.EndTransaction, which the wire
// calls at every end and abort, restores one or the other. set_config()
// changes are made when the statement runs, before its query; a statement
// planned before a setting changed (SET earlier in the same simple query,
// set_config in this one) is planned again, since current_setting() is
// answered at plan time.
//
// PostgreSQL semantics the planner's rewrites rely on (pgfunctions.go):
// shim macros (checked division, substr, json_typeof, ...) and Go
// functions the engine calls (exact numeric division and variance,
// to_char and to_date, jsonb text, regexp_match, justify_*); a cast
// function registered for DOUBLE and FLOAT to VARCHAR (floattext.go, cgo
// over DuckDB's C API) prints floats as float8out does wherever the engine
// makes them text. Engine errors are reworded as PostgreSQL's (errors.go):
// SQLSTATE, message, a position in the client's SQL, never the rewritten
// query's text.
//
// Known debts: the SQL dialect is DuckDB's where the planner has no
// transform (numeric is DECIMAL(≤38) of one scale per column); a portal
// suspended by a row limit is buffered in memory when the session runs
// another query meanwhile.
//
// It must not import wire; it implements wire's Engine interface
// structurally.
package engine

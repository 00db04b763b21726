// Package planner owns the road from SQL text to executable statements: it
// parses with pg_query_go (PostgreSQL's own parser), classifies each
// statement (query, SET, SHOW, transaction control, refused writes), resolves
// table names against the catalog and rewrites the AST so the embedded
// engine can run it. Every rewrite is a named Transform over the AST with its
// own test — never string surgery on SQL text.
//
// Before the parser sees a text, limits.go bounds it: at most 1 MiB and
// 65,536 tokens (54000), and nested at most about 4,000 levels (54001) by a
// token scan that never recurses — pg_query overflows its C stack, killing
// the process, on chains some 50,000 levels deep.
//
// The transforms run in the order of queryTransforms (transform.go):
//   - postgres-names (names.go, semantics.go, functions.go, json.go,
//     srf.go), first, on the client's FROM clauses: column references are
//     resolved as PostgreSQL's parser does (schema.table.column loses the
//     schema the engine does not know; unknown, ambiguous or hidden names
//     fail with PostgreSQL's SQLSTATE, words, hint and position), and
//     every expression is typed as PostgreSQL types it (typing.go, with
//     pg_proc's signatures in functypes_gen.go, checked against a real
//     PostgreSQL by a test) and rewritten where the engine would answer
//     another type or value: function results cast to PostgreSQL's
//     types, exact numeric sums, averages, variances and division,
//     extract() of PostgreSQL's scale, set-returning functions in the
//     select list as rows, PostgreSQL's JSON text, and the functions the
//     engine lacks (to_char, json_typeof, ...) as shim macros or the
//     engine's Go functions.
//   - datasets-to-scans: a dataset reference becomes a scan of the dataset
//     (pgdynamo_scan), one per reference, so self-joins, subqueries and CTEs
//     used twice each get their own stream; unknown tables are 42P01 here.
//   - table-function-allowlist: FROM may call only a few engine table
//     functions, so client SQL cannot reach the engine's file readers.
//   - catalog-*: pg_catalog and information_schema relations, functions,
//     casts (regclass ...), operators and collations go to the shim built
//     from the catalog (catalogshim.go).
//   - postgres-column-names: output columns are named as PostgreSQL names
//     them (count, ?column?, bool).
//   - read-specs: each reference gets a readplan.Spec (pushdown.go): the
//     columns the query may touch, the conjuncts of the WHERE (and of
//     inner joins' ON) on its own columns as typed predicates (comparisons,
//     IN, = ANY($n), BETWEEN, LIKE 'prefix%', IS [NOT] NULL, ORs of those),
//     whether they are the whole WHERE, and how many rows a LIMIT needs when
//     nothing above the read needs more. readplan.Decide turns the spec into
//     the DynamoDB request when the query runs and for EXPLAIN; the WHERE
//     stays in the query, so results cannot change. A full primary key
//     equality makes the reference a key lookup (ScanRef.FullKey). A
//     relation named "dataset@index" reads through that index.
//   - route-reads: the Router (accel.Registry) decides, per reference and
//     under the session's pgdynamo.read_mode, whether it reads the
//     dataset's local copy or DynamoDB; a reference routed to the copy
//     becomes a plain reference to the engine table holding it. The
//     decision is kept in ScanRef.Route for EXPLAIN.
//   - param-cast-types, any-array-params: parameters are typed as
//     PostgreSQL infers them ($1::date, col = ANY($1)).
//   - checked-division: a / b and a % b whose divisor may be zero raise
//     22012, as PostgreSQL does, where the engine answers NULL.
//   - Postgres-isms the engine reads differently (pgisms.go): bytea hex
//     literals, BC dates, jsonb, #>> and #> paths.
//
// Besides the SQL, a planned query says what the engine may do without
// running it: Volatile when it inlined rows that change while the session
// runs (pgdynamo.datasets: never kept for another run), and PlainColumns
// when it only returns its one live reference's columns as they are
// (plain.go: a key lookup the read alone can answer).
//
// Statements around queries: DECLARE (BINARY, WITH HOLD; SCROLL refused),
// FETCH and MOVE in every direction as Fetch data (whoever holds the
// cursor decides which moves it can make), and COPY ... TO STDOUT (copy.go:
// COPY (query) and COPY table [(columns)] planned as queries, the options
// checked as PostgreSQL's ProcessCopyOptions checks them and resolved into
// pgtypes.CopyOptions; COPY FROM and server files refused). set_config()
// calls are recorded as ConfigChanges (setconfig.go) for the engine to make
// before it runs the statement and plans it again. PlanEach plans each
// statement of a simple query on its own, so one that fails does so in its
// turn, as PostgreSQL analyzes each statement only when it runs.
//
// It must not import wire or engine.
package planner

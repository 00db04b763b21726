// Package planner owns the road from SQL text to executable statements: it
// parses with pg_query_go (PostgreSQL's own parser), classifies each
// statement (query, SET, SHOW, transaction control, refused writes), resolves
// table names against the catalog and rewrites the AST so the embedded
// engine can run it. Every rewrite is a named Transform over the AST with its
// own test — never string surgery on SQL text.
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
//   - key-pushdown: a partition-key equality among the top-level AND
//     conjuncts of a reference's own SELECT makes its read a Query
//     (pushdown.go); the WHERE stays, so results cannot change. With a
//     sort-key equality too (or no sort key) the reference is a full
//     primary key lookup (ScanRef.FullKey).
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
// The rest of SPEC §5 (sort-key ranges, IN lists, filters, indexes) extends
// key-pushdown's ScanRef.
//
// It must not import wire or engine.
package planner

// Package readplan decides how one dataset reference reads DynamoDB: Decide
// turns the planner's typed Spec (needed columns, WHERE conjuncts as
// predicates with literals or $n, an early-stop LIMIT, an index hint), the
// bound parameters and the columns the engine asks for into the exact
// scan.Request — Query or Scan, table or index, key condition, filter,
// projection, limit, segments, item cap — and its EXPLAIN lines
// (Decision.Explain, rendered only when asked: executions never show
// them). Execution and EXPLAIN both call Decide, so EXPLAIN shows what runs.
//
// The rules (SPEC §5), none of which may change a result — the engine
// applies the whole WHERE again, so a request may admit more items than
// the query keeps but never fewer:
//   - Partition key = / IN / OR of = / = ANY($n): one Query per distinct
//     value, in parallel (at most MaxPartitionQueries; more read a Scan).
//   - Sort key =, <, <=, >, >=, BETWEEN and LIKE 'prefix%' (begins_with)
//     become the key condition; two bounds combine into BETWEEN.
//   - An index is read when the WHERE fixes its partition key, implies
//     every key attribute present (a sparse index lacks items without
//     them: any condition on its sort key implies it) and its projection
//     covers the columns the query needs; the table's own partition wins,
//     then an LSI narrowing it, then a GSI. "dataset@index" forces one.
//   - Other conditions go to the FilterExpression where DynamoDB's
//     comparison provably admits every row SQL keeps: numbers with
//     numbers (float8 widened by one float step each way), text with
//     strings (a text column also reads numbers, booleans, lists and maps
//     as text, so items of other kinds pass too), dates as YYYY-MM-DD
//     strings, timestamps by day with a day's margin for zones (only for
//     layouts that start with the date), booleans; IS NULL as
//     attribute_not_exists or a kind the column does not read, IS NOT NULL
//     as attribute_exists.
//   - A LIMIT (plus OFFSET) is pushed only when every conjunct of the
//     WHERE is in the request exactly (key attributes, whose types DynamoDB
//     enforces; number equality): a filter that admits extra items would
//     otherwise stop the read before enough rows passed the engine.
//
// Options.Disabled (SET pgdynamo.pushdown = off) reads every reference
// with a plain Scan of its columns, to compare answers.
//
// It must not import wire, engine, planner or gateway.
package readplan

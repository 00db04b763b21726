// Package planner owns the road from SQL text to executable statements: it
// parses with pg_query_go (PostgreSQL's own parser), classifies each
// statement (query, SET, SHOW, transaction control, refused writes), resolves
// table names against the catalog and rewrites the AST so the embedded
// engine can run it. Every rewrite is a named Transform over the AST with its
// own test — never string surgery on SQL text.
//
// Today's transforms: dataset references become scans of the dataset
// (pgdynamo_scan), one per reference so that self-joins and subqueries each
// get their own stream; table functions in FROM are limited to an allow-list
// so client SQL cannot reach the engine's file readers. The pushdown planner
// (SPEC §5) will attach a scan.Request to each reference here.
//
// It must not import wire or engine.
package planner

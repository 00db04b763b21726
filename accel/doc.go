// Package accel owns what changes while the server runs: for every dataset,
// whether it is read live from DynamoDB or from a local accelerated copy,
// the copy's state (loading, ready, refreshing, error), its row count, last
// refresh, last error and load progress; the Router that decides, per
// dataset reference, which of the two a query reads; and the Refresher that
// keeps a copy up to date through a Store with full refreshes, or the
// Streamer that keeps it exact from the table's stream through a
// ChangeStore (bootstrap, then package stream's Consumer).
//
// The Store is an interface so that the engine that holds copies can
// change (SPEC §9: a shared PostgreSQL later) without touching the planner
// or the wire. engine.Engine implements it over DuckDB; accel never sees
// DuckDB.
//
// Truthful state: a dataset is Ready only while a complete copy exists and
// queries read it. A failed refresh keeps the copy it had (the dataset
// stays Ready, LastError says why, LastRefresh says how old the copy is);
// a dataset with no copy is Loading or Error, and its queries are answered
// live from DynamoDB (SPEC §6). A dataset that follows a stream is Ready
// only while the stream is consumed and its lag is below ready_lag: a
// stalled stream or a lagging one is answered live.
//
// It must not import wire, planner, engine or gateway.
package accel

// Command pgdynamo serves SQL over Amazon DynamoDB tables to any PostgreSQL
// client.
//
//	pgdynamo serve --config pgdynamo.yaml [--listen 127.0.0.1:5433] [--metrics-listen 127.0.0.1:9464]
//	               [--log-level debug|info|warn|error] [--log-format text|json]
//	pgdynamo check --config pgdynamo.yaml
//	pgdynamo version
//	pgdynamo help [COMMAND]
//
// Every command answers --help (or -h) with its usage on stdout and exit
// code 0; a bad flag or a stray argument exits 2.
//
// serve logs to stderr through log/slog, logfmt text by default or one JSON
// object a line with --log-format json.
//
// This package wires the pieces together and owns nothing else: config
// loading, AWS clients (ddb), the catalog, the engine, the wire server, the
// metrics listener and the process lifecycle (signals, drain on shutdown).
// It is the only package that reads the environment.
package main

// Command pgdynamo serves SQL over Amazon DynamoDB tables to any PostgreSQL
// client.
//
//	pgdynamo serve --config pgdynamo.yaml [--listen 127.0.0.1:5433] [--metrics-listen 127.0.0.1:9464]
//	pgdynamo check --config pgdynamo.yaml
//	pgdynamo version
//
// This package wires the pieces together and owns nothing else: config
// loading, AWS clients (ddb), the catalog, the engine, the wire server, the
// metrics listener and the process lifecycle (signals, drain on shutdown).
// It is the only package that reads the environment.
package main

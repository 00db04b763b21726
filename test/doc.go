// Package test holds pgdynamo's end-to-end tests: a real DynamoDB Local
// (internal/dynamotest), the gateway started exactly as the CLI starts it
// (package gateway), and real clients — pgx and the psql binary — talking
// to it over TCP. Differential tests compare answers with a real PostgreSQL
// holding the same rows (internal/pgtest).
//
// The documentation is tested here too (docs_test.go, cli_check_test.go):
// the docs' configuration snippets resolve, their SQL runs against the demo
// data served by examples/demo.yaml, the IAM policy of docs/aws.md allows
// every DynamoDB operation seen, the messages they quote are the ones
// printed, and pgdynamo check accepts every key of docs/configuration.md
// (refusing those marked not supported yet) and no other.
//
// Robustness (issue 12): limits_test.go (runtime.limits end to end, the
// memory bomb in a separate process), faults_test.go (DynamoDB throttling,
// 5xx, cut bodies, outages and slowness through internal/ddbproxy) and
// hostile_test.go (garbage, absurd lengths, floods, a client that never
// reads, 1,000 sessions, deep and enormous SQL; goleak after each).
// soak_test.go is make soak, behind the soak build tag.
//
// Nothing here mocks DynamoDB or the wire protocol.
package test

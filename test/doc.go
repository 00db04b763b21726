// Package test holds pgdynamo's end-to-end tests: a real DynamoDB Local
// (internal/dynamotest), the gateway started exactly as the CLI starts it
// (package gateway), and real clients — pgx and the psql binary — talking
// to it over TCP. Differential tests compare answers with a real PostgreSQL
// holding the same rows (internal/pgtest).
//
// Nothing here mocks DynamoDB or the wire protocol.
package test

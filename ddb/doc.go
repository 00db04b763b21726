// Package ddb owns how pgdynamo talks to AWS: building DynamoDB clients from a
// dataset's settings (region, explicit keys or the SDK default credential
// chain, endpoint override, adaptive retries) and classifying AWS errors into
// pgerror codes with a hint a user can act on.
//
// Retries (retry.go): throttling and 5xx answers get the SDK's adaptive
// retryer (10 attempts, client-side rate limiting); a response cut
// mid-body is retried too (every call is a read), so a short answer is
// never taken for a whole one; an endpoint that cannot be reached is given
// up on after 4 attempts with waits of at most 1 s and dials of at most
// 5 s, and classified 08001 (08006 for a connection lost mid-answer) with
// the dataset and the endpoint in the message.
//
// A client keeps up to 256 idle connections (the SDK's default is 10 per
// host): sessions and scan segments call one endpoint at once, and a call
// past the idle pool would dial and close a connection of its own.
//
// Only dynamodb:DescribeTable, Scan and Query are called through these
// clients (plus the Streams read calls in package stream), so the reference's
// minimal IAM policy suffices.
//
// It must not import wire, planner or engine. Endpoints follow the SDK's own
// conventions (AWS_ENDPOINT_URL_DYNAMODB and friends are read by the SDK, not
// by this package); a dataset's explicit endpoint wins over them.
package ddb

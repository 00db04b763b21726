// Package ddb owns how pgdynamo talks to AWS: building DynamoDB clients from a
// dataset's settings (region, explicit keys or the SDK default credential
// chain, endpoint override, adaptive retries) and classifying AWS errors into
// pgerror codes with a hint a user can act on.
//
// Only dynamodb:DescribeTable, Scan and Query are called through these
// clients (plus the Streams read calls in package stream), so the reference's
// minimal IAM policy suffices.
//
// It must not import wire, planner or engine. Endpoints follow the SDK's own
// conventions (AWS_ENDPOINT_URL_DYNAMODB and friends are read by the SDK, not
// by this package); a dataset's explicit endpoint wins over them.
package ddb

package ddb

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// TableRef names a table in a region, for messages, and the dataset that
// reads it when there is one.
type TableRef struct {
	Table   string
	Region  string
	Dataset string // schema.name; "" when the caller has none
}

// Classify turns an error from a DynamoDB call on ref into a *pgerror.Error
// with a SQLSTATE and a hint. Classification uses the SDK's error types and
// the API error code, never the message text.
func Classify(err error, ref TableRef, op string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return &pgerror.Error{Code: pgerror.QueryCanceled, Message: "canceling statement due to user request", Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &pgerror.Error{Code: pgerror.QueryCanceled, Message: "canceling statement due to statement timeout", Err: err}
	}
	where := fmt.Sprintf("DynamoDB %s on table %q in region %s", op, ref.Table, ref.Region)

	var notFound *types.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return &pgerror.Error{
			Code:    pgerror.FDWTableNotFound,
			Message: fmt.Sprintf("DynamoDB table %q not found in region %s", ref.Table, ref.Region),
			Hint:    "DynamoDB tables are regional: check dynamodb_aws_region and the table name in the config",
			Err:     err,
		}
	}
	var throughput *types.ProvisionedThroughputExceededException
	var limit *types.RequestLimitExceeded
	var quota *retry.MaxAttemptsError
	if errors.As(err, &throughput) || errors.As(err, &limit) || (errors.As(err, &quota) && throttleCode(err)) {
		return &pgerror.Error{
			Code:    pgerror.InsufficientResources,
			Message: where + " was throttled and retries were exhausted",
			Hint:    "the table's read capacity is exhausted: retry later, lower scan_segments or raise the table's capacity",
			Err:     err,
		}
	}
	if Unreachable(err) || CutResponse(err) {
		return unreachable(err, ref, where)
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
			"ExpiredTokenException", "MissingAuthenticationTokenException":
			return &pgerror.Error{
				Code:    pgerror.FDWUnableToEstablishConnection,
				Message: fmt.Sprintf("%s was denied: %s", where, apiErr.ErrorCode()),
				Hint:    "check the credentials and that their IAM policy allows dynamodb:Scan, dynamodb:Query and dynamodb:DescribeTable on this table",
				Err:     err,
			}
		case "ThrottlingException":
			return &pgerror.Error{
				Code:    pgerror.InsufficientResources,
				Message: where + " was throttled and retries were exhausted",
				Hint:    "retry later, or lower scan_segments",
				Err:     err,
			}
		case "ValidationException":
			return &pgerror.Error{Code: pgerror.FDWError, Message: fmt.Sprintf("%s was rejected: %s", where, apiErr.ErrorMessage()), Err: err}
		}
	}
	return &pgerror.Error{
		Code:    pgerror.FDWError,
		Message: fmt.Sprintf("%s failed: %v", where, err),
		Hint:    "check the endpoint, network access and region",
		Err:     err,
	}
}

// IsThrottled reports whether err from a DynamoDB call is throttling:
// ProvisionedThroughputExceededException, RequestLimitExceeded or
// ThrottlingException, bare or wrapped (as in the retryer's
// MaxAttemptsError once retries are exhausted). Like Classify it looks at
// error types and API error codes, never at message text.
func IsThrottled(err error) bool {
	var throughput *types.ProvisionedThroughputExceededException
	var limit *types.RequestLimitExceeded
	return errors.As(err, &throughput) || errors.As(err, &limit) || throttleCode(err)
}

// throttleCode reports an API error whose code is one of throttling's.
func throttleCode(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded":
		return true
	}
	return false
}

// unreachable is the error for a call that got no (whole) answer: 08001
// when no connection could be made, 08006 when it broke mid-answer, as
// PostgreSQL's clients and postgres_fdw report a server they cannot reach
// or lose. The message names the dataset and the endpoint.
func unreachable(err error, ref TableRef, where string) error {
	code, what := pgerror.SQLClientUnableToEstablishConn, "could not reach DynamoDB"
	if CutResponse(err) {
		code, what = pgerror.ConnectionFailure, "lost the connection to DynamoDB mid-answer"
	}
	endpoint := endpointOf(err)
	if endpoint == "" {
		endpoint = "the endpoint of region " + ref.Region
	}
	msg := what + " at " + endpoint
	if ref.Dataset != "" {
		msg += fmt.Sprintf(" for dataset %q", ref.Dataset)
	}
	return &pgerror.Error{
		Code:    code,
		Message: msg,
		Detail:  fmt.Sprintf("%s failed after its retries: %v", where, err),
		Hint:    "check that the endpoint is reachable from pgdynamo (dynamodb_endpoint, AWS_ENDPOINT_URL_DYNAMODB, network, proxy); the query can be run again once it is",
		Err:     err,
	}
}

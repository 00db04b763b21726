package ddb

import (
	"errors"
	"io"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// How long DynamoDB may be unreachable before a call gives up. Throttling
// and 5xx answers get the SDK's full MaxAttempts and back-off, since
// DynamoDB is there and asks us to wait; a connection that cannot be made
// (refused, reset, dial timeout, DNS) gets unreachableAttempts, each wait
// capped at unreachableBackoff, so that a query fails within seconds with
// a clear error instead of retrying for minutes (SPEC §8).
const (
	unreachableAttempts = 4
	unreachableBackoff  = time.Second
	// dialTimeout bounds one connection attempt (the SDK's default is 30 s).
	dialTimeout = 5 * time.Second
)

// boundedRetryer is the SDK's retryer with the unreachable bound above.
type boundedRetryer struct {
	aws.RetryerV2
}

// RetryDelay stops retrying an unreachable endpoint after
// unreachableAttempts (returning the error ends the call with it) and caps
// its waits.
func (r boundedRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	if !Unreachable(err) {
		return d, derr
	}
	if attempt >= unreachableAttempts {
		return 0, err
	}
	return min(d, unreachableBackoff), derr
}

// cutResponse makes a response whose body ended early retryable: the
// connection broke mid-answer (or a proxy cut it), and every call pgdynamo
// makes is a read, safe to repeat. The SDK would otherwise report it as a
// deserialization failure, which must never become a short result.
type cutResponse struct{}

func (cutResponse) IsErrorRetryable(err error) aws.Ternary {
	if CutResponse(err) {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// CutResponse reports an error reading a response that ended before its
// body did.
func CutResponse(err error) bool {
	var de *smithy.DeserializationError
	return errors.As(err, &de) && errors.Is(err, io.ErrUnexpectedEOF)
}

// Unreachable reports an error from a call that got no answer at all: the
// connection could not be made, or broke before the response.
func Unreachable(err error) bool {
	var send *smithyhttp.RequestSendError
	return errors.As(err, &send)
}

// endpointOf is the endpoint a failed call went to (scheme://host), from
// the transport error or the response; "" when the error does not say.
func endpointOf(err error) string {
	var u *url.Error
	if errors.As(err, &u) {
		if p, perr := url.Parse(u.URL); perr == nil && p.Host != "" {
			return p.Scheme + "://" + p.Host
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.Response.Request != nil {
		return re.Response.Request.URL.Scheme + "://" + re.Response.Request.URL.Host
	}
	return ""
}

package ddb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// refused is the error the SDK returns when no connection can be made.
var refused = fmt.Errorf("operation error DynamoDB: Scan, %w", &smithyhttp.RequestSendError{
	Err: &url.Error{Op: "Post", URL: "http://10.1.2.3:8000/", Err: syscall.ECONNREFUSED}})

// cut is the error the SDK returns when a response body ends early.
var cut = fmt.Errorf("operation error DynamoDB: Scan, %w", &smithy.DeserializationError{
	Err: fmt.Errorf("failed to decode response body, %w", io.ErrUnexpectedEOF)})

// TestBoundedRetryer: an unreachable endpoint is retried
// unreachableAttempts times with waits of at most unreachableBackoff; a
// throttled call keeps the SDK's attempts and waits.
func TestBoundedRetryer(t *testing.T) {
	r := boundedRetryer{retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.MaxAttempts = 10
			so.Retryables = append(so.Retryables, cutResponse{})
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 20 * time.Second, nil })
		})
	})}
	if !r.IsErrorRetryable(refused) || !r.IsErrorRetryable(cut) {
		t.Fatal("a refused connection and a cut response must be retryable")
	}
	for attempt := 1; attempt < unreachableAttempts; attempt++ {
		d, err := r.RetryDelay(attempt, refused)
		if err != nil || d != unreachableBackoff {
			t.Errorf("attempt %d refused: wait %v, %v; want %v", attempt, d, err, unreachableBackoff)
		}
	}
	if _, err := r.RetryDelay(unreachableAttempts, refused); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("attempt %d refused: %v, want the call to end with the connection error", unreachableAttempts, err)
	}
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException"}
	if d, err := r.RetryDelay(unreachableAttempts+2, throttled); err != nil || d != 20*time.Second {
		t.Errorf("throttled: wait %v, %v; want the SDK's", d, err)
	}
	var _ aws.RetryerV2 = r
}

func TestClassifyUnreachable(t *testing.T) {
	ref := TableRef{Table: "users", Region: "eu-west-3", Dataset: "public.users"}
	for _, tc := range []struct {
		err  error
		code pgerror.Code
		want []string
	}{
		{refused, pgerror.SQLClientUnableToEstablishConn, []string{"could not reach DynamoDB at http://10.1.2.3:8000", `dataset "public.users"`}},
		{cut, pgerror.ConnectionFailure, []string{"mid-answer", "region eu-west-3", `dataset "public.users"`}},
		{&retry.MaxAttemptsError{Attempt: 10, Err: cut}, pgerror.ConnectionFailure, []string{"mid-answer"}},
	} {
		var pe *pgerror.Error
		if !errors.As(Classify(tc.err, ref, "Scan"), &pe) || pe.Code != tc.code {
			t.Errorf("%v: %v, want %s", tc.err, pe, tc.code)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(pe.Message, w) {
				t.Errorf("%s: %q lacks %q", tc.code, pe.Message, w)
			}
		}
		if !strings.Contains(pe.Detail, "Scan on table \"users\"") {
			t.Errorf("detail %q", pe.Detail)
		}
	}
	// Cancellation is still the client's, not DynamoDB's.
	if pe := Classify(fmt.Errorf("%w: %w", context.Canceled, refused), ref, "Scan").(*pgerror.Error); pe.Code != pgerror.QueryCanceled {
		t.Errorf("cancelled: %s", pe.Code)
	}
}

package ddb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/pgdynamo/pgdynamo/ddb"
	"github.com/pgdynamo/pgdynamo/pgerror"
)

func TestClassify(t *testing.T) {
	ref := ddb.TableRef{Table: "users", Region: "eu-west-3"}
	msg := "m"
	tests := []struct {
		name string
		err  error
		code pgerror.Code
		want []string // substrings of message + hint
	}{
		{"missing table", &types.ResourceNotFoundException{Message: &msg}, pgerror.FDWTableNotFound, []string{"users", "eu-west-3", "region"}},
		{"missing table, wrapped", fmt.Errorf("operation error: %w", &types.ResourceNotFoundException{}), pgerror.FDWTableNotFound, []string{"users"}},
		{"throughput", &types.ProvisionedThroughputExceededException{}, pgerror.InsufficientResources, []string{"throttled", "capacity"}},
		{"request limit", &types.RequestLimitExceeded{}, pgerror.InsufficientResources, []string{"throttled"}},
		{"throttling after retries", &retry.MaxAttemptsError{Attempt: 10, Err: &smithy.GenericAPIError{Code: "ThrottlingException"}}, pgerror.InsufficientResources, []string{"throttled"}},
		{"access denied", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no"}, pgerror.FDWUnableToEstablishConnection, []string{"denied", "IAM", "dynamodb:Scan"}},
		{"bad signature", &smithy.GenericAPIError{Code: "UnrecognizedClientException"}, pgerror.FDWUnableToEstablishConnection, []string{"credentials"}},
		{"validation", &smithy.GenericAPIError{Code: "ValidationException", Message: "bad expression"}, pgerror.FDWError, []string{"bad expression"}},
		{"cancelled", context.Canceled, pgerror.QueryCanceled, []string{"user request"}},
		{"timed out", fmt.Errorf("x: %w", context.DeadlineExceeded), pgerror.QueryCanceled, []string{"statement timeout"}},
		{"anything else", errors.New("connection refused"), pgerror.FDWError, []string{"connection refused", "endpoint"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ddb.Classify(tc.err, ref, "Scan")
			var pe *pgerror.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Classify returned %T", err)
			}
			if pe.Code != tc.code {
				t.Errorf("code %s, want %s (%s)", pe.Code, tc.code, pe.Message)
			}
			text := pe.Message + " / " + pe.Hint
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q lacks %q", text, w)
				}
			}
			if !errors.Is(err, tc.err) && tc.err != context.Canceled {
				t.Errorf("the cause is not kept for errors.Is")
			}
		})
	}
	if ddb.Classify(nil, ref, "Scan") != nil {
		t.Error("nil error classified as an error")
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg ddb.Config
		ok  bool
	}{
		{ddb.Config{Region: "us-east-1"}, true},
		{ddb.Config{}, false},
		{ddb.Config{Region: "us-east-1", AccessKeyID: "a"}, false},
		{ddb.Config{Region: "us-east-1", AccessKeyID: "a", SecretAccessKey: "b"}, true},
		{ddb.Config{Region: "us-east-1", Endpoint: "localhost:8000"}, false},
		{ddb.Config{Region: "us-east-1", Endpoint: "http://localhost:8000"}, true},
	} {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v", tc.cfg, err)
		}
	}
}

func TestIsThrottled(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"throughput", &types.ProvisionedThroughputExceededException{}, true},
		{"throughput, wrapped", fmt.Errorf("operation error: %w", &types.ProvisionedThroughputExceededException{}), true},
		{"request limit", &types.RequestLimitExceeded{}, true},
		{"throttling code", &smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{"after retries", &retry.MaxAttemptsError{Attempt: 10, Err: &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException"}}, true},
		{"missing table", &types.ResourceNotFoundException{}, false},
		{"access denied", &smithy.GenericAPIError{Code: "AccessDeniedException"}, false},
		{"message mentions throttling", errors.New("ThrottlingException"), false},
		{"cancelled", context.Canceled, false},
		{"nil", nil, false},
	} {
		if got := ddb.IsThrottled(tc.err); got != tc.want {
			t.Errorf("%s: IsThrottled = %v, want %v", tc.name, got, tc.want)
		}
	}
}

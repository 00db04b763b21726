package engine

import (
	"context"
	"errors"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// A scan's error reaches DuckDB as text, and DuckDB reports it as its own
// "Invalid Input" error: the SQLSTATE the scan chose (08001 for DynamoDB
// unreachable, 53000 throttled past the retries, HV00R...) would be lost.
// So the query keeps the first one, and the query's error is that one.

// scanFailed records err, the error a dataset scan of the query ended with,
// unless an earlier one is kept already.
func (qs *queryState) scanFailed(err error) {
	var pe *pgerror.Error
	if !errors.As(err, &pe) {
		return
	}
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.scanErr == nil {
		qs.scanErr = pe
	}
}

// classify is the package's classify for an error of this query, which is
// the error a scan ended it with when there is one: the statement's own
// cancellation or timeout still comes first.
func (qs *queryState) classify(ctx context.Context, err error, source clientText) error {
	if err == nil || ctx.Err() != nil {
		return classify(ctx, err, source)
	}
	qs.mu.Lock()
	scanErr := qs.scanErr
	qs.mu.Unlock()
	if scanErr != nil {
		return scanErr
	}
	return classify(ctx, err, source)
}

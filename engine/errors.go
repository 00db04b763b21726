package engine

import (
	"context"
	"errors"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// duckCodes maps DuckDB's typed error classes to SQLSTATEs.
var duckCodes = map[duckdb.ErrorType]pgerror.Code{
	duckdb.ErrorTypeParser:               pgerror.SyntaxError,
	duckdb.ErrorTypeSyntax:               pgerror.SyntaxError,
	duckdb.ErrorTypeCatalog:              pgerror.UndefinedFunction,
	duckdb.ErrorTypeBinder:               pgerror.UndefinedColumn,
	duckdb.ErrorTypePermission:           pgerror.InsufficientPrivilege,
	duckdb.ErrorTypeConversion:           pgerror.InvalidTextRepresentation,
	duckdb.ErrorTypeOutOfRange:           pgerror.NumericValueOutOfRange,
	duckdb.ErrorTypeDivideByZero:         pgerror.DivisionByZero,
	duckdb.ErrorTypeInterrupt:            pgerror.QueryCanceled,
	duckdb.ErrorTypeInvalidInput:         pgerror.InvalidParameterValue,
	duckdb.ErrorTypeNotImplemented:       pgerror.FeatureNotSupported,
	duckdb.ErrorTypeOutOfMemory:          pgerror.InsufficientResources,
	duckdb.ErrorTypeMismatchType:         pgerror.DatatypeMismatch,
	duckdb.ErrorTypeInvalidType:          pgerror.DatatypeMismatch,
	duckdb.ErrorTypeSettings:             pgerror.InsufficientPrivilege,
	duckdb.ErrorTypeMissingExtension:     pgerror.InsufficientPrivilege,
	duckdb.ErrorTypeAutoLoad:             pgerror.InsufficientPrivilege,
	duckdb.ErrorTypeIO:                   pgerror.InsufficientPrivilege,
	duckdb.ErrorTypeParameterNotResolved: pgerror.DatatypeMismatch,
}

// classify turns an engine error into a *pgerror.Error. A cancelled or
// timed-out context explains an interrupt better than DuckDB can.
func classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var pe *pgerror.Error
	if errors.As(err, &pe) {
		return err
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &pgerror.Error{Code: pgerror.QueryCanceled, Message: "canceling statement due to statement timeout", Err: err}
	case errors.Is(ctx.Err(), context.Canceled):
		return &pgerror.Error{Code: pgerror.QueryCanceled, Message: "canceling statement due to user request", Err: err}
	}
	var de *duckdb.Error
	if errors.As(err, &de) {
		code, ok := duckCodes[de.Type]
		if !ok {
			code = pgerror.InternalError
		}
		return &pgerror.Error{Code: code, Message: trimDuckPrefix(de.Msg), Err: err}
	}
	return &pgerror.Error{Code: pgerror.InternalError, Message: err.Error(), Err: err}
}

// trimDuckPrefix drops DuckDB's "Binder Error: " style class label, which
// the SQLSTATE already carries.
func trimDuckPrefix(msg string) string {
	if i := strings.Index(msg, " Error: "); i > 0 && i < 32 && !strings.ContainsAny(msg[:i], "\n:") {
		return msg[i+len(" Error: "):]
	}
	return msg
}

// failed records the first error a scan of the statement returned to the
// engine, which reports it to the client only as text: the statement's
// error is then that one, with its own SQLSTATE, message and hint
// (max_scan_items, DynamoDB's errors), not the engine's rewording.
func (qs *queryState) failed(err error) error {
	var pe *pgerror.Error
	if errors.As(err, &pe) {
		qs.mu.Lock()
		if qs.scanErr == nil {
			qs.scanErr = pe
		}
		qs.mu.Unlock()
	}
	return err
}

// classify is classify, preferring the error a scan of the statement
// recorded, unless the statement was cancelled (the scans then fail
// because of it).
func (qs *queryState) classify(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return classify(ctx, err)
	}
	qs.mu.Lock()
	scanErr := qs.scanErr
	qs.mu.Unlock()
	if scanErr != nil {
		return scanErr
	}
	return classify(ctx, err)
}

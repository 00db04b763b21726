package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/planner"
)

// postgresMacros are the shim functions behind PostgreSQL's semantics of
// everyday operators and functions where the engine's differ (the
// planner's postgres-names and checked-division transforms call them).
func postgresMacros() []macro {
	substr := "CASE WHEN p_len < 0 THEN error('SQLSTATE 22011: negative substring length not allowed') " +
		"WHEN p_start < 1 THEN substr(p_s::VARCHAR, 1, greatest(p_len + p_start - 1, 0)) ELSE substr(p_s::VARCHAR, p_start, p_len) END"
	return []macro{
		// PostgreSQL fails a zero divisor for every numeric type; the
		// engine would answer NULL.
		{"divide_checked", one("p_a, p_b", "CASE WHEN p_b = 0 THEN error('"+divisionByZero+"') ELSE p_a / p_b END")},
		{"modulo_checked", one("p_a, p_b", "CASE WHEN p_b = 0 THEN error('"+divisionByZero+"') ELSE p_a % p_b END")},
		// A start before 1 eats into the length; the engine counts it
		// from the end.
		{"substr", [][2]string{
			{"p_s, p_start", "CASE WHEN p_start < 1 THEN p_s::VARCHAR ELSE substr(p_s::VARCHAR, p_start) END"},
			{"p_s, p_start, p_len", substr},
		}},
	}
}

// Engine errors raised on PostgreSQL's behalf carry its SQLSTATE as
// "SQLSTATE xxxxx: message"; classify reads them back.
const divisionByZero = "SQLSTATE 22012: division by zero"

var errDivisionByZero = errors.New(divisionByZero)

// scalarFunc is a Go function the engine calls row by row.
type scalarFunc struct {
	config duckdb.ScalarFuncConfig
	fn     duckdb.RowExecutorFn
}

func (f *scalarFunc) Config() duckdb.ScalarFuncConfig { return f.config }
func (f *scalarFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: f.fn}
}

// registerPostgresFunctions registers the Go functions behind PostgreSQL
// semantics the engine has no SQL for.
func registerPostgresFunctions(ctx context.Context, conn *sql.Conn) error {
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		return err
	}
	functions := map[string]*scalarFunc{
		// Exact numeric division (numeric / numeric, avg of integers) at
		// the planner's scale.
		planner.NumericDivide: {
			config: duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{varchar, varchar}, ResultTypeInfo: varchar},
			fn: func(values []driver.Value) (any, error) {
				a, _ := values[0].(string)
				b, _ := values[1].(string)
				return numericDivide(a, b, planner.NumericScale)
			},
		},
	}
	for name, f := range functions {
		if err := duckdb.RegisterScalarUDF(conn, name, f); err != nil {
			return fmt.Errorf("registering %s: %w", name, err)
		}
	}
	return nil
}

package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// TestClassifyInPostgresWords checks the rewording of engine errors: the
// SQLSTATE and words PostgreSQL uses, a position in the client's SQL and
// nothing of the rewritten query.
func TestClassifyInPostgresWords(t *testing.T) {
	client := clientText{
		sql:        "SELECT nmae FROM users WHERE x = 'abc'::int",
		signatures: map[string]string{"nosuch": "nosuch(integer)"},
		tables:     map[string]string{"name": "users"},
	}
	tests := []struct {
		typ      duckdb.ErrorType
		msg      string
		code     pgerror.Code
		want     string
		position int
	}{
		{duckdb.ErrorTypeBinder, "Binder Error: Referenced column \"nmae\" not found in FROM clause!\nCandidate bindings: \"name\"\n\n" +
			"LINE 1: SELECT nmae FROM pgdynamo_scan('public.users', 'q1/1/r1') users\n               ^",
			pgerror.UndefinedColumn, `column "nmae" does not exist`, 8},
		{duckdb.ErrorTypeConversion, "Conversion Error: Could not convert string 'abc' to INT32\n\nLINE 1: ...",
			pgerror.InvalidTextRepresentation, `invalid input syntax for type integer: "abc"`, 34},
		{duckdb.ErrorTypeCatalog, "Catalog Error: Scalar Function with name nosuch does not exist!\nDid you mean \"cosh\"?",
			pgerror.UndefinedFunction, "function nosuch(integer) does not exist", 0},
		{duckdb.ErrorTypeOutOfRange, "Out of Range Error: Overflow in addition of INT32 (2147483647 + 1)!",
			pgerror.NumericValueOutOfRange, "integer out of range", 0},
		{duckdb.ErrorTypeInvalidInput, "Invalid Input Error: " + divisionByZero, pgerror.DivisionByZero, "division by zero", 0},
		{duckdb.ErrorTypeBinder, "Binder Error: column \"name\" must appear in the GROUP BY clause or must be part of an aggregate function.",
			pgerror.GroupingError, `column "users.name" must appear in the GROUP BY clause or be used in an aggregate function`, 0},
		{duckdb.ErrorTypeBinder, "Binder Error: something about pgdynamo_scan('public.users', 'q1/1/r1') and pgdynamo_catalog.pg_class",
			pgerror.UndefinedColumn, "something about public.users and pg_class", 0},
	}
	for _, tc := range tests {
		err := classify(context.Background(), &duckdb.Error{Type: tc.typ, Msg: tc.msg}, client)
		var pe *pgerror.Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s: %v", tc.msg, err)
		}
		if pe.Code != tc.code || pe.Message != tc.want || tc.position != 0 && pe.Position != tc.position {
			t.Errorf("%q\n got %s %q at %d\nwant %s %q at %d", tc.msg, pe.Code, pe.Message, pe.Position, tc.code, tc.want, tc.position)
		}
		if strings.Contains(pe.Message, "pgdynamo_") || strings.Contains(pe.Message, "LINE") {
			t.Errorf("%q leaks the rewritten query: %q", tc.msg, pe.Message)
		}
	}
}

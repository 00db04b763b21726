// Package pgerror owns pgdynamo's single error type: an error carrying a
// PostgreSQL SQLSTATE code, with the optional Detail, Hint and Position that
// an ErrorResponse can carry.
//
// Lower layers (planner, engine, catalog, scan) wrap their failures in an
// *Error with a candidate code; the wire package flattens the chain exactly
// once, when it writes the ErrorResponse. Codes are a named type whose values
// are taken from PostgreSQL's errcodes.txt, never free strings.
//
// This package is a leaf: it imports only the standard library.
package pgerror

package engine

import (
	"fmt"
	"reflect"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// duckdb-go v2 runs every query to a materialised result, so a large result
// would sit in memory until the client has read it all. It keeps the C
// handles that DuckDB's streaming API needs private, so we read two of them
// here. The field names and types are checked on every call (and by a test)
// so a duckdb-go upgrade that changes them fails loudly instead of
// misbehaving.

// rawConnection returns the DuckDB C connection behind a duckdb-go connection.
func rawConnection(c *duckdb.Conn) (mapping.Connection, error) {
	f := reflect.ValueOf(c).Elem().FieldByName("conn")
	if !f.IsValid() || f.Type() != reflect.TypeOf(mapping.Connection{}) {
		return mapping.Connection{}, fmt.Errorf("duckdb-go's Conn no longer has a mapping.Connection field named conn")
	}
	return *(*mapping.Connection)(unsafe.Pointer(f.UnsafeAddr())), nil
}

// rawStatement returns the DuckDB C prepared statement behind a duckdb-go
// statement.
func rawStatement(s *duckdb.Stmt) (mapping.PreparedStatement, error) {
	f := reflect.ValueOf(s).Elem().FieldByName("preparedStmt")
	if !f.IsValid() || f.Type() != reflect.TypeOf(&mapping.PreparedStatement{}) {
		return mapping.PreparedStatement{}, fmt.Errorf("duckdb-go's Stmt no longer has a *mapping.PreparedStatement field named preparedStmt")
	}
	p := *(**mapping.PreparedStatement)(unsafe.Pointer(f.UnsafeAddr()))
	if p == nil {
		return mapping.PreparedStatement{}, fmt.Errorf("statement is closed")
	}
	return *p, nil
}

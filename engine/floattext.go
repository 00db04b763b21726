package engine

/*
#include <stdint.h>
#include <stdbool.h>

// The part of DuckDB's C API (duckdb.h, 1.1 and later) that registers a
// cast function; duckdb-go does not wrap it. The symbols come from the
// DuckDB library duckdb-go links.
typedef uint64_t idx_t;
typedef struct _duckdb_connection { void *internal_ptr; } *duckdb_connection;
typedef struct _duckdb_logical_type { void *internal_ptr; } *duckdb_logical_type;
typedef struct _duckdb_cast_function { void *internal_ptr; } *duckdb_cast_function;
typedef struct _duckdb_function_info { void *internal_ptr; } *duckdb_function_info;
typedef struct _duckdb_vector { void *internal_ptr; } *duckdb_vector;
typedef bool (*duckdb_cast_function_t)(duckdb_function_info info, idx_t count, duckdb_vector input, duckdb_vector output);
duckdb_cast_function duckdb_create_cast_function(void);
void duckdb_cast_function_set_source_type(duckdb_cast_function cast_function, duckdb_logical_type source_type);
void duckdb_cast_function_set_target_type(duckdb_cast_function cast_function, duckdb_logical_type target_type);
void duckdb_cast_function_set_implicit_cast_cost(duckdb_cast_function cast_function, int64_t cost);
void duckdb_cast_function_set_function(duckdb_cast_function cast_function, duckdb_cast_function_t function);
int duckdb_register_cast_function(duckdb_connection con, duckdb_cast_function cast_function);
void duckdb_destroy_cast_function(duckdb_cast_function *cast_function);

bool pgdynamoFloat8Text(duckdb_function_info info, idx_t count, duckdb_vector input, duckdb_vector output);
bool pgdynamoFloat4Text(duckdb_function_info info, idx_t count, duckdb_vector input, duckdb_vector output);

static int pgdynamo_register_cast(void *conn, void *source, void *target, duckdb_cast_function_t fn) {
	duckdb_cast_function f = duckdb_create_cast_function();
	duckdb_cast_function_set_source_type(f, (duckdb_logical_type)source);
	duckdb_cast_function_set_target_type(f, (duckdb_logical_type)target);
	// -1: not an implicit cast; function overloads resolve as before.
	duckdb_cast_function_set_implicit_cast_cost(f, -1);
	duckdb_cast_function_set_function(f, fn);
	int state = duckdb_register_cast_function((duckdb_connection)conn, f);
	duckdb_destroy_cast_function(&f);
	return state;
}
*/
import "C"

import (
	"context"
	"database/sql"
	"fmt"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"

	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// registerFloatText replaces the engine's casts of DOUBLE and FLOAT to
// VARCHAR with PostgreSQL's float8out and float4out (shortest round-trip
// digits, 7123 not 7123.0, 1e+15 not 1000000000000000.0, Infinity, NaN).
// A cast function the database registers takes precedence over DuckDB's
// built-in one wherever DuckDB casts: `::text`, `||`, concat(),
// string_agg(), lists cast to text. The registration is the database's,
// not the connection's.
func registerFloatText(ctx context.Context, conn *sql.Conn) error {
	return conn.Raw(func(dc any) error {
		dconn, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		raw, err := rawConnection(dconn)
		if err != nil {
			return err
		}
		target := mapping.CreateLogicalType(mapping.TypeVarchar)
		defer mapping.DestroyLogicalType(&target)
		for _, c := range []struct {
			source mapping.Type
			fn     C.duckdb_cast_function_t
		}{
			{mapping.TypeDouble, C.duckdb_cast_function_t(C.pgdynamoFloat8Text)},
			{mapping.TypeFloat, C.duckdb_cast_function_t(C.pgdynamoFloat4Text)},
		} {
			source := mapping.CreateLogicalType(c.source)
			state := C.pgdynamo_register_cast(raw.Ptr, source.Ptr, target.Ptr, c.fn)
			mapping.DestroyLogicalType(&source)
			if state != 0 {
				return fmt.Errorf("registering the float-to-text cast failed")
			}
		}
		return nil
	})
}

//export pgdynamoFloat8Text
func pgdynamoFloat8Text(_ C.duckdb_function_info, count C.idx_t, input, output C.duckdb_vector) C.bool {
	in := mapping.Vector{Ptr: unsafe.Pointer(input)}
	values := unsafe.Slice((*float64)(mapping.VectorGetData(in)), int(count))
	floatText(in, mapping.Vector{Ptr: unsafe.Pointer(output)}, int(count), func(i int) float64 { return values[i] }, 64)
	return true
}

//export pgdynamoFloat4Text
func pgdynamoFloat4Text(_ C.duckdb_function_info, count C.idx_t, input, output C.duckdb_vector) C.bool {
	in := mapping.Vector{Ptr: unsafe.Pointer(input)}
	values := unsafe.Slice((*float32)(mapping.VectorGetData(in)), int(count))
	floatText(in, mapping.Vector{Ptr: unsafe.Pointer(output)}, int(count), func(i int) float64 { return float64(values[i]) }, 32)
	return true
}

// floatText writes each value of in as text into out; NULLs stay NULL.
func floatText(in, out mapping.Vector, count int, value func(int) float64, bitSize int) {
	validity := mapping.VectorGetValidity(in)
	var buf []byte
	for i := 0; i < count; i++ {
		row := mapping.IdxT(i)
		if validity != nil && !mapping.ValidityRowIsValid(validity, row) {
			flatNull(out, i)
			continue
		}
		buf = pgtypes.AppendFloatText(buf[:0], value(i), bitSize)
		mapping.VectorAssignStringElementLen(out, row, buf)
	}
}

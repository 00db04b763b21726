package engine

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strconv"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
	"github.com/pgdynamo/pgdynamo/planner"
	"github.com/pgdynamo/pgdynamo/wire"
)

// prepared is a statement parsed for the extended protocol.
type prepared struct {
	session   *Session
	sql       string             // the client's text: its plan cache key
	plan      *planner.Statement // nil for an empty query
	paramOIDs []uint32
	schema    *arrow.Schema
	cached    *cachedPlan
}

func (p *prepared) ParamOIDs() []uint32   { return p.paramOIDs }
func (p *prepared) Schema() *arrow.Schema { return p.schema }

// Bind returns an executable statement: the plan made at Prepare, kept
// with its DuckDB statement in the session's plan cache, while it holds
// (planCache); else the text planned again. Several portals of one
// statement share the plan: each run registers its own state under the
// plan's ID, and the session reads a suspended portal to its end before
// another run starts.
func (p *prepared) Bind(_ context.Context, params []any) (wire.Statement, error) {
	if p.plan == nil {
		return nil, nil
	}
	s := p.session
	if !runsQuery(p.plan.Kind) {
		return &statement{session: s, plan: *p.plan, generation: s.settings.generation}, nil
	}
	planned, err := s.plan(p.sql, false)
	if err != nil {
		return nil, err
	}
	if len(planned.plans) != 1 {
		return nil, pgerror.New(pgerror.InternalError, "prepared statement planned as %d statements", len(planned.plans))
	}
	return &statement{session: s, plan: planned.plans[0], args: params, described: p.schema, generation: s.settings.generation, cached: planned}, nil
}

// runsQuery says whether a statement's rows come from a query the engine
// runs: a query, or the query of DECLARE or COPY.
func runsQuery(k planner.Kind) bool {
	return k == planner.Query || k == planner.DeclareCursor || k == planner.Copy
}

func (s *Session) newQueryID() string {
	return "q" + strconv.FormatUint(s.engine.nextQuery.Add(1), 10)
}

// Prepare implements wire.Session.
func (s *Session) Prepare(ctx context.Context, sql string, paramOIDs []uint32) (wire.Prepared, error) {
	planned, err := s.plan(sql, false)
	if err != nil {
		return nil, err
	}
	switch len(planned.plans) {
	case 0:
		return &prepared{session: s}, nil
	case 1:
	default:
		return nil, pgerror.New(pgerror.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	p := &prepared{session: s, sql: sql, plan: &planned.plans[0], cached: planned}
	if p.plan.Kind == planner.DeclareCursor || p.plan.Kind == planner.Copy {
		// Parameters of the cursor's (or COPY's) query are typed as in a
		// query; DECLARE and COPY themselves return no rows.
		if err := s.describeQuery(ctx, p, paramOIDs); err != nil {
			return nil, classify(ctx, err, textOf(*p.plan))
		}
		p.schema = nil
		return p, nil
	}
	if p.plan.Kind != planner.Query {
		if len(paramOIDs) > 0 {
			return nil, pgerror.New(pgerror.FeatureNotSupported, "%s does not take parameters", p.plan.Tag)
		}
		switch p.plan.Kind {
		case planner.Show:
			p.schema = arrow.NewSchema([]arrow.Field{{Name: showColumn(p.plan.Name), Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
		case planner.Explain:
			p.schema = arrow.NewSchema([]arrow.Field{{Name: "QUERY PLAN", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
		}
		return p, nil
	}
	if err := s.describeQuery(ctx, p, paramOIDs); err != nil {
		return nil, classify(ctx, err, textOf(*p.plan))
	}
	return p, nil
}

// describeQuery prepares the query in DuckDB to learn its result columns
// and parameter types. The DuckDB statement stays in the plan cache for the
// executions (unless the plan is not kept).
func (s *Session) describeQuery(ctx context.Context, p *prepared, declared []uint32) error {
	s.settleActive()
	qs := newQueryState(ctx, *p.plan, nil)
	s.engine.running.Store(p.plan.ID, qs)
	defer s.engine.running.CompareAndDelete(p.plan.ID, qs)
	return s.conn.Raw(func(dc any) error {
		conn, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		d, err := s.duckStatement(ctx, conn, *p.plan, p.cached, 0)
		if err != nil {
			return err
		}
		d.inUse = true
		defer d.release()
		stmt := d.stmt
		p.schema = d.schema
		if p.schema.NumFields() == 0 {
			p.schema = nil
		}
		n := stmt.NumInput()
		if len(declared) > n {
			return pgerror.New(pgerror.ProtocolViolation, "%d parameter types declared for %d parameters", len(declared), n)
		}
		p.paramOIDs = make([]uint32, n)
		for i := 0; i < n; i++ {
			if i < len(declared) && declared[i] != 0 {
				p.paramOIDs[i] = declared[i]
				continue
			}
			// A parameter written as a cast has that type, as in
			// PostgreSQL; otherwise take what the engine inferred.
			if oid, ok := oidByTypeName(p.plan.ParamTypes[i+1]); ok {
				p.paramOIDs[i] = oid
				continue
			}
			t, err := stmt.ParamType(i + 1)
			if err != nil {
				return err
			}
			p.paramOIDs[i] = paramOID(t)
			if t == duckdb.TYPE_LIST {
				p.paramOIDs[i] = listParamOID(stmt, i+1)
			}
		}
		return nil
	})
}

// paramOID is the PostgreSQL type a client should send for a parameter
// DuckDB inferred as t; anything without a natural match is text, which the
// engine casts.
func paramOID(t duckdb.Type) uint32 {
	switch t {
	case duckdb.TYPE_BOOLEAN:
		return pgtypes.BoolOID
	case duckdb.TYPE_TINYINT, duckdb.TYPE_SMALLINT:
		return pgtypes.Int2OID
	case duckdb.TYPE_INTEGER, duckdb.TYPE_UTINYINT, duckdb.TYPE_USMALLINT:
		return pgtypes.Int4OID
	case duckdb.TYPE_BIGINT, duckdb.TYPE_UINTEGER:
		return pgtypes.Int8OID
	case duckdb.TYPE_FLOAT:
		return pgtypes.Float4OID
	case duckdb.TYPE_DOUBLE:
		return pgtypes.Float8OID
	case duckdb.TYPE_DECIMAL, duckdb.TYPE_HUGEINT, duckdb.TYPE_UBIGINT:
		return pgtypes.NumericOID
	case duckdb.TYPE_BLOB:
		return pgtypes.ByteaOID
	case duckdb.TYPE_DATE:
		return pgtypes.DateOID
	case duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP_S, duckdb.TYPE_TIMESTAMP_MS, duckdb.TYPE_TIMESTAMP_NS:
		return pgtypes.TimestampOID
	case duckdb.TYPE_TIMESTAMP_TZ:
		return pgtypes.TimestamptzOID
	case duckdb.TYPE_TIME:
		return pgtypes.TimeOID
	case duckdb.TYPE_INTERVAL:
		return pgtypes.IntervalOID
	case duckdb.TYPE_UUID:
		return pgtypes.UUIDOID
	}
	return pgtypes.TextOID
}

var typesByName = sync.OnceValue(func() map[string]uint32 {
	m := map[string]uint32{}
	for _, t := range pgtypes.All() {
		m[t.Name] = t.OID
	}
	return m
})

// oidByTypeName finds a type pgtypes knows by its pg_type name.
func oidByTypeName(name string) (uint32, bool) {
	oid, ok := typesByName()[name]
	return oid, ok
}

// listParamOID is the array type of a list parameter (id = ANY($1)), so
// clients send a typed array; text[] when the element type has no array.
func listParamOID(stmt *duckdb.Stmt, n int) uint32 {
	handle, err := rawStatement(stmt)
	if err != nil {
		return pgtypes.TextArrayOID
	}
	lt := mapping.ParamLogicalType(handle, mapping.IdxT(n))
	defer mapping.DestroyLogicalType(&lt)
	child := mapping.ListTypeChildType(lt)
	defer mapping.DestroyLogicalType(&child)
	if arr, ok := pgtypes.ArrayTypeOf(paramOID(duckdb.Type(mapping.GetTypeId(child)))); ok {
		return arr.OID
	}
	return pgtypes.TextArrayOID
}

// namedArgs turns decoded parameters into driver arguments.
func namedArgs(params []any) []driver.NamedValue {
	out := make([]driver.NamedValue, len(params))
	for i, v := range params {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

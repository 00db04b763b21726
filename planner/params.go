package planner

import (
	pg "github.com/pganalyze/pg_query_go/v5"
)

// paramCastTypes records, for each $n written as a cast ($1::date,
// CAST($2 AS int8)), the type it is cast to. PostgreSQL types such a
// parameter by its cast, and clients that send untyped text rely on that:
// "0044-03-15 BC" must be read as a date, not as text the engine casts
// later with its own rules.
func paramCastTypes(rw *rewrite, stmt *pg.RawStmt) error {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		tc, ok := n.Node.(*pg.Node_TypeCast)
		if !ok || tc.TypeCast.TypeName == nil || len(tc.TypeCast.TypeName.ArrayBounds) > 0 {
			return true
		}
		p, ok := tc.TypeCast.Arg.GetNode().(*pg.Node_ParamRef)
		if !ok {
			return true
		}
		name := lastString(tc.TypeCast.TypeName.Names)
		if name == "" {
			return true
		}
		if rw.paramTypes == nil {
			rw.paramTypes = map[int]string{}
		}
		if _, seen := rw.paramTypes[int(p.ParamRef.Number)]; !seen {
			rw.paramTypes[int(p.ParamRef.Number)] = name
		}
		return true
	})
	return nil
}

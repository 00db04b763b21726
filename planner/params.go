package planner

import (
	pg "github.com/pganalyze/pg_query_go/v5"

	"github.com/pgdynamo/pgdynamo/pgtypes"
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

// anyArrayParams types the array parameter of col = ANY($n) (and ALL) by
// the column, as PostgreSQL infers it: the engine cannot infer a type there,
// and a client binding a list (pgx's []int64) needs one to encode it. The
// parameter becomes $n::<column type>[] and is recorded as that array type.
func anyArrayParams(rw *rewrite, stmt *pg.RawStmt) error {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		e, ok := n.Node.(*pg.Node_AExpr)
		if !ok || (e.AExpr.Kind != pg.A_Expr_Kind_AEXPR_OP_ANY && e.AExpr.Kind != pg.A_Expr_Kind_AEXPR_OP_ALL) {
			return true
		}
		// $n, or the '{...}' literal a client's simple protocol puts there.
		p, isParam := e.AExpr.Rexpr.GetNode().(*pg.Node_ParamRef)
		if !isParam && !isStringConst(e.AExpr.Rexpr) {
			return true
		}
		col, ok := e.AExpr.Lexpr.GetNode().(*pg.Node_ColumnRef)
		if !ok {
			return true
		}
		elem := rw.columnTypeName(lastString(col.ColumnRef.Fields))
		if elem == "" {
			return true
		}
		e.AExpr.Rexpr = &pg.Node{Node: &pg.Node_TypeCast{TypeCast: &pg.TypeCast{
			Arg: e.AExpr.Rexpr,
			TypeName: &pg.TypeName{
				Names:       []*pg.Node{pg.MakeStrNode(elem)},
				ArrayBounds: []*pg.Node{pg.MakeIntNode(-1)},
				Typemod:     -1,
				Location:    -1,
			},
			Location: -1,
		}}}
		if isParam {
			if rw.paramTypes == nil {
				rw.paramTypes = map[int]string{}
			}
			rw.paramTypes[int(p.ParamRef.Number)] = "_" + elem
		}
		return false
	})
	return nil
}

// columnTypeName is the PostgreSQL scalar type name of a column of the
// statement's datasets, "" when no dataset has it or it is not a scalar.
func (rw *rewrite) columnTypeName(name string) string {
	for _, s := range rw.scans {
		c, ok := s.Dataset.Columns.Column(name)
		if !ok {
			continue
		}
		t, err := pgtypes.ForArrow(c.Field.Type)
		if err != nil || t.IsArray() || t.OID == pgtypes.JSONOID {
			return ""
		}
		return t.Name
	}
	return ""
}

func isStringConst(n *pg.Node) bool {
	c, ok := n.GetNode().(*pg.Node_AConst)
	if !ok {
		return false
	}
	_, ok = c.AConst.Val.(*pg.A_Const_Sval)
	return ok
}

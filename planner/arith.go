package planner

import (
	"strconv"

	pg "github.com/pganalyze/pg_query_go/v5"
)

// checkedOperators are the operators PostgreSQL fails on a zero divisor
// (22012) where the engine answers NULL, and the shim macro that checks.
var checkedOperators = map[string]string{"/": "divide_checked", "%": "modulo_checked"}

// checkedDivision rewrites a / b and a % b to shim macros that raise
// "division by zero" for a zero b, as PostgreSQL does for every numeric
// type (1/0, 5 % 0, 1::float8/0, amount/0): the engine alone would return
// NULL, a silently wrong answer.
func checkedDivision(_ *rewrite, stmt *pg.RawStmt) error {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		e, ok := n.Node.(*pg.Node_AExpr)
		if !ok || e.AExpr.Kind != pg.A_Expr_Kind_AEXPR_OP || e.AExpr.Lexpr == nil || len(e.AExpr.Name) != 1 {
			// OPERATOR(pg_catalog./) lost its schema in catalog-operators.
			return true
		}
		macro, ok := checkedOperators[lastString(e.AExpr.Name)]
		if !ok || nonZeroConstant(e.AExpr.Rexpr) {
			return true
		}
		n.Node = &pg.Node_FuncCall{FuncCall: &pg.FuncCall{
			Funcname: strNodes(ShimSchema, macro),
			Args:     []*pg.Node{e.AExpr.Lexpr, e.AExpr.Rexpr},
			Location: e.AExpr.Location,
		}}
		return true
	})
	return nil
}

// nonZeroConstant reports whether n is a number constant other than zero,
// a divisor that needs no check.
func nonZeroConstant(n *pg.Node) bool {
	c, ok := n.GetNode().(*pg.Node_AConst)
	if !ok {
		return false
	}
	switch v := c.AConst.Val.(type) {
	case *pg.A_Const_Ival:
		return v.Ival.Ival != 0
	case *pg.A_Const_Fval:
		f, err := strconv.ParseFloat(v.Fval.Fval, 64)
		return err == nil && f != 0
	}
	return false
}

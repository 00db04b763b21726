package planner

import (
	pg "github.com/pganalyze/pg_query_go/v5"
)

// postgresColumnNames names every unnamed output column of the top-level
// SELECT the way PostgreSQL's FigureColname does (count(*) → "count",
// 1::bool → "bool", 7/2 → "?column?"). DuckDB would name them after the
// expression text, which clients (Grafana's "time" column, ORMs mapping by
// name) would not recognise.
func postgresColumnNames(_ *rewrite, stmt *pg.RawStmt) error {
	sel, ok := stmt.Stmt.Node.(*pg.Node_SelectStmt)
	if !ok {
		return nil
	}
	s := sel.SelectStmt
	// A set operation takes its column names from its leftmost arm.
	for s.Op != pg.SetOperation_SETOP_NONE && s.Larg != nil {
		s = s.Larg
	}
	for _, t := range s.TargetList {
		rt, ok := t.Node.(*pg.Node_ResTarget)
		if !ok || rt.ResTarget.Name != "" || isStar(rt.ResTarget.Val) {
			continue
		}
		if _, plain := rt.ResTarget.Val.GetNode().(*pg.Node_ColumnRef); plain {
			// The engine names a bare column reference as PostgreSQL does.
			continue
		}
		name, _ := figureColname(rt.ResTarget.Val)
		if name == "" {
			name = "?column?"
		}
		rt.ResTarget.Name = name
	}
	return nil
}

func isStar(n *pg.Node) bool {
	cr, ok := n.GetNode().(*pg.Node_ColumnRef)
	if !ok || len(cr.ColumnRef.Fields) == 0 {
		return false
	}
	_, star := cr.ColumnRef.Fields[len(cr.ColumnRef.Fields)-1].Node.(*pg.Node_AStar)
	return star
}

func lastString(nodes []*pg.Node) string {
	for i := len(nodes) - 1; i >= 0; i-- {
		if s, ok := nodes[i].Node.(*pg.Node_String_); ok {
			return s.String_.Sval
		}
		return ""
	}
	return ""
}

// figureColname mirrors PostgreSQL's FigureColnameInternal: it returns a
// name and its strength (2 = a real name, 1 = a fallback such as a type
// name, 0 = none).
func figureColname(n *pg.Node) (string, int) {
	if n == nil {
		return "", 0
	}
	switch v := n.Node.(type) {
	case *pg.Node_ColumnRef:
		if name := lastString(v.ColumnRef.Fields); name != "" {
			return name, 2
		}
	case *pg.Node_AIndirection:
		if name := lastString(v.AIndirection.Indirection); name != "" {
			return name, 2
		}
		return figureColname(v.AIndirection.Arg)
	case *pg.Node_FuncCall:
		return lastString(v.FuncCall.Funcname), 2
	case *pg.Node_AExpr:
		if v.AExpr.Kind == pg.A_Expr_Kind_AEXPR_NULLIF {
			return "nullif", 2
		}
	case *pg.Node_TypeCast:
		name, strength := figureColname(v.TypeCast.Arg)
		if strength <= 1 && v.TypeCast.TypeName != nil {
			if t := lastString(v.TypeCast.TypeName.Names); t != "" {
				return t, 1
			}
		}
		return name, strength
	case *pg.Node_CollateClause:
		return figureColname(v.CollateClause.Arg)
	case *pg.Node_GroupingFunc:
		return "grouping", 2
	case *pg.Node_SubLink:
		switch v.SubLink.SubLinkType {
		case pg.SubLinkType_EXISTS_SUBLINK:
			return "exists", 2
		case pg.SubLinkType_ARRAY_SUBLINK:
			return "array", 2
		case pg.SubLinkType_EXPR_SUBLINK:
			if sub, ok := v.SubLink.Subselect.GetNode().(*pg.Node_SelectStmt); ok && len(sub.SelectStmt.TargetList) == 1 {
				if rt, ok := sub.SelectStmt.TargetList[0].Node.(*pg.Node_ResTarget); ok && rt.ResTarget.Name != "" {
					return rt.ResTarget.Name, 2
				}
			}
		}
	case *pg.Node_CaseExpr:
		name, strength := figureColname(v.CaseExpr.Defresult)
		if strength <= 1 {
			return "case", 1
		}
		return name, strength
	case *pg.Node_AArrayExpr:
		return "array", 2
	case *pg.Node_RowExpr:
		return "row", 2
	case *pg.Node_CoalesceExpr:
		return "coalesce", 2
	case *pg.Node_MinMaxExpr:
		if v.MinMaxExpr.Op == pg.MinMaxOp_IS_GREATEST {
			return "greatest", 2
		}
		return "least", 2
	case *pg.Node_SqlvalueFunction:
		return sqlValueFunctionNames[v.SqlvalueFunction.Op], 2
	}
	return "", 0
}

var sqlValueFunctionNames = map[pg.SQLValueFunctionOp]string{
	pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE:        "current_date",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIME:        "current_time",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N:      "current_time",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP:   "current_timestamp",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N: "current_timestamp",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIME:           "localtime",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIME_N:         "localtime",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP:      "localtimestamp",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:    "localtimestamp",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:        "current_role",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_USER:        "current_user",
	pg.SQLValueFunctionOp_SVFOP_USER:                "user",
	pg.SQLValueFunctionOp_SVFOP_SESSION_USER:        "session_user",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:     "current_catalog",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:      "current_schema",
}

package planner

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	pg "github.com/pganalyze/pg_query_go/v5"
)

// keyPushdown finds, for each dataset reference, a WHERE conjunct of its own
// SELECT that fixes the partition key to known values ("id = 42",
// "u.id = $1", "id IN (1, 2)", "id = 1 OR id = 2", "id = ANY($1)"), so the
// read becomes DynamoDB Queries of those partitions instead of a Scan of the
// table. The WHERE stays in the query: the engine still applies all of it,
// so the pushdown can only cut reads, never change results.
//
// Only top-level AND conjuncts count (any other OR or a NOT could admit rows
// of other partitions), and only references listed directly in that
// SELECT's FROM (not inside a JOIN, whose outer side may keep rows the WHERE
// does not see the same way); an unqualified column is trusted only when
// that FROM has one item.
func keyPushdown(rw *rewrite, stmt *pg.RawStmt) error {
	byID := make(map[string]*ScanRef, len(rw.scans))
	for i := range rw.scans {
		byID[rw.scans[i].ID] = &rw.scans[i]
	}
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		sel, ok := n.Node.(*pg.Node_SelectStmt)
		if !ok || sel.SelectStmt.WhereClause == nil {
			return true
		}
		refs := map[string]*ScanRef{} // alias → reference
		for _, item := range sel.SelectStmt.FromClause {
			if alias, ref := scanOf(item, byID); ref != nil {
				refs[alias] = ref
			}
		}
		if len(refs) == 0 {
			return true
		}
		single := len(sel.SelectStmt.FromClause) == 1
		sortFixed := map[*ScanRef]bool{}
		for _, c := range conjuncts(sel.SelectStmt.WhereClause) {
			alias, col, values, list, ok := keyPredicate(c)
			if !ok {
				continue
			}
			var ref *ScanRef
			if alias == "" {
				if !single {
					continue
				}
				for _, r := range refs {
					ref = r
				}
			} else {
				ref = refs[alias]
			}
			if ref == nil {
				continue
			}
			if sk := ref.Dataset.SortKey; sk != nil && sk.Name == col && len(values) == 1 && !list {
				sortFixed[ref] = true
				continue
			}
			if ref.Key != nil || ref.Dataset.PartitionKey.Name != col || !keyReadAsStored(ref, col) {
				continue
			}
			if key, ok := keyValues(ref.Dataset.PartitionKey.Type, col, values, list); ok {
				ref.Key = key
			}
		}
		for _, ref := range refs {
			ref.FullKey = ref.Key != nil && (ref.Dataset.SortKey == nil || sortFixed[ref])
		}
		return true
	})
	return nil
}

// keyReadAsStored reports whether SQL equality on the key column means
// DynamoDB equality on the stored value: text compared as text, numbers as
// numbers. A string key read as a date or timestamp is not: '2024-01-01
// 00:00:00+00' equals a timestamp stored as "2024-01-01T00:00:00Z" in SQL,
// but not in a key condition.
func keyReadAsStored(ref *ScanRef, col string) bool {
	c, ok := ref.Dataset.Columns.Column(col)
	if !ok {
		return false
	}
	switch c.Field.Type.ID() {
	case arrow.STRING:
		return ref.Dataset.PartitionKey.Type == types.ScalarAttributeTypeS
	case arrow.INT64, arrow.FLOAT64:
		return ref.Dataset.PartitionKey.Type == types.ScalarAttributeTypeN
	}
	return false
}

// scanOf returns the alias and reference of a FROM item that is a dataset
// scan.
func scanOf(item *pg.Node, byID map[string]*ScanRef) (string, *ScanRef) {
	rf, ok := item.Node.(*pg.Node_RangeFunction)
	if !ok || rf.RangeFunction.Alias == nil || len(rf.RangeFunction.Functions) != 1 {
		return "", nil
	}
	list, ok := rf.RangeFunction.Functions[0].Node.(*pg.Node_List)
	if !ok || len(list.List.Items) == 0 {
		return "", nil
	}
	call, ok := list.List.Items[0].Node.(*pg.Node_FuncCall)
	if !ok || funcName(call.FuncCall.Funcname) != ScanFunction || len(call.FuncCall.Args) != 2 {
		return "", nil
	}
	id, ok := stringConst(call.FuncCall.Args[1])
	if !ok {
		return "", nil
	}
	return rf.RangeFunction.Alias.Aliasname, byID[id]
}

func stringConst(n *pg.Node) (string, bool) {
	c, ok := n.GetNode().(*pg.Node_AConst)
	if !ok {
		return "", false
	}
	sv, ok := c.AConst.Val.(*pg.A_Const_Sval)
	if !ok {
		return "", false
	}
	return sv.Sval.Sval, true
}

// conjuncts flattens a top-level AND.
func conjuncts(n *pg.Node) []*pg.Node {
	if b, ok := n.Node.(*pg.Node_BoolExpr); ok && b.BoolExpr.Boolop == pg.BoolExprType_AND_EXPR {
		var out []*pg.Node
		for _, a := range b.BoolExpr.Args {
			out = append(out, conjuncts(a)...)
		}
		return out
	}
	return []*pg.Node{n}
}

// columnEquals matches "[alias.]col = value" in either order.
func columnEquals(n *pg.Node) (alias, col string, value *pg.Node, ok bool) {
	e, isExpr := n.Node.(*pg.Node_AExpr)
	if !isExpr || e.AExpr.Kind != pg.A_Expr_Kind_AEXPR_OP || lastString(e.AExpr.Name) != "=" || len(e.AExpr.Name) != 1 {
		return "", "", nil, false
	}
	for _, side := range [][2]*pg.Node{{e.AExpr.Lexpr, e.AExpr.Rexpr}, {e.AExpr.Rexpr, e.AExpr.Lexpr}} {
		if a, c, isCol := columnName(side[0]); isCol {
			return a, c, side[1], true
		}
	}
	return "", "", nil, false
}

// keyPredicate matches the conjuncts a Query can answer: "[alias.]col =
// v", "col IN (v, ...)", "col = ANY($n)" (list is then true) and an OR of
// equalities on one column.
func keyPredicate(n *pg.Node) (alias, col string, values []*pg.Node, list, ok bool) {
	if b, isBool := n.Node.(*pg.Node_BoolExpr); isBool && b.BoolExpr.Boolop == pg.BoolExprType_OR_EXPR {
		for i, arg := range b.BoolExpr.Args {
			a, c, v, isEq := columnEquals(arg)
			if !isEq || (i > 0 && (a != alias || c != col)) {
				return "", "", nil, false, false
			}
			alias, col = a, c
			values = append(values, v)
		}
		return alias, col, values, false, len(values) > 0
	}
	e, isExpr := n.Node.(*pg.Node_AExpr)
	if isExpr && lastString(e.AExpr.Name) == "=" && len(e.AExpr.Name) == 1 {
		switch e.AExpr.Kind {
		case pg.A_Expr_Kind_AEXPR_IN:
			l, isList := e.AExpr.Rexpr.GetNode().(*pg.Node_List)
			a, c, isCol := columnName(e.AExpr.Lexpr)
			if isList && isCol {
				return a, c, l.List.Items, false, len(l.List.Items) > 0
			}
			return "", "", nil, false, false
		case pg.A_Expr_Kind_AEXPR_OP_ANY:
			_, isParam := e.AExpr.Rexpr.GetNode().(*pg.Node_ParamRef)
			a, c, isCol := columnName(e.AExpr.Lexpr)
			if isParam && isCol {
				return a, c, []*pg.Node{e.AExpr.Rexpr}, true, true
			}
			return "", "", nil, false, false
		}
	}
	a, c, v, isEq := columnEquals(n)
	if !isEq {
		return "", "", nil, false, false
	}
	return a, c, []*pg.Node{v}, false, true
}

// columnName reads "[alias.]col".
func columnName(n *pg.Node) (alias, col string, ok bool) {
	cr, isCol := n.GetNode().(*pg.Node_ColumnRef)
	if !isCol {
		return "", "", false
	}
	var names []string
	for _, f := range cr.ColumnRef.Fields {
		s, isStr := f.Node.(*pg.Node_String_)
		if !isStr {
			return "", "", false
		}
		names = append(names, s.String_.Sval)
	}
	switch len(names) {
	case 1:
		return "", names[0], true
	case 2:
		return names[0], names[1], true
	}
	return "", "", false
}

// keyValues accepts constants of the key's own kind, or one parameter,
// whose value the engine checks when it is bound.
func keyValues(kind types.ScalarAttributeType, attr string, values []*pg.Node, list bool) (*KeyEquality, bool) {
	if len(values) == 1 {
		if p, ok := values[0].Node.(*pg.Node_ParamRef); ok {
			return &KeyEquality{Attribute: attr, Param: int(p.ParamRef.Number), ParamList: list}, true
		}
	}
	key := &KeyEquality{Attribute: attr}
	for _, n := range values {
		c, ok := n.Node.(*pg.Node_AConst)
		if !ok {
			return nil, false
		}
		switch v := c.AConst.Val.(type) {
		case *pg.A_Const_Ival:
			if kind != types.ScalarAttributeTypeN {
				return nil, false
			}
			key.Literals = append(key.Literals, strconv.FormatInt(int64(v.Ival.Ival), 10))
		case *pg.A_Const_Fval:
			if _, err := strconv.ParseFloat(v.Fval.Fval, 64); kind != types.ScalarAttributeTypeN || err != nil {
				return nil, false
			}
			key.Literals = append(key.Literals, v.Fval.Fval)
		case *pg.A_Const_Sval:
			if kind != types.ScalarAttributeTypeS {
				return nil, false
			}
			key.Literals = append(key.Literals, v.Sval.Sval)
		default:
			return nil, false
		}
	}
	return key, true
}

package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v5"

	"github.com/pgdynamo/pgdynamo/readplan"
)

// readSpecs describes, for each dataset reference, what its read may use
// (readplan.Spec): the columns the query can touch, the conjuncts of the
// WHERE on its own columns as typed predicates, and how many rows a LIMIT
// needs. readplan.Decide turns that, with the bound parameters, into the
// DynamoDB request. The WHERE stays in the query: the engine applies all of
// it, so what a read does with the spec can only cut reads, never change
// results.
//
// A conjunct counts for a reference only when the reference's rows must
// satisfy it: the WHERE of the SELECT whose FROM lists the reference, or the
// ON of an inner join holding it, and never across the nullable side of an
// outer join. An unqualified column is trusted only when that FROM has one
// item (otherwise it may name another item's column).
func readSpecs(rw *rewrite, stmt *pg.RawStmt) error {
	byID := make(map[string]*ScanRef, len(rw.scans))
	for i := range rw.scans {
		byID[rw.scans[i].ID] = &rw.scans[i]
	}
	neededColumns(rw, stmt, byID)
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		sel, ok := n.Node.(*pg.Node_SelectStmt)
		if !ok {
			return true
		}
		s := sel.SelectStmt
		refs := map[string]*ScanRef{} // alias → reference whose rows the WHERE filters
		var ons []*pg.Node            // ON conditions of inner joins
		for _, item := range s.FromClause {
			collectFiltered(item, byID, refs, &ons)
		}
		if len(refs) == 0 {
			return true
		}
		single := len(s.FromClause) == 1 && len(refs) == 1
		conds := conjunctsOf(append([]*pg.Node{s.WhereClause}, ons...)...)
		pushed := map[*ScanRef]int{}
		for _, c := range conds {
			alias, clause, ok := predicateClause(c)
			if !ok {
				continue
			}
			ref := refs[alias]
			if alias == "" && single {
				for _, r := range refs {
					ref = r
				}
			}
			if ref == nil || !hasColumns(ref, clause) {
				continue
			}
			ref.Read.Where = append(ref.Read.Where, clause)
			pushed[ref]++
		}
		if single {
			for _, ref := range refs {
				ref.Read.Complete = pushed[ref] == len(conds)
				ref.Read.Limit = earlyLimit(s)
			}
		}
		return true
	})
	for i := range rw.scans {
		ref := &rw.scans[i]
		ref.FullKey = ref.Read.KeyLookup(ref.Dataset)
	}
	return nil
}

// collectFiltered finds the dataset references of a FROM item whose rows a
// WHERE over it filters: the item itself, both sides of an inner join, the
// preserved side of an outer join.
func collectFiltered(item *pg.Node, byID map[string]*ScanRef, refs map[string]*ScanRef, ons *[]*pg.Node) {
	if alias, ref := scanOf(item, byID); ref != nil {
		refs[alias] = ref
		return
	}
	j, ok := item.Node.(*pg.Node_JoinExpr)
	if !ok {
		return
	}
	switch j.JoinExpr.Jointype {
	case pg.JoinType_JOIN_INNER:
		if j.JoinExpr.IsNatural {
			return
		}
		collectFiltered(j.JoinExpr.Larg, byID, refs, ons)
		collectFiltered(j.JoinExpr.Rarg, byID, refs, ons)
		if j.JoinExpr.Quals != nil {
			*ons = append(*ons, j.JoinExpr.Quals)
		}
	case pg.JoinType_JOIN_LEFT, pg.JoinType_JOIN_RIGHT:
		// The WHERE filters the preserved side's rows as they are; ON
		// conditions of inner joins nested under it hold there too.
		preserved := j.JoinExpr.Larg
		if j.JoinExpr.Jointype == pg.JoinType_JOIN_RIGHT {
			preserved = j.JoinExpr.Rarg
		}
		collectFiltered(preserved, byID, refs, ons)
	}
}

// conjunctsOf flattens the top-level ANDs of conditions, nil ones skipped.
func conjunctsOf(ns ...*pg.Node) []*pg.Node {
	var out []*pg.Node
	for _, n := range ns {
		if n != nil {
			out = append(out, conjuncts(n)...)
		}
	}
	return out
}

func hasColumns(ref *ScanRef, cl readplan.Clause) bool {
	for _, a := range cl {
		if _, ok := ref.Dataset.Columns.Column(a.Column); !ok {
			return false
		}
	}
	return true
}

// earlyLimit is how many rows a SELECT needs from its one FROM item: its
// LIMIT plus OFFSET, when nothing between the read and the LIMIT can need
// more rows (ORDER BY, GROUP BY, aggregates, DISTINCT, windows, functions
// that may aggregate or return sets). 0 means every row.
func earlyLimit(s *pg.SelectStmt) int64 {
	if s.LimitCount == nil || s.LimitOption != pg.LimitOption_LIMIT_OPTION_COUNT || len(s.SortClause) > 0 ||
		len(s.GroupClause) > 0 || s.HavingClause != nil || len(s.DistinctClause) > 0 || len(s.WindowClause) > 0 {
		return 0
	}
	limit, ok := limitConst(s.LimitCount)
	if !ok || limit < 0 {
		return 0
	}
	if s.LimitOffset != nil {
		offset, ok := limitConst(s.LimitOffset)
		if !ok || offset < 0 {
			return 0
		}
		limit += offset
	}
	calls := false
	for _, t := range s.TargetList {
		walk(t.ProtoReflect(), func(n *pg.Node) bool {
			switch n.Node.(type) {
			case *pg.Node_FuncCall, *pg.Node_SubLink:
				calls = true
			}
			return !calls
		})
	}
	if calls {
		return 0
	}
	return limit
}

func limitConst(n *pg.Node) (int64, bool) {
	c, ok := n.GetNode().(*pg.Node_AConst)
	if !ok {
		return 0, false
	}
	v, ok := c.AConst.Val.(*pg.A_Const_Ival)
	if !ok {
		return 0, false
	}
	return int64(v.Ival.Ival), true
}

// neededColumns records, for each reference, the dataset columns the query
// may read: every column name it mentions (a superset is harmless: the
// read only fetches a few more attributes), or all of them for a star or a
// whole-row reference.
func neededColumns(rw *rewrite, stmt *pg.RawStmt, byID map[string]*ScanRef) {
	aliases := map[string][]*ScanRef{}
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		if alias, ref := scanOf(n, byID); ref != nil {
			aliases[alias] = append(aliases[alias], ref)
		}
		if j, ok := n.Node.(*pg.Node_JoinExpr); ok && j.JoinExpr.IsNatural {
			for i := range rw.scans {
				rw.scans[i].Read.AllColumns = true
			}
		}
		return true
	})
	names := map[string]bool{}
	all := func(refs []*ScanRef) {
		for _, r := range refs {
			r.Read.AllColumns = true
		}
	}
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		switch v := n.Node.(type) {
		case *pg.Node_ColumnRef:
			fields := v.ColumnRef.Fields
			if len(fields) == 0 {
				return false
			}
			last := fields[len(fields)-1]
			if _, star := last.Node.(*pg.Node_AStar); star {
				if len(fields) == 1 {
					for i := range rw.scans {
						rw.scans[i].Read.AllColumns = true
					}
				} else if q, ok := fields[len(fields)-2].Node.(*pg.Node_String_); ok {
					all(aliases[q.String_.Sval])
				}
				return false
			}
			if s, ok := last.Node.(*pg.Node_String_); ok {
				names[s.String_.Sval] = true
				if len(fields) == 1 {
					all(aliases[s.String_.Sval]) // a whole-row reference
				}
			}
			return false
		case *pg.Node_JoinExpr:
			for _, u := range v.JoinExpr.UsingClause {
				if s, ok := u.Node.(*pg.Node_String_); ok {
					names[s.String_.Sval] = true
				}
			}
		}
		return true
	})
	for i := range rw.scans {
		ref := &rw.scans[i]
		if ref.Read.AllColumns {
			continue
		}
		for _, c := range ref.Dataset.Columns.Columns {
			if names[c.Name] {
				ref.Read.Columns = append(ref.Read.Columns, c.Name)
			}
		}
	}
}

// predicateClause reads a WHERE conjunct as a clause of predicates on the
// columns of one FROM item (alias "" when unqualified): a comparison, IN,
// = ANY($n), BETWEEN, LIKE 'prefix%', IS [NOT] NULL, a boolean column, or
// an OR of those.
func predicateClause(n *pg.Node) (string, readplan.Clause, bool) {
	if b, ok := n.Node.(*pg.Node_BoolExpr); ok && b.BoolExpr.Boolop == pg.BoolExprType_OR_EXPR {
		var (
			alias  string
			clause readplan.Clause
		)
		for i, arg := range b.BoolExpr.Args {
			a, atoms, ok := predicateClause(arg)
			if !ok || len(atoms) != 1 || (i > 0 && a != alias) {
				return "", nil, false
			}
			alias = a
			clause = append(clause, atoms[0])
		}
		return alias, clause, len(clause) > 0
	}
	alias, atom, ok := predicateAtom(n)
	if !ok {
		return "", nil, false
	}
	return alias, readplan.Clause{atom}, true
}

var comparisonOps = map[string]readplan.Op{
	"=": readplan.Eq, "<>": readplan.Ne, "!=": readplan.Ne,
	"<": readplan.Lt, "<=": readplan.Le, ">": readplan.Gt, ">=": readplan.Ge,
}

// flipped is the operator with its operands swapped ("5 < x" is "x > 5").
var flipped = map[readplan.Op]readplan.Op{
	readplan.Lt: readplan.Gt, readplan.Le: readplan.Ge, readplan.Gt: readplan.Lt, readplan.Ge: readplan.Le,
	readplan.Eq: readplan.Eq, readplan.Ne: readplan.Ne,
}

func predicateAtom(n *pg.Node) (string, readplan.Atom, bool) {
	switch v := n.Node.(type) {
	case *pg.Node_NullTest:
		alias, col, ok := columnName(v.NullTest.Arg)
		if !ok || v.NullTest.Argisrow {
			return "", readplan.Atom{}, false
		}
		op := readplan.IsNull
		if v.NullTest.Nulltesttype == pg.NullTestType_IS_NOT_NULL {
			op = readplan.IsNotNull
		}
		return alias, readplan.Atom{Column: col, Op: op}, true
	case *pg.Node_ColumnRef:
		// WHERE flag
		alias, col, ok := columnName(n)
		return alias, readplan.Atom{Column: col, Op: readplan.Eq, Args: []readplan.Arg{{Literal: true}}}, ok
	case *pg.Node_AExpr:
		return exprAtom(v.AExpr)
	}
	return "", readplan.Atom{}, false
}

func exprAtom(e *pg.A_Expr) (string, readplan.Atom, bool) {
	none := func() (string, readplan.Atom, bool) { return "", readplan.Atom{}, false }
	if len(e.Name) != 1 {
		return none()
	}
	name := lastString(e.Name)
	switch e.Kind {
	case pg.A_Expr_Kind_AEXPR_OP:
		op, ok := comparisonOps[name]
		if !ok {
			return none()
		}
		if alias, col, isCol := columnName(e.Lexpr); isCol {
			if arg, ok := operandOf(e.Rexpr); ok {
				return alias, readplan.Atom{Column: col, Op: op, Args: []readplan.Arg{arg}}, true
			}
		}
		if alias, col, isCol := columnName(e.Rexpr); isCol {
			if arg, ok := operandOf(e.Lexpr); ok {
				return alias, readplan.Atom{Column: col, Op: flipped[op], Args: []readplan.Arg{arg}}, true
			}
		}
	case pg.A_Expr_Kind_AEXPR_IN:
		l, isList := e.Rexpr.GetNode().(*pg.Node_List)
		alias, col, isCol := columnName(e.Lexpr)
		if name != "=" || !isList || !isCol || len(l.List.Items) == 0 {
			return none()
		}
		atom := readplan.Atom{Column: col, Op: readplan.In}
		for _, item := range l.List.Items {
			arg, ok := operandOf(item)
			if !ok {
				return none()
			}
			atom.Args = append(atom.Args, arg)
		}
		return alias, atom, true
	case pg.A_Expr_Kind_AEXPR_OP_ANY:
		p, isParam := e.Rexpr.GetNode().(*pg.Node_ParamRef)
		alias, col, isCol := columnName(e.Lexpr)
		if name != "=" || !isParam || !isCol {
			return none()
		}
		return alias, readplan.Atom{Column: col, Op: readplan.In, Args: []readplan.Arg{{Param: int(p.ParamRef.Number), List: true}}}, true
	case pg.A_Expr_Kind_AEXPR_BETWEEN:
		l, isList := e.Rexpr.GetNode().(*pg.Node_List)
		alias, col, isCol := columnName(e.Lexpr)
		if !isList || !isCol || len(l.List.Items) != 2 {
			return none()
		}
		lo, ok1 := operandOf(l.List.Items[0])
		hi, ok2 := operandOf(l.List.Items[1])
		if !ok1 || !ok2 {
			return none()
		}
		return alias, readplan.Atom{Column: col, Op: readplan.Between, Args: []readplan.Arg{lo, hi}}, true
	case pg.A_Expr_Kind_AEXPR_LIKE:
		alias, col, isCol := columnName(e.Lexpr)
		pattern, isStr := stringConst(e.Rexpr)
		if name != "~~" || !isCol || !isStr {
			return none()
		}
		prefix, exact, ok := likePrefix(pattern)
		if !ok {
			return none()
		}
		if exact && !strings.HasSuffix(pattern, "%") {
			// No wildcard at all: LIKE is equality.
			return alias, readplan.Atom{Column: col, Op: readplan.Eq, Args: []readplan.Arg{{Literal: prefix}}}, true
		}
		return alias, readplan.Atom{Column: col, Op: readplan.Prefix, Args: []readplan.Arg{{Literal: prefix}}, Exact: exact}, true
	}
	return none()
}

// likePrefix is the fixed start of a LIKE pattern, up to its first
// wildcard; exact says the pattern is that prefix and one trailing % (or no
// wildcard at all). A backslash (LIKE's escape) gives up.
func likePrefix(pattern string) (prefix string, exact, ok bool) {
	i := strings.IndexAny(pattern, "%_\\")
	switch {
	case i < 0:
		return pattern, true, pattern != ""
	case i == 0 || pattern[i] == '\\':
		return "", false, false
	}
	return pattern[:i], pattern[i:] == "%", true
}

// operandOf reads a constant, a parameter, or either cast to a type.
func operandOf(n *pg.Node) (readplan.Arg, bool) {
	switch v := n.GetNode().(type) {
	case *pg.Node_ParamRef:
		return readplan.Arg{Param: int(v.ParamRef.Number)}, true
	case *pg.Node_TypeCast:
		arg, ok := operandOf(v.TypeCast.Arg)
		if !ok || v.TypeCast.TypeName == nil || len(v.TypeCast.TypeName.ArrayBounds) > 0 {
			return readplan.Arg{}, false
		}
		arg.Cast = lastString(v.TypeCast.TypeName.Names)
		return arg, true
	case *pg.Node_AConst:
		if v.AConst.Isnull {
			return readplan.Arg{}, false
		}
		switch c := v.AConst.Val.(type) {
		case *pg.A_Const_Ival:
			return readplan.Arg{Literal: int64(c.Ival.Ival)}, true
		case *pg.A_Const_Fval:
			return readplan.Arg{Literal: readplan.Decimal(c.Fval.Fval)}, true
		case *pg.A_Const_Sval:
			return readplan.Arg{Literal: c.Sval.Sval}, true
		case *pg.A_Const_Boolval:
			return readplan.Arg{Literal: c.Boolval.Boolval}, true
		}
	}
	return readplan.Arg{}, false
}

// scanOf returns the alias and reference of a FROM item that is a dataset
// scan.
func scanOf(item *pg.Node, byID map[string]*ScanRef) (string, *ScanRef) {
	rf, ok := item.Node.(*pg.Node_RangeFunction)
	if !ok || rf.RangeFunction.Alias == nil || len(rf.RangeFunction.Functions) != 1 {
		return "", nil
	}
	_, call, ok := rangeFunctionCall(rf.RangeFunction.Functions[0])
	if !ok || funcName(call.Funcname) != ScanFunction || len(call.Args) != 2 {
		return "", nil
	}
	id, ok := stringConst(call.Args[1])
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

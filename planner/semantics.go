package planner

import (
	"fmt"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v5"
	"google.golang.org/protobuf/proto"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// The type-directed rewrites of postgres-names: each expression is typed
// as PostgreSQL types it (typing.go) and, where the engine would compute a
// different type or value, rewritten to PostgreSQL's:
//
//   - a function's result is cast to the type pg_proc gives it (length()
//     is int4, date_trunc() of a date is timestamptz, ...);
//   - sum(int8) is numeric, avg() of integers and numerics is an exact
//     numeric quotient, extract() is numeric of PostgreSQL's scale;
//   - numeric division is exact (the engine divides decimals in floating
//     point), integer and float division by zero raise 22012;
//   - set-returning functions in the select list produce rows;
//   - the functions the engine lacks or reads differently become shim
//     macros (functions.go).

func (r *nameResolver) exprs(nodes []*pg.Node, sc *nameScope, outputs map[string]bool) error {
	for _, n := range nodes {
		if _, err := r.expr(n, sc, outputs); err != nil {
			return err
		}
	}
	return nil
}

// expr resolves the names in n, rewrites it and returns its PostgreSQL
// type ("" when unknown). outputs are the select's output names, which
// ORDER BY, GROUP BY and DISTINCT ON may name.
func (r *nameResolver) expr(n *pg.Node, sc *nameScope, outputs map[string]bool) (string, error) {
	if n == nil || n.Node == nil {
		return "", nil
	}
	switch v := n.Node.(type) {
	case *pg.Node_AConst:
		return constType(v.AConst), nil
	case *pg.Node_ColumnRef:
		return r.columnRef(v.ColumnRef, sc, outputs)
	case *pg.Node_SelectStmt:
		cols, err := r.selectStmt(v.SelectStmt, sc)
		if err != nil || len(cols) == 0 {
			return "", err
		}
		return cols[0].typ, nil
	case *pg.Node_TypeCast:
		return r.typeCast(n, v.TypeCast, sc, outputs)
	case *pg.Node_AExpr:
		return r.aExpr(n, v.AExpr, sc, outputs)
	case *pg.Node_FuncCall:
		return r.funcCall(n, v.FuncCall, sc, outputs)
	case *pg.Node_BoolExpr, *pg.Node_NullTest, *pg.Node_BooleanTest:
		return "bool", r.children(n, sc, outputs)
	case *pg.Node_CaseExpr:
		c := v.CaseExpr
		if _, err := r.expr(c.Arg, sc, outputs); err != nil {
			return "", err
		}
		var results []string
		for _, w := range c.Args {
			cw, ok := w.Node.(*pg.Node_CaseWhen)
			if !ok {
				continue
			}
			if _, err := r.expr(cw.CaseWhen.Expr, sc, outputs); err != nil {
				return "", err
			}
			t, err := r.expr(cw.CaseWhen.Result, sc, outputs)
			if err != nil {
				return "", err
			}
			results = append(results, t)
		}
		if c.Defresult != nil {
			t, err := r.expr(c.Defresult, sc, outputs)
			if err != nil {
				return "", err
			}
			results = append(results, t)
		}
		return commonType(results), nil
	case *pg.Node_CoalesceExpr:
		return r.common(v.CoalesceExpr.Args, sc, outputs)
	case *pg.Node_MinMaxExpr:
		return r.common(v.MinMaxExpr.Args, sc, outputs)
	case *pg.Node_AArrayExpr:
		t, err := r.common(v.AArrayExpr.Elements, sc, outputs)
		if err != nil || t == "" || len(v.AArrayExpr.Elements) == 0 {
			return "", err
		}
		return t + "[]", nil
	case *pg.Node_SubLink:
		return r.subLink(v.SubLink, sc, outputs)
	case *pg.Node_AIndirection:
		t, err := r.expr(v.AIndirection.Arg, sc, outputs)
		if err != nil {
			return "", err
		}
		if err := r.exprs(v.AIndirection.Indirection, sc, outputs); err != nil {
			return "", err
		}
		if len(v.AIndirection.Indirection) == 1 && strings.HasSuffix(t, "[]") {
			if ind, ok := v.AIndirection.Indirection[0].Node.(*pg.Node_AIndices); ok && !ind.AIndices.IsSlice {
				return strings.TrimSuffix(t, "[]"), nil
			}
			return t, nil
		}
		return "", nil
	case *pg.Node_CollateClause:
		return r.expr(v.CollateClause.Arg, sc, outputs)
	case *pg.Node_SqlvalueFunction:
		return sqlValueFunctionTypes[v.SqlvalueFunction.Op], nil
	case *pg.Node_GroupingFunc:
		if err := r.children(n, sc, outputs); err != nil {
			return "", err
		}
		// The engine's grouping() is a bigint.
		n.Node = castNodeTo(n, "int4").Node
		return "int4", nil
	}
	return "", r.children(n, sc, outputs)
}

// children resolves every expression directly below m: a node's, or a
// window definition's (OVER).
func (r *nameResolver) children(m proto.Message, sc *nameScope, outputs map[string]bool) error {
	var err error
	walk(m.ProtoReflect(), func(c *pg.Node) bool {
		if err == nil {
			_, err = r.expr(c, sc, outputs)
		}
		return false
	})
	return err
}

// types resolves the expressions nodes and returns their types.
func (r *nameResolver) types(nodes []*pg.Node, sc *nameScope, outputs map[string]bool) ([]string, error) {
	types := make([]string, len(nodes))
	for i, n := range nodes {
		t, err := r.expr(n, sc, outputs)
		if err != nil {
			return nil, err
		}
		types[i] = t
	}
	return types, nil
}

func (r *nameResolver) common(args []*pg.Node, sc *nameScope, outputs map[string]bool) (string, error) {
	types, err := r.types(args, sc, outputs)
	if err != nil {
		return "", err
	}
	return commonType(types), nil
}

var sqlValueFunctionTypes = map[pg.SQLValueFunctionOp]string{
	pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE:        "date",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIME:        "timetz",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N:      "timetz",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP:   "timestamptz",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N: "timestamptz",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIME:           "time",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIME_N:         "time",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP:      "timestamp",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:    "timestamp",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:        "name",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_USER:        "name",
	pg.SQLValueFunctionOp_SVFOP_USER:                "name",
	pg.SQLValueFunctionOp_SVFOP_SESSION_USER:        "name",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:     "name",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:      "name",
}

func (r *nameResolver) subLink(s *pg.SubLink, sc *nameScope, outputs map[string]bool) (string, error) {
	if _, err := r.expr(s.Testexpr, sc, outputs); err != nil {
		return "", err
	}
	var cols []column
	if sel, ok := s.Subselect.GetNode().(*pg.Node_SelectStmt); ok {
		var err error
		if cols, err = r.selectStmt(sel.SelectStmt, sc); err != nil {
			return "", err
		}
	}
	switch s.SubLinkType {
	case pg.SubLinkType_EXPR_SUBLINK:
		if len(cols) == 1 {
			return cols[0].typ, nil
		}
	case pg.SubLinkType_ARRAY_SUBLINK:
		if len(cols) == 1 && cols[0].typ != "" {
			return cols[0].typ + "[]", nil
		}
	case pg.SubLinkType_EXISTS_SUBLINK, pg.SubLinkType_ANY_SUBLINK, pg.SubLinkType_ALL_SUBLINK:
		return "bool", nil
	}
	return "", nil
}

// --- casts ---

// engineTypes are the types a result may be cast to: the engine reads
// their PostgreSQL names and holds their values as PostgreSQL does.
var engineTypes = map[string]bool{
	"int2": true, "int4": true, "int8": true, "float4": true, "float8": true, "bool": true, "date": true,
	"timestamp": true, "timestamptz": true, "interval": true, "time": true,
}

// castNodeTo wraps n in a cast to the PostgreSQL type t.
func castNodeTo(n *pg.Node, t string) *pg.Node {
	return castNode(&pg.Node{Node: n.Node}, &pg.TypeName{Names: []*pg.Node{pg.MakeStrNode(t)}, Typemod: -1})
}

// decimalType is numeric(precision, scale).
func decimalType(precision, scale int) *pg.TypeName {
	return &pg.TypeName{Names: []*pg.Node{pg.MakeStrNode("numeric")}, Typemod: -1,
		Typmods: []*pg.Node{pg.MakeAConstIntNode(int64(precision), -1), pg.MakeAConstIntNode(int64(scale), -1)}}
}

// NumericScale is the scale the engine holds a numeric result in when
// PostgreSQL's depends on the value (a quotient, an average): the one
// PostgreSQL gives a quotient between 1 and 9999.
const NumericScale = 16

func (r *nameResolver) typeCast(n *pg.Node, tc *pg.TypeCast, sc *nameScope, outputs map[string]bool) (string, error) {
	from, err := r.expr(tc.Arg, sc, outputs)
	if err != nil {
		return "", err
	}
	to := typeNameType(tc.TypeName)
	if c, ok := tc.Arg.GetNode().(*pg.Node_AConst); ok && from == "unknown" {
		if err := r.checkLiteral(c.AConst, to); err != nil {
			return "", err
		}
	}
	switch {
	case to == "numeric" && len(tc.TypeName.Typmods) == 0:
		// An unconstrained numeric keeps its value's scale; the engine's
		// default would be DECIMAL(18,3).
		if scale, ok := literalScale(tc.Arg, from); ok {
			tc.TypeName = decimalType(38, scale)
		}
	case to == "time" && from == "timestamptz":
		tc.Arg = castNodeTo(tc.Arg, "timestamp")
	case to == "jsonb":
		// jsonb prints normalised: keys sorted, ", " and ": ". A map
		// (struct) column is JSON text only once cast to json.
		text := tc.Arg
		if typeCategory(from) != 'S' && from != "unknown" {
			text = castNodeTo(text, "json")
		}
		n.Node = asJSONB(castNodeTo(text, "text")).Node
	}
	return to, nil
}

// literalScale is the scale a value keeps as an unconstrained numeric:
// an integer's 0, a decimal constant's digits after the point.
func literalScale(n *pg.Node, from string) (int, bool) {
	switch from {
	case "int2", "int4", "int8":
		return 0, true
	}
	c, ok := n.GetNode().(*pg.Node_AConst)
	if !ok {
		return 0, false
	}
	var text string
	switch v := c.AConst.Val.(type) {
	case *pg.A_Const_Fval:
		text = v.Fval.Fval
	case *pg.A_Const_Sval:
		text = strings.TrimSpace(v.Sval.Sval)
	default:
		return 0, false
	}
	if strings.ContainsAny(text, "eE") {
		return 0, false
	}
	if _, err := strconv.ParseFloat(text, 64); err != nil {
		return 0, false
	}
	if i := strings.IndexByte(text, '.'); i >= 0 {
		return len(text) - i - 1, true
	}
	return 0, true
}

// unaryOperatorFunctions are the engine's functions for PostgreSQL's
// prefix operators it lacks.
var unaryOperatorFunctions = map[string]string{"|/": "sqrt", "||/": "cbrt", "@": "abs"}

// checkLiteral refuses a string constant PostgreSQL's input function
// would refuse where the engine reads it differently.
func (r *nameResolver) checkLiteral(c *pg.A_Const, to string) error {
	sv, ok := c.Val.(*pg.A_Const_Sval)
	if !ok {
		return nil
	}
	// An integer's input must match exactly: the engine would round '1.5'
	// to 2.
	if !isInteger(to) {
		return nil
	}
	text := strings.TrimSpace(sv.Sval.Sval)
	digits := strings.TrimLeft(text, "+-")
	if len(text)-len(digits) <= 1 && isDigits(strings.ReplaceAll(digits, "_", "")) {
		return nil
	}
	return &pgerror.Error{Code: pgerror.InvalidTextRepresentation, Position: r.rw.position(c.Location),
		Message: fmt.Sprintf("invalid input syntax for type %s: %q", typeDisplayName(to), sv.Sval.Sval)}
}

// --- operators ---

func (r *nameResolver) aExpr(n *pg.Node, e *pg.A_Expr, sc *nameScope, outputs map[string]bool) (string, error) {
	l, err := r.expr(e.Lexpr, sc, outputs)
	if err != nil {
		return "", err
	}
	rt, err := r.expr(e.Rexpr, sc, outputs)
	if err != nil {
		return "", err
	}
	op := lastString(e.Name)
	switch e.Kind {
	case pg.A_Expr_Kind_AEXPR_OP:
	case pg.A_Expr_Kind_AEXPR_NULLIF:
		return l, nil
	case pg.A_Expr_Kind_AEXPR_SIMILAR:
		similarTo(n, e)
		return "bool", nil
	default:
		return "bool", nil
	}
	// An untyped string constant takes the other operand's type, as
	// PostgreSQL's operator resolution makes it: 1 + 'a' is an integer
	// input error, not a string.
	if l == "unknown" && rt != "unknown" && typeCategory(rt) != 'S' && typeCategory(rt) != 'A' {
		if err := r.castLiteral(e.Lexpr, rt); err != nil {
			return "", err
		}
		if literalTarget(rt) {
			l = rt
		}
	}
	if rt == "unknown" && l != "unknown" && typeCategory(l) != 'S' && typeCategory(l) != 'A' && !(jsonOperators[op] && (l == "json" || l == "jsonb")) {
		if err := r.castLiteral(e.Rexpr, l); err != nil {
			return "", err
		}
		if literalTarget(l) {
			rt = l
		}
	}
	t := operatorType(op, l, rt)
	switch {
	case e.Lexpr == nil && unaryOperatorFunctions[op] != "":
		n.Node = call(unaryOperatorFunctions[op], e.Rexpr).Node
	case op == "#" && e.Lexpr != nil:
		// Bitwise XOR: the engine's xor().
		n.Node = &pg.Node_FuncCall{FuncCall: &pg.FuncCall{Funcname: strNodes("xor"), Args: []*pg.Node{e.Lexpr, e.Rexpr}, Location: e.Location}}
	case t == "float8" && (l == "float4") != (rt == "float4"):
		// float4 with another number computes in float8.
		if l == "float4" {
			e.Lexpr = castNodeTo(e.Lexpr, "float8")
		} else {
			e.Rexpr = castNodeTo(e.Rexpr, "float8")
		}
	case op == "?" && (l == "json" || l == "jsonb"):
		if key, ok := stringConst(e.Rexpr); ok {
			// The engine reads ? as a parameter: a key test of its own.
			n.Node = call("json_exists", castNodeTo(e.Lexpr, "json"), pg.MakeAConstStrNode(`$."`+strings.ReplaceAll(key, `"`, `\"`)+`"`, -1)).Node
		}
	case (op == "@>" || op == "<@") && (l == "json" || l == "jsonb"):
		whole, part := e.Lexpr, e.Rexpr
		if op == "<@" {
			whole, part = part, whole
		}
		n.Node = call("json_contains", castNodeTo(whole, "json"), castNodeTo(part, "json")).Node
	case op == "/" && t == "numeric":
		// The engine divides decimals in floating point.
		n.Node = castNode(&pg.Node{Node: &pg.Node_FuncCall{FuncCall: &pg.FuncCall{
			Funcname: strNodes(NumericDivide),
			Args:     []*pg.Node{castNodeTo(e.Lexpr, "text"), castNodeTo(e.Rexpr, "text")},
			Location: e.Location,
		}}}, decimalType(38, NumericScale)).Node
	case op == "-" && l == "date" && rt == "date":
		// The engine's date difference is a bigint.
		n.Node = castNodeTo(n, "int4").Node
	}
	return t, nil
}

// NumericDivide is the engine function that divides two numbers given as
// text exactly, with PostgreSQL's rounding (engine/pgfunctions.go).
const NumericDivide = "pgdynamo_numeric_div"

// NumericVariance is the engine function behind stddev and variance of
// integers and numerics (engine/numeric.go).
const NumericVariance = "pgdynamo_numeric_variance"

// similarTo rewrites x SIMILAR TO 'constant' as a full regular expression
// match of PostgreSQL's translation of the pattern (% is .*, _ is .); the
// engine reads the pattern as a regular expression as it is.
func similarTo(n *pg.Node, e *pg.A_Expr) {
	call, ok := e.Rexpr.GetNode().(*pg.Node_FuncCall)
	if !ok || lastString(call.FuncCall.Funcname) != "similar_to_escape" || len(call.FuncCall.Args) != 1 {
		return
	}
	c, ok := call.FuncCall.Args[0].GetNode().(*pg.Node_AConst)
	if !ok {
		return
	}
	sv, ok := c.AConst.Val.(*pg.A_Const_Sval)
	if !ok {
		return
	}
	var b strings.Builder
	for i := 0; i < len(sv.Sval.Sval); i++ {
		switch ch := sv.Sval.Sval[i]; ch {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteByte('.')
		case '\\':
			if i+1 < len(sv.Sval.Sval) {
				i++
				b.WriteString(regexpQuote(sv.Sval.Sval[i]))
			}
		case '.', '^', '$':
			b.WriteString(regexpQuote(ch))
		default:
			b.WriteByte(ch)
		}
	}
	var match *pg.Node = &pg.Node{Node: &pg.Node_FuncCall{FuncCall: &pg.FuncCall{
		Funcname: strNodes("regexp_full_match"),
		Args:     []*pg.Node{e.Lexpr, pg.MakeAConstStrNode(b.String(), c.AConst.Location)},
		Location: e.Location,
	}}}
	if op := lastString(e.Name); op == "!~" {
		match = pg.MakeBoolExprNode(pg.BoolExprType_NOT_EXPR, []*pg.Node{match}, e.Location)
	}
	n.Node = match.Node
}

func regexpQuote(c byte) string { return `\` + string(c) }

// jsonOperators take a key or path on their right, not a json value.
var jsonOperators = map[string]bool{"->": true, "->>": true, "#>": true, "#>>": true, "?": true, "?|": true, "?&": true, "-": true}

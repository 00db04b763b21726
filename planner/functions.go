package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v5"
	"google.golang.org/protobuf/proto"

	"github.com/pgdynamo/pgdynamo/catalog"
)

// funcCall types a function call from pg_proc (functionTypes) and
// rewrites it where the engine's function differs from PostgreSQL's: a
// handler of functionRewrites, else a cast of the result to PostgreSQL's
// result type.
func (r *nameResolver) funcCall(n *pg.Node, call *pg.FuncCall, sc *nameScope, outputs map[string]bool) (string, error) {
	args, err := r.types(call.Args, sc, outputs)
	if err != nil {
		return "", err
	}
	if _, err := r.expr(call.AggFilter, sc, outputs); err != nil {
		return "", err
	}
	if err := r.exprs(call.AggOrder, sc, outputs); err != nil {
		return "", err
	}
	if call.Over != nil {
		if err := r.children(call.Over, sc, outputs); err != nil {
			return "", err
		}
	}
	name, ok := builtinName(call.Funcname)
	if !ok {
		return "", nil
	}
	r.rw.signature(name, args)
	f, result, ok, err := r.resolveCall(name, call.Args, args)
	if err != nil {
		return "", err
	}
	// TRIM(...), SUBSTRING(... FROM ...) and the like deparse back to
	// their syntax, which the engine parses: their names stay.
	sqlSyntax := call.Funcformat == pg.CoercionForm_COERCE_SQL_SYNTAX
	if !sqlSyntax {
		call.Funcname = strNodes(name)
	}
	c := &callSite{r: r, n: n, call: call, name: name, args: args, f: f, result: result, sc: sc}
	if rewrite, has := functionRewrites[name]; has && (!sqlSyntax || sqlSyntaxRewrites[name]) {
		if t, done := rewrite(c); done {
			return t, nil
		}
	}
	if !ok {
		return "", nil
	}
	if f.Set {
		c.selectListSRF()
		return result, nil
	}
	if engineTypes[result] && !polymorphic(f.Result) && !engineSameType[name] {
		n.Node = castNodeTo(n, result).Node
	}
	return result, nil
}

// sqlSyntaxRewrites are the rewrites that apply to a call written in SQL
// syntax too (EXTRACT(... FROM ...), SUBSTRING(... FROM ... FOR ...)).
var sqlSyntaxRewrites = map[string]bool{"extract": true, "substring": true, "overlay": true}

// engineSameType are functions whose engine result has PostgreSQL's type
// already: their calls are not cast, which keeps the engine's SQL
// readable. (Casting them would change nothing.)
var engineSameType = map[string]bool{
	"count": true, "row_number": true, "rank": true, "dense_rank": true, "percent_rank": true,
	"cume_dist": true, "bool_and": true, "bool_or": true, "now": true, "random": true, "pi": true,
}

// builtinName is the name of a built-in function called as name or
// pg_catalog.name; ok is false for other schemas' functions.
func builtinName(funcname []*pg.Node) (string, bool) {
	parts := stringsOf(funcname)
	switch {
	case len(parts) == 1:
		return parts[0], true
	case len(parts) == 2 && parts[0] == catalog.PGCatalog:
		return parts[1], true
	}
	return "", false
}

// callSite is one call a functionRewrites handler rewrites.
type callSite struct {
	r    *nameResolver
	n    *pg.Node
	call *pg.FuncCall
	name string
	args []string
	// f and result are the pg_proc signature chosen and its result type
	// (result "" when none was).
	f      FunctionType
	result string
	sc     *nameScope
}

// replace makes the call expr; the call keeps its position.
func (c *callSite) replace(expr *pg.Node) { c.n.Node = expr.Node }

// with is the call under another engine name with the given arguments,
// keeping DISTINCT, FILTER, ORDER BY and OVER.
func (c *callSite) with(name string, args ...*pg.Node) *pg.Node {
	call := proto.Clone(c.call).(*pg.FuncCall)
	call.Funcname = strNodes(strings.Split(name, ".")...)
	call.Args = args
	return &pg.Node{Node: &pg.Node_FuncCall{FuncCall: call}}
}

func (c *callSite) shim(name string, args ...*pg.Node) *pg.Node {
	return c.with(ShimSchema+"."+name, args...)
}

func (c *callSite) arg(i int) *pg.Node { return c.call.Args[i] }

func call(name string, args ...*pg.Node) *pg.Node {
	return &pg.Node{Node: &pg.Node_FuncCall{FuncCall: &pg.FuncCall{Funcname: strNodes(strings.Split(name, ".")...), Args: args, Location: -1}}}
}

func isInteger(t string) bool { return t == "int2" || t == "int4" || t == "int8" }

// functionRewrites rewrite the calls the engine answers differently; done
// false leaves the default (a cast to the result type).
var functionRewrites = map[string]func(c *callSite) (string, bool){}

func init() {
	functionRewrites["avg"] = func(c *callSite) (string, bool) {
		if len(c.args) != 1 || !(isInteger(c.args[0]) || c.args[0] == "numeric") {
			return "", false
		}
		// PostgreSQL averages integers as numeric: the exact quotient.
		sum := castNodeTo(c.with("sum", c.arg(0)), "text")
		count := castNodeTo(c.with("count", c.arg(0)), "text")
		c.replace(castNode(call(NumericDivide, sum, count), decimalType(38, NumericScale)))
		return "numeric", true
	}
	for name, kind := range map[string][2]bool{
		"stddev": {true, true}, "stddev_samp": {true, true}, "stddev_pop": {false, true},
		"variance": {true, false}, "var_samp": {true, false}, "var_pop": {false, false},
	} {
		sample, stddev := kind[0], kind[1]
		functionRewrites[name] = func(c *callSite) (string, bool) {
			if len(c.args) != 1 || !(isInteger(c.args[0]) || c.args[0] == "numeric") {
				return "", false
			}
			// PostgreSQL computes them in numeric, exactly.
			x := c.arg(0)
			if isInteger(c.args[0]) {
				x = castNode(x, decimalType(38, 0))
			}
			sum := castNodeTo(c.with("sum", x), "text")
			squares := castNodeTo(c.with("sum", binary("*", x, x)), "text")
			count := castNodeTo(c.with("count", c.arg(0)), "text")
			c.replace(castNode(call(NumericVariance, sum, squares, count, constNode(sample), constNode(stddev)),
				decimalType(38, NumericScale)))
			return "numeric", true
		}
	}
	functionRewrites["to_hex"] = func(c *callSite) (string, bool) {
		c.replace(c.with("lower", c.with("to_hex", c.call.Args...)))
		return "text", true
	}
	functionRewrites["sum"] = func(c *callSite) (string, bool) {
		if len(c.args) == 1 && c.args[0] == "int8" {
			// The engine's int128 divides as an integer; numeric does not.
			c.replace(castNode(&pg.Node{Node: c.n.Node}, decimalType(38, 0)))
			return "numeric", true
		}
		return "", false
	}
	functionRewrites["round"] = func(c *callSite) (string, bool) {
		if len(c.args) == 1 && (c.args[0] == "float8" || c.args[0] == "float4") {
			// round(float8) is rint(): halves to even.
			c.replace(c.with("round_even", c.arg(0), pg.MakeAConstIntNode(0, -1)))
			return "float8", true
		}
		return "", false
	}
	functionRewrites["every"] = func(c *callSite) (string, bool) {
		c.replace(c.with("bool_and", c.call.Args...))
		return "bool", true
	}
	functionRewrites["sign"] = func(c *callSite) (string, bool) {
		if c.result == "numeric" {
			c.replace(castNode(&pg.Node{Node: c.n.Node}, decimalType(38, 0)))
			return "numeric", true
		}
		return "", false
	}
	functionRewrites["factorial"] = functionRewrites["sign"]
	functionRewrites["octet_length"] = func(c *callSite) (string, bool) {
		if len(c.args) == 1 && (typeCategory(c.args[0]) == 'S' || c.args[0] == "unknown") {
			c.replace(castNodeTo(c.with("strlen", castNodeTo(c.arg(0), "text")), "int4"))
			return "int4", true
		}
		return "", false
	}
	functionRewrites["bit_length"] = func(c *callSite) (string, bool) {
		if len(c.args) == 1 && (typeCategory(c.args[0]) == 'S' || c.args[0] == "unknown") {
			bits := binary("*", c.with("strlen", castNodeTo(c.arg(0), "text")), pg.MakeAConstIntNode(8, -1))
			c.replace(castNodeTo(bits, "int4"))
			return "int4", true
		}
		return "", false
	}
	pad := func(c *callSite) (string, bool) {
		if len(c.args) == 2 {
			// The fill defaults to a space.
			c.call.Args = append(c.call.Args, pg.MakeAConstStrNode(" ", -1))
		}
		return "", false
	}
	functionRewrites["lpad"], functionRewrites["rpad"] = pad, pad
	functionRewrites["btrim"] = func(c *callSite) (string, bool) {
		c.replace(c.with("trim", c.call.Args...))
		return "text", true
	}
	functionRewrites["cardinality"] = func(c *callSite) (string, bool) {
		c.replace(castNodeTo(c.with("len", c.call.Args...), "int4"))
		return "int4", true
	}
	substr := func(c *callSite) (string, bool) {
		if len(c.args) < 2 || typeCategory(c.args[1]) != 'N' || !(typeCategory(c.args[0]) == 'S' || c.args[0] == "unknown") {
			return "", false
		}
		// A start before 1 shortens the length instead of counting from
		// the end.
		c.replace(c.shim("substr", c.call.Args...))
		return "text", true
	}
	functionRewrites["substr"], functionRewrites["substring"] = substr, substr
	functionRewrites["overlay"] = func(c *callSite) (string, bool) {
		if len(c.args) < 3 || typeCategory(c.args[0]) != 'S' && c.args[0] != "unknown" {
			return "", false
		}
		c.replace(c.shim("overlay", c.call.Args...))
		return "text", true
	}
	functionRewrites["to_char"] = func(c *callSite) (string, bool) {
		if len(c.args) != 2 {
			return "", false
		}
		switch t := c.args[0]; {
		case t == "timestamp":
			c.replace(c.with(ToCharTimestamp, c.arg(0), c.arg(1)))
		case t == "timestamptz" || t == "date":
			c.replace(c.with(ToCharTimestamptz, castNodeTo(c.arg(0), "timestamptz"), c.arg(1), str(c.r.timeZone())))
		case typeCategory(t) == 'N':
			c.replace(c.with(ToCharNumber, castNodeTo(c.arg(0), "text"), c.arg(1)))
		default:
			return "", false
		}
		return "text", true
	}
	functionRewrites["to_date"] = func(c *callSite) (string, bool) {
		if len(c.args) != 2 {
			return "", false
		}
		c.replace(c.with(ToDate, c.call.Args...))
		return "date", true
	}
	functionRewrites["to_timestamp"] = func(c *callSite) (string, bool) {
		if len(c.args) != 2 {
			return "", false // to_timestamp(epoch) is the engine's
		}
		c.replace(c.with(ToTimestamp, c.arg(0), c.arg(1), str(c.r.timeZone())))
		return "timestamptz", true
	}
	functionRewrites["regexp_match"] = func(c *callSite) (string, bool) {
		if len(c.args) != 2 {
			return "", false
		}
		c.replace(c.with(RegexpMatch, c.call.Args...))
		return "text[]", true
	}
	for _, j := range []string{"hours", "days", "interval"} {
		name := JustifyPrefix + j
		functionRewrites["justify_"+j] = func(c *callSite) (string, bool) {
			c.replace(c.with(name, c.call.Args...))
			return "interval", true
		}
	}
	functionRewrites["pg_typeof"] = func(c *callSite) (string, bool) {
		if len(c.args) != 1 {
			return "", false
		}
		if t := c.args[0]; t != "" && t != "record" {
			// The argument stays evaluated: an aggregate in it makes the
			// query an aggregate one.
			name := str(typeDisplayName(t))
			isNull := &pg.Node{Node: &pg.Node_NullTest{NullTest: &pg.NullTest{Arg: c.arg(0), Nulltesttype: pg.NullTestType_IS_NULL, Location: -1}}}
			c.replace(caseWhen(isNull, name, str(typeDisplayName(t))))
		} else {
			// The engine's type, named as PostgreSQL names it.
			c.replace(c.shim("pg_typeof", c.arg(0)))
		}
		return "text", true
	}
	functionRewrites["date_bin"] = func(c *callSite) (string, bool) {
		if len(c.args) != 3 {
			return "", false
		}
		c.replace(castNodeTo(c.with("time_bucket", c.call.Args...), c.result))
		return c.result, true
	}
	// The engine has one clock per statement; PostgreSQL's clock_timestamp
	// moves during it.
	for _, name := range []string{"clock_timestamp", "statement_timestamp", "transaction_timestamp"} {
		functionRewrites[name] = func(c *callSite) (string, bool) {
			c.replace(c.with("now"))
			return "timestamptz", true
		}
	}
	functionRewrites["array_to_string"] = func(c *callSite) (string, bool) {
		if len(c.args) != 3 {
			return "", false
		}
		// The third argument stands for NULL elements.
		elem := &pg.Node{Node: &pg.Node_ColumnRef{ColumnRef: &pg.ColumnRef{Fields: strNodes("pgd_e"), Location: -1}}}
		lambda := binary("->", elem, coalesce(castNodeTo(elem, "text"), c.arg(2)))
		c.replace(c.with("array_to_string", call("list_transform", c.arg(0), lambda), c.arg(1)))
		return "text", true
	}
	functionRewrites["extract"] = func(c *callSite) (string, bool) { return c.extract("numeric") }
	functionRewrites["date_part"] = func(c *callSite) (string, bool) { return c.extract("float8") }
}

// extractScales are the scales of extract()'s numeric results that are
// not integers, by field.
var extractScales = map[string]int{"second": 6, "milliseconds": 3, "epoch": 6}

// extract rewrites extract(field FROM x) and date_part('field', x) with a
// constant field: the engine's results are integers (bigint) where
// PostgreSQL's seconds, milliseconds and epoch have microseconds.
func (c *callSite) extract(result string) (string, bool) {
	if len(c.args) != 2 {
		return "", false
	}
	field, ok := stringConst(c.arg(0))
	if !ok {
		return "", false
	}
	field, typ := strings.ToLower(field), c.args[1]
	switch field {
	case "seconds":
		field = "second"
	case "millisecond", "msec", "msecs", "ms":
		field = "milliseconds"
	}
	x := c.arg(1)
	if typ == "unknown" {
		typ = "timestamptz"
	}
	scale := extractScales[field]
	if typ == "date" {
		scale = 0
	}
	var value *pg.Node
	switch {
	case field == "epoch" && typ == "date":
		value = castNode(call("epoch", x), decimalType(38, 0))
	case field == "epoch" && (typ == "timestamp" || typ == "timestamptz" || typ == "interval" || typ == "time"):
		value = micros(call("epoch_us", x), 6)
	case field == "second" && typ != "date":
		value = micros(call("date_part", pg.MakeAConstStrNode("microseconds", -1), x), 6)
	case field == "milliseconds" && typ != "date":
		value = micros(call("date_part", pg.MakeAConstStrNode("microseconds", -1), x), 3)
	case field == "julian":
		return "", false
	default:
		value = castNode(call("date_part", pg.MakeAConstStrNode(field, -1), x), decimalType(38, scale))
	}
	if result == "float8" {
		value = castNodeTo(value, "float8")
	}
	c.replace(value)
	return result, true
}

// micros is a count of microseconds as a numeric of scale 6 (seconds) or
// 3 (milliseconds), exactly: a decimal product, not a division.
func micros(us *pg.Node, scale int) *pg.Node {
	factor := "0.000001"
	if scale == 3 {
		factor = "0.001"
	}
	return binary("*", castNode(us, decimalType(38, 0)), &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{
		Val: &pg.A_Const_Fval{Fval: &pg.Float{Fval: factor}}, Location: -1}}})
}

// literalTargets are the parameter types an untyped string constant is
// cast to, as PostgreSQL coerces it: the engine would otherwise leave it
// a string (generate_series(..., '1 day')) or read it its own way.
func literalTarget(t string) bool {
	return engineTypes[t] || t == "numeric" || t == "json"
}

// resolveCall chooses the pg_proc signature of name for the argument
// types args (ok false when none accepts them) and casts the untyped
// string constants among the argument nodes to its parameter types, as
// PostgreSQL does, updating args.
func (r *nameResolver) resolveCall(name string, nodes []*pg.Node, args []string) (f FunctionType, result string, ok bool, err error) {
	f, result, ok = resolveFunction(name, args)
	if ok {
		err = r.castUnknownArgs(nodes, args, f)
	}
	return f, result, ok, err
}

// castUnknownArgs casts the untyped string constants among args to the
// parameter types of the signature PostgreSQL chose, checking them as its
// input functions do.
func (r *nameResolver) castUnknownArgs(nodes []*pg.Node, types []string, f FunctionType) error {
	for i, t := range types {
		if t != "unknown" || i >= len(nodes) {
			continue
		}
		p := paramAt(f, i)
		if err := r.castLiteral(nodes[i], p); err != nil {
			return err
		}
		if literalTarget(p) {
			types[i] = p
		}
	}
	return nil
}

// castLiteral casts n, when it is a string constant, to t.
func (r *nameResolver) castLiteral(n *pg.Node, t string) error {
	if !literalTarget(t) || !isStringConst(n) {
		return nil
	}
	if err := r.checkLiteral(n.GetAConst(), t); err != nil {
		return err
	}
	n.Node = castNodeTo(n, t).Node
	return nil
}

// timeZone is the session's TimeZone, where timestamptz values print.
func (r *nameResolver) timeZone() string {
	if s, ok := r.rw.session().Lookup("TimeZone"); ok {
		return s.Value
	}
	return "UTC"
}

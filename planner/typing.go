package planner

import (
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v5"
)

// The planner's PostgreSQL types: pg_type names ("int4", "numeric",
// "timestamptz", "text[]"), "unknown" for an untyped string literal, ""
// for a type the planner does not know. They follow PostgreSQL's parser:
// constants, casts, columns, operators and functions (functionTypes, from
// pg_proc) type as PostgreSQL types them, which is what the type-directed
// rewrites (semantics.go) need to make the engine's results PostgreSQL's.

// typeAliases are the names a cast may spell a type with.
var typeAliases = map[string]string{
	"integer": "int4", "int": "int4", "bigint": "int8", "smallint": "int2", "real": "float4",
	"float": "float8", "double precision": "float8", "boolean": "bool", "decimal": "numeric",
	"character varying": "varchar", "character": "bpchar", "char": "bpchar",
	"timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
	"time without time zone": "time", "time with time zone": "timetz", "string": "text",
}

// typeNameType is the type a TypeName names.
func typeNameType(tn *pg.TypeName) string {
	if tn == nil {
		return ""
	}
	name := lastString(tn.Names)
	if a, ok := typeAliases[name]; ok {
		name = a
	}
	if len(tn.ArrayBounds) > 0 {
		return name + "[]"
	}
	return name
}

// typeCategory is pg_type.typcategory for the types the planner meets.
func typeCategory(t string) byte {
	if strings.HasSuffix(t, "[]") {
		return 'A'
	}
	switch t {
	case "int2", "int4", "int8", "numeric", "float4", "float8", "oid":
		return 'N'
	case "text", "varchar", "bpchar", "name":
		return 'S'
	case "date", "time", "timetz", "timestamp", "timestamptz":
		return 'D'
	case "interval":
		return 'T'
	case "bool":
		return 'B'
	case "unknown":
		return 'X'
	}
	return 'U'
}

// preferredTypes are each category's preferred type (typispreferred).
var preferredTypes = map[string]bool{"float8": true, "text": true, "timestamptz": true, "interval": true, "bool": true, "oid": true}

// implicitCasts are PostgreSQL's implicit coercions (pg_cast, castcontext
// 'i', and binary-coercible string types) among the planner's types.
var implicitCasts = map[string][]string{
	"int2":      {"int4", "int8", "numeric", "float4", "float8"},
	"int4":      {"int8", "numeric", "float4", "float8", "oid"},
	"int8":      {"numeric", "float4", "float8", "oid"},
	"numeric":   {"float4", "float8"},
	"float4":    {"float8"},
	"varchar":   {"text", "bpchar", "name"},
	"bpchar":    {"text", "varchar", "name"},
	"name":      {"text", "varchar", "bpchar"},
	"text":      {"varchar", "bpchar", "name"},
	"date":      {"timestamp", "timestamptz"},
	"timestamp": {"timestamptz"},
	"time":      {"interval", "timetz"},
}

func castsImplicitly(from, to string) bool {
	if from == to || from == "unknown" {
		return true
	}
	for _, t := range implicitCasts[from] {
		if t == to {
			return true
		}
	}
	if strings.HasSuffix(from, "[]") && strings.HasSuffix(to, "[]") {
		return castsImplicitly(strings.TrimSuffix(from, "[]"), strings.TrimSuffix(to, "[]"))
	}
	return false
}

// polymorphic parameter types: "any" takes anything; the others bind one
// element type across a call.
func polymorphic(t string) bool {
	switch t {
	case "any", "anyelement", "anyarray", "anynonarray", "anycompatible", "anycompatiblearray",
		"anycompatiblenonarray", "anyenum", "anyrange", "anymultirange", "anycompatiblerange":
		return true
	}
	return false
}

// commonType is PostgreSQL's select_common_type over the planner's types:
// CASE, COALESCE, GREATEST, UNION and the anycompatible parameters.
func commonType(types []string) string {
	out := ""
	for _, t := range types {
		switch {
		case t == "":
			return ""
		case t == "unknown":
			continue
		case out == "":
			out = t
		case out == t:
		case castsImplicitly(out, t) && !castsImplicitly(t, out):
			out = t
		case castsImplicitly(t, out):
		default:
			return ""
		}
	}
	if out == "" {
		return "text" // all unknown: text, as PostgreSQL resolves them
	}
	return out
}

// constType is the type of a constant as PostgreSQL's parser gives it.
func constType(c *pg.A_Const) string {
	if c.Isnull {
		return "unknown"
	}
	switch v := c.Val.(type) {
	case *pg.A_Const_Ival:
		return "int4"
	case *pg.A_Const_Fval:
		// An integer too large for int4 is an Fval: int8 if it fits.
		if _, err := strconv.ParseInt(v.Fval.Fval, 10, 64); err == nil {
			return "int8"
		}
		return "numeric"
	case *pg.A_Const_Sval:
		return "unknown"
	case *pg.A_Const_Boolval:
		return "bool"
	case *pg.A_Const_Bsval:
		return "bit"
	}
	return ""
}

// numericRank orders the numeric types by promotion.
var numericRank = map[string]int{"int2": 1, "int4": 2, "int8": 3, "numeric": 4, "float4": 5, "float8": 6}

// arithmeticType is the result of l op r for +, -, *, /, % as PostgreSQL
// resolves the operator; "" when the planner cannot say.
func arithmeticType(op, l, r string) string {
	if l == "unknown" {
		l = r
	}
	if r == "unknown" {
		r = l
	}
	lr, lok := numericRank[l]
	rr, rok := numericRank[r]
	if lok && rok {
		if op == "%" && (l == "float4" || l == "float8" || r == "float4" || r == "float8") {
			return "" // no float modulo: PostgreSQL refuses it
		}
		switch {
		case l == "float4" && r == "float4":
			return "float4"
		case lr >= 5 || rr >= 5:
			return "float8"
		case lr == 4 || rr == 4:
			return "numeric"
		case lr == 3 || rr == 3:
			return "int8"
		case lr == 2 || rr == 2:
			return "int4"
		}
		return "int2"
	}
	key := op + " " + l + " " + r
	if t, ok := dateArithmetic[key]; ok {
		return t
	}
	if (op == "*" || op == "/") && l == "interval" && rok {
		return "interval"
	}
	if op == "*" && r == "interval" && lok {
		return "interval"
	}
	return ""
}

// dateArithmetic are the date and time operators' results.
var dateArithmetic = map[string]string{
	"+ date int4": "date", "+ int4 date": "date", "- date int4": "date", "- date date": "int4",
	"+ date interval": "timestamp", "+ interval date": "timestamp", "- date interval": "timestamp",
	"+ date time": "timestamp", "+ time date": "timestamp",
	"+ timestamp interval": "timestamp", "+ interval timestamp": "timestamp", "- timestamp interval": "timestamp",
	"+ timestamptz interval": "timestamptz", "+ interval timestamptz": "timestamptz", "- timestamptz interval": "timestamptz",
	"- timestamp timestamp": "interval", "- timestamptz timestamptz": "interval",
	"+ interval interval": "interval", "- interval interval": "interval",
	"+ time interval": "time", "- time interval": "time", "- time time": "interval",
	"- timestamptz timestamp": "interval", "- timestamp timestamptz": "interval",
	"- timestamptz date": "interval", "- date timestamptz": "interval", "- timestamp date": "interval",
}

// operatorType types a binary or unary operator expression.
func operatorType(op, l, r string) string {
	switch op {
	case "+", "-", "*", "/", "%":
		if l == "" && op == "-" { // unary minus
			return r
		}
		return arithmeticType(op, l, r)
	case "~":
		if l == "" { // bitwise NOT
			return r
		}
		return "bool"
	case "=", "<>", "!=", "<", ">", "<=", ">=", "~~", "~~*", "!~~", "!~~*", "~*", "!~", "!~*",
		"@>", "<@", "&&", "?", "?|", "?&":
		return "bool"
	case "||":
		switch {
		case strings.HasSuffix(l, "[]"):
			return l
		case strings.HasSuffix(r, "[]"):
			return r
		case l == "jsonb" && r == "jsonb":
			return "jsonb"
		case typeCategory(l) == 'S' || typeCategory(r) == 'S' || l == "unknown" || r == "unknown":
			return "text"
		}
	case "->", "#>":
		if l == "json" || l == "jsonb" {
			return l
		}
	case "->>", "#>>":
		if l == "json" || l == "jsonb" {
			return "text"
		}
	case "^", "|/", "||/":
		if l == "numeric" || r == "numeric" {
			return "numeric"
		}
		return "float8"
	case "@":
		return r
	case "&", "|", "#", "<<", ">>":
		if l == "" {
			return r
		}
		return arithmeticType("+", l, r)
	}
	return ""
}

// resolveFunction is PostgreSQL's function resolution (func_select_candidate)
// over functionTypes, simplified: exact matches first, then the candidates
// whose coercions go to preferred types, then string parameters for
// unknown literals. It returns the chosen signature and its result with
// polymorphic types resolved; ok is false when no signature or more than
// one with different results remain.
func resolveFunction(name string, args []string) (FunctionType, string, bool) {
	var cands []FunctionType
	for _, f := range functionsByName[name] {
		if accepts(f, args) {
			cands = append(cands, f)
		}
	}
	// Candidates taking the most arguments as they are; then the most
	// coerced to their category's preferred type; then unknown literals
	// as strings.
	for _, prefer := range []func(p, a string) bool{
		func(p, a string) bool { return p == a },
		func(p, a string) bool {
			return p != a && preferredTypes[p] && (a == "unknown" || typeCategory(p) == typeCategory(a))
		},
		func(p, a string) bool { return a == "unknown" && typeCategory(p) == 'S' },
	} {
		if len(cands) > 1 {
			cands = bestBy(cands, func(f FunctionType) int {
				n := 0
				for i, a := range args {
					if prefer(paramAt(f, i), a) {
						n++
					}
				}
				return n
			})
		}
	}
	if len(cands) == 0 {
		return FunctionType{}, "", false
	}
	result := ""
	for i, f := range cands {
		r := resolveResult(f, args)
		if i > 0 && r != result {
			return FunctionType{}, "", false
		}
		result = r
	}
	return cands[0], result, result != ""
}

func paramAt(f FunctionType, i int) string {
	if i < len(f.Args) {
		if f.Variadic != "" && i == len(f.Args)-1 {
			return f.Variadic
		}
		return f.Args[i]
	}
	if f.Variadic != "" {
		return f.Variadic
	}
	return ""
}

func accepts(f FunctionType, args []string) bool {
	switch {
	case f.Variadic != "":
		if len(args) < len(f.Args)-1 {
			return false
		}
	case len(args) != len(f.Args):
		return false
	}
	for i, a := range args {
		p := paramAt(f, i)
		if a == "" || polymorphic(p) || castsImplicitly(a, p) {
			continue
		}
		return false
	}
	return true
}

func bestBy(cands []FunctionType, score func(FunctionType) int) []FunctionType {
	best, out := -1, []FunctionType(nil)
	for _, c := range cands {
		switch s := score(c); {
		case s > best:
			best, out = s, []FunctionType{c}
		case s == best:
			out = append(out, c)
		}
	}
	return out
}

// resolveResult resolves a polymorphic result type from the arguments.
func resolveResult(f FunctionType, args []string) string {
	if !polymorphic(f.Result) {
		return f.Result
	}
	var elems []string
	for i, a := range args {
		switch p := paramAt(f, i); p {
		case "anyelement", "anynonarray", "anycompatible", "anycompatiblenonarray":
			elems = append(elems, a)
		case "anyarray", "anycompatiblearray":
			if a == "unknown" {
				continue
			}
			if !strings.HasSuffix(a, "[]") {
				return ""
			}
			elems = append(elems, strings.TrimSuffix(a, "[]"))
		}
	}
	elem := commonType(elems)
	if elem == "" {
		return ""
	}
	switch f.Result {
	case "anyelement", "anynonarray", "anycompatible", "anycompatiblenonarray":
		return elem
	case "anyarray", "anycompatiblearray":
		return elem + "[]"
	}
	return ""
}

// displayNames are format_type's names, which PostgreSQL's messages use.
var displayNames = map[string]string{
	"int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
	"bool": "boolean", "varchar": "character varying", "bpchar": "character", "time": "time without time zone",
	"timetz": "time with time zone", "timestamp": "timestamp without time zone",
	"timestamptz": "timestamp with time zone",
}

// typeDisplayName is a type as PostgreSQL's messages name it.
func typeDisplayName(t string) string {
	if strings.HasSuffix(t, "[]") {
		return typeDisplayName(strings.TrimSuffix(t, "[]")) + "[]"
	}
	if d, ok := displayNames[t]; ok {
		return d
	}
	return t
}

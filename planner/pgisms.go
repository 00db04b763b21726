package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v5"
)

// byteaHexLiterals rewrites PostgreSQL's hex input for bytea,
// '\x0102'::bytea, to unhex('0102'). The engine reads '\x01' inside a blob
// literal as one escaped byte, so without this the literal would decode to
// different bytes (pgx's simple protocol sends every bytea parameter this
// way).
func byteaHexLiterals(_ *rewrite, stmt *pg.RawStmt) error {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		tc, ok := n.Node.(*pg.Node_TypeCast)
		if !ok || tc.TypeCast.TypeName == nil || lastString(tc.TypeCast.TypeName.Names) != "bytea" {
			return true
		}
		c, ok := tc.TypeCast.Arg.GetNode().(*pg.Node_AConst)
		if !ok {
			return true
		}
		sv, ok := c.AConst.Val.(*pg.A_Const_Sval)
		if !ok || !strings.HasPrefix(sv.Sval.Sval, `\x`) {
			return true
		}
		hexDigits := strings.TrimPrefix(sv.Sval.Sval, `\x`)
		n.Node = &pg.Node_FuncCall{FuncCall: &pg.FuncCall{
			Funcname: []*pg.Node{pg.MakeStrNode("unhex")},
			Args:     []*pg.Node{pg.MakeAConstStrNode(hexDigits, c.AConst.Location)},
			Location: tc.TypeCast.Location,
		}}
		return false
	})
	return nil
}

// dateTypes are the casts whose string input may carry PostgreSQL's era
// suffix.
var dateTypes = map[string]bool{"date": true, "timestamp": true, "timestamptz": true}

// bcDateLiterals rewrites PostgreSQL's " BC" suffix on date and timestamp
// literals ('0044-03-15 BC'::date, what clients send for years before 1) to
// the engine's " (BC)", which it would otherwise ignore and read the year
// as AD.
func bcDateLiterals(_ *rewrite, stmt *pg.RawStmt) error {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		tc, ok := n.Node.(*pg.Node_TypeCast)
		if !ok || tc.TypeCast.TypeName == nil || !dateTypes[lastString(tc.TypeCast.TypeName.Names)] {
			return true
		}
		c, ok := tc.TypeCast.Arg.GetNode().(*pg.Node_AConst)
		if !ok {
			return true
		}
		sv, ok := c.AConst.Val.(*pg.A_Const_Sval)
		if !ok {
			return true
		}
		v := strings.TrimSpace(sv.Sval.Sval)
		if len(v) > 3 && strings.EqualFold(v[len(v)-3:], " BC") {
			// The engine takes the era right after the date part.
			v = v[:len(v)-3]
			date, clock, hasClock := strings.Cut(v, " ")
			if !hasClock {
				date, clock, hasClock = strings.Cut(v, "T")
			}
			sv.Sval.Sval = date + " (BC)"
			if hasClock {
				sv.Sval.Sval += " " + clock
			}
		}
		return true
	})
	return nil
}

// jsonbAsJSON reads jsonb as json: the engine has one JSON type, and the
// operators clients use on jsonb (->, ->>) mean the same on it.
func jsonbAsJSON(_ *rewrite, stmt *pg.RawStmt) error {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		if tc, ok := n.Node.(*pg.Node_TypeCast); ok && tc.TypeCast.TypeName != nil {
			names := tc.TypeCast.TypeName.Names
			if lastString(names) == "jsonb" {
				tc.TypeCast.TypeName.Names = []*pg.Node{pg.MakeStrNode("json")}
			}
		}
		return true
	})
	return nil
}

// jsonPathOperators rewrites PostgreSQL's path operators with a constant
// path, x #>> '{a,0,b}' and x #> '{a,0,b}', to the engine's
// json_extract_string(x, '$.a[0].b') and json_extract(x, ...).
func jsonPathOperators(_ *rewrite, stmt *pg.RawStmt) error {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		e, ok := n.Node.(*pg.Node_AExpr)
		if !ok || e.AExpr.Kind != pg.A_Expr_Kind_AEXPR_OP {
			return true
		}
		op := lastString(e.AExpr.Name)
		if op != "#>>" && op != "#>" {
			return true
		}
		c, ok := e.AExpr.Rexpr.GetNode().(*pg.Node_AConst)
		if !ok {
			return true
		}
		sv, ok := c.AConst.Val.(*pg.A_Const_Sval)
		if !ok {
			return true
		}
		path, ok := jsonPath(sv.Sval.Sval)
		if !ok {
			return true
		}
		fn := "json_extract"
		if op == "#>>" {
			fn = "json_extract_string"
		}
		n.Node = &pg.Node_FuncCall{FuncCall: &pg.FuncCall{
			Funcname: []*pg.Node{pg.MakeStrNode(fn)},
			Args:     []*pg.Node{e.AExpr.Lexpr, pg.MakeAConstStrNode(path, c.AConst.Location)},
			Location: e.AExpr.Location,
		}}
		return true
	})
	return nil
}

// jsonPath turns a text[] path literal into a JSONPath: '{a,0,b}' →
// '$.a[0].b'. Keys are quoted so any character is safe.
func jsonPath(lit string) (string, bool) {
	lit = strings.TrimSpace(lit)
	if len(lit) < 2 || lit[0] != '{' || lit[len(lit)-1] != '}' || strings.ContainsAny(lit[1:len(lit)-1], `"{}\`) {
		return "", false
	}
	var b strings.Builder
	b.WriteByte('$')
	for _, part := range strings.Split(lit[1:len(lit)-1], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return "", false
		}
		if isDigits(part) {
			b.WriteString("[" + part + "]")
			continue
		}
		b.WriteString(`."` + part + `"`)
	}
	return b.String(), true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

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

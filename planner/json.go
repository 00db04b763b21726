package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v5"
)

// PostgreSQL's JSON functions, built from the engine's: json_build_object,
// json_agg and the like write their values as PostgreSQL's datum_to_json
// does (float8out numbers, ISO 8601 timestamps with a T) with its spacing
// ({"a" : 1, "b" : 2}); jsonb results are normalised as jsonb prints them
// ({"a": 1}, keys sorted) by the engine's JSONBText function.

// JSONBText is the engine function that prints a JSON text as PostgreSQL
// prints it as jsonb (engine/pgjson.go).
const JSONBText = "pgdynamo_jsonb"

// The engine's Go functions behind PostgreSQL functions it lacks
// (engine/pgfunctions.go).
const (
	JSONBPretty       = "pgdynamo_jsonb_pretty"
	ToCharTimestamp   = "pgdynamo_to_char_timestamp"
	ToCharTimestamptz = "pgdynamo_to_char_timestamptz"
	ToCharNumber      = "pgdynamo_to_char_number"
	ToDate            = "pgdynamo_to_date"
	ToTimestamp       = "pgdynamo_to_timestamp"
	RegexpMatch       = "pgdynamo_regexp_match"
	// JustifyPrefix and hours, days or interval name justify_*'s.
	JustifyPrefix = "pgdynamo_justify_"
)

func str(s string) *pg.Node { return pg.MakeAConstStrNode(s, -1) }

func binary(op string, l, r *pg.Node) *pg.Node {
	return &pg.Node{Node: &pg.Node_AExpr{AExpr: &pg.A_Expr{Kind: pg.A_Expr_Kind_AEXPR_OP, Name: strNodes(op), Lexpr: l, Rexpr: r, Location: -1}}}
}

func concat(parts ...*pg.Node) *pg.Node { return call("concat", parts...) }

// jsonText is the JSON text PostgreSQL writes for the value x of type t
// inside an array or object, as the engine's text: NULL is null.
func jsonText(x *pg.Node, t string) *pg.Node {
	return coalesce(jsonValue(x, t), str("null"))
}

// jsonValue is to_json(x): NULL stays NULL.
func jsonValue(x *pg.Node, t string) *pg.Node {
	var v *pg.Node
	switch {
	case t == "int2" || t == "int4" || t == "int8" || t == "numeric":
		v = castNodeTo(x, "text")
	case t == "float4" || t == "float8":
		// NaN and the infinities are strings.
		v = caseWhen(call("isfinite", x), castNodeTo(x, "text"), quoted(castNodeTo(x, "text")))
	case t == "bool":
		v = caseWhen(x, str("true"), str("false"))
	case t == "json" || t == "jsonb":
		v = castNodeTo(x, "text")
	case t == "date":
		v = quoted(castNodeTo(x, "text"))
	case t == "timestamp":
		v = quoted(call("replace", castNodeTo(x, "text"), str(" "), str("T")))
	case t == "timestamptz":
		// ISO 8601: a T, and the offset's minutes.
		v = quoted(call("regexp_replace", call("replace", castNodeTo(x, "text"), str(" "), str("T")), str(`([+-]\d\d)$`), str(`\1:00`)))
	case typeCategory(t) == 'S' || t == "unknown":
		v = castNodeTo(call("to_json", castNodeTo(x, "text")), "text")
	default:
		v = castNodeTo(call("to_json", x), "text")
	}
	return v
}

// quoted is s in double quotes; NULL stays NULL.
func quoted(s *pg.Node) *pg.Node { return binary("||", binary("||", str(`"`), s), str(`"`)) }

// coalesce is COALESCE(...): not a function the engine can look up.
func coalesce(args ...*pg.Node) *pg.Node {
	return &pg.Node{Node: &pg.Node_CoalesceExpr{CoalesceExpr: &pg.CoalesceExpr{Args: args, Location: -1}}}
}

func caseWhen(cond, then, otherwise *pg.Node) *pg.Node {
	return &pg.Node{Node: &pg.Node_CaseExpr{CaseExpr: &pg.CaseExpr{
		Args:      []*pg.Node{{Node: &pg.Node_CaseWhen{CaseWhen: &pg.CaseWhen{Expr: cond, Result: then, Location: -1}}}},
		Defresult: otherwise, Location: -1,
	}}}
}

// asJSON makes a text json; asJSONB normalises it as jsonb prints.
func asJSON(text *pg.Node) *pg.Node  { return castNodeTo(text, "json") }
func asJSONB(text *pg.Node) *pg.Node { return castNodeTo(call(JSONBText, text), "json") }

// jsonKey is an object key's JSON text: keys are text, never null.
func jsonKey(k *pg.Node) *pg.Node { return jsonValue(k, "text") }

func init() {
	buildObject := func(jsonb bool) func(c *callSite) (string, bool) {
		return func(c *callSite) (string, bool) {
			if len(c.args)%2 != 0 {
				return "", false
			}
			sep, colon := ", ", " : "
			if jsonb {
				colon = ": "
			}
			parts := []*pg.Node{str("{")}
			for i := 0; i < len(c.args); i += 2 {
				if i > 0 {
					parts = append(parts, str(sep))
				}
				parts = append(parts, jsonKey(c.arg(i)), str(colon), jsonText(c.arg(i+1), c.args[i+1]))
			}
			parts = append(parts, str("}"))
			return c.jsonResult(concat(parts...), jsonb)
		}
	}
	functionRewrites["json_build_object"] = buildObject(false)
	functionRewrites["jsonb_build_object"] = buildObject(true)
	buildArray := func(jsonb bool) func(c *callSite) (string, bool) {
		return func(c *callSite) (string, bool) {
			parts := []*pg.Node{str("[")}
			for i := range c.args {
				if i > 0 {
					parts = append(parts, str(", "))
				}
				parts = append(parts, jsonText(c.arg(i), c.args[i]))
			}
			parts = append(parts, str("]"))
			return c.jsonResult(concat(parts...), jsonb)
		}
	}
	functionRewrites["json_build_array"] = buildArray(false)
	functionRewrites["jsonb_build_array"] = buildArray(true)
	agg := func(jsonb bool) func(c *callSite) (string, bool) {
		return func(c *callSite) (string, bool) {
			if len(c.args) != 1 {
				return "", false
			}
			// Arrays and rows after the first start a new line.
			sep := ", "
			if t := c.args[0]; !jsonb && (strings.HasSuffix(t, "[]") || t == "record") {
				sep = ", \n "
			}
			elems := c.with("string_agg", jsonText(c.arg(0), c.args[0]), str(sep))
			// || keeps the NULL of no rows, as PostgreSQL's json_agg.
			return c.jsonResult(binary("||", binary("||", str("["), elems), str("]")), jsonb)
		}
	}
	functionRewrites["json_agg"] = agg(false)
	functionRewrites["jsonb_agg"] = agg(true)
	objectAgg := func(jsonb bool) func(c *callSite) (string, bool) {
		return func(c *callSite) (string, bool) {
			if len(c.args) != 2 {
				return "", false
			}
			pair := concat(jsonKey(c.arg(0)), str(" : "), jsonText(c.arg(1), c.args[1]))
			elems := c.with("string_agg", pair, str(", "))
			return c.jsonResult(binary("||", binary("||", str("{ "), elems), str(" }")), jsonb)
		}
	}
	functionRewrites["json_object_agg"] = objectAgg(false)
	functionRewrites["jsonb_object_agg"] = objectAgg(true)
	toJSON := func(jsonb bool) func(c *callSite) (string, bool) {
		return func(c *callSite) (string, bool) {
			if len(c.args) != 1 {
				return "", false
			}
			return c.jsonResult(jsonValue(c.arg(0), c.args[0]), jsonb)
		}
	}
	functionRewrites["to_json"] = toJSON(false)
	functionRewrites["to_jsonb"] = toJSON(true)
	typeOf := func(c *callSite) (string, bool) {
		c.replace(c.shim("json_typeof", castNodeTo(c.arg(0), "json")))
		return "text", true
	}
	functionRewrites["json_typeof"], functionRewrites["jsonb_typeof"] = typeOf, typeOf
	functionRewrites["jsonb_array_length"] = func(c *callSite) (string, bool) {
		c.replace(castNodeTo(c.with("json_array_length", castNodeTo(c.arg(0), "json")), "int4"))
		return "int4", true
	}
	functionRewrites["jsonb_pretty"] = func(c *callSite) (string, bool) {
		c.replace(c.with(JSONBPretty, castNodeTo(c.arg(0), "text")))
		return "text", true
	}
	extractPath := func(extract, result string) func(c *callSite) (string, bool) {
		return func(c *callSite) (string, bool) {
			if len(c.args) < 2 {
				return "", false
			}
			path := "$"
			for i := 1; i < len(c.args); i++ {
				key, ok := stringConst(c.arg(i))
				if !ok {
					return "", false
				}
				path += `."` + strings.ReplaceAll(key, `"`, `\"`) + `"`
			}
			c.replace(call(extract, castNodeTo(c.arg(0), "json"), str(path)))
			return result, true
		}
	}
	functionRewrites["json_extract_path"] = extractPath("json_extract", "json")
	functionRewrites["jsonb_extract_path"] = extractPath("json_extract", "jsonb")
	functionRewrites["json_extract_path_text"] = extractPath("json_extract_string", "text")
	functionRewrites["jsonb_extract_path_text"] = extractPath("json_extract_string", "text")
}

// jsonResult makes text the call's json (or jsonb) result.
func (c *callSite) jsonResult(text *pg.Node, jsonb bool) (string, bool) {
	if jsonb {
		c.replace(asJSONB(text))
		return "jsonb", true
	}
	c.replace(asJSON(text))
	return "json", true
}

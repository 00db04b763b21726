package planner

import (
	pg "github.com/pganalyze/pg_query_go/v5"
)

// Set-returning functions. In the select list PostgreSQL (10 and later)
// makes a row per element, several of them side by side as if zipped; the
// engine does that with unnest() of a list, so each becomes unnest() of
// the engine's list form, cast to PostgreSQL's element type. In FROM the
// engine's table functions differ in their columns (json_each) or types
// (generate_series of integers is bigint): they become subqueries that
// select PostgreSQL's columns.

// srfLists are the engine list forms of PostgreSQL's set-returning
// functions: unnest() of the list makes the rows.
var srfLists = map[string]func(c *callSite) *pg.Node{
	"generate_series": func(c *callSite) *pg.Node {
		args := c.call.Args
		if len(c.args) > 0 && c.args[0] == "date" {
			args = append([]*pg.Node(nil), args...)
			args[0], args[1] = castNodeTo(args[0], "timestamp"), castNodeTo(args[1], "timestamp")
		}
		return call("generate_series", args...)
	},
	"generate_subscripts": func(c *callSite) *pg.Node {
		return call("generate_series", pg.MakeAConstIntNode(1, -1), call("len", c.arg(0)))
	},
	"json_array_elements":       jsonElements("json_extract"),
	"jsonb_array_elements":      jsonElements("json_extract"),
	"json_array_elements_text":  jsonElements("json_extract_string"),
	"jsonb_array_elements_text": jsonElements("json_extract_string"),
	"json_object_keys": func(c *callSite) *pg.Node {
		return call("json_keys", castNodeTo(c.arg(0), "json"))
	},
	"jsonb_object_keys": func(c *callSite) *pg.Node {
		return call("json_keys", castNodeTo(c.arg(0), "json"))
	},
	"regexp_split_to_table": func(c *callSite) *pg.Node {
		return call("string_split_regex", c.call.Args...)
	},
}

func jsonElements(extract string) func(c *callSite) *pg.Node {
	return func(c *callSite) *pg.Node {
		return call(extract, castNodeTo(c.arg(0), "json"), pg.MakeAConstStrNode("$[*]", -1))
	}
}

// selectListSRF rewrites a set-returning call in the select list to
// unnest() of its list form; it leaves one without (unnest itself is the
// engine's).
func (c *callSite) selectListSRF() {
	list, ok := srfLists[c.name]
	if !ok || len(c.call.Args) == 0 {
		return
	}
	rows := call("unnest", list(c))
	if engineTypes[c.result] {
		rows = castNodeTo(rows, c.result)
	}
	c.replace(rows)
}

// fromFunction types a function called in FROM and resolves its
// arguments: the call at n with its arguments' types and, for a
// built-in, its name and (first column's) result type. Another schema's
// function has no name here.
func (r *nameResolver) fromFunction(n *pg.Node, fc *pg.FuncCall, sc *nameScope) (*callSite, error) {
	args, err := r.types(fc.Args, sc, nil)
	if err != nil {
		return nil, err
	}
	c := &callSite{r: r, n: n, call: fc, args: args, sc: sc}
	name, ok := builtinName(fc.Funcname)
	if !ok {
		return c, nil
	}
	c.name = name
	if c.f, c.result, _, err = r.resolveCall(name, fc.Args, args); err != nil {
		return nil, err
	}
	return c, nil
}

// tableFunctionColumns are how FROM's set-returning functions become a
// subquery of the engine's: the select list over the engine's table
// function (or unnest of the list form) that yields PostgreSQL's columns.
var tableFunctionColumns = map[string]func(c *callSite) (*pg.SelectStmt, []string){
	"json_each":       jsonEach(false),
	"jsonb_each":      jsonEach(false),
	"json_each_text":  jsonEach(true),
	"jsonb_each_text": jsonEach(true),
}

// jsonEach selects key and value (as text for the _text forms) from the
// engine's json_each, which has eight columns.
func jsonEach(text bool) func(c *callSite) (*pg.SelectStmt, []string) {
	return func(c *callSite) (*pg.SelectStmt, []string) {
		value := pg.MakeColumnRefNode(strNodes("value"), -1)
		if text {
			value = call("json_extract_string", value, pg.MakeAConstStrNode("$", -1))
		}
		from := &pg.RangeFunction{Functions: []*pg.Node{pg.MakeListNode([]*pg.Node{call("json_each", castNodeTo(c.arg(0), "json")), {}})}}
		return &pg.SelectStmt{
			TargetList: []*pg.Node{
				pg.MakeResTargetNodeWithNameAndVal("key", pg.MakeColumnRefNode(strNodes("key"), -1), -1),
				pg.MakeResTargetNodeWithNameAndVal("value", value, -1),
			},
			FromClause: []*pg.Node{{Node: &pg.Node_RangeFunction{RangeFunction: from}}},
		}, []string{"key", "value"}
	}
}

// tableFunction rewrites a function in FROM whose engine form differs
// from PostgreSQL's into a subquery; n is the RangeFunction's node and c
// its only function's call.
func (r *nameResolver) tableFunction(n *pg.Node, rf *pg.RangeFunction, item *fromItem, c *callSite) {
	if rf.Ordinality || rf.IsRowsfrom {
		return
	}
	name, fc, args := c.name, c.call, c.args
	var sel *pg.SelectStmt
	var cols []string
	if build, ok := tableFunctionColumns[name]; ok && len(fc.Args) == 1 {
		sel, cols = build(c)
	} else if name == "generate_series" && len(item.columns) == 1 {
		// The engine's generate_series of integers is bigint, of dates
		// timestamp.
		t := item.columns[0].typ
		if t != "int4" && !(t == "timestamptz" && len(args) > 0 && args[0] == "date") {
			return
		}
		from := &pg.RangeFunction{Functions: []*pg.Node{pg.MakeListNode([]*pg.Node{call("generate_series", fc.Args...), {}})}}
		sel = &pg.SelectStmt{
			TargetList: []*pg.Node{pg.MakeResTargetNodeWithNameAndVal(name, castNodeTo(pg.MakeColumnRefNode(strNodes(name), -1), t), -1)},
			FromClause: []*pg.Node{{Node: &pg.Node_RangeFunction{RangeFunction: from}}},
		}
		cols = []string{name}
	} else if list, ok := srfLists[name]; ok && len(fc.Args) > 0 && len(item.columns) == 1 && name != "unnest" {
		rows := call("unnest", list(c))
		if t := item.columns[0].typ; engineTypes[t] {
			rows = castNodeTo(rows, t)
		}
		sel = &pg.SelectStmt{TargetList: []*pg.Node{pg.MakeResTargetNodeWithNameAndVal(name, rows, -1)}}
		cols = []string{name}
	} else {
		return
	}
	alias := &pg.Alias{Aliasname: name}
	if rf.Alias != nil {
		alias = &pg.Alias{Aliasname: rf.Alias.Aliasname, Colnames: rf.Alias.Colnames}
	}
	if len(alias.Colnames) == 0 {
		names := columnNames(item.columns)
		if len(names) != len(cols) {
			names = cols
		}
		alias.Colnames = strNodes(names...)
	}
	n.Node = &pg.Node_RangeSubselect{RangeSubselect: &pg.RangeSubselect{
		Lateral:  true,
		Subquery: &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: sel}},
		Alias:    alias,
	}}
}

package planner

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	pg "github.com/pganalyze/pg_query_go/v5"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// The catalog shim: the engine's own pg_catalog cannot describe our
// datasets (its OIDs are DuckDB's, its functions missing or different), so
// the engine holds a schema, ShimSchema, of tables generated from the
// catalog (catalog.SystemTables) and of functions (ShimFunctions), and
// these transforms send client SQL there:
//
//   - catalog-function-scans: scalar functions in FROM (string_to_array(...) s)
//     become one-row subqueries, and single-column set-returning functions
//     (generate_series(...) AS i) name their column after the alias, as in
//     PostgreSQL.
//   - catalog-relations: pg_catalog.X, information_schema.X and unqualified
//     pg_catalog names (pg_catalog is implicitly first on the search path)
//     become ShimSchema.X; per-session relations (pg_settings, pg_database)
//     become VALUES lists; information_schema's *_catalog columns get the
//     session's database.
//   - catalog-array-literals: '{a,b}' array literals become ARRAY[...] where
//     an array type asks for them (a cast, or a comparison with an array
//     column of the shim).
//   - catalog-functions: pg_catalog.f(...) and f(...) for the shim's
//     functions go to ShimSchema.f; session functions (version(),
//     current_setting(), current_user...) become constants of the session.
//   - catalog-casts: ::regclass, ::regtype, ::regproc, ::regnamespace and
//     ::regrole resolve names to OIDs (at plan time for constants, through
//     shim functions otherwise); PostgreSQL-only type names (name, oid,
//     "char", pg_catalog.text, int2vector...) become the engine's.
//   - catalog-operators: OPERATOR(pg_catalog.op) loses its schema; the
//     regular expression operators (~, ~*, !~, !~*) become regexp_matches,
//     which matches anywhere in the string as PostgreSQL's do.
//   - catalog-collations: COLLATE pg_catalog.default (and "C", "POSIX",
//     the engine's default) are dropped.

// ShimSchema is the engine schema that holds the catalog shim.
const ShimSchema = "pgdynamo_catalog"

// WithSession returns a planner whose statements see s as their session:
// current_user, current_setting(), pg_settings and the like answer from it.
func (p *Planner) WithSession(s catalog.Session) *Planner {
	q := *p
	q.session = &s
	return &q
}

func (rw *rewrite) session() catalog.Session {
	if rw.planner.session != nil {
		return *rw.planner.session
	}
	return catalog.Session{User: catalog.OwnerName, Database: catalog.OwnerName}
}

// shimFunctions are the functions the engine defines in ShimSchema. A call
// by its bare name or qualified by pg_catalog or information_schema goes
// there; the engine refuses to start if one is missing.
var shimFunctions = map[string]bool{
	"format_type": true, "pg_get_expr": true, "pg_table_is_visible": true, "pg_type_is_visible": true,
	"pg_function_is_visible": true, "pg_get_userbyid": true, "obj_description": true, "col_description": true,
	"shobj_description": true, "has_table_privilege": true, "has_schema_privilege": true,
	"has_any_column_privilege": true, "has_column_privilege": true, "has_database_privilege": true,
	"pg_get_indexdef": true, "pg_get_constraintdef": true, "pg_get_function_result": true,
	"pg_get_function_arguments": true, "pg_get_function_identity_arguments": true, "pg_get_viewdef": true,
	"pg_get_triggerdef": true, "pg_get_statisticsobjdef_columns": true, "pg_get_partkeydef": true,
	"pg_get_serial_sequence": true, "pg_relation_is_publishable": true, "pg_encoding_to_char": true,
	"quote_ident": true, "quote_literal": true, "parse_ident": true, "array_upper": true, "array_lower": true,
	"pg_is_in_recovery": true, "txid_current": true, "pg_postmaster_start_time": true, "_pg_expandarray": true,
	"pg_relation_size": true, "pg_total_relation_size": true, "pg_table_size": true, "pg_indexes_size": true,
	"pg_size_pretty": true, "pg_tablespace_location": true, "to_regclass": true, "to_regtype": true,
	"to_regnamespace": true,
	// Behind the reg* casts.
	"regclass_oid": true, "regclass_text": true, "regtype_oid": true, "regtype_text": true,
	"regnamespace_oid": true, "regnamespace_text": true, "regproc_text": true, "regrole_oid": true,
	"regrole_text": true,
	// Behind PostgreSQL's semantics of everyday operators and functions.
	"divide_checked": true, "modulo_checked": true, "substr": true, "json_typeof": true, "quote_nullable": true,
	"overlay": true, "encode": true, "decode": true, "initcap": true, "div": true, "width_bucket": true,
	"array_remove": true, "array_replace": true, "array_ndims": true, "array_length": true, "pg_typeof": true,
}

// ShimFunctions lists the functions the engine must define in ShimSchema.
func ShimFunctions() []string {
	out := make([]string, 0, len(shimFunctions))
	for f := range shimFunctions {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// QuoteIdentKeywords are the keywords quote_ident quotes: every PostgreSQL
// keyword that is not unreserved (a planner test checks each against the
// parser's own keyword table).
func QuoteIdentKeywords() []string {
	return strings.Fields(`all analyse analyze and any array as asc asymmetric authorization between bigint
		binary bit boolean both case cast char character check coalesce collate collation column concurrently
		constraint create cross current_catalog current_date current_role current_schema current_time
		current_timestamp current_user dec decimal default deferrable desc distinct do else end except exists
		extract false fetch float for foreign freeze from full grant greatest group grouping having ilike in
		initially inner inout int integer intersect interval into is isnull join json_array
		json_arrayagg json_object json_objectagg lateral leading least left like limit localtime
		localtimestamp national natural nchar none normalize not notnull null nullif numeric offset on only
		or order out outer overlaps overlay placing position precision primary real references returning
		right row select session_user setof similar smallint some substring symmetric system_user table
		tablesample then time timestamp to trailing treat trim true union unique user using values varchar
		variadic verbose when where window with xmlattributes xmlconcat xmlelement xmlexists xmlforest
		xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable`)
}

// systemSchema reports whether schema is one the shim answers for.
func systemSchema(schema string) bool {
	return schema == catalog.PGCatalog || schema == catalog.InformationSchema || schema == catalog.SystemSchema
}

// visibleSystemRelation is the system relation a FROM reference names:
// an unqualified name is looked up in pg_catalog, which PostgreSQL's
// search path implicitly starts with. ok is false for another schema's
// name and for the shim's internal relations, which clients cannot see.
func visibleSystemRelation(schema, name string) (*catalog.SystemRelation, bool) {
	if schema == "" {
		schema = catalog.PGCatalog
	} else if !systemSchema(schema) {
		return nil, false
	}
	rel, ok := catalog.LookupSystemRelation(schema, name)
	return rel, ok && !rel.Internal
}

func strNodes(parts ...string) []*pg.Node {
	out := make([]*pg.Node, len(parts))
	for i, p := range parts {
		out[i] = pg.MakeStrNode(p)
	}
	return out
}

func stringsOf(nodes []*pg.Node) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if s, ok := n.Node.(*pg.Node_String_); ok {
			out = append(out, s.String_.Sval)
		}
	}
	return out
}

// --- catalog-function-scans ---

// scalarFunctionsInFrom are non-set-returning functions clients put in
// FROM (Grafana: string_to_array(current_setting('search_path'),',') s).
var scalarFunctionsInFrom = map[string]bool{
	"string_to_array": true, "current_schemas": true, "parse_ident": true, "regexp_split_to_array": true,
	"current_setting": true, "current_database": true, "current_schema": true, "version": true,
}

// singleColumnFunctions return one column, which PostgreSQL names after the
// FROM alias.
var singleColumnFunctions = map[string]bool{
	"generate_series": true, "generate_subscripts": true, "unnest": true, "range": true,
}

func catalogFunctionScans(_ *rewrite, stmt *pg.RawStmt) error {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		rf, ok := n.Node.(*pg.Node_RangeFunction)
		if !ok {
			return true
		}
		r := rf.RangeFunction
		if len(r.Functions) != 1 || r.IsRowsfrom || r.Ordinality {
			return true
		}
		callNode, call, ok := rangeFunctionCall(r.Functions[0])
		if !ok {
			return true
		}
		bare, ok := builtinName(call.Funcname)
		if !ok {
			return true
		}
		switch {
		case scalarFunctionsInFrom[bare]:
			alias := r.Alias
			if alias == nil {
				alias = &pg.Alias{Aliasname: bare}
			}
			col := alias.Aliasname
			if len(alias.Colnames) > 0 {
				col = stringsOf(alias.Colnames)[0]
			} else {
				alias.Colnames = strNodes(col)
			}
			sel := &pg.SelectStmt{TargetList: []*pg.Node{pg.MakeResTargetNodeWithNameAndVal(col, callNode, -1)}}
			n.Node = &pg.Node_RangeSubselect{RangeSubselect: &pg.RangeSubselect{
				Lateral:  true,
				Subquery: &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: sel}},
				Alias:    alias,
			}}
		case singleColumnFunctions[bare] && (bare != "unnest" || len(call.Args) == 1):
			if r.Alias != nil && len(r.Alias.Colnames) == 0 {
				r.Alias.Colnames = strNodes(r.Alias.Aliasname)
			}
		}
		return true
	})
	return nil
}

// --- catalog-relations ---

func catalogRelations(rw *rewrite, stmt *pg.RawStmt) error {
	var err error
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		if err != nil {
			return false
		}
		switch v := n.Node.(type) {
		case *pg.Node_ColumnRef:
			// pg_catalog.pg_class.oid lost its schema in postgres-names.
			return false
		case *pg.Node_RangeVar:
			r := v.RangeVar
			if r.Catalogname != "" || r.Schemaname == "" && rw.ctes[r.Relname] {
				return false
			}
			rel, ok := visibleSystemRelation(r.Schemaname, r.Relname)
			if !ok {
				// Unqualified, it may be a dataset's name; another
				// schema's is not the shim's to answer.
				if systemSchema(r.Schemaname) {
					err = &pgerror.Error{Code: pgerror.UndefinedTable,
						Message:  fmt.Sprintf("relation %q does not exist", r.Schemaname+"."+r.Relname),
						Position: rw.position(r.Location)}
				}
				return false
			}
			var repl *pg.Node
			repl, err = rw.shimRelation(rel, r)
			if err == nil {
				n.Node = repl.Node
			}
			return false
		}
		return true
	})
	return err
}

// shimRelation is what replaces a reference to rel.
func (rw *rewrite) shimRelation(rel *catalog.SystemRelation, r *pg.RangeVar) (*pg.Node, error) {
	alias := r.Alias
	if alias == nil {
		alias = &pg.Alias{Aliasname: r.Relname}
	}
	if rel.PerSession {
		rw.volatile = true
		rows, err := catalog.SessionRows(rel, rw.session())
		if err != nil {
			return nil, pgerror.Wrap(err, pgerror.InternalError)
		}
		return rangeSubselect(valuesSelect(rel.Columns, rows), alias, rel.Columns), nil
	}
	target := &pg.RangeVar{Schemaname: ShimSchema, Relname: rel.Name, Inh: true, Relpersistence: "p", Location: r.Location}
	hasDatabase := false
	for _, c := range rel.Columns {
		hasDatabase = hasDatabase || c.Database
	}
	if !hasDatabase {
		target.Alias = r.Alias
		return &pg.Node{Node: &pg.Node_RangeVar{RangeVar: target}}, nil
	}
	// information_schema's *_catalog columns hold the session's database.
	sel := &pg.SelectStmt{FromClause: []*pg.Node{{Node: &pg.Node_RangeVar{RangeVar: target}}}}
	for _, c := range rel.Columns {
		val := pg.MakeColumnRefNode(strNodes(c.Name), -1)
		if c.Database {
			val = typedConst(rw.session().Database, c.Type)
		}
		sel.TargetList = append(sel.TargetList, pg.MakeResTargetNodeWithNameAndVal(c.Name, val, -1))
	}
	return rangeSubselect(sel, alias, nil), nil
}

func rangeSubselect(sel *pg.SelectStmt, alias *pg.Alias, cols []catalog.SystemColumn) *pg.Node {
	if cols != nil && len(alias.Colnames) == 0 {
		alias = &pg.Alias{Aliasname: alias.Aliasname}
		for _, c := range cols {
			alias.Colnames = append(alias.Colnames, pg.MakeStrNode(c.Name))
		}
	}
	return &pg.Node{Node: &pg.Node_RangeSubselect{RangeSubselect: &pg.RangeSubselect{
		Subquery: &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: sel}},
		Alias:    alias,
	}}}
}

// valuesSelect is VALUES (...), (...) with every value cast to its column
// type; with no rows, a typed empty SELECT.
func valuesSelect(cols []catalog.SystemColumn, rows [][]any) *pg.SelectStmt {
	if len(rows) == 0 {
		sel := &pg.SelectStmt{WhereClause: &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Boolval{Boolval: &pg.Boolean{Boolval: false}}}}}}
		for _, c := range cols {
			sel.TargetList = append(sel.TargetList, pg.MakeResTargetNodeWithNameAndVal(c.Name, typedConst(nil, c.Type), -1))
		}
		return sel
	}
	sel := &pg.SelectStmt{}
	for _, row := range rows {
		vals := make([]*pg.Node, len(row))
		for i, v := range row {
			vals[i] = typedConst(v, cols[i].Type)
		}
		sel.ValuesLists = append(sel.ValuesLists, pg.MakeListNode(vals))
	}
	return sel
}

// typeNameOf is the engine's spelling of a pgtypes type.
func typeNameOf(t pgtypes.Type) *pg.TypeName {
	tn := &pg.TypeName{Typemod: -1}
	if t.IsArray() {
		elem, _ := pgtypes.TypeByOID(t.Elem)
		tn.Names = strNodes(elem.Name)
		tn.ArrayBounds = []*pg.Node{pg.MakeIntNode(-1)}
		return tn
	}
	tn.Names = strNodes(t.Name)
	return tn
}

func castNode(arg *pg.Node, tn *pg.TypeName) *pg.Node {
	return &pg.Node{Node: &pg.Node_TypeCast{TypeCast: &pg.TypeCast{Arg: arg, TypeName: tn, Location: -1}}}
}

// constNode is an untyped constant for a Go value.
func constNode(v any) *pg.Node {
	switch x := v.(type) {
	case nil:
		return &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Isnull: true, Location: -1}}}
	case string:
		return pg.MakeAConstStrNode(x, -1)
	case bool:
		return &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Boolval{Boolval: &pg.Boolean{Boolval: x}}, Location: -1}}}
	case int64:
		return intConst(x)
	case int32:
		return intConst(int64(x))
	case int16:
		return intConst(int64(x))
	case uint32:
		return intConst(int64(x))
	case float32:
		return &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Fval{Fval: &pg.Float{Fval: strconv.FormatFloat(float64(x), 'g', -1, 32)}}, Location: -1}}}
	case time.Time:
		// ISO 8601 with the offset, which both the engine and PostgreSQL read.
		return pg.MakeAConstStrNode(x.Format("2006-01-02 15:04:05.999999Z07:00"), -1)
	case []string:
		elems := make([]*pg.Node, len(x))
		for i, s := range x {
			elems[i] = constNode(s)
		}
		return &pg.Node{Node: &pg.Node_AArrayExpr{AArrayExpr: &pg.A_ArrayExpr{Elements: elems, Location: -1}}}
	case []int64:
		elems := make([]*pg.Node, len(x))
		for i, s := range x {
			elems[i] = constNode(s)
		}
		return &pg.Node{Node: &pg.Node_AArrayExpr{AArrayExpr: &pg.A_ArrayExpr{Elements: elems, Location: -1}}}
	}
	return constNode(fmt.Sprint(v))
}

func intConst(v int64) *pg.Node {
	if v >= -1<<31 && v < 1<<31 {
		return pg.MakeAConstIntNode(v, -1)
	}
	return &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Fval{Fval: &pg.Float{Fval: strconv.FormatInt(v, 10)}}, Location: -1}}}
}

// typedConst is a constant cast to t.
func typedConst(v any, t pgtypes.Type) *pg.Node { return castNode(constNode(v), typeNameOf(t)) }

// --- catalog-array-literals ---

func catalogArrayLiterals(rw *rewrite, stmt *pg.RawStmt) error {
	// Relations of the shim in the statement, by the name queries use.
	rels := map[string]*catalog.SystemRelation{}
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		if rv, ok := n.Node.(*pg.Node_RangeVar); ok && rv.RangeVar.Schemaname == ShimSchema {
			if rel, ok := catalog.LookupSystemRelation(catalog.PGCatalog, rv.RangeVar.Relname); ok {
				name := rv.RangeVar.Relname
				if rv.RangeVar.Alias != nil {
					name = rv.RangeVar.Alias.Aliasname
				}
				rels[name] = rel
			}
		}
		return true
	})
	columnType := func(ref *pg.ColumnRef) (pgtypes.Type, bool) {
		f := stringsOf(ref.Fields)
		switch len(f) {
		case 2:
			if rel, ok := rels[f[0]]; ok {
				c, ok := rel.Column(f[1])
				return c.Type, ok
			}
		case 1:
			var found []pgtypes.Type
			for _, rel := range rels {
				if c, ok := rel.Column(f[0]); ok {
					found = append(found, c.Type)
				}
			}
			if len(found) == 1 {
				return found[0], true
			}
		}
		return pgtypes.Type{}, false
	}
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		switch v := n.Node.(type) {
		case *pg.Node_TypeCast:
			tc := v.TypeCast
			if tc.TypeName != nil && len(tc.TypeName.ArrayBounds) > 0 {
				if arr, ok := arrayLiteralNode(tc.Arg); ok {
					tc.Arg = arr
				}
			}
		case *pg.Node_AExpr:
			e := v.AExpr
			if e.Kind != pg.A_Expr_Kind_AEXPR_OP {
				return true
			}
			switch lastString(e.Name) {
			case "=", "<>", "!=", "@>", "<@", "&&":
			default:
				return true
			}
			for _, pair := range [][2]**pg.Node{{&e.Lexpr, &e.Rexpr}, {&e.Rexpr, &e.Lexpr}} {
				ref, ok := (*pair[0]).GetNode().(*pg.Node_ColumnRef)
				if !ok {
					continue
				}
				t, ok := columnType(ref.ColumnRef)
				if !ok || !t.IsArray() {
					continue
				}
				if arr, ok := arrayLiteralNode(*pair[1]); ok {
					*pair[1] = castNode(arr, typeNameOf(t))
				}
			}
		}
		return true
	})
	return nil
}

// arrayLiteralNode turns a string constant holding a one-dimensional
// PostgreSQL array literal ('{a,"b c",NULL}') into ARRAY['a','b c',NULL].
func arrayLiteralNode(n *pg.Node) (*pg.Node, bool) {
	c, ok := n.GetNode().(*pg.Node_AConst)
	if !ok {
		return nil, false
	}
	s, ok := c.AConst.Val.(*pg.A_Const_Sval)
	if !ok {
		return nil, false
	}
	elems, ok := parseArrayLiteral(s.Sval.Sval)
	if !ok {
		return nil, false
	}
	nodes := make([]*pg.Node, len(elems))
	for i, e := range elems {
		if e == nil {
			nodes[i] = constNode(nil)
		} else {
			nodes[i] = constNode(*e)
		}
	}
	return &pg.Node{Node: &pg.Node_AArrayExpr{AArrayExpr: &pg.A_ArrayExpr{Elements: nodes, Location: -1}}}, true
}

// parseArrayLiteral parses PostgreSQL's array input syntax for one
// dimension; nil elements are NULL.
func parseArrayLiteral(s string) ([]*string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	if strings.TrimSpace(body) == "" {
		return []*string{}, true
	}
	var out []*string
	for i := 0; i <= len(body); {
		for i < len(body) && body[i] == ' ' {
			i++
		}
		var elem strings.Builder
		quoted := false
		if i < len(body) && body[i] == '"' {
			quoted = true
			i++
			for i < len(body) && body[i] != '"' {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				elem.WriteByte(body[i])
				i++
			}
			if i >= len(body) {
				return nil, false
			}
			i++ // closing quote
			for i < len(body) && body[i] == ' ' {
				i++
			}
		} else {
			for i < len(body) && body[i] != ',' {
				if body[i] == '{' || body[i] == '}' || body[i] == '"' {
					return nil, false // nested or malformed
				}
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				elem.WriteByte(body[i])
				i++
			}
		}
		v := elem.String()
		if !quoted {
			v = strings.TrimSpace(v)
		}
		if !quoted && strings.EqualFold(v, "NULL") {
			out = append(out, nil)
		} else {
			out = append(out, &v)
		}
		if i < len(body) && body[i] != ',' {
			return nil, false
		}
		i++
	}
	return out, true
}

// TransformNames lists the query transforms in the order they run.
func TransformNames() []string {
	out := make([]string, len(queryTransforms))
	for i, t := range queryTransforms {
		out[i] = t.Name
	}
	return out
}

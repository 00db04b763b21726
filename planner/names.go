package planner

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v5"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// postgresNames resolves column references as PostgreSQL's parser does
// (transformColumnRef), before any relation is rewritten:
//
//   - schema.table.column (and database.schema.table.column for the
//     session's database) become table.column when the FROM item is that
//     relation, unaliased: every later rewrite keeps the relation's name as
//     the engine's binding, but the engine knows no schema for it. Metabase
//     qualifies every column this way.
//   - A reference PostgreSQL refuses is refused here, in its words and at
//     its position in the client's text: an unknown column (42703, with
//     PostgreSQL's "Perhaps you meant" hint), a table the FROM clause does
//     not have or hides behind an alias (42P01), an ambiguous name (42702).
//     Only where every FROM item's columns are known (datasets, catalog
//     relations, CTEs and subqueries over them, aliased column lists); the
//     engine's own errors, translated, cover the rest.
//
// Columns are matched exactly, as PostgreSQL does with the case-folded and
// quoted identifiers its parser produced; the engine alone would match
// them case-insensitively.
func postgresNames(rw *rewrite, stmt *pg.RawStmt) error {
	r := &nameResolver{rw: rw}
	return r.statement(stmt.Stmt, nil)
}

// fromItem is one entry of a FROM clause's namespace.
type fromItem struct {
	// refname qualifies the item's columns: its alias, else the relation's
	// (or function's) name.
	refname string
	// schema and relname are set for relations; schema is the one the name
	// resolved to (public for an unqualified dataset).
	schema, relname string
	aliased         bool
	// columns are the item's columns; known is false when they cannot be
	// worked out here.
	columns []column
	known   bool
}

// column is an output column: its name and PostgreSQL type ("" unknown).
type column struct {
	name, typ string
}

func (it *fromItem) has(col string) bool {
	_, ok := it.column(col)
	return ok
}

func (it *fromItem) column(name string) (column, bool) {
	for _, c := range it.columns {
		if c.name == name {
			return c, true
		}
	}
	return column{}, false
}

// columnType is the type of the item's column name, which the query
// qualifies with table; a missing one is PostgreSQL's error.
func (it *fromItem) columnType(table, name string, sc *nameScope, pos int) (string, error) {
	col, ok := it.column(name)
	if it.known && !ok {
		return "", missingColumn(table, name, sc, pos)
	}
	return col.typ, nil
}

// columnNames returns the columns' names.
func columnNames(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}

// nameScope is one query level: its FROM items and the levels around it.
type nameScope struct {
	items []*fromItem
	// merged are the columns JOIN ... USING made one, so not ambiguous.
	merged map[string]bool
	// natural is set when a NATURAL join makes ambiguity unknowable here.
	natural bool
	parent  *nameScope
}

// allKnown reports whether every item of s and of its parents has known
// columns: only then can a name be said not to exist.
func (s *nameScope) allKnown() bool {
	for ; s != nil; s = s.parent {
		for _, it := range s.items {
			if !it.known {
				return false
			}
		}
	}
	return true
}

type nameResolver struct {
	rw *rewrite
	// ctes are the CTEs in scope, innermost last.
	ctes []map[string]*fromItem
}

func (r *nameResolver) statement(n *pg.Node, parent *nameScope) error {
	if sel, ok := n.GetNode().(*pg.Node_SelectStmt); ok {
		_, err := r.selectStmt(sel.SelectStmt, parent)
		return err
	}
	return nil
}

// selectStmt resolves sel's references, rewrites its expressions
// (semantics.go) and returns its output columns (nil when unknown).
func (r *nameResolver) selectStmt(sel *pg.SelectStmt, parent *nameScope) ([]column, error) {
	if sel == nil {
		return nil, nil
	}
	if sel.WithClause != nil {
		r.ctes = append(r.ctes, map[string]*fromItem{})
		defer func() { r.ctes = r.ctes[:len(r.ctes)-1] }()
		if err := r.withClause(sel.WithClause, parent); err != nil {
			return nil, err
		}
	}
	if sel.Op != pg.SetOperation_SETOP_NONE {
		left, err := r.selectStmt(sel.Larg, parent)
		if err != nil {
			return nil, err
		}
		right, err := r.selectStmt(sel.Rarg, parent)
		if err != nil {
			return nil, err
		}
		// ORDER BY of a set operation names its output columns only.
		return setOperationColumns(left, right), nil
	}
	if len(sel.ValuesLists) > 0 {
		return r.valuesLists(sel.ValuesLists, parent)
	}
	sc := &nameScope{parent: parent, merged: map[string]bool{}}
	for _, f := range sel.FromClause {
		if err := r.fromItem(f, sc); err != nil {
			return nil, err
		}
	}
	outputs := map[string]bool{}
	for _, t := range sel.TargetList {
		if rt, ok := t.Node.(*pg.Node_ResTarget); ok && rt.ResTarget.Name != "" {
			outputs[rt.ResTarget.Name] = true
		}
	}
	// PostgreSQL's order: the target list, WHERE, HAVING, ORDER BY, GROUP
	// BY, DISTINCT ON, windows, LIMIT.
	cols, err := r.targetList(sel.TargetList, sc)
	if err != nil {
		return nil, err
	}
	if err := r.exprs([]*pg.Node{sel.WhereClause, sel.HavingClause}, sc, nil); err != nil {
		return nil, err
	}
	for _, group := range [][]*pg.Node{sel.SortClause, sel.GroupClause, sel.DistinctClause} {
		if err := r.exprs(group, sc, outputs); err != nil {
			return nil, err
		}
	}
	if err := r.exprs(sel.WindowClause, sc, nil); err != nil {
		return nil, err
	}
	if err := r.exprs([]*pg.Node{sel.LimitCount, sel.LimitOffset}, sc, nil); err != nil {
		return nil, err
	}
	return cols, nil
}

// setOperationColumns are a set operation's columns: the left arm's names,
// the arms' common types.
func setOperationColumns(left, right []column) []column {
	if left == nil {
		return nil
	}
	out := append([]column(nil), left...)
	for i := range out {
		if right == nil || i >= len(right) {
			out[i].typ = ""
			continue
		}
		out[i].typ = commonType([]string{left[i].typ, right[i].typ})
	}
	return out
}

// valuesLists types a VALUES list's columns: column1, column2, ... of the
// rows' common types.
func (r *nameResolver) valuesLists(lists []*pg.Node, parent *nameScope) ([]column, error) {
	var types [][]string
	for _, l := range lists {
		row, ok := l.Node.(*pg.Node_List)
		if !ok {
			continue
		}
		ts, err := r.types(row.List.Items, parent, nil)
		if err != nil {
			return nil, err
		}
		types = append(types, ts)
	}
	if len(types) == 0 {
		return nil, nil
	}
	cols := make([]column, len(types[0]))
	for i := range cols {
		var col []string
		for _, row := range types {
			if i < len(row) {
				col = append(col, row[i])
			}
		}
		cols[i] = column{name: fmt.Sprintf("column%d", i+1), typ: commonType(col)}
	}
	return cols, nil
}

func (r *nameResolver) withClause(w *pg.WithClause, parent *nameScope) error {
	for _, c := range w.Ctes {
		cte, ok := c.Node.(*pg.Node_CommonTableExpr)
		if !ok {
			continue
		}
		item := &fromItem{refname: cte.CommonTableExpr.Ctename}
		// A recursive CTE reads itself while its columns are being found.
		r.ctes[len(r.ctes)-1][item.refname] = item
		sub, ok := cte.CommonTableExpr.Ctequery.GetNode().(*pg.Node_SelectStmt)
		if !ok {
			continue
		}
		cols, err := r.selectStmt(sub.SelectStmt, parent)
		if err != nil {
			return err
		}
		if alias := stringsOf(cte.CommonTableExpr.Aliascolnames); len(alias) > 0 {
			cols = overlayNames(cols, alias)
		}
		item.columns, item.known = cols, cols != nil
	}
	return nil
}

// overlayNames renames the first columns as an alias column list does;
// the rest keep their names.
func overlayNames(cols []column, alias []string) []column {
	if cols == nil || len(alias) > len(cols) {
		return nil
	}
	out := append([]column(nil), cols...)
	for i, a := range alias {
		out[i].name = a
	}
	return out
}

func (r *nameResolver) cte(name string) (*fromItem, bool) {
	for i := len(r.ctes) - 1; i >= 0; i-- {
		if it, ok := r.ctes[i][name]; ok {
			return it, true
		}
	}
	return nil, false
}

// fromItem adds what n brings to sc's namespace and resolves the
// references inside it (join conditions, function arguments, subqueries).
func (r *nameResolver) fromItem(n *pg.Node, sc *nameScope) error {
	switch v := n.GetNode().(type) {
	case *pg.Node_RangeVar:
		sc.items = append(sc.items, r.relation(v.RangeVar))
	case *pg.Node_RangeSubselect:
		// Not LATERAL: the subquery sees the levels around this one only,
		// never its siblings; LATERAL ones see the items before them.
		outer := sc.parent
		if v.RangeSubselect.Lateral {
			outer = sc
		}
		var cols []column
		if sub, ok := v.RangeSubselect.Subquery.GetNode().(*pg.Node_SelectStmt); ok {
			var err error
			if cols, err = r.selectStmt(sub.SelectStmt, outer); err != nil {
				return err
			}
		}
		item := &fromItem{}
		if a := v.RangeSubselect.Alias; a != nil {
			item.refname, item.aliased = a.Aliasname, true
			if alias := stringsOf(a.Colnames); len(alias) > 0 {
				cols = overlayNames(cols, alias)
			}
		}
		item.columns, item.known = cols, cols != nil
		sc.items = append(sc.items, item)
	case *pg.Node_RangeFunction:
		// Function arguments may name the items before them (LATERAL is
		// implicit for functions).
		item, err := r.functionItem(n, v.RangeFunction, sc)
		if err != nil {
			return err
		}
		sc.items = append(sc.items, item)
	case *pg.Node_JoinExpr:
		j := v.JoinExpr
		before := len(sc.items)
		if err := r.fromItem(j.Larg, sc); err != nil {
			return err
		}
		if err := r.fromItem(j.Rarg, sc); err != nil {
			return err
		}
		for _, u := range stringsOf(j.UsingClause) {
			sc.merged[u] = true
		}
		sc.natural = sc.natural || j.IsNatural
		if _, err := r.expr(j.Quals, sc, nil); err != nil {
			return err
		}
		if j.Alias != nil {
			// An aliased join hides the names inside it; its columns are
			// not worked out here.
			sc.items = append(sc.items[:before], &fromItem{refname: j.Alias.Aliasname, aliased: true})
		}
	default:
		sc.items = append(sc.items, &fromItem{})
	}
	return nil
}

// relation is the item of a relation reference: a CTE, a catalog relation
// or a dataset. An unknown relation is an item of unknown columns; the
// datasets-to-scans transform reports it.
func (r *nameResolver) relation(rv *pg.RangeVar) *fromItem {
	item := &fromItem{refname: rv.Relname, relname: rv.Relname, schema: rv.Schemaname}
	if rv.Alias != nil {
		item.refname, item.aliased = rv.Alias.Aliasname, true
	}
	alias := func(cols []column) {
		if rv.Alias != nil && len(rv.Alias.Colnames) > 0 {
			cols = overlayNames(cols, stringsOf(rv.Alias.Colnames))
		}
		item.columns, item.known = cols, cols != nil
	}
	if rv.Catalogname != "" {
		return item
	}
	if rv.Schemaname == "" {
		if cte, ok := r.cte(rv.Relname); ok {
			item.relname = ""
			if cte.known {
				alias(cte.columns)
			}
			return item
		}
	}
	if rel, ok := visibleSystemRelation(rv.Schemaname, rv.Relname); ok {
		item.schema = rel.Schema
		cols := make([]column, len(rel.Columns))
		for i, c := range rel.Columns {
			cols[i] = column{name: c.Name, typ: pgTypeName(c.Type)}
		}
		alias(cols)
		return item
	}
	if ds, ok := r.rw.catalog.Lookup(rv.Schemaname, rv.Relname); ok {
		item.schema = ds.Schema
		cols := make([]column, len(ds.Columns.Columns))
		for i, c := range ds.Columns.Columns {
			cols[i] = column{name: c.Name}
			if t, err := pgtypes.ForArrow(c.Field.Type); err == nil {
				cols[i].typ = pgTypeName(t)
			}
		}
		alias(cols)
	}
	return item
}

// pgTypeName is the planner's name for a pgtypes type: "text[]" for _text.
func pgTypeName(t pgtypes.Type) string {
	if t.IsArray() {
		if elem, ok := pgtypes.TypeByOID(t.Elem); ok {
			return elem.Name + "[]"
		}
	}
	return t.Name
}

// setReturningColumns are the columns of the table functions FROM may
// call, when the function does not name them by its own name.
var setReturningColumns = map[string][]column{
	"json_each": {{"key", "text"}, {"value", "json"}}, "jsonb_each": {{"key", "text"}, {"value", "jsonb"}},
	"json_each_text": {{"key", "text"}, {"value", "text"}}, "jsonb_each_text": {{"key", "text"}, {"value", "text"}},
	// Functions with one OUT parameter name their column after it.
	"json_array_elements": {{"value", "json"}}, "jsonb_array_elements": {{"value", "jsonb"}},
	"json_array_elements_text": {{"value", "text"}}, "jsonb_array_elements_text": {{"value", "text"}},
}

// rangeFunctionCall is the call one of a RangeFunction's functions makes
// (a list of the call and its column definitions) and the call's node;
// ok is false for another expression there (FROM CAST(...),
// COALESCE(...)).
func rangeFunctionCall(f *pg.Node) (*pg.Node, *pg.FuncCall, bool) {
	l, ok := f.Node.(*pg.Node_List)
	if !ok || len(l.List.Items) == 0 {
		return nil, nil, false
	}
	call, ok := l.List.Items[0].Node.(*pg.Node_FuncCall)
	if !ok {
		return nil, nil, false
	}
	return l.List.Items[0], call.FuncCall, true
}

// functionItem is the item of a function in FROM: columns from its alias
// list, else the one column PostgreSQL names after the alias or function.
func (r *nameResolver) functionItem(n *pg.Node, rf *pg.RangeFunction, sc *nameScope) (*fromItem, error) {
	item := &fromItem{}
	var fname string
	var only *callSite // the call when rf has one function
	for _, f := range rf.Functions {
		cn, call, ok := rangeFunctionCall(f)
		if !ok {
			continue
		}
		c, err := r.fromFunction(cn, call, sc)
		if err != nil {
			return nil, err
		}
		if len(rf.Functions) == 1 {
			fname, only = lastString(call.Funcname), c
		}
	}
	item.refname = fname
	var cols []column
	if fname == "json_tree" {
		return item, nil
	}
	if known, ok := setReturningColumns[fname]; ok {
		cols = known
	} else if fname != "" && !rf.IsRowsfrom {
		cols = []column{{name: fname, typ: only.result}}
	}
	if a := rf.Alias; a != nil {
		item.refname, item.aliased = a.Aliasname, true
		if alias := stringsOf(a.Colnames); len(alias) > 0 {
			cols = overlayNames(cols, alias)
		} else if _, multi := setReturningColumns[fname]; !multi && cols != nil {
			cols[0].name = a.Aliasname
		}
	}
	if cols != nil && rf.Ordinality {
		cols = append(append([]column(nil), cols...), column{name: "ordinality", typ: "int8"})
	}
	item.columns, item.known = cols, cols != nil && fname != ""
	if item.known {
		r.tableFunction(n, rf, item, only)
	}
	return item, nil
}

// targetList resolves and rewrites a target list and returns its columns
// as PostgreSQL names and types them; nil when a star's expansion is
// unknown. An expression about to be rewritten keeps the name PostgreSQL
// gives it.
func (r *nameResolver) targetList(targets []*pg.Node, sc *nameScope) ([]column, error) {
	var cols []column
	known := true
	for _, t := range targets {
		rt, ok := t.Node.(*pg.Node_ResTarget)
		if !ok {
			known = false
			continue
		}
		if cr, ok := rt.ResTarget.Val.GetNode().(*pg.Node_ColumnRef); ok && isStar(rt.ResTarget.Val) {
			if _, err := r.expr(rt.ResTarget.Val, sc, nil); err != nil {
				return nil, err
			}
			qual := stringsOf(cr.ColumnRef.Fields)
			for _, it := range sc.items {
				if len(qual) > 0 && it.refname != qual[len(qual)-1] {
					continue
				}
				if !it.known {
					known = false
				}
				cols = append(cols, it.columns...)
			}
			continue
		}
		before, _ := figureColname(rt.ResTarget.Val)
		name := rt.ResTarget.Name
		if name == "" {
			name = before
			if name == "" {
				name = "?column?"
			}
		}
		typ, err := r.expr(rt.ResTarget.Val, sc, nil)
		if err != nil {
			return nil, err
		}
		if after, _ := figureColname(rt.ResTarget.Val); rt.ResTarget.Name == "" && after != before {
			// Rewritten: it keeps the name PostgreSQL gives it.
			rt.ResTarget.Name = name
		}
		cols = append(cols, column{name: name, typ: typ})
	}
	if !known {
		return nil, nil
	}
	return cols, nil
}

// columnRef checks one reference, drops the schema (and database) of one
// that names its relation that way and returns the column's type.
func (r *nameResolver) columnRef(c *pg.ColumnRef, sc *nameScope, outputs map[string]bool) (string, error) {
	names := stringsOf(c.Fields)
	star := isStar(&pg.Node{Node: &pg.Node_ColumnRef{ColumnRef: c}})
	if len(names) != len(c.Fields)-boolInt(star) {
		return "", nil // A_Indices and the like: not a plain name
	}
	pos := r.rw.position(c.Location)
	if len(names) == 4 && !star || len(names) == 3 && star {
		if names[0] != r.rw.session().Database {
			return "", &pgerror.Error{Code: pgerror.FeatureNotSupported, Position: pos,
				Message: "cross-database references are not implemented: " + dotted(names, star)}
		}
		names = names[1:]
		c.Fields = c.Fields[1:]
	}
	switch {
	case len(names) == 3 || len(names) == 2 && star:
		return r.qualified(c, names, sc, pos)
	case len(names) == 2 || len(names) == 1 && star:
		return r.tableColumn(names, sc, pos)
	case len(names) == 1:
		return r.bareColumn(names[0], sc, outputs, pos)
	}
	return "", nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func dotted(names []string, star bool) string {
	s := strings.Join(names, ".")
	if star {
		s += ".*"
	}
	return s
}

// qualified handles schema.table.column (and schema.table.*).
func (r *nameResolver) qualified(c *pg.ColumnRef, names []string, sc *nameScope, pos int) (string, error) {
	schema, table := names[0], names[1]
	for s := sc; s != nil; s = s.parent {
		for _, it := range s.items {
			if it.relname != table || it.schema != schema {
				continue
			}
			if it.aliased {
				return "", hiddenByAlias(table, it.refname, pos)
			}
			c.Fields = c.Fields[1:]
			if len(names) < 3 {
				return "", nil
			}
			return it.columnType(table, names[2], sc, pos)
		}
	}
	if r.refname(schema, sc) != nil || !sc.allKnown() || r.isColumn(schema, sc) {
		// table.column.field, column.field.field (the engine reads a map
		// column's fields so), or a name the engine may know.
		return "", nil
	}
	for s := sc; s != nil; s = s.parent {
		for _, it := range s.items {
			if it.relname == table || it.refname == table {
				return "", &pgerror.Error{Code: pgerror.UndefinedTable, Position: pos,
					Message: fmt.Sprintf("invalid reference to FROM-clause entry for table %q", table),
					Hint:    fmt.Sprintf("There is an entry for table %q, but it cannot be referenced from this part of the query.", table)}
			}
		}
	}
	return "", missingTable(table, pos)
}

// isColumn reports whether name is a column of an item in scope.
func (r *nameResolver) isColumn(name string, sc *nameScope) bool {
	for s := sc; s != nil; s = s.parent {
		for _, it := range s.items {
			if it.has(name) {
				return true
			}
		}
	}
	return false
}

// refname finds the innermost item called name.
func (r *nameResolver) refname(name string, sc *nameScope) *fromItem {
	for s := sc; s != nil; s = s.parent {
		for _, it := range s.items {
			if it.refname == name {
				return it
			}
		}
	}
	return nil
}

// tableColumn handles table.column (and table.*).
func (r *nameResolver) tableColumn(names []string, sc *nameScope, pos int) (string, error) {
	table := names[0]
	if it := r.refname(table, sc); it != nil {
		if len(names) < 2 {
			return "", nil
		}
		return it.columnType(table, names[1], sc, pos)
	}
	if !sc.allKnown() {
		return "", nil
	}
	for s := sc; s != nil; s = s.parent {
		for _, it := range s.items {
			if it.relname == table && it.aliased {
				return "", hiddenByAlias(table, it.refname, pos)
			}
			if it.has(table) && len(names) == 2 {
				return "", nil // column.field of a struct column
			}
		}
	}
	return "", missingTable(table, pos)
}

// bareColumn handles an unqualified name.
func (r *nameResolver) bareColumn(name string, sc *nameScope, outputs map[string]bool, pos int) (string, error) {
	for s := sc; s != nil; s = s.parent {
		var found []column
		var owner string
		unknown := false
		for _, it := range s.items {
			if !it.known {
				unknown = true
			} else if col, ok := it.column(name); ok {
				found = append(found, col)
				owner = it.refname
			}
		}
		if len(found) == 1 {
			r.rw.columnOf(name, owner)
		}
		if len(found) > 1 && !unknown && !s.merged[name] && !s.natural {
			return "", &pgerror.Error{Code: pgerror.AmbiguousColumn, Position: pos,
				Message: fmt.Sprintf("column reference %q is ambiguous", name)}
		}
		if len(found) > 0 && !unknown {
			typ := found[0].typ
			if len(found) > 1 { // USING merged them: their common type
				typ = commonType([]string{found[0].typ, found[1].typ})
			}
			return typ, nil
		}
		if len(found) > 0 || unknown {
			return "", nil
		}
		if s == sc && outputs[name] {
			return "", nil
		}
	}
	if r.refname(name, sc) != nil {
		return "record", nil // a whole-row reference
	}
	return "", missingColumn("", name, sc, pos)
}

// hiddenByAlias is the error for a table named where its alias must be.
func hiddenByAlias(table, alias string, pos int) error {
	return &pgerror.Error{Code: pgerror.UndefinedTable, Position: pos,
		Message: fmt.Sprintf("invalid reference to FROM-clause entry for table %q", table),
		Hint:    fmt.Sprintf("Perhaps you meant to reference the table alias %q.", alias)}
}

func missingTable(table string, pos int) error {
	return &pgerror.Error{Code: pgerror.UndefinedTable, Position: pos,
		Message: fmt.Sprintf("missing FROM-clause entry for table %q", table)}
}

// missingColumn is PostgreSQL's errorMissingColumn, with its hint: the
// closest column names (Levenshtein distance at most 3 and at most half
// the name's length), when one or two are closest.
func missingColumn(table, name string, sc *nameScope, pos int) error {
	e := &pgerror.Error{Code: pgerror.UndefinedColumn, Position: pos}
	if table == "" {
		e.Message = fmt.Sprintf("column %q does not exist", name)
	} else {
		e.Message = fmt.Sprintf("column %s.%s does not exist", table, name)
	}
	const maxFuzzyDistance = 3
	best := maxFuzzyDistance + 1
	var first, second string
	for s := sc; s != nil; s = s.parent {
		for _, it := range s.items {
			penalty := 0
			if table != "" {
				penalty = levenshtein(table, it.refname)
			}
			if penalty > best {
				continue
			}
			for _, col := range columnNames(it.columns) {
				d := levenshtein(col, name)
				if d > len(name)/2 {
					continue
				}
				d += penalty
				ref := fmt.Sprintf("%q", it.refname+"."+col)
				switch {
				case d < best:
					best, first, second = d, ref, ""
				case d == best && second != "":
					best, first, second = d-1, "", ""
				case d == best && first != "":
					second = ref
				}
			}
		}
	}
	switch {
	case first != "" && second != "":
		e.Hint = fmt.Sprintf("Perhaps you meant to reference the column %s or the column %s.", first, second)
	case first != "":
		e.Hint = fmt.Sprintf("Perhaps you meant to reference the column %s.", first)
	}
	return e
}

// levenshtein is the edit distance between a and b, every edit costing 1,
// counted in bytes as PostgreSQL's varstr_levenshtein does for ASCII.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

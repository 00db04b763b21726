package planner

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	pg "github.com/pganalyze/pg_query_go/v5"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/readplan"
)

// ScanFunction is the engine's table function that reads a dataset. Client
// SQL cannot call it: the allow-list refuses it and only the planner writes it.
const ScanFunction = "pgdynamo_scan"

// rewrite is the state one statement's transforms share.
type rewrite struct {
	planner *Planner
	// catalog is the snapshot the statement is planned against.
	catalog *catalog.Catalog
	sql     string // the whole client text, for positions
	ctes    map[string]bool
	scans   []ScanRef
	// idPrefix starts every scan ID of the statement.
	idPrefix string
	// paramTypes is what paramCastTypes found.
	paramTypes map[int]string
	// volatile: the rewrite inlined rows that change while the session
	// runs (per-session relations), see Statement.Volatile.
	volatile bool
	// setConfigs are the statement's set_config calls.
	setConfigs []ConfigChange
	// signatures are the statement's function calls as PostgreSQL names
	// them in errors ("nosuch(integer)"), by function name.
	signatures map[string]string
	// columnTables are the FROM items unqualified column names belong to,
	// "" for a name of several.
	columnTables map[string]string
}

// columnOf records that the unqualified column name is table's.
func (rw *rewrite) columnOf(name, table string) {
	if rw.columnTables == nil {
		rw.columnTables = map[string]string{}
	}
	if prev, seen := rw.columnTables[name]; seen && prev != table {
		table = ""
	}
	rw.columnTables[name] = table
}

// signature records a call of name with args' types for error messages;
// a call with an argument of unknown type is not recorded.
func (rw *rewrite) signature(name string, args []string) {
	if _, seen := rw.signatures[name]; seen {
		return
	}
	names := make([]string, len(args))
	for i, a := range args {
		if a == "" {
			return
		}
		names[i] = typeDisplayName(a)
	}
	if rw.signatures == nil {
		rw.signatures = map[string]string{}
	}
	rw.signatures[name] = name + "(" + strings.Join(names, ", ") + ")"
}

// Transform is one named, tested rewrite of a statement's AST.
type Transform struct {
	Name  string
	Apply func(rw *rewrite, stmt *pg.RawStmt) error
}

// queryTransforms run in order on every query.
var queryTransforms = []Transform{
	{Name: "collect-cte-names", Apply: collectCTENames},
	// Before any relation is rewritten: it reads the FROM clauses as the
	// client wrote them.
	{Name: "postgres-names", Apply: postgresNames},
	{Name: "param-cast-types", Apply: paramCastTypes},
	{Name: "catalog-function-scans", Apply: catalogFunctionScans},
	{Name: "table-function-allowlist", Apply: checkTableFunctions},
	{Name: "catalog-relations", Apply: catalogRelations},
	{Name: "datasets-to-scans", Apply: datasetsToScans},
	{Name: "read-specs", Apply: readSpecs},
	{Name: "route-reads", Apply: routeReads},
	{Name: "any-array-params", Apply: anyArrayParams},
	{Name: "postgres-column-names", Apply: postgresColumnNames},
	// After column naming, so that replaced expressions keep their names.
	{Name: "catalog-array-literals", Apply: catalogArrayLiterals},
	{Name: "catalog-functions", Apply: catalogFunctions},
	{Name: "catalog-casts", Apply: catalogCasts},
	{Name: "catalog-operators", Apply: catalogOperators},
	{Name: "checked-division", Apply: checkedDivision},
	{Name: "catalog-collations", Apply: catalogCollations},
	{Name: "bytea-hex-literals", Apply: byteaHexLiterals},
	{Name: "bc-date-literals", Apply: bcDateLiterals},
	{Name: "jsonb-as-json", Apply: jsonbAsJSON},
	{Name: "json-path-operators", Apply: jsonPathOperators},
}

// allowedTableFunctions are the engine's table functions client SQL may use
// in FROM. Everything else (file readers, catalog dumps, query()) is refused:
// an allow-list, because the engine grows new readers with every release.
var allowedTableFunctions = map[string]bool{
	"unnest":              true,
	"generate_series":     true,
	"range":               true,
	"generate_subscripts": true,
	"json_each":           true,
	"json_tree":           true,
}

func (p *Planner) planQuery(source, id string) (Statement, error) {
	st := Statement{Kind: Query, Tag: "SELECT", Source: source, ID: id}
	rw := &rewrite{planner: p, catalog: p.current.Load(), sql: source, ctes: map[string]bool{}}
	if id != "" {
		rw.idPrefix = id + "/"
	}
	// Locations in the tree are offsets into the text it was parsed from;
	// re-parse the statement alone so positions are relative to it.
	tree, err := pg.Parse(source)
	if err != nil {
		return st, syntaxError(err)
	}
	if len(tree.Stmts) != 1 {
		return st, pgerror.New(pgerror.InternalError, "statement split produced %d statements", len(tree.Stmts))
	}
	stmt := tree.Stmts[0]
	for _, t := range queryTransforms {
		if err := t.Apply(rw, stmt); err != nil {
			return st, err
		}
	}
	out, err := pg.Deparse(&pg.ParseResult{Stmts: []*pg.RawStmt{stmt}})
	if err != nil {
		return st, pgerror.Wrap(fmt.Errorf("deparsing rewritten query: %w", err), pgerror.InternalError)
	}
	st.SQL = out
	st.Scans = rw.scans
	st.ParamTypes = rw.paramTypes
	st.Volatile = rw.volatile
	st.PlainColumns = plainColumns(stmt, rw.scans)
	st.SetConfig = rw.setConfigs
	st.Signatures = rw.signatures
	st.ColumnTables = rw.columnTables
	return st, nil
}

func (rw *rewrite) position(location int32) int {
	if location < 0 || int(location) > len(rw.sql) {
		return 0
	}
	return utf8.RuneCountInString(rw.sql[:location]) + 1
}

func collectCTENames(rw *rewrite, stmt *pg.RawStmt) error {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		if cte, ok := n.Node.(*pg.Node_CommonTableExpr); ok {
			rw.ctes[cte.CommonTableExpr.Ctename] = true
		}
		return true
	})
	return nil
}

func funcName(names []*pg.Node) string {
	parts := make([]string, 0, len(names))
	for _, n := range names {
		if s, ok := n.Node.(*pg.Node_String_); ok {
			parts = append(parts, s.String_.Sval)
		}
	}
	return strings.Join(parts, ".")
}

func checkTableFunctions(rw *rewrite, stmt *pg.RawStmt) error {
	var err error
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		rf, ok := n.Node.(*pg.Node_RangeFunction)
		if !ok || err != nil {
			return err == nil
		}
		for _, item := range rf.RangeFunction.Functions {
			_, call, ok := rangeFunctionCall(item)
			if !ok {
				continue
			}
			name := funcName(call.Funcname)
			bare := strings.TrimPrefix(name, "pg_catalog.")
			if !allowedTableFunctions[bare] {
				err = &pgerror.Error{
					Code:     pgerror.InsufficientPrivilege,
					Message:  fmt.Sprintf("table function %s is not allowed", name),
					Hint:     "pgdynamo only reads its datasets; FROM may use unnest, generate_series and range",
					Position: rw.position(call.Location),
				}
				return false
			}
		}
		return true
	})
	return err
}

// systemSchemas are answered by the engine itself: catalog-relations has
// sent pg_catalog and information_schema references to the shim's schema.
var systemSchemas = map[string]bool{ShimSchema: true}

func datasetsToScans(rw *rewrite, stmt *pg.RawStmt) error {
	var err error
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		rv, ok := n.Node.(*pg.Node_RangeVar)
		if !ok || err != nil {
			return err == nil
		}
		r := rv.RangeVar
		if systemSchemas[r.Schemaname] || (r.Schemaname == "" && rw.ctes[r.Relname]) {
			return false
		}
		if r.Catalogname != "" {
			err = &pgerror.Error{Code: pgerror.FeatureNotSupported,
				Message:  fmt.Sprintf("cross-database references are not implemented: %s.%s.%s", r.Catalogname, r.Schemaname, r.Relname),
				Position: rw.position(r.Location)}
			return false
		}
		ds, found := rw.catalog.Lookup(r.Schemaname, r.Relname)
		relname, index := r.Relname, ""
		if cut := strings.LastIndexByte(r.Relname, '@'); !found && cut > 0 {
			// "orders@by-status": read the dataset through that index.
			relname, index = r.Relname[:cut], r.Relname[cut+1:]
			if ds, found = rw.catalog.Lookup(r.Schemaname, relname); found && !hasIndex(ds, index) {
				err = &pgerror.Error{Code: pgerror.UndefinedObject,
					Message:  fmt.Sprintf("index %q of dataset %s does not exist", index, ds.QualifiedName()),
					Hint:     indexHint(ds),
					Position: rw.position(r.Location)}
				return false
			}
		}
		if !found {
			name := r.Relname
			if r.Schemaname != "" {
				name = r.Schemaname + "." + r.Relname
			}
			err = &pgerror.Error{Code: pgerror.UndefinedTable,
				Message:  fmt.Sprintf("relation %q does not exist", name),
				Position: rw.position(r.Location)}
			return false
		}
		id := rw.idPrefix + "r" + strconv.Itoa(len(rw.scans)+1)
		rw.scans = append(rw.scans, ScanRef{ID: id, Dataset: ds, Read: readplan.Spec{Index: index}})
		alias := r.Alias
		if alias == nil {
			// Keep the table's name visible so "users.id" still resolves.
			alias = &pg.Alias{Aliasname: relname}
		}
		call := pg.MakeFuncCallNode(
			[]*pg.Node{pg.MakeStrNode(ScanFunction)},
			[]*pg.Node{pg.MakeAConstStrNode(ds.QualifiedName(), -1), pg.MakeAConstStrNode(id, -1)},
			r.Location)
		n.Node = &pg.Node_RangeFunction{RangeFunction: &pg.RangeFunction{
			Functions: []*pg.Node{pg.MakeListNode([]*pg.Node{call, {}})},
			Alias:     alias,
		}}
		return false
	})
	return err
}

func hasIndex(ds *catalog.Dataset, name string) bool {
	for _, idx := range ds.Indexes {
		if idx.Name == name {
			return true
		}
	}
	return false
}

func indexHint(ds *catalog.Dataset) string {
	if len(ds.Indexes) == 0 {
		return "the table has no secondary index"
	}
	names := make([]string, len(ds.Indexes))
	for i, idx := range ds.Indexes {
		names[i] = idx.Name
	}
	return "its indexes: " + strings.Join(names, ", ")
}

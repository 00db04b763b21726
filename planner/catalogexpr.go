package planner

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v5"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// The catalog shim's expression transforms: catalog-functions,
// catalog-casts, catalog-operators and catalog-collations (see
// catalogshim.go for the whole list).

// --- catalog-functions ---

// sessionFunctions are answered by the planner from the session.
var sessionFunctions = map[string]bool{
	"version": true, "current_database": true, "current_schema": true, "current_schemas": true,
	"current_setting": true, "set_config": true, "pg_backend_pid": true, "current_user": true,
	"session_user": true, "current_catalog": true,
}

func catalogFunctions(rw *rewrite, stmt *pg.RawStmt) error {
	var err error
	nameOutputs(stmt, func(n *pg.Node) bool {
		switch v := n.GetNode().(type) {
		case *pg.Node_FuncCall:
			parts := stringsOf(v.FuncCall.Funcname)
			if len(parts) == 0 {
				return false
			}
			last := parts[len(parts)-1]
			return sessionFunctions[last] || shimFunctions[last] || last == "format"
		case *pg.Node_SqlvalueFunction:
			return true
		}
		return false
	})
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		if err != nil {
			return false
		}
		switch v := n.Node.(type) {
		case *pg.Node_FuncCall:
			err = rw.rewriteFunction(n, v.FuncCall)
		case *pg.Node_SqlvalueFunction:
			rw.rewriteValueFunction(n, v.SqlvalueFunction)
		}
		return err == nil
	})
	return err
}

// nameOutputs names every unnamed output column (of any SELECT, not only
// the top level) whose expression is about to be replaced, so that
// "SELECT version()" still answers a column named version.
func nameOutputs(stmt *pg.RawStmt, replaced func(*pg.Node) bool) {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		sel, ok := n.Node.(*pg.Node_SelectStmt)
		if !ok {
			return true
		}
		for _, t := range sel.SelectStmt.TargetList {
			rt, ok := t.Node.(*pg.Node_ResTarget)
			if !ok || rt.ResTarget.Name != "" || !replaced(rt.ResTarget.Val) {
				continue
			}
			if name, _ := figureColname(rt.ResTarget.Val); name != "" {
				rt.ResTarget.Name = name
			}
		}
		return true
	})
}

func (rw *rewrite) rewriteFunction(n *pg.Node, call *pg.FuncCall) error {
	parts := stringsOf(call.Funcname)
	if len(parts) == 0 || len(parts) > 2 || call.Funcformat == pg.CoercionForm_COERCE_SQL_SYNTAX {
		// SQL-syntax functions (TRIM(...) is pg_catalog.btrim) are deparsed
		// back to their syntax, which the engine parses.
		return nil
	}
	bare := parts[len(parts)-1]
	if len(parts) == 2 {
		if !systemSchema(parts[0]) {
			return nil
		}
		if parts[0] == catalog.InformationSchema && !shimFunctions[bare] {
			return &pgerror.Error{Code: pgerror.UndefinedFunction,
				Message: fmt.Sprintf("function %s.%s does not exist", parts[0], bare), Position: rw.position(call.Location)}
		}
	}
	if sessionFunctions[bare] {
		repl, err := rw.sessionFunction(bare, call)
		if err != nil || repl == nil {
			return err
		}
		n.Node = repl.Node
		return nil
	}
	if shimFunctions[bare] {
		call.Funcname = strNodes(ShimSchema, bare)
		return nil
	}
	if bare == "format" {
		// The engine's format() is printf-like with {} placeholders.
		if repl, ok := formatCall(call); ok {
			n.Node = repl.Node
			return nil
		}
	}
	if len(parts) == 2 {
		call.Funcname = strNodes(bare)
	}
	return nil
}

// formatCall rewrites format('<constant>', args...) with %s, %I, %L, %%
// and positional %n$ specifiers into concat() of the pieces, as
// PostgreSQL's format() builds them: %s is the text (NULL is empty), %I
// quote_ident, %L quote_literal (NULL is NULL). Widths are not handled:
// such calls are left alone.
func formatCall(call *pg.FuncCall) (*pg.Node, bool) {
	c, ok := constArg(call, 0)
	if !ok || call.AggStar || call.AggDistinct || len(call.AggOrder) > 0 {
		return nil, false
	}
	f, ok := c.Val.(*pg.A_Const_Sval)
	if !ok {
		return nil, false
	}
	text := typeNameOf(mustPGType(pgtypes.TextOID))
	spec := f.Sval.Sval
	var parts []*pg.Node
	var lit strings.Builder
	next := 1
	for i := 0; i < len(spec); i++ {
		if spec[i] != '%' {
			lit.WriteByte(spec[i])
			continue
		}
		i++
		if i >= len(spec) {
			return nil, false
		}
		if spec[i] == '%' {
			lit.WriteByte('%')
			continue
		}
		argNo := next
		if j := i; spec[j] >= '1' && spec[j] <= '9' {
			for j < len(spec) && spec[j] >= '0' && spec[j] <= '9' {
				j++
			}
			if j >= len(spec) || spec[j] != '$' {
				return nil, false
			}
			argNo, _ = strconv.Atoi(spec[i:j])
			i = j + 1
			if i >= len(spec) {
				return nil, false
			}
		}
		if argNo >= len(call.Args) {
			return nil, false
		}
		next = argNo + 1
		arg := castNode(call.Args[argNo], text)
		var piece *pg.Node
		switch spec[i] {
		case 's':
			piece = arg
		case 'I':
			piece = pg.MakeFuncCallNode(strNodes(ShimSchema, "quote_ident"), []*pg.Node{arg}, -1)
		case 'L':
			piece = &pg.Node{Node: &pg.Node_CoalesceExpr{CoalesceExpr: &pg.CoalesceExpr{Args: []*pg.Node{
				pg.MakeFuncCallNode(strNodes(ShimSchema, "quote_literal"), []*pg.Node{arg}, -1), constNode("NULL")}}}}
		default:
			return nil, false
		}
		if lit.Len() > 0 {
			parts = append(parts, constNode(lit.String()))
			lit.Reset()
		}
		parts = append(parts, piece)
	}
	if lit.Len() > 0 || len(parts) == 0 {
		parts = append(parts, constNode(lit.String()))
	}
	return pg.MakeFuncCallNode(strNodes("concat"), parts, call.Location), true
}

func (rw *rewrite) rewriteValueFunction(n *pg.Node, f *pg.SQLValueFunction) {
	s := rw.session()
	switch f.Op {
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_USER, pg.SQLValueFunctionOp_SVFOP_USER,
		pg.SQLValueFunctionOp_SVFOP_SESSION_USER, pg.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:
		n.Node = typedConst(s.User, nameType).Node
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		n.Node = typedConst(s.Database, nameType).Node
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
		n.Node = rw.currentSchemaNode().Node
	}
}

// nameType is what name-typed results are sent as.
var nameType, _ = pgtypes.TypeByOID(pgtypes.TextOID)

func constArg(call *pg.FuncCall, i int) (*pg.A_Const, bool) {
	if i >= len(call.Args) {
		return nil, false
	}
	c, ok := call.Args[i].GetNode().(*pg.Node_AConst)
	if !ok {
		if tc, isCast := call.Args[i].GetNode().(*pg.Node_TypeCast); isCast {
			c, ok = tc.TypeCast.Arg.GetNode().(*pg.Node_AConst)
		}
	}
	if !ok {
		return nil, false
	}
	return c.AConst, true
}

func constString(c *pg.A_Const) (string, bool) {
	switch v := c.Val.(type) {
	case *pg.A_Const_Sval:
		return v.Sval.Sval, true
	case *pg.A_Const_Boolval:
		return strconv.FormatBool(v.Boolval.Boolval), true
	case *pg.A_Const_Ival:
		return strconv.Itoa(int(v.Ival.Ival)), true
	case *pg.A_Const_Fval:
		return v.Fval.Fval, true
	}
	return "", false
}

func constBool(c *pg.A_Const) (bool, bool) {
	s, ok := constString(c)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "t", "on", "yes", "1":
		return true, true
	case "false", "f", "off", "no", "0":
		return false, true
	}
	return false, false
}

func unknownParameter(name string) error {
	return pgerror.New(pgerror.UndefinedObject, "unrecognized configuration parameter %q", name)
}

func (rw *rewrite) sessionFunction(name string, call *pg.FuncCall) (*pg.Node, error) {
	s := rw.session()
	text, _ := pgtypes.TypeByOID(pgtypes.TextOID)
	switch name {
	case "version":
		return typedConst(VersionString(rw.setting("server_version")), text), nil
	case "current_database", "current_catalog":
		return typedConst(s.Database, nameType), nil
	case "current_user", "session_user":
		return typedConst(s.User, nameType), nil
	case "pg_backend_pid":
		return typedConst(int32(s.PID), mustPGType(pgtypes.Int4OID)), nil
	case "current_schema":
		return rw.currentSchemaNode(), nil
	case "current_schemas":
		implicit, ok := false, false
		if c, isConst := constArg(call, 0); isConst {
			implicit, ok = constBool(c)
		}
		if ok {
			return rw.schemasNode(implicit), nil
		}
		if len(call.Args) != 1 {
			return nil, nil
		}
		return &pg.Node{Node: &pg.Node_CaseExpr{CaseExpr: &pg.CaseExpr{
			Args:      []*pg.Node{pg.MakeCaseWhenNode(call.Args[0], rw.schemasNode(true), -1)},
			Defresult: rw.schemasNode(false), Location: -1,
		}}}, nil
	case "current_setting":
		if len(call.Args) == 0 || len(call.Args) > 2 {
			return nil, nil
		}
		missingOK := false
		if c, ok := constArg(call, 1); ok {
			missingOK, _ = constBool(c)
		}
		if c, ok := constArg(call, 0); ok {
			param, _ := constString(c)
			st, found := s.Lookup(param)
			if !found {
				if missingOK || strings.Contains(param, ".") {
					return typedConst(nil, text), nil
				}
				return nil, unknownParameter(param)
			}
			return typedConst(st.Value, text), nil
		}
		// A computed name: a CASE over the session's settings.
		var whens []*pg.Node
		for _, st := range s.Settings {
			whens = append(whens, pg.MakeCaseWhenNode(constNode(strings.ToLower(st.Name)), typedConst(st.Value, text), -1))
		}
		lower := pg.MakeFuncCallNode(strNodes("lower"), []*pg.Node{call.Args[0]}, -1)
		return castNode(pg.MakeCaseExprNode(lower, whens, -1), typeNameOf(text)), nil
	case "set_config":
		return rw.setConfig(call)
	}
	return nil, nil
}

func mustPGType(oid pgtypes.OID) pgtypes.Type {
	t, _ := pgtypes.TypeByOID(oid)
	return t
}

func (rw *rewrite) setting(name string) string {
	st, _ := rw.session().Lookup(name)
	return st.Value
}

// VersionString is version()'s answer for a server_version: PostgreSQL's
// format, which clients parse, naming pgdynamo as the build.
func VersionString(serverVersion string) string {
	if serverVersion == "" {
		serverVersion = "15"
	}
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i686"}[runtime.GOARCH]
	if arch == "" {
		arch = runtime.GOARCH
	}
	return fmt.Sprintf("PostgreSQL %s (pgdynamo) on %s-pc-%s-gnu, compiled by %s, 64-bit", serverVersion, arch, runtime.GOOS, runtime.Version())
}

// searchPath returns the schemas of search_path that exist, with pg_catalog
// first when implicit.
func (rw *rewrite) searchPath(implicit bool) []string {
	s := rw.session()
	var out []string
	if implicit {
		out = append(out, catalog.PGCatalog)
	}
	path := rw.setting("search_path")
	if _, ok := s.Lookup("search_path"); !ok {
		path = `"$user", public`
	}
	for _, p := range strings.Split(path, ",") {
		p = strings.TrimSpace(p)
		if strings.HasPrefix(p, `"`) && strings.HasSuffix(p, `"`) && len(p) >= 2 {
			p = strings.ReplaceAll(p[1:len(p)-1], `""`, `"`)
		} else {
			p = strings.ToLower(p)
		}
		if p == "$user" {
			p = s.User
		}
		if p == catalog.PGCatalog && implicit {
			continue
		}
		if _, ok := rw.catalog.NamespaceOID(p); ok {
			out = append(out, p)
		}
	}
	return out
}

func (rw *rewrite) schemasNode(implicit bool) *pg.Node {
	arr, _ := pgtypes.TypeByOID(pgtypes.TextArrayOID)
	return typedConst(rw.searchPath(implicit), arr)
}

func (rw *rewrite) currentSchemaNode() *pg.Node {
	path := rw.searchPath(false)
	if len(path) == 0 {
		return typedConst(nil, nameType)
	}
	return typedConst(path[0], nameType)
}

// --- catalog-casts ---

// regTypes are PostgreSQL's OID alias types.
var regTypes = map[string]bool{"regclass": true, "regtype": true, "regproc": true, "regprocedure": true,
	"regnamespace": true, "regrole": true, "regoper": true, "regoperator": true, "regconfig": true,
	"regdictionary": true, "regcollation": true}

// castTypeNames maps PostgreSQL-only type names to the engine's.
var castTypeNames = map[string]string{
	"name": "text", "char": "text", "pg_node_tree": "text", "aclitem": "text", "sql_identifier": "text",
	"character_data": "text", "yes_or_no": "text", "oid": "int8", "xid": "int8", "xid8": "int8", "cid": "int8",
	"cardinal_number": "int4", "time_stamp": "timestamptz", "int2vector": "int2", "oidvector": "int8",
	"regoper": "int8", "regoperator": "int8", "regconfig": "int8", "regdictionary": "int8", "regcollation": "int8",
}

var textTypes = map[string]bool{"text": true, "varchar": true, "name": true, "bpchar": true}

func catalogCasts(rw *rewrite, stmt *pg.RawStmt) error {
	outputs := map[*pg.Node]bool{}
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		if sel, ok := n.Node.(*pg.Node_SelectStmt); ok {
			for _, t := range sel.SelectStmt.TargetList {
				if rt, ok := t.Node.(*pg.Node_ResTarget); ok && rt.ResTarget.Val != nil {
					outputs[rt.ResTarget.Val] = true
				}
			}
		}
		return true
	})
	nameOutputs(stmt, func(n *pg.Node) bool {
		tc, ok := n.GetNode().(*pg.Node_TypeCast)
		return ok && regTypes[castName(tc.TypeCast.TypeName)]
	})
	var err error
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		if err != nil {
			return false
		}
		tc, ok := n.Node.(*pg.Node_TypeCast)
		if !ok || tc.TypeCast.TypeName == nil {
			return true
		}
		name := castName(tc.TypeCast.TypeName)
		// X::regclass::text is the relation's name.
		if inner, ok := tc.TypeCast.Arg.GetNode().(*pg.Node_TypeCast); ok && textTypes[name] && len(tc.TypeCast.TypeName.ArrayBounds) == 0 {
			if in := castName(inner.TypeCast.TypeName); regTypes[in] {
				var repl *pg.Node
				if repl, err = rw.regCast(in, inner.TypeCast, true); err == nil {
					n.Node = repl.Node
				}
				return err == nil
			}
		}
		if regTypes[name] && len(tc.TypeCast.TypeName.ArrayBounds) == 0 {
			var repl *pg.Node
			if repl, err = rw.regCast(name, tc.TypeCast, outputs[n]); err == nil {
				n.Node = repl.Node
			}
			return err == nil
		}
		renameType(tc.TypeCast.TypeName)
		return true
	})
	return err
}

// castName is a type name's last part, lower case.
func castName(tn *pg.TypeName) string {
	if tn == nil {
		return ""
	}
	parts := stringsOf(tn.Names)
	if len(parts) == 0 {
		return ""
	}
	return strings.ToLower(parts[len(parts)-1])
}

// renameType drops pg_catalog and information_schema qualifiers and maps
// PostgreSQL-only type names to the engine's.
func renameType(tn *pg.TypeName) {
	parts := stringsOf(tn.Names)
	if len(parts) == 0 {
		return
	}
	last := parts[len(parts)-1]
	qualified := len(parts) == 2 && systemSchema(parts[0])
	if to, ok := castTypeNames[last]; ok && (qualified || len(parts) == 1) {
		// "char" is pg_catalog's one-byte type only when written quoted or
		// qualified; the keyword char is bpchar, which the parser names so.
		if last == "int2vector" || last == "oidvector" {
			tn.ArrayBounds = []*pg.Node{pg.MakeIntNode(-1)}
		}
		tn.Names = strNodes(to)
		return
	}
	if qualified {
		tn.Names = strNodes(last)
	}
}

// regCast rewrites arg::regX. asText asks for the object's name (a cast
// on to text, or an output column) instead of its OID.
func (rw *rewrite) regCast(typ string, tc *pg.TypeCast, asText bool) (*pg.Node, error) {
	kind := strings.TrimPrefix(typ, "reg")
	switch kind {
	case "procedure":
		kind = "proc"
	case "class", "type", "proc", "namespace", "role":
	default:
		return castNode(tc.Arg, &pg.TypeName{Names: strNodes("int8"), Typemod: -1}), nil
	}
	arg := tc.Arg
	if _, ok := arg.GetNode().(*pg.Node_ParamRef); ok {
		// A parameter of a reg* type arrives as its text form.
		arg = castNode(arg, typeNameOf(mustPGType(pgtypes.TextOID)))
	}
	if c, ok := arg.GetNode().(*pg.Node_AConst); ok {
		if s, isStr := c.AConst.Val.(*pg.A_Const_Sval); isStr {
			resolved, err := rw.resolveReg(kind, s.Sval.Sval, tc.Location)
			if err != nil {
				return nil, err
			}
			arg = resolved
		}
	}
	if kind == "proc" {
		// regproc columns of the shim hold function names.
		if c, ok := arg.GetNode().(*pg.Node_AConst); ok {
			if _, isStr := c.AConst.Val.(*pg.A_Const_Sval); isStr {
				return arg, nil
			}
		}
		return pg.MakeFuncCallNode(strNodes(ShimSchema, "regproc_text"), []*pg.Node{arg}, -1), nil
	}
	fn := "reg" + kind + "_oid"
	if asText {
		fn = "reg" + kind + "_text"
	}
	if c, ok := arg.GetNode().(*pg.Node_AConst); ok && !asText {
		if _, isInt := c.AConst.Val.(*pg.A_Const_Ival); isInt {
			return arg, nil
		}
	}
	return pg.MakeFuncCallNode(strNodes(ShimSchema, fn), []*pg.Node{arg}, -1), nil
}

// resolveReg resolves a constant name to its OID as PostgreSQL does when
// it reads a reg* literal, with PostgreSQL's errors for unknown names.
func (rw *rewrite) resolveReg(kind, text string, location int32) (*pg.Node, error) {
	if n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64); err == nil {
		return intConst(n), nil
	}
	cat := rw.catalog
	switch kind {
	case "class":
		parts, ok := parseIdent(text)
		if !ok || len(parts) > 2 {
			break
		}
		schema := ""
		if len(parts) == 2 {
			schema = parts[0]
		}
		if oid, found := cat.RelationOID(schema, parts[len(parts)-1]); found {
			return intConst(int64(oid)), nil
		}
		return nil, &pgerror.Error{Code: pgerror.UndefinedTable, Message: fmt.Sprintf("relation %q does not exist", text),
			Position: rw.position(location)}
	case "type":
		if oid, found := cat.TypeOIDByName(strings.Trim(text, `"`)); found {
			return intConst(int64(oid)), nil
		}
		return nil, &pgerror.Error{Code: pgerror.UndefinedObject, Message: fmt.Sprintf("type %q does not exist", text),
			Position: rw.position(location)}
	case "namespace":
		if parts, ok := parseIdent(text); ok && len(parts) == 1 {
			if oid, found := cat.NamespaceOID(parts[0]); found {
				return intConst(int64(oid)), nil
			}
		}
		return nil, &pgerror.Error{Code: "3F000", Message: fmt.Sprintf("schema %q does not exist", text),
			Position: rw.position(location)}
	case "role":
		if parts, ok := parseIdent(text); ok && len(parts) == 1 && parts[0] == catalog.OwnerName {
			return intConst(catalog.OwnerOID), nil
		}
		return nil, &pgerror.Error{Code: pgerror.UndefinedObject, Message: fmt.Sprintf("role %q does not exist", text),
			Position: rw.position(location)}
	case "proc":
		name := text
		if i := strings.IndexByte(name, '('); i >= 0 {
			name = name[:i]
		}
		if parts, ok := parseIdent(name); ok && len(parts) > 0 {
			return constNode(parts[len(parts)-1]), nil
		}
	}
	return nil, &pgerror.Error{Code: pgerror.InvalidTextRepresentation,
		Message: fmt.Sprintf("invalid name syntax: %q", text), Position: rw.position(location)}
}

// parseIdent splits a possibly qualified, possibly quoted name as
// PostgreSQL's parse_ident does: unquoted parts fold to lower case.
func parseIdent(s string) ([]string, bool) {
	var parts []string
	s = strings.TrimSpace(s)
	for len(s) > 0 {
		var part string
		if s[0] == '"' {
			end := 1
			var b strings.Builder
			for {
				if end >= len(s) {
					return nil, false
				}
				if s[end] == '"' {
					if end+1 < len(s) && s[end+1] == '"' {
						b.WriteByte('"')
						end += 2
						continue
					}
					break
				}
				b.WriteByte(s[end])
				end++
			}
			part, s = b.String(), strings.TrimSpace(s[end+1:])
		} else {
			end := strings.IndexByte(s, '.')
			if end < 0 {
				end = len(s)
			}
			part, s = strings.ToLower(strings.TrimSpace(s[:end])), s[end:]
			if part == "" {
				return nil, false
			}
		}
		parts = append(parts, part)
		if s == "" {
			break
		}
		if s[0] != '.' {
			return nil, false
		}
		s = strings.TrimSpace(s[1:])
		if s == "" {
			return nil, false
		}
	}
	return parts, len(parts) > 0
}

// --- catalog-operators ---

var regexOperators = map[string]struct {
	negate bool
	flags  string
}{"~": {false, ""}, "!~": {true, ""}, "~*": {false, "i"}, "!~*": {true, "i"}}

func catalogOperators(_ *rewrite, stmt *pg.RawStmt) error {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		e, ok := n.Node.(*pg.Node_AExpr)
		if !ok {
			return true
		}
		parts := stringsOf(e.AExpr.Name)
		if len(parts) == 2 && parts[0] == catalog.PGCatalog {
			e.AExpr.Name = strNodes(parts[1])
			parts = parts[1:]
		}
		if len(parts) != 1 || e.AExpr.Kind != pg.A_Expr_Kind_AEXPR_OP || e.AExpr.Lexpr == nil {
			return true
		}
		op, ok := regexOperators[parts[0]]
		if !ok {
			return true
		}
		args := []*pg.Node{e.AExpr.Lexpr, e.AExpr.Rexpr}
		if op.flags != "" {
			args = append(args, constNode(op.flags))
		}
		call := pg.MakeFuncCallNode(strNodes("regexp_matches"), args, e.AExpr.Location)
		if op.negate {
			call = pg.MakeBoolExprNode(pg.BoolExprType_NOT_EXPR, []*pg.Node{call}, e.AExpr.Location)
		}
		n.Node = call.Node
		return true
	})
	return nil
}

// --- catalog-collations ---

func catalogCollations(_ *rewrite, stmt *pg.RawStmt) error {
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		cc, ok := n.Node.(*pg.Node_CollateClause)
		if !ok {
			return true
		}
		parts := stringsOf(cc.CollateClause.Collname)
		if len(parts) == 0 {
			return true
		}
		last := parts[len(parts)-1]
		switch {
		case last == "default" || last == "C" || last == "POSIX":
			// The engine compares bytes by default, as the C collation does.
			if cc.CollateClause.Arg != nil {
				n.Node = cc.CollateClause.Arg.Node
			}
		case len(parts) == 2 && parts[0] == catalog.PGCatalog:
			cc.CollateClause.Collname = strNodes(last)
		}
		return true
	})
	return nil
}

package planner

import (
	"fmt"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v5"

	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
)

// COPY ... TO STDOUT is a read: COPY (query) and COPY table [(columns)]
// plan their rows as a query, and the options are checked as PostgreSQL's
// ProcessCopyOptions checks them, with its SQLSTATEs. COPY FROM and COPY
// to or from a file or program are refused as PostgreSQL refuses them to a
// user without the server-file roles in a read-only transaction.

// serverFilesHint is PostgreSQL's hint for COPY to or from a server file.
const serverFilesHint = `Anyone can COPY to stdout or from stdin. psql's \copy command also works for anyone.`

func (p *Planner) planCopy(c *pg.CopyStmt, source, id string) (Statement, error) {
	switch {
	case c.IsProgram:
		return Statement{}, &pgerror.Error{Code: pgerror.InsufficientPrivilege,
			Message: "must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program",
			Hint:    serverFilesHint}
	case c.Filename != "" && c.IsFrom:
		return Statement{}, &pgerror.Error{Code: pgerror.InsufficientPrivilege,
			Message: "must be superuser or have privileges of the pg_read_server_files role to COPY from a file",
			Hint:    serverFilesHint}
	case c.Filename != "":
		return Statement{}, &pgerror.Error{Code: pgerror.InsufficientPrivilege,
			Message: "must be superuser or have privileges of the pg_write_server_files role to COPY to a file",
			Hint:    serverFilesHint}
	case c.IsFrom:
		return Statement{}, readOnly("COPY FROM")
	}
	opts, err := copyOptions(c.Options)
	if err != nil {
		return Statement{}, err
	}
	query := c.Query
	if query == nil {
		if query, err = copyTableQuery(c.Relation, c.Attlist); err != nil {
			return Statement{}, err
		}
	}
	if _, ok := query.GetNode().(*pg.Node_SelectStmt); !ok {
		return Statement{}, pgerror.New(pgerror.FeatureNotSupported, "COPY supports SELECT queries only")
	}
	// COPY takes no parameters: PostgreSQL analyzes its query without any.
	var param int32
	walk(query.ProtoReflect(), func(n *pg.Node) bool {
		if p, ok := n.Node.(*pg.Node_ParamRef); ok && param == 0 {
			param = p.ParamRef.Number
		}
		return param == 0
	})
	if param != 0 {
		return Statement{}, pgerror.New(pgerror.UndefinedParameter, "there is no parameter $%d", param)
	}
	inner, err := pg.Deparse(&pg.ParseResult{Stmts: []*pg.RawStmt{{Stmt: query}}})
	if err != nil {
		return Statement{}, pgerror.Wrap(fmt.Errorf("deparsing COPY's query: %w", err), pgerror.InternalError)
	}
	st, err := p.planQuery(inner, id)
	if err != nil {
		return st, err
	}
	st.Kind, st.Tag, st.Source, st.Copy = Copy, "COPY", source, &opts
	return st, nil
}

// copyTableQuery is COPY table [(columns)]'s query: the table's columns in
// their order, or the listed ones.
func copyTableQuery(rel *pg.RangeVar, attlist []*pg.Node) (*pg.Node, error) {
	var targets []*pg.Node
	seen := map[string]bool{}
	for _, a := range attlist {
		name := a.GetString_().GetSval()
		if seen[name] {
			return nil, pgerror.New(pgerror.DuplicateColumn, "column %q specified more than once", name)
		}
		seen[name] = true
		targets = append(targets, pg.MakeResTargetNodeWithVal(pg.MakeColumnRefNode([]*pg.Node{pg.MakeStrNode(name)}, -1), -1))
	}
	if len(targets) == 0 {
		targets = []*pg.Node{pg.MakeResTargetNodeWithVal(pg.MakeColumnRefNode([]*pg.Node{pg.MakeAStarNode()}, -1), -1)}
	}
	return &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: &pg.SelectStmt{
		TargetList: targets,
		FromClause: []*pg.Node{{Node: &pg.Node_RangeVar{RangeVar: rel}}},
		Op:         pg.SetOperation_SETOP_NONE,
	}}}, nil
}

// copyOptions reads COPY's options (the WITH (...) list; the parser turns
// the legacy CSV, HEADER, BINARY ... keywords into the same list).
func copyOptions(defs []*pg.Node) (pgtypes.CopyOptions, error) {
	var (
		format                string
		header                *bool
		delim, null, quote    *string
		escape                *string
		forceQuote            []string
		forceQuoteAll, forced bool
		seen                  = map[string]bool{}
	)
	for _, n := range defs {
		d := n.GetDefElem()
		if d == nil {
			continue
		}
		name := d.Defname
		if seen[name] {
			return pgtypes.CopyOptions{}, pgerror.New(pgerror.SyntaxError, "conflicting or redundant options")
		}
		seen[name] = true
		var err error
		switch name {
		case "format":
			format, err = defString(d)
			if err == nil && format != "text" && format != "csv" && format != "binary" {
				err = pgerror.New(pgerror.InvalidParameterValue, "COPY format %q not recognized", format)
			}
		case "header":
			var b bool
			if s, isString := d.Arg.GetNode().(*pg.Node_String_); isString && strings.EqualFold(s.String_.Sval, "match") {
				err = pgerror.New(pgerror.FeatureNotSupported, "cannot use %q with HEADER in COPY TO", s.String_.Sval)
			} else if b, err = defBool(d); err == nil {
				header = &b
			}
		case "delimiter":
			delim, err = defStringPtr(d)
		case "null":
			null, err = defStringPtr(d)
		case "quote":
			quote, err = defStringPtr(d)
		case "escape":
			escape, err = defStringPtr(d)
		case "force_quote":
			forced = true
			switch a := d.Arg.GetNode().(type) {
			case *pg.Node_AStar:
				forceQuoteAll = true
			case *pg.Node_List:
				for _, item := range a.List.Items {
					forceQuote = append(forceQuote, item.GetString_().GetSval())
				}
			default:
				err = pgerror.New(pgerror.SyntaxError, "argument to option %q must be a list of column names", name)
			}
		case "force_not_null", "force_null":
			err = pgerror.New(pgerror.FeatureNotSupported, "COPY %s only available using COPY FROM", strings.ReplaceAll(name, "_", " "))
		case "freeze":
			_, err = defBool(d)
		case "encoding":
			var enc string
			if enc, err = defString(d); err == nil {
				switch strings.ToUpper(strings.ReplaceAll(enc, "-", "")) {
				case "UTF8", "UNICODE":
				default:
					err = pgerror.New(pgerror.FeatureNotSupported, "COPY encoding %q is not supported: pgdynamo only speaks UTF8", enc)
				}
			}
		default:
			err = pgerror.New(pgerror.SyntaxError, "option %q not recognized", name)
		}
		if err != nil {
			return pgtypes.CopyOptions{}, err
		}
	}

	o := pgtypes.DefaultCopyOptions(pgtypes.CopyText)
	switch format {
	case "csv":
		o = pgtypes.DefaultCopyOptions(pgtypes.CopyCSV)
	case "binary":
		o = pgtypes.DefaultCopyOptions(pgtypes.CopyBinary)
	}
	csv, binary := o.Format == pgtypes.CopyCSV, o.Format == pgtypes.CopyBinary
	switch {
	case binary && delim != nil:
		return o, pgerror.New(pgerror.SyntaxError, "cannot specify DELIMITER in BINARY mode")
	case binary && null != nil:
		return o, pgerror.New(pgerror.SyntaxError, "cannot specify NULL in BINARY mode")
	case binary && header != nil && *header:
		return o, pgerror.New(pgerror.SyntaxError, "cannot specify HEADER in BINARY mode")
	}
	if header != nil {
		o.Header = *header
	}
	if null != nil {
		o.Null = *null
	}
	if delim != nil {
		if len(*delim) != 1 {
			return o, pgerror.New(pgerror.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
		}
		o.Delimiter = (*delim)[0]
	}
	switch {
	case o.Delimiter == '\r' || o.Delimiter == '\n':
		return o, pgerror.New(pgerror.InvalidParameterValue, "COPY delimiter cannot be newline or carriage return")
	case strings.ContainsAny(o.Null, "\r\n"):
		return o, pgerror.New(pgerror.InvalidParameterValue, "COPY null representation cannot use newline or carriage return")
	case !csv && strings.IndexByte(`\.abcdefghijklmnopqrstuvwxyz0123456789`, o.Delimiter) >= 0:
		return o, pgerror.New(pgerror.InvalidParameterValue, "COPY delimiter cannot be %q", string(o.Delimiter))
	case !csv && quote != nil:
		return o, pgerror.New(pgerror.FeatureNotSupported, "COPY quote available only in CSV mode")
	case !csv && escape != nil:
		return o, pgerror.New(pgerror.FeatureNotSupported, "COPY escape available only in CSV mode")
	case !csv && forced:
		return o, pgerror.New(pgerror.FeatureNotSupported, "COPY force quote available only in CSV mode")
	}
	if csv {
		if quote != nil {
			if len(*quote) != 1 {
				return o, pgerror.New(pgerror.FeatureNotSupported, "COPY quote must be a single one-byte character")
			}
			o.Quote, o.Escape = (*quote)[0], (*quote)[0]
		}
		if o.Delimiter == o.Quote {
			return o, pgerror.New(pgerror.InvalidParameterValue, "COPY delimiter and quote must be different")
		}
		if escape != nil {
			if len(*escape) != 1 {
				return o, pgerror.New(pgerror.FeatureNotSupported, "COPY escape must be a single one-byte character")
			}
			o.Escape = (*escape)[0]
		}
		o.ForceQuote, o.ForceQuoteAll = forceQuote, forceQuoteAll
	}
	if !binary && strings.IndexByte(o.Null, o.Delimiter) >= 0 {
		return o, pgerror.New(pgerror.InvalidParameterValue, "COPY delimiter must not appear in the NULL specification")
	}
	if csv && strings.IndexByte(o.Null, o.Quote) >= 0 {
		return o, pgerror.New(pgerror.InvalidParameterValue, "CSV quote character must not appear in the NULL specification")
	}
	return o, nil
}

// defString is an option's value as text, as PostgreSQL's defGetString
// reads it.
func defString(d *pg.DefElem) (string, error) {
	switch a := d.Arg.GetNode().(type) {
	case *pg.Node_String_:
		return a.String_.Sval, nil
	case *pg.Node_Integer:
		return strconv.Itoa(int(a.Integer.Ival)), nil
	case *pg.Node_Float:
		return a.Float.Fval, nil
	case *pg.Node_Boolean:
		if a.Boolean.Boolval {
			return "true", nil
		}
		return "false", nil
	case nil:
		return "", pgerror.New(pgerror.SyntaxError, "%s requires a parameter", d.Defname)
	}
	return "", pgerror.New(pgerror.SyntaxError, "argument of %s must be a name", d.Defname)
}

func defStringPtr(d *pg.DefElem) (*string, error) {
	s, err := defString(d)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// defBool reads a Boolean option as PostgreSQL's defGetBoolean: no value
// is true.
func defBool(d *pg.DefElem) (bool, error) {
	switch a := d.Arg.GetNode().(type) {
	case nil:
		return true, nil
	case *pg.Node_Boolean:
		return a.Boolean.Boolval, nil
	case *pg.Node_Integer:
		switch a.Integer.Ival {
		case 0:
			return false, nil
		case 1:
			return true, nil
		}
	case *pg.Node_String_:
		switch strings.ToLower(a.String_.Sval) {
		case "true", "on":
			return true, nil
		case "false", "off":
			return false, nil
		}
	}
	return false, pgerror.New(pgerror.SyntaxError, "%s requires a Boolean value", d.Defname)
}

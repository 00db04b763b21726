package planner

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	pg "github.com/pganalyze/pg_query_go/v5"
	pgparser "github.com/pganalyze/pg_query_go/v5/parser"

	"github.com/pgdynamo/pgdynamo/accel"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
	"github.com/pgdynamo/pgdynamo/pgtypes"
	"github.com/pgdynamo/pgdynamo/readplan"
)

// Kind classifies a statement by what executes it.
type Kind int

// Statement kinds.
const (
	// Query runs in the engine and returns rows.
	Query Kind = iota
	// Set changes a session setting.
	Set
	// Reset returns a session setting (or all of them) to its default.
	Reset
	// Show reports a session setting.
	Show
	// Begin, Commit and Rollback are transaction control. pgdynamo is
	// read-only, so a transaction only groups statements for the client.
	Begin
	Commit
	Rollback
	// Discard is DISCARD ALL: settings and prepared statements are dropped.
	Discard
	// Deallocate drops a prepared statement (Name) or all of them (Name "all").
	Deallocate
	// Explain shows how a query reads DynamoDB and what the engine does
	// with the rows; with Analyze it runs the query and reports the reads.
	Explain
	// DeclareCursor opens cursor Name over its query (SQL); FetchCursor
	// reads from it or, as MOVE, moves it (Fetch); CloseCursor ends it
	// ("all": every cursor).
	DeclareCursor
	FetchCursor
	CloseCursor
	// Copy is COPY ... TO STDOUT: the rows of its query (SQL) as COPY data
	// in the format Copy describes.
	Copy
)

var kindNames = [...]string{"Query", "Set", "Reset", "Show", "Begin", "Commit", "Rollback", "Discard", "Deallocate", "Explain",
	"DeclareCursor", "FetchCursor", "CloseCursor", "Copy"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ScanRef is one reference to a dataset in a query; each gets its own scan.
type ScanRef struct {
	// ID is the argument of the pgdynamo_scan call that replaced the reference.
	ID      string
	Dataset *catalog.Dataset
	// Read is what the reference's DynamoDB read may use (read-specs);
	// readplan.Decide turns it into the request.
	Read readplan.Spec
	// FullKey says the WHERE fixes the whole primary key (the partition
	// key and, when the table has one, the sort key): a lookup of single
	// items, which pgdynamo.read_mode auto answers live.
	FullKey bool
	// Route is where the reference reads, the local copy or DynamoDB, and
	// why (route-reads).
	Route accel.Route
}

// Statement is one planned statement.
type Statement struct {
	Kind Kind
	// SQL is, for Query, the rewritten text the engine runs.
	SQL string
	// Source is the statement as the client wrote it.
	Source string
	// Offset is how many characters of the text the client sent come
	// before Source (PlanEach; 0 for a statement sent alone): an error
	// position in Source counts in the whole text past it (InText).
	Offset int
	// Tag is the command tag's verb ("SELECT", "SET", "BEGIN", ...).
	Tag string
	// Name and Value are the setting of Set, Reset and Show; Name "all" with
	// Reset resets everything, with Show shows everything.
	Name  string
	Value string
	// Local is SET LOCAL: the setting ends with the transaction.
	Local bool
	// Analyze is EXPLAIN ANALYZE.
	Analyze bool
	// Hold is DECLARE ... WITH HOLD: the cursor outlives its transaction;
	// Binary, DECLARE ... BINARY: FETCH sends its rows in binary.
	Hold, Binary bool
	// Fetch is what FETCH or MOVE asks of cursor Name.
	Fetch Fetch
	// Copy is COPY's output format and options.
	Copy *pgtypes.CopyOptions
	// SetConfig are the settings the statement's set_config() calls change,
	// in order; the engine applies them before it runs the query.
	SetConfig []ConfigChange
	// ID identifies the statement while it runs; its scans' IDs start with
	// it, so the engine can find the running statement a scan belongs to.
	ID    string
	Scans []ScanRef
	// ParamTypes maps $n to the PostgreSQL type name it is cast to in the
	// query, for parameters written as casts.
	ParamTypes map[int]string
	// Volatile says SQL holds rows read at planning time that change while
	// the session runs (a per-session relation such as pgdynamo.datasets):
	// the plan must not be kept and run again.
	Volatile bool
	// PlainColumns, when set, says the query returns its one live
	// reference's rows that the WHERE keeps, these dataset columns as they
	// are, nothing computed (plain.go): a read returning exactly those
	// rows answers it without the engine.
	PlainColumns []string
	// Signatures are the query's function calls as PostgreSQL names them
	// in "function f(integer) does not exist", by function name.
	Signatures map[string]string
	// ColumnTables are the tables (FROM items) the query's unqualified
	// column names belong to, for messages that qualify them; "" for a
	// name of several.
	ColumnTables map[string]string
}

// Router decides where a dataset reference reads (accel.Registry).
type Router interface {
	Route(dataset string, mode accel.ReadMode, keyLookup bool) (accel.Route, error)
}

// Planner plans SQL against a catalog.
type Planner struct {
	// current is the catalog in force; each statement plans against the
	// snapshot it holds when planning starts.
	current *catalog.Current
	// router, when set (WithRouter), sends references of accelerated
	// datasets to their local copies; without one every read is live.
	router Router
	// session, when set (WithSession), answers the session functions.
	session *catalog.Session
}

// New returns a planner over cat.
func New(cat *catalog.Catalog) *Planner { return &Planner{current: catalog.NewCurrent(cat)} }

// NewOver returns a planner over whatever catalog cur holds when a
// statement is planned.
func NewOver(cur *catalog.Current) *Planner { return &Planner{current: cur} }

// WithRouter returns a planner that routes dataset references with r.
func (p *Planner) WithRouter(r Router) *Planner {
	q := *p
	q.router = r
	return &q
}

// Plan parses sql (one or several statements) and plans each. An empty or
// comment-only text yields no statements. Errors are *pgerror.Error values
// with a Position into sql where one is known. queryID, when not empty,
// prefixes the statements' IDs ("<queryID>/<n>") and so their scans' IDs.
func (p *Planner) Plan(sql string, queryID string) ([]Statement, error) {
	stmts, errs, err := p.PlanEach(sql, queryID)
	if err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return stmts, nil
}

// PlanEach plans every statement of sql as Plan does, but one that fails
// does not stop the others: errs[i] is statement i's error (its Statement
// then holds only its Source). A syntax error anywhere fails the whole
// text (err), as PostgreSQL parses a message whole before it runs any of
// it, and analyzes each statement only when its turn comes.
func (p *Planner) PlanEach(sql string, queryID string) (stmts []Statement, errs []error, err error) {
	if err := checkText(sql); err != nil {
		return nil, nil, err
	}
	tree, err := pg.Parse(sql)
	if err != nil {
		return nil, nil, syntaxError(err)
	}
	stmts = make([]Statement, len(tree.Stmts))
	errs = make([]error, len(tree.Stmts))
	for i, raw := range tree.Stmts {
		source, start := statementText(sql, raw)
		id := ""
		if queryID != "" {
			id = queryID + "/" + strconv.Itoa(i+1)
		}
		stmts[i], errs[i] = p.planOne(raw, source, id)
		if errs[i] != nil {
			stmts[i] = Statement{Source: source, ID: id}
		}
		stmts[i].Offset = utf8.RuneCountInString(sql[:start])
		errs[i] = stmts[i].InText(errs[i])
	}
	return stmts, errs, nil
}

// InText makes an error's position, counted in st's Source, count in the
// whole text the client sent, as PostgreSQL's do. The engine plans a
// statement's Source again when its turn comes; its errors go through
// here too.
func (st Statement) InText(err error) error {
	var pe *pgerror.Error
	if st.Offset == 0 || !errors.As(err, &pe) || pe.Position == 0 {
		return err
	}
	pe.Position += st.Offset
	return err
}

// statementText is raw's text in sql, without the white space around it,
// and the byte offset in sql where that text starts. (Searching sql for
// the text would find an earlier statement's copy of it.)
func statementText(sql string, raw *pg.RawStmt) (string, int) {
	start := int(raw.StmtLocation)
	end := len(sql)
	if raw.StmtLen > 0 {
		end = start + int(raw.StmtLen)
	}
	if start < 0 || start > len(sql) || end > len(sql) || start > end {
		start, end = 0, len(sql)
	}
	text := sql[start:end]
	start += len(text) - len(strings.TrimLeftFunc(text, unicode.IsSpace))
	return strings.TrimSpace(text), start
}

func syntaxError(err error) error {
	var perr *pgparser.Error
	if errors.As(err, &perr) {
		return &pgerror.Error{Code: pgerror.SyntaxError, Message: perr.Message, Position: perr.Cursorpos, Err: err}
	}
	return &pgerror.Error{Code: pgerror.SyntaxError, Message: err.Error(), Err: err}
}

func (p *Planner) planOne(raw *pg.RawStmt, source, id string) (Statement, error) {
	st := Statement{Source: source, ID: id}
	switch n := raw.Stmt.Node.(type) {
	case *pg.Node_SelectStmt:
		if n.SelectStmt.IntoClause != nil {
			return st, readOnly("SELECT INTO")
		}
		return p.planQuery(source, id)
	case *pg.Node_ExplainStmt:
		return p.planExplain(n.ExplainStmt, source, id)
	case *pg.Node_DeclareCursorStmt:
		return p.planDeclare(n.DeclareCursorStmt, source, id)
	case *pg.Node_FetchStmt:
		return planFetch(n.FetchStmt, st)
	case *pg.Node_ClosePortalStmt:
		st.Kind, st.Tag, st.Name = CloseCursor, "CLOSE CURSOR", n.ClosePortalStmt.Portalname
		if st.Name == "" {
			st.Tag, st.Name = "CLOSE CURSOR ALL", "all"
		}
		return st, nil
	case *pg.Node_VariableSetStmt:
		return planSet(n.VariableSetStmt, st)
	case *pg.Node_VariableShowStmt:
		st.Kind, st.Tag, st.Name = Show, "SHOW", strings.ToLower(n.VariableShowStmt.Name)
		return st, nil
	case *pg.Node_TransactionStmt:
		return planTransaction(n.TransactionStmt, st)
	case *pg.Node_DiscardStmt:
		if n.DiscardStmt.Target != pg.DiscardMode_DISCARD_ALL {
			return st, pgerror.New(pgerror.FeatureNotSupported, "only DISCARD ALL is supported")
		}
		st.Kind, st.Tag = Discard, "DISCARD ALL"
		return st, nil
	case *pg.Node_DeallocateStmt:
		st.Kind, st.Tag, st.Name = Deallocate, "DEALLOCATE", n.DeallocateStmt.Name
		if n.DeallocateStmt.Name == "" {
			st.Tag, st.Name = "DEALLOCATE ALL", "all"
		}
		return st, nil
	case *pg.Node_CopyStmt:
		return p.planCopy(n.CopyStmt, source, id)
	case *pg.Node_LoadStmt:
		return st, pgerror.New(pgerror.InsufficientPrivilege, "LOAD is not allowed")
	}
	if verb, ok := writeVerb(raw.Stmt); ok {
		return st, readOnly(verb)
	}
	return st, pgerror.New(pgerror.FeatureNotSupported, "statement %s is not supported by pgdynamo", nodeName(raw.Stmt))
}

func readOnly(verb string) error {
	return &pgerror.Error{
		Code:    pgerror.ReadOnlySQLTransaction,
		Message: fmt.Sprintf("cannot execute %s in a read-only transaction", verb),
		Hint:    "pgdynamo is a read-only gateway: write to DynamoDB through its own API",
	}
}

// writeVerb names statements that would change data or schema.
func writeVerb(n *pg.Node) (string, bool) {
	switch n.Node.(type) {
	case *pg.Node_InsertStmt:
		return "INSERT", true
	case *pg.Node_UpdateStmt:
		return "UPDATE", true
	case *pg.Node_DeleteStmt:
		return "DELETE", true
	case *pg.Node_MergeStmt:
		return "MERGE", true
	case *pg.Node_TruncateStmt:
		return "TRUNCATE", true
	case *pg.Node_CreateStmt, *pg.Node_CreateTableAsStmt, *pg.Node_ViewStmt, *pg.Node_IndexStmt,
		*pg.Node_CreateSchemaStmt, *pg.Node_CreateSeqStmt, *pg.Node_CreateFunctionStmt, *pg.Node_CreatedbStmt,
		*pg.Node_CreateExtensionStmt, *pg.Node_CreateRoleStmt, *pg.Node_CreateTableSpaceStmt:
		return "CREATE", true
	case *pg.Node_DropStmt, *pg.Node_DropdbStmt, *pg.Node_DropRoleStmt:
		return "DROP", true
	case *pg.Node_AlterTableStmt, *pg.Node_AlterDatabaseStmt, *pg.Node_AlterRoleStmt, *pg.Node_AlterSystemStmt,
		*pg.Node_AlterExtensionStmt, *pg.Node_RenameStmt, *pg.Node_AlterObjectSchemaStmt:
		return "ALTER", true
	case *pg.Node_GrantStmt, *pg.Node_GrantRoleStmt:
		return "GRANT", true
	case *pg.Node_VacuumStmt:
		return "VACUUM", true
	case *pg.Node_CommentStmt:
		return "COMMENT", true
	}
	return "", false
}

func nodeName(n *pg.Node) string {
	name := fmt.Sprintf("%T", n.Node)
	name = strings.TrimPrefix(name, "*pg_query.Node_")
	return name
}

func planTransaction(t *pg.TransactionStmt, st Statement) (Statement, error) {
	switch t.Kind {
	case pg.TransactionStmtKind_TRANS_STMT_BEGIN, pg.TransactionStmtKind_TRANS_STMT_START:
		st.Kind, st.Tag = Begin, "BEGIN"
		if t.Kind == pg.TransactionStmtKind_TRANS_STMT_START {
			st.Tag = "START TRANSACTION"
		}
	case pg.TransactionStmtKind_TRANS_STMT_COMMIT:
		st.Kind, st.Tag = Commit, "COMMIT"
	case pg.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		st.Kind, st.Tag = Rollback, "ROLLBACK"
	default:
		return st, pgerror.New(pgerror.FeatureNotSupported, "this transaction statement is not supported")
	}
	return st, nil
}

func planSet(s *pg.VariableSetStmt, st Statement) (Statement, error) {
	st.Name = strings.ToLower(s.Name)
	st.Local = s.IsLocal
	switch s.Kind {
	case pg.VariableSetKind_VAR_SET_VALUE:
		st.Kind, st.Tag = Set, "SET"
		vals := make([]string, 0, len(s.Args))
		for _, a := range s.Args {
			v, err := constText(a)
			if err != nil {
				return st, err
			}
			vals = append(vals, v)
		}
		st.Value = strings.Join(vals, ", ")
	case pg.VariableSetKind_VAR_SET_DEFAULT, pg.VariableSetKind_VAR_RESET:
		st.Kind, st.Tag = Reset, "RESET"
		if s.Kind == pg.VariableSetKind_VAR_SET_DEFAULT {
			st.Tag = "SET"
		}
	case pg.VariableSetKind_VAR_RESET_ALL:
		st.Kind, st.Tag, st.Name = Reset, "RESET", "all"
	case pg.VariableSetKind_VAR_SET_MULTI:
		// SET TRANSACTION / SET SESSION CHARACTERISTICS: a read-only gateway
		// has nothing to change, but clients (Metabase) send them, and SHOW
		// should then report the isolation level they asked for.
		st.Kind, st.Tag, st.Name = Set, "SET", ""
		if strings.EqualFold(s.Name, "session characteristics") {
			for _, a := range s.Args {
				d, ok := a.Node.(*pg.Node_DefElem)
				if !ok || d.DefElem.Defname != "transaction_isolation" {
					continue
				}
				v, err := constText(d.DefElem.Arg)
				if err != nil {
					return st, err
				}
				st.Name, st.Value = "default_transaction_isolation", v
			}
		}
	default:
		return st, pgerror.New(pgerror.FeatureNotSupported, "SET %s is not supported", s.Name)
	}
	return st, nil
}

// constText renders a SET argument as PostgreSQL would store it.
func constText(n *pg.Node) (string, error) {
	switch v := n.Node.(type) {
	case *pg.Node_AConst:
		switch c := v.AConst.Val.(type) {
		case *pg.A_Const_Sval:
			return c.Sval.Sval, nil
		case *pg.A_Const_Ival:
			return fmt.Sprint(c.Ival.Ival), nil
		case *pg.A_Const_Fval:
			return c.Fval.Fval, nil
		case *pg.A_Const_Boolval:
			if c.Boolval.Boolval {
				return "on", nil
			}
			return "off", nil
		}
	case *pg.Node_TypeCast:
		return constText(v.TypeCast.Arg)
	}
	return "", pgerror.New(pgerror.SyntaxError, "SET value must be a constant")
}

// planExplain plans the explained query like any query; the statement runs
// as Explain.
func (p *Planner) planExplain(e *pg.ExplainStmt, source, id string) (Statement, error) {
	if _, ok := e.Query.GetNode().(*pg.Node_SelectStmt); !ok {
		return Statement{}, pgerror.New(pgerror.FeatureNotSupported, "EXPLAIN supports SELECT queries only")
	}
	analyze := false
	for _, o := range e.Options {
		d, ok := o.Node.(*pg.Node_DefElem)
		if !ok {
			continue
		}
		switch strings.ToLower(d.DefElem.Defname) {
		case "analyze":
			analyze = true
			if d.DefElem.Arg != nil {
				v, err := constText(d.DefElem.Arg)
				if err != nil {
					return Statement{}, err
				}
				analyze = v == "on" || strings.EqualFold(v, "true") || v == "1"
			}
		case "verbose", "costs", "buffers", "timing", "summary", "settings", "wal", "format":
			// Accepted and ignored: the output has one shape.
		default:
			return Statement{}, pgerror.New(pgerror.SyntaxError, "unrecognized EXPLAIN option %q", d.DefElem.Defname)
		}
	}
	inner, err := pg.Deparse(&pg.ParseResult{Stmts: []*pg.RawStmt{{Stmt: e.Query}}})
	if err != nil {
		return Statement{}, pgerror.Wrap(fmt.Errorf("deparsing the explained query: %w", err), pgerror.InternalError)
	}
	st, err := p.planQuery(inner, id)
	if err != nil {
		return st, err
	}
	st.Kind, st.Tag, st.Analyze, st.Source = Explain, "EXPLAIN", analyze, source
	return st, nil
}

// PostgreSQL's CURSOR_OPT_* bits of DECLARE.
const (
	cursorOptBinary = 0x0001
	cursorOptScroll = 0x0002
	cursorOptHold   = 0x0020
)

// planDeclare plans the cursor's query like any query.
func (p *Planner) planDeclare(d *pg.DeclareCursorStmt, source, id string) (Statement, error) {
	if _, ok := d.Query.GetNode().(*pg.Node_SelectStmt); !ok {
		return Statement{}, pgerror.New(pgerror.FeatureNotSupported, "cursors are supported over SELECT queries only")
	}
	if d.Options&cursorOptScroll != 0 {
		return Statement{}, &pgerror.Error{Code: pgerror.FeatureNotSupported,
			Message: "SCROLL cursors are not supported", Hint: "pgdynamo cursors read forward only: declare it without SCROLL"}
	}
	inner, err := pg.Deparse(&pg.ParseResult{Stmts: []*pg.RawStmt{{Stmt: d.Query}}})
	if err != nil {
		return Statement{}, pgerror.Wrap(fmt.Errorf("deparsing the cursor's query: %w", err), pgerror.InternalError)
	}
	st, err := p.planQuery(inner, id)
	if err != nil {
		return st, err
	}
	st.Kind, st.Tag, st.Name, st.Source = DeclareCursor, "DECLARE CURSOR", d.Portalname, source
	st.Hold = d.Options&cursorOptHold != 0
	st.Binary = d.Options&cursorOptBinary != 0
	return st, nil
}

// FetchDirection is which way FETCH and MOVE go.
type FetchDirection int

// Fetch directions, as PostgreSQL's FetchDirection.
const (
	// FetchForward reads Count rows forward (All: the rest); NEXT is
	// FORWARD 1.
	FetchForward FetchDirection = iota
	// FetchBackward reads Count rows backward (All: back to the start);
	// PRIOR is BACKWARD 1.
	FetchBackward
	// FetchAbsolute reads row Count (negative: from the end); FIRST is
	// ABSOLUTE 1, LAST is ABSOLUTE -1.
	FetchAbsolute
	// FetchRelative reads the row Count rows away from the current one.
	FetchRelative
)

// Fetch is what FETCH and MOVE ask of a cursor. Whether the cursor can
// go there is for whoever holds it to say (pgdynamo's read forward only).
type Fetch struct {
	// Move is MOVE: the cursor moves, no rows are sent.
	Move      bool
	Direction FetchDirection
	Count     int64
	All       bool
}

// fetchAll is how pg_query spells ALL (PostgreSQL's FETCH_ALL).
const fetchAll = 1<<63 - 1

func planFetch(f *pg.FetchStmt, st Statement) (Statement, error) {
	st.Kind, st.Tag, st.Name = FetchCursor, "FETCH", f.Portalname
	if f.Ismove {
		st.Tag = "MOVE"
	}
	st.Fetch = Fetch{Move: f.Ismove, Count: f.HowMany}
	switch f.Direction {
	case pg.FetchDirection_FETCH_FORWARD:
		st.Fetch.Direction = FetchForward
	case pg.FetchDirection_FETCH_BACKWARD:
		st.Fetch.Direction = FetchBackward
	case pg.FetchDirection_FETCH_ABSOLUTE:
		st.Fetch.Direction = FetchAbsolute
	case pg.FetchDirection_FETCH_RELATIVE:
		st.Fetch.Direction = FetchRelative
	default:
		return st, pgerror.New(pgerror.FeatureNotSupported, "FETCH direction %v is not supported", f.Direction)
	}
	if f.HowMany == fetchAll && (st.Fetch.Direction == FetchForward || st.Fetch.Direction == FetchBackward) {
		st.Fetch.Count, st.Fetch.All = 0, true
	}
	return st, nil
}

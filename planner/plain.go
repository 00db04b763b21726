package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v5"
)

// plainColumns returns, when the rewritten query only hands back columns
// of its one live dataset reference as they are, the dataset column of each
// result column in order (a star gives every column in dataset order); nil
// otherwise. "As they are" is
//
//	SELECT <column references or *> FROM pgdynamo_scan(...) [alias] [WHERE ...]
//
// with no DISTINCT, GROUP BY, HAVING, window, ORDER BY, LIMIT, OFFSET,
// locking, CTE or set operation: the rows are the reference's rows the
// WHERE keeps, nothing computed. The engine may then answer a lookup whose
// read returns exactly those rows without running the query
// (Statement.PlainColumns).
func plainColumns(stmt *pg.RawStmt, scans []ScanRef) []string {
	sel, ok := stmt.Stmt.GetNode().(*pg.Node_SelectStmt)
	if !ok || len(scans) != 1 {
		return nil
	}
	s := sel.SelectStmt
	if s.Op != pg.SetOperation_SETOP_NONE || s.WithClause != nil || s.IntoClause != nil || len(s.DistinctClause) > 0 ||
		len(s.GroupClause) > 0 || s.HavingClause != nil || len(s.WindowClause) > 0 || len(s.SortClause) > 0 ||
		s.LimitCount != nil || s.LimitOffset != nil || len(s.LockingClause) > 0 || len(s.ValuesLists) > 0 ||
		len(s.FromClause) != 1 {
		return nil
	}
	ref := &scans[0]
	alias, found := scanOf(s.FromClause[0], map[string]*ScanRef{ref.ID: ref})
	if found != ref || ref.Route.Local() {
		return nil
	}
	var out []string
	for _, t := range s.TargetList {
		rt, ok := t.Node.(*pg.Node_ResTarget)
		if !ok || rt.ResTarget.Val == nil || len(rt.ResTarget.Indirection) > 0 {
			return nil
		}
		cr, ok := rt.ResTarget.Val.Node.(*pg.Node_ColumnRef)
		if !ok {
			return nil
		}
		fields := cr.ColumnRef.Fields
		if len(fields) == 2 {
			if q, ok := fields[0].Node.(*pg.Node_String_); !ok || q.String_.Sval != alias {
				return nil
			}
			fields = fields[1:]
		}
		if len(fields) != 1 {
			return nil
		}
		switch f := fields[0].Node.(type) {
		case *pg.Node_AStar:
			for _, c := range ref.Dataset.Columns.Columns {
				out = append(out, c.Name)
			}
		case *pg.Node_String_:
			name, ok := datasetColumn(ref, f.String_.Sval)
			if !ok {
				return nil
			}
			out = append(out, name)
		default:
			return nil
		}
	}
	return out
}

// datasetColumn is the one column of ref's dataset that name binds to in
// the engine, which binds column names without regard to case.
func datasetColumn(ref *ScanRef, name string) (string, bool) {
	var found string
	n := 0
	for _, c := range ref.Dataset.Columns.Columns {
		if strings.EqualFold(c.Name, name) {
			found = c.Name
			n++
		}
	}
	return found, n == 1
}

package planner

import (
	pg "github.com/pganalyze/pg_query_go/v5"

	"github.com/pgdynamo/pgdynamo/accel"
	"github.com/pgdynamo/pgdynamo/pgerror"
)

// routeReads asks the router, for each dataset reference, whether it reads
// the dataset's local copy or DynamoDB, under the session's
// pgdynamo.read_mode; a full primary key lookup is flagged by
// key-pushdown. A reference routed to the copy becomes a plain reference to
// the engine relation holding it, so filters, joins and aggregates run on
// the engine's own storage. The decision is kept in ScanRef.Route, which
// EXPLAIN shows.
func routeReads(rw *rewrite, stmt *pg.RawStmt) error {
	if len(rw.scans) == 0 {
		return nil
	}
	if rw.planner.router == nil {
		for i := range rw.scans {
			rw.scans[i].Route = accel.Route{Reason: "not accelerated"}
		}
		return nil
	}
	mode := accel.Auto
	if st, ok := rw.session().Lookup(accel.ReadModeSetting); ok {
		m, err := accel.ParseReadMode(st.Value)
		if err != nil {
			return pgerror.New(pgerror.InvalidParameterValue, "%s: %v", accel.ReadModeSetting, err)
		}
		mode = m
	}
	byID := make(map[string]*ScanRef, len(rw.scans))
	for i := range rw.scans {
		ref := &rw.scans[i]
		route, err := rw.planner.router.Route(ref.Dataset.QualifiedName(), mode, ref.FullKey)
		if err != nil {
			return err
		}
		ref.Route = route
		byID[ref.ID] = ref
	}
	walk(stmt.ProtoReflect(), func(n *pg.Node) bool {
		_, ref := scanOf(n, byID)
		if ref == nil {
			return true
		}
		if ref.Route.Local() {
			rf := n.Node.(*pg.Node_RangeFunction).RangeFunction
			r := ref.Route.Relation
			n.Node = &pg.Node_RangeVar{RangeVar: &pg.RangeVar{
				Catalogname: r[0], Schemaname: r[1], Relname: r[2],
				Inh: true, Relpersistence: "p", Alias: rf.Alias, Location: -1,
			}}
		}
		return false
	})
	return nil
}

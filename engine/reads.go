package engine

import (
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/readplan"
	"github.com/pgdynamo/pgdynamo/scan"
)

// readOptions are the engine's and the session's settings readplan.Decide
// depends on.
func (e *Engine) readOptions(pushdownOff bool) readplan.Options {
	return readplan.Options{Disabled: pushdownOff, MaxSegments: e.cfg.MaxSegments}
}

// Budget is the read-capacity budget of ds's table, shared by every read
// of the table through this engine (every session, segment and refresh);
// nil when the dataset sets no read_capacity_limit.
func (e *Engine) Budget(ds *catalog.Dataset) *scan.Budget {
	if ds.ReadCapacityLimit <= 0 {
		return nil
	}
	key := ds.Region + "/" + ds.Table
	if b, ok := e.budgets.Load(key); ok {
		return b.(*scan.Budget)
	}
	b, _ := e.budgets.LoadOrStore(key, scan.NewBudget(ds.ReadCapacityLimit))
	return b.(*scan.Budget)
}

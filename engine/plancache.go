package engine

import (
	"container/list"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pgdynamo/pgdynamo/accel"
	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/planner"
)

// planCacheSize bounds the texts a session keeps planned. Each entry holds
// DuckDB prepared statements; Grafana-style clients send a new text per
// refresh, so the least recently used entries go.
const planCacheSize = 128

// planCache is one session's planned statements by the text the client
// sent, each with the DuckDB statement prepared from its SQL once it has
// run: a text run again (every Bind of a prepared statement, a simple query
// sent again) is neither planned nor prepared again. An entry holds while
// the plan would come out the same: the same catalog snapshot, the same
// generation of the session's settings (SET, RESET, DISCARD) and each
// dataset reference reading where it did (an accelerated copy becoming
// ready or not). Volatile plans (rows inlined from pgdynamo.datasets) and EXPLAIN
// are planned every time; a plan that reads a local copy keeps its plan but
// not its DuckDB statement (readsCopies). The scans of a kept plan keep their IDs: each
// run registers its own queryState under the statement's ID, and the scan
// sources DuckDB bound take it when DuckDB initialises them (Init).
//
// A session's calls never overlap, so the cache needs no lock.
type planCache struct {
	entries map[string]*cachedPlan
	lru     list.List // *cachedPlan, most recently used first
}

// cachedPlan is the planned statements of one text.
type cachedPlan struct {
	sql   string
	plans []planner.Statement
	// errs are, with a simple query's plans, why a statement could not be
	// planned yet (it is planned again when its turn comes); a text with
	// any is not kept.
	errs     []error
	catalog  *catalog.Catalog // the snapshot planned against
	settings uint64           // the settings generation planned under
	// duck holds, per plan, the DuckDB statement of its SQL once prepared.
	duck []*duckStatement
	kept bool // in the cache (else its statements close after one run)
	elem *list.Element
}

// duckStatement is a DuckDB prepared statement and its result columns.
type duckStatement struct {
	stmt   *duckdb.Stmt
	schema *arrow.Schema
	types  []duckdb.TypeInfo
	// inUse: a result reads from stmt. A statement that leaves the cache
	// meanwhile is closed when that result lets it go (release).
	inUse   bool
	dropped bool
}

// release is called when a result no longer reads from d.
func (d *duckStatement) release() error {
	d.inUse = false
	if d.dropped {
		return d.close()
	}
	return nil
}

func (d *duckStatement) close() error {
	if d.stmt == nil {
		return nil
	}
	err := d.stmt.Close()
	d.stmt = nil
	return err
}

// drop closes d now, or when the result reading from it ends.
func (d *duckStatement) drop() {
	if d == nil {
		return
	}
	d.dropped = true
	if !d.inUse {
		_ = d.close()
	}
}

func (c *planCache) get(sql string) *cachedPlan {
	p := c.entries[sql]
	if p != nil {
		c.lru.MoveToFront(p.elem)
	}
	return p
}

// put keeps p, replacing an entry of the same text and making room.
func (c *planCache) put(p *cachedPlan) {
	if c.entries == nil {
		c.entries = map[string]*cachedPlan{}
	}
	if old := c.entries[p.sql]; old != nil {
		c.remove(old)
	}
	p.kept = true
	p.elem = c.lru.PushFront(p)
	c.entries[p.sql] = p
	for c.lru.Len() > planCacheSize {
		c.remove(c.lru.Back().Value.(*cachedPlan))
	}
}

// remove lets p go and closes its DuckDB statements.
func (c *planCache) remove(p *cachedPlan) {
	if !p.kept {
		return
	}
	p.kept = false
	c.lru.Remove(p.elem)
	delete(c.entries, p.sql)
	for _, d := range p.duck {
		d.drop()
	}
}

// clear removes every entry (the session ends).
func (c *planCache) clear() {
	for c.lru.Len() > 0 {
		c.remove(c.lru.Front().Value.(*cachedPlan))
	}
}

// keepable reports whether plans can be run again without planning: not
// EXPLAIN, nor a plan that inlined changing rows or changes settings when
// it runs (set_config), nor a text part of which could not be planned.
func keepable(plans []planner.Statement, errs []error) bool {
	for i, p := range plans {
		if p.Volatile || p.Kind == planner.Explain || len(p.SetConfig) > 0 || errs[i] != nil {
			return false
		}
	}
	return len(plans) > 0
}

// plan returns the planned statements of sql: the cached ones while they
// hold, else new ones (kept when they may be run again). each plans a
// simple query's statements each on its own (planner.PlanEach): one that
// fails gets its error in errs instead of failing the text.
func (s *Session) plan(sql string, each bool) (*cachedPlan, error) {
	if p := s.cache.get(sql); p != nil {
		if s.holds(p) {
			return p, nil
		}
		s.cache.remove(p)
	}
	snapshot, gen := s.engine.current.Load(), s.settings.generation
	var (
		plans []planner.Statement
		errs  []error
		err   error
	)
	if each {
		plans, errs, err = s.planner().PlanEach(sql, s.newQueryID())
	} else {
		plans, err = s.planner().Plan(sql, s.newQueryID())
		errs = make([]error, len(plans))
	}
	if err != nil {
		return nil, err
	}
	p := &cachedPlan{sql: sql, plans: plans, errs: errs, catalog: snapshot, settings: gen, duck: make([]*duckStatement, len(plans))}
	if keepable(plans, errs) {
		s.cache.put(p)
	}
	return p, nil
}

// holds reports whether planning p's text again would give p's plans.
func (s *Session) holds(p *cachedPlan) bool {
	if p.catalog != s.engine.current.Load() || p.settings != s.settings.generation {
		return false
	}
	reg := s.engine.cfg.Registry
	if reg == nil {
		return true
	}
	// As the planner's route-reads: the session's read mode, the
	// registry's answer for each reference.
	mode, err := accel.ParseReadMode(s.settings.values[accel.ReadModeSetting])
	if err != nil {
		return false
	}
	for _, st := range p.plans {
		for _, ref := range st.Scans {
			route, err := reg.Route(ref.Dataset.QualifiedName(), mode, ref.FullKey)
			// Where the reference reads, not why: the reason's row count
			// and refresh time change with every refresh, and only
			// EXPLAIN, which is never kept, shows them.
			if err != nil || !slices.Equal(route.Relation, ref.Route.Relation) {
				return false
			}
		}
	}
	return true
}

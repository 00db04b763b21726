package catalog

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
)

// Current is the catalog in force. A Catalog never changes once built; a
// dataset whose schema grows is replaced by a new Catalog swapped in
// atomically, so one statement plans and runs against one snapshot.
type Current struct{ p atomic.Pointer[Catalog] }

// NewCurrent returns c as the catalog in force.
func NewCurrent(c *Catalog) *Current {
	cur := &Current{}
	cur.p.Store(c)
	return cur
}

// Load returns the catalog in force.
func (c *Current) Load() *Catalog { return c.p.Load() }

// Store puts next in force.
func (c *Current) Store(next *Catalog) { c.p.Store(next) }

// With returns a catalog in which d replaces the dataset of the same
// qualified name; the others are shared.
func (c *Catalog) With(d *Dataset) (*Catalog, error) {
	out := make([]*Dataset, len(c.datasets))
	found := false
	for i, old := range c.datasets {
		if old.QualifiedName() == d.QualifiedName() {
			out[i], found = d, true
		} else {
			out[i] = old
		}
	}
	if !found {
		return nil, fmt.Errorf("catalog: no dataset %s to replace", d.QualifiedName())
	}
	return New(out)
}

// Grows reports whether fresh, a newer description of d's table, keeps
// every column of d as it is (name, item path, type) and adds at least
// one: the only schema change a running server applies, because a column
// that vanished or changed type would break queries written against it.
func (d *Dataset) Grows(fresh *Dataset) bool {
	if fresh.QualifiedName() != d.QualifiedName() || len(fresh.Columns.Columns) <= len(d.Columns.Columns) {
		return false
	}
	for _, c := range d.Columns.Columns {
		f, ok := fresh.Columns.Column(c.Name)
		if !ok || !arrow.TypeEqual(f.Field.Type, c.Field.Type) || strings.Join(f.Path, "\x00") != strings.Join(c.Path, "\x00") {
			return false
		}
	}
	return true
}

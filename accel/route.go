package accel

import (
	"fmt"
	"strings"
	"time"

	"github.com/pgdynamo/pgdynamo/pgerror"
)

// ReadMode is the session setting pgdynamo.read_mode.
type ReadMode string

// Read modes.
const (
	// Auto reads the copy once it is ready, except a lookup that fixes the
	// whole primary key, which is read live so a client sees its own
	// writes. The default.
	Auto ReadMode = "auto"
	// ReadAccelerated reads the copy, and fails while there is none.
	ReadAccelerated ReadMode = "accelerated"
	// ReadLive reads DynamoDB for every dataset.
	ReadLive ReadMode = "live"
)

// ReadModeSetting is the session setting that chooses the ReadMode.
const ReadModeSetting = "pgdynamo.read_mode"

// ParseReadMode reads a pgdynamo.read_mode value; "" is Auto.
func ParseReadMode(v string) (ReadMode, error) {
	switch m := ReadMode(strings.ToLower(strings.TrimSpace(v))); m {
	case "":
		return Auto, nil
	case Auto, ReadAccelerated, ReadLive:
		return m, nil
	}
	return "", fmt.Errorf("%q is not a read mode (auto, accelerated or live)", v)
}

// Route is where one dataset reference of a query reads, and why.
type Route struct {
	// Relation is the engine relation of the local copy (catalog, schema,
	// table); nil reads DynamoDB live.
	Relation []string
	// Reason says why, for EXPLAIN.
	Reason string
}

// Local reports whether the reference reads the local copy.
func (r Route) Local() bool { return r.Relation != nil }

// Route decides where a reference to the named dataset reads under mode.
// keyLookup says the query fixes the dataset's whole primary key (one item
// per key value). It is the one routing decision: execution and EXPLAIN
// both take its answer from the planned statement.
func (r *Registry) Route(name string, mode ReadMode, keyLookup bool) (Route, error) {
	t, ok := r.byName[name]
	if !ok || t.mode == Live {
		return Route{Reason: "not accelerated"}, nil
	}
	if mode == ReadLive {
		return Route{Reason: ReadModeSetting + " is live"}, nil
	}
	s := t.Status()
	if !s.Serving() {
		if mode == ReadAccelerated {
			return Route{}, &pgerror.Error{
				Code:    pgerror.ObjectNotInPrerequisiteState,
				Message: fmt.Sprintf("the accelerated copy of %s is not ready (%s)", name, s.State),
				Detail:  s.LastError,
				Hint:    fmt.Sprintf("SET %s = auto answers from DynamoDB until the copy is ready; pgdynamo.datasets shows its progress", ReadModeSetting),
			}
		}
		return Route{Reason: fmt.Sprintf("accelerated copy not ready (%s): answered live", s.State)}, nil
	}
	if mode == Auto && keyLookup {
		return Route{Reason: "full primary key lookup: read live so writes are seen at once (" + ReadModeSetting + " = auto)"}, nil
	}
	return Route{
		Relation: t.relation,
		Reason:   fmt.Sprintf("accelerated copy (%d rows, refreshed %s)", s.Rows, s.LastRefresh.UTC().Format(time.RFC3339)),
	}, nil
}

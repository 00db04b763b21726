package accel

import (
	"sync"
	"time"

	"github.com/pgdynamo/pgdynamo/catalog"
)

// Mode is how a dataset's queries are answered.
type Mode string

// Modes.
const (
	// Live datasets are read from DynamoDB by every query.
	Live Mode = "live"
	// Accelerated datasets are read from a local copy once it is ready.
	Accelerated Mode = "accelerated"
)

// State is where an accelerated dataset's copy stands.
type State string

// States. A live dataset is always Ready: DynamoDB answers its queries.
const (
	// Loading: no copy yet, the first load is running; queries go live.
	Loading State = "loading"
	// Ready: a complete copy exists and queries read it.
	Ready State = "ready"
	// Refreshing: a new copy is being built beside the current one, which
	// queries keep reading.
	Refreshing State = "refreshing"
	// Error: no copy, and the last load failed; it is retried, and queries
	// go live meanwhile.
	Error State = "error"
)

// Tracker holds one dataset's state. It is safe for concurrent use.
type Tracker struct {
	name, table, refreshMode string
	mode                     Mode
	relation                 []string

	mu          sync.Mutex
	state       State
	hasCopy     bool
	rows        int64
	lastRefresh time.Time // when the current copy's read of DynamoDB started
	lastError   string
	progress    int64 // items read by the running load
	// Streams only: lag behind the stream (0 when caught up), and whether
	// the stream is being consumed at all.
	streamLag time.Duration
	consuming bool
	readyLag  time.Duration
}

// Status is a snapshot of a Tracker.
type Status struct {
	Name        string // schema.name
	Table       string // DynamoDB table
	Mode        Mode
	RefreshMode string // "full", or "" for live datasets
	State       State
	HasCopy     bool
	Rows        int64
	LastRefresh time.Time // zero without a copy
	LastError   string
	Progress    int64 // items read by the running load, 0 when none runs
	// StreamLag is, for refresh_mode changes, now minus the newest applied
	// record's creation time, 0 when caught up.
	StreamLag time.Duration
}

// Serving reports whether queries read the copy: it is ready, or being
// replaced beside a ready one.
func (s Status) Serving() bool { return s.State == Ready || s.State == Refreshing }

// Lag is how far the copy may be behind DynamoDB at now: its age, since a
// full refresh reads the table as of its start. Zero for live datasets;
// false when there is no copy.
func (s Status) Lag(now time.Time) (time.Duration, bool) {
	if s.Mode == Live {
		return 0, true
	}
	if !s.HasCopy {
		return 0, false
	}
	if s.RefreshMode == "changes" {
		return s.StreamLag, true
	}
	return max(now.Sub(s.LastRefresh), 0), true
}

// Status returns a snapshot of the dataset's state.
func (t *Tracker) Status() Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Status{
		Name: t.name, Table: t.table, Mode: t.mode, RefreshMode: t.refreshMode, State: t.state,
		HasCopy: t.hasCopy, Rows: t.rows, LastRefresh: t.lastRefresh, LastError: t.lastError, Progress: t.progress,
		StreamLag: t.streamLag,
	}
}

// Stream states. A dataset following a stream is Ready only while its
// stream is consumed and its lag is below ready_lag.

// bootstrapping marks a (new) bootstrap as running: no copy to serve.
func (t *Tracker) bootstrapping(reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.state, t.hasCopy, t.consuming, t.progress = Loading, false, false, 0
	if reason != "" {
		t.lastError = reason
	}
}

// bootstrapped records the copy a bootstrap made, before its stream is
// caught up.
func (t *Tracker) bootstrapped(rows int64, startedAt time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hasCopy, t.rows, t.lastRefresh, t.progress = true, rows, startedAt, 0
}

// addProgress counts items a bootstrap applied.
func (t *Tracker) addProgress(n int64) {
	t.mu.Lock()
	t.progress += n
	t.mu.Unlock()
}

// streamed records the lag after a round of the stream.
func (t *Tracker) streamed(lag time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.consuming, t.streamLag = true, lag
	if t.hasCopy && lag < t.readyLag {
		t.state, t.lastError = Ready, ""
	} else {
		t.state = Loading
	}
}

// setRows sets the copy's row count.
func (t *Tracker) setRows(rows int64) {
	t.mu.Lock()
	t.rows = rows
	t.mu.Unlock()
}

// stalled marks the stream as not consumed (an error it retries): the
// copy is not served, since it is no longer known to be fresh.
func (t *Tracker) stalled(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.consuming, t.lastError = false, err.Error()
	t.state = Loading
}

// broken marks the dataset in error: its stream cannot be continued and
// replication_invalid_checkpoint_behavior is error.
func (t *Tracker) broken(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.consuming, t.lastError, t.state = false, err.Error(), Error
}

// Name is the dataset's schema.name.
func (t *Tracker) Name() string { return t.name }

// Relation is the engine relation holding the copy, nil for live datasets.
func (t *Tracker) Relation() []string { return t.relation }

// Restored records a copy left by an earlier run (file mode): it is served
// at once, before any refresh.
func (t *Tracker) Restored(rows int64, refreshedAt time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.state, t.hasCopy, t.rows, t.lastRefresh = Ready, true, rows, refreshedAt
}

// loadStarted marks a load or refresh as running.
func (t *Tracker) loadStarted() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.progress = 0
	if t.hasCopy {
		t.state = Refreshing
	} else {
		t.state = Loading
	}
}

// setProgress records how many items the running load has read.
func (t *Tracker) setProgress(items int64) {
	t.mu.Lock()
	t.progress = items
	t.mu.Unlock()
}

// loaded records a new copy, swapped in.
func (t *Tracker) loaded(rows int64, startedAt time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.state, t.hasCopy, t.rows, t.lastRefresh, t.lastError, t.progress = Ready, true, rows, startedAt, "", 0
}

// failed records a failed load: the copy, if any, is kept and still served.
func (t *Tracker) failed(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastError, t.progress = err.Error(), 0
	if t.hasCopy {
		t.state = Ready
	} else {
		t.state = Error
	}
}

// Registry is every dataset's Tracker, in catalog order.
type Registry struct {
	trackers []*Tracker
	byName   map[string]*Tracker
}

// NewRegistry returns a registry with one live Tracker per dataset of cat;
// Accelerate turns some of them into accelerated ones before serving.
func NewRegistry(cat *catalog.Catalog) *Registry {
	r := &Registry{byName: map[string]*Tracker{}}
	for _, d := range cat.Datasets() {
		t := &Tracker{name: d.QualifiedName(), table: d.Table, mode: Live, state: Ready}
		r.trackers = append(r.trackers, t)
		r.byName[t.name] = t
	}
	return r
}

// Accelerate marks a dataset as accelerated, read from relation once a copy
// exists, and returns its Tracker. It must be called before serving.
func (r *Registry) Accelerate(name, refreshMode string, relation []string, readyLag time.Duration) *Tracker {
	t, ok := r.byName[name]
	if !ok {
		return nil
	}
	t.mode, t.refreshMode, t.relation, t.state, t.readyLag = Accelerated, refreshMode, relation, Loading, readyLag
	return t
}

// Tracker returns the named dataset's Tracker.
func (r *Registry) Tracker(name string) (*Tracker, bool) {
	t, ok := r.byName[name]
	return t, ok
}

// Statuses returns every dataset's state, in catalog order.
func (r *Registry) Statuses() []Status {
	out := make([]Status, len(r.trackers))
	for i, t := range r.trackers {
		out[i] = t.Status()
	}
	return out
}

// Ready reports whether every accelerated dataset has a copy that queries
// read, and every dataset's state.
func (r *Registry) Ready() (bool, []Status) {
	all := r.Statuses()
	ready := true
	for _, s := range all {
		if s.Mode == Accelerated && !s.Serving() {
			ready = false
		}
	}
	return ready, all
}

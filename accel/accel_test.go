package accel

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgdynamo/pgdynamo/catalog"
	"github.com/pgdynamo/pgdynamo/pgerror"
)

func testRegistry(t *testing.T) (*Registry, *Tracker) {
	t.Helper()
	cat, err := catalog.New([]*catalog.Dataset{
		{Spec: catalog.Spec{Name: "users", Schema: "public", Table: "Users"}},
		{Spec: catalog.Spec{Name: "orders", Schema: "public", Table: "Orders"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry(cat)
	tr := reg.Accelerate("public.users", "full", []string{"copy_1", "main", "data"}, 0)
	if tr == nil {
		t.Fatal("Accelerate found no dataset")
	}
	return reg, tr
}

// fakeClock hands every wait to the test, which decides when it ends.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits chan wait
}

type wait struct {
	d    time.Duration
	fire chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), waits: make(chan wait)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	w := wait{d: d, fire: make(chan time.Time, 1)}
	c.waits <- w
	return w.fire
}

// release ends a wait that pending received, advancing the clock by it.
func (c *fakeClock) release(d time.Duration, w wait) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now := c.now
	c.mu.Unlock()
	w.fire <- now
}

// waitFor receives the refresher's next wait without ending it.
func (c *fakeClock) waitFor(t *testing.T) wait {
	t.Helper()
	select {
	case w := <-c.waits:
		return w
	case <-time.After(10 * time.Second):
		t.Fatal("the refresher never waited")
		return wait{}
	}
}

// pending receives the refresher's next wait without ending it.
func (c *fakeClock) pending(t *testing.T) time.Duration {
	t.Helper()
	select {
	case w := <-c.waits:
		return w.d
	case <-time.After(10 * time.Second):
		t.Fatal("the refresher never waited")
		return 0
	}
}

// scriptedStore answers Replace with the next scripted outcome; each
// Replace advances the clock by a second, as a load takes time.
type scriptedStore struct {
	clock    *fakeClock
	outcomes []outcome
	calls    int
	seen     chan Status // the tracker's state during each Replace
	tracker  *Tracker
}

type outcome struct {
	rows int64
	err  error
}

func (s *scriptedStore) Replace(_ context.Context, dataset string, progress func(int64)) (int64, error) {
	progress(7)
	if s.seen != nil {
		s.seen <- s.tracker.Status()
	}
	o := s.outcomes[s.calls]
	s.calls++
	s.clock.mu.Lock()
	s.clock.now = s.clock.now.Add(time.Second)
	s.clock.mu.Unlock()
	return o.rows, o.err
}

type recordingObserver struct {
	mu   sync.Mutex
	runs []string
}

func (o *recordingObserver) ObserveRefresh(dataset string, d time.Duration, rows int64, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := dataset + " " + d.String()
	if err != nil {
		s += " error"
	}
	o.runs = append(o.runs, s)
}

func TestRefresherRefreshesEveryIntervalAndKeepsTheCopyOnFailure(t *testing.T) {
	reg, tr := testRegistry(t)
	clock := newFakeClock()
	start := clock.Now()
	store := &scriptedStore{clock: clock, tracker: tr, seen: make(chan Status, 10), outcomes: []outcome{
		{rows: 10}, {err: errors.New("throttled")}, {rows: 20},
	}}
	obs := &recordingObserver{}
	r := &Refresher{Tracker: tr, Store: store, Interval: 10 * time.Minute, Clock: clock, Observer: obs}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()

	if s := <-store.seen; s.State != Loading || s.Progress != 7 {
		t.Errorf("during the first load: %+v", s)
	}
	// Each state is checked while the refresher waits, before the wait ends.
	w := clock.waitFor(t)
	if w.d != 10*time.Minute {
		t.Errorf("waited %v after a load, want the interval", w.d)
	}
	s := tr.Status()
	if s.State != Ready || s.Rows != 10 || !s.LastRefresh.Equal(start) || s.LastError != "" {
		t.Errorf("after the first load: %+v", s)
	}
	if lag, ok := s.Lag(start.Add(10*time.Minute + time.Second)); !ok || lag != 10*time.Minute+time.Second {
		t.Errorf("lag %v %v", lag, ok)
	}
	clock.release(w.d, w)
	if s := <-store.seen; s.State != Refreshing {
		t.Errorf("during a refresh: %+v", s)
	}
	// The refresh failed: retried after RetryMin, the copy is still served.
	w = clock.waitFor(t)
	if w.d != RetryMin {
		t.Errorf("waited %v after a failure, want %v", w.d, RetryMin)
	}
	s = tr.Status()
	if s.State != Ready || !s.HasCopy || s.Rows != 10 || s.LastError != "throttled" {
		t.Errorf("after a failed refresh: %+v", s)
	}
	if route, err := reg.Route("public.users", Auto, false); err != nil || !route.Local() {
		t.Errorf("after a failed refresh the copy is not read: %+v %v", route, err)
	}
	clock.release(w.d, w)
	<-store.seen
	if d := clock.pending(t); d != 10*time.Minute {
		t.Errorf("waits %v after a successful refresh, want the interval", d)
	}
	if s := tr.Status(); s.Rows != 20 || s.LastError != "" || s.Progress != 0 {
		t.Errorf("after the second refresh: %+v", s)
	}
	cancel()
	<-done
	if want := []string{"public.users 1s", "public.users 1s error", "public.users 1s"}; strings.Join(obs.runs, "|") != strings.Join(want, "|") {
		t.Errorf("observed %q, want %q", obs.runs, want)
	}
}

func TestRefresherRetriesTheFirstLoadWithBackoffThenStops(t *testing.T) {
	reg, tr := testRegistry(t)
	clock := newFakeClock()
	fail := outcome{err: errors.New("connection refused")}
	store := &scriptedStore{clock: clock, tracker: tr, outcomes: []outcome{fail, fail, fail, fail, fail, fail, fail, {rows: 3}}}
	r := &Refresher{Tracker: tr, Store: store, Clock: clock} // Interval 0: load once
	done := make(chan struct{})
	go func() { r.Run(context.Background()); close(done) }()
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute}
	for i, want := range want {
		w := clock.waitFor(t)
		if w.d != want {
			t.Errorf("retry %d waits %v, want %v", i+1, w.d, want)
		}
		if i == 0 {
			if s := tr.Status(); s.State != Error || s.HasCopy || s.LastError != "connection refused" {
				t.Errorf("after a failed first load: %+v", s)
			}
			if ready, _ := reg.Ready(); ready {
				t.Error("ready without a copy")
			}
			if route, err := reg.Route("public.users", Auto, false); err != nil || route.Local() || !strings.Contains(route.Reason, "not ready (error)") {
				t.Errorf("route without a copy: %+v %v", route, err)
			}
		}
		clock.release(w.d, w)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the load succeeded with Interval 0")
	}
	if s := tr.Status(); s.State != Ready || s.Rows != 3 {
		t.Errorf("after the load: %+v", s)
	}
	if ready, _ := reg.Ready(); !ready {
		t.Error("not ready with a copy")
	}
}

func TestRoute(t *testing.T) {
	reg, tr := testRegistry(t)
	cases := []struct {
		name    string
		dataset string
		mode    ReadMode
		lookup  bool
		copy    bool
		local   bool
		reason  string
		code    pgerror.Code
	}{
		{"live dataset", "public.orders", Auto, false, true, false, "not accelerated", ""},
		{"live dataset, accelerated mode", "public.orders", ReadAccelerated, false, true, false, "not accelerated", ""},
		{"no copy, auto", "public.users", Auto, false, false, false, "not ready (loading)", ""},
		{"no copy, accelerated", "public.users", ReadAccelerated, false, false, false, "", pgerror.ObjectNotInPrerequisiteState},
		{"copy, auto", "public.users", Auto, false, true, true, "accelerated copy (5 rows", ""},
		{"copy, auto lookup", "public.users", Auto, true, true, false, "full primary key lookup", ""},
		{"copy, accelerated lookup", "public.users", ReadAccelerated, true, true, true, "accelerated copy", ""},
		{"copy, live", "public.users", ReadLive, false, true, false, "read_mode is live", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.copy {
				tr.Restored(5, time.Unix(0, 0))
			} else {
				tr.mu.Lock()
				tr.hasCopy, tr.state = false, Loading
				tr.mu.Unlock()
			}
			route, err := reg.Route(c.dataset, c.mode, c.lookup)
			if c.code != "" {
				var pe *pgerror.Error
				if !errors.As(err, &pe) || pe.Code != c.code {
					t.Fatalf("want SQLSTATE %s, got %v", c.code, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if route.Local() != c.local || !strings.Contains(route.Reason, c.reason) {
				t.Errorf("got %+v, want local %v and a reason with %q", route, c.local, c.reason)
			}
			if route.Local() && strings.Join(route.Relation, ".") != "copy_1.main.data" {
				t.Errorf("relation %v", route.Relation)
			}
		})
	}
}

func TestParseReadMode(t *testing.T) {
	for in, want := range map[string]ReadMode{"": Auto, "AUTO": Auto, " live ": ReadLive, "accelerated": ReadAccelerated} {
		if got, err := ParseReadMode(in); err != nil || got != want {
			t.Errorf("ParseReadMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseReadMode("copy"); err == nil {
		t.Error("ParseReadMode(copy) accepted")
	}
}
